// Tells ThreadSanitizer the one ordering gRPC promises for every batch of a call: what the thread
// that starts a batch did before grpc_call_start_batch happens before the batch's completion is
// handled, on whichever thread handles it.
//
// Debian's libgrpc is not instrumented, so TSan cannot see how a batch travels from the thread
// that starts it to the gRPC thread that completes it (lock-free queues, the call combiner, the
// poller). gRPC's own header code, compiled into our binaries, then runs on both sides of that
// invisible handoff: a ClientContext our thread allocated is read by RunInterceptors on the thread
// that completes the call's first batch; a callback tag's std::function, set by the reaction that
// calls Finish or StartRead, is read by CallbackWithSuccessTag::Run on the thread that completes
// it. TSan reported both as races although gRPC orders them.
//
// The edge is stated on the batch's completion-queue tag, the one value both ends share:
//   * grpc_call_start_batch releases the tag, then starts the batch (libgrpc's function, found
//     with dlsym(RTLD_NEXT));
//   * grpc_completion_queue_next acquires the tag of the event it returns, before the caller
//     (libgrpc++'s callback threads, a server's completion queues) runs the tag.
// The executable defines both, and exports them (tsan_absl_shim.dynlist), so the calls libgrpc++
// makes reach these definitions. The edge is the one gRPC guarantees, nothing more: a race of our
// own, between steps that gRPC does not order, is still reported. Linked only into
// LOOKOUT_SANITIZER=thread executables (tests/sanitizers/CMakeLists.txt).

#include <dlfcn.h>
#include <grpc/grpc.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>

namespace {

// The library's definition of a function this file interposes; missing means gRPC's ABI changed:
// stop rather than run a TSan build without the edge.
void* RealGrpc(const char* symbol) {
  void* fn = dlsym(RTLD_NEXT, symbol);
  if (fn == nullptr) {
    std::fprintf(stderr, "tsan_grpc_shim: %s not found in libgrpc\n", symbol);
    std::abort();
  }
  return fn;
}

using StartBatchFn = grpc_call_error (*)(grpc_call*, const grpc_op*, size_t, void*, void*);
using NextFn = grpc_event (*)(grpc_completion_queue*, gpr_timespec, void*);

}  // namespace

extern "C" {

grpc_call_error grpc_call_start_batch(grpc_call* call, const grpc_op* ops, size_t nops, void* tag,
                                      void* reserved) {
  static const auto real = reinterpret_cast<StartBatchFn>(RealGrpc("grpc_call_start_batch"));
  // Before the batch starts: its completion may run on another thread at once.
  if (tag != nullptr) __tsan_release(tag);
  return real(call, ops, nops, tag, reserved);
}

grpc_event grpc_completion_queue_next(grpc_completion_queue* cq, gpr_timespec deadline,
                                      void* reserved) {
  static const auto real = reinterpret_cast<NextFn>(RealGrpc("grpc_completion_queue_next"));
  grpc_event event = real(cq, deadline, reserved);
  if (event.type == GRPC_OP_COMPLETE && event.tag != nullptr) __tsan_acquire(event.tag);
  return event;
}

}  // extern "C"
