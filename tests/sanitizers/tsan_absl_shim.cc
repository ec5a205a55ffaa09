// Makes absl::Mutex, absl::CondVar and absl::Notification visible to ThreadSanitizer.
//
// Debian's libabsl_synchronization is not built with -fsanitize=thread, so TSan cannot see its
// lock and unlock operations (they are futexes and atomics inside an uninstrumented library) and
// reports every access to mutex-protected data from two threads as a race. gRPC's own locks
// (grpc_core::Mutex, gpr_mu) are absl::Mutex underneath, with the same effect.
//
// This file is linked into every executable of a LOOKOUT_SANITIZER=thread build (and only there,
// see tests/sanitizers/CMakeLists.txt). It defines the out-of-line absl::Mutex, CondVar and
// Notification member functions itself, so the executable's definitions interpose the library's:
// calls from our code bind to them directly, and calls from libgrpc, libgpr and libabsl itself
// reach them through the PLT because the executable exports them (tsan_absl_shim.dynlist). Each
// definition tells TSan what the real function does (__tsan_mutex_* from
// sanitizer/tsan_interface.h, the same annotations an instrumented Abseil makes itself) and
// forwards to the library's function, found with dlsym(RTLD_NEXT).
//
// The *WithTimeout variants are not defined here: the library's versions compute a deadline and
// call the *WithDeadline ones through the PLT, which reach the definitions below (defining both
// would annotate one lock twice). Notification's functions likewise lock through the PLT; they
// are defined here only for the acquire a waiter needs when the flag is already set.
//
// Races are still detected: TSan learns the happens-before edges the locks really create, nothing
// more, and still checks every access our code makes. Lock-order inversions and unlocking an
// unheld mutex are reported too.

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace {

#define LOOKOUT_SHIM_STR2(x) #x
#define LOOKOUT_SHIM_STR(x) LOOKOUT_SHIM_STR2(x)

// Itanium mangling of a member of absl's inline namespace (debian3 in Debian 12), built from
// the name absl/base/options.h gives it, so an Abseil update does not silently break the shim.
std::string Mangled(const char* klass, const char* rest, bool is_const = false) {
  const std::string ns = LOOKOUT_SHIM_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  return std::string("_ZN") + (is_const ? "K" : "") + "4absl" + std::to_string(ns.size()) + ns +
         klass + rest;
}

// The library's definition of a symbol this file interposes. Missing means the Abseil ABI
// changed: stop rather than run a TSan build that reports nonsense.
template <typename Fn>
Fn Real(const std::string& symbol) {
  void* fn = dlsym(RTLD_NEXT, symbol.c_str());
  if (fn == nullptr) {
    std::fprintf(stderr, "tsan_absl_shim: %s not found in libabsl_synchronization\n",
                 symbol.c_str());
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

// Whether `caller` is code of the executable (ours, instrumented) rather than of a library.
bool CalledFromExecutable(const void* caller) {
  static const void* const executable_base = [] {
    Dl_info info{};
    dladdr(reinterpret_cast<const void*>(&Mangled), &info);
    return info.dli_fbase;
  }();
  Dl_info info{};
  return dladdr(caller, &info) != 0 && info.dli_fbase == executable_base;
}

// Itanium C++ ABI: a member function takes `this` as its first argument.
using MutexFn = void (*)(absl::Mutex*);
using MutexBoolFn = bool (*)(absl::Mutex*);
using MutexCondFn = void (*)(absl::Mutex*, const absl::Condition&);
using MutexCondTimeFn = bool (*)(absl::Mutex*, const absl::Condition&, absl::Time);
using CondVarFn = void (*)(absl::CondVar*, absl::Mutex*);
using CondVarTimeFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Time);
using NotificationFn = void (*)(const absl::Notification*);
using NotificationDurationFn = bool (*)(const absl::Notification*, absl::Duration);
using NotificationTimeFn = bool (*)(const absl::Notification*, absl::Time);

// How the calling thread holds `mu`, as TSan flags. absl::Mutex is one word whose kMuWriter bit
// (0x8 in absl/synchronization/mutex.cc) is set while a writer holds it; this is how Abseil's
// own Await tells the two modes apart.
unsigned HoldFlags(absl::Mutex* mu) {
  static_assert(sizeof(absl::Mutex) == sizeof(std::atomic<intptr_t>), "absl::Mutex layout");
  constexpr intptr_t kMuWriter = 0x0008;
  const auto word = reinterpret_cast<std::atomic<intptr_t>*>(mu)->load(std::memory_order_relaxed);
  return (word & kMuWriter) != 0 ? 0 : __tsan_mutex_read_lock;
}

// Unlock and lock again a mutex the calling thread holds, as TSan should see a wait that
// releases it and takes it back (CondVar::Wait, Mutex::Await), in the mode it is held in. The
// real function runs between BeginRelock and EndRelock; TSan ignores the library's accesses
// (and the Condition our code passes, which the library may evaluate on another thread) there.
unsigned BeginRelock(absl::Mutex* mu) {
  const unsigned flags = HoldFlags(mu);
  __tsan_mutex_pre_unlock(mu, flags);
  __tsan_mutex_post_unlock(mu, flags);
  __tsan_mutex_pre_lock(mu, flags);
  return flags;
}
void EndRelock(absl::Mutex* mu, unsigned flags) { __tsan_mutex_post_lock(mu, flags, 0); }

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

// --- Mutex: exclusive ---

void Mutex::Lock() {
  static const auto real = Real<MutexFn>(Mangled("5Mutex", "4LockEv"));
  __tsan_mutex_pre_lock(this, 0);
  real(this);
  __tsan_mutex_post_lock(this, 0, 0);
}

bool Mutex::TryLock() {
  static const auto real = Real<MutexBoolFn>(Mangled("5Mutex", "7TryLockEv"));
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
  const bool locked = real(this);
  __tsan_mutex_post_lock(
      this, locked ? __tsan_mutex_try_lock : __tsan_mutex_try_lock | __tsan_mutex_try_lock_failed,
      0);
  return locked;
}

void Mutex::Unlock() {
  static const auto real = Real<MutexFn>(Mangled("5Mutex", "6UnlockEv"));
  __tsan_mutex_pre_unlock(this, 0);
  real(this);
  __tsan_mutex_post_unlock(this, 0);
}

void Mutex::LockWhen(const Condition& cond) {
  static const auto real = Real<MutexCondFn>(Mangled("5Mutex", "8LockWhenERKNS0_9ConditionE"));
  __tsan_mutex_pre_lock(this, 0);
  real(this, cond);
  __tsan_mutex_post_lock(this, 0, 0);
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real = Real<MutexCondTimeFn>(
      Mangled("5Mutex", "20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE"));
  __tsan_mutex_pre_lock(this, 0);
  const bool result = real(this, cond, deadline);  // holds the lock either way
  __tsan_mutex_post_lock(this, 0, 0);
  return result;
}

// --- Mutex: shared ---

void Mutex::ReaderLock() {
  static const auto real = Real<MutexFn>(Mangled("5Mutex", "10ReaderLockEv"));
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  real(this);
  __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
}

bool Mutex::ReaderTryLock() {
  static const auto real = Real<MutexBoolFn>(Mangled("5Mutex", "13ReaderTryLockEv"));
  const unsigned flags = __tsan_mutex_read_lock | __tsan_mutex_try_lock;
  __tsan_mutex_pre_lock(this, flags);
  const bool locked = real(this);
  __tsan_mutex_post_lock(this, locked ? flags : flags | __tsan_mutex_try_lock_failed, 0);
  return locked;
}

void Mutex::ReaderUnlock() {
  static const auto real = Real<MutexFn>(Mangled("5Mutex", "12ReaderUnlockEv"));
  __tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock);
  real(this);
  __tsan_mutex_post_unlock(this, __tsan_mutex_read_lock);
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  static const auto real =
      Real<MutexCondFn>(Mangled("5Mutex", "14ReaderLockWhenERKNS0_9ConditionE"));
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  real(this, cond);
  __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
}

bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real = Real<MutexCondTimeFn>(
      Mangled("5Mutex", "26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE"));
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  const bool result = real(this, cond, deadline);
  __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
  return result;
}

// --- Mutex: waiting while holding it, exclusively or shared ---

void Mutex::Await(const Condition& cond) {
  static const auto real = Real<MutexCondFn>(Mangled("5Mutex", "5AwaitERKNS0_9ConditionE"));
  const unsigned flags = BeginRelock(this);
  real(this, cond);
  EndRelock(this, flags);
}

bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  static const auto real = Real<MutexCondTimeFn>(
      Mangled("5Mutex", "17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE"));
  const unsigned flags = BeginRelock(this);
  const bool result = real(this, cond, deadline);
  EndRelock(this, flags);
  return result;
}

// A destroyed mutex's address may hold a new mutex later, and TSan reports destroying a locked
// one. Only for mutexes our code destroys: destroying one also counts as a write to it, and
// gRPC frees its own mutexes on whichever thread drops the last (uninstrumented, so invisible)
// reference, which would read as a race. Freeing the memory forgets the mutex either way.
Mutex::~Mutex() {
  static const auto real = Real<MutexFn>(Mangled("5Mutex", "D2Ev"));
  if (CalledFromExecutable(__builtin_return_address(0))) __tsan_mutex_destroy(this, 0);
  real(this);
}

// --- CondVar: the mutex is released while waiting and held again on return ---

void CondVar::Wait(Mutex* mu) {
  static const auto real = Real<CondVarFn>(Mangled("7CondVar", "4WaitEPNS0_5MutexE"));
  const unsigned flags = BeginRelock(mu);
  real(this, mu);
  EndRelock(mu, flags);
}

bool CondVar::WaitWithDeadline(Mutex* mu, absl::Time deadline) {
  static const auto real = Real<CondVarTimeFn>(
      Mangled("7CondVar", "16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE"));
  const unsigned flags = BeginRelock(mu);
  const bool result = real(this, mu, deadline);
  EndRelock(mu, flags);
  return result;
}

// --- Notification ---
// Notify() locks and unlocks the notification's own mutex (which sits at its address) through
// the functions above, so it releases into that mutex's clock. A waiter that finds the flag
// already set never takes the mutex, so it acquires that clock itself here.

void Notification::WaitForNotification() const {
  static const auto real =
      Real<NotificationFn>(Mangled("12Notification", "19WaitForNotificationEv", true));
  real(this);
  __tsan_acquire(const_cast<Notification*>(this));
}

bool Notification::WaitForNotificationWithTimeout(absl::Duration timeout) const {
  static const auto real = Real<NotificationDurationFn>(
      Mangled("12Notification", "30WaitForNotificationWithTimeoutENS0_8DurationE", true));
  const bool notified = real(this, timeout);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(absl::Time deadline) const {
  static const auto real = Real<NotificationTimeFn>(
      Mangled("12Notification", "31WaitForNotificationWithDeadlineENS0_4TimeE", true));
  const bool notified = real(this, deadline);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
