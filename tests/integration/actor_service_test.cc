// The actor service end to end in one process: a real gRPC server (ServerRunner on port 0) over
// a real store, called through a real stub. Every test runs twice: on an SQLite file and on a
// fresh database of a real PostgreSQL server (tests/testing/store_backend.h).
#include "services/actor/actor_service.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "common/server_runner.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "services/actor/actor_manager.h"
#include "services/actor/actor_store_factory.h"
#include "tests/integration/actor_replica.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::actor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::UnorderedElementsAreArray;

constexpr const char* kToken = testing::kActorTestToken;

using lookout::testing::StoreBackend;

class ActorServiceTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    location_ = lookout::testing::TestStoreLocation(GetParam(), dir_.File("actor.db"), "actor");
    StartServer();
  }
  void TearDown() override { StopServer(); }

  void StartServer() {
    replica_ = std::make_unique<testing::ActorReplica>(location_);
    ASSERT_TRUE(replica_->ok());
    channel_ = replica_->channel();
    stub_ = replica_->stub();
  }

  void StopServer() {
    stub_ = nullptr;
    channel_.reset();
    replica_.reset();
  }

  // Runs one call with the internal token (or without it) and a deadline.
  grpc::Status Call(const std::function<grpc::Status(grpc::ClientContext*)>& rpc,
                    bool with_token = true) {
    grpc::ClientContext context;
    if (with_token) context.AddMetadata(kInternalTokenHeader, kToken);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return rpc(&context);
  }

  grpc::Status Create(const v1::Actor& actor, v1::Actor* out = nullptr,
                      const std::string& request_id = "") {
    v1::CreateActorRequest request;
    *request.mutable_actor() = actor;
    request.set_request_id(request_id);
    v1::CreateActorResponse response;
    grpc::Status status =
        Call([&](grpc::ClientContext* c) { return stub_->CreateActor(c, request, &response); });
    if (out != nullptr) *out = response.actor();
    return status;
  }

  v1::Actor MustCreate(const std::string& name, v1::ActorType type = v1::ACTOR_TYPE_OTHER,
                       const std::string& country = "", std::vector<std::string> aliases = {}) {
    v1::Actor actor;
    actor.set_name(name);
    actor.set_type(type);
    actor.set_country_code(country);
    for (const std::string& alias : aliases) actor.add_aliases(alias);
    v1::Actor created;
    grpc::Status status = Create(actor, &created);
    EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
    return created;
  }

  grpc::Status Get(const std::string& id, v1::Actor* out = nullptr) {
    v1::GetActorRequest request;
    request.set_id(id);
    v1::GetActorResponse response;
    grpc::Status status =
        Call([&](grpc::ClientContext* c) { return stub_->GetActor(c, request, &response); });
    if (out != nullptr) *out = response.actor();
    return status;
  }

  grpc::Status List(const v1::ListActorsRequest& request, v1::ListActorsResponse* response) {
    return Call([&](grpc::ClientContext* c) { return stub_->ListActors(c, request, response); });
  }

  grpc::Status Update(const v1::Actor& actor, const std::vector<std::string>& paths,
                      v1::Actor* out = nullptr) {
    v1::UpdateActorRequest request;
    *request.mutable_actor() = actor;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    v1::UpdateActorResponse response;
    grpc::Status status =
        Call([&](grpc::ClientContext* c) { return stub_->UpdateActor(c, request, &response); });
    if (out != nullptr) *out = response.actor();
    return status;
  }

  grpc::Status Delete(const std::string& id, const std::string& etag = "") {
    v1::DeleteActorRequest request;
    request.set_id(id);
    request.set_etag(etag);
    v1::DeleteActorResponse response;
    return Call([&](grpc::ClientContext* c) { return stub_->DeleteActor(c, request, &response); });
  }

  grpc::Status Resolve(const v1::ResolveActorsRequest& request,
                       v1::ResolveActorsResponse* response) {
    return Call([&](grpc::ClientContext* c) { return stub_->ResolveActors(c, request, response); });
  }

  grpc::Status CreateRelationship(const v1::Relationship& relationship,
                                  v1::Relationship* out = nullptr,
                                  const std::string& request_id = "") {
    v1::CreateRelationshipRequest request;
    *request.mutable_relationship() = relationship;
    request.set_request_id(request_id);
    v1::CreateRelationshipResponse response;
    grpc::Status status = Call(
        [&](grpc::ClientContext* c) { return stub_->CreateRelationship(c, request, &response); });
    if (out != nullptr) *out = response.relationship();
    return status;
  }

  grpc::Status ListRelationships(const v1::ListRelationshipsRequest& request,
                                 v1::ListRelationshipsResponse* response) {
    return Call(
        [&](grpc::ClientContext* c) { return stub_->ListRelationships(c, request, response); });
  }

  static v1::Relationship Rel(const std::string& subject, const std::string& object,
                              v1::RelationshipType type, const std::string& start = "",
                              const std::string& end = "") {
    v1::Relationship relationship;
    relationship.set_subject_id(subject);
    relationship.set_object_id(object);
    relationship.set_type(type);
    relationship.set_start_date(start);
    relationship.set_end_date(end);
    return relationship;
  }

  // How many actors are stored (every bad request must leave this unchanged).
  int64_t ActorCount() {
    v1::ListActorsResponse response;
    grpc::Status status = List({}, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.total_size();
  }

  // Ids of every relationship matching `request`, following every page.
  std::vector<std::string> AllRelationshipIds(v1::ListRelationshipsRequest request = {}) {
    std::vector<std::string> ids;
    request.set_page_size(1000);
    while (true) {
      v1::ListRelationshipsResponse response;
      grpc::Status status = ListRelationships(request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) return ids;
      for (const auto& relationship : response.relationships()) ids.push_back(relationship.id());
      if (response.next_page_token().empty()) return ids;
      request.set_page_token(response.next_page_token());
    }
  }

  lookout::testing::TempDir dir_;
  StoreLocation location_;
  std::unique_ptr<testing::ActorReplica> replica_;
  std::shared_ptr<grpc::Channel> channel_;
  v1::ActorService::Stub* stub_ = nullptr;  // the replica's
};

// An error of `code` whose message names `field`.
#define EXPECT_ERROR(status_expr, code, field)                                \
  do {                                                                        \
    grpc::Status s_ = (status_expr);                                          \
    EXPECT_EQ(s_.error_code(), grpc::StatusCode::code) << s_.error_message(); \
    EXPECT_THAT(s_.error_message(), HasSubstr(field));                        \
  } while (false)

// ---- access ----

TEST_P(ActorServiceTest, EveryMethodNeedsTheInternalToken) {
  v1::Actor existing = MustCreate("Existing");
  const int64_t before = ActorCount();
  std::vector<std::pair<std::string, std::function<grpc::Status(grpc::ClientContext*)>>> calls;
  v1::CreateActorRequest create;
  create.mutable_actor()->set_name("Sneaky");
  create.mutable_actor()->set_type(v1::ACTOR_TYPE_OTHER);
  v1::CreateActorResponse create_response;
  calls.emplace_back("CreateActor", [&](grpc::ClientContext* c) {
    return stub_->CreateActor(c, create, &create_response);
  });
  v1::GetActorRequest get;
  get.set_id(existing.id());
  v1::GetActorResponse get_response;
  calls.emplace_back(
      "GetActor", [&](grpc::ClientContext* c) { return stub_->GetActor(c, get, &get_response); });
  v1::BatchGetActorsRequest batch;
  batch.add_ids(existing.id());
  v1::BatchGetActorsResponse batch_response;
  calls.emplace_back("BatchGetActors", [&](grpc::ClientContext* c) {
    return stub_->BatchGetActors(c, batch, &batch_response);
  });
  v1::ListActorsRequest list;
  v1::ListActorsResponse list_response;
  calls.emplace_back("ListActors", [&](grpc::ClientContext* c) {
    return stub_->ListActors(c, list, &list_response);
  });
  v1::UpdateActorRequest update;
  *update.mutable_actor() = existing;
  update.mutable_actor()->set_description("changed");
  update.mutable_update_mask()->add_paths("description");
  v1::UpdateActorResponse update_response;
  calls.emplace_back("UpdateActor", [&](grpc::ClientContext* c) {
    return stub_->UpdateActor(c, update, &update_response);
  });
  v1::DeleteActorRequest remove;
  remove.set_id(existing.id());
  v1::DeleteActorResponse remove_response;
  calls.emplace_back("DeleteActor", [&](grpc::ClientContext* c) {
    return stub_->DeleteActor(c, remove, &remove_response);
  });
  v1::ResolveActorsRequest resolve;
  resolve.add_names("Brand new");
  resolve.set_create_missing(true);
  v1::ResolveActorsResponse resolve_response;
  calls.emplace_back("ResolveActors", [&](grpc::ClientContext* c) {
    return stub_->ResolveActors(c, resolve, &resolve_response);
  });
  v1::CreateRelationshipRequest relate;
  *relate.mutable_relationship() =
      Rel(existing.id(), existing.id() + "x", v1::RELATIONSHIP_TYPE_SUPPORTS);
  v1::CreateRelationshipResponse relate_response;
  calls.emplace_back("CreateRelationship", [&](grpc::ClientContext* c) {
    return stub_->CreateRelationship(c, relate, &relate_response);
  });
  v1::ListRelationshipsRequest relations;
  v1::ListRelationshipsResponse relations_response;
  calls.emplace_back("ListRelationships", [&](grpc::ClientContext* c) {
    return stub_->ListRelationships(c, relations, &relations_response);
  });
  v1::DeleteRelationshipRequest unrelate;
  unrelate.set_id("rel_0000000000000000");
  v1::DeleteRelationshipResponse unrelate_response;
  calls.emplace_back("DeleteRelationship", [&](grpc::ClientContext* c) {
    return stub_->DeleteRelationship(c, unrelate, &unrelate_response);
  });
  v1::ListActorRevisionsRequest revisions;
  revisions.set_id(existing.id());
  v1::ListActorRevisionsResponse revisions_response;
  calls.emplace_back("ListActorRevisions", [&](grpc::ClientContext* c) {
    return stub_->ListActorRevisions(c, revisions, &revisions_response);
  });
  ASSERT_EQ(calls.size(), 11u);  // every method of the service
  ASSERT_EQ(static_cast<size_t>(google::protobuf::DescriptorPool::generated_pool()
                                    ->FindServiceByName(kActorServiceName)
                                    ->method_count()),
            calls.size());

  for (auto& [method, rpc] : calls) {
    EXPECT_EQ(Call(rpc, /*with_token=*/false).error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << method;
    // A wrong token is no better than none.
    grpc::ClientContext context;
    context.AddMetadata(kInternalTokenHeader, "not-the-token");
    EXPECT_EQ(rpc(&context).error_code(), grpc::StatusCode::UNAUTHENTICATED) << method;
  }
  EXPECT_EQ(ActorCount(), before);
  v1::Actor unchanged;
  ASSERT_TRUE(Get(existing.id(), &unchanged).ok());
  EXPECT_EQ(unchanged.description(), "");
}

TEST_P(ActorServiceTest, HealthAnswersWithoutAToken) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (const std::string service : {"", "lookout.actor.v1.ActorService"}) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = health->Check(&context, request, &response);
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
}

// ---- CreateActor / GetActor ----

TEST_P(ActorServiceTest, CreateThenGet) {
  v1::Actor actor;
  actor.set_name("  Police Nationale d'Haïti ");
  actor.add_aliases("PNH");
  actor.add_aliases("Haitian National Police");
  actor.set_type(v1::ACTOR_TYPE_STATE_FORCES);
  actor.set_country_code("HTI");
  actor.set_description("The national police.");
  auto* external = actor.add_external_ids();
  external->set_scheme("ACLED");
  external->set_value("Police Forces of Haiti (2017-)");
  // Output-only fields from the client are ignored.
  actor.set_id("act_chosen_by_client");
  actor.set_etag("client-etag");
  actor.mutable_create_time()->set_seconds(1);

  v1::Actor created;
  grpc::Status status = Create(actor, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(created.id(), MatchesRegex("act_[0-9a-f]{16}"));
  EXPECT_EQ(created.name(), "Police Nationale d'Haïti");  // surrounding spaces trimmed
  EXPECT_THAT(created.aliases(), ElementsAre("PNH", "Haitian National Police"));
  EXPECT_EQ(created.type(), v1::ACTOR_TYPE_STATE_FORCES);
  EXPECT_EQ(created.country_code(), "HTI");
  EXPECT_EQ(created.description(), "The national police.");
  ASSERT_EQ(created.external_ids_size(), 1);
  EXPECT_EQ(created.external_ids(0).value(), "Police Forces of Haiti (2017-)");
  EXPECT_GT(created.create_time().seconds(), 1600000000);
  EXPECT_EQ(created.update_time().seconds(), created.create_time().seconds());
  EXPECT_FALSE(created.etag().empty());
  EXPECT_NE(created.etag(), "client-etag");

  v1::Actor fetched;
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());
}

TEST_P(ActorServiceTest, CreateRejectsBadInputAndWritesNothing) {
  v1::Actor parent = MustCreate("Parent");
  const int64_t before = ActorCount();
  auto good = [] {
    v1::Actor actor;
    actor.set_name("Good name");
    actor.set_type(v1::ACTOR_TYPE_GOVERNMENT);
    return actor;
  };
  struct Case {
    std::string field;
    std::function<void(v1::Actor&)> spoil;
  };
  std::vector<Case> cases = {
      {"actor.name", [](v1::Actor& a) { a.clear_name(); }},
      {"actor.name", [](v1::Actor& a) { a.set_name("   "); }},
      {"actor.name", [](v1::Actor& a) { a.set_name(std::string(201, 'n')); }},
      {"actor.aliases",
       [](v1::Actor& a) {
         for (int i = 0; i < 101; ++i) a.add_aliases(absl::StrCat("alias ", i));
       }},
      {"actor.aliases[0]", [](v1::Actor& a) { a.add_aliases(""); }},
      {"actor.aliases[0]", [](v1::Actor& a) { a.add_aliases(std::string(201, 'a')); }},
      {"actor.type", [](v1::Actor& a) { a.clear_type(); }},
      {"actor.type", [](v1::Actor& a) { a.set_type(static_cast<v1::ActorType>(55)); }},
      {"actor.country_code", [](v1::Actor& a) { a.set_country_code("HT"); }},
      {"actor.country_code", [](v1::Actor& a) { a.set_country_code("ZZZ"); }},
      {"actor.description", [](v1::Actor& a) { a.set_description(std::string(4001, 'd')); }},
      {"actor.external_ids[0].scheme", [](v1::Actor& a) { a.add_external_ids()->set_value("1"); }},
      {"actor.external_ids[0].value", [](v1::Actor& a) { a.add_external_ids()->set_scheme("X"); }},
      {"actor.parent_id", [](v1::Actor& a) { a.set_parent_id("act_doesnotexist0000"); }},
  };
  for (const Case& c : cases) {
    v1::Actor actor = good();
    c.spoil(actor);
    EXPECT_ERROR(Create(actor), INVALID_ARGUMENT, c.field);
  }
  v1::CreateActorRequest no_actor;
  v1::CreateActorResponse response;
  EXPECT_ERROR(
      Call([&](grpc::ClientContext* c) { return stub_->CreateActor(c, no_actor, &response); }),
      INVALID_ARGUMENT, "actor");
  EXPECT_ERROR(Create(good(), nullptr, std::string(129, 'r')), INVALID_ARGUMENT, "request_id");
  EXPECT_EQ(ActorCount(), before);

  // The same actor with an existing parent is fine.
  v1::Actor child = good();
  child.set_parent_id(parent.id());
  v1::Actor created;
  ASSERT_TRUE(Create(child, &created).ok());
  EXPECT_EQ(created.parent_id(), parent.id());
}

TEST_P(ActorServiceTest, NamesAreUniqueIgnoringCaseAccentsAndSpaces) {
  v1::Actor first = MustCreate("Gouvernement d'Haïti", v1::ACTOR_TYPE_GOVERNMENT, "HTI");
  const int64_t before = ActorCount();
  v1::Actor twin;
  twin.set_name("  GOUVERNEMENT   d'haiti ");
  twin.set_type(v1::ACTOR_TYPE_GOVERNMENT);
  grpc::Status status = Create(twin);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("actor.name"));
  EXPECT_THAT(status.error_message(), HasSubstr(first.id()));
  EXPECT_EQ(ActorCount(), before);
}

TEST_P(ActorServiceTest, CreateIsIdempotentByRequestId) {
  v1::Actor actor;
  actor.set_name("Viv Ansanm");
  actor.set_type(v1::ACTOR_TYPE_POLITICAL_MILITIA);
  actor.set_country_code("HTI");
  v1::Actor first;
  ASSERT_TRUE(Create(actor, &first, "req-viv").ok());
  const int64_t after_first = ActorCount();

  // Same request_id, same payload: the first result again, nothing new.
  v1::Actor again;
  ASSERT_TRUE(Create(actor, &again, "req-viv").ok());
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  // Output-only fields are not payload.
  v1::Actor with_output_only = actor;
  with_output_only.set_etag("anything");
  with_output_only.set_id("act_ignored");
  ASSERT_TRUE(Create(with_output_only, &again, "req-viv").ok());
  EXPECT_EQ(again.id(), first.id());
  EXPECT_EQ(ActorCount(), after_first);

  // Same request_id, another payload: ALREADY_EXISTS, nothing written.
  v1::Actor other = actor;
  other.set_description("different");
  EXPECT_ERROR(Create(other, nullptr, "req-viv"), ALREADY_EXISTS, "request_id");
  EXPECT_EQ(ActorCount(), after_first);

  // Another request_id with a fresh name creates.
  v1::Actor fresh = actor;
  fresh.set_name("G9 an Fanmi");
  v1::Actor created;
  ASSERT_TRUE(Create(fresh, &created, "req-g9").ok());
  EXPECT_NE(created.id(), first.id());
  EXPECT_EQ(ActorCount(), after_first + 1);
}

TEST_P(ActorServiceTest, GetErrors) {
  EXPECT_ERROR(Get(""), INVALID_ARGUMENT, "id");
  EXPECT_ERROR(Get(std::string(65, 'x')), INVALID_ARGUMENT, "id");
  EXPECT_ERROR(Get("act_0000000000000000"), NOT_FOUND, "act_0000000000000000");
}

// ---- BatchGetActors ----

TEST_P(ActorServiceTest, BatchGetKeepsRequestOrderAndReportsMissing) {
  v1::Actor a = MustCreate("Alpha");
  v1::Actor b = MustCreate("Bravo");
  v1::BatchGetActorsRequest request;
  request.add_ids(b.id());
  request.add_ids("act_ffffffffffffffff");
  request.add_ids(a.id());
  request.add_ids("act_eeeeeeeeeeeeeeee");
  v1::BatchGetActorsResponse response;
  ASSERT_TRUE(Call([&](grpc::ClientContext* c) {
                return stub_->BatchGetActors(c, request, &response);
              }).ok());
  ASSERT_EQ(response.actors_size(), 2);
  EXPECT_EQ(response.actors(0).id(), b.id());
  EXPECT_EQ(response.actors(1).id(), a.id());
  EXPECT_THAT(response.missing_ids(), ElementsAre("act_ffffffffffffffff", "act_eeeeeeeeeeeeeeee"));
}

TEST_P(ActorServiceTest, BatchGetLimits) {
  v1::Actor a = MustCreate("Alpha");
  v1::BatchGetActorsRequest request;
  for (int i = 0; i < 1000; ++i) request.add_ids(i == 500 ? a.id() : absl::StrCat("act_", i));
  v1::BatchGetActorsResponse response;
  ASSERT_TRUE(Call([&](grpc::ClientContext* c) {
                return stub_->BatchGetActors(c, request, &response);
              }).ok());
  EXPECT_EQ(response.actors_size(), 1);
  EXPECT_EQ(response.missing_ids_size(), 999);

  request.add_ids("act_1001st");
  EXPECT_ERROR(
      Call([&](grpc::ClientContext* c) { return stub_->BatchGetActors(c, request, &response); }),
      INVALID_ARGUMENT, "ids");
  request.Clear();
  request.add_ids(a.id());
  request.add_ids("");
  EXPECT_ERROR(
      Call([&](grpc::ClientContext* c) { return stub_->BatchGetActors(c, request, &response); }),
      INVALID_ARGUMENT, "ids[1]");
}

// ---- UpdateActor ----

TEST_P(ActorServiceTest, UpdateChangesOnlyMaskedFields) {
  v1::Actor actor = MustCreate("Kenya Police", v1::ACTOR_TYPE_STATE_FORCES, "KEN", {"KP"});
  v1::Actor patch;
  patch.set_id(actor.id());
  patch.set_name("National Police Service of Kenya");
  patch.add_aliases("NPS");
  patch.set_description("not in the mask");
  patch.set_country_code("not valid, but not in the mask either");
  v1::Actor updated;
  grpc::Status status = Update(patch, {"name", "aliases"}, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.id(), actor.id());
  EXPECT_EQ(updated.name(), "National Police Service of Kenya");
  EXPECT_THAT(updated.aliases(), ElementsAre("NPS"));
  EXPECT_EQ(updated.description(), "");
  EXPECT_EQ(updated.country_code(), "KEN");
  EXPECT_EQ(updated.type(), v1::ACTOR_TYPE_STATE_FORCES);
  EXPECT_EQ(updated.create_time().SerializeAsString(), actor.create_time().SerializeAsString());
  EXPECT_NE(updated.etag(), actor.etag());

  v1::Actor fetched;
  ASSERT_TRUE(Get(actor.id(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), updated.SerializeAsString());

  // The old name and alias no longer resolve; the new ones do.
  v1::ResolveActorsRequest resolve;
  resolve.add_names("kenya police");
  resolve.add_names("kp");
  resolve.add_names("NATIONAL POLICE SERVICE OF KENYA");
  resolve.add_names("nps");
  v1::ResolveActorsResponse resolved;
  ASSERT_TRUE(Resolve(resolve, &resolved).ok());
  EXPECT_EQ(resolved.resolutions(0).match(), v1::RESOLUTION_MATCH_NONE);
  EXPECT_EQ(resolved.resolutions(1).match(), v1::RESOLUTION_MATCH_NONE);
  EXPECT_EQ(resolved.resolutions(2).match(), v1::RESOLUTION_MATCH_EXACT);
  EXPECT_EQ(resolved.resolutions(3).match(), v1::RESOLUTION_MATCH_ALIAS);
  EXPECT_EQ(resolved.resolutions(3).actor_id(), actor.id());
}

TEST_P(ActorServiceTest, UpdateWithEtag) {
  v1::Actor actor = MustCreate("Senate of Haiti", v1::ACTOR_TYPE_LEGISLATURE, "HTI");
  v1::Actor patch;
  patch.set_id(actor.id());
  patch.set_description("first");
  patch.set_etag(actor.etag());
  v1::Actor updated;
  ASSERT_TRUE(Update(patch, {"description"}, &updated).ok());

  // The etag read before that update is stale now.
  patch.set_description("second");
  EXPECT_ERROR(Update(patch, {"description"}), ABORTED, "etag");
  v1::Actor fetched;
  ASSERT_TRUE(Get(actor.id(), &fetched).ok());
  EXPECT_EQ(fetched.description(), "first");
  EXPECT_EQ(fetched.etag(), updated.etag());

  patch.set_etag(updated.etag());
  ASSERT_TRUE(Update(patch, {"description"}).ok());
  ASSERT_TRUE(Get(actor.id(), &fetched).ok());
  EXPECT_EQ(fetched.description(), "second");
}

TEST_P(ActorServiceTest, UpdateRejectsBadRequestsAndWritesNothing) {
  v1::Actor actor = MustCreate("Court of Cassation", v1::ACTOR_TYPE_JUDICIARY, "HTI");
  v1::Actor other = MustCreate("Other Court", v1::ACTOR_TYPE_JUDICIARY, "HTI");
  v1::Actor child = MustCreate("Child", v1::ACTOR_TYPE_OTHER);
  v1::Actor patch = child;
  patch.set_parent_id(actor.id());
  ASSERT_TRUE(Update(patch, {"parent_id"}).ok());

  v1::Actor before;
  ASSERT_TRUE(Get(actor.id(), &before).ok());
  patch = before;

  grpc::Status status = Update(patch, {});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "update_mask: must name at least one field");
  for (const char* output_only : {"id", "etag", "create_time", "update_time"}) {
    EXPECT_ERROR(Update(patch, {"description", output_only}), INVALID_ARGUMENT, "update_mask");
  }
  EXPECT_ERROR(Update(patch, {"nickname"}), INVALID_ARGUMENT, "update_mask");

  v1::Actor bad = patch;
  bad.set_name("");
  EXPECT_ERROR(Update(bad, {"name"}), INVALID_ARGUMENT, "actor.name");
  bad = patch;
  bad.set_type(v1::ACTOR_TYPE_UNSPECIFIED);
  EXPECT_ERROR(Update(bad, {"type"}), INVALID_ARGUMENT, "actor.type");
  bad = patch;
  bad.set_country_code("haiti");
  EXPECT_ERROR(Update(bad, {"country_code"}), INVALID_ARGUMENT, "actor.country_code");
  bad = patch;
  bad.set_parent_id(actor.id());
  EXPECT_ERROR(Update(bad, {"parent_id"}), INVALID_ARGUMENT, "actor.parent_id");
  bad.set_parent_id("act_0000000000000000");
  EXPECT_ERROR(Update(bad, {"parent_id"}), INVALID_ARGUMENT, "actor.parent_id");
  bad.set_parent_id(child.id());  // child's parent is actor: a loop
  EXPECT_ERROR(Update(bad, {"parent_id"}), INVALID_ARGUMENT, "actor.parent_id");
  bad = patch;
  bad.set_name(" other COURT ");
  EXPECT_ERROR(Update(bad, {"name"}), ALREADY_EXISTS, "actor.name");

  bad = patch;
  bad.set_id("act_0000000000000000");
  EXPECT_ERROR(Update(bad, {"description"}), NOT_FOUND, "act_0000000000000000");
  bad.clear_id();
  EXPECT_ERROR(Update(bad, {"description"}), INVALID_ARGUMENT, "actor.id");

  v1::Actor after;
  ASSERT_TRUE(Get(actor.id(), &after).ok());
  EXPECT_EQ(after.SerializeAsString(), before.SerializeAsString());
  ASSERT_TRUE(Get(other.id(), &after).ok());
  EXPECT_EQ(after.name(), "Other Court");

  // Renaming to a spelling of its own name is fine.
  v1::Actor respelled = patch;
  respelled.set_name("COURT OF CASSATION");
  ASSERT_TRUE(Update(respelled, {"name"}, &after).ok());
  EXPECT_EQ(after.name(), "COURT OF CASSATION");
}

// ---- DeleteActor ----

TEST_P(ActorServiceTest, DeleteWithAndWithoutEtag) {
  v1::Actor actor =
      MustCreate("Gang de Village de Dieu", v1::ACTOR_TYPE_POLITICAL_MILITIA, "HTI", {"5 Segonn"});
  v1::Actor patch = actor;
  patch.set_description("changed");
  v1::Actor updated;
  ASSERT_TRUE(Update(patch, {"description"}, &updated).ok());

  EXPECT_ERROR(Delete(actor.id(), actor.etag()), ABORTED, "etag");
  EXPECT_TRUE(Get(actor.id()).ok());
  ASSERT_TRUE(Delete(actor.id(), updated.etag()).ok());
  EXPECT_ERROR(Get(actor.id()), NOT_FOUND, actor.id());
  EXPECT_ERROR(Delete(actor.id()), NOT_FOUND, actor.id());
  EXPECT_ERROR(Delete(""), INVALID_ARGUMENT, "id");

  // Its names are gone: they resolve to nothing and are free again.
  v1::ResolveActorsRequest resolve;
  resolve.add_names("gang de village de dieu");
  resolve.add_names("5 segonn");
  v1::ResolveActorsResponse resolved;
  ASSERT_TRUE(Resolve(resolve, &resolved).ok());
  EXPECT_EQ(resolved.resolutions(0).match(), v1::RESOLUTION_MATCH_NONE);
  EXPECT_EQ(resolved.resolutions(1).match(), v1::RESOLUTION_MATCH_NONE);
  v1::Actor reborn = MustCreate("Gang de Village de Dieu");
  EXPECT_NE(reborn.id(), actor.id());

  // Without an etag the delete is unconditional.
  ASSERT_TRUE(Delete(reborn.id()).ok());
  EXPECT_ERROR(Get(reborn.id()), NOT_FOUND, reborn.id());
}

TEST_P(ActorServiceTest, DeleteRemovesRelationshipsAndRefusesParents) {
  v1::Actor parent = MustCreate("Parent Org");
  v1::Actor child = MustCreate("Child Unit");
  v1::Actor ally = MustCreate("Ally");
  v1::Actor patch = child;
  patch.set_parent_id(parent.id());
  ASSERT_TRUE(Update(patch, {"parent_id"}).ok());
  v1::Relationship r1, r2, r3;
  ASSERT_TRUE(
      CreateRelationship(Rel(child.id(), parent.id(), v1::RELATIONSHIP_TYPE_PART_OF), &r1).ok());
  ASSERT_TRUE(
      CreateRelationship(Rel(ally.id(), child.id(), v1::RELATIONSHIP_TYPE_ALLIED_WITH), &r2).ok());
  ASSERT_TRUE(
      CreateRelationship(Rel(ally.id(), parent.id(), v1::RELATIONSHIP_TYPE_OPPOSES), &r3).ok());

  // A parent cannot go while it has children.
  EXPECT_ERROR(Delete(parent.id()), FAILED_PRECONDITION, "parent");
  EXPECT_TRUE(Get(parent.id()).ok());
  EXPECT_EQ(AllRelationshipIds().size(), 3u);

  // The child goes with both relationships it took part in; the third stays.
  ASSERT_TRUE(Delete(child.id()).ok());
  EXPECT_THAT(AllRelationshipIds(), ElementsAre(r3.id()));
  ASSERT_TRUE(Delete(parent.id()).ok());
  EXPECT_TRUE(AllRelationshipIds().empty());
}

// ---- ListActors ----

TEST_P(ActorServiceTest, ListFiltersAndTotalSize) {
  MustCreate("Police Nationale d'Haïti", v1::ACTOR_TYPE_STATE_FORCES, "HTI", {"PNH"});
  MustCreate("Kenya Police", v1::ACTOR_TYPE_STATE_FORCES, "KEN");
  MustCreate("Gouvernement d'Haïti", v1::ACTOR_TYPE_GOVERNMENT, "HTI");
  MustCreate("Haitian Red Cross", v1::ACTOR_TYPE_NGO, "HTI", {"Kwa Wouj Ayisyen"});
  MustCreate("United Nations", v1::ACTOR_TYPE_INTERGOVERNMENTAL_ORGANIZATION, "", {"ONU"});

  auto names = [&](v1::ListActorsRequest request) {
    v1::ListActorsResponse response;
    grpc::Status status = List(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> out;
    for (const auto& actor : response.actors()) out.push_back(actor.name());
    EXPECT_EQ(response.total_size(), static_cast<int64_t>(out.size()));
    return out;
  };
  v1::ListActorsRequest request;
  EXPECT_THAT(names(request), ElementsAre("Gouvernement d'Haïti", "Haitian Red Cross",
                                          "Kenya Police", "Police Nationale d'Haïti",
                                          "United Nations"));  // by normalized name
  request.set_type(v1::ACTOR_TYPE_STATE_FORCES);
  EXPECT_THAT(names(request), ElementsAre("Kenya Police", "Police Nationale d'Haïti"));
  request.set_country_code("HTI");
  EXPECT_THAT(names(request), ElementsAre("Police Nationale d'Haïti"));

  request.Clear();
  request.set_query("  HAÏTI ");  // case, accents and spaces ignored; a substring matches
  EXPECT_THAT(names(request),
              ElementsAre("Gouvernement d'Haïti", "Haitian Red Cross", "Police Nationale d'Haïti"));
  request.set_query("D’HAITI");
  EXPECT_THAT(names(request), ElementsAre("Gouvernement d'Haïti", "Police Nationale d'Haïti"));
  request.set_query("POLICE");
  EXPECT_THAT(names(request), ElementsAre("Kenya Police", "Police Nationale d'Haïti"));
  request.set_query("wouj");  // an alias
  EXPECT_THAT(names(request), ElementsAre("Haitian Red Cross"));
  request.set_query("onu");
  EXPECT_THAT(names(request), ElementsAre("United Nations"));
  request.set_query("no such thing");
  EXPECT_TRUE(names(request).empty());
  request.set_query("%");  // no LIKE wildcards
  EXPECT_TRUE(names(request).empty());

  request.Clear();
  request.set_country_code("KEN");
  request.set_query("police");
  EXPECT_THAT(names(request), ElementsAre("Kenya Police"));
}

TEST_P(ActorServiceTest, ListRejectsBadFilters) {
  v1::ListActorsResponse response;
  v1::ListActorsRequest request;
  request.set_page_size(-1);
  EXPECT_ERROR(List(request, &response), INVALID_ARGUMENT, "page_size");
  request.Clear();
  request.set_country_code("hti");
  EXPECT_ERROR(List(request, &response), INVALID_ARGUMENT, "country_code");
  request.Clear();
  request.set_type(static_cast<v1::ActorType>(100));
  EXPECT_ERROR(List(request, &response), INVALID_ARGUMENT, "type");
}

TEST_P(ActorServiceTest, PageSizeDefaultsTo50AndClampsTo1000) {
  v1::ResolveActorsRequest resolve;
  resolve.set_create_missing(true);
  for (int i = 0; i < 1000; ++i) resolve.add_names(absl::StrCat("Actor ", 10000 + i));
  v1::ResolveActorsResponse resolved;
  ASSERT_TRUE(Resolve(resolve, &resolved).ok());
  resolve.clear_names();
  for (int i = 1000; i < 1005; ++i) resolve.add_names(absl::StrCat("Actor ", 10000 + i));
  ASSERT_TRUE(Resolve(resolve, &resolved).ok());

  v1::ListActorsRequest request;
  v1::ListActorsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_EQ(response.actors_size(), 50);
  EXPECT_EQ(response.total_size(), 1005);
  EXPECT_FALSE(response.next_page_token().empty());

  request.set_page_size(5000);
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_EQ(response.actors_size(), 1000);
  EXPECT_EQ(response.total_size(), 1005);
  ASSERT_FALSE(response.next_page_token().empty());
  request.set_page_token(response.next_page_token());
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_EQ(response.actors_size(), 5);
  EXPECT_TRUE(response.next_page_token().empty());
}

TEST_P(ActorServiceTest, PagingNeitherRepeatsNorSkipsUnderConcurrentInserts) {
  std::set<std::string> existing;
  for (int i = 0; i < 60; ++i) {
    // Spread the names so inserts land before, between and after them.
    existing.insert(MustCreate(absl::StrCat("m", 100 + i * 3)).id());
  }

  std::atomic<bool> stop{false};
  std::atomic<int> inserted{0};
  std::thread writer([&] {
    std::unique_ptr<v1::ActorService::Stub> stub = v1::ActorService::NewStub(channel_);
    for (int i = 0; !stop.load(); ++i) {
      v1::CreateActorRequest request;
      // "a..." sorts before every page, "m1xx+1" between, "z..." after.
      const std::string name = i % 3 == 0   ? absl::StrCat("a", i)
                               : i % 3 == 1 ? absl::StrCat("m", 100 + (i % 60) * 3, "+", i)
                                            : absl::StrCat("z", i);
      request.mutable_actor()->set_name(name);
      request.mutable_actor()->set_type(v1::ACTOR_TYPE_OTHER);
      v1::CreateActorResponse response;
      grpc::ClientContext context;
      context.AddMetadata(kInternalTokenHeader, kToken);
      if (stub->CreateActor(&context, request, &response).ok()) ++inserted;
    }
  });

  std::vector<std::string> seen;
  v1::ListActorsRequest request;
  request.set_page_size(7);
  int pages = 0;
  while (true) {
    v1::ListActorsResponse response;
    grpc::Status status = List(request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const auto& actor : response.actors()) seen.push_back(actor.id());
    ++pages;
    // Also insert between pages, deterministically, in case the thread is slow.
    MustCreate(absl::StrCat("m", 100 + (pages % 60) * 3, "-between-", pages));
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
    ASSERT_LT(pages, 10000);
  }
  stop = true;
  writer.join();

  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a row was returned twice";
  for (const std::string& id : existing) {
    EXPECT_TRUE(unique.count(id) == 1) << "skipped " << id;
  }
  EXPECT_GT(pages, 60 / 7);
  EXPECT_GT(inserted.load() + pages, 0);
}

TEST_P(ActorServiceTest, PageTokensAreBoundToTheirQuery) {
  for (int i = 0; i < 5; ++i)
    MustCreate(absl::StrCat("Haiti actor ", i), v1::ACTOR_TYPE_OTHER, "HTI");
  v1::ListActorsRequest request;
  request.set_country_code("HTI");
  request.set_page_size(2);
  v1::ListActorsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  const std::string token = response.next_page_token();
  ASSERT_FALSE(token.empty());

  // The token works for its own query, also with another page size.
  v1::ListActorsRequest next = request;
  next.set_page_token(token);
  next.set_page_size(10);
  ASSERT_TRUE(List(next, &response).ok());
  EXPECT_EQ(response.actors_size(), 3);

  // Another query: refused.
  v1::ListActorsRequest other = next;
  other.set_country_code("KEN");
  EXPECT_ERROR(List(other, &response), INVALID_ARGUMENT, "page_token");
  other = next;
  other.set_query("haiti");
  EXPECT_ERROR(List(other, &response), INVALID_ARGUMENT, "page_token");

  // Forged: altered, made up, or not base64 at all.
  v1::ListActorsRequest forged = next;
  std::string altered = token;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
  forged.set_page_token(altered);
  EXPECT_ERROR(List(forged, &response), INVALID_ARGUMENT, "page_token");
  forged.set_page_token("bm90IGEgdG9rZW4gYXQgYWxsLCBqdXN0IHRleHQgdGhhdCBpcyBsb25nIGVub3VnaA");
  EXPECT_ERROR(List(forged, &response), INVALID_ARGUMENT, "page_token");
  forged.set_page_token("%%%");
  EXPECT_ERROR(List(forged, &response), INVALID_ARGUMENT, "page_token");

  // A ListActors token is no ListRelationships token.
  v1::ListRelationshipsRequest relationships;
  relationships.set_page_token(token);
  v1::ListRelationshipsResponse relationships_response;
  EXPECT_ERROR(ListRelationships(relationships, &relationships_response), INVALID_ARGUMENT,
               "page_token");
}

// ---- ResolveActors ----

TEST_P(ActorServiceTest, ResolveMatchesNamesAndAliasesIgnoringCaseAndAccents) {
  v1::Actor government = MustCreate("Gouvernement d'Haïti", v1::ACTOR_TYPE_GOVERNMENT, "HTI",
                                    {"GoH", "Government of Haiti"});
  const int64_t before = ActorCount();
  v1::ResolveActorsRequest request;
  request.add_names("  Gouvernement d'HAÏTI ");
  request.add_names("gouvernement d\u2019haiti");
  request.add_names("goh");
  request.add_names("GOVERNMENT OF HAÏTI");
  request.add_names("Unknown Gang");
  v1::ResolveActorsResponse response;
  ASSERT_TRUE(Resolve(request, &response).ok());
  ASSERT_EQ(response.resolutions_size(), 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(response.resolutions(i).name(), request.names(i));
  EXPECT_EQ(response.resolutions(0).match(), v1::RESOLUTION_MATCH_EXACT);
  EXPECT_EQ(response.resolutions(0).actor_id(), government.id());
  EXPECT_EQ(response.resolutions(1).match(), v1::RESOLUTION_MATCH_EXACT);
  EXPECT_EQ(response.resolutions(1).actor_id(), government.id());
  EXPECT_EQ(response.resolutions(2).match(), v1::RESOLUTION_MATCH_ALIAS);
  EXPECT_EQ(response.resolutions(2).actor_id(), government.id());
  EXPECT_EQ(response.resolutions(3).match(), v1::RESOLUTION_MATCH_ALIAS);
  EXPECT_EQ(response.resolutions(4).match(), v1::RESOLUTION_MATCH_NONE);
  EXPECT_EQ(response.resolutions(4).actor_id(), "");
  EXPECT_EQ(ActorCount(), before);  // nothing created without create_missing
}

TEST_P(ActorServiceTest, ResolveExactNameWinsOverAnotherActorsAlias) {
  v1::Actor with_alias =
      MustCreate("Fantom 509 Movement", v1::ACTOR_TYPE_OTHER, "", {"Fantom 509"});
  v1::Actor named = MustCreate("Fantom 509");
  v1::ResolveActorsRequest request;
  request.add_names("fantom 509");
  v1::ResolveActorsResponse response;
  ASSERT_TRUE(Resolve(request, &response).ok());
  EXPECT_EQ(response.resolutions(0).match(), v1::RESOLUTION_MATCH_EXACT);
  EXPECT_EQ(response.resolutions(0).actor_id(), named.id());
  EXPECT_NE(named.id(), with_alias.id());
}

TEST_P(ActorServiceTest, ResolveCreatesMissingOnceEvenWhenRepeated) {
  v1::Actor existing = MustCreate("Kraze Baryè", v1::ACTOR_TYPE_POLITICAL_MILITIA, "HTI");
  const int64_t before = ActorCount();
  v1::ResolveActorsRequest request;
  request.set_create_missing(true);
  request.set_default_type(v1::ACTOR_TYPE_POLITICAL_MILITIA);
  request.set_default_country_code("HTI");
  request.add_names("Gran Grif");
  request.add_names("  GRAN GRIF ");
  request.add_names("kraze barye");
  request.add_names("Gran Grif");
  request.add_names("Village de Dieu");
  v1::ResolveActorsResponse response;
  ASSERT_TRUE(Resolve(request, &response).ok());
  ASSERT_EQ(response.resolutions_size(), 5);
  const std::string gran_grif = response.resolutions(0).actor_id();
  EXPECT_THAT(gran_grif, MatchesRegex("act_[0-9a-f]{16}"));
  for (int i : {0, 1, 3}) {
    EXPECT_EQ(response.resolutions(i).match(), v1::RESOLUTION_MATCH_CREATED) << i;
    EXPECT_EQ(response.resolutions(i).actor_id(), gran_grif) << i;
  }
  EXPECT_EQ(response.resolutions(2).match(), v1::RESOLUTION_MATCH_EXACT);
  EXPECT_EQ(response.resolutions(2).actor_id(), existing.id());
  EXPECT_EQ(response.resolutions(4).match(), v1::RESOLUTION_MATCH_CREATED);
  EXPECT_NE(response.resolutions(4).actor_id(), gran_grif);
  EXPECT_EQ(ActorCount(), before + 2);

  v1::Actor created;
  ASSERT_TRUE(Get(gran_grif, &created).ok());
  EXPECT_EQ(created.name(), "Gran Grif");
  EXPECT_EQ(created.type(), v1::ACTOR_TYPE_POLITICAL_MILITIA);
  EXPECT_EQ(created.country_code(), "HTI");
  EXPECT_FALSE(created.etag().empty());

  // A second call finds what the first created.
  ASSERT_TRUE(Resolve(request, &response).ok());
  EXPECT_EQ(response.resolutions(0).match(), v1::RESOLUTION_MATCH_EXACT);
  EXPECT_EQ(response.resolutions(0).actor_id(), gran_grif);
  EXPECT_EQ(ActorCount(), before + 2);

  // Without a default type, created actors are OTHER with no country.
  v1::ResolveActorsRequest plain;
  plain.set_create_missing(true);
  plain.add_names("Somebody New");
  ASSERT_TRUE(Resolve(plain, &response).ok());
  ASSERT_TRUE(Get(response.resolutions(0).actor_id(), &created).ok());
  EXPECT_EQ(created.type(), v1::ACTOR_TYPE_OTHER);
  EXPECT_EQ(created.country_code(), "");
}

TEST_P(ActorServiceTest, ResolveRejectsBadRequestsAndCreatesNothing) {
  const int64_t before = ActorCount();
  v1::ResolveActorsResponse response;
  v1::ResolveActorsRequest request;
  request.set_create_missing(true);
  for (int i = 0; i < 1001; ++i) request.add_names(absl::StrCat("n", i));
  EXPECT_ERROR(Resolve(request, &response), INVALID_ARGUMENT, "names");
  request.clear_names();
  request.add_names("fine");
  request.add_names("");
  EXPECT_ERROR(Resolve(request, &response), INVALID_ARGUMENT, "names[1]");
  request.set_names(1, "also fine");
  request.set_default_country_code("XX");
  EXPECT_ERROR(Resolve(request, &response), INVALID_ARGUMENT, "default_country_code");
  request.set_default_country_code("");
  request.set_default_type(static_cast<v1::ActorType>(999));
  EXPECT_ERROR(Resolve(request, &response), INVALID_ARGUMENT, "default_type");
  EXPECT_EQ(ActorCount(), before);
}

// ---- relationships ----

TEST_P(ActorServiceTest, CreateRelationshipAndItsErrors) {
  v1::Actor gang = MustCreate("Gang A");
  v1::Actor coalition = MustCreate("Coalition B");
  v1::Relationship relationship =
      Rel(gang.id(), coalition.id(), v1::RELATIONSHIP_TYPE_MEMBER_OF, "2023-09-01", "");
  relationship.mutable_source()->set_name("ACLED");
  v1::Relationship created;
  ASSERT_TRUE(CreateRelationship(relationship, &created, "rel-req-1").ok());
  EXPECT_THAT(created.id(), MatchesRegex("rel_[0-9a-f]{16}"));
  EXPECT_EQ(created.subject_id(), gang.id());
  EXPECT_EQ(created.object_id(), coalition.id());
  EXPECT_EQ(created.type(), v1::RELATIONSHIP_TYPE_MEMBER_OF);
  EXPECT_EQ(created.start_date(), "2023-09-01");
  EXPECT_EQ(created.source().name(), "ACLED");
  EXPECT_GT(created.create_time().seconds(), 0);

  // Idempotency by request_id.
  v1::Relationship again;
  ASSERT_TRUE(CreateRelationship(relationship, &again, "rel-req-1").ok());
  EXPECT_EQ(again.id(), created.id());
  v1::Relationship changed = relationship;
  changed.set_end_date("2024-01-01");
  EXPECT_ERROR(CreateRelationship(changed, nullptr, "rel-req-1"), ALREADY_EXISTS, "request_id");
  ASSERT_EQ(AllRelationshipIds().size(), 1u);

  struct Case {
    std::string field;
    std::function<void(v1::Relationship&)> spoil;
  };
  std::vector<Case> cases = {
      {"relationship.subject_id", [](v1::Relationship& r) { r.clear_subject_id(); }},
      {"relationship.subject_id",
       [](v1::Relationship& r) { r.set_subject_id("act_0000000000000000"); }},
      {"relationship.object_id",
       [](v1::Relationship& r) { r.set_object_id("act_0000000000000000"); }},
      {"relationship.object_id", [](v1::Relationship& r) { r.set_object_id(r.subject_id()); }},
      {"relationship.type", [](v1::Relationship& r) { r.clear_type(); }},
      {"relationship.start_date", [](v1::Relationship& r) { r.set_start_date("2023-02-29"); }},
      {"relationship.end_date", [](v1::Relationship& r) { r.set_end_date("2023-08-31"); }},
      {"relationship.source.name", [](v1::Relationship& r) { r.mutable_source()->clear_name(); }},
  };
  for (const Case& c : cases) {
    v1::Relationship bad = relationship;
    c.spoil(bad);
    EXPECT_ERROR(CreateRelationship(bad), INVALID_ARGUMENT, c.field);
  }
  v1::CreateRelationshipRequest empty;
  v1::CreateRelationshipResponse response;
  EXPECT_ERROR(
      Call([&](grpc::ClientContext* c) { return stub_->CreateRelationship(c, empty, &response); }),
      INVALID_ARGUMENT, "relationship");
  EXPECT_EQ(AllRelationshipIds().size(), 1u);
}

TEST_P(ActorServiceTest, ListRelationshipsByActorTypeAndDate) {
  v1::Actor a = MustCreate("A");
  v1::Actor b = MustCreate("B");
  v1::Actor c = MustCreate("C");
  v1::Relationship closed, open_end, open_start, always, other;
  ASSERT_TRUE(CreateRelationship(Rel(a.id(), b.id(), v1::RELATIONSHIP_TYPE_ALLIED_WITH,
                                     "2020-01-01", "2021-12-31"),
                                 &closed)
                  .ok());
  ASSERT_TRUE(CreateRelationship(
                  Rel(b.id(), a.id(), v1::RELATIONSHIP_TYPE_OPPOSES, "2022-01-01", ""), &open_end)
                  .ok());
  ASSERT_TRUE(
      CreateRelationship(Rel(a.id(), c.id(), v1::RELATIONSHIP_TYPE_SUPPORTS, "", "2019-12-31"),
                         &open_start)
          .ok());
  ASSERT_TRUE(
      CreateRelationship(Rel(c.id(), a.id(), v1::RELATIONSHIP_TYPE_REPRESENTS), &always).ok());
  ASSERT_TRUE(
      CreateRelationship(Rel(b.id(), c.id(), v1::RELATIONSHIP_TYPE_ALLIED_WITH), &other).ok());

  auto ids = [&](const std::string& actor, v1::RelationshipType type, const std::string& date) {
    v1::ListRelationshipsRequest request;
    request.set_actor_id(actor);
    request.set_type(type);
    request.set_as_of_date(date);
    return AllRelationshipIds(request);
  };
  const auto U = v1::RELATIONSHIP_TYPE_UNSPECIFIED;
  EXPECT_THAT(ids(a.id(), U, ""), UnorderedElementsAreArray(
                                      {closed.id(), open_end.id(), open_start.id(), always.id()}));
  EXPECT_THAT(ids(c.id(), U, ""),
              UnorderedElementsAreArray({open_start.id(), always.id(), other.id()}));
  EXPECT_THAT(ids("", v1::RELATIONSHIP_TYPE_ALLIED_WITH, ""),
              UnorderedElementsAreArray({closed.id(), other.id()}));
  EXPECT_THAT(ids(a.id(), v1::RELATIONSHIP_TYPE_ALLIED_WITH, ""), ElementsAre(closed.id()));
  // Valid on a date: open sides are unbounded, bounds are inclusive.
  EXPECT_THAT(ids(a.id(), U, "2021-06-01"), UnorderedElementsAreArray({closed.id(), always.id()}));
  EXPECT_THAT(ids(a.id(), U, "2020-01-01"), UnorderedElementsAreArray({closed.id(), always.id()}));
  EXPECT_THAT(ids(a.id(), U, "2021-12-31"), UnorderedElementsAreArray({closed.id(), always.id()}));
  EXPECT_THAT(ids(a.id(), U, "2022-01-01"),
              UnorderedElementsAreArray({open_end.id(), always.id()}));
  EXPECT_THAT(ids(a.id(), U, "2019-12-31"),
              UnorderedElementsAreArray({open_start.id(), always.id()}));
  EXPECT_THAT(ids("", U, "2030-05-05"),
              UnorderedElementsAreArray({open_end.id(), always.id(), other.id()}));
  EXPECT_TRUE(ids("act_0000000000000000", U, "").empty());
  // One actor's relationships (found as subject and as object) come in id order, one a page,
  // none twice.
  v1::ListRelationshipsRequest by_page;
  by_page.set_actor_id(a.id());
  by_page.set_page_size(1);
  std::vector<std::string> paged;
  do {
    v1::ListRelationshipsResponse response;
    ASSERT_TRUE(ListRelationships(by_page, &response).ok());
    ASSERT_LE(response.relationships_size(), 1);
    for (const auto& r : response.relationships()) paged.push_back(r.id());
    by_page.set_page_token(response.next_page_token());
  } while (!by_page.page_token().empty());
  std::vector<std::string> sorted = {closed.id(), open_end.id(), open_start.id(), always.id()};
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(paged, sorted);

  v1::ListRelationshipsRequest bad;
  v1::ListRelationshipsResponse response;
  bad.set_as_of_date("2021-02-30");
  EXPECT_ERROR(ListRelationships(bad, &response), INVALID_ARGUMENT, "as_of_date");
  bad.Clear();
  bad.set_page_size(-1);
  EXPECT_ERROR(ListRelationships(bad, &response), INVALID_ARGUMENT, "page_size");
}

TEST_P(ActorServiceTest, ListRelationshipsPagesByIdAndBindsTokens) {
  v1::Actor hub = MustCreate("Hub");
  std::set<std::string> created;
  for (int i = 0; i < 12; ++i) {
    v1::Actor spoke = MustCreate(absl::StrCat("Spoke ", i));
    v1::Relationship relationship;
    ASSERT_TRUE(CreateRelationship(Rel(spoke.id(), hub.id(), v1::RELATIONSHIP_TYPE_MEMBER_OF),
                                   &relationship)
                    .ok());
    created.insert(relationship.id());
  }
  v1::ListRelationshipsRequest request;
  request.set_actor_id(hub.id());
  request.set_page_size(5);
  std::vector<std::string> seen;
  std::string first_token;
  while (true) {
    v1::ListRelationshipsResponse response;
    ASSERT_TRUE(ListRelationships(request, &response).ok());
    EXPECT_LE(response.relationships_size(), 5);
    for (const auto& relationship : response.relationships()) seen.push_back(relationship.id());
    // Concurrent inserts do not disturb rows that existed.
    v1::Actor late = MustCreate(absl::StrCat("Late ", seen.size()));
    ASSERT_TRUE(CreateRelationship(Rel(late.id(), hub.id(), v1::RELATIONSHIP_TYPE_MEMBER_OF)).ok());
    if (response.next_page_token().empty()) break;
    if (first_token.empty()) first_token = response.next_page_token();
    request.set_page_token(response.next_page_token());
  }
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size());
  for (const std::string& id : created) EXPECT_TRUE(unique.count(id) == 1) << id;

  v1::ListRelationshipsRequest other;
  other.set_actor_id(hub.id());
  other.set_type(v1::RELATIONSHIP_TYPE_OPPOSES);
  other.set_page_token(first_token);
  v1::ListRelationshipsResponse response;
  EXPECT_ERROR(ListRelationships(other, &response), INVALID_ARGUMENT, "page_token");
  other.Clear();
  other.set_page_token("forged-token-forged-token-forged-token-forged-token");
  EXPECT_ERROR(ListRelationships(other, &response), INVALID_ARGUMENT, "page_token");
}

TEST_P(ActorServiceTest, DeleteRelationship) {
  v1::Actor a = MustCreate("A");
  v1::Actor b = MustCreate("B");
  v1::Relationship relationship;
  ASSERT_TRUE(
      CreateRelationship(Rel(a.id(), b.id(), v1::RELATIONSHIP_TYPE_COMMANDS), &relationship).ok());
  v1::DeleteRelationshipRequest request;
  v1::DeleteRelationshipResponse response;
  auto remove = [&] {
    return Call(
        [&](grpc::ClientContext* c) { return stub_->DeleteRelationship(c, request, &response); });
  };
  EXPECT_ERROR(remove(), INVALID_ARGUMENT, "id");
  request.set_id("rel_0000000000000000");
  EXPECT_ERROR(remove(), NOT_FOUND, "rel_0000000000000000");
  EXPECT_EQ(AllRelationshipIds().size(), 1u);
  request.set_id(relationship.id());
  ASSERT_TRUE(remove().ok());
  EXPECT_TRUE(AllRelationshipIds().empty());
  EXPECT_ERROR(remove(), NOT_FOUND, relationship.id());
  EXPECT_TRUE(Get(a.id()).ok());  // the actors stay
}

// ---- durability ----

TEST_P(ActorServiceTest, DataSurvivesReopeningTheStore) {
  v1::Actor actor;
  actor.set_name("Conseil Présidentiel de Transition");
  actor.add_aliases("CPT");
  actor.set_type(v1::ACTOR_TYPE_GOVERNMENT);
  actor.set_country_code("HTI");
  v1::Actor created;
  ASSERT_TRUE(Create(actor, &created, "durable-req").ok());
  v1::Actor other = MustCreate("Prime Minister of Haiti", v1::ACTOR_TYPE_PERSON, "HTI");
  v1::Relationship relationship;
  ASSERT_TRUE(CreateRelationship(
                  Rel(other.id(), created.id(), v1::RELATIONSHIP_TYPE_HOLDS_POST, "2024-06-03", ""),
                  &relationship)
                  .ok());
  for (int i = 0; i < 3; ++i) MustCreate(absl::StrCat("Filler ", i));
  v1::ListActorsRequest list;
  list.set_page_size(2);
  v1::ListActorsResponse page;
  ASSERT_TRUE(List(list, &page).ok());
  const std::string token = page.next_page_token();
  ASSERT_FALSE(token.empty());

  StopServer();
  StartServer();

  v1::Actor fetched;
  ASSERT_TRUE(Get(created.id(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());
  v1::ResolveActorsRequest resolve;
  resolve.add_names("conseil presidentiel de transition");
  resolve.add_names("cpt");
  v1::ResolveActorsResponse resolved;
  ASSERT_TRUE(Resolve(resolve, &resolved).ok());
  EXPECT_EQ(resolved.resolutions(0).actor_id(), created.id());
  EXPECT_EQ(resolved.resolutions(1).match(), v1::RESOLUTION_MATCH_ALIAS);
  EXPECT_THAT(AllRelationshipIds(), ElementsAre(relationship.id()));
  // The request id is remembered...
  v1::Actor again;
  ASSERT_TRUE(Create(actor, &again, "durable-req").ok());
  EXPECT_EQ(again.id(), created.id());
  EXPECT_EQ(ActorCount(), 5);
  // ...and so is the page-token secret.
  list.set_page_token(token);
  ASSERT_TRUE(List(list, &page).ok());
  EXPECT_EQ(page.actors_size(), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, ActorServiceTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::actor
