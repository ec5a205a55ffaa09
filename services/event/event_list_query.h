// ListEvents' order_by values and page cursors. A page token carries the cursor (the sort key
// and id of the last event sent), MAC-bound by PageTokenCodec to the canonical query, so a token
// is only accepted with the filter and order it was issued for.
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_LIST_QUERY_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_LIST_QUERY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lookout/event/v1/event.pb.h"
#include "services/event/event_store.h"

namespace lookout::event {

// "" and "event_date desc" (the default), "event_date asc", "fatalities desc"; case and extra
// spaces are ignored. Anything else is INVALID_ARGUMENT naming order_by and the allowed values.
absl::StatusOr<EventOrder> ParseOrderBy(absl::string_view order_by);

// Everything a page token is bound to, serialized deterministically.
std::string CanonicalQuery(const lookout::event::v1::EventFilter& filter, EventOrder order);

std::string EncodeCursor(const EventCursor& cursor);
// INVALID_ARGUMENT naming page_token when `text` is not a cursor EncodeCursor wrote.
absl::StatusOr<EventCursor> DecodeCursor(absl::string_view text);

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_LIST_QUERY_H_
