// The sub_event_type taxonomy of DOMAIN.md: for each EventType, the sub-event types it allows,
// in ACLED's exact wording (Lookout's own wording for the political and legal types).
#ifndef LOOKOUT_EVENT_FILTER_EVENT_TAXONOMY_H_
#define LOOKOUT_EVENT_FILTER_EVENT_TAXONOMY_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::event_filter {

// The sub-event types of `type`, in DOMAIN.md's order; empty for UNSPECIFIED or unknown values.
const std::vector<std::string>& SubEventTypes(lookout::event::v1::EventType type);

// Whether `sub_event_type` belongs to `type`. Matching is exact (case and punctuation), so
// stored values always carry the canonical wording that filters and aggregations group by.
bool IsSubEventTypeOf(lookout::event::v1::EventType type, absl::string_view sub_event_type);

// Whether `sub_event_type` belongs to any event type.
bool IsKnownSubEventType(absl::string_view sub_event_type);

// The allowed values of `type` for error messages: "\"Armed clash\", \"Government ...\"".
std::string AllowedSubEventTypesText(lookout::event::v1::EventType type);

}  // namespace lookout::event_filter

#endif  // LOOKOUT_EVENT_FILTER_EVENT_TAXONOMY_H_
