// The one table of what an EventFilter means: (filter, event, matches?) cases for every field,
// their boundaries (inclusive dates and box edges, text words, case rules) and invalid filters
// with their error. Its runners: the in-memory matcher and ValidateFilter
// (tests/unit/event_filter_cases_test.cc), ListEvents and WatchEvents on a real event service and
// AggregateEvents on a real stats service (tests/integration/event_filter_cases_test.cc). A new
// EventFilter field needs its cases here: the unit runner walks the field descriptors and fails
// for a field no case covers.
#ifndef LOOKOUT_EVENT_FILTER_TESTING_FILTER_CASES_H_
#define LOOKOUT_EVENT_FILTER_TESTING_FILTER_CASES_H_

#include <map>
#include <string>
#include <vector>

#include "lookout/event/v1/event.pb.h"

namespace lookout::event_filter::testing {

// Actor ids the cases use. A runner against a real event service creates an actor for each and
// puts its real id in their place (WithActorIds).
const std::vector<std::string>& CaseActorIds();

struct FilterCase {
  std::string name;  // unique
  lookout::event::v1::EventFilter filter;
  // The event as the event service stores it: `fatalities` is its best KILLED count.
  lookout::event::v1::Event event;

  // A valid filter: whether `event` matches it, in ListEvents, WatchEvents (the matcher) and
  // AggregateEvents alike.
  bool matches = false;
  // An invalid filter: INVALID_ARGUMENT naming `error_field` ("filter.bbox.min_latitude"), with
  // `error_part` in the message, from ValidateFilter and so from every service.
  std::string error_field;
  std::string error_part;

  bool invalid() const { return !error_field.empty(); }
};

// Every case, in a stable order.
const std::vector<FilterCase>& FilterCases();

// `c` with each actor id of CaseActorIds() replaced by ids.at(it), in the event and the filter.
FilterCase WithActorIds(const FilterCase& c, const std::map<std::string, std::string>& ids);

}  // namespace lookout::event_filter::testing

#endif  // LOOKOUT_EVENT_FILTER_TESTING_FILTER_CASES_H_
