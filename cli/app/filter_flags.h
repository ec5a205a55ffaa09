// The EventFilter fields as command-line flags, shared by events list, export, stats:
//   --country HTI,KEN --admin1 Ouest --type battles --sub-type "Armed clash" --actor act_x
//   --from 2024-01-01 --to 2024-01-31 --min-fatalities 1 --text kidnapping
//   --bbox 18.0,-73.0,19.0,-72.0 --tag crowd
#ifndef LOOKOUT_CLI_APP_FILTER_FLAGS_H_
#define LOOKOUT_CLI_APP_FILTER_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/app/args.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::cli {

// The filter flags, for Args::CheckAllowed.
const std::vector<absl::string_view>& FilterFlagNames();

// INVALID_ARGUMENT naming the flag for a value that cannot be right (a date that is not
// YYYY-MM-DD, an unknown event type, a malformed box). --actor is copied as given; callers
// turn a name into an id.
absl::StatusOr<lookout::event::v1::EventFilter> FilterFromArgs(const Args& args,
                                                               bool allow_dates = true);

// --as-of SEQ (events get, events list, export): the change sequence to read the past at, into
// `as_of` (0 without the flag). False when the value is not a whole number of 1 or more.
bool ParseAsOf(const Args& args, int64_t* as_of);

// `base` plus `extra`.
std::vector<absl::string_view> WithFlags(std::vector<absl::string_view> base,
                                         const std::vector<absl::string_view>& extra);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_FILTER_FLAGS_H_
