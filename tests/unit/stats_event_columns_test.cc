// The narrow columns of the read model: coordinates kept in 1e-7 degree come back as exactly
// the doubles stored (so box filters compare what the event service compares), values too
// wide for a column (admin1 codes past 65534, counts past 65534, coordinates with more than
// 7 decimals) go to side maps and still answer exactly, and the numeric id index finds,
// forgets and re-finds ids through any mix of inserts and removals, and a country's events are
// found by the periods a date range can overlap, not by walking its whole history.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "common/validation.h"
#include "services/stats/compiled_filter.h"
#include "services/stats/event_columns.h"
#include "services/stats/grouping.h"
#include "services/stats/slot_index.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::Event;

Event At(const std::string& id, double latitude, double longitude) {
  Event e;
  e.set_id(id);
  e.set_event_date("2024-01-01");
  e.set_event_type(event::v1::EVENT_TYPE_BATTLES);
  e.mutable_location()->set_country_code("HTI");
  e.mutable_location()->set_latitude(latitude);
  e.mutable_location()->set_longitude(longitude);
  return e;
}

Event On(const std::string& id, const std::string& country, const std::string& start,
         const std::string& end = "") {
  Event e = At(id, 18.5, -72.5);
  e.mutable_location()->set_country_code(country);
  e.set_event_date(start);
  e.set_end_date(end);
  return e;
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

TEST(StatsEventColumnsTest, CoordinatesComeBackAsExactlyTheDoublesStored) {
  absl::BitGen gen;
  std::vector<std::pair<double, double>> points = {
      {18.5, -72.5},       {18.5392, -72.3288},   {-89.9999999, 179.9999999},
      {90, -180},          {0.0000001, -0.0000001}, {-0.0, 0.0},
      {12.123456, 1e-300}, {45.12345678, 7.5},    {0.1 + 0.2, -72.3},
  };
  for (int i = 0; i < 2000; ++i) {
    // Random decimals with 1 to 9 places, and full doubles.
    const int places = absl::Uniform(gen, 1, 10);
    const double scale = std::pow(10.0, places);
    points.push_back({std::round(absl::Uniform(gen, -90.0, 90.0) * scale) / scale,
                      absl::Uniform(gen, -180.0, 180.0)});
  }
  EventColumns columns;
  for (size_t i = 0; i < points.size(); ++i) {
    ASSERT_TRUE(columns.Upsert(At(absl::StrFormat("evt_%016x", i + 1), points[i].first,
                                  points[i].second))
                    .ok());
  }
  Event no_point = At("evt_ffff000000000000", 0, 0);
  no_point.mutable_location()->clear_latitude();
  no_point.mutable_location()->clear_longitude();
  ASSERT_TRUE(columns.Upsert(no_point).ok());

  for (size_t i = 0; i < points.size(); ++i) {
    const uint32_t slot = *columns.SlotOf(absl::StrFormat("evt_%016x", i + 1));
    EXPECT_TRUE(SameBits(columns.latitude(slot), points[i].first))
        << absl::StrFormat("%.17g", points[i].first);
    EXPECT_TRUE(SameBits(columns.longitude(slot), points[i].second))
        << absl::StrFormat("%.17g", points[i].second);
    // A box whose edges are the point itself holds it; one a step beyond does not.
    event::v1::EventFilter box;
    box.mutable_bbox()->set_min_latitude(points[i].first);
    box.mutable_bbox()->set_max_latitude(points[i].first);
    box.mutable_bbox()->set_min_longitude(points[i].second);
    box.mutable_bbox()->set_max_longitude(points[i].second);
    EXPECT_TRUE(CompiledFilter(box, columns).Matches(slot));
    box.mutable_bbox()->set_min_latitude(std::nextafter(points[i].first, 100.0));
    box.mutable_bbox()->set_max_latitude(90);
    EXPECT_FALSE(CompiledFilter(box, columns).Matches(slot));
  }
  const uint32_t none = *columns.SlotOf("evt_ffff000000000000");
  EXPECT_TRUE(std::isnan(columns.latitude(none)));
  EXPECT_TRUE(std::isnan(columns.longitude(none)));

  // Moving an event between an exact and a wide point keeps only the new one.
  ASSERT_TRUE(columns.Upsert(At("evt_0000000000000001", 1.0 / 3, 2)).ok());
  ASSERT_TRUE(columns.Upsert(At("evt_0000000000000001", 18.25, 2)).ok());
  const uint32_t moved = *columns.SlotOf("evt_0000000000000001");
  EXPECT_EQ(columns.latitude(moved), 18.25);
}

TEST(StatsEventColumnsTest, WideAdmin1CodesAndCountsAnswerExactly) {
  EventColumns columns;
  // More distinct admin1 values than a two-byte code holds.
  constexpr int kAdmin1s = 70000;
  for (int i = 0; i < kAdmin1s; ++i) {
    Event e = At(absl::StrFormat("evt_%016x", i + 1), 1, 1);
    e.mutable_location()->set_admin1(absl::StrCat("region ", i));
    e.set_fatalities(i % 1000 == 0 ? 70000 + i : 1);
    // More sub-event types than a one-byte code holds, and spans past 254 days.
    e.set_sub_event_type(absl::StrCat("kind ", i % 300));
    if (i % 7 == 0) e.set_end_date(i % 14 == 0 ? "2024-12-31" : "2024-09-10");
    ASSERT_TRUE(columns.Upsert(e).ok());
  }
  Grouping kinds =
      GroupEvents(columns, CompiledFilter({}, columns), {v1::DIMENSION_SUB_EVENT_TYPE});
  ASSERT_EQ(kinds.groups.size(), 300u);
  for (const Group& group : kinds.groups) {
    const int kind = std::stoi(columns.sub_event_types().Value(group.codes[0]).substr(5));
    EXPECT_EQ(group.events, kAdmin1s / 300 + (kind < kAdmin1s % 300 ? 1 : 0));
  }
  event::v1::EventFilter kind_299;
  kind_299.add_sub_event_types("kind 299");
  EXPECT_EQ(GroupEvents(columns, CompiledFilter(kind_299, columns), {}).total_events,
            kAdmin1s / 300);
  // 2024-01-01 to 2024-12-31 (365 days) and to 2024-09-10 (253): both overlap December only
  // when they reach it.
  event::v1::EventFilter december;
  december.mutable_date_range()->set_start_date("2024-12-01");
  EXPECT_EQ(GroupEvents(columns, CompiledFilter(december, columns), {}).total_events,
            (kAdmin1s + 13) / 14);
  event::v1::EventFilter september;
  september.mutable_date_range()->set_start_date("2024-09-10");
  EXPECT_EQ(GroupEvents(columns, CompiledFilter(september, columns), {}).total_events,
            (kAdmin1s + 6) / 7);
  event::v1::EventFilter last;
  last.set_admin1(absl::StrCat("region ", kAdmin1s - 1));
  Grouping one = GroupEvents(columns, CompiledFilter(last, columns), {v1::DIMENSION_ADMIN1});
  ASSERT_EQ(one.groups.size(), 1u);
  EXPECT_EQ(columns.admin1s().Value(one.groups[0].codes[0]),
            absl::StrCat("region ", kAdmin1s - 1));
  EXPECT_EQ(one.total_events, 1);

  Grouping all = GroupEvents(columns, CompiledFilter({}, columns), {v1::DIMENSION_ADMIN1});
  EXPECT_EQ(all.groups.size(), static_cast<size_t>(kAdmin1s));
  int64_t expected_fatalities = 0;
  for (int i = 0; i < kAdmin1s; ++i) expected_fatalities += i % 1000 == 0 ? 70000 + i : 1;
  EXPECT_EQ(all.total_fatalities, expected_fatalities);
  event::v1::EventFilter deadly;
  deadly.set_min_fatalities(70000);
  EXPECT_EQ(GroupEvents(columns, CompiledFilter(deadly, columns), {}).total_events, kAdmin1s / 1000);
}

// Events at sea keep their area in a side map: moving an event ashore, out to sea or to
// another sea, and deleting it, leave every grouping exact, and a country event has no entry.
TEST(StatsEventColumnsTest, EventsMoveBetweenCountriesAndSeas) {
  EventColumns columns;
  auto at_sea = [](const std::string& id, const std::string& basin, const std::string& body) {
    Event e = At(id, 12.5, 43.3);
    e.mutable_location()->clear_country_code();
    e.mutable_location()->mutable_maritime()->set_basin(basin);
    e.mutable_location()->mutable_maritime()->set_body_of_water(body);
    return e;
  };
  auto groups = [&](v1::Dimension dimension, const event::v1::EventFilter& filter = {}) {
    std::map<std::string, int64_t> out;
    for (const Group& group : GroupEvents(columns, CompiledFilter(filter, columns), {dimension})
                                  .groups) {
      const uint32_t code = group.codes[0];
      const std::string key = dimension == v1::DIMENSION_COUNTRY ? columns.countries().Value(code)
                              : dimension == v1::DIMENSION_MARITIME_BASIN
                                  ? columns.basins().Value(code)
                                  : columns.bodies_of_water().Value(code);
      out[key] += group.events;
    }
    return out;
  };
  using Counts = std::map<std::string, int64_t>;
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(columns.Upsert(At(absl::StrFormat("evt_%016x", i), 18.5, -72.3)).ok());
  }
  ASSERT_TRUE(columns.Upsert(at_sea("evt_0000000000000011", "Red Sea", "Bab-el-Mandeb")).ok());
  ASSERT_TRUE(columns.Upsert(at_sea("evt_0000000000000012", "Atlantic Ocean", "")).ok());
  EXPECT_EQ(groups(v1::DIMENSION_COUNTRY), (Counts{{"", 2}, {"HTI", 3}}));
  EXPECT_EQ(groups(v1::DIMENSION_MARITIME_BASIN),
            (Counts{{"", 3}, {"Atlantic Ocean", 1}, {"Red Sea", 1}}));
  EXPECT_EQ(groups(v1::DIMENSION_BODY_OF_WATER), (Counts{{"", 4}, {"Bab-el-Mandeb", 1}}));
  EXPECT_EQ(columns.basin(*columns.SlotOf("evt_0000000000000001")), 0u);

  // Ashore, out to sea, to another sea, deleted.
  Event ashore = At("evt_0000000000000011", 12.8, 43.2);
  ashore.mutable_location()->set_country_code("YEM");
  ASSERT_TRUE(columns.Upsert(ashore).ok());
  ASSERT_TRUE(columns.Upsert(at_sea("evt_0000000000000001", "Red Sea", "Gulf of Aqaba")).ok());
  ASSERT_TRUE(columns.Upsert(at_sea("evt_0000000000000012", "Red Sea", "Bab-el-Mandeb")).ok());
  EXPECT_TRUE(columns.Remove("evt_0000000000000002"));
  EXPECT_EQ(groups(v1::DIMENSION_COUNTRY), (Counts{{"", 2}, {"HTI", 1}, {"YEM", 1}}));
  EXPECT_EQ(groups(v1::DIMENSION_MARITIME_BASIN), (Counts{{"", 2}, {"Red Sea", 2}}));
  EXPECT_EQ(groups(v1::DIMENSION_BODY_OF_WATER),
            (Counts{{"", 2}, {"Bab-el-Mandeb", 1}, {"Gulf of Aqaba", 1}}));
  event::v1::EventFilter aqaba;
  aqaba.add_bodies_of_water("Gulf of Aqaba");
  EXPECT_EQ(groups(v1::DIMENSION_COUNTRY, aqaba), (Counts{{"", 1}}));
  event::v1::EventFilter haiti;
  haiti.add_country_codes("HTI");
  EXPECT_EQ(groups(v1::DIMENSION_MARITIME_BASIN, haiti), (Counts{{"", 1}}));
}

// The slots ForEachCountryList offers for a country and a range, each checked to be offered once.
std::set<uint32_t> Offered(const EventColumns& columns, const std::string& country,
                           const std::string& first, const std::string& last) {
  std::set<uint32_t> slots;
  columns.ForEachCountryList(*columns.countries().Find(country), *validation::ParseDate(first),
                             *validation::ParseDate(last), [&](const std::vector<uint32_t>& list) {
                               for (uint32_t slot : list) EXPECT_TRUE(slots.insert(slot).second);
                             });
  return slots;
}

TEST(StatsEventColumnsTest, ACountrysEventsAreOfferedByThePeriodsARangeCanOverlap) {
  EventColumns columns;
  // A long history in 2019 and 2020 that a range in June 2024 must not walk.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(columns
                    .Upsert(On(absl::StrFormat("evt_%016x", 1000 + i), "HTI",
                               validation::FormatDate(*validation::ParseDate("2019-01-01") + i * 3)))
                    .ok());
  }
  ASSERT_TRUE(columns.Upsert(On("evt_0000000000000001", "HTI", "2024-06-15")).ok());
  // 31 days long, starting 30 days before the range: still offered.
  ASSERT_TRUE(columns.Upsert(On("evt_0000000000000002", "HTI", "2024-05-02", "2024-06-01")).ok());
  // Years long (the list of long events), and wider than the span column.
  ASSERT_TRUE(columns.Upsert(On("evt_0000000000000003", "HTI", "2020-01-01", "2024-06-10")).ok());
  ASSERT_TRUE(columns.Upsert(On("evt_0000000000000004", "HTI", "1905-03-01", "2099-12-31")).ok());
  ASSERT_TRUE(columns.Upsert(On("evt_0000000000000005", "HTI", "2024-09-01")).ok());
  ASSERT_TRUE(columns.Upsert(On("evt_0000000000000006", "KEN", "2024-06-15")).ok());
  auto slot = [&](const std::string& id) { return *columns.SlotOf(id); };

  std::set<uint32_t> offered = Offered(columns, "HTI", "2024-06-01", "2024-06-30");
  for (const char* id : {"evt_0000000000000001", "evt_0000000000000002", "evt_0000000000000003",
                         "evt_0000000000000004"}) {
    EXPECT_TRUE(offered.count(slot(id))) << id;
  }
  EXPECT_FALSE(offered.count(slot("evt_0000000000000005")));
  EXPECT_FALSE(offered.count(slot("evt_0000000000000006")));  // another country
  EXPECT_EQ(offered.size(), 4u);  // none of the 200 events of 2019-2020
  EXPECT_EQ(columns.country_size(*columns.countries().Find("HTI")), 205u);
  EXPECT_EQ(Offered(columns, "HTI", "1900-01-01", "2100-12-31").size(), 205u);

  // An update moves an event to the period of its new date; a removal takes it out.
  ASSERT_TRUE(columns.Upsert(On("evt_0000000000000001", "HTI", "2019-02-01")).ok());
  ASSERT_TRUE(columns.Upsert(On("evt_0000000000000005", "HTI", "2024-06-20")).ok());
  ASSERT_TRUE(columns.Remove("evt_0000000000000003"));
  // An event that moves before every period the country had.
  ASSERT_TRUE(columns.Upsert(On("evt_0000000000000006", "HTI", "1950-01-01")).ok());
  offered = Offered(columns, "HTI", "2024-06-01", "2024-06-30");
  EXPECT_EQ(offered, (std::set<uint32_t>{slot("evt_0000000000000002"), slot("evt_0000000000000004"),
                                         slot("evt_0000000000000005")}));
  EXPECT_TRUE(Offered(columns, "HTI", "2019-02-01", "2019-02-01").count(slot("evt_0000000000000001")));
  EXPECT_TRUE(Offered(columns, "HTI", "1950-01-01", "1950-01-01").count(slot("evt_0000000000000006")));
  EXPECT_TRUE(Offered(columns, "KEN", "2024-06-01", "2024-06-30").empty());
  EXPECT_EQ(columns.country_size(*columns.countries().Find("HTI")), 205u);
  EXPECT_EQ(Offered(columns, "HTI", "1900-01-01", "2100-12-31").size(), 205u);
}

TEST(StatsSlotIndexTest, FindsWhatARandomMixOfInsertsAndErasesLeaves) {
  absl::BitGen gen;
  std::vector<uint64_t> keys;
  SlotIndex index(&keys);
  std::map<uint64_t, uint32_t> expected;
  std::vector<uint32_t> free_slots;
  for (int step = 0; step < 200000; ++step) {
    if (expected.empty() || absl::Bernoulli(gen, 0.6)) {
      // Small keys collide in their home entries often; large ones are random.
      const uint64_t key = absl::Bernoulli(gen, 0.5) ? absl::Uniform<uint64_t>(gen, 0, 5000)
                                                     : absl::Uniform<uint64_t>(gen);
      if (expected.count(key) > 0) continue;
      uint32_t slot;
      if (!free_slots.empty()) {
        slot = free_slots.back();
        free_slots.pop_back();
        keys[slot] = key;
      } else {
        slot = static_cast<uint32_t>(keys.size());
        keys.push_back(key);
      }
      index.Insert(slot);
      expected[key] = slot;
    } else {
      auto it = expected.begin();
      std::advance(it, absl::Uniform<size_t>(gen, 0, std::min<size_t>(expected.size(), 50)));
      ASSERT_TRUE(index.Erase(it->first));
      EXPECT_FALSE(index.Erase(it->first));
      free_slots.push_back(it->second);
      expected.erase(it);
    }
    if (step % 50000 == 0) index.Compact(expected.size());
  }
  EXPECT_EQ(index.size(), expected.size());
  for (const auto& [key, slot] : expected) EXPECT_EQ(index.Find(key), slot);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t key = absl::Uniform<uint64_t>(gen);
    if (expected.count(key) == 0) {
      EXPECT_FALSE(index.Find(key).has_value());
    }
  }
}

}  // namespace
}  // namespace lookout::stats
