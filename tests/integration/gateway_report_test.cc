// GetSituationReport through the gateway: the real event and actor services (as processes, so
// they can be killed), a scripted stats service (its answers are known, so the joins can be
// checked exactly), and a real Redis for the report cache. Covers the complete report, the
// cache keyed by the event sequence, each dependency down in turn (a warning and the rest of
// the report), everything down, bad requests, and that the fan-out runs in parallel.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/call_context.h"
#include "common/trace_context.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "lookout/gateway/v1/gateway_service.grpc.pb.h"
#include "lookout/stats/v1/stats_service.grpc.pb.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

using stats::v1::StatsService;
using testing::KeyContext;

// A stats service with fixed answers for the report's questions, counting what it is asked.
class ScriptedStats final : public StatsService::Service {
 public:
  std::atomic<int64_t> sequence{7};
  std::atomic<int> change_log{1};  // answers carry "log<change_log>"
  std::atomic<int> delay_ms{0};
  std::atomic<int> by_type_calls{0};
  std::atomic<int> by_month_calls{0};
  std::atomic<int> by_actor_calls{0};
  std::atomic<int> other_calls{0};
  std::atomic<int> sea_calls{0};  // aggregations filtered by a basin or a body of water
  std::vector<std::string> top_actor_ids;  // set before the first report

  grpc::Status AggregateEvents(grpc::ServerContext* context,
                               const stats::v1::AggregateEventsRequest* request,
                               stats::v1::AggregateEventsResponse* response) override {
    if (grpc::Status denied = Check(*context); !denied.ok()) return denied;
    const auto& filter = request->filter();
    const int places = filter.country_codes_size() + filter.maritime_basins_size() +
                       filter.bodies_of_water_size();
    if (places != 1 || request->group_by_size() != 1) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unexpected report question");
    }
    if (filter.country_codes_size() == 0) ++sea_calls;
    response->set_as_of_sequence(sequence);
    response->set_as_of_change_log_id(absl::StrCat("log", change_log.load()));
    response->set_total_events(12);
    response->set_total_fatalities(30);
    switch (request->group_by(0)) {
      case stats::v1::DIMENSION_EVENT_TYPE:
        ++by_type_calls;
        AddRow(response, {"BATTLES"}, 8, 20);
        AddRow(response, {"PROTESTS"}, 4, 10);
        break;
      case stats::v1::DIMENSION_MONTH:
        ++by_month_calls;
        if (!request->fill_gaps()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "gaps");
        AddRow(response, {"2024-01"}, 4, 10);
        AddRow(response, {"2024-02"}, 0, 0);
        AddRow(response, {"2024-03"}, 8, 20);
        break;
      case stats::v1::DIMENSION_ACTOR: {
        ++by_actor_calls;
        int count = 9;
        for (const std::string& id : top_actor_ids) AddRow(response, {id}, count--, 3);
        break;
      }
      default:
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unexpected dimension");
    }
    return grpc::Status::OK;
  }

  grpc::Status ListObservations(grpc::ServerContext* context,
                                const stats::v1::ListObservationsRequest* request,
                                stats::v1::ListObservationsResponse* response) override {
    if (grpc::Status denied = Check(*context); !denied.ok()) return denied;
    ++other_calls;
    for (auto metric :
         {stats::v1::METRIC_IDPS, stats::v1::METRIC_KILLED, stats::v1::METRIC_KILLED}) {
      response->add_observations()->set_metric(metric);
    }
    return grpc::Status::OK;
  }

  grpc::Status SummarizeMetric(grpc::ServerContext* context,
                               const stats::v1::SummarizeMetricRequest* request,
                               stats::v1::SummarizeMetricResponse* response) override {
    if (grpc::Status denied = Check(*context); !denied.ok()) return denied;
    ++other_calls;
    response->mutable_summary()->set_metric(request->metric());
    response->mutable_summary()->set_country_code(request->country_code());
    response->mutable_summary()->set_consensus(100);
    return grpc::Status::OK;
  }

  int calls() const { return by_type_calls + by_month_calls + by_actor_calls + other_calls; }

  // The traceparent of every call received, in order.
  std::vector<std::string> traceparents() {
    absl::MutexLock lock(&mu_);
    return traceparents_;
  }

 private:
  grpc::Status Check(const grpc::ServerContext& context) {
    if (delay_ms > 0) absl::SleepFor(absl::Milliseconds(delay_ms.load()));
    {
      auto trace = context.client_metadata().find(kTraceparentHeader);
      absl::MutexLock lock(&mu_);
      traceparents_.push_back(trace == context.client_metadata().end()
                                  ? std::string()
                                  : std::string(trace->second.data(), trace->second.size()));
    }
    auto it = context.client_metadata().find(kInternalTokenHeader);
    if (it == context.client_metadata().end() ||
        std::string(it->second.data(), it->second.size()) != testing::kInternalToken) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no internal token");
    }
    return grpc::Status::OK;
  }
  static void AddRow(stats::v1::AggregateEventsResponse* response, std::vector<std::string> keys,
                     int64_t events, int64_t fatalities) {
    auto* row = response->add_rows();
    for (auto& key : keys) row->add_keys(key);
    row->set_event_count(events);
    row->set_fatalities(fatalities);
  }

  absl::Mutex mu_;
  std::vector<std::string> traceparents_ ABSL_GUARDED_BY(mu_);
};

class GatewayReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new lookout::testing::TempDir();
    redis_ = new lookout::testing::RedisServer();
    redis_->Start();
    backends_ = new testing::BackendProcesses(dir_->path(), 0);
    backends_->StartActor();
    backends_->StartEvent();
    stats_ = new ScriptedStats();
    stats_port_ = lookout::testing::PickFreePort();
    StartStats();
    keys_ = new testing::TestKeys(testing::MakeTestKeys());
    testing::WriteFile(dir_->File("keys"),
                       keys_->FileText("10000:10000", "10000:10000", "10000:10000"));
    GatewayConfig config = testing::TestGatewayConfig(
        {backends_->event_addr(), backends_->actor_addr(), absl::StrCat("127.0.0.1:", stats_port_)},
        dir_->File("keys"), redis_->port());
    auto gateway = GatewayServer::Start(std::move(config));
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = gateway->release();
    channel_ = new std::shared_ptr<grpc::Channel>(
        testing::Connect(absl::StrCat("127.0.0.1:", gateway_->port())));
    Seed();
  }
  static void TearDownTestSuite() {
    delete channel_;
    delete gateway_;
    StopStats();
    delete stats_;
    delete backends_;
    delete redis_;
    delete dir_;
    delete keys_;
  }

  void SetUp() override {
    // A previous test's report may still be on its way into the cache (written after the
    // answer, on a worker thread): let it land, then start from an empty cache.
    absl::SleepFor(absl::Milliseconds(50));
    redis_->Flush();
    stats_->delay_ms = 0;
    // The previous test may have stopped a dependency: wait until the report is whole again.
    // (With a request no test makes: its cache entry is written after the answer, and could
    // land after any flush.)
    absl::Time end = absl::Now() + absl::Seconds(10);
    while (absl::Now() < end) {
      v1::GetSituationReportResponse report;
      if (Report(Request(1), &report).ok() && report.warnings().empty()) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
  }

  static void StartStats() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(absl::StrCat("127.0.0.1:", stats_port_),
                             grpc::InsecureServerCredentials());
    builder.RegisterService(stats_);
    stats_server_ = builder.BuildAndStart().release();
    ASSERT_NE(stats_server_, nullptr);
  }
  static void StopStats() {
    if (stats_server_ == nullptr) return;
    stats_server_->Shutdown();
    delete stats_server_;
    stats_server_ = nullptr;
  }

  // Three actors and twelve events in Haiti in Q1 2024 (plus one in Kenya), through the gateway.
  static void Seed() {
    auto actors = actor::v1::ActorService::NewStub(*channel_);
    for (const char* name : {"Viv Ansanm", "Police Nationale d'Haiti", "Gran Grif"}) {
      actor::v1::CreateActorRequest request;
      request.mutable_actor()->set_name(name);
      request.mutable_actor()->set_type(actor::v1::ACTOR_TYPE_POLITICAL_MILITIA);
      request.mutable_actor()->set_country_code("HTI");
      actor::v1::CreateActorResponse response;
      auto context = KeyContext(keys_->editor);
      grpc::Status status = actors->CreateActor(context.get(), request, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
      actor_ids_.push_back(response.actor().id());
      actor_names_.push_back(name);
    }
    stats_->top_actor_ids = {actor_ids_[2], actor_ids_[0], actor_ids_[1]};
    auto events = event::v1::EventService::NewStub(*channel_);
    for (int i = 0; i < 13; ++i) {
      event::v1::CreateEventRequest request;
      event::v1::Event* event = request.mutable_event();
      event->set_event_date(absl::StrCat("2024-0", 1 + i % 3, "-", 10 + i));
      event->set_event_type(event::v1::EVENT_TYPE_BATTLES);
      event->set_sub_event_type("Armed clash");
      event->mutable_location()->set_country_code(i == 12 ? "KEN" : "HTI");
      auto* first = event->add_participants();
      first->set_actor_id(actor_ids_[i % 3]);
      first->set_role(event::v1::PARTICIPANT_ROLE_PRIMARY);
      auto* second = event->add_participants();
      second->set_actor_id(actor_ids_[(i + 1) % 3]);
      second->set_role(event::v1::PARTICIPANT_ROLE_TARGET);
      event::v1::CreateEventResponse response;
      auto context = KeyContext(keys_->editor);
      grpc::Status status = events->CreateEvent(context.get(), request, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
  }

  static v1::GetSituationReportRequest Request(int recent = 5) {
    v1::GetSituationReportRequest request;
    request.set_country_code("hti");
    request.mutable_period()->set_start_date("2024-01-01");
    request.mutable_period()->set_end_date("2024-03-31");
    request.set_recent_events(recent);
    return request;
  }

  static grpc::Status Report(const v1::GetSituationReportRequest& request,
                             v1::GetSituationReportResponse* report, const std::string& key = "") {
    auto context = KeyContext(key.empty() ? keys_->reader : key, absl::Seconds(10));
    return v1::GatewayService::NewStub(*channel_)->GetSituationReport(context.get(), request,
                                                                      report);
  }

  static void ExpectRecentEventsJoined(const v1::GetSituationReportResponse& report,
                                       bool with_names) {
    ASSERT_EQ(report.recent_events_size(), 5);
    std::string previous = "9999-12-31";
    for (const auto& recent : report.recent_events()) {
      EXPECT_EQ(recent.event().location().country_code(), "HTI");
      EXPECT_LE(recent.event().event_date(), previous) << "newest first";
      previous = recent.event().event_date();
      ASSERT_EQ(recent.actors_size(), 2);
      for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(recent.actors(i).id(), recent.event().participants(i).actor_id());
        EXPECT_EQ(recent.actors(i).name().empty(), !with_names);
      }
    }
  }

  static lookout::testing::TempDir* dir_;
  static lookout::testing::RedisServer* redis_;
  static testing::BackendProcesses* backends_;
  static ScriptedStats* stats_;
  static grpc::Server* stats_server_;
  static int stats_port_;
  static testing::TestKeys* keys_;
  static GatewayServer* gateway_;
  static std::shared_ptr<grpc::Channel>* channel_;
  static std::vector<std::string> actor_ids_;
  static std::vector<std::string> actor_names_;
};

lookout::testing::TempDir* GatewayReportTest::dir_ = nullptr;
lookout::testing::RedisServer* GatewayReportTest::redis_ = nullptr;
testing::BackendProcesses* GatewayReportTest::backends_ = nullptr;
ScriptedStats* GatewayReportTest::stats_ = nullptr;
grpc::Server* GatewayReportTest::stats_server_ = nullptr;
int GatewayReportTest::stats_port_ = 0;
testing::TestKeys* GatewayReportTest::keys_ = nullptr;
GatewayServer* GatewayReportTest::gateway_ = nullptr;
std::shared_ptr<grpc::Channel>* GatewayReportTest::channel_ = nullptr;
std::vector<std::string> GatewayReportTest::actor_ids_;
std::vector<std::string> GatewayReportTest::actor_names_;

TEST_F(GatewayReportTest, CompleteReportJoinsEveryService) {
  v1::GetSituationReportResponse report;
  grpc::Status status = Report(Request(), &report);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(report.warnings().empty()) << report.warnings(0);
  EXPECT_EQ(report.country_code(), "HTI");
  EXPECT_EQ(report.period().end_date(), "2024-03-31");
  EXPECT_EQ(report.event_count(), 12);
  EXPECT_EQ(report.fatalities(), 30);
  EXPECT_EQ(report.as_of_sequence(), 7);
  ASSERT_EQ(report.by_event_type_size(), 2);
  EXPECT_EQ(report.by_event_type(0).keys(0), "BATTLES");
  ASSERT_EQ(report.by_month_size(), 3);
  EXPECT_EQ(report.by_month(1).keys(0), "2024-02");
  ASSERT_EQ(report.top_actors_size(), 3);
  EXPECT_EQ(report.top_actors(0).actor().id(), actor_ids_[2]);
  EXPECT_EQ(report.top_actors(0).actor().name(), actor_names_[2]);
  EXPECT_EQ(report.top_actors(0).event_count(), 9);
  EXPECT_EQ(report.top_actors(1).actor().name(), actor_names_[0]);
  ExpectRecentEventsJoined(report, /*with_names=*/true);
  ASSERT_EQ(report.figures_size(), 2);
  EXPECT_EQ(report.figures(0).metric(), stats::v1::METRIC_KILLED);
  EXPECT_EQ(report.figures(1).metric(), stats::v1::METRIC_IDPS);
  EXPECT_EQ(report.figures(1).country_code(), "HTI");
}

// A report on a sea: the stats questions and the recent events are the sea's (basin or body of
// water), none of the country's; no figures are asked for (they are by country).
TEST_F(GatewayReportTest, AReportOnASeaCoversItsEventsAndNoCountrys) {
  auto events = event::v1::EventService::NewStub(*channel_);
  for (const auto& [basin, body] : std::vector<std::pair<std::string, std::string>>{
           {"Red Sea", "Bab-el-Mandeb"}, {"Red Sea", ""}, {"Atlantic Ocean", "Caribbean Sea"}}) {
    event::v1::CreateEventRequest request;
    event::v1::Event* event = request.mutable_event();
    event->set_event_date("2024-02-20");
    event->set_event_type(event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE);
    event->mutable_location()->mutable_maritime()->set_basin(basin);
    event->mutable_location()->mutable_maritime()->set_body_of_water(body);
    event::v1::CreateEventResponse response;
    auto context = KeyContext(keys_->editor);
    grpc::Status status = events->CreateEvent(context.get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  const int sea_calls = stats_->sea_calls, other_calls = stats_->other_calls;
  v1::GetSituationReportRequest request = Request();
  request.clear_country_code();
  request.set_maritime_area("red sea");
  v1::GetSituationReportResponse report;
  grpc::Status status = Report(request, &report);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(report.warnings().empty()) << report.warnings(0);
  EXPECT_EQ(report.country_code(), "");
  EXPECT_EQ(report.maritime_basin(), "Red Sea");
  EXPECT_EQ(report.body_of_water(), "");
  EXPECT_EQ(stats_->sea_calls - sea_calls, 3);      // by type, by month, top actors
  EXPECT_EQ(stats_->other_calls - other_calls, 0);  // no observations, no summaries
  EXPECT_EQ(report.figures_size(), 0);
  ASSERT_EQ(report.recent_events_size(), 2);
  for (const auto& recent : report.recent_events()) {
    EXPECT_EQ(recent.event().location().maritime().basin(), "Red Sea");
    EXPECT_EQ(recent.event().location().country_code(), "");
  }

  request.set_maritime_area("Caribbean Sea");
  report.Clear();
  ASSERT_TRUE(Report(request, &report).ok());
  EXPECT_EQ(report.body_of_water(), "Caribbean Sea");
  ASSERT_EQ(report.recent_events_size(), 1);
  EXPECT_EQ(report.recent_events(0).event().location().maritime().body_of_water(),
            "Caribbean Sea");

  // The country's report has none of them.
  report.Clear();
  ASSERT_TRUE(Report(Request(100), &report).ok());
  for (const auto& recent : report.recent_events()) {
    EXPECT_EQ(recent.event().location().country_code(), "HTI");
  }

  request.set_country_code("HTI");
  report.Clear();
  status = Report(request, &report);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "maritime_area: "))
      << status.error_message();
}

// Every call of the fan-out carries the caller's trace id, each with a span id of its own.
TEST_F(GatewayReportTest, EveryCallOfTheFanOutCarriesTheCallersTrace) {
  constexpr char kTraceId[] = "0af7651916cd43dd8448eb211c80319c";
  constexpr char kCallerSpan[] = "b7ad6b7169203331";
  const size_t before = stats_->traceparents().size();
  auto context = KeyContext(keys_->reader, absl::Seconds(10));
  context->AddMetadata(kTraceparentHeader, absl::StrCat("00-", kTraceId, "-", kCallerSpan, "-01"));
  v1::GetSituationReportResponse report;
  grpc::Status status =
      v1::GatewayService::NewStub(*channel_)->GetSituationReport(context.get(), Request(), &report);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(report.warnings().empty()) << report.warnings(0);

  std::vector<std::string> seen = stats_->traceparents();
  seen.erase(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(before));
  // Totals, months, top actors, observations and one summary per metric (two).
  ASSERT_EQ(seen.size(), 6u);
  std::set<std::string> spans;
  for (const std::string& value : seen) {
    std::optional<Traceparent> sent = ParseTraceparent(value);
    ASSERT_TRUE(sent.has_value()) << "[" << value << "]";
    EXPECT_EQ(sent->trace_id, kTraceId);
    EXPECT_NE(sent->parent_id, kCallerSpan);
    spans.insert(sent->parent_id);
  }
  EXPECT_EQ(spans.size(), seen.size()) << "each backend call has a span id of its own";
  auto trailers = context->GetServerTrailingMetadata();
  auto told = trailers.find("traceresponse");
  ASSERT_NE(told, trailers.end());
  EXPECT_EQ(std::string(told->second.data(), told->second.size()).substr(0, 36),
            absl::StrCat("00-", kTraceId, "-"));
}

TEST_F(GatewayReportTest, CachedUntilTheEventSequenceMoves) {
  v1::GetSituationReportResponse first, second, third;
  ASSERT_TRUE(Report(Request(), &first).ok());
  int months = stats_->by_month_calls, types = stats_->by_type_calls, others = stats_->other_calls;
  ASSERT_TRUE(Report(Request(), &second).ok());
  EXPECT_EQ(stats_->by_type_calls, types + 1) << "the sequence is asked for every time";
  EXPECT_EQ(stats_->by_month_calls, months) << "the rest comes from the cache";
  EXPECT_EQ(stats_->other_calls, others);
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());

  // Another request is another entry.
  v1::GetSituationReportResponse other;
  ASSERT_TRUE(Report(Request(3), &other).ok());
  EXPECT_EQ(stats_->by_month_calls, months + 1);
  EXPECT_EQ(other.recent_events_size(), 3);

  ++stats_->sequence;  // an event changed
  ASSERT_TRUE(Report(Request(), &third).ok());
  EXPECT_EQ(stats_->by_month_calls, months + 2) << "a new sequence is computed afresh";
  EXPECT_EQ(third.as_of_sequence(), first.as_of_sequence() + 1);

  // The event store recreated: the first report's sequence again, in another change log, is
  // another report (issue 24.11).
  stats_->change_log = 2;
  stats_->sequence = first.as_of_sequence();
  v1::GetSituationReportResponse fourth;
  ASSERT_TRUE(Report(Request(), &fourth).ok());
  EXPECT_EQ(stats_->by_month_calls, months + 3) << "another change log is computed afresh";
  EXPECT_EQ(fourth.as_of_sequence(), first.as_of_sequence());
  EXPECT_EQ(first.as_of_change_log_id(), "log1");
  EXPECT_EQ(fourth.as_of_change_log_id(), "log2");
}

TEST_F(GatewayReportTest, StatsDownGivesAWarningAndTheEvents) {
  StopStats();
  v1::GetSituationReportResponse report;
  grpc::Status status = Report(Request(), &report);
  StartStats();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(report.warnings_size(), 1);
  EXPECT_TRUE(absl::StartsWith(report.warnings(0), "stats service failed (UNAVAILABLE"))
      << report.warnings(0);
  EXPECT_EQ(report.event_count(), 12) << "counted by the event service instead";
  EXPECT_TRUE(report.by_event_type().empty());
  EXPECT_TRUE(report.top_actors().empty());
  EXPECT_TRUE(report.figures().empty());
  ExpectRecentEventsJoined(report, /*with_names=*/true);
}

TEST_F(GatewayReportTest, ActorDownGivesAWarningAndIdsInsteadOfActors) {
  backends_->KillActor();
  v1::GetSituationReportResponse report;
  grpc::Status status = Report(Request(), &report);
  backends_->StartActor();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(report.warnings_size(), 1);
  EXPECT_TRUE(absl::StartsWith(report.warnings(0), "actor service failed")) << report.warnings(0);
  EXPECT_EQ(report.event_count(), 12);
  ASSERT_EQ(report.top_actors_size(), 3);
  EXPECT_EQ(report.top_actors(0).actor().id(), actor_ids_[2]);
  EXPECT_TRUE(report.top_actors(0).actor().name().empty());
  ExpectRecentEventsJoined(report, /*with_names=*/false);
  EXPECT_EQ(report.figures_size(), 2);
}

TEST_F(GatewayReportTest, EventDownGivesAWarningAndTheAggregates) {
  backends_->KillEvent();
  v1::GetSituationReportResponse report;
  grpc::Status status = Report(Request(), &report);
  backends_->StartEvent();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(report.warnings_size(), 1);
  EXPECT_TRUE(absl::StartsWith(report.warnings(0), "event service failed")) << report.warnings(0);
  EXPECT_TRUE(report.recent_events().empty());
  EXPECT_EQ(report.event_count(), 12);
  EXPECT_EQ(report.by_month_size(), 3);
  ASSERT_EQ(report.top_actors_size(), 3);
  EXPECT_EQ(report.top_actors(2).actor().name(), actor_names_[1]);
}

TEST_F(GatewayReportTest, NothingToReportIsUnavailable) {
  StopStats();
  backends_->KillEvent();
  v1::GetSituationReportResponse report;
  grpc::Status status = Report(Request(), &report);
  backends_->StartEvent();
  StartStats();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "stats service failed"));
  EXPECT_TRUE(absl::StrContains(status.error_message(), "event service failed"));
}

TEST_F(GatewayReportTest, BadRequestsAndKeys) {
  v1::GetSituationReportResponse report;
  v1::GetSituationReportRequest request = Request();
  request.set_country_code("HAITI");
  grpc::Status status = Report(request, &report);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "country_code"));
  request = Request(-1);
  EXPECT_EQ(Report(request, &report).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Report(Request(), &report, "lk_forged").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  int before = stats_->calls();
  Report(Request(), &report, "lk_forged").ok();
  EXPECT_EQ(stats_->calls(), before) << "nothing is asked for a refused caller";
}

// The gateway's own methods and the methods it forwards both answer a request that is not a
// valid message (here: strings that are not UTF-8) with INVALID_ARGUMENT, and ask nothing.
TEST_F(GatewayReportTest, RequestThatDoesNotParseIsInvalidArgument) {
  const int before = stats_->calls();
  v1::GetSituationReportRequest request = Request();
  request.set_country_code("ht\xff");
  v1::GetSituationReportResponse report;
  grpc::Status status = Report(request, &report);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "request: ")) << status.error_message();
  EXPECT_EQ(stats_->calls(), before);

  event::v1::ListEventsRequest list;
  list.mutable_filter()->set_text("gang \xc3");
  event::v1::ListEventsResponse events;
  auto context = KeyContext(keys_->reader);
  status = event::v1::EventService::NewStub(*channel_)->ListEvents(context.get(), list, &events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "request: ")) << status.error_message();
}

TEST_F(GatewayReportTest, DependenciesAreAskedInParallel) {
  stats_->delay_ms = 300;
  v1::GetSituationReportResponse report;
  absl::Time start = absl::Now();
  ASSERT_TRUE(Report(Request(), &report).ok());
  absl::Duration took = absl::Now() - start;
  // Three rounds (totals; months, actors, observations, events; actors and two summaries) of
  // 300 ms each, against 1.8 s for the six stats calls one after another.
  EXPECT_LT(took, absl::Milliseconds(1500)) << took;
  EXPECT_TRUE(report.warnings().empty());
}

TEST_F(GatewayReportTest, ASlowDependencyBecomesAWarningWithinTheCallersDeadline) {
  stats_->delay_ms = 300;
  v1::GetSituationReportRequest request = Request();
  auto context = KeyContext(keys_->reader, absl::Milliseconds(800));
  v1::GetSituationReportResponse report;
  grpc::Status status =
      v1::GatewayService::NewStub(*channel_)->GetSituationReport(context.get(), request, &report);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(report.warnings_size(), 1);
  EXPECT_TRUE(absl::StrContains(report.warnings(0), "DEADLINE_EXCEEDED")) << report.warnings(0);
  EXPECT_EQ(report.event_count(), 12);
}

}  // namespace
}  // namespace lookout::gateway
