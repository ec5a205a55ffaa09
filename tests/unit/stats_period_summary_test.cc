// Period summaries (period_summary.h) must give exactly what walking the events gives: each
// answer of GroupEvents and SumCasualties for a country-and-dates filter (which takes the
// periods wholly inside the range from summaries) is compared with a walk over every live event,
// through creates, updates and deletes that move events across periods and countries, and
// events spanning several periods.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "common/validation.h"
#include "services/stats/compiled_filter.h"
#include "services/stats/event_columns.h"
#include "services/stats/grouping.h"
#include "services/stats/time_buckets.h"
#include "tests/unit/stats_test_events.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::CasualtyKind;
using ::lookout::event::v1::Event;
using ::lookout::event::v1::EventFilter;
using ::lookout::stats::v1::Dimension;

constexpr int32_t kFirstDay = 19700;  // 2023-12-09: the events fall in about 300 days from here

class StatsPeriodSummaryTest : public ::testing::Test {
 protected:
  // A random event of the shared generator, moved into a window of about 300 days (so periods
  // hold many events), with spans of 0 to 40 days (some of them long: 32 days or more) and now
  // and then one of several hundred days.
  Event RandomEvent(const std::string& id) {
    Event event = testing::RandomEvent(gen_, id, actors_);
    const int32_t start = kFirstDay + absl::Uniform<int32_t>(gen_, 0, 300);
    const double shape = absl::Uniform(gen_, 0.0, 1.0);
    int32_t span = 0;
    if (shape < 0.3) {
      span = absl::Uniform<int32_t>(absl::IntervalClosed, gen_, 0, 40);
    } else if (shape < 0.33) {
      span = absl::Uniform<int32_t>(gen_, 60, 400);
    }
    event.set_event_date(validation::FormatDate(start));
    if (span > 0 || absl::Bernoulli(gen_, 0.5)) {
      event.set_end_date(validation::FormatDate(start + span));
    } else {
      event.clear_end_date();
    }
    return event;
  }

  void Put(const Event& event) {
    ASSERT_TRUE(columns_.Upsert(event).ok());
    events_[event.id()] = event;
  }

  // Filters on one or two countries with a range that is open, one-sided, or a day to a year
  // long.
  EventFilter RandomFilter() {
    EventFilter filter;
    const auto& countries = testing::TestCountries();
    filter.add_country_codes(testing::Pick(gen_, countries));
    if (absl::Bernoulli(gen_, 0.2)) filter.add_country_codes(testing::Pick(gen_, countries));
    const double shape = absl::Uniform(gen_, 0.0, 1.0);
    const int32_t first = kFirstDay + absl::Uniform<int32_t>(gen_, -40, 300);
    const int32_t last = first + absl::Uniform<int32_t>(gen_, 0, 366);
    if (shape < 0.1) return filter;  // every day
    if (shape < 0.2 || shape >= 0.3) {
      filter.mutable_date_range()->set_start_date(validation::FormatDate(first));
    }
    if (shape >= 0.2) filter.mutable_date_range()->set_end_date(validation::FormatDate(last));
    return filter;
  }

  // The walk over every live event: code of `dimension` -> (events, fatalities), and totals.
  struct Expected {
    std::map<int32_t, std::pair<int64_t, int64_t>> groups;
    int64_t events = 0;
    int64_t fatalities = 0;
    int32_t min_bucket_day = INT32_MAX;
    int32_t max_bucket_day = INT32_MIN;
    std::map<int, int64_t> casualties;  // by CasualtyKind
  };
  Expected Walk(const EventFilter& filter, const std::vector<Dimension>& dimensions) {
    Expected expected;
    const bool has_first = !filter.date_range().start_date().empty();
    const bool has_last = !filter.date_range().end_date().empty();
    const int32_t first = has_first ? *validation::ParseDate(filter.date_range().start_date())
                                    : kMinDay;
    const int32_t last = has_last ? *validation::ParseDate(filter.date_range().end_date())
                                  : kMaxDay;
    for (const auto& [id, event] : events_) {
      const std::string& country = event.location().country_code();
      if (country.empty() || std::find(filter.country_codes().begin(),
                                       filter.country_codes().end(),
                                       country) == filter.country_codes().end()) {
        continue;
      }
      const int32_t start = *validation::ParseDate(event.event_date());
      const int32_t end =
          event.end_date().empty() ? start : *validation::ParseDate(event.end_date());
      if (start > last || end < first) continue;
      const uint32_t slot = *columns_.SlotOf(id);
      const int64_t killed = columns_.fatalities(slot);
      ++expected.events;
      expected.fatalities += killed;
      for (CasualtyKind kind : {event::v1::CASUALTY_KIND_KILLED, event::v1::CASUALTY_KIND_INJURED,
                                event::v1::CASUALTY_KIND_KIDNAPPED}) {
        expected.casualties[kind] += columns_.casualties(slot, kind);
      }
      const int32_t bucket_day = std::max(start, first);
      auto count = [&](int32_t code) {
        auto& cell = expected.groups[code];
        ++cell.first;
        cell.second += killed;
      };
      if (dimensions.empty()) {
        count(0);
        continue;
      }
      switch (dimensions[0]) {
        case v1::DIMENSION_MONTH:
        case v1::DIMENSION_DAY:
          expected.min_bucket_day = std::min(expected.min_bucket_day, bucket_day);
          expected.max_bucket_day = std::max(expected.max_bucket_day, bucket_day);
          count(TimeBucket(dimensions[0], bucket_day));
          break;
        case v1::DIMENSION_EVENT_TYPE:
          count(event.event_type());
          break;
        case v1::DIMENSION_COUNTRY:
          count(static_cast<int32_t>(*columns_.countries().Find(country)));
          break;
        case v1::DIMENSION_ACTOR:
          // Each distinct actor once per event.
          for (const std::string& actor : [&] {
                 std::vector<std::string> ids;
                 for (const auto& p : event.participants()) ids.push_back(p.actor_id());
                 std::sort(ids.begin(), ids.end());
                 ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
                 return ids;
               }()) {
            count(static_cast<int32_t>(*columns_.actors().Find(actor)));
          }
          break;
        default:
          ADD_FAILURE() << "no walk for " << v1::Dimension_Name(dimensions[0]);
      }
    }
    return expected;
  }

  void ExpectSameAsWalk(const EventFilter& filter) {
    for (const std::vector<Dimension>& dimensions : std::vector<std::vector<Dimension>>{
             {}, {v1::DIMENSION_EVENT_TYPE}, {v1::DIMENSION_MONTH}, {v1::DIMENSION_DAY},
             {v1::DIMENSION_ACTOR}, {v1::DIMENSION_COUNTRY}}) {
      CompiledFilter compiled(filter, columns_);
      const Grouping grouping = GroupEvents(columns_, compiled, dimensions);
      const Expected expected = Walk(filter, dimensions);
      const std::string where =
          filter.DebugString() +
          (dimensions.empty() ? std::string("no dimension") : v1::Dimension_Name(dimensions[0]));
      EXPECT_EQ(grouping.total_events, expected.events) << where;
      EXPECT_EQ(grouping.total_fatalities, expected.fatalities) << where;
      std::map<int32_t, std::pair<int64_t, int64_t>> got;
      for (const Group& group : grouping.groups) {
        EXPECT_TRUE(got.emplace(group.codes[0], std::make_pair(group.events, group.fatalities))
                        .second)
            << where;
      }
      EXPECT_EQ(got, expected.groups) << where;
      if (!dimensions.empty() && (dimensions[0] == v1::DIMENSION_MONTH ||
                                  dimensions[0] == v1::DIMENSION_DAY)) {
        EXPECT_EQ(grouping.min_bucket_day, expected.min_bucket_day) << where;
        EXPECT_EQ(grouping.max_bucket_day, expected.max_bucket_day) << where;
      }
      if (dimensions.empty()) {
        for (const auto& [kind, sum] : expected.casualties) {
          EXPECT_EQ(SumCasualties(columns_, compiled, static_cast<CasualtyKind>(kind)), sum)
              << where << " casualty kind " << kind;
        }
      }
    }
  }

  EventColumns columns_;
  std::map<std::string, Event> events_;
  absl::BitGen gen_;
  const std::vector<std::string> actors_ = testing::TestActors(40);
};

TEST_F(StatsPeriodSummaryTest, SummariesGiveWhatWalkingTheEventsGivesThroughChanges) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3000; ++i) {
    ids.push_back("evt_" + testing::Hex16(i + 1));
    Put(RandomEvent(ids.back()));
  }
  for (int i = 0; i < 40; ++i) ExpectSameAsWalk(RandomFilter());
  // The questions above built summaries; the changes below must drop the ones they touch.
  EXPECT_GT(columns_.period_summary_count(), 0u);
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < 150; ++i) {
      const std::string& id = testing::Pick(gen_, ids);
      if (absl::Bernoulli(gen_, 0.3) && events_.count(id) > 0) {
        EXPECT_TRUE(columns_.Remove(id));
        events_.erase(id);
      } else if (events_.count(id) > 0 && absl::Bernoulli(gen_, 0.5)) {
        // A small change that keeps the event in its period and country: only its counts move.
        Event event = events_[id];
        event.set_fatalities(event.fatalities() + 1);
        event.mutable_casualties(0)->mutable_count()->set_best(event.fatalities());
        event.set_event_type(static_cast<event::v1::EventType>(
            absl::Uniform<int>(absl::IntervalClosed, gen_, 1, event::v1::EventType_MAX)));
        if (event.participants_size() > 0) {
          event.mutable_participants(0)->set_actor_id(testing::Pick(gen_, actors_));
        }
        Put(event);
      } else {
        // Another period, country, span; or the re-creation of a deleted id in a freed slot.
        Put(RandomEvent(id));
      }
    }
    for (int i = 0; i < 15; ++i) ExpectSameAsWalk(RandomFilter());
  }
}

TEST_F(StatsPeriodSummaryTest, AnEventMovedOutOfAPeriodLeavesItsSummary) {
  Event event = RandomEvent("evt_0000000000000001");
  event.mutable_location()->set_country_code("HTI");
  event.set_event_date("2024-03-10");
  event.clear_end_date();
  Put(event);
  // A neighbour that stays, so the period keeps a list (and a summary) after the move.
  Event neighbour = event;
  neighbour.set_id("evt_0000000000000002");
  neighbour.set_event_date("2024-03-12");
  Put(neighbour);
  EventFilter filter;
  filter.add_country_codes("HTI");
  filter.mutable_date_range()->set_start_date("2024-01-01");
  filter.mutable_date_range()->set_end_date("2024-12-31");
  ExpectSameAsWalk(filter);
  ASSERT_GT(columns_.period_summary_count(), 0u);
  // Into another year, then another country, then long, then gone: each time the answer follows.
  event.set_event_date("2023-03-10");
  Put(event);
  ExpectSameAsWalk(filter);
  event.set_event_date("2024-03-10");
  event.mutable_location()->set_country_code("KEN");
  Put(event);
  ExpectSameAsWalk(filter);
  event.mutable_location()->set_country_code("HTI");
  event.set_end_date("2024-06-30");
  Put(event);
  ExpectSameAsWalk(filter);
  ASSERT_TRUE(columns_.Remove(event.id()));
  events_.erase(event.id());
  ExpectSameAsWalk(filter);
  CompiledFilter compiled(filter, columns_);
  EXPECT_EQ(GroupEvents(columns_, compiled, {}).total_events, 1);
}

}  // namespace
}  // namespace lookout::stats
