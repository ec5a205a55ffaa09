// Whether one event matches an EventFilter, decided in memory. WatchEvents filters its change
// stream with it and the stats service filters its read model with it, so both agree with each
// other and (except for `text`, see below) with ListEvents' SQL.
#ifndef LOOKOUT_EVENT_FILTER_MATCHER_H_
#define LOOKOUT_EVENT_FILTER_MATCHER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::event_filter {

// True when `event` satisfies every set field of `filter` (repeated fields match any value).
// `filter` must have passed ValidateFilter.
//
// `text` is an approximation of ListEvents' SQLite FTS5 search: every word of the query must
// appear as a word of the notes, ignoring ASCII case; a word ending in '*' matches as a prefix;
// FTS operators (AND, OR, NOT, NEAR, quotes, parentheses, column filters) are not interpreted,
// and accents are not folded. Only WatchEvents (and in-memory readers) use it; the cases where
// it knowingly differs are in testing/filter_cases.cc (matcher_differs, fts_error).
bool MatchesFilter(const lookout::event::v1::Event& event,
                   const lookout::event::v1::EventFilter& filter);

// The words of `text` as MatchesFilter compares them: runs of ASCII letters and digits and of
// non-ASCII bytes, lower-cased. Exposed for tests.
std::vector<std::string> TextWords(absl::string_view text);

}  // namespace lookout::event_filter

#endif  // LOOKOUT_EVENT_FILTER_MATCHER_H_
