// Whether one event matches an EventFilter, decided in memory. WatchEvents filters its change
// stream with it and the stats service filters its read model with it, so both agree with each
// other and with ListEvents' SQL.
#ifndef LOOKOUT_EVENT_FILTER_MATCHER_H_
#define LOOKOUT_EVENT_FILTER_MATCHER_H_

#include "lookout/event/v1/event.pb.h"

namespace lookout::event_filter {

// True when `event` satisfies every set field of `filter` (repeated fields match any value).
// `filter` must have passed ValidateFilter.
//
// `text` matches when every word of the query is a word of the notes (a word written with '*'
// right after it starts one), words read as text_words.h says: the same answer ListEvents' FTS5
// index gives.
bool MatchesFilter(const lookout::event::v1::Event& event,
                   const lookout::event::v1::EventFilter& filter);

}  // namespace lookout::event_filter

#endif  // LOOKOUT_EVENT_FILTER_MATCHER_H_
