#include "tests/integration/stats_cluster.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <tuple>
#include <vector>

#include "common/call_context.h"
#include "common/redis_cache.h"
#include "common/server_runner.h"
#include "services/actor/actor_manager.h"
#include "services/actor/actor_service.h"
#include "services/actor/sqlite_actor_store.h"
#include "services/event/actor_checker.h"
#include "services/event/change_feed.h"
#include "services/event/change_notifier.h"
#include "services/event/event_cache.h"
#include "services/event/event_importer.h"
#include "services/event/event_manager.h"
#include "services/event/event_service.h"
#include "services/event/event_store_factory.h"
#include "services/stats/aggregate_cache.h"
#include "services/stats/backend_channel.h"
#include "services/stats/event_stats.h"
#include "services/stats/observation_manager.h"
#include "services/stats/observation_owner.h"
#include "services/stats/observation_store_factory.h"
#include "services/stats/snapshot_keeper.h"
#include "services/stats/stats_service.h"
#include "services/stats/text_search.h"

namespace lookout::stats::testing {
namespace {

ServerOptions TestServerOptions(int port) {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.metrics_port = -1;
  options.drain_grace = absl::Milliseconds(100);
  return options;
}

std::shared_ptr<grpc::Channel> Channel(int port) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials(), arguments);
}

}  // namespace

struct StatsCluster::ActorServer {
  std::unique_ptr<actor::SqliteActorStore> store;
  std::unique_ptr<actor::ActorManager> manager;
  std::unique_ptr<actor::ActorServiceImpl> service;
  std::unique_ptr<ServerRunner> runner;
};

struct StatsCluster::EventServer {
  std::unique_ptr<event::EventStore> store;
  std::unique_ptr<event::ChangeNotifier> notifier;
  std::unique_ptr<event::GrpcActorChecker> actors;
  std::unique_ptr<event::EventCache> cache;
  std::unique_ptr<event::EventManager> manager;
  std::unique_ptr<event::EventImporter> importer;
  std::unique_ptr<event::ChangeFeed> feed;
  std::unique_ptr<InternalAuth> auth;
  std::unique_ptr<event::EventServiceImpl> service;
  std::unique_ptr<ServerRunner> runner;
};

struct StatsCluster::StatsServer {
  std::unique_ptr<ObservationStore> store;
  std::unique_ptr<ObservationOwnerClient> owner;
  std::unique_ptr<RedisCache> redis;
  std::unique_ptr<AggregateCache> cache;
  std::unique_ptr<event::v1::EventService::Stub> event_stub;
  std::unique_ptr<ReadModel> model;
  std::unique_ptr<EventServiceTextSearch> text_search;
  std::unique_ptr<EventStats> events;
  std::unique_ptr<ObservationManager> observations;
  std::unique_ptr<StatsServiceImpl> service;
  std::unique_ptr<ServerRunner> runner;
  std::unique_ptr<FeedFollower> follower;
  std::unique_ptr<SnapshotKeeper> snapshots;
  absl::StatusOr<SnapshotInfo> snapshot_load = absl::NotFoundError("no snapshot path");
};

StatsCluster::StatsCluster(std::string dir) : dir_(std::move(dir)) {}

StatsCluster::~StatsCluster() {
  StopStats();
  StopEvent();
  if (actor_ != nullptr) actor_->runner->Stop();
  actor_.reset();
}

void StatsCluster::StartActor() {
  actor_ = std::make_unique<ActorServer>();
  auto store = actor::SqliteActorStore::Open(dir_ + "/actor.db");
  ASSERT_TRUE(store.ok()) << store.status();
  actor_->store = std::move(*store);
  actor_->manager = std::make_unique<actor::ActorManager>(actor_->store.get());
  actor_->service =
      std::make_unique<actor::ActorServiceImpl>(actor_->manager.get(), InternalAuth(kToken));
  actor_->runner = std::make_unique<ServerRunner>(TestServerOptions(actor_port_));
  actor_->runner->AddService(actor_->service.get(), actor::kActorServiceName);
  ASSERT_TRUE(actor_->runner->Start().ok());
  actor_port_ = actor_->runner->port();
  actor_stub_ = actor::v1::ActorService::NewStub(Channel(actor_port_));
}

void StatsCluster::StartEvent() {
  ASSERT_NE(actor_port_, 0) << "start the actor service first";
  event_ = std::make_unique<EventServer>();
  StoreLocation location = event_location_;
  if (!location.postgres.has_value()) location.sqlite_path = dir_ + "/event.db";
  auto store = event::OpenEventStore(location);
  ASSERT_TRUE(store.ok()) << store.status();
  event_->store = std::move(*store);
  auto head = event_->store->HeadSequence();
  ASSERT_TRUE(head.ok());
  event_->notifier = std::make_unique<event::ChangeNotifier>(*head);
  event::ChangeNotifier* notifier = event_->notifier.get();
  event_->store->SetCommitListener([notifier](int64_t h) { notifier->Publish(h); });
  event::ActorCheckerOptions actor_options;
  actor_options.internal_token = kToken;
  event_->actors =
      std::make_unique<event::GrpcActorChecker>(Channel(actor_port_), nullptr, actor_options);
  event_->cache = std::make_unique<event::EventCache>(nullptr);
  event_->manager = std::make_unique<event::EventManager>(event_->store.get(), event_->actors.get(),
                                                          event_->cache.get());
  event_->importer = std::make_unique<event::EventImporter>(
      event_->store.get(), event_->actors.get(), event_->cache.get());
  event::ChangeFeedOptions feed_options;
  event_->feed = std::make_unique<event::ChangeFeed>(event_->store.get(), notifier, feed_options);
  event_->auth = std::make_unique<InternalAuth>(kToken);
  event_->runner = std::make_unique<ServerRunner>(TestServerOptions(event_port_));
  // Follow streams end (UNAVAILABLE) as soon as the server stops.
  event_->service = std::make_unique<event::EventServiceImpl>(
      event_->auth.get(), event_->manager.get(), event_->importer.get(), event_->feed.get(),
      event_->runner->open_streams());
  event_->runner->AddService(event_->service.get(), event::kEventServiceName);
  ASSERT_TRUE(event_->runner->Start().ok());
  if (event_port_ == 0) {
    event_port_ = event_->runner->port();
    event_stub_ = event::v1::EventService::NewStub(Channel(event_port_));
  }
}

void StatsCluster::StopEvent() {
  if (event_ == nullptr) return;
  event_->runner->Stop();
  event_->store->SetCommitListener(nullptr);  // before the notifier goes
  event_.reset();
}

void StatsCluster::StartStats(StatsOptions options) {
  stats_ = std::make_unique<StatsServer>();
  StatsServer& s = *stats_;
  if (options.observations_addr.empty()) {
    StoreLocation location;
    location.sqlite_path = dir_ + "/stats.db";
    auto store = OpenObservationStore(options.observation_store.value_or(location));
    ASSERT_TRUE(store.ok()) << store.status();
    s.store = std::move(*store);
  } else {
    s.owner = std::make_unique<ObservationOwnerClient>(options.observations_addr, kToken,
                                                       options.observations_timeout,
                                                       options.observations_page_size);
  }
  const int event_port = options.event_port != 0 ? options.event_port : event_port_;
  if (options.redis_port != 0) {
    RedisOptions redis;
    redis.port = options.redis_port;
    redis.cache_name = "stats_aggregate";
    s.redis = std::make_unique<RedisCache>(redis);
  }
  s.cache = std::make_unique<AggregateCache>(s.redis.get(), absl::Minutes(10));
  s.model = std::make_unique<ReadModel>();
  if (options.with_events) {
    s.event_stub = event::v1::EventService::NewStub(
        CreateBackendChannel(absl::StrCat("127.0.0.1:", event_port)));
    s.text_search = std::make_unique<EventServiceTextSearch>(s.event_stub.get(), kToken);
  }
  EventStatsOptions stats_options;
  stats_options.max_sequence_wait = options.sequence_wait;
  s.events = std::make_unique<EventStats>(s.model.get(), s.text_search.get(), s.cache.get(),
                                          stats_options);
  if (s.store != nullptr) {
    s.observations = std::make_unique<ObservationManager>(s.store.get(), s.events.get());
    s.service = std::make_unique<StatsServiceImpl>(s.events.get(), s.observations.get(),
                                                   InternalAuth(kToken));
  } else {
    s.service =
        std::make_unique<StatsServiceImpl>(s.events.get(), s.owner.get(), InternalAuth(kToken));
  }
  ServerOptions server_options = TestServerOptions(stats_port_);
  server_options.serving_at_start = false;  // as main.cc: SERVING after the first catch-up
  s.runner = std::make_unique<ServerRunner>(server_options);
  s.runner->AddService(s.service.get(), kStatsServiceName);
  ASSERT_TRUE(s.runner->Start().ok());
  if (stats_port_ == 0) {
    stats_port_ = s.runner->port();
    auto channel = Channel(stats_port_);
    stats_stub_ = v1::StatsService::NewStub(channel);
    stats_health_ = grpc::health::v1::Health::NewStub(channel);
  }
  if (options.with_events) {
    FeedOptions feed;
    feed.internal_token = kToken;
    feed.max_backoff = options.feed_max_backoff;
    ServerRunner* runner = s.runner.get();
    SnapshotKeeper* snapshots = nullptr;
    if (!options.snapshot_path.empty()) {
      SnapshotOptions snapshot_options;
      snapshot_options.path = options.snapshot_path;
      snapshot_options.interval = absl::Hours(1);
      s.snapshots = std::make_unique<SnapshotKeeper>(s.model.get(), snapshot_options);
      s.snapshot_load = s.snapshots->Load();
      s.snapshots->Start();
      snapshots = s.snapshots.get();
    }
    s.follower = std::make_unique<FeedFollower>(s.event_stub.get(), s.model.get(), feed,
                                                [runner, snapshots] {
                                                  runner->SetServing(true);
                                                  if (snapshots != nullptr) snapshots->CaughtUp();
                                                });
    s.follower->Start();
  }
}

void StatsCluster::StopStats() {
  if (stats_ == nullptr) return;
  if (stats_->follower != nullptr) stats_->follower->Stop();
  stats_->runner->Stop();
  if (stats_->snapshots != nullptr) stats_->snapshots->Stop();  // the last snapshot, as main.cc
  stats_.reset();
}

bool StatsCluster::WaitStatsServing(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(kStatsServiceName);
    grpc::health::v1::HealthCheckResponse response;
    if (stats_health_->Check(&context, request, &response).ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

ReadModel& StatsCluster::model() { return *stats_->model; }
FeedFollower& StatsCluster::follower() { return *stats_->follower; }
const absl::StatusOr<SnapshotInfo>& StatsCluster::snapshot_load() const {
  return stats_->snapshot_load;
}

std::unique_ptr<grpc::ClientContext> StatsCluster::Context(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata(kInternalTokenHeader, kToken);
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  return context;
}

std::string StatsCluster::CreateActor(const std::string& name) {
  actor::v1::CreateActorRequest request;
  request.mutable_actor()->set_name(name);
  request.mutable_actor()->set_type(actor::v1::ACTOR_TYPE_POLITICAL_MILITIA);
  request.mutable_actor()->set_country_code("HTI");
  actor::v1::CreateActorResponse response;
  grpc::Status status = actors().CreateActor(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.actor().id();
}

event::v1::Event StatsCluster::CreateEvent(const event::v1::Event& event) {
  event::v1::CreateEventRequest request;
  *request.mutable_event() = event;
  event::v1::CreateEventResponse response;
  grpc::Status status = events().CreateEvent(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.event();
}

int64_t StatsCluster::Head() {
  // The watch backlog without follow ends at the head; its last change is the head.
  event::v1::WatchEventsRequest request;
  request.set_after_sequence(0);
  auto context = Context();
  auto reader = events().WatchEvents(context.get(), request);
  event::v1::WatchEventsResponse change;
  int64_t head = 0;
  while (reader->Read(&change)) head = change.sequence();
  EXPECT_TRUE(reader->Finish().ok());
  return head;
}

event::v1::Event BasicEvent(const std::string& date, const std::string& country) {
  event::v1::Event e;
  e.set_event_date(date);
  e.set_event_type(event::v1::EVENT_TYPE_BATTLES);
  e.set_sub_event_type("Armed clash");
  e.mutable_location()->set_country_code(country);
  e.mutable_location()->set_geo_precision(lookout::type::v1::GEO_PRECISION_ADMIN1);
  return e;
}

void CreateReconciliationEvents(StatsCluster& cluster) {
  for (auto [date, country, killed] :
       std::vector<std::tuple<std::string, std::string, int>>{{"2024-01-05", "HTI", 300},
                                                              {"2024-01-20", "HTI", 400},
                                                              {"2024-02-03", "HTI", 1000},
                                                              {"2024-01-10", "KEN", 1000}}) {
    event::v1::Event e = BasicEvent(date, country);
    event::v1::Casualty* c = e.add_casualties();
    c->set_kind(event::v1::CASUALTY_KIND_KILLED);
    c->mutable_count()->set_best(killed);
    c = e.add_casualties();
    c->set_kind(event::v1::CASUALTY_KIND_INJURED);
    c->mutable_count()->set_best(killed / 10);
    cluster.CreateEvent(e);
  }
}

}  // namespace lookout::stats::testing
