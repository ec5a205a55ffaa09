#include "tests/integration/event_replica_changes.h"

#include <algorithm>
#include <atomic>
#include <sstream>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace lookout::event::testing {

bool Change::operator==(const Change& other) const {
  return std::tie(sequence, type, event_id, etag) ==
         std::tie(other.sequence, other.type, other.event_id, other.etag);
}

std::ostream& operator<<(std::ostream& out, const Change& change) {
  return out << "{" << change.sequence << " " << v1::ChangeType_Name(change.type) << " "
             << change.event_id << " " << change.etag << "}";
}

Change ChangeOf(const v1::WatchEventsResponse& message) {
  return Change{message.sequence(), message.type(), message.event().id(), message.event().etag()};
}

std::vector<Change> ChangesOf(const std::vector<v1::WatchEventsResponse>& log) {
  std::vector<Change> changes;
  changes.reserve(log.size());
  for (const auto& message : log) changes.push_back(ChangeOf(message));
  return changes;
}

std::string FirstDifference(const std::vector<Change>& got, const std::vector<Change>& want) {
  for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
    if (i >= got.size()) return absl::StrCat("missing from index ", i);
    if (i >= want.size()) return absl::StrCat("extra from index ", i);
    if (!(got[i] == want[i])) {
      std::ostringstream out;
      out << "index " << i << ": got " << got[i] << ", the log has " << want[i];
      return out.str();
    }
  }
  return "none";
}

void AtTheSameMoment(const std::function<void()>& first, const std::function<void()>& second) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  auto start = [&](const std::function<void()>& fn) {
    return std::thread([&ready, &go, &fn] {
      ready.fetch_add(1);
      // Spinning, not sleeping: both calls leave within microseconds of each other.
      while (!go.load()) std::this_thread::yield();
      fn();
    });
  };
  std::thread a = start(first);
  std::thread b = start(second);
  while (ready.load() < 2) std::this_thread::yield();
  go.store(true);
  a.join();
  b.join();
}

}  // namespace lookout::event::testing
