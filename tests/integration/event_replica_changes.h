// What the event replica tests compare: changes as the change log or a write's response names
// them, and a way to send two requests at the same moment.
#ifndef LOOKOUT_TESTS_INTEGRATION_EVENT_REPLICA_CHANGES_H_
#define LOOKOUT_TESTS_INTEGRATION_EVENT_REPLICA_CHANGES_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "lookout/event/v1/event_service.pb.h"

namespace lookout::event::testing {

// One change to one event, as the change log or a response names it.
struct Change {
  int64_t sequence = 0;
  v1::ChangeType type = v1::CHANGE_TYPE_UNSPECIFIED;
  std::string event_id;
  std::string etag;

  bool operator==(const Change& other) const;
};

std::ostream& operator<<(std::ostream& out, const Change& change);

Change ChangeOf(const v1::WatchEventsResponse& message);
std::vector<Change> ChangesOf(const std::vector<v1::WatchEventsResponse>& log);

// Where two lists first differ, for a readable failure (the lists hold thousands of changes).
std::string FirstDifference(const std::vector<Change>& got, const std::vector<Change>& want);

// Runs `first` and `second` on two threads released at the same moment.
void AtTheSameMoment(const std::function<void()>& first, const std::function<void()>& second);

}  // namespace lookout::event::testing

#endif  // LOOKOUT_TESTS_INTEGRATION_EVENT_REPLICA_CHANGES_H_
