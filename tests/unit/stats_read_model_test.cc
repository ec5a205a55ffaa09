#include <gtest/gtest.h>

#include <thread>

#include "services/stats/compiled_filter.h"
#include "services/stats/grouping.h"
#include "services/stats/read_model.h"
#include "tests/unit/stats_test_events.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::Event;
using testing::Change;

Event Simple(const std::string& id, const std::string& date, int64_t killed,
             const std::string& country = "HTI") {
  Event e;
  e.set_id(id);
  e.set_event_date(date);
  e.set_event_type(event::v1::EVENT_TYPE_BATTLES);
  e.mutable_location()->set_country_code(country);
  e.set_fatalities(killed);
  return e;
}

// (events, fatalities) over everything the model holds.
std::pair<int64_t, int64_t> Totals(const ReadModel& model) {
  return model.Read([](const EventColumns& columns, int64_t) {
    Grouping g = GroupEvents(columns, CompiledFilter({}, columns), {});
    return std::make_pair(g.total_events, g.total_fatalities);
  });
}

TEST(StatsReadModelTest, AppliesCreatesUpdatesAndDeletesInOrder) {
  ReadModel model;
  model.Apply(Change(1, event::v1::CHANGE_TYPE_CREATED, Simple("evt_a", "2024-01-01", 3)));
  model.Apply(Change(2, event::v1::CHANGE_TYPE_CREATED, Simple("evt_b", "2024-01-02", 4)));
  EXPECT_EQ(Totals(model), std::make_pair(int64_t{2}, int64_t{7}));
  model.Apply(Change(3, event::v1::CHANGE_TYPE_UPDATED, Simple("evt_a", "2024-01-01", 10)));
  EXPECT_EQ(Totals(model), std::make_pair(int64_t{2}, int64_t{14}));
  model.Apply(Change(4, event::v1::CHANGE_TYPE_DELETED, Simple("evt_b", "2024-01-02", 4)));
  EXPECT_EQ(Totals(model), std::make_pair(int64_t{1}, int64_t{10}));
  EXPECT_EQ(model.applied_sequence(), 4);
}

TEST(StatsReadModelTest, KeepsTheLogItsChangesComeFromUntilReset) {
  ReadModel model;
  event::v1::WatchEventsResponse first =
      Change(1, event::v1::CHANGE_TYPE_CREATED, Simple("evt_a", "2024-01-01", 3));
  first.set_change_log_id("0a1b");
  model.Apply(first);
  model.Apply(Change(2, event::v1::CHANGE_TYPE_CREATED, Simple("evt_b", "2024-01-02", 4)));
  model.MarkCaughtUp();
  EXPECT_EQ(model.change_log_id(), "0a1b");
  model.ReadAt([](const EventColumns&, const LogPosition& position) {
    EXPECT_EQ(position.change_log_id, "0a1b");
    EXPECT_EQ(position.sequence, 2);
  });

  model.Reset();
  EXPECT_EQ(Totals(model), std::make_pair(int64_t{0}, int64_t{0}));
  EXPECT_EQ(model.applied_sequence(), 0);
  EXPECT_EQ(model.change_log_id(), "");
  EXPECT_FALSE(model.caught_up());
  // The rebuilt model takes the new log's id, and its sequence 1 is applied again.
  event::v1::WatchEventsResponse other =
      Change(1, event::v1::CHANGE_TYPE_CREATED, Simple("evt_c", "2024-01-03", 5));
  other.set_change_log_id("2c3d");
  model.Apply(other);
  EXPECT_EQ(model.position().change_log_id, "2c3d");
  EXPECT_EQ(Totals(model), std::make_pair(int64_t{1}, int64_t{5}));
}

// The follower sends the etag of the last change applied (WatchEvents' after_etag), so the event
// service can tell a restored copy's change at that sequence from the one applied.
TEST(StatsReadModelTest, KeepsTheEtagOfTheLastChangeAppliedUntilReset) {
  ReadModel model;
  event::v1::WatchEventsResponse created =
      Change(1, event::v1::CHANGE_TYPE_CREATED, Simple("evt_a", "2024-01-01", 3));
  created.mutable_event()->set_etag("e1");
  model.Apply(created);
  EXPECT_EQ(model.position().etag, "e1");
  event::v1::WatchEventsResponse deleted = created;
  deleted.set_sequence(2);
  deleted.set_type(event::v1::CHANGE_TYPE_DELETED);  // carries the last state's etag
  model.Apply(deleted);
  EXPECT_EQ(model.position().sequence, 2);
  EXPECT_EQ(model.position().etag, "e1");
  // A repeated change does not move the position.
  event::v1::WatchEventsResponse repeated = created;
  repeated.mutable_event()->set_etag("e0");
  model.Apply(repeated);
  EXPECT_EQ(model.position().etag, "e1");
  model.Reset();
  EXPECT_EQ(model.position().etag, "");
}

TEST(StatsReadModelTest, ARepeatedChangeIsNotCountedTwice) {
  ReadModel model;
  model.Apply({Change(1, event::v1::CHANGE_TYPE_CREATED, Simple("evt_a", "2024-01-01", 3)),
               Change(2, event::v1::CHANGE_TYPE_CREATED, Simple("evt_b", "2024-01-01", 3))});
  // A resumed stream that repeats its edge, and an old change replayed after a newer one.
  model.Apply(Change(2, event::v1::CHANGE_TYPE_CREATED, Simple("evt_b", "2024-01-01", 3)));
  model.Apply(Change(1, event::v1::CHANGE_TYPE_DELETED, Simple("evt_a", "2024-01-01", 3)));
  EXPECT_EQ(Totals(model), std::make_pair(int64_t{2}, int64_t{6}));
  EXPECT_EQ(model.applied_sequence(), 2);
}

TEST(StatsReadModelTest, AnUnusableEventIsSkippedAndItsOldVersionDropped) {
  ReadModel model;
  model.Apply(Change(1, event::v1::CHANGE_TYPE_CREATED, Simple("evt_a", "2024-01-01", 3)));
  model.Apply(Change(2, event::v1::CHANGE_TYPE_UPDATED, Simple("evt_a", "not a date", 3)));
  EXPECT_EQ(Totals(model).first, 0);
  EXPECT_EQ(model.rejected_changes(), 1);
  EXPECT_EQ(model.applied_sequence(), 2);
}

TEST(StatsReadModelTest, WaitForSequenceReturnsOnceApplied) {
  ReadModel model;
  std::thread writer([&] {
    absl::SleepFor(absl::Milliseconds(50));
    model.Apply(Change(5, event::v1::CHANGE_TYPE_CREATED, Simple("evt_a", "2024-01-01", 1)));
  });
  EXPECT_TRUE(model.WaitForSequence(5, absl::Now() + absl::Seconds(10)).ok());
  writer.join();
  absl::Status late = model.WaitForSequence(6, absl::Now() + absl::Milliseconds(20));
  EXPECT_EQ(late.code(), absl::StatusCode::kUnavailable);
}

TEST(StatsReadModelTest, DeletedSlotsAreReused) {
  ReadModel model;
  int64_t sequence = 0;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100; ++i) {
      model.Apply(Change(++sequence, event::v1::CHANGE_TYPE_CREATED,
                         Simple(absl::StrFormat("evt_%016x", round * 1000 + i), "2024-01-01", 1)));
    }
    for (int i = 0; i < 100; ++i) {
      model.Apply(Change(++sequence, event::v1::CHANGE_TYPE_DELETED,
                         Simple(absl::StrFormat("evt_%016x", round * 1000 + i), "2024-01-01", 1)));
    }
  }
  EXPECT_EQ(Totals(model).first, 0);
  EXPECT_EQ(model.Read([](const EventColumns& c, int64_t) { return c.slot_count(); }), 100u);
}

}  // namespace
}  // namespace lookout::stats
