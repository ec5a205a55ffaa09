// Start-up against a dependency that may not be up yet (a database server starting beside the
// service, or failing over): try again with backoff rather than exit, so an orchestrator does
// not have to restart the process in a loop, while still stopping promptly on SIGTERM.
#ifndef LOOKOUT_COMMON_STARTUP_RETRY_H_
#define LOOKOUT_COMMON_STARTUP_RETRY_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lookout {

struct StartupRetryOptions {
  absl::Duration first_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(10);
};

// Runs `attempt` until it returns OK or a code other than UNAVAILABLE (which it returns), logging
// each UNAVAILABLE try as a warning naming `what`. Between tries it waits for SIGTERM or SIGINT
// (blocked by InstallProcessSignalHandling) at most the backoff: a stop signal ends the retries
// with CANCELLED, and the caller exits.
absl::Status RetryWhileUnavailable(absl::string_view what,
                                   absl::FunctionRef<absl::Status()> attempt,
                                   const StartupRetryOptions& options = {});

}  // namespace lookout

#endif  // LOOKOUT_COMMON_STARTUP_RETRY_H_
