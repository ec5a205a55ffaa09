// Start-up against a database server that may not be up yet (a pod scheduled before its
// database, a restart of both): keep trying while the server is unreachable, with one log line
// per try, instead of exiting and being restarted in a loop. Any other error ends the wait.
#ifndef LOOKOUT_COMMON_OPEN_WHEN_REACHABLE_H_
#define LOOKOUT_COMMON_OPEN_WHEN_REACHABLE_H_

#include <algorithm>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "common/logging.h"

namespace lookout {

template <typename T>
absl::StatusOr<T> OpenWhenReachable(absl::string_view what,
                                    absl::FunctionRef<absl::StatusOr<T>()> open) {
  absl::Duration wait = absl::Milliseconds(500);
  while (true) {
    absl::StatusOr<T> opened = open();
    if (opened.ok() || opened.status().code() != absl::StatusCode::kUnavailable) return opened;
    LogWarning("the database is unreachable; trying again",
               {{"store", std::string(what)},
                {"error", std::string(opened.status().message())},
                {"retry_in_ms", std::to_string(absl::ToInt64Milliseconds(wait))}});
    absl::SleepFor(wait);
    wait = std::min(wait * 2, absl::Seconds(5));
  }
}

}  // namespace lookout

#endif  // LOOKOUT_COMMON_OPEN_WHEN_REACHABLE_H_
