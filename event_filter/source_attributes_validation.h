// Input rules for an event's source attributes (source_attributes.proto) and for the filter
// fields that test them: ranges of the source systems' own codes and scores, text lengths. Each
// check returns OK or INVALID_ARGUMENT naming the field by its path ("event.gdelt.quad_class").
#ifndef LOOKOUT_EVENT_FILTER_SOURCE_ATTRIBUTES_VALIDATION_H_
#define LOOKOUT_EVENT_FILTER_SOURCE_ATTRIBUTES_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::event_filter {

// The attributes set in `event`'s source_attributes oneof, if any; `prefix` is the event's path.
absl::Status ValidateSourceAttributes(const lookout::event::v1::Event& event,
                                      absl::string_view prefix);

// The filter's source attribute fields (11-19); `prefix` is the filter's path.
absl::Status ValidateSourceAttributeFilter(const lookout::event::v1::EventFilter& filter,
                                           absl::string_view prefix);

// Whether the filter tests a source attribute (fields 11-19; a NumberRange without a bound tests
// nothing). The stats service has such filters decided by the event service, as it has `text`.
bool HasSourceAttributeFilter(const lookout::event::v1::EventFilter& filter);

// ACLED's interaction code rule: 0-88, each digit an actor type code 0-8.
bool IsAcledInteraction(int64_t code);

}  // namespace lookout::event_filter

#endif  // LOOKOUT_EVENT_FILTER_SOURCE_ATTRIBUTES_VALIDATION_H_
