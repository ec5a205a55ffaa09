// The read model's compiled filters must agree with the shared matcher
// (event_filter::MatchesFilter) on every event, through creates, updates and deletes.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "event_filter/event_validation.h"
#include "event_filter/matcher.h"
#include "services/stats/compiled_filter.h"
#include "services/stats/event_columns.h"
#include "tests/unit/stats_test_events.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::event::v1::EventFilter;

class StatsCompiledFilterTest : public ::testing::Test {
 protected:
  // Checks every filter against every live event, both ways the compiled filter answers.
  void ExpectAgreement(const EventFilter& filter) {
    ASSERT_TRUE(event_filter::ValidateFilter(filter).ok()) << filter.DebugString();
    CompiledFilter compiled(filter, columns_);
    std::set<uint32_t> visited;
    compiled.ForEachMatch([&](uint32_t slot) { EXPECT_TRUE(visited.insert(slot).second); });
    std::set<uint32_t> expected;
    for (const auto& [id, event] : events_) {
      const uint32_t slot = *columns_.SlotOf(id);
      const bool matches = event_filter::MatchesFilter(event, filter);
      ASSERT_EQ(compiled.Matches(slot), matches)
          << "event " << event.DebugString() << "filter " << filter.DebugString();
      if (matches) expected.insert(slot);
    }
    EXPECT_EQ(visited, expected) << filter.DebugString();
  }

  void Put(const Event& event) {
    ASSERT_TRUE(columns_.Upsert(event).ok());
    events_[event.id()] = event;
  }

  EventColumns columns_;
  std::map<std::string, Event> events_;
  absl::BitGen gen_;
  const std::vector<std::string> actors_ = testing::TestActors();
};

TEST_F(StatsCompiledFilterTest, AgreesWithTheSharedMatcherOnRandomEventsAndFilters) {
  for (int i = 0; i < 400; ++i) {
    // Mostly ids the event service issues, some in another shape (kept by string).
    const std::string id = i % 10 == 0 ? absl::StrFormat("imported-%d", i)
                                       : "evt_" + testing::Hex16(0x9e3779b97f4a7c15ULL * (i + 1));
    Put(testing::RandomEvent(gen_, id, actors_));
  }
  for (int i = 0; i < 300; ++i) ExpectAgreement(testing::RandomFilter(gen_, actors_));
}

TEST_F(StatsCompiledFilterTest, StaysInAgreementThroughUpdatesAndDeletes) {
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i) {
    ids.push_back("evt_" + testing::Hex16(i + 1));
    Put(testing::RandomEvent(gen_, ids.back(), actors_));
  }
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 60; ++i) {
      const std::string& id = testing::Pick(gen_, ids);
      if (absl::Bernoulli(gen_, 0.4) && events_.count(id) > 0) {
        EXPECT_TRUE(columns_.Remove(id));
        events_.erase(id);
      } else {
        // An update, or the re-creation of a deleted id in a freed slot.
        Put(testing::RandomEvent(gen_, id, actors_));
      }
    }
    EXPECT_EQ(columns_.live_count(), events_.size());
    for (int i = 0; i < 60; ++i) ExpectAgreement(testing::RandomFilter(gen_, actors_));
  }
}

TEST_F(StatsCompiledFilterTest, AnActorFilterWalksOnlyThatActorsPostings) {
  Event event = testing::RandomEvent(gen_, "evt_0000000000000001", actors_);
  event.clear_participants();
  event.add_participants()->set_actor_id("act_1");
  event.add_participants()->set_actor_id("act_2");
  Put(event);
  event.set_id("evt_0000000000000002");
  event.clear_participants();
  event.add_participants()->set_actor_id("act_2");
  Put(event);
  EventFilter filter;
  filter.set_actor_id("act_1");
  int visits = 0;
  CompiledFilter(filter, columns_).ForEachMatch([&](uint32_t) { ++visits; });
  EXPECT_EQ(visits, 1);
  filter.set_actor_id("act_2");
  visits = 0;
  CompiledFilter(filter, columns_).ForEachMatch([&](uint32_t) { ++visits; });
  EXPECT_EQ(visits, 2);
  // After an update drops act_2 from the first event, its postings forget it.
  event.set_id("evt_0000000000000001");
  event.clear_participants();
  event.add_participants()->set_actor_id("act_1");
  Put(event);
  visits = 0;
  CompiledFilter(filter, columns_).ForEachMatch([&](uint32_t) { ++visits; });
  EXPECT_EQ(visits, 1);
}

TEST_F(StatsCompiledFilterTest, TextMatchesComeFromTheGivenSlots) {
  Put(testing::RandomEvent(gen_, "evt_0000000000000001", actors_));
  Put(testing::RandomEvent(gen_, "evt_0000000000000002", actors_));
  EventFilter filter;
  filter.set_text("anything");
  absl::flat_hash_set<uint32_t> slots = {*columns_.SlotOf("evt_0000000000000002")};
  std::vector<uint32_t> visited;
  CompiledFilter(filter, columns_, &slots).ForEachMatch([&](uint32_t s) { visited.push_back(s); });
  EXPECT_EQ(visited, std::vector<uint32_t>{*columns_.SlotOf("evt_0000000000000002")});
  // Without the event service's answer nothing can be said to match.
  visited.clear();
  CompiledFilter(filter, columns_).ForEachMatch([&](uint32_t s) { visited.push_back(s); });
  EXPECT_TRUE(visited.empty());
}

}  // namespace
}  // namespace lookout::stats
