#include "common/startup_retry.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"

namespace lookout {
namespace {

// Waits up to `duration` for a stop signal; true when one arrived (it is consumed).
bool StopSignalWithin(absl::Duration duration) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  const absl::Time until = absl::Now() + duration;
  while (true) {
    const timespec timeout = absl::ToTimespec(std::max(until - absl::Now(), absl::ZeroDuration()));
    const int signal_number = sigtimedwait(&set, nullptr, &timeout);
    if (signal_number > 0) {
      LogInfo("stop requested", {{"signal", absl::StrCat(signal_number)}});
      return true;
    }
    // EAGAIN: the time is up; EINTR: another signal, keep waiting.
    if (errno != EINTR || absl::Now() >= until) return false;
  }
}

}  // namespace

absl::Status RetryWhileUnavailable(absl::string_view what,
                                   absl::FunctionRef<absl::Status()> attempt,
                                   const StartupRetryOptions& options) {
  absl::Duration backoff = options.first_backoff;
  for (int tries = 1;; ++tries) {
    absl::Status status = attempt();
    if (status.code() != absl::StatusCode::kUnavailable) return status;
    LogWarning(absl::StrCat(what, " unavailable; trying again"),
               {{"attempt", absl::StrCat(tries)},
                {"retry_in_ms", absl::StrCat(absl::ToInt64Milliseconds(backoff))},
                {"error", std::string(status.message())}});
    if (StopSignalWithin(backoff)) {
      return absl::CancelledError(absl::StrCat("stopped while waiting for ", what));
    }
    backoff = std::min(backoff * 2, options.max_backoff);
  }
}

}  // namespace lookout
