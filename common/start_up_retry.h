// Start-up that waits for a dependency instead of exiting: a replica started before its
// database (or while it fails over) comes up by itself once the database answers.
#ifndef LOOKOUT_COMMON_START_UP_RETRY_H_
#define LOOKOUT_COMMON_START_UP_RETRY_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lookout {

// Runs `attempt` until it succeeds or fails with anything but UNAVAILABLE (returned as is),
// logging each UNAVAILABLE as a warning naming `what` and waiting 1 to 2 s (jittered, so
// replicas do not retry in step) before the next try. SIGTERM or SIGINT during a wait ends it:
// CANCELLED. Needs InstallProcessSignalHandling (the signals blocked, so a wait can take them).
absl::Status RetryWhileUnavailable(absl::string_view what,
                                   absl::FunctionRef<absl::Status()> attempt);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_START_UP_RETRY_H_
