#include "common/start_up_retry.h"

#include <signal.h>
#include <time.h>

#include <cerrno>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/logging.h"

namespace lookout {
namespace {

// Waits `duration` for SIGTERM or SIGINT; true when one arrived (it is consumed).
bool StopSignalWithin(absl::Duration duration) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  const absl::Time until = absl::Now() + duration;
  while (true) {
    const absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    const timespec timeout = absl::ToTimespec(left);
    const int signal_number = sigtimedwait(&set, nullptr, &timeout);
    if (signal_number > 0) return true;
    if (errno != EINTR) return false;  // EAGAIN: the time is up
  }
}

}  // namespace

absl::Status RetryWhileUnavailable(absl::string_view what,
                                   absl::FunctionRef<absl::Status()> attempt) {
  absl::BitGen random;
  for (int tries = 1;; ++tries) {
    absl::Status status = attempt();
    if (status.code() != absl::StatusCode::kUnavailable) return status;
    const absl::Duration wait = absl::Milliseconds(absl::Uniform(random, 1000, 2000));
    LogWarning("waiting for a dependency at start-up",
               {{"dependency", std::string(what)},
                {"error", std::string(status.message())},
                {"tries", absl::StrCat(tries)},
                {"next_try_ms", absl::StrCat(absl::ToInt64Milliseconds(wait))}});
    if (StopSignalWithin(wait)) {
      return absl::CancelledError(absl::StrCat("stopped while waiting for ", what));
    }
  }
}

}  // namespace lookout
