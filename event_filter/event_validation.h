// Input rules for events and event filters. Each check returns OK or INVALID_ARGUMENT naming the
// offending field by its path from the request ("event.location.latitude",
// "filter.country_codes[1]"), with the path also attached as errors::FieldOf's payload.
//
// Part of the EventFilter's one meaning (see README.md here): the event service checks what it
// stores and what ListEvents and WatchEvents are asked with; the stats service checks its
// filters with the same rules, and relies on stored events having passed ValidateEvent.
#ifndef LOOKOUT_EVENT_FILTER_EVENT_VALIDATION_H_
#define LOOKOUT_EVENT_FILTER_EVENT_VALIDATION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::event_filter {

inline constexpr size_t kMaxTagLength = 100;
inline constexpr size_t kMaxFilterTextLength = 500;
inline constexpr size_t kMaxFilterValues = 300;  // entries of each repeated filter field
// The largest casualty count (best, low or high) an event may carry: above any count reported
// for one event, and small enough that adding up every event a server holds (fewer than 2^32)
// cannot pass 2^63 - 1.
inline constexpr int64_t kMaxCasualtyCount = 1000000000;

// Every rule for an event as it will be stored. Output-only fields (id, fatalities, times,
// sequence, etag) are not looked at: callers clear or set them.
absl::Status ValidateEvent(const lookout::event::v1::Event& event,
                           absl::string_view prefix = "event");

// Every rule for a filter (ListEvents, WatchEvents and the stats service share it).
absl::Status ValidateFilter(const lookout::event::v1::EventFilter& filter,
                            absl::string_view prefix = "filter");

// Whether a bounding box was given. An absent box and an all-zero one ("bbox": {} in JSON) both
// mean "no box": a point box at (0, 0) is never what a caller meant.
bool HasBoundingBox(const lookout::event::v1::EventFilter& filter);

}  // namespace lookout::event_filter

#endif  // LOOKOUT_EVENT_FILTER_EVENT_VALIDATION_H_
