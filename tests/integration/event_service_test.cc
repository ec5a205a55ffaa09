// The event service end to end, in process: the real actor service and the event service on
// port 0 with SQLite files in a temporary directory, a private redis-server, and real gRPC
// clients. Every method, every error code, every ListEvents filter against an expectation
// computed here from the events the test created, pagination under concurrent inserts, imports,
// the change stream, Redis failures and a store reopened from disk.
#include "services/event/event_service.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/call_context.h"
#include "common/metrics.h"
#include "common/redis_cache.h"
#include "common/server_runner.h"
#include "common/validation.h"
#include "event_filter/event_validation.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "services/actor/actor_manager.h"
#include "services/actor/actor_service.h"
#include "services/actor/sqlite_actor_store.h"
#include "services/event/actor_checker.h"
#include "services/event/change_feed.h"
#include "services/event/change_notifier.h"
#include "services/event/event_cache.h"
#include "services/event/event_importer.h"
#include "services/event/event_manager.h"
#include "services/event/event_store_factory.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::event {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::event::v1::EventFilter;
using ::lookout::event::v1::WatchEventsResponse;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kToken[] = "test-internal-token";

ServerOptions TestServerOptions() {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.reflection = false;
  options.metrics_port = -1;
  options.drain_grace = absl::Milliseconds(200);
  return options;
}

// The real actor service, wired the way services/actor/main.cc wires it.
struct ActorServer {
  explicit ActorServer(const std::string& path) {
    auto opened = actor::SqliteActorStore::Open(path);
    EXPECT_TRUE(opened.ok()) << opened.status();
    store = std::move(*opened);
    manager = std::make_unique<actor::ActorManager>(store.get());
    service = std::make_unique<actor::ActorServiceImpl>(manager.get(), InternalAuth(kToken));
    runner = std::make_unique<ServerRunner>(TestServerOptions());
    runner->AddService(service.get(), actor::kActorServiceName);
    absl::Status started = runner->Start();
    EXPECT_TRUE(started.ok()) << started;
  }
  ~ActorServer() { runner->Stop(); }

  std::unique_ptr<actor::SqliteActorStore> store;
  std::unique_ptr<actor::ActorManager> manager;
  std::unique_ptr<actor::ActorServiceImpl> service;
  std::unique_ptr<ServerRunner> runner;
};

// The event service, wired the way services/event/main.cc wires it.
struct EventServer {
  EventServer(const StoreLocation& location, int actor_port, int redis_port, bool event_cache) {
    auto opened = OpenEventStore(location);
    EXPECT_TRUE(opened.ok()) << opened.status();
    store = std::move(*opened);
    notifier = std::make_unique<ChangeNotifier>(*store->HeadSequence());
    store->SetCommitListener([n = notifier.get()](int64_t head) { n->Publish(head); });
    RedisOptions redis_options;
    redis_options.port = redis_port;
    redis_options.failure_backoff = absl::Milliseconds(200);
    actor_redis = std::make_unique<RedisCache>(redis_options);
    if (event_cache) event_redis = std::make_unique<RedisCache>(redis_options);
    ActorCheckerOptions actor_options;
    actor_options.internal_token = kToken;
    actors = std::make_unique<GrpcActorChecker>(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", actor_port),
                            grpc::InsecureChannelCredentials()),
        actor_redis.get(), actor_options);
    cache = std::make_unique<EventCache>(event_redis.get());
    cache->DropEntriesOfEarlierProcesses();
    manager = std::make_unique<EventManager>(store.get(), actors.get(), cache.get());
    // Small batches so the tests cross batch boundaries without thousands of rows.
    importer = std::make_unique<EventImporter>(store.get(), actors.get(), cache.get(), absl::Now,
                                               /*batch_size=*/50);
    ChangeFeedOptions feed_options;
    feed_options.batch_size = 16;
    feed = std::make_unique<ChangeFeed>(store.get(), notifier.get(), feed_options);
    auth = std::make_unique<InternalAuth>(kToken);
    runner = std::make_unique<ServerRunner>(TestServerOptions());
    service = std::make_unique<EventServiceImpl>(auth.get(), manager.get(), importer.get(),
                                                 feed.get(), runner->open_streams());
    runner->AddService(service.get(), kEventServiceName);
    absl::Status started = runner->Start();
    EXPECT_TRUE(started.ok()) << started;
  }
  ~EventServer() {
    runner->Stop();
    store->SetCommitListener(nullptr);  // before the notifier goes
  }

  std::unique_ptr<EventStore> store;
  std::unique_ptr<ChangeNotifier> notifier;
  std::unique_ptr<RedisCache> actor_redis;
  std::unique_ptr<RedisCache> event_redis;
  std::unique_ptr<GrpcActorChecker> actors;
  std::unique_ptr<EventCache> cache;
  std::unique_ptr<EventManager> manager;
  std::unique_ptr<EventImporter> importer;
  std::unique_ptr<ChangeFeed> feed;
  std::unique_ptr<InternalAuth> auth;
  std::unique_ptr<EventServiceImpl> service;
  std::unique_ptr<ServerRunner> runner;
};

std::unique_ptr<grpc::ClientContext> Ctx(bool with_token = true) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (with_token) context->AddMetadata(kInternalTokenHeader, kToken);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return context;
}

Event BasicEvent(const std::string& date = "2024-03-01") {
  Event e;
  e.set_event_date(date);
  e.set_event_type(v1::EVENT_TYPE_BATTLES);
  e.set_sub_event_type("Armed clash");
  e.mutable_location()->set_country_code("HTI");
  return e;
}

void AddKilled(Event* e, int64_t best) {
  auto* c = e->add_casualties();
  c->set_kind(v1::CASUALTY_KIND_KILLED);
  c->mutable_count()->set_best(best);
}

// Every test runs on SQLite and on PostgreSQL: the contract is the same on both.
class EventServiceTest : public ::testing::TestWithParam<testing::StoreBackend> {
 protected:
  void SetUp() override {
    location_ = testing::TestStoreLocation(GetParam(), dir_.File("event.db"), "event");
    redis_.Start();
    actor_server_ = std::make_unique<ActorServer>(dir_.File("actor.db"));
    StartEventServer(/*event_cache=*/true);
    actor_stub_ = actor::v1::ActorService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", actor_server_->runner->port()),
                            grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    event_server_.reset();
    actor_server_.reset();
  }

  void StartEventServer(bool event_cache) {
    event_server_.reset();
    event_server_ = std::make_unique<EventServer>(location_, actor_server_->runner->port(),
                                                  redis_.port(), event_cache);
    stub_ = v1::EventService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", event_server_->runner->port()),
                            grpc::InsecureChannelCredentials()));
  }

  std::string CreateActor(const std::string& name) {
    actor::v1::CreateActorRequest request;
    request.mutable_actor()->set_name(name);
    request.mutable_actor()->set_type(actor::v1::ACTOR_TYPE_POLITICAL_MILITIA);
    actor::v1::CreateActorResponse response;
    grpc::Status status = actor_stub_->CreateActor(Ctx().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.actor().id();
  }

  grpc::Status Create(const Event& event, Event* out = nullptr,
                      const std::string& request_id = "") {
    v1::CreateEventRequest request;
    *request.mutable_event() = event;
    request.set_request_id(request_id);
    v1::CreateEventResponse response;
    grpc::Status status = stub_->CreateEvent(Ctx().get(), request, &response);
    if (out != nullptr) *out = response.event();
    return status;
  }

  Event MustCreate(const Event& event) {
    Event out;
    grpc::Status status = Create(event, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  grpc::Status Get(const std::string& id, Event* out = nullptr) {
    v1::GetEventRequest request;
    request.set_id(id);
    v1::GetEventResponse response;
    grpc::Status status = stub_->GetEvent(Ctx().get(), request, &response);
    if (out != nullptr) *out = response.event();
    return status;
  }

  grpc::Status Update(const Event& event, const std::vector<std::string>& paths,
                      Event* out = nullptr) {
    v1::UpdateEventRequest request;
    *request.mutable_event() = event;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    v1::UpdateEventResponse response;
    grpc::Status status = stub_->UpdateEvent(Ctx().get(), request, &response);
    if (out != nullptr) *out = response.event();
    return status;
  }

  grpc::Status Delete(const std::string& id, const std::string& etag = "") {
    v1::DeleteEventRequest request;
    request.set_id(id);
    request.set_etag(etag);
    v1::DeleteEventResponse response;
    return stub_->DeleteEvent(Ctx().get(), request, &response);
  }

  grpc::Status List(const v1::ListEventsRequest& request, v1::ListEventsResponse* response) {
    return stub_->ListEvents(Ctx().get(), request, response);
  }

  // Every page of a query, in order.
  std::vector<Event> ListAll(const EventFilter& filter, const std::string& order_by = "",
                             int page_size = 7, int64_t* total = nullptr) {
    std::vector<Event> events;
    v1::ListEventsRequest request;
    *request.mutable_filter() = filter;
    request.set_order_by(order_by);
    request.set_page_size(page_size);
    for (int pages = 0; pages < 1000; ++pages) {
      v1::ListEventsResponse response;
      grpc::Status status = List(request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      if (total != nullptr) *total = response.total_size();
      EXPECT_LE(response.events_size(), page_size);
      for (const Event& e : response.events()) events.push_back(e);
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return events;
  }

  int64_t Total() {
    v1::ListEventsResponse response;
    grpc::Status status = List(v1::ListEventsRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.total_size();
  }

  // WatchEvents without follow: everything after `after` up to the head.
  std::vector<WatchEventsResponse> WatchOnce(int64_t after, const EventFilter& filter = {},
                                             grpc::Status* status_out = nullptr) {
    v1::WatchEventsRequest request;
    request.set_after_sequence(after);
    *request.mutable_filter() = filter;
    auto context = Ctx();
    auto reader = stub_->WatchEvents(context.get(), request);
    std::vector<WatchEventsResponse> changes;
    WatchEventsResponse change;
    while (reader->Read(&change)) changes.push_back(change);
    grpc::Status status = reader->Finish();
    if (status_out != nullptr) {
      *status_out = status;
    } else {
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    return changes;
  }

  int64_t Head() {
    std::vector<WatchEventsResponse> all = WatchOnce(0);
    return all.empty() ? 0 : all.back().sequence();
  }

  grpc::Status Import(const std::vector<Event>& rows, v1::ImportEventsResponse* response,
                      bool upsert = false, bool dry_run = false) {
    auto context = Ctx();
    auto writer = stub_->ImportEvents(context.get(), response);
    v1::ImportEventsRequest first;
    first.mutable_options()->set_upsert_by_external_id(upsert);
    first.mutable_options()->set_dry_run(dry_run);
    writer->Write(first);  // options only
    for (const Event& row : rows) {
      v1::ImportEventsRequest message;
      *message.mutable_event() = row;
      if (!writer->Write(message)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  testing::TempDir dir_;
  StoreLocation location_;
  testing::RedisServer redis_;
  std::unique_ptr<ActorServer> actor_server_;
  std::unique_ptr<EventServer> event_server_;
  std::unique_ptr<actor::v1::ActorService::Stub> actor_stub_;
  std::unique_ptr<v1::EventService::Stub> stub_;
};

void ExpectInvalidField(const grpc::Status& status, const std::string& field) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), StartsWith(field + ": "));
}

// ---- CreateEvent / GetEvent ----

TEST_P(EventServiceTest, CreateAssignsOutputFieldsAndGetReturnsTheEvent) {
  const std::string gang = CreateActor("G9 an fanmi");
  Event input = BasicEvent();
  input.set_id("evt_chosen_by_client");  // output only: ignored
  input.set_fatalities(999);
  input.set_sequence(12345);
  input.set_etag("client-etag");
  input.add_participants()->set_actor_id(gang);
  input.mutable_participants(0)->set_role(v1::PARTICIPANT_ROLE_PRIMARY);
  AddKilled(&input, 7);
  auto* injured = input.add_casualties();
  injured->set_kind(v1::CASUALTY_KIND_INJURED);
  injured->mutable_count()->set_best(30);
  input.set_notes("Clashes in Cité Soleil.");

  Event created = MustCreate(input);
  EXPECT_THAT(created.id(), StartsWith("evt_"));
  EXPECT_EQ(created.id().size(), 20u);
  EXPECT_NE(created.id(), "evt_chosen_by_client");
  EXPECT_EQ(created.fatalities(), 7);
  EXPECT_GT(created.sequence(), 0);
  EXPECT_NE(created.sequence(), 12345);
  EXPECT_FALSE(created.etag().empty());
  EXPECT_NE(created.etag(), "client-etag");
  EXPECT_GT(created.create_time().seconds(), 0);
  EXPECT_EQ(created.create_time().SerializeAsString(), created.update_time().SerializeAsString());

  Event fetched;
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());
  // Second read comes from the Redis cache and must be identical.
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());

  // Existence of the actor was cached in Redis under the documented key.
  RedisOptions options;
  options.port = redis_.port();
  RedisCache redis(options);
  auto cached = redis.Get(ActorExistsKey(gang));
  ASSERT_TRUE(cached.ok());
  EXPECT_TRUE(cached->has_value());
}

TEST_P(EventServiceTest, InvalidCreateNamesTheFieldAndWritesNothing) {
  struct Case {
    std::string field;
    std::function<void(Event*)> spoil;
  } cases[] = {
      {"event.event_date", [](Event* e) { e->set_event_date("2024-02-30"); }},
      {"event.end_date", [](Event* e) { e->set_end_date("2024-02-01"); }},
      {"event.event_type", [](Event* e) { e->set_event_type(v1::EVENT_TYPE_UNSPECIFIED); }},
      {"event.sub_event_type", [](Event* e) { e->set_sub_event_type("Gang war"); }},
      {"event.location.country_code",
       [](Event* e) { e->mutable_location()->clear_country_code(); }},
      {"event.location.latitude", [](Event* e) { e->mutable_location()->set_longitude(1); }},
      {"event.location.latitude",
       [](Event* e) {
         e->mutable_location()->set_latitude(100);
         e->mutable_location()->set_longitude(1);
       }},
      {"event.casualties[0].kind", [](Event* e) { e->add_casualties(); }},
      {"event.sources[0].name", [](Event* e) { e->add_sources(); }},
      {"event.notes", [](Event* e) { e->set_notes(std::string(10001, 'x')); }},
      {"event.tags[0]", [](Event* e) { e->add_tags(std::string(101, 't')); }},
      {"event.external_ids[0].value", [](Event* e) { e->add_external_ids()->set_scheme("ACLED"); }},
      {"event.participants[0].actor_id", [](Event* e) { e->add_participants(); }},
      {"event.gdelt.goldstein_scale",
       [](Event* e) { e->mutable_gdelt()->set_goldstein_scale(-11); }},
      {"event.gdelt.quad_class", [](Event* e) { e->mutable_gdelt()->set_quad_class(5); }},
      {"event.acled.interaction", [](Event* e) { e->mutable_acled()->set_interaction(91); }},
      {"event.ucdp.type_of_violence", [](Event* e) { e->mutable_ucdp()->set_type_of_violence(4); }},
      // Events at sea: a country or a maritime basin, exactly one; the basin from the list.
      {"event.location.maritime.basin",
       [](Event* e) { e->mutable_location()->mutable_maritime()->set_basin("Red Sea"); }},
      {"event.location.maritime.basin",
       [](Event* e) {
         e->mutable_location()->clear_country_code();
         e->mutable_location()->mutable_maritime()->set_basin("Caribbean Sea");
       }},
      {"event.location.maritime.basin",
       [](Event* e) {
         e->mutable_location()->clear_country_code();
         e->mutable_location()->mutable_maritime()->set_body_of_water("Caribbean Sea");
       }},
      {"event.location.maritime.sub_basin",
       [](Event* e) {
         e->mutable_location()->clear_country_code();
         e->mutable_location()->mutable_maritime()->set_basin("Atlantic Ocean");
         e->mutable_location()->mutable_maritime()->set_sub_basin("Windward Passage");
       }},
      {"event.location.maritime.region",
       [](Event* e) {
         e->mutable_location()->clear_country_code();
         e->mutable_location()->mutable_maritime()->set_basin("Atlantic Ocean");
         e->mutable_location()->mutable_maritime()->set_region(std::string(201, 'r'));
       }},
  };
  for (const Case& c : cases) {
    Event e = BasicEvent();
    c.spoil(&e);
    ExpectInvalidField(Create(e), c.field);
  }
  grpc::Status status;
  Event e = BasicEvent();
  e.set_sub_event_type("Gang war");
  status = Create(e);
  EXPECT_THAT(status.error_message(), HasSubstr("\"Armed clash\""));
  EXPECT_EQ(Total(), 0);
  EXPECT_TRUE(WatchOnce(0).empty());
}

TEST_P(EventServiceTest, SourceAttributesAreReturnedAndKeptUnlessTheMaskNamesThem) {
  Event e = BasicEvent();
  e.mutable_gdelt()->set_goldstein_scale(-7);
  e.mutable_gdelt()->set_avg_tone(-2.02774813233724);
  e.mutable_gdelt()->set_quad_class(4);
  e.mutable_gdelt()->mutable_action_geo()->set_country_code("HA");
  Event created;
  ASSERT_TRUE(Create(e, &created).ok());
  Event got;
  ASSERT_TRUE(Get(created.id(), &got).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got.gdelt(), e.gdelt()));

  // An update of the notes keeps them.
  Event patch;
  patch.set_id(created.id());
  patch.set_notes("updated");
  Event updated;
  ASSERT_TRUE(Update(patch, {"notes"}, &updated).ok());
  EXPECT_DOUBLE_EQ(updated.gdelt().goldstein_scale(), -7);
  EXPECT_EQ(updated.gdelt().action_geo().country_code(), "HA");

  // The mask naming "gdelt" replaces them; filters see the new values at once.
  patch.mutable_gdelt()->set_goldstein_scale(4);
  ASSERT_TRUE(Update(patch, {"gdelt"}, &updated).ok());
  EXPECT_DOUBLE_EQ(updated.gdelt().goldstein_scale(), 4);
  EXPECT_EQ(updated.gdelt().quad_class(), 0);
  v1::ListEventsRequest request;
  request.mutable_filter()->mutable_goldstein_scale()->set_min(0);
  v1::ListEventsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  ASSERT_EQ(response.events_size(), 1);
  request.mutable_filter()->mutable_goldstein_scale()->set_max(3.9);
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_EQ(response.events_size(), 0);

  // An invalid attribute in an update is refused naming it, and nothing changes.
  patch.mutable_gdelt()->set_avg_tone(-101);
  ExpectInvalidField(Update(patch, {"gdelt"}), "event.gdelt.avg_tone");
  ASSERT_TRUE(Get(created.id(), &got).ok());
  EXPECT_DOUBLE_EQ(got.gdelt().avg_tone(), 0);
  EXPECT_DOUBLE_EQ(got.gdelt().goldstein_scale(), 4);
}

// proto3 strings must be UTF-8, so gRPC itself rejects such a request before any handler runs;
// the caller is still told it is their mistake (not INTERNAL), and nothing is written.
TEST_P(EventServiceTest, RequestThatDoesNotParseIsInvalidArgument) {
  Event e = BasicEvent();
  e.set_notes("bad \xff utf8");
  grpc::Status status = Create(e);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("request: "));
  EXPECT_THAT(status.error_message(), HasSubstr("UTF-8"));
  EXPECT_EQ(Total(), 0);
  EXPECT_TRUE(WatchOnce(0).empty());

  // In an import stream gRPC cannot tell a message that does not parse from the end of the
  // stream: the import ends before it, and `received` tells the client how far it got.
  Event after = BasicEvent();
  after.set_notes("after the bad row");
  v1::ImportEventsResponse imported;
  status = Import({BasicEvent(), e, after}, &imported);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(imported.received(), 1);
  EXPECT_EQ(imported.created(), 1);
  EXPECT_EQ(Total(), 1);

  // A server-streaming call's single request is covered the same way.
  EventFilter filter;
  filter.set_admin1("Ouest \xc3");
  std::vector<WatchEventsResponse> changes = WatchOnce(0, filter, &status);
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("request: "));
}

// lookout_import_rows_total counts each committed row by outcome, dry runs apart.
TEST_P(EventServiceTest, ImportRowsAreCountedByOutcome) {
  auto count = [](const std::string& dry_run, const std::string& outcome) {
    const std::string series = absl::StrCat("lookout_import_rows_total{dry_run=\"", dry_run,
                                            "\",outcome=\"", outcome, "\"} ");
    const std::string text = MetricsRegistry::Global().RenderText();
    const size_t at = text.find(series);
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + series.size()));
  };
  const double created = count("false", "created"), rejected = count("false", "rejected");
  const double rehearsed = count("true", "created");
  ASSERT_GE(created, 0) << "every series exists from the start";
  Event undated = BasicEvent();
  undated.clear_event_date();
  v1::ImportEventsResponse imported;
  ASSERT_TRUE(Import({BasicEvent(), undated, BasicEvent()}, &imported).ok());
  EXPECT_EQ(imported.created(), 2);
  EXPECT_EQ(imported.rejected(), 1);
  EXPECT_EQ(count("false", "created"), created + 2);
  EXPECT_EQ(count("false", "rejected"), rejected + 1);
  ASSERT_TRUE(Import({BasicEvent()}, &imported, /*upsert=*/false, /*dry_run=*/true).ok());
  EXPECT_EQ(count("true", "created"), rehearsed + 1);
  EXPECT_EQ(count("false", "created"), created + 2) << "a dry run writes nothing";
}

TEST_P(EventServiceTest, MissingActorIsInvalidArgumentNamingIt) {
  const std::string police = CreateActor("Police Nationale d'Haïti");
  Event e = BasicEvent();
  e.add_participants()->set_actor_id(police);
  e.add_participants()->set_actor_id("act_x");
  grpc::Status status = Create(e);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "event.participants[1].actor_id: actor \"act_x\" does not exist");
  EXPECT_EQ(Total(), 0);
  EXPECT_TRUE(WatchOnce(0).empty());
  // An actor created a moment later is accepted at once (misses are never cached).
  e.mutable_participants(1)->set_actor_id(CreateActor("Viv Ansanm"));
  EXPECT_TRUE(Create(e).ok());
}

TEST_P(EventServiceTest, RequestIdMakesCreateIdempotent) {
  Event first;
  ASSERT_TRUE(Create(BasicEvent(), &first, "req-1").ok());
  Event again;
  ASSERT_TRUE(Create(BasicEvent(), &again, "req-1").ok());
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Total(), 1);

  Event other = BasicEvent();
  other.set_notes("something else");
  grpc::Status status = Create(other, nullptr, "req-1");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("req-1"));
  EXPECT_EQ(Total(), 1);
  EXPECT_EQ(WatchOnce(0).size(), 1u);

  ExpectInvalidField(Create(BasicEvent(), nullptr, std::string(129, 'r')), "request_id");
  EXPECT_EQ(Total(), 1);

  // Concurrent retries of one request_id create one event.
  std::vector<std::thread> threads;
  std::vector<std::string> ids(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Event out;
      EXPECT_TRUE(Create(BasicEvent("2024-04-04"), &out, "req-race").ok());
      ids[i] = out.id();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u);
  EXPECT_EQ(Total(), 2);
}

TEST_P(EventServiceTest, DuplicateExternalIdAmongLiveEventsIsAlreadyExists) {
  Event e = BasicEvent();
  auto* x = e.add_external_ids();
  x->set_scheme("ACLED");
  x->set_value("HTI100");
  Event first = MustCreate(e);
  grpc::Status status = Create(e);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), StartsWith("event.external_ids[0]: "));
  EXPECT_EQ(Total(), 1);
  // Once the holder is deleted the id is free again.
  ASSERT_TRUE(Delete(first.id()).ok());
  EXPECT_TRUE(Create(e).ok());
}

TEST_P(EventServiceTest, GetErrors) {
  EXPECT_EQ(Get("evt_0000000000000000").error_code(), grpc::StatusCode::NOT_FOUND);
  ExpectInvalidField(Get(""), "id");
  ExpectInvalidField(Get(std::string(65, 'e')), "id");
}

TEST_P(EventServiceTest, EveryMethodNeedsTheInternalToken) {
  Event created = MustCreate(BasicEvent());
  const int64_t head = Head();
  for (bool wrong_token : {false, true}) {
    auto ctx = [&] {
      auto c = Ctx(/*with_token=*/false);
      if (wrong_token) c->AddMetadata(kInternalTokenHeader, "not-the-token");
      return c;
    };
    {
      v1::CreateEventRequest r;
      *r.mutable_event() = BasicEvent();
      v1::CreateEventResponse out;
      EXPECT_EQ(stub_->CreateEvent(ctx().get(), r, &out).error_code(),
                grpc::StatusCode::UNAUTHENTICATED);
    }
    {
      v1::GetEventRequest r;
      r.set_id(created.id());
      v1::GetEventResponse out;
      EXPECT_EQ(stub_->GetEvent(ctx().get(), r, &out).error_code(),
                grpc::StatusCode::UNAUTHENTICATED);
    }
    {
      v1::ListEventsResponse out;
      EXPECT_EQ(stub_->ListEvents(ctx().get(), v1::ListEventsRequest(), &out).error_code(),
                grpc::StatusCode::UNAUTHENTICATED);
    }
    {
      v1::UpdateEventRequest r;
      *r.mutable_event() = created;
      r.mutable_update_mask()->add_paths("notes");
      v1::UpdateEventResponse out;
      EXPECT_EQ(stub_->UpdateEvent(ctx().get(), r, &out).error_code(),
                grpc::StatusCode::UNAUTHENTICATED);
    }
    {
      v1::DeleteEventRequest r;
      r.set_id(created.id());
      v1::DeleteEventResponse out;
      EXPECT_EQ(stub_->DeleteEvent(ctx().get(), r, &out).error_code(),
                grpc::StatusCode::UNAUTHENTICATED);
    }
    {
      auto c = ctx();
      v1::ImportEventsResponse out;
      auto writer = stub_->ImportEvents(c.get(), &out);
      v1::ImportEventsRequest r;
      *r.mutable_event() = BasicEvent();
      writer->Write(r);
      writer->WritesDone();
      EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
    }
    {
      auto c = ctx();
      auto reader = stub_->WatchEvents(c.get(), v1::WatchEventsRequest());
      WatchEventsResponse change;
      EXPECT_FALSE(reader->Read(&change));
      EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
    }
  }
  EXPECT_EQ(Total(), 1);
  EXPECT_EQ(Head(), head);
  ASSERT_TRUE(Get(created.id()).ok());
}

// ---- UpdateEvent ----

// A process killed between an update's commit and its cache invalidation leaves the old version
// in Redis: the next process must not serve it (found by reading the code behind the chaos test).
TEST_P(EventServiceTest, ARestartedServiceDropsCacheEntriesAKilledOneLeft) {
  Event e = BasicEvent();
  e.set_notes("before");
  Event created = MustCreate(e);
  Event patch;
  patch.set_id(created.id());
  patch.set_notes("after");
  Event updated;
  ASSERT_TRUE(Update(patch, {"notes"}, &updated).ok());
  // The killed process's leftover: the version before the update, under the documented key.
  RedisOptions options;
  options.port = redis_.port();
  RedisCache redis(options);
  ASSERT_TRUE(redis.Set(EventCacheKey(created.id()), created.SerializeAsString(),
                        absl::Minutes(5)).ok());
  Event fetched;
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  ASSERT_EQ(fetched.notes(), "before") << "the leftover entry is served by a running process";

  StartEventServer(/*event_cache=*/true);
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), updated.SerializeAsString());
  auto cached = redis.Get(EventCacheKey(created.id()));
  ASSERT_TRUE(cached.ok());
  ASSERT_TRUE(cached->has_value()) << "filled again from the store";
  Event refilled;
  ASSERT_TRUE(refilled.ParseFromString(**cached));
  EXPECT_EQ(refilled.notes(), "after");
}

TEST_P(EventServiceTest, UpdateChangesOnlyMaskedFieldsAndRenewsTheEtag) {
  Event e = BasicEvent();
  e.set_notes("first report");
  e.add_tags("keep");
  AddKilled(&e, 2);
  Event created = MustCreate(e);
  ASSERT_TRUE(Get(created.id()).ok());  // fills the cache

  Event patch;
  patch.set_id(created.id());
  patch.set_notes("revised report");
  patch.set_event_date("1990-01-01");  // not in the mask
  AddKilled(&patch, 11);
  patch.set_fatalities(1);  // output only, never copied
  Event updated;
  ASSERT_TRUE(Update(patch, {"notes", "casualties"}, &updated).ok());
  EXPECT_EQ(updated.notes(), "revised report");
  EXPECT_EQ(updated.fatalities(), 11);
  EXPECT_EQ(updated.event_date(), "2024-03-01");
  EXPECT_THAT(updated.tags(), ::testing::ElementsAre("keep"));
  EXPECT_EQ(updated.id(), created.id());
  EXPECT_EQ(updated.create_time().SerializeAsString(), created.create_time().SerializeAsString());
  EXPECT_NE(updated.etag(), created.etag());
  EXPECT_GT(updated.sequence(), created.sequence());

  // The cache was invalidated: Get sees the update.
  Event fetched;
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), updated.SerializeAsString());

  // With the current etag it works; with the old one it is ABORTED and nothing changes.
  patch.set_etag(updated.etag());
  patch.set_notes("third");
  Event third;
  ASSERT_TRUE(Update(patch, {"notes"}, &third).ok());
  patch.set_etag(created.etag());
  patch.set_notes("stale write");
  EXPECT_EQ(Update(patch, {"notes"}).error_code(), grpc::StatusCode::ABORTED);
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.notes(), "third");
  EXPECT_EQ(fetched.etag(), third.etag());

  std::vector<WatchEventsResponse> changes = WatchOnce(0);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[1].type(), v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(changes[1].event().notes(), "revised report");
}

TEST_P(EventServiceTest, WatchedEventsAreTheStoredEventsWithOrWithoutAFilter) {
  // Unfiltered watches pass the stored bytes through; filtered ones decode and re-encode.
  Event created = MustCreate(BasicEvent());
  Event other = BasicEvent();
  other.mutable_location()->set_country_code("KEN");
  other.set_notes("a second event, in Kenya");
  Event kenyan = MustCreate(other);
  Event fetched;
  ASSERT_TRUE(Get(created.id(), &fetched).ok());

  std::vector<WatchEventsResponse> all = WatchOnce(0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].type(), v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(all[0].event().SerializeAsString(), fetched.SerializeAsString());
  EXPECT_EQ(all[1].event().id(), kenyan.id());
  EXPECT_EQ(all[1].event().notes(), "a second event, in Kenya");
  EXPECT_EQ(all[0].event().GetReflection()->GetUnknownFields(all[0].event()).field_count(), 0);

  EventFilter haiti;
  haiti.add_country_codes("HTI");
  std::vector<WatchEventsResponse> filtered = WatchOnce(0, haiti);
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0].sequence(), all[0].sequence());
  EXPECT_EQ(filtered[0].SerializeAsString(), all[0].SerializeAsString());
}

TEST_P(EventServiceTest, UpdateErrors) {
  Event created = MustCreate(BasicEvent());
  const int64_t head = Head();
  Event patch;
  patch.set_id(created.id());
  patch.set_notes("x");

  ExpectInvalidField(Update(patch, {}), "update_mask");
  ExpectInvalidField(Update(patch, {"etag"}), "update_mask.paths[0]");
  ExpectInvalidField(Update(patch, {"notes", "sequence"}), "update_mask.paths[1]");
  ExpectInvalidField(Update(patch, {"create_time"}), "update_mask.paths[0]");
  ExpectInvalidField(Update(patch, {"fatalities"}), "update_mask.paths[0]");
  ExpectInvalidField(Update(patch, {"id"}), "update_mask.paths[0]");
  ExpectInvalidField(Update(patch, {"colour"}), "update_mask.paths[0]");

  // The merged event is revalidated whole: a new type orphans the sub-event type.
  Event retype = patch;
  retype.set_event_type(v1::EVENT_TYPE_PROTESTS);
  ExpectInvalidField(Update(retype, {"event_type"}), "event.sub_event_type");
  Event redate = patch;
  redate.set_end_date("2020-01-01");
  ExpectInvalidField(Update(redate, {"end_date"}), "event.end_date");
  Event bad_actor = patch;
  bad_actor.add_participants()->set_actor_id("act_ghost");
  ExpectInvalidField(Update(bad_actor, {"participants"}), "event.participants[0].actor_id");

  Event no_id = patch;
  no_id.clear_id();
  ExpectInvalidField(Update(no_id, {"notes"}), "event.id");
  Event missing = patch;
  missing.set_id("evt_ffffffffffffffff");
  EXPECT_EQ(Update(missing, {"notes"}).error_code(), grpc::StatusCode::NOT_FOUND);

  Event fetched;
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());
  EXPECT_EQ(Head(), head);

  ASSERT_TRUE(Delete(created.id()).ok());
  EXPECT_EQ(Update(patch, {"notes"}).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_P(EventServiceTest, ConcurrentUpdatesAreNeitherLostNorSpuriouslyAborted) {
  Event created = MustCreate(BasicEvent());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 5; ++k) {
        Event patch;
        patch.set_id(created.id());
        patch.set_notes(absl::StrCat("thread ", t, " write ", k));
        patch.add_tags(absl::StrCat("t", t));
        // Different fields from different threads: each merge keeps the others' writes.
        if (!Update(patch, {t % 2 == 0 ? "notes" : "tags"}).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<WatchEventsResponse> changes = WatchOnce(0);
  ASSERT_EQ(changes.size(), 41u);
  Event fetched;
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), changes.back().event().SerializeAsString());
  EXPECT_FALSE(fetched.notes().empty());
  EXPECT_EQ(fetched.tags_size(), 1);

  // Two writers holding the same etag: exactly one wins.
  std::atomic<int> aborted{0}, succeeded{0};
  std::vector<std::thread> racers;
  for (int t = 0; t < 2; ++t) {
    racers.emplace_back([&, t] {
      Event patch;
      patch.set_id(created.id());
      patch.set_etag(fetched.etag());
      patch.set_notes(absl::StrCat("racer ", t));
      grpc::Status status = Update(patch, {"notes"});
      if (status.ok()) ++succeeded;
      if (status.error_code() == grpc::StatusCode::ABORTED) ++aborted;
    });
  }
  for (auto& thread : racers) thread.join();
  EXPECT_EQ(succeeded.load(), 1);
  EXPECT_EQ(aborted.load(), 1);
}

TEST_P(EventServiceTest, UpdateLocationSubpathsAndParticipants) {
  const std::string a = CreateActor("Actor A");
  Event e = BasicEvent();
  e.mutable_location()->set_place("Delmas");
  e.mutable_location()->set_latitude(18.54);
  e.mutable_location()->set_longitude(-72.30);
  Event created = MustCreate(e);

  Event patch;
  patch.set_id(created.id());
  patch.mutable_location()->set_place("Tabarre");
  auto* p = patch.add_participants();
  p->set_actor_id(a);
  p->set_role(v1::PARTICIPANT_ROLE_INITIATOR);
  Event updated;
  ASSERT_TRUE(Update(patch, {"location.place", "participants"}, &updated).ok());
  EXPECT_EQ(updated.location().place(), "Tabarre");
  EXPECT_EQ(updated.location().country_code(), "HTI");
  EXPECT_DOUBLE_EQ(updated.location().latitude(), 18.54);
  ASSERT_EQ(updated.participants_size(), 1);

  EventFilter by_actor;
  by_actor.set_actor_id(a);
  EXPECT_EQ(ListAll(by_actor).size(), 1u);
}

// Index rows are removed through the stored state of the event (the full-text index keeps no
// copy of the notes), so every filter must forget exactly what an update replaced.
TEST_P(EventServiceTest, UpdateAndDeleteKeepEveryFilterIndexInStep) {
  const std::string before_actor = CreateActor("Actor Before");
  const std::string after_actor = CreateActor("Actor After");
  auto filter = [](const std::string& text, const std::string& tag, const std::string& actor) {
    EventFilter f;
    f.set_text(text);
    if (!tag.empty()) f.add_tags(tag);
    f.set_actor_id(actor);
    return f;
  };
  Event e = BasicEvent();
  e.set_notes("Barricades burned in Carrefour");
  e.add_tags("before");
  e.add_participants()->set_actor_id(before_actor);
  e.mutable_participants(0)->set_role(v1::PARTICIPANT_ROLE_PRIMARY);
  auto* x = e.add_external_ids();
  x->set_scheme("ACLED");
  x->set_value("HTI-OLD");
  Event created = MustCreate(e);
  // A neighbour sharing the old words keeps them findable after the update.
  Event neighbour = BasicEvent();
  neighbour.set_notes("Carrefour market reopened");
  const std::string neighbour_id = MustCreate(neighbour).id();

  Event patch;
  patch.set_id(created.id());
  patch.set_notes("Convoy ambushed near Tabarre");
  patch.add_tags("after");
  patch.add_participants()->set_actor_id(after_actor);
  patch.mutable_participants(0)->set_role(v1::PARTICIPANT_ROLE_PRIMARY);
  auto* y = patch.add_external_ids();
  y->set_scheme("ACLED");
  y->set_value("HTI-NEW");
  ASSERT_TRUE(Update(patch, {"notes", "tags", "participants", "external_ids"}).ok());

  auto ids = [this](const EventFilter& f) {
    std::vector<std::string> out;
    for (const Event& event : ListAll(f)) out.push_back(event.id());
    return out;
  };
  EXPECT_THAT(ids(filter("Barricades", "", "")), ::testing::IsEmpty());
  EXPECT_THAT(ids(filter("Carrefour", "", "")), ::testing::ElementsAre(neighbour_id));
  EXPECT_THAT(ids(filter("ambushed Tabarre", "", "")), ::testing::ElementsAre(created.id()));
  EXPECT_THAT(ids(filter("", "before", "")), ::testing::IsEmpty());
  EXPECT_THAT(ids(filter("", "after", "")), ::testing::ElementsAre(created.id()));
  EXPECT_THAT(ids(filter("", "", before_actor)), ::testing::IsEmpty());
  EXPECT_THAT(ids(filter("", "", after_actor)), ::testing::ElementsAre(created.id()));
  // The replaced external id is free; the new one is taken.
  Event reuse = BasicEvent();
  *reuse.add_external_ids() = *x;
  EXPECT_TRUE(Create(reuse).ok());
  *reuse.mutable_external_ids(0) = *y;
  EXPECT_EQ(Create(reuse).error_code(), grpc::StatusCode::ALREADY_EXISTS);

  ASSERT_TRUE(Delete(created.id()).ok());
  EXPECT_THAT(ids(filter("Tabarre", "", "")), ::testing::IsEmpty());
  EXPECT_THAT(ids(filter("", "after", "")), ::testing::IsEmpty());
  EXPECT_THAT(ids(filter("", "", after_actor)), ::testing::IsEmpty());
  EXPECT_TRUE(Create(reuse).ok());
  EXPECT_THAT(ids(filter("Carrefour", "", "")), ::testing::ElementsAre(neighbour_id));
}

// ---- DeleteEvent ----

TEST_P(EventServiceTest, DeleteIsSoftAndAppearsInTheChangeLog) {
  Event e = BasicEvent();
  e.set_notes("to be retracted");
  Event created = MustCreate(e);
  ASSERT_TRUE(Get(created.id()).ok());  // cached

  EXPECT_EQ(Delete(created.id(), "wrong-etag").error_code(), grpc::StatusCode::ABORTED);
  EXPECT_TRUE(Get(created.id()).ok());
  ExpectInvalidField(Delete(""), "id");

  ASSERT_TRUE(Delete(created.id(), created.etag()).ok());
  EXPECT_EQ(Get(created.id()).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Total(), 0);
  EventFilter text;
  text.set_text("retracted");
  EXPECT_TRUE(ListAll(text).empty());
  EXPECT_EQ(Delete(created.id()).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Delete("evt_0123456789abcdef").error_code(), grpc::StatusCode::NOT_FOUND);

  std::vector<WatchEventsResponse> changes = WatchOnce(0);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[1].type(), v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(changes[1].event().id(), created.id());
  EXPECT_EQ(changes[1].event().notes(), "to be retracted");
  EXPECT_GT(changes[1].sequence(), changes[0].sequence());
  // A filter sees the deletion through the last state.
  EXPECT_EQ(WatchOnce(0, text).size(), 2u);
}

Event ImportRow(int i) {
  Event e = BasicEvent(absl::StrFormat("2023-%02d-%02d", 1 + i % 12, 1 + i % 28));
  e.set_notes(absl::StrCat("row ", i));
  auto* x = e.add_external_ids();
  x->set_scheme("ACLED");
  x->set_value(absl::StrCat("HTI", i));
  return e;
}

// ---- ListEvents ----

// What the test knows about each event it created, for computing expectations independently.
struct Known {
  std::string id;
  int day = 0;      // day of January 2024
  int end_day = 0;  // == day for one-day events
  v1::EventType type = v1::EVENT_TYPE_UNSPECIFIED;
  std::string sub;
  std::string country;
  std::string admin1;
  std::vector<std::string> actors;
  int64_t killed = 0;
  bool has_point = false;
  double lat = 0, lon = 0;
  int notes_kind = 0;
  std::vector<std::string> tags;
};

std::string January(int day) { return absl::StrFormat("2024-01-%02d", day); }

class EventListTest : public EventServiceTest {
 protected:
  void SetUp() override {
    EventServiceTest::SetUp();
    actor_a_ = CreateActor("Actor A");
    actor_b_ = CreateActor("Actor B");
    const char* countries[] = {"HTI", "KEN", "USA"};
    const char* admin1s[] = {"Ouest", "Artibonite", "Nairobi", ""};
    const v1::EventType types[] = {v1::EVENT_TYPE_BATTLES,
                                   v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS,
                                   v1::EVENT_TYPE_PROTESTS, v1::EVENT_TYPE_DEPLOY};
    const char* subs[] = {"Armed clash", "Abduction/forced disappearance", "Peaceful protest",
                          "Police deployment"};
    const char* notes[] = {"Gangs kidnapped passengers on the road", "Police patrol in Cité Soleil",
                           "Protest against fuel prices"};
    for (int i = 0; i < 40; ++i) {
      Known k;
      k.day = 1 + (i * 7) % 28;
      k.end_day = i % 5 == 0 ? k.day + 3 : k.day;
      k.type = types[i % 4];
      k.sub = i % 7 == 0 ? "" : subs[i % 4];
      k.country = countries[i % 3];
      k.admin1 = admin1s[i % 4];
      if (i % 2 == 0) k.actors.push_back(actor_a_);
      if (i % 3 == 0) k.actors.push_back(actor_b_);
      k.killed = (i * 7) % 11;
      k.has_point = i % 4 != 3;
      k.lat = 18.0 + (i % 10) * 0.1;
      k.lon = -72.5 + (i % 6) * 0.1;
      k.notes_kind = i % 3;
      if (i % 2 == 0) k.tags.push_back("alpha");
      if (i % 5 == 0) k.tags.push_back("beta");

      Event e;
      e.set_event_date(January(k.day));
      if (k.end_day != k.day) e.set_end_date(January(k.end_day));
      e.set_event_type(k.type);
      e.set_sub_event_type(k.sub);
      e.mutable_location()->set_country_code(k.country);
      e.mutable_location()->set_admin1(k.admin1);
      if (k.has_point) {
        e.mutable_location()->set_latitude(k.lat);
        e.mutable_location()->set_longitude(k.lon);
      }
      for (const std::string& actor : k.actors) {
        auto* p = e.add_participants();
        p->set_actor_id(actor);
        p->set_role(v1::PARTICIPANT_ROLE_PRIMARY);
      }
      if (k.killed > 0) AddKilled(&e, k.killed);
      e.set_notes(notes[k.notes_kind]);
      for (const std::string& tag : k.tags) e.add_tags(tag);
      k.id = MustCreate(e).id();
      known_.push_back(k);
    }
    // A deleted event matches nothing.
    Event gone = BasicEvent(January(15));
    gone.set_notes("Gangs kidnapped passengers");
    gone.add_tags("alpha");
    ASSERT_TRUE(Delete(MustCreate(gone).id()).ok());
  }

  // The ids the test expects for `match`, in the order `order_by` defines.
  std::vector<std::string> Expected(const std::function<bool(const Known&)>& match,
                                    const std::string& order_by) {
    std::vector<Known> hits;
    for (const Known& k : known_) {
      if (match(k)) hits.push_back(k);
    }
    std::sort(hits.begin(), hits.end(), [&](const Known& x, const Known& y) {
      if (order_by == "event_date asc") {
        return std::tie(x.day, x.id) < std::tie(y.day, y.id);
      }
      if (order_by == "fatalities desc") {
        return std::tie(x.killed, x.id) > std::tie(y.killed, y.id);
      }
      return std::tie(x.day, x.id) > std::tie(y.day, y.id);
    });
    std::vector<std::string> ids;
    for (const Known& k : hits) ids.push_back(k.id);
    return ids;
  }

  void Check(const std::string& name, const EventFilter& filter,
             const std::function<bool(const Known&)>& match) {
    for (const std::string order : {"", "event_date asc", "fatalities desc"}) {
      int64_t total = -1;
      std::vector<Event> events = ListAll(filter, order, /*page_size=*/7, &total);
      std::vector<std::string> got;
      for (const Event& e : events) got.push_back(e.id());
      std::vector<std::string> want = Expected(match, order);
      EXPECT_EQ(got, want) << name << " order=\"" << order << "\"";
      EXPECT_EQ(total, static_cast<int64_t>(want.size())) << name;
    }
  }

  static bool Has(const std::vector<std::string>& values, const std::string& value) {
    return std::find(values.begin(), values.end(), value) != values.end();
  }

  std::string actor_a_, actor_b_;
  std::vector<Known> known_;
};

TEST_P(EventListTest, EveryFilterFieldMatchesTheIndependentExpectation) {
  Check("all", EventFilter(), [](const Known&) { return true; });
  {
    EventFilter f;
    f.add_country_codes("HTI");
    Check("one country", f, [](const Known& k) { return k.country == "HTI"; });
    f.add_country_codes("KEN");
    Check("two countries", f, [](const Known& k) { return k.country != "USA"; });
  }
  {
    EventFilter f;
    f.set_admin1("Ouest");
    Check("admin1", f, [](const Known& k) { return k.admin1 == "Ouest"; });
  }
  {
    EventFilter f;
    f.add_event_types(v1::EVENT_TYPE_PROTESTS);
    Check("one type", f, [](const Known& k) { return k.type == v1::EVENT_TYPE_PROTESTS; });
    f.add_event_types(v1::EVENT_TYPE_DEPLOY);
    Check("two types", f, [](const Known& k) {
      return k.type == v1::EVENT_TYPE_PROTESTS || k.type == v1::EVENT_TYPE_DEPLOY;
    });
  }
  {
    EventFilter f;
    f.add_sub_event_types("Armed clash");
    f.add_sub_event_types("Police deployment");
    Check("sub types", f,
          [](const Known& k) { return k.sub == "Armed clash" || k.sub == "Police deployment"; });
  }
  {
    EventFilter f;
    f.set_actor_id(actor_b_);
    Check("actor", f, [&](const Known& k) { return Has(k.actors, actor_b_); });
  }
  {
    EventFilter f;
    f.mutable_date_range()->set_start_date(January(10));
    f.mutable_date_range()->set_end_date(January(15));
    Check("closed range", f, [](const Known& k) { return k.day <= 15 && k.end_day >= 10; });
    f.mutable_date_range()->clear_start_date();
    Check("open start", f, [](const Known& k) { return k.day <= 15; });
    f.mutable_date_range()->clear_end_date();
    f.mutable_date_range()->set_start_date(January(20));
    Check("open end", f, [](const Known& k) { return k.end_day >= 20; });
  }
  {
    EventFilter f;
    f.set_min_fatalities(5);
    Check("min fatalities", f, [](const Known& k) { return k.killed >= 5; });
  }
  {
    EventFilter f;
    f.set_text("kidnapped");
    Check("text", f, [](const Known& k) { return k.notes_kind == 0; });
    f.set_text("cite soleil");  // diacritics folded, words ANDed
    Check("text folded", f, [](const Known& k) { return k.notes_kind == 1; });
    f.set_text("Protest against fuel-prices OR");  // '-' and OR are no syntax: "or" is a word
    Check("text words only", f, [](const Known&) { return false; });
    f.set_text("PROTEST* fuel-prices");
    Check("text hyphen and prefix", f, [](const Known& k) { return k.notes_kind == 2; });
  }
  {
    EventFilter f;
    auto* box = f.mutable_bbox();
    box->set_min_latitude(18.15);
    box->set_max_latitude(18.55);
    box->set_min_longitude(-72.45);
    box->set_max_longitude(-72.15);
    Check("bbox", f, [](const Known& k) {
      return k.has_point && k.lat >= 18.15 && k.lat <= 18.55 && k.lon >= -72.45 && k.lon <= -72.15;
    });
    box->set_min_latitude(-90);
    box->set_max_latitude(90);
    box->set_min_longitude(-180);
    box->set_max_longitude(180);
    Check("world bbox", f, [](const Known& k) { return k.has_point; });
  }
  {
    EventFilter f;
    f.add_tags("beta");
    Check("one tag", f, [](const Known& k) { return Has(k.tags, "beta"); });
    f.add_tags("alpha");
    Check("two tags", f, [](const Known& k) { return !k.tags.empty(); });
  }
  {
    EventFilter f;
    f.add_country_codes("HTI");
    f.set_min_fatalities(3);
    f.add_tags("alpha");
    f.set_actor_id(actor_a_);
    f.mutable_date_range()->set_start_date(January(5));
    Check("combined", f, [&](const Known& k) {
      return k.country == "HTI" && k.killed >= 3 && Has(k.tags, "alpha") &&
             Has(k.actors, actor_a_) && k.end_day >= 5;
    });
  }
  {
    EventFilter f;
    f.add_country_codes("FRA");
    int64_t total = -1;
    EXPECT_TRUE(ListAll(f, "", 7, &total).empty());
    EXPECT_EQ(total, 0);
  }
}

TEST_P(EventListTest, BadListInputIsInvalidArgument) {
  auto list_status = [&](const v1::ListEventsRequest& request) {
    v1::ListEventsResponse response;
    return List(request, &response);
  };
  v1::ListEventsRequest r;
  r.mutable_filter()->set_text("\"*\" ( - )");  // no word to search for
  ExpectInvalidField(list_status(r), "filter.text");
  r.Clear();
  r.mutable_filter()->add_country_codes("Haiti");
  ExpectInvalidField(list_status(r), "filter.country_codes[0]");
  r.Clear();
  r.mutable_filter()->mutable_bbox()->set_min_latitude(10);
  r.mutable_filter()->mutable_bbox()->set_max_latitude(5);
  ExpectInvalidField(list_status(r), "filter.bbox.min_latitude");
  r.Clear();
  r.mutable_filter()->set_min_fatalities(-3);
  ExpectInvalidField(list_status(r), "filter.min_fatalities");
  r.Clear();
  r.set_order_by("notes asc");
  grpc::Status status = list_status(r);
  ExpectInvalidField(status, "order_by");
  EXPECT_THAT(status.error_message(), HasSubstr("\"fatalities desc\""));
  r.Clear();
  r.set_page_size(-1);
  ExpectInvalidField(list_status(r), "page_size");
  r.Clear();
  r.set_page_token("forged-token");
  ExpectInvalidField(list_status(r), "page_token");

  // A real token used with another filter, or tampered with, is refused.
  v1::ListEventsRequest first;
  first.set_page_size(5);
  v1::ListEventsResponse page;
  ASSERT_TRUE(List(first, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  v1::ListEventsRequest other = first;
  other.set_page_token(page.next_page_token());
  other.mutable_filter()->add_country_codes("HTI");
  ExpectInvalidField(list_status(other), "page_token");
  other = first;
  other.set_page_token(page.next_page_token());
  other.set_order_by("event_date asc");
  ExpectInvalidField(list_status(other), "page_token");
  std::string tampered = page.next_page_token();
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  other = first;
  other.set_page_token(tampered);
  ExpectInvalidField(list_status(other), "page_token");
  // The page size may change between pages.
  other = first;
  other.set_page_token(page.next_page_token());
  other.set_page_size(100);
  EXPECT_TRUE(list_status(other).ok());
}

TEST_P(EventListTest, PageSizeDefaultsAndOrderByIsForgiving) {
  v1::ListEventsRequest r;
  v1::ListEventsResponse page;
  ASSERT_TRUE(List(r, &page).ok());
  EXPECT_EQ(page.events_size(), 40);  // default 50 covers all 40
  EXPECT_TRUE(page.next_page_token().empty());
  EXPECT_EQ(page.total_size(), 40);
  r.set_order_by("  Event_Date   ASC ");
  ASSERT_TRUE(List(r, &page).ok());
  EXPECT_EQ(page.events(0).event_date(), January(1));
}

TEST_P(EventServiceTest, PageSizeAboveTheLimitIsClampedTo1000) {
  std::vector<Event> rows;
  for (int i = 0; i < 1001; ++i) rows.push_back(ImportRow(i));
  v1::ImportEventsResponse imported;
  ASSERT_TRUE(Import(rows, &imported).ok());
  ASSERT_EQ(imported.created(), 1001);
  v1::ListEventsRequest r;
  r.set_page_size(5000);
  v1::ListEventsResponse page;
  ASSERT_TRUE(List(r, &page).ok());
  EXPECT_EQ(page.events_size(), 1000);
  EXPECT_EQ(page.total_size(), 1001);
  EXPECT_FALSE(page.next_page_token().empty());
}

TEST_P(EventListTest, PagingWhileInsertingNeitherRepeatsNorSkips) {
  std::set<std::string> original;
  for (const Known& k : known_) original.insert(k.id);
  // A writer inserts all along, on both sides of any cursor and with tied sort keys.
  std::atomic<bool> stop{false};
  std::atomic<int> background_inserts{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      Event e = BasicEvent(January(1 + i % 28));
      AddKilled(&e, i % 11);
      if (Create(e).ok()) ++background_inserts;
    }
  });
  for (const std::string order : {"", "event_date asc", "fatalities desc"}) {
    std::vector<std::string> seen;
    v1::ListEventsRequest request;
    request.set_order_by(order);
    request.set_page_size(6);
    while (true) {
      v1::ListEventsResponse response;
      ASSERT_TRUE(List(request, &response).ok());
      for (const Event& e : response.events()) seen.push_back(e.id());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
      // And ties with the page boundary, right at the cursor.
      const Event& last = response.events(response.events_size() - 1);
      Event tie = BasicEvent(last.event_date());
      AddKilled(&tie, last.fatalities());
      MustCreate(tie);
    }
    std::set<std::string> unique(seen.begin(), seen.end());
    EXPECT_EQ(unique.size(), seen.size()) << "repeated rows, order " << order;
    for (const std::string& id : original) {
      EXPECT_EQ(unique.count(id), 1u) << "skipped " << id << ", order " << order;
    }
  }
  stop = true;
  writer.join();
  EXPECT_GT(background_inserts.load(), 0);
}

TEST_P(EventListTest, PageTokensSurviveAReopenedStore) {
  v1::ListEventsRequest r;
  r.set_page_size(10);
  v1::ListEventsResponse first;
  ASSERT_TRUE(List(r, &first).ok());
  StartEventServer(/*event_cache=*/true);
  r.set_page_token(first.next_page_token());
  v1::ListEventsResponse second;
  ASSERT_TRUE(List(r, &second).ok());
  EXPECT_EQ(second.events_size(), 10);
  EXPECT_NE(second.events(0).id(), first.events(0).id());
}

// ---- ImportEvents ----

TEST_P(EventServiceTest, ImportRejectsBadRowsWithIndexAndFieldAndKeepsTheRest) {
  const std::string actor = CreateActor("Actor A");
  std::vector<Event> rows;
  for (int i = 0; i < 120; ++i) {
    Event e = ImportRow(i);
    e.add_participants()->set_actor_id(actor);
    rows.push_back(e);
  }
  rows[2].set_event_date("2023-02-30");                        // invalid date
  rows[55].mutable_participants(0)->set_actor_id("act_gone");  // unknown actor (2nd batch)
  rows[70].mutable_location()->set_latitude(12);               // half a point
  *rows[99].mutable_external_ids() = rows[98].external_ids();  // same id within one batch
  v1::ImportEventsResponse response;
  grpc::Status status = Import(rows, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.received(), 120);
  EXPECT_EQ(response.created(), 116);
  EXPECT_EQ(response.rejected(), 4);
  EXPECT_EQ(response.updated(), 0);
  ASSERT_EQ(response.errors_size(), 4);
  std::map<int64_t, std::string> fields;
  for (const auto& error : response.errors()) fields[error.index()] = error.field();
  EXPECT_EQ(fields[2], "event.event_date");
  EXPECT_EQ(fields[55], "event.participants[0].actor_id");
  EXPECT_EQ(fields[70], "event.location.longitude");
  EXPECT_EQ(fields[99], "event.external_ids[0]");
  for (const auto& error : response.errors()) {
    EXPECT_THAT(error.message(), StartsWith(error.field() + ": "));
  }
  // Reported in row order, whichever stage rejected them.
  EXPECT_EQ(response.errors(0).index(), 2);
  EXPECT_EQ(response.errors(1).index(), 55);
  EXPECT_EQ(response.errors(2).index(), 70);
  EXPECT_EQ(response.errors(3).index(), 99);
  EXPECT_EQ(Total(), 116);
  std::vector<WatchEventsResponse> changes = WatchOnce(0);
  EXPECT_EQ(changes.size(), 116u);
  for (size_t i = 1; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].sequence(), changes[i - 1].sequence() + 1);
  }
  // A message without an event after the first is a rejected row, not an end of stream.
  auto context = Ctx();
  v1::ImportEventsResponse second;
  auto writer = stub_->ImportEvents(context.get(), &second);
  v1::ImportEventsRequest message;
  *message.mutable_event() = ImportRow(500);  // the first message may carry a row too
  writer->Write(message);
  writer->Write(v1::ImportEventsRequest());
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(second.received(), 2);
  EXPECT_EQ(second.created(), 1);
  ASSERT_EQ(second.errors_size(), 1);
  EXPECT_EQ(second.errors(0).index(), 1);
  EXPECT_EQ(second.errors(0).field(), "event");
}

TEST_P(EventServiceTest, ReimportWithUpsertChangesNothingAndUpdatesWhatDiffers) {
  std::vector<Event> rows;
  for (int i = 0; i < 60; ++i) rows.push_back(ImportRow(i));
  v1::ImportEventsResponse response;
  ASSERT_TRUE(Import(rows, &response, /*upsert=*/true).ok());
  EXPECT_EQ(response.created(), 60);
  const int64_t head = Head();

  ASSERT_TRUE(Import(rows, &response, /*upsert=*/true).ok());
  EXPECT_EQ(response.received(), 60);
  EXPECT_EQ(response.created(), 0);
  EXPECT_EQ(response.updated(), 0);
  EXPECT_EQ(response.unchanged(), 60);
  EXPECT_EQ(response.rejected(), 0);
  EXPECT_EQ(Head(), head);
  EXPECT_EQ(Total(), 60);

  rows[7].set_notes("corrected row 7");
  ASSERT_TRUE(Import(rows, &response, /*upsert=*/true).ok());
  EXPECT_EQ(response.created(), 0);
  EXPECT_EQ(response.updated(), 1);
  EXPECT_EQ(response.unchanged(), 59);
  std::vector<WatchEventsResponse> changes = WatchOnce(head);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].type(), v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(changes[0].event().notes(), "corrected row 7");
  EXPECT_EQ(Total(), 60);

  // Without upsert the same rows clash with the live external ids.
  ASSERT_TRUE(Import({rows[0]}, &response).ok());
  EXPECT_EQ(response.rejected(), 1);
  EXPECT_EQ(response.errors(0).field(), "event.external_ids[0]");
  EXPECT_THAT(response.errors(0).message(), HasSubstr("already belongs"));
}

// ACLED recodes events beyond 12 nautical miles to the sea: a re-import with upsert moves the
// event with the same external id in place, the change log shows it leave the country, and the
// country's and the sea's counts follow (both stores).
TEST_P(EventServiceTest, AReimportMovesAnEventFromItsCountryOutToSea) {
  std::vector<Event> rows = {ImportRow(1), ImportRow(2)};
  v1::ImportEventsResponse response;
  ASSERT_TRUE(Import(rows, &response, /*upsert=*/true).ok());
  ASSERT_EQ(response.created(), 2);
  const int64_t head = Head();
  auto count = [&](const std::function<void(EventFilter*)>& set) {
    v1::ListEventsRequest request;
    set(request.mutable_filter());
    request.mutable_filter()->mutable_date_range()->set_start_date("2023-01-01");
    v1::ListEventsResponse listed;
    EXPECT_TRUE(List(request, &listed).ok());
    return listed.total_size();
  };
  auto haiti = [](EventFilter* f) { f->add_country_codes("HTI"); };
  auto everything = [](EventFilter*) {};
  auto caribbean = [](EventFilter* f) { f->add_bodies_of_water("Caribbean Sea"); };
  EXPECT_EQ(count(haiti), 2);

  auto* location = rows[1].mutable_location();
  location->clear_country_code();
  location->clear_admin1();
  auto* sea = location->mutable_maritime();
  sea->set_basin("Atlantic Ocean");
  sea->set_region("North Atlantic Ocean");
  sea->set_body_of_water("Caribbean Sea");
  ASSERT_TRUE(Import(rows, &response, /*upsert=*/true).ok());
  EXPECT_EQ(response.created(), 0);
  EXPECT_EQ(response.updated(), 1);
  EXPECT_EQ(response.unchanged(), 1);
  std::vector<WatchEventsResponse> changes = WatchOnce(head);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].type(), v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(changes[0].event().external_ids(0).value(), "HTI2");
  EXPECT_EQ(changes[0].event().location().country_code(), "");
  EXPECT_EQ(changes[0].event().location().maritime().body_of_water(), "Caribbean Sea");
  EXPECT_EQ(count(haiti), 1);
  EXPECT_EQ(count(everything), 2);  // the every-event count holds it once
  EXPECT_EQ(count(caribbean), 1);
  EXPECT_EQ(Total(), 2);
  // The stream filtered by the sea sees the move; the one filtered by the country does not.
  EventFilter at_sea;
  at_sea.add_maritime_basins("Atlantic Ocean");
  EXPECT_EQ(WatchOnce(head, at_sea).size(), 1u);
  EventFilter in_haiti;
  in_haiti.add_country_codes("HTI");
  EXPECT_EQ(WatchOnce(head, in_haiti).size(), 0u);
}

// Two events with INT64_MAX killed once added up to -2 fatalities downstream: every write path
// refuses a count above event_filter::kMaxCasualtyCount, naming the field, and writes nothing.
TEST_P(EventServiceTest, CasualtyCountsAboveTheBoundAreRefusedOnEveryWritePath) {
  const std::string rule = "must be at most 1000000000 (the largest casualty count)";
  Event huge = BasicEvent();
  AddKilled(&huge, INT64_MAX);
  grpc::Status status = Create(huge);
  ExpectInvalidField(status, "event.casualties[0].count.best");
  EXPECT_THAT(status.error_message(), HasSubstr(rule));
  EXPECT_EQ(Total(), 0);

  Event e = BasicEvent();
  AddKilled(&e, 5);
  Event created = MustCreate(e);
  Event patch;
  patch.set_id(created.id());
  AddKilled(&patch, 10);
  patch.mutable_casualties(0)->mutable_count()->set_high(event_filter::kMaxCasualtyCount + 1);
  status = Update(patch, {"casualties"});
  ExpectInvalidField(status, "event.casualties[0].count.high");
  Event fetched;
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.fatalities(), 5);
  EXPECT_EQ(fetched.etag(), created.etag());

  std::vector<Event> rows = {ImportRow(1), ImportRow(2)};
  AddKilled(&rows[0], event_filter::kMaxCasualtyCount);  // the bound itself is a count
  AddKilled(&rows[1], INT64_MAX);
  v1::ImportEventsResponse response;
  ASSERT_TRUE(Import(rows, &response).ok());
  EXPECT_EQ(response.created(), 1);
  EXPECT_EQ(response.rejected(), 1);
  ASSERT_EQ(response.errors_size(), 1);
  EXPECT_EQ(response.errors(0).index(), 1);
  EXPECT_EQ(response.errors(0).field(), "event.casualties[0].count.best");
  EXPECT_THAT(response.errors(0).message(), HasSubstr(rule));
  EXPECT_EQ(Total(), 2);
  EXPECT_EQ(WatchOnce(0).size(), 2u);
}

TEST_P(EventServiceTest, ImportKeepsTheFirst1000ErrorsAndCountsAll) {
  std::vector<Event> rows;
  for (int i = 0; i < 1100; ++i) {
    Event e = ImportRow(i);
    e.mutable_location()->set_country_code("Haiti");
    rows.push_back(e);
  }
  rows.push_back(ImportRow(5000));
  v1::ImportEventsResponse response;
  ASSERT_TRUE(Import(rows, &response).ok());
  EXPECT_EQ(response.received(), 1101);
  EXPECT_EQ(response.rejected(), 1100);
  EXPECT_EQ(response.created(), 1);
  ASSERT_EQ(response.errors_size(), 1000);
  EXPECT_EQ(response.errors(999).index(), 999);
  EXPECT_EQ(response.errors(999).field(), "event.location.country_code");
  EXPECT_EQ(Total(), 1);
}

// A batch is first written whole; a row the store refuses (an external id already taken) sends
// the batch back to be written a row at a time. The outcome is as if each row had been alone.
TEST_P(EventServiceTest, ImportRowsRefusedByTheStoreUndoOnlyThemselves) {
  v1::ImportEventsResponse response;
  ASSERT_TRUE(Import({ImportRow(5)}, &response).ok());
  ASSERT_EQ(response.created(), 1);
  std::vector<Event> rows;
  for (int i = 0; i < 10; ++i) rows.push_back(ImportRow(i));
  *rows[9].mutable_external_ids() = rows[0].external_ids();  // the last repeats the first
  ASSERT_TRUE(Import(rows, &response).ok());
  EXPECT_EQ(response.received(), 10);
  EXPECT_EQ(response.created(), 8);
  EXPECT_EQ(response.rejected(), 2);
  ASSERT_EQ(response.errors_size(), 2);
  EXPECT_EQ(response.errors(0).index(), 5);
  EXPECT_EQ(response.errors(0).field(), "event.external_ids[0]");
  EXPECT_EQ(response.errors(1).index(), 9);
  EXPECT_EQ(response.errors(1).field(), "event.external_ids[0]");
  EXPECT_EQ(Total(), 9);
  std::set<std::string> notes;
  for (const Event& event : ListAll(EventFilter())) notes.insert(event.notes());
  EXPECT_EQ(notes, (std::set<std::string>{"row 0", "row 1", "row 2", "row 3", "row 4", "row 5",
                                           "row 6", "row 7", "row 8"}));
  // The undone first attempt left no gap in the change log.
  std::vector<WatchEventsResponse> changes = WatchOnce(0);
  ASSERT_EQ(changes.size(), 9u);
  for (size_t i = 0; i < changes.size(); ++i) EXPECT_EQ(changes[i].sequence(), int64_t(i) + 1);
}

TEST_P(EventServiceTest, DryRunImportCountsButWritesNothing) {
  std::vector<Event> rows;
  for (int i = 0; i < 80; ++i) rows.push_back(ImportRow(i));
  rows[3].clear_event_date();
  *rows[60].mutable_external_ids() = rows[59].external_ids();
  v1::ImportEventsResponse response;
  ASSERT_TRUE(Import(rows, &response, /*upsert=*/false, /*dry_run=*/true).ok());
  EXPECT_EQ(response.received(), 80);
  EXPECT_EQ(response.created(), 78);
  EXPECT_EQ(response.rejected(), 2);
  EXPECT_EQ(Total(), 0);
  EXPECT_TRUE(WatchOnce(0).empty());

  // A real import afterwards starts from sequence 1: the rehearsal left no trace.
  ASSERT_TRUE(Import({ImportRow(1)}, &response).ok());
  std::vector<WatchEventsResponse> changes = WatchOnce(0);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].sequence(), 1);
}

// ---- WatchEvents ----

TEST_P(EventServiceTest, WatchWithoutFollowSendsTheLogInOrderAndEnds) {
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(MustCreate(BasicEvent()).id());
  Event patch;
  patch.set_id(ids[3]);
  patch.set_notes("updated");
  ASSERT_TRUE(Update(patch, {"notes"}).ok());
  ASSERT_TRUE(Delete(ids[4]).ok());

  std::vector<WatchEventsResponse> all = WatchOnce(0);
  ASSERT_EQ(all.size(), 42u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].sequence(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(all[i].event().sequence(), all[i].sequence());
  }
  EXPECT_EQ(all[0].type(), v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(all[40].type(), v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(all[41].type(), v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(all[41].event().id(), ids[4]);

  // Resuming from any point gives exactly the rest.
  for (int64_t after : {0, 1, 15, 16, 17, 41, 42}) {
    std::vector<WatchEventsResponse> rest = WatchOnce(after);
    ASSERT_EQ(rest.size(), after >= 42 ? 0u : static_cast<size_t>(42 - after)) << after;
    if (!rest.empty()) {
      EXPECT_EQ(rest.front().sequence(), after + 1);
    }
  }

  // A filter skips changes but never reorders them.
  EventFilter f;
  f.set_text("updated");
  std::vector<WatchEventsResponse> filtered = WatchOnce(0, f);
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0].sequence(), 41);

  grpc::Status status;
  WatchOnce(-1, {}, &status);
  ExpectInvalidField(status, "after_sequence");
  EventFilter bad;
  bad.add_event_types(static_cast<v1::EventType>(99));
  WatchOnce(0, bad, &status);
  ExpectInvalidField(status, "filter.event_types[0]");
}

TEST_P(EventServiceTest, WatchWithFollowSendsNewChangesAndResumesExactly) {
  for (int i = 0; i < 5; ++i) MustCreate(BasicEvent());
  v1::WatchEventsRequest request;
  request.set_after_sequence(2);
  request.set_follow(true);
  auto context = Ctx();
  auto reader = stub_->WatchEvents(context.get(), request);

  std::atomic<bool> writing_done{false};
  std::thread writer([&] {
    for (int i = 0; i < 20; ++i) {
      Event e = BasicEvent();
      e.set_notes(absl::StrCat("live ", i));
      MustCreate(e);
      if (i % 5 == 0) absl::SleepFor(absl::Milliseconds(20));
    }
    writing_done = true;
  });
  std::vector<int64_t> sequences;
  WatchEventsResponse change;
  while (sequences.size() < 13 && reader->Read(&change)) sequences.push_back(change.sequence());
  // Stop reading half way through the live changes, as a consumer that crashed would.
  context->TryCancel();
  while (reader->Read(&change)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  writer.join();
  ASSERT_EQ(sequences.size(), 13u);
  for (size_t i = 0; i < sequences.size(); ++i) {
    EXPECT_EQ(sequences[i], static_cast<int64_t>(i + 3));
  }

  // Resume from the last sequence applied: the rest, no gap, no repeat.
  std::vector<WatchEventsResponse> rest = WatchOnce(sequences.back());
  ASSERT_EQ(rest.size(), 25u - 15u);
  EXPECT_EQ(rest.front().sequence(), 16);
  EXPECT_EQ(rest.back().sequence(), 25);
}

// Issue 24.11: a sequence means something only within its change log. The first message of
// every stream names the log; the id survives a restart; a position from another log (another
// id, or a sequence past the head: the log was recreated or restored) is refused, so a follower
// knows to rebuild instead of waiting for sequences the new log has already given to others.
TEST_P(EventServiceTest, WatchNamesItsChangeLogAndRefusesPositionsFromAnother) {
  for (int i = 0; i < 3; ++i) MustCreate(BasicEvent());
  std::vector<WatchEventsResponse> all = WatchOnce(0);
  ASSERT_EQ(all.size(), 3u);
  const std::string log_id = all[0].change_log_id();
  EXPECT_EQ(log_id.size(), 32u);
  EXPECT_EQ(all[1].change_log_id(), "");
  EXPECT_EQ(all[2].change_log_id(), "");
  std::vector<WatchEventsResponse> rest = WatchOnce(1);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].change_log_id(), log_id);

  StartEventServer(/*event_cache=*/true);
  all = WatchOnce(0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].change_log_id(), log_id);

  auto watch = [&](int64_t after, const std::string& id, bool follow) {
    v1::WatchEventsRequest request;
    request.set_after_sequence(after);
    request.set_change_log_id(id);
    request.set_follow(follow);
    auto context = Ctx();
    auto reader = stub_->WatchEvents(context.get(), request);
    WatchEventsResponse change;
    int received = 0;
    while (reader->Read(&change)) ++received;
    grpc::Status status = reader->Finish();
    EXPECT_EQ(received, 0);
    return status;
  };
  grpc::Status status = watch(3, log_id, /*follow=*/false);
  EXPECT_TRUE(status.ok()) << status.error_message();
  for (bool follow : {false, true}) {
    status = watch(1, "0123456789abcdef0123456789abcdef", follow);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
    EXPECT_THAT(status.error_message(), StartsWith("change_log_id: "));
    EXPECT_THAT(status.error_message(), HasSubstr(log_id));
    // Past the head: no read ever handed out sequence 4 of this log.
    status = watch(4, "", follow);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
    EXPECT_THAT(status.error_message(), StartsWith("after_sequence: "));
  }
}

// A copy restored from an older file keeps the log's id, and once it takes new writes its head
// passes a consumer's sequence again: only the change at that sequence tells the logs apart.
TEST_P(EventServiceTest, WatchRefusesAnAfterEtagThatIsNotTheChangeAtAfterSequence) {
  std::vector<Event> created;
  for (int i = 0; i < 3; ++i) created.push_back(MustCreate(BasicEvent()));
  ASSERT_TRUE(Delete(created[0].id()).ok());  // sequence 4: carries the last state's etag
  std::vector<WatchEventsResponse> all = WatchOnce(0);
  ASSERT_EQ(all.size(), 4u);

  auto watch = [&](int64_t after, const std::string& etag, bool follow, int* received) {
    v1::WatchEventsRequest request;
    request.set_after_sequence(after);
    request.set_after_etag(etag);
    request.set_follow(follow);
    auto context = Ctx();
    auto reader = stub_->WatchEvents(context.get(), request);
    WatchEventsResponse change;
    *received = 0;
    while (reader->Read(&change)) {
      EXPECT_EQ(change.sequence(), after + 1 + *received);
      ++*received;
      if (follow && change.sequence() == 4) context->TryCancel();
    }
    return reader->Finish();
  };
  int received = 0;
  grpc::Status status = watch(2, all[1].event().etag(), /*follow=*/false, &received);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(received, 2);
  status = watch(4, all[3].event().etag(), /*follow=*/false, &received);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(received, 0);
  status = watch(2, all[1].event().etag(), /*follow=*/true, &received);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED) << status.error_message();
  EXPECT_EQ(received, 2);

  for (bool follow : {false, true}) {
    // Change 3's etag is a real one of this log, but not the change at sequence 2.
    status = watch(2, all[2].event().etag(), follow, &received);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
    EXPECT_THAT(status.error_message(), StartsWith("after_etag: "));
    EXPECT_THAT(status.error_message(), HasSubstr(all[1].event().etag()));
    EXPECT_EQ(received, 0);
  }
  status = watch(0, all[0].event().etag(), /*follow=*/false, &received);
  ExpectInvalidField(status, "after_etag");
  status = watch(1, std::string(65, 'a'), /*follow=*/false, &received);
  ExpectInvalidField(status, "after_etag");
}

TEST_P(EventServiceTest, FollowingWatchNoticesCancellationWhileIdle) {
  v1::WatchEventsRequest request;
  request.set_follow(true);
  auto context = Ctx();
  auto reader = stub_->WatchEvents(context.get(), request);
  absl::SleepFor(absl::Milliseconds(300));  // the server is waiting for commits
  const absl::Time start = absl::Now();
  context->TryCancel();
  WatchEventsResponse change;
  EXPECT_FALSE(reader->Read(&change));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  // The server keeps serving.
  EXPECT_TRUE(Create(BasicEvent()).ok());
}

// ---- Dependencies failing ----

TEST_P(EventServiceTest, ActorServiceDownIsUnavailableAndWritesNothing) {
  const std::string actor = CreateActor("Actor A");
  actor_server_->runner->Stop();
  Event e = BasicEvent();
  e.add_participants()->set_actor_id("act_never_seen_before");
  grpc::Status status = Create(e);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("actor service"));

  std::vector<Event> rows = {e};
  v1::ImportEventsResponse response;
  EXPECT_EQ(Import(rows, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Total(), 0);
  EXPECT_TRUE(WatchOnce(0).empty());
  // Events without participants need no actor service.
  EXPECT_TRUE(Create(BasicEvent()).ok());
}

TEST_P(EventServiceTest, RedisStoppedOrFlushedNeverBreaksOrStalesCalls) {
  const std::string actor = CreateActor("Actor A");
  Event e = BasicEvent();
  e.add_participants()->set_actor_id(actor);
  Event created = MustCreate(e);
  Event fetched;
  ASSERT_TRUE(Get(created.id(), &fetched).ok());  // cached

  redis_.Flush();
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.etag(), created.etag());

  redis_.Stop();
  Event patch;
  patch.set_id(created.id());
  patch.set_notes("while redis is down");
  Event updated;
  ASSERT_TRUE(Update(patch, {"notes"}, &updated).ok());
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.etag(), updated.etag());
  Event second = MustCreate(e);  // the actor check goes straight to the actor service
  EXPECT_EQ(Total(), 2);
  ASSERT_TRUE(Delete(second.id()).ok());

  // Redis comes back empty; nothing stale is served.
  redis_.Start();
  absl::SleepFor(absl::Milliseconds(300));  // past the back-off
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Get(created.id(), &fetched).ok());
    EXPECT_EQ(fetched.etag(), updated.etag());
  }
  EXPECT_EQ(Get(second.id()).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Create(e).ok());
}

TEST_P(EventServiceTest, WorksWithTheEventCacheOff) {
  StartEventServer(/*event_cache=*/false);
  Event created = MustCreate(BasicEvent());
  Event patch;
  patch.set_id(created.id());
  patch.set_notes("n");
  Event updated;
  ASSERT_TRUE(Update(patch, {"notes"}, &updated).ok());
  Event fetched;
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), updated.SerializeAsString());
}

TEST_P(EventServiceTest, ReopenedStoreKeepsEventsAndTheChangeLog) {
  const std::string actor = CreateActor("Actor A");
  Event e = BasicEvent();
  e.add_participants()->set_actor_id(actor);
  e.set_notes("Kidnapping near Kenscoff");
  e.add_tags("kidnapping");
  Event kept = MustCreate(e);
  Event gone = MustCreate(BasicEvent());
  ASSERT_TRUE(Delete(gone.id()).ok());
  Event with_request;
  ASSERT_TRUE(Create(BasicEvent("2024-05-05"), &with_request, "req-keep").ok());
  const std::vector<WatchEventsResponse> before = WatchOnce(0);

  StartEventServer(/*event_cache=*/true);
  Event fetched;
  ASSERT_TRUE(Get(kept.id(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), kept.SerializeAsString());
  EXPECT_EQ(Get(gone.id()).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Total(), 2);
  EventFilter text;
  text.set_text("kenscoff");
  EXPECT_EQ(ListAll(text).size(), 1u);
  std::vector<WatchEventsResponse> after = WatchOnce(0);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].SerializeAsString(), before[i].SerializeAsString());
  }
  // request_id records survived too.
  Event again;
  ASSERT_TRUE(Create(BasicEvent("2024-05-05"), &again, "req-keep").ok());
  EXPECT_EQ(again.id(), with_request.id());
  // New changes continue the sequence.
  Event next = MustCreate(BasicEvent());
  EXPECT_EQ(next.sequence(), before.back().sequence() + 1);
}

// The measurement behind --event_cache defaulting to off: GetEvent's domain call served from
// SQLite versus from the Redis cache (hits only), without gRPC around it. Run it with
// --gtest_also_run_disabled_tests --gtest_filter='*MeasureGet*'.
TEST_P(EventServiceTest, DISABLED_MeasureGetWithAndWithoutTheCache) {
  Event created = MustCreate(BasicEvent());
  EventCache no_cache(nullptr);
  EventManager uncached(event_server_->store.get(), event_server_->actors.get(), &no_cache);
  EventManager& cached = *event_server_->manager;
  ASSERT_TRUE(cached.Get(created.id()).ok());  // fill
  constexpr int kReads = 20000;
  for (auto* manager : {&uncached, &cached, &uncached, &cached}) {
    const absl::Time start = absl::Now();
    for (int i = 0; i < kReads; ++i) ASSERT_TRUE(manager->Get(created.id()).ok());
    const absl::Duration per_read = (absl::Now() - start) / kReads;
    std::printf("%s: %.1f us per GetEvent\n", manager == &cached ? "redis cache" : "sqlite",
                absl::ToDoubleMicroseconds(per_read));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, EventServiceTest, testing::AllStoreBackends(),
                         testing::StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Backends, EventListTest, testing::AllStoreBackends(),
                         testing::StoreBackendName);

}  // namespace
}  // namespace lookout::event
