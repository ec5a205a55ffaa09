// The EventFilter fields as command-line flags, shared by events list, export, stats:
//   --country HTI,KEN --admin1 Ouest --type battles --sub-type "Armed clash" --actor act_x
//   --from 2024-01-01 --to 2024-01-31 --min-fatalities 1 --text kidnapping
//   --bbox 18.0,-73.0,19.0,-72.0 --tag crowd
#ifndef LOOKOUT_CLI_APP_FILTER_FLAGS_H_
#define LOOKOUT_CLI_APP_FILTER_FLAGS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
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

// --as-of (events get, events list, export): a change sequence (1 or more), a date YYYY-MM-DD
// (the end of that day, UTC) or an RFC 3339 time, set as as_of_sequence or as_of_time on
// `request` (a GetEventRequest or ListEventsRequest). False when the value is none of those.
bool ParseAsOf(const Args& args, int64_t* sequence, std::optional<absl::Time>* time);
template <typename Request>
bool SetAsOf(const Args& args, Request* request) {
  int64_t sequence = 0;
  std::optional<absl::Time> time;
  if (!ParseAsOf(args, &sequence, &time)) return false;
  request->set_as_of_sequence(sequence);
  if (time.has_value()) {
    request->mutable_as_of_time()->set_seconds(absl::ToUnixSeconds(*time));
    request->mutable_as_of_time()->set_nanos(
        static_cast<int32_t>((*time - absl::FromUnixSeconds(absl::ToUnixSeconds(*time))) /
                             absl::Nanoseconds(1)));
  }
  return true;
}
inline constexpr char kAsOfUsage[] =
    "--as-of must be a change sequence (1 or more), a date YYYY-MM-DD or an RFC 3339 time";

// `base` plus `extra`.
std::vector<absl::string_view> WithFlags(std::vector<absl::string_view> base,
                                         const std::vector<absl::string_view>& extra);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_FILTER_FLAGS_H_
