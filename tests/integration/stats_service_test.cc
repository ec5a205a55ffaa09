// The stats service against the real event and actor services (in-process, real gRPC): health
// before and after the first catch-up, one definition of a filter (many random filters through
// ListEvents and AggregateEvents must count the same events), the one-second freshness bound,
// as_of_sequence, GetTrends, bad input, and the Redis cache of aggregate answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/redis_cache.h"
#include "gmock/gmock.h"
#include "event_filter/event_validation.h"
#include "services/stats/aggregate_cache.h"
#include "services/stats/aggregate_query.h"
#include "tests/integration/stats_cluster.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/stats_test_events.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::event::v1::EventFilter;
using ::lookout::stats::v1::AggregateEventsRequest;
using ::lookout::stats::v1::AggregateEventsResponse;
using testing::StatsCluster;

const std::vector<std::string>& Words() {
  static const auto* const words = new std::vector<std::string>{
      "gang", "attack", "market", "police", "patrol", "kidnapping", "bus", "road", "mission"};
  return *words;
}

// The events live on each backend in turn: what the stats service counts must not depend on it.
class StatsServiceTest : public ::testing::TestWithParam<lookout::testing::StoreBackend> {
 protected:
  void SetUp() override {
    cluster_.SetEventStore(
        lookout::testing::TestStoreLocation(GetParam(), dir_.File("event.db"), "event"));
  }

  void StartAll(testing::StatsOptions options = {}) {
    cluster_.StartActor();
    cluster_.StartEvent();
    for (int i = 0; i < 6; ++i) actors_.push_back(cluster_.CreateActor(absl::StrCat("Gang ", i)));
    cluster_.StartStats(options);
    ASSERT_TRUE(cluster_.WaitStatsServing());
  }

  // A random event as a client would send it (real actor ids, notes made of words).
  Event ClientEvent() {
    Event e = testing::RandomEvent(gen_, "", actors_);
    e.clear_id();
    e.clear_fatalities();
    // The random events' rare count above 32 bits predates the event service's bound.
    for (auto& casualty : *e.mutable_casualties()) {
      auto* count = casualty.mutable_count();
      count->set_best(std::min(count->best(), event_filter::kMaxCasualtyCount));
    }
    std::string notes;
    for (int i = 0; i < 4; ++i) absl::StrAppend(&notes, testing::Pick(gen_, Words()), " ");
    e.set_notes(notes);
    return e;
  }

  // Imports `count` events through ImportEvents; returns them as stored (ids and sequences).
  std::vector<Event> Import(int count) {
    auto context = StatsCluster::Context(absl::Seconds(30));
    event::v1::ImportEventsResponse response;
    auto writer = cluster_.events().ImportEvents(context.get(), &response);
    for (int i = 0; i < count; ++i) {
      event::v1::ImportEventsRequest row;
      *row.mutable_event() = ClientEvent();
      writer->Write(row);
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.created(), count) << response.DebugString();
    return ListAll({});
  }

  std::vector<Event> ListAll(const EventFilter& filter) {
    std::vector<Event> events;
    event::v1::ListEventsRequest request;
    *request.mutable_filter() = filter;
    request.set_page_size(1000);
    do {
      event::v1::ListEventsResponse response;
      grpc::Status status =
          cluster_.events().ListEvents(StatsCluster::Context().get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      events.insert(events.end(), response.events().begin(), response.events().end());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return events;
  }

  int64_t ListTotal(const EventFilter& filter) {
    event::v1::ListEventsRequest request;
    *request.mutable_filter() = filter;
    request.set_page_size(1);
    event::v1::ListEventsResponse response;
    grpc::Status status =
        cluster_.events().ListEvents(StatsCluster::Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.total_size();
  }

  grpc::Status Aggregate(const AggregateEventsRequest& request, AggregateEventsResponse* response) {
    return cluster_.stats().AggregateEvents(StatsCluster::Context().get(), request, response);
  }

  AggregateEventsResponse AggregateOk(const AggregateEventsRequest& request) {
    AggregateEventsResponse response;
    grpc::Status status = Aggregate(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Total events matching `filter` in an answer that includes change `sequence`.
  int64_t AggregateTotal(const EventFilter& filter, int64_t sequence) {
    AggregateEventsRequest request;
    *request.mutable_filter() = filter;
    request.set_as_of_sequence(sequence);
    return AggregateOk(request).total_events();
  }

  lookout::testing::TempDir dir_;
  StatsCluster cluster_{dir_.path()};
  std::vector<std::string> actors_;
  absl::BitGen gen_;
};

TEST_P(StatsServiceTest, NotServingUntilTheFirstCatchUp) {
  cluster_.StartActor();
  cluster_.StartEvent();
  for (int i = 0; i < 3; ++i)
    cluster_.CreateEvent(testing::BasicEvent("2024-01-0" + std::to_string(i + 1)));
  // With the event service down the stats service cannot catch up: health says so, and
  // aggregations refuse rather than answer from an empty model.
  cluster_.StopEvent();
  cluster_.StartStats();
  EXPECT_FALSE(cluster_.WaitStatsServing(absl::Milliseconds(700)));
  AggregateEventsResponse response;
  EXPECT_EQ(Aggregate(AggregateEventsRequest(), &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  cluster_.StartEvent();
  ASSERT_TRUE(cluster_.WaitStatsServing());
  EXPECT_EQ(AggregateOk(AggregateEventsRequest()).total_events(), 3);
}

TEST_P(StatsServiceTest, RandomFiltersCountTheSameEventsAsListEvents) {
  StartAll();
  std::vector<Event> events = Import(250);
  // Some updates and deletes, so the model has replaced and dropped events too.
  for (int i = 0; i < 40; ++i) {
    const size_t pick = absl::Uniform<size_t>(gen_, 0, events.size());
    const std::string id = events[pick].id();
    if (i % 3 == 0) {
      event::v1::DeleteEventRequest request;
      request.set_id(id);
      event::v1::DeleteEventResponse response;
      ASSERT_TRUE(
          cluster_.events().DeleteEvent(StatsCluster::Context().get(), request, &response).ok());
      events.erase(events.begin() + static_cast<std::ptrdiff_t>(pick));
    } else {
      event::v1::UpdateEventRequest request;
      *request.mutable_event() = ClientEvent();
      request.mutable_event()->set_id(id);
      for (const char* path : {"event_date", "end_date", "event_type", "sub_event_type",
                               "participants", "location", "casualties", "tags", "notes"}) {
        request.mutable_update_mask()->add_paths(path);
      }
      event::v1::UpdateEventResponse response;
      grpc::Status status =
          cluster_.events().UpdateEvent(StatsCluster::Context().get(), request, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
  }
  const int64_t head = cluster_.Head();
  int nonzero = 0;
  for (int i = 0; i < 150; ++i) {
    EventFilter filter = testing::RandomFilter(gen_, actors_);
    if (i % 4 == 0) {
      filter.set_text(testing::Pick(gen_, Words()));
      if (i % 8 == 0) absl::StrAppend(filter.mutable_text(), " ", testing::Pick(gen_, Words()));
    }
    const int64_t listed = ListTotal(filter);
    EXPECT_EQ(AggregateTotal(filter, head), listed) << filter.DebugString();
    if (listed > 0) ++nonzero;
  }
  EXPECT_GT(nonzero, 50);  // the comparison must not be between mostly empty answers
}

TEST_P(StatsServiceTest, WritesShowUpWithinOneSecond) {
  StartAll();
  EventFilter filter;
  filter.add_country_codes("HTI");
  filter.mutable_date_range()->set_start_date("2024-05-01");
  filter.mutable_date_range()->set_end_date("2024-05-31");
  AggregateEventsRequest request;
  *request.mutable_filter() = filter;
  int64_t expected = 0;
  std::vector<Event> created;
  // Waits until the aggregate counts `expected` events; the bound is the contract's second.
  absl::Duration slowest;
  auto expect_visible = [&](const char* what) {
    const absl::Time written = absl::Now();
    while (true) {
      if (AggregateOk(request).total_events() == expected) break;
      ASSERT_LT(absl::Now() - written, absl::Seconds(1)) << what << " not visible within 1 s";
      absl::SleepFor(absl::Milliseconds(5));
    }
    slowest = std::max(slowest, absl::Now() - written);
  };
  for (int i = 0; i < 25; ++i) {
    created.push_back(
        cluster_.CreateEvent(testing::BasicEvent(absl::StrFormat("2024-05-%02d", i + 1))));
    ++expected;
    expect_visible("a create");
  }
  for (int i = 0; i < 10; ++i) {
    // Moving an event out of the range is visible as one fewer.
    event::v1::UpdateEventRequest update;
    update.mutable_event()->set_id(created[i].id());
    update.mutable_event()->set_event_date("2023-05-01");
    update.mutable_update_mask()->add_paths("event_date");
    event::v1::UpdateEventResponse updated;
    ASSERT_TRUE(
        cluster_.events().UpdateEvent(StatsCluster::Context().get(), update, &updated).ok());
    --expected;
    expect_visible("an update");
  }
  for (int i = 10; i < 20; ++i) {
    event::v1::DeleteEventRequest del;
    del.set_id(created[i].id());
    event::v1::DeleteEventResponse deleted;
    ASSERT_TRUE(cluster_.events().DeleteEvent(StatsCluster::Context().get(), del, &deleted).ok());
    --expected;
    expect_visible("a delete");
  }
  RecordProperty("slowest_visibility_ms", absl::StrCat(absl::ToInt64Milliseconds(slowest)));
}

TEST_P(StatsServiceTest, AsOfSequenceWaitsBrieflyThenIsUnavailable) {
  testing::StatsOptions options;
  options.sequence_wait = absl::Milliseconds(300);
  StartAll(options);
  Event created = cluster_.CreateEvent(testing::BasicEvent("2024-02-29"));
  AggregateEventsRequest request;
  request.set_as_of_sequence(created.sequence());
  AggregateEventsResponse response = AggregateOk(request);
  EXPECT_GE(response.as_of_sequence(), created.sequence());
  EXPECT_EQ(response.total_events(), 1);

  request.set_as_of_sequence(created.sequence() + 1000);
  const absl::Time start = absl::Now();
  grpc::Status status = Aggregate(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("as_of_sequence"));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
}

TEST_P(StatsServiceTest, GroupsAndTrendsThroughGrpc) {
  StartAll();
  auto event = [&](const std::string& date, event::v1::EventType type, const char* sub, int killed,
                   std::vector<std::string> actors) {
    Event e = testing::BasicEvent(date);
    e.set_event_type(type);
    e.set_sub_event_type(sub);
    for (const std::string& a : actors) {
      auto* p = e.add_participants();
      p->set_actor_id(a);
      p->set_role(event::v1::PARTICIPANT_ROLE_PRIMARY);
    }
    auto* c = e.add_casualties();
    c->set_kind(event::v1::CASUALTY_KIND_KILLED);
    c->mutable_count()->set_best(killed);
    return cluster_.CreateEvent(e);
  };
  const auto battles = event::v1::EVENT_TYPE_BATTLES;
  const auto vac = event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS;
  // Previous window (February 2024): 1 battle, 2 attacks. Current (March): 3 battles, 1 attack.
  event("2024-02-10", battles, "Armed clash", 1, {actors_[0]});
  event("2024-02-11", vac, "Attack", 2, {actors_[0], actors_[1]});
  event("2024-02-20", vac, "Attack", 3, {actors_[1]});
  event("2024-03-01", battles, "Armed clash", 4, {actors_[0], actors_[1]});
  event("2024-03-15", battles, "Armed clash", 5, {actors_[0]});
  event("2024-03-30", battles, "Armed clash", 6, {});
  const Event last = event("2024-03-31", vac, "Abduction/forced disappearance", 7, {actors_[2]});

  AggregateEventsRequest request;
  request.add_group_by(v1::DIMENSION_MONTH);
  request.add_group_by(v1::DIMENSION_EVENT_TYPE);
  request.set_as_of_sequence(last.sequence());
  AggregateEventsResponse response = AggregateOk(request);
  ASSERT_EQ(response.rows_size(), 4);
  EXPECT_THAT(response.rows(0).keys(), ::testing::ElementsAre("2024-02", "BATTLES"));
  EXPECT_EQ(response.rows(1).event_count(), 2);
  EXPECT_EQ(response.rows(1).fatalities(), 5);
  EXPECT_THAT(response.rows(3).keys(),
              ::testing::ElementsAre("2024-03", "VIOLENCE_AGAINST_CIVILIANS"));
  EXPECT_EQ(response.total_events(), 7);
  EXPECT_EQ(response.total_fatalities(), 28);
  EXPECT_GE(response.as_of_sequence(), last.sequence());

  // Top actors: an event counts once for each of its actors; totals count each event once.
  request.clear_group_by();
  request.add_group_by(v1::DIMENSION_ACTOR);
  request.set_order_by("event_count desc");
  request.set_limit(2);
  response = AggregateOk(request);
  ASSERT_EQ(response.rows_size(), 2);
  EXPECT_EQ(response.rows(0).keys(0), actors_[0]);
  EXPECT_EQ(response.rows(0).event_count(), 4);
  EXPECT_EQ(response.rows(1).keys(0), actors_[1]);
  EXPECT_EQ(response.rows(1).event_count(), 3);
  EXPECT_EQ(response.total_events(), 7);

  v1::GetTrendsRequest trends;
  trends.set_end_date("2024-03-31");
  trends.set_window_days(31);  // March 1-31 against January 30 - February 29
  trends.set_dimension(v1::DIMENSION_EVENT_TYPE);
  v1::GetTrendsResponse trend;
  ASSERT_TRUE(cluster_.stats().GetTrends(StatsCluster::Context().get(), trends, &trend).ok());
  ASSERT_EQ(trend.rows_size(), 2);
  EXPECT_EQ(trend.rows(0).key(), "BATTLES");
  EXPECT_EQ(trend.rows(0).current_events(), 3);
  EXPECT_EQ(trend.rows(0).previous_events(), 1);
  EXPECT_DOUBLE_EQ(trend.rows(0).change_ratio(), 2.0);
  EXPECT_EQ(trend.rows(0).current_fatalities(), 15);
  EXPECT_EQ(trend.rows(1).key(), "VIOLENCE_AGAINST_CIVILIANS");
  EXPECT_DOUBLE_EQ(trend.rows(1).change_ratio(), -0.5);
  EXPECT_EQ(trend.current_period().start_date(), "2024-03-01");
  EXPECT_EQ(trend.previous_period().end_date(), "2024-02-29");
}

// Source attributes reach the read model through the event service's feed: grouping by them
// follows creates, an update that drops them (update mask "acled") and a delete; events of
// another source are under "". GetTrends groups by them the same way.
TEST_P(StatsServiceTest, GroupsBySourceAttributesThroughGrpc) {
  StartAll();
  auto create = [&](const std::string& date, auto&& attributes) {
    Event e = testing::BasicEvent(date);
    attributes(e);
    return cluster_.CreateEvent(e);
  };
  const Event acled = create("2024-03-02", [](Event& e) {
    e.mutable_acled()->set_disorder_type("Political violence");
    e.mutable_acled()->set_interaction(13);
  });
  create("2024-03-03", [](Event& e) {
    e.mutable_acled()->set_disorder_type("Demonstrations");
    e.mutable_acled()->set_interaction(60);
  });
  create("2024-02-10", [](Event& e) { e.mutable_ucdp()->set_conflict_id(333); });
  create("2024-03-10", [](Event& e) { e.mutable_ucdp()->set_conflict_id(333); });
  create("2024-03-11", [](Event& e) { e.mutable_ucdp()->set_conflict_id(444); });
  const Event gdelt = create("2024-03-12", [](Event& e) { e.mutable_gdelt()->set_quad_class(4); });
  create("2024-03-13", [](Event&) {});

  event::v1::UpdateEventRequest update;
  update.mutable_event()->set_id(acled.id());
  update.mutable_update_mask()->add_paths("acled");
  event::v1::UpdateEventResponse updated;
  ASSERT_TRUE(cluster_.events().UpdateEvent(StatsCluster::Context().get(), update, &updated).ok());
  event::v1::DeleteEventRequest del;
  del.set_id(gdelt.id());
  event::v1::DeleteEventResponse deleted;
  ASSERT_TRUE(cluster_.events().DeleteEvent(StatsCluster::Context().get(), del, &deleted).ok());
  const int64_t head = cluster_.Head();

  using Counts = std::map<std::string, int64_t>;
  auto grouped = [&](v1::Dimension dimension) {
    AggregateEventsRequest request;
    request.add_group_by(dimension);
    request.set_as_of_sequence(head);
    AggregateEventsResponse response = AggregateOk(request);
    Counts out;
    int64_t sum = 0;
    for (const auto& row : response.rows()) {
      out[row.keys(0)] += row.event_count();
      sum += row.event_count();
    }
    EXPECT_EQ(sum, response.total_events());
    EXPECT_EQ(response.total_events(), 6);
    return out;
  };
  EXPECT_EQ(grouped(v1::DIMENSION_ACLED_DISORDER_TYPE), (Counts{{"", 5}, {"Demonstrations", 1}}));
  EXPECT_EQ(grouped(v1::DIMENSION_ACLED_INTERACTION), (Counts{{"", 5}, {"60", 1}}));
  EXPECT_EQ(grouped(v1::DIMENSION_UCDP_CONFLICT), (Counts{{"", 3}, {"333", 2}, {"444", 1}}));
  EXPECT_EQ(grouped(v1::DIMENSION_GDELT_QUAD_CLASS), (Counts{{"", 6}}));

  v1::GetTrendsRequest trends;
  trends.set_end_date("2024-03-31");
  trends.set_window_days(31);
  trends.set_dimension(v1::DIMENSION_UCDP_CONFLICT);  // after the answers as of head above
  v1::GetTrendsResponse trend;
  ASSERT_TRUE(cluster_.stats().GetTrends(StatsCluster::Context().get(), trends, &trend).ok());
  Counts current, previous;
  for (const auto& row : trend.rows()) {
    current[row.key()] = row.current_events();
    previous[row.key()] = row.previous_events();
  }
  EXPECT_EQ(current, (Counts{{"", 3}, {"333", 1}, {"444", 1}}));
  EXPECT_EQ(previous, (Counts{{"", 0}, {"333", 1}, {"444", 0}}));
}

TEST_P(StatsServiceTest, BadInputIsInvalidArgumentAndAuthIsRequired) {
  StartAll();
  AggregateEventsRequest request;
  request.add_group_by(v1::DIMENSION_DAY);
  request.add_group_by(v1::DIMENSION_DAY);
  AggregateEventsResponse response;
  grpc::Status status = Aggregate(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("group_by[1]"));
  request.clear_group_by();
  request.mutable_filter()->mutable_bbox()->set_min_latitude(95);
  status = Aggregate(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("filter.bbox.min_latitude"));
  // A text with no word to search for is refused before the event service is asked.
  request.Clear();
  request.mutable_filter()->set_text("\"*\" ( - )");
  status = Aggregate(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("filter.text"));

  grpc::ClientContext no_token;
  EXPECT_EQ(
      cluster_.stats().AggregateEvents(&no_token, AggregateEventsRequest(), &response).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

TEST_P(StatsServiceTest, AnswersAreCachedByRequestAndSequenceAndSurviveRedisGoingAway) {
  lookout::testing::RedisServer redis;
  redis.Start();
  testing::StatsOptions options;
  options.redis_port = redis.port();
  StartAll(options);
  Event first = cluster_.CreateEvent(testing::BasicEvent("2024-01-10"));
  AggregateEventsRequest request;
  request.add_group_by(v1::DIMENSION_MONTH);
  request.set_as_of_sequence(first.sequence());
  AggregateEventsResponse answer = AggregateOk(request);
  ASSERT_EQ(answer.total_events(), 1);

  // The answer is in Redis under the normalised request and its sequence.
  RedisOptions redis_options;
  redis_options.port = redis.port();
  RedisCache client(redis_options);
  const std::string digest =
      AggregateCache::RequestDigest(ParseAggregateRequest(request)->normalized);
  ASSERT_FALSE(answer.as_of_change_log_id().empty());
  const std::string key =
      AggregateCache::Key(digest, {answer.as_of_change_log_id(), answer.as_of_sequence()});
  auto stored = client.Get(key);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  // Prove the next identical question is answered from Redis: plant a marked answer there.
  AggregateEventsResponse planted = answer;
  planted.set_total_fatalities(424242);
  ASSERT_TRUE(client.Set(key, planted.SerializeAsString(), absl::Minutes(1)).ok());
  EXPECT_EQ(AggregateOk(request).total_fatalities(), 424242);

  // A new event is a new sequence: a new key, so the planted answer is never served again.
  Event second = cluster_.CreateEvent(testing::BasicEvent("2024-01-11"));
  request.set_as_of_sequence(second.sequence());
  answer = AggregateOk(request);
  EXPECT_EQ(answer.total_events(), 2);
  EXPECT_EQ(answer.total_fatalities(), 0);

  // Redis stopped: answers stay right, only uncached.
  redis.Stop();
  Event third = cluster_.CreateEvent(testing::BasicEvent("2024-01-12"));
  request.set_as_of_sequence(third.sequence());
  EXPECT_EQ(AggregateOk(request).total_events(), 3);
  EXPECT_EQ(AggregateOk(request).total_events(), 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, StatsServiceTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::stats
