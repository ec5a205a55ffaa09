// Provenance through the gateway (issue 26), against the real event and actor binaries: the
// principal recorded with each change (of an event, an actor, a relationship or an observation)
// is the name of the key the gateway authenticated, for every role that may write, whatever
// identity headers the client sends; a reader may read history but not write; reasons and
// request ids reach the change logs; the revisions routes work. Observations go to the stats
// service in-process, its observations on SQLite and on PostgreSQL.
#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "lookout/stats/v1/stats_service.grpc.pb.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/integration/stats_cluster.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

using event::v1::EventService;
using testing::KeyContext;

event::v1::Event NewEvent(const std::string& notes) {
  event::v1::Event event;
  event.set_event_date("2024-03-01");
  event.set_event_type(event::v1::EVENT_TYPE_PROTESTS);
  event.set_sub_event_type("Peaceful protest");
  event.mutable_location()->set_country_code("SEN");
  event.set_notes(notes);
  return event;
}

// A key context that also carries everything a client might send to pass as someone else.
std::unique_ptr<grpc::ClientContext> SpoofingContext(const std::string& key) {
  auto context = KeyContext(key);
  context->AddMetadata(kPrincipalHeader, "mallory");
  context->AddMetadata(kRoleHeader, "ADMIN");
  context->AddMetadata(kInternalTokenHeader, "guessed-token");
  return context;
}

class GatewayProvenanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new testing::GatewayOverBackends();
    ASSERT_TRUE(cluster_->status().ok()) << cluster_->status();
  }
  static void TearDownTestSuite() { delete cluster_; }

  void SetUp() override {
    auto channel = testing::Connect(cluster_->address());
    stub_ = EventService::NewStub(channel);
    actors_ = actor::v1::ActorService::NewStub(channel);
  }

  std::vector<actor::v1::ActorRevision> ActorRevisions(const std::string& id) {
    actor::v1::ListActorRevisionsRequest request;
    request.set_id(id);
    actor::v1::ListActorRevisionsResponse response;
    auto context = KeyContext(cluster_->keys().reader);
    grpc::Status status = actors_->ListActorRevisions(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.revisions().begin(), response.revisions().end()};
  }

  std::vector<event::v1::EventRevision> Revisions(const std::string& id) {
    event::v1::ListEventRevisionsRequest request;
    request.set_id(id);
    event::v1::ListEventRevisionsResponse response;
    auto context = KeyContext(cluster_->keys().reader);
    grpc::Status status = stub_->ListEventRevisions(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.revisions().begin(), response.revisions().end()};
  }

  static testing::GatewayOverBackends* cluster_;
  std::unique_ptr<EventService::Stub> stub_;
  std::unique_ptr<actor::v1::ActorService::Stub> actors_;
};

testing::GatewayOverBackends* GatewayProvenanceTest::cluster_ = nullptr;

TEST_F(GatewayProvenanceTest, EachWritingRoleIsRecordedByKeyNameNeverByClientMetadata) {
  struct Writer {
    std::string key;
    std::string name;  // as the keys file names it
  };
  for (const Writer& writer :
       {Writer{cluster_->keys().editor, "editor"}, Writer{cluster_->keys().admin, "admin"}}) {
    SCOPED_TRACE(writer.name);
    event::v1::CreateEventRequest create;
    *create.mutable_event() = NewEvent("made by " + writer.name);
    create.set_reason("field report");
    event::v1::CreateEventResponse created;
    auto context = SpoofingContext(writer.key);
    context->AddMetadata(kRequestIdHeader, "req-" + writer.name);
    grpc::Status status = stub_->CreateEvent(context.get(), create, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();

    event::v1::UpdateEventRequest update;
    update.mutable_event()->set_id(created.event().id());
    update.mutable_event()->set_notes("corrected");
    update.mutable_update_mask()->add_paths("notes");
    update.set_reason("typo");
    event::v1::UpdateEventResponse updated;
    context = SpoofingContext(writer.key);
    status = stub_->UpdateEvent(context.get(), update, &updated);
    ASSERT_TRUE(status.ok()) << status.error_message();

    event::v1::DeleteEventRequest remove;
    remove.set_id(created.event().id());
    remove.set_reason("duplicate");
    event::v1::DeleteEventResponse removed;
    context = SpoofingContext(writer.key);
    status = stub_->DeleteEvent(context.get(), remove, &removed);
    ASSERT_TRUE(status.ok()) << status.error_message();

    const auto revisions = Revisions(created.event().id());
    ASSERT_EQ(revisions.size(), 3u);
    for (const auto& revision : revisions) {
      EXPECT_EQ(revision.provenance().principal(), writer.name);
      EXPECT_GT(revision.provenance().time().seconds(), 0);
      EXPECT_FALSE(revision.provenance().request_id().empty());
    }
    EXPECT_EQ(revisions[0].provenance().reason(), "duplicate");
    EXPECT_EQ(revisions[1].provenance().reason(), "typo");
    EXPECT_EQ(revisions[1].changed_paths_size(), 1);
    EXPECT_EQ(revisions[1].changed_paths(0), "notes");
    EXPECT_EQ(revisions[2].provenance().reason(), "field report");
    EXPECT_EQ(revisions[2].provenance().request_id(), "req-" + writer.name);
  }
}

TEST_F(GatewayProvenanceTest, AReaderCannotWriteButReadsHistoryAndTheWatchCarriesProvenance) {
  event::v1::CreateEventRequest create;
  *create.mutable_event() = NewEvent("reader tries");
  event::v1::CreateEventResponse created;
  auto context = SpoofingContext(cluster_->keys().reader);
  grpc::Status status = stub_->CreateEvent(context.get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  *create.mutable_event() = NewEvent("editor writes");
  context = SpoofingContext(cluster_->keys().editor);
  status = stub_->CreateEvent(context.get(), create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // The watch a reader opens carries the same provenance as the history.
  context = KeyContext(cluster_->keys().reader);
  event::v1::WatchEventsRequest watch;
  watch.set_after_sequence(created.event().sequence() - 1);
  auto reader = stub_->WatchEvents(context.get(), watch);
  event::v1::WatchEventsResponse change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.sequence(), created.event().sequence());
  EXPECT_EQ(change.provenance().principal(), "editor");
  while (reader->Read(&change)) {
  }
  EXPECT_TRUE(reader->Finish().ok());

  // No key: UNAUTHENTICATED, whatever the metadata says.
  event::v1::ListEventRevisionsRequest request;
  request.set_id(created.event().id());
  event::v1::ListEventRevisionsResponse response;
  context = SpoofingContext("");
  EXPECT_EQ(stub_->ListEventRevisions(context.get(), request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayProvenanceTest, ABadReasonIsInvalidArgumentNamingItAndWritesNothing) {
  event::v1::CreateEventRequest create;
  *create.mutable_event() = NewEvent("bad reason");
  create.set_reason("two\nlines");
  event::v1::CreateEventResponse created;
  auto context = KeyContext(cluster_->keys().editor);
  grpc::Status status = stub_->CreateEvent(context.get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("reason"), std::string::npos) << status.error_message();

  // Nothing was written: a finite watch from the start has no event with these notes.
  context = KeyContext(cluster_->keys().reader);
  auto reader = stub_->WatchEvents(context.get(), event::v1::WatchEventsRequest());
  event::v1::WatchEventsResponse change;
  while (reader->Read(&change)) EXPECT_NE(change.event().notes(), "bad reason");
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(GatewayProvenanceTest, AnImportRecordsTheKeyAndItsReasonAndRefusesABadReason) {
  auto import = [&](const std::string& reason, const std::string& notes,
                    event::v1::ImportEventsResponse* response) {
    auto context = SpoofingContext(cluster_->keys().editor);
    auto writer = stub_->ImportEvents(context.get(), response);
    event::v1::ImportEventsRequest request;
    request.mutable_options()->set_reason(reason);
    *request.mutable_event() = NewEvent(notes);
    writer->Write(request);
    writer->WritesDone();
    return writer->Finish();
  };
  event::v1::ImportEventsResponse response;
  grpc::Status status = import("bad\x1b[31m", "imported badly", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("options.reason"), std::string::npos)
      << status.error_message();
  status = import("weekly ACLED batch", "imported well", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.created(), 1);

  auto context = KeyContext(cluster_->keys().reader);
  auto reader = stub_->WatchEvents(context.get(), event::v1::WatchEventsRequest());
  event::v1::WatchEventsResponse change;
  int imported = 0;
  while (reader->Read(&change)) {
    EXPECT_NE(change.event().notes(), "imported badly");
    if (change.event().notes() != "imported well") continue;
    ++imported;
    EXPECT_EQ(change.provenance().principal(), "editor");
    EXPECT_EQ(change.provenance().reason(), "weekly ACLED batch");
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(imported, 1);
}

TEST_F(GatewayProvenanceTest, ActorChangesRecordTheKeyNameOfEachWritingRoleNeverClientMetadata) {
  for (const auto& [key, name] : {std::pair{cluster_->keys().editor, std::string("editor")},
                                  std::pair{cluster_->keys().admin, std::string("admin")}}) {
    SCOPED_TRACE(name);
    actor::v1::CreateActorRequest create;
    create.mutable_actor()->set_name("Provenance gang of " + name);
    create.mutable_actor()->set_type(actor::v1::ACTOR_TYPE_CRIMINAL_GROUP);
    create.set_reason("named in a field report");
    actor::v1::CreateActorResponse created;
    auto context = SpoofingContext(key);
    context->AddMetadata(kRequestIdHeader, "actor-req-" + name);
    grpc::Status status = actors_->CreateActor(context.get(), create, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
    create.mutable_actor()->set_name("Provenance coalition of " + name);
    create.set_reason("");
    actor::v1::CreateActorResponse other;
    context = SpoofingContext(key);
    status = actors_->CreateActor(context.get(), create, &other);
    ASSERT_TRUE(status.ok()) << status.error_message();

    actor::v1::UpdateActorRequest update;
    update.mutable_actor()->set_id(created.actor().id());
    update.mutable_actor()->set_country_code("HTI");
    update.mutable_update_mask()->add_paths("country_code");
    update.set_reason("based in Port-au-Prince");
    actor::v1::UpdateActorResponse updated;
    context = SpoofingContext(key);
    status = actors_->UpdateActor(context.get(), update, &updated);
    ASSERT_TRUE(status.ok()) << status.error_message();

    actor::v1::CreateRelationshipRequest relate;
    relate.mutable_relationship()->set_subject_id(created.actor().id());
    relate.mutable_relationship()->set_object_id(other.actor().id());
    relate.mutable_relationship()->set_type(actor::v1::RELATIONSHIP_TYPE_MEMBER_OF);
    relate.set_reason("joined the coalition");
    actor::v1::CreateRelationshipResponse related;
    context = SpoofingContext(key);
    status = actors_->CreateRelationship(context.get(), relate, &related);
    ASSERT_TRUE(status.ok()) << status.error_message();

    actor::v1::DeleteActorRequest remove;
    remove.set_id(created.actor().id());
    remove.set_reason("merged");
    actor::v1::DeleteActorResponse removed;
    context = SpoofingContext(key);
    status = actors_->DeleteActor(context.get(), remove, &removed);
    ASSERT_TRUE(status.ok()) << status.error_message();

    const auto revisions = ActorRevisions(created.actor().id());
    // The actor's deletion, its relationship's (taken with it), the relationship's creation,
    // the update, the creation.
    ASSERT_EQ(revisions.size(), 5u);
    for (const auto& revision : revisions) {
      EXPECT_EQ(revision.provenance().principal(), name);
      EXPECT_GT(revision.provenance().time().seconds(), 0);
      EXPECT_FALSE(revision.provenance().request_id().empty());
    }
    EXPECT_EQ(revisions[0].provenance().reason(), "merged");
    EXPECT_TRUE(revisions[0].has_actor());
    EXPECT_EQ(revisions[1].provenance().reason(), "merged");
    EXPECT_TRUE(revisions[1].has_relationship());
    EXPECT_EQ(revisions[2].provenance().reason(), "joined the coalition");
    EXPECT_EQ(revisions[3].provenance().reason(), "based in Port-au-Prince");
    ASSERT_EQ(revisions[3].changed_paths_size(), 1);
    EXPECT_EQ(revisions[3].changed_paths(0), "country_code");
    EXPECT_EQ(revisions[4].provenance().reason(), "named in a field report");
    EXPECT_EQ(revisions[4].provenance().request_id(), "actor-req-" + name);
    // The other side's history has the relationship's changes, by the same key.
    const auto of_other = ActorRevisions(other.actor().id());
    ASSERT_EQ(of_other.size(), 3u);
    for (const auto& revision : of_other) EXPECT_EQ(revision.provenance().principal(), name);
  }
}

TEST_F(GatewayProvenanceTest, AReaderCannotWriteActorsButReadsTheirHistory) {
  actor::v1::CreateActorRequest create;
  create.mutable_actor()->set_name("Reader's actor");
  create.mutable_actor()->set_type(actor::v1::ACTOR_TYPE_OTHER);
  actor::v1::CreateActorResponse created;
  auto context = SpoofingContext(cluster_->keys().reader);
  EXPECT_EQ(actors_->CreateActor(context.get(), create, &created).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  actor::v1::ResolveActorsRequest resolve;
  resolve.add_names("Reader's actor");
  resolve.set_create_missing(true);
  actor::v1::ResolveActorsResponse resolved;
  context = SpoofingContext(cluster_->keys().reader);
  EXPECT_EQ(actors_->ResolveActors(context.get(), resolve, &resolved).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Nothing was created.
  resolve.set_create_missing(false);
  context = KeyContext(cluster_->keys().reader);
  ASSERT_TRUE(actors_->ResolveActors(context.get(), resolve, &resolved).ok());
  EXPECT_EQ(resolved.resolutions(0).match(), actor::v1::RESOLUTION_MATCH_NONE);

  // An editor creates it through ResolveActors; the reader reads who did.
  resolve.set_create_missing(true);
  resolve.set_reason("seen in a report");
  context = SpoofingContext(cluster_->keys().editor);
  ASSERT_TRUE(actors_->ResolveActors(context.get(), resolve, &resolved).ok());
  const auto revisions = ActorRevisions(resolved.resolutions(0).actor_id());
  ASSERT_EQ(revisions.size(), 1u);
  EXPECT_EQ(revisions[0].provenance().principal(), "editor");
  EXPECT_EQ(revisions[0].provenance().reason(), "seen in a report");

  // No key: UNAUTHENTICATED, whatever the metadata says.
  actor::v1::ListActorRevisionsRequest request;
  request.set_id(resolved.resolutions(0).actor_id());
  actor::v1::ListActorRevisionsResponse response;
  context = SpoofingContext("");
  EXPECT_EQ(actors_->ListActorRevisions(context.get(), request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayProvenanceTest, ABadActorReasonIsInvalidArgumentNamingItAndWritesNothing) {
  actor::v1::CreateActorRequest create;
  create.mutable_actor()->set_name("Bad reason gang");
  create.mutable_actor()->set_type(actor::v1::ACTOR_TYPE_OTHER);
  create.set_reason(std::string(501, 'x'));
  actor::v1::CreateActorResponse created;
  auto context = KeyContext(cluster_->keys().editor);
  grpc::Status status = actors_->CreateActor(context.get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("reason"), std::string::npos) << status.error_message();
  actor::v1::ResolveActorsRequest resolve;
  resolve.add_names("Bad reason gang");
  actor::v1::ResolveActorsResponse resolved;
  context = KeyContext(cluster_->keys().reader);
  ASSERT_TRUE(actors_->ResolveActors(context.get(), resolve, &resolved).ok());
  EXPECT_EQ(resolved.resolutions(0).match(), actor::v1::RESOLUTION_MATCH_NONE);
}

// Observations through a gateway in front of the stats service that keeps them (in-process, with
// the actor and event services it follows), once on each store.
class GatewayObservationProvenanceTest
    : public ::testing::TestWithParam<lookout::testing::StoreBackend> {
 protected:
  void SetUp() override {
    stats::testing::StatsOptions options;
    options.observation_store =
        lookout::testing::TestStoreLocation(GetParam(), dir_.File("stats.db"), "stats");
    // The stats service is SERVING once it has caught up with the event service.
    cluster_.StartActor();
    cluster_.StartEvent();
    cluster_.StartStats(options);
    ASSERT_TRUE(cluster_.WaitStatsServing());
    keys_ = testing::MakeTestKeys();
    const std::string keys_file = dir_.File("keys");
    testing::WriteFile(keys_file, keys_.FileText());
    BackendAddresses backends{absl::StrCat("127.0.0.1:", cluster_.event_port()),
                              absl::StrCat("127.0.0.1:", cluster_.actor_port()),
                              absl::StrCat("127.0.0.1:", cluster_.stats_port())};
    GatewayConfig config = testing::TestGatewayConfig(backends, keys_file, 0);
    config.internal_token = stats::testing::kToken;
    auto gateway = GatewayServer::Start(config);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(*gateway);
    stub_ = stats::v1::StatsService::NewStub(
        testing::Connect(absl::StrCat("127.0.0.1:", gateway_->port())));
  }
  void TearDown() override {
    stub_.reset();
    gateway_.reset();
  }

  std::vector<stats::v1::ObservationRevision> Revisions(const std::string& id) {
    stats::v1::ListObservationRevisionsRequest request;
    request.set_id(id);
    stats::v1::ListObservationRevisionsResponse response;
    auto context = KeyContext(keys_.reader);
    grpc::Status status = stub_->ListObservationRevisions(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.revisions().begin(), response.revisions().end()};
  }
  // Every observation, as a reader lists them.
  int CountObservations() {
    stats::v1::ListObservationsResponse response;
    auto context = KeyContext(keys_.reader);
    grpc::Status status =
        stub_->ListObservations(context.get(), stats::v1::ListObservationsRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.observations_size();
  }

  static stats::v1::Observation Figure(const std::string& notes) {
    stats::v1::Observation observation = stats::testing::Killed("BINUH", 1100);
    observation.set_notes(notes);
    return observation;
  }

  lookout::testing::TempDir dir_;
  stats::testing::StatsCluster cluster_{dir_.path()};
  testing::TestKeys keys_;
  std::unique_ptr<GatewayServer> gateway_;
  std::unique_ptr<stats::v1::StatsService::Stub> stub_;
};

TEST_P(GatewayObservationProvenanceTest, EachWritingRoleIsRecordedByKeyNameNeverByClientMetadata) {
  struct Writer {
    std::string key;
    std::string name;  // as the keys file names it
  };
  for (const Writer& writer : {Writer{keys_.editor, "editor"}, Writer{keys_.admin, "admin"}}) {
    SCOPED_TRACE(writer.name);
    stats::v1::RecordObservationRequest record;
    *record.mutable_observation() = Figure("recorded by " + writer.name);
    record.set_reason("quarterly report");
    stats::v1::RecordObservationResponse recorded;
    auto context = SpoofingContext(writer.key);
    context->AddMetadata(kRequestIdHeader, "req-" + writer.name);
    grpc::Status status = stub_->RecordObservation(context.get(), record, &recorded);
    ASSERT_TRUE(status.ok()) << status.error_message();

    stats::v1::DeleteObservationRequest remove;
    remove.set_id(recorded.observation().id());
    remove.set_reason("duplicate");
    stats::v1::DeleteObservationResponse removed;
    context = SpoofingContext(writer.key);
    status = stub_->DeleteObservation(context.get(), remove, &removed);
    ASSERT_TRUE(status.ok()) << status.error_message();

    const auto revisions = Revisions(recorded.observation().id());
    ASSERT_EQ(revisions.size(), 2u);
    for (const auto& revision : revisions) {
      EXPECT_EQ(revision.provenance().principal(), writer.name);
      EXPECT_GT(revision.provenance().time().seconds(), 0);
      EXPECT_FALSE(revision.provenance().request_id().empty());
    }
    EXPECT_EQ(revisions[0].type(), event::v1::CHANGE_TYPE_DELETED);
    EXPECT_EQ(revisions[0].provenance().reason(), "duplicate");
    EXPECT_EQ(revisions[1].type(), event::v1::CHANGE_TYPE_CREATED);
    EXPECT_EQ(revisions[1].provenance().reason(), "quarterly report");
    EXPECT_EQ(revisions[1].provenance().request_id(), "req-" + writer.name);
    EXPECT_EQ(revisions[1].observation().notes(), "recorded by " + writer.name);
  }
}

TEST_P(GatewayObservationProvenanceTest, AReaderCannotWriteButReadsHistory) {
  stats::v1::RecordObservationRequest record;
  *record.mutable_observation() = Figure("reader tries");
  stats::v1::RecordObservationResponse recorded;
  auto context = SpoofingContext(keys_.reader);
  EXPECT_EQ(stub_->RecordObservation(context.get(), record, &recorded).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CountObservations(), 0);

  *record.mutable_observation() = Figure("editor records");
  context = SpoofingContext(keys_.editor);
  grpc::Status status = stub_->RecordObservation(context.get(), record, &recorded);
  ASSERT_TRUE(status.ok()) << status.error_message();
  stats::v1::DeleteObservationRequest remove;
  remove.set_id(recorded.observation().id());
  stats::v1::DeleteObservationResponse removed;
  context = SpoofingContext(keys_.reader);
  EXPECT_EQ(stub_->DeleteObservation(context.get(), remove, &removed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  const auto revisions = Revisions(recorded.observation().id());
  ASSERT_EQ(revisions.size(), 1u);
  EXPECT_EQ(revisions[0].provenance().principal(), "editor");

  // No key: UNAUTHENTICATED, whatever the metadata says.
  stats::v1::ListObservationRevisionsRequest request;
  request.set_id(recorded.observation().id());
  stats::v1::ListObservationRevisionsResponse response;
  context = SpoofingContext("");
  EXPECT_EQ(stub_->ListObservationRevisions(context.get(), request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_P(GatewayObservationProvenanceTest, ABadReasonIsInvalidArgumentNamingItAndWritesNothing) {
  stats::v1::RecordObservationRequest record;
  *record.mutable_observation() = Figure("bad reason");
  record.set_reason("two\nlines");
  stats::v1::RecordObservationResponse recorded;
  auto context = KeyContext(keys_.editor);
  grpc::Status status = stub_->RecordObservation(context.get(), record, &recorded);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("reason"), std::string::npos) << status.error_message();
  EXPECT_EQ(CountObservations(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, GatewayObservationProvenanceTest,
                         lookout::testing::AllStoreBackends(), lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::gateway
