// Grouping by source attributes (DIMENSION_GDELT_QUAD_CLASS, DIMENSION_ACLED_DISORDER_TYPE,
// DIMENSION_ACLED_INTERACTION, DIMENSION_UCDP_CONFLICT): the read model keeps them in a column
// of records by slot (source_key_column.h), so events move in and out of it through updates
// and deletions, every grouping equals a count made straight from the events, events without
// the attribute fall under "", a snapshot keeps the records, and an event without attributes
// costs no byte more.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/stats/aggregate_rows.h"
#include "services/stats/compiled_filter.h"
#include "services/stats/event_columns.h"
#include "services/stats/grouping.h"
#include "services/stats/snapshot_codec.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::Event;
using Counts = std::map<std::string, int64_t>;

constexpr v1::Dimension kSourceDimensions[] = {
    v1::DIMENSION_GDELT_QUAD_CLASS, v1::DIMENSION_ACLED_DISORDER_TYPE,
    v1::DIMENSION_ACLED_INTERACTION, v1::DIMENSION_UCDP_CONFLICT};

std::string Id(int i) { return absl::StrFormat("evt_%016x", i); }

Event Plain(int i) {
  Event e;
  e.set_id(Id(i));
  e.set_event_date("2024-01-01");
  e.set_event_type(event::v1::EVENT_TYPE_BATTLES);
  e.mutable_location()->set_country_code("HTI");
  e.mutable_location()->set_latitude(18.5);
  e.mutable_location()->set_longitude(-72.5);
  return e;
}

Event Acled(int i, const std::string& disorder_type, int interaction) {
  Event e = Plain(i);
  e.mutable_acled()->set_disorder_type(disorder_type);
  e.mutable_acled()->set_interaction(interaction);
  e.mutable_acled()->set_region("Caribbean");  // not grouped: no bytes for it
  return e;
}

Event Ucdp(int i, int64_t conflict_id) {
  Event e = Plain(i);
  e.mutable_ucdp()->set_conflict_id(conflict_id);
  e.mutable_ucdp()->set_dyad_id(conflict_id + 1000);
  return e;
}

Event Gdelt(int i, int quad_class) {
  Event e = Plain(i);
  e.mutable_gdelt()->set_quad_class(quad_class);
  e.mutable_gdelt()->set_goldstein_scale(-2.0);
  return e;
}

// The key an event has for a dimension, from the event itself (the proto's documented rule).
std::string ExpectedKey(const Event& e, v1::Dimension dimension) {
  auto number = [](int64_t value) { return value == 0 ? std::string() : absl::StrCat(value); };
  switch (dimension) {
    case v1::DIMENSION_GDELT_QUAD_CLASS:
      return e.has_gdelt() ? number(e.gdelt().quad_class()) : "";
    case v1::DIMENSION_ACLED_DISORDER_TYPE:
      return e.has_acled() ? e.acled().disorder_type() : "";
    case v1::DIMENSION_ACLED_INTERACTION:
      return e.has_acled() ? number(e.acled().interaction()) : "";
    case v1::DIMENSION_UCDP_CONFLICT:
      return e.has_ucdp() ? number(e.ucdp().conflict_id()) : "";
    default:
      return "?";
  }
}

Counts Grouped(const EventColumns& columns, v1::Dimension dimension) {
  Counts out;
  const Grouping grouping = GroupEvents(columns, CompiledFilter({}, columns), {dimension});
  int64_t sum = 0;
  for (const Group& group : grouping.groups) {
    out[KeyText(columns, dimension, group.codes[0])] += group.events;
    sum += group.events;
  }
  EXPECT_EQ(sum, grouping.total_events) << "rows must add up to the total";
  return out;
}

Counts Independent(const std::map<std::string, Event>& live, v1::Dimension dimension) {
  Counts out;
  for (const auto& [id, e] : live) ++out[ExpectedKey(e, dimension)];
  return out;
}

class StatsSourceDimensionsTest : public ::testing::Test {
 protected:
  void Put(const Event& e) {
    ASSERT_TRUE(columns_.Upsert(e).ok());
    live_[e.id()] = e;
  }
  void Drop(int i) {
    ASSERT_TRUE(columns_.Remove(Id(i)));
    live_.erase(Id(i));
  }
  void ExpectGroupsMatch(const EventColumns& columns) {
    for (v1::Dimension dimension : kSourceDimensions) {
      EXPECT_EQ(Grouped(columns, dimension), Independent(live_, dimension))
          << v1::Dimension_Name(dimension);
    }
  }

  EventColumns columns_;
  std::map<std::string, Event> live_;
};

TEST_F(StatsSourceDimensionsTest, GroupsFollowUpsertsUpdatesAndDeletions) {
  for (int i = 1; i <= 5; ++i) Put(Plain(i));
  Put(Acled(11, "Political violence", 13));
  Put(Acled(12, "Demonstrations", 60));
  Put(Acled(13, "Political violence", 0));  // interaction unset: ""
  Put(Acled(14, "", 0));                    // nothing grouped: no side-map entry
  Put(Ucdp(21, 333));
  Put(Ucdp(22, 333));
  Put(Ucdp(23, 0));
  Put(Gdelt(31, 4));
  Put(Gdelt(32, 1));
  Put(Gdelt(33, 4));
  ExpectGroupsMatch(columns_);
  EXPECT_EQ(Grouped(columns_, v1::DIMENSION_UCDP_CONFLICT), (Counts{{"", 13}, {"333", 2}}));
  EXPECT_EQ(Grouped(columns_, v1::DIMENSION_ACLED_INTERACTION),
            (Counts{{"", 13}, {"13", 1}, {"60", 1}}));
  EXPECT_EQ(Grouped(columns_, v1::DIMENSION_GDELT_QUAD_CLASS),
            (Counts{{"", 12}, {"1", 1}, {"4", 2}}));

  // Updates change, gain and lose attributes, and switch source; deletions drop them.
  Put(Acled(11, "Strategic developments", 80));
  Put(Gdelt(2, 3));
  Put(Plain(12));
  Put(Ucdp(31, 444));
  Put(Acled(21, "Demonstrations", 66));
  Drop(22);
  Drop(32);
  Drop(3);
  ExpectGroupsMatch(columns_);
  EXPECT_EQ(Grouped(columns_, v1::DIMENSION_UCDP_CONFLICT), (Counts{{"", 11}, {"444", 1}}));
  EXPECT_EQ(Grouped(columns_, v1::DIMENSION_ACLED_DISORDER_TYPE),
            (Counts{{"", 9},
                    {"Demonstrations", 1},
                    {"Political violence", 1},
                    {"Strategic developments", 1}}));

  // Freed slots are reused by events with other attributes, or none.
  Put(Gdelt(41, 2));
  Put(Plain(42));
  Put(Ucdp(43, 333));
  ExpectGroupsMatch(columns_);
  EXPECT_EQ(columns_.ucdp_conflict(*columns_.SlotOf(Id(1))), 0u);
  EXPECT_EQ(columns_.gdelt_quad_class(*columns_.SlotOf(Id(21))), 0u);

  // A second dimension splits the rows the same way.
  const Grouping two =
      GroupEvents(columns_, CompiledFilter({}, columns_),
                  {v1::DIMENSION_ACLED_DISORDER_TYPE, v1::DIMENSION_ACLED_INTERACTION});
  std::map<std::pair<std::string, std::string>, int64_t> got, expected;
  for (const Group& group : two.groups) {
    got[{KeyText(columns_, v1::DIMENSION_ACLED_DISORDER_TYPE, group.codes[0]),
         KeyText(columns_, v1::DIMENSION_ACLED_INTERACTION, group.codes[1])}] += group.events;
  }
  for (const auto& [id, e] : live_) {
    ++expected[{ExpectedKey(e, v1::DIMENSION_ACLED_DISORDER_TYPE),
                ExpectedKey(e, v1::DIMENSION_ACLED_INTERACTION)}];
  }
  EXPECT_EQ(got, expected);
}

TEST_F(StatsSourceDimensionsTest, ASnapshotKeepsTheSideMap) {
  for (int i = 1; i <= 4; ++i) Put(Plain(i));
  Put(Acled(11, "Political violence", 13));
  Put(Ucdp(21, 333));
  Put(Gdelt(31, 4));
  Put(Gdelt(32, 2));
  Drop(2);
  Drop(32);
  std::string body;
  SnapshotWriter writer(&body);
  columns_.SaveTo(writer);
  EventColumns loaded;
  SnapshotReader reader(body);
  ASSERT_TRUE(loaded.LoadFrom(reader).ok());
  ExpectGroupsMatch(loaded);
  // The loaded model keeps working: a reused slot gains attributes, one loses them.
  Put(Ucdp(32, 555));
  ASSERT_TRUE(loaded.Upsert(Ucdp(32, 555)).ok());
  Put(Plain(11));
  ASSERT_TRUE(loaded.Upsert(Plain(11)).ok());
  ExpectGroupsMatch(loaded);

  // A snapshot whose side map names a code its dictionary does not hold is refused.
  std::string bad;
  SnapshotWriter bad_writer(&bad);
  EventColumns few;
  ASSERT_TRUE(few.Upsert(Ucdp(1, 333)).ok());
  few.SaveTo(bad_writer);
  // The dictionary ("", "333") is the last before the day bounds; drop its last value by
  // rewriting the count written before it (2 -> 1) and cutting the value's bytes.
  const std::string tail = std::string("\x03\0\0\0", 4) + "333";
  const size_t at = bad.rfind(tail);
  ASSERT_NE(at, std::string::npos);
  std::string cut = bad.substr(0, at) + bad.substr(at + tail.size());
  const size_t count_at = at - 4 /* "" */ - 8;
  uint64_t count;
  std::memcpy(&count, cut.data() + count_at, sizeof(count));
  ASSERT_EQ(count, 2u);
  count = 1;
  std::memcpy(cut.data() + count_at, &count, sizeof(count));
  EventColumns refused;
  SnapshotReader bad_reader(cut);
  const absl::Status status = refused.LoadFrom(bad_reader);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find("source attributes"), std::string::npos) << status;
}

TEST_F(StatsSourceDimensionsTest, OlderEventsGainingAttributesWaitAndSurviveASnapshot) {
  // Attributes arriving for events stored before them (a re-import of old events) cannot be
  // placed in slot order at once: they wait, are merged in batches, and a snapshot taken in
  // between keeps them.
  for (int i = 1; i <= 3000; ++i) Put(i % 3 == 0 ? Gdelt(i, 1 + i % 4) : Plain(i));
  for (int i = 1; i <= 3000; i += 2) Put(i % 5 ? Acled(i, "Demonstrations", 60) : Ucdp(i, i));
  for (int i = 2; i <= 3000; i += 6) Put(Plain(i));  // some lose their attributes again
  for (int i = 10; i <= 3000; i += 10) Drop(i);
  ExpectGroupsMatch(columns_);
  std::string body;
  SnapshotWriter writer(&body);
  columns_.SaveTo(writer);
  EventColumns loaded;
  SnapshotReader reader(body);
  ASSERT_TRUE(loaded.LoadFrom(reader).ok());
  ExpectGroupsMatch(loaded);
  // Freed slots and older events gain attributes in the loaded model as in the original.
  for (int i = 3001; i <= 3100; ++i) {
    Put(Ucdp(i, 777));
    ASSERT_TRUE(loaded.Upsert(Ucdp(i, 777)).ok());
  }
  for (int i = 4; i <= 400; i += 4) {
    Put(Gdelt(i, 2));
    ASSERT_TRUE(loaded.Upsert(Gdelt(i, 2)).ok());
  }
  ExpectGroupsMatch(loaded);
  loaded.Compact();
  ExpectGroupsMatch(loaded);
}

TEST(StatsSourceDimensionsMemoryTest, EventsWithoutAttributesCostNothingAndOthersAtMost16Bytes) {
  constexpr int kEvents = 1000;
  EventColumns plain, unset, carrying;
  int with_attributes = 0;
  for (int i = 1; i <= kEvents; ++i) {
    ASSERT_TRUE(plain.Upsert(Plain(i)).ok());
    // Attributes none of the dimensions groups by (unset values) add no entry either.
    ASSERT_TRUE(unset.Upsert(i % 2 ? Acled(i, "", 0) : Ucdp(i, 0)).ok());
    if (i % 4 == 0) {
      ASSERT_TRUE(carrying.Upsert(Acled(i, "Political violence", 13)).ok());
      ++with_attributes;
    } else if (i % 4 == 1) {
      ASSERT_TRUE(carrying.Upsert(Gdelt(i, 3)).ok());
      ++with_attributes;
    } else {
      ASSERT_TRUE(carrying.Upsert(Plain(i)).ok());
    }
  }
  EXPECT_EQ(unset.ApproximateBytes(), plain.ApproximateBytes());
  EXPECT_GT(carrying.ApproximateBytes(), plain.ApproximateBytes());
  EXPECT_LE(carrying.ApproximateBytes() - plain.ApproximateBytes(),
            static_cast<size_t>(16 * with_attributes));
  // Losing the attributes gives the bytes back once the records left behind (kept for the
  // slots to reuse) are dropped, as Compact does after a rebuild.
  for (int i = 1; i <= kEvents; ++i) ASSERT_TRUE(carrying.Upsert(Plain(i)).ok());
  carrying.Compact();
  plain.Compact();
  EXPECT_EQ(carrying.ApproximateBytes(), plain.ApproximateBytes());
}

}  // namespace
}  // namespace lookout::stats
