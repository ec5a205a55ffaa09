// History and provenance of actors (issue 26) on both storage backends, through a real actor
// service on loopback: who (the principal metadata the gateway sets), which request, why and when
// for every change of an actor or a relationship; an actor's revisions through create, updates
// and delete with the fields each changed; relationships in the history of both their actors;
// pages; bad input refused naming the field with nothing written.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "tests/integration/actor_replica.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::actor {
namespace {

using lookout::testing::StoreBackend;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Who a call claims to be, as the gateway would say it.
struct Caller {
  std::string principal;
  std::string request_id;
};

class ActorHistoryTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    location_ = lookout::testing::TestStoreLocation(GetParam(), dir_.File("actor.db"), "actor");
    replica_ = std::make_unique<testing::ActorReplica>(location_);
    ASSERT_TRUE(replica_->ok());
    stub_ = replica_->stub();
  }

  // One call with the internal token and, when given, the principal and request id metadata.
  template <typename Request, typename Response, typename Method>
  grpc::Status Call(Method method, const Request& request, Response* response,
                    const Caller& caller = {}) {
    grpc::ClientContext context;
    context.AddMetadata(kInternalTokenHeader, testing::kActorTestToken);
    if (!caller.principal.empty()) context.AddMetadata(kPrincipalHeader, caller.principal);
    if (!caller.request_id.empty()) context.AddMetadata(kRequestIdHeader, caller.request_id);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ((*stub_).*method)(&context, request, response);
  }

  v1::Actor MustCreate(const std::string& name, const std::string& reason = "",
                       const Caller& caller = {}) {
    v1::CreateActorRequest request;
    request.mutable_actor()->set_name(name);
    request.mutable_actor()->set_type(v1::ACTOR_TYPE_POLITICAL_MILITIA);
    request.mutable_actor()->set_country_code("HTI");
    request.set_reason(reason);
    v1::CreateActorResponse response;
    grpc::Status status = Call(&v1::ActorService::Stub::CreateActor, request, &response, caller);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.actor();
  }

  v1::Actor MustUpdateDescription(const std::string& id, const std::string& description,
                                  const std::string& reason = "", const Caller& caller = {}) {
    v1::UpdateActorRequest request;
    request.mutable_actor()->set_id(id);
    request.mutable_actor()->set_description(description);
    request.mutable_update_mask()->add_paths("description");
    request.set_reason(reason);
    v1::UpdateActorResponse response;
    grpc::Status status = Call(&v1::ActorService::Stub::UpdateActor, request, &response, caller);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.actor();
  }

  v1::Relationship MustRelate(const std::string& subject, const std::string& object,
                              const std::string& reason = "", const Caller& caller = {}) {
    v1::CreateRelationshipRequest request;
    request.mutable_relationship()->set_subject_id(subject);
    request.mutable_relationship()->set_object_id(object);
    request.mutable_relationship()->set_type(v1::RELATIONSHIP_TYPE_ALLIED_WITH);
    request.set_reason(reason);
    v1::CreateRelationshipResponse response;
    grpc::Status status =
        Call(&v1::ActorService::Stub::CreateRelationship, request, &response, caller);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.relationship();
  }

  grpc::Status ListRevisions(const v1::ListActorRevisionsRequest& request,
                             v1::ListActorRevisionsResponse* response) {
    return Call(&v1::ActorService::Stub::ListActorRevisions, request, response);
  }

  // Every revision of `id`, following every page.
  std::vector<v1::ActorRevision> Revisions(const std::string& id, int page_size = 1000) {
    v1::ListActorRevisionsRequest request;
    request.set_id(id);
    request.set_page_size(page_size);
    std::vector<v1::ActorRevision> all;
    while (true) {
      v1::ListActorRevisionsResponse response;
      grpc::Status status = ListRevisions(request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) return all;
      all.insert(all.end(), response.revisions().begin(), response.revisions().end());
      if (response.next_page_token().empty()) return all;
      request.set_page_token(response.next_page_token());
    }
  }

  static std::vector<std::string> Paths(const v1::ActorRevision& revision) {
    return {revision.changed_paths().begin(), revision.changed_paths().end()};
  }

  lookout::testing::TempDir dir_;
  StoreLocation location_;
  std::unique_ptr<testing::ActorReplica> replica_;
  v1::ActorService::Stub* stub_ = nullptr;
};

TEST_P(ActorHistoryTest, CreateUpdatesAndDeleteNewestFirstWithWhoWhenWhyAndChangedFields) {
  const Caller alice{"alice", "req-create"};
  v1::Actor created = MustCreate("Viv Ansanm", "field report", alice);
  MustUpdateDescription(created.id(), "a coalition", "typo", {"bob", "req-update"});
  // Renaming changes the name and nothing else the caller sees.
  v1::UpdateActorRequest rename;
  rename.mutable_actor()->set_id(created.id());
  rename.mutable_actor()->set_name("Viv Ansanm coalition");
  rename.mutable_actor()->add_aliases("Vivre Ensemble");
  rename.mutable_update_mask()->add_paths("name");
  rename.mutable_update_mask()->add_paths("aliases");
  v1::UpdateActorResponse renamed;
  ASSERT_TRUE(Call(&v1::ActorService::Stub::UpdateActor, rename, &renamed, {"carol", ""}).ok());
  v1::DeleteActorRequest remove;
  remove.set_id(created.id());
  remove.set_reason("duplicate of another actor");
  v1::DeleteActorResponse removed;
  ASSERT_TRUE(
      Call(&v1::ActorService::Stub::DeleteActor, remove, &removed, {"dave", "req-del"}).ok());

  const std::vector<v1::ActorRevision> revisions = Revisions(created.id());
  ASSERT_EQ(revisions.size(), 4u);
  for (size_t i = 0; i + 1 < revisions.size(); ++i) {
    EXPECT_GT(revisions[i].sequence(), revisions[i + 1].sequence()) << "newest first";
  }
  for (const auto& revision : revisions) {
    EXPECT_GT(revision.provenance().time().seconds(), 0);
    EXPECT_TRUE(revision.has_actor());
    EXPECT_EQ(revision.actor().id(), created.id());
  }
  const v1::ActorRevision& deleted = revisions[0];
  EXPECT_EQ(deleted.type(), v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(deleted.provenance().principal(), "dave");
  EXPECT_EQ(deleted.provenance().request_id(), "req-del");
  EXPECT_EQ(deleted.provenance().reason(), "duplicate of another actor");
  EXPECT_THAT(Paths(deleted), IsEmpty());
  EXPECT_EQ(deleted.actor().name(), "Viv Ansanm coalition");  // the last state

  const v1::ActorRevision& rename_revision = revisions[1];
  EXPECT_EQ(rename_revision.type(), v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(rename_revision.provenance().principal(), "carol");
  EXPECT_EQ(rename_revision.provenance().reason(), "");
  EXPECT_THAT(Paths(rename_revision), ElementsAre("name", "aliases"));

  const v1::ActorRevision& described = revisions[2];
  EXPECT_EQ(described.type(), v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(described.provenance().principal(), "bob");
  EXPECT_EQ(described.provenance().request_id(), "req-update");
  EXPECT_EQ(described.provenance().reason(), "typo");
  EXPECT_THAT(Paths(described), ElementsAre("description"));
  EXPECT_EQ(described.actor().description(), "a coalition");

  const v1::ActorRevision& creation = revisions[3];
  EXPECT_EQ(creation.type(), v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(creation.provenance().principal(), "alice");
  EXPECT_EQ(creation.provenance().request_id(), "req-create");
  EXPECT_EQ(creation.provenance().reason(), "field report");
  // Every field set, without the bookkeeping (update_time, etag).
  EXPECT_THAT(Paths(creation), ElementsAre("id", "name", "type", "country_code", "create_time"));

  // Gone, but its history stays readable.
  v1::GetActorRequest get;
  get.set_id(created.id());
  v1::GetActorResponse got;
  EXPECT_EQ(Call(&v1::ActorService::Stub::GetActor, get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_P(ActorHistoryTest, WithoutPrincipalMetadataTheChangeHasNoPrincipal) {
  v1::Actor created = MustCreate("Gran Grif");
  const auto revisions = Revisions(created.id());
  ASSERT_EQ(revisions.size(), 1u);
  EXPECT_EQ(revisions[0].provenance().principal(), "");
  EXPECT_EQ(revisions[0].provenance().reason(), "");
}

TEST_P(ActorHistoryTest, RelationshipChangesShowInTheHistoryOfBothActors) {
  v1::Actor a = MustCreate("Kraze Baryè");
  v1::Actor b = MustCreate("5 Segonn");
  v1::Actor c = MustCreate("Village de Dieu");
  v1::Relationship ab = MustRelate(a.id(), b.id(), "alliance announced", {"erin", ""});
  v1::DeleteRelationshipRequest unrelate;
  unrelate.set_id(ab.id());
  unrelate.set_reason("alliance ended");
  v1::DeleteRelationshipResponse unrelated;
  ASSERT_TRUE(
      Call(&v1::ActorService::Stub::DeleteRelationship, unrelate, &unrelated, {"frank", ""}).ok());

  for (const v1::Actor& side : {a, b}) {
    SCOPED_TRACE(side.name());
    const auto revisions = Revisions(side.id());
    ASSERT_EQ(revisions.size(), 3u);  // the relationship's deletion and creation, the actor's
    EXPECT_EQ(revisions[0].type(), v1::CHANGE_TYPE_DELETED);
    ASSERT_TRUE(revisions[0].has_relationship());
    EXPECT_EQ(revisions[0].relationship().id(), ab.id());
    EXPECT_EQ(revisions[0].provenance().principal(), "frank");
    EXPECT_EQ(revisions[0].provenance().reason(), "alliance ended");
    EXPECT_THAT(Paths(revisions[0]), IsEmpty());
    EXPECT_EQ(revisions[1].type(), v1::CHANGE_TYPE_CREATED);
    ASSERT_TRUE(revisions[1].has_relationship());
    EXPECT_EQ(revisions[1].provenance().principal(), "erin");
    EXPECT_EQ(revisions[1].provenance().reason(), "alliance announced");
    EXPECT_THAT(Paths(revisions[1]),
                ElementsAre("id", "subject_id", "object_id", "type", "create_time"));
    EXPECT_TRUE(revisions[2].has_actor());
    EXPECT_EQ(revisions[2].type(), v1::CHANGE_TYPE_CREATED);
  }
  // Deleting an actor deletes its relationships: each deletion is in the other side's history,
  // with the actor deletion's author and reason.
  v1::Relationship bc = MustRelate(b.id(), c.id());
  v1::DeleteActorRequest remove;
  remove.set_id(b.id());
  remove.set_reason("merged into Viv Ansanm");
  v1::DeleteActorResponse removed;
  ASSERT_TRUE(Call(&v1::ActorService::Stub::DeleteActor, remove, &removed, {"grace", ""}).ok());
  const auto of_c = Revisions(c.id());
  ASSERT_EQ(of_c.size(), 3u);
  EXPECT_EQ(of_c[0].type(), v1::CHANGE_TYPE_DELETED);
  ASSERT_TRUE(of_c[0].has_relationship());
  EXPECT_EQ(of_c[0].relationship().id(), bc.id());
  EXPECT_EQ(of_c[0].provenance().principal(), "grace");
  EXPECT_EQ(of_c[0].provenance().reason(), "merged into Viv Ansanm");
  const auto of_b = Revisions(b.id());
  ASSERT_EQ(of_b.size(), 6u);  // b, ab created and deleted, bc created and deleted, b deleted
  EXPECT_TRUE(of_b[0].has_actor());
  EXPECT_EQ(of_b[0].type(), v1::CHANGE_TYPE_DELETED);
  EXPECT_TRUE(of_b[1].has_relationship());
  EXPECT_EQ(of_b[1].type(), v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(of_b[1].sequence() + 1, of_b[0].sequence()) << "one transaction, in order";
  // a's history did not take c's relationship.
  EXPECT_EQ(Revisions(a.id()).size(), 3u);
}

TEST_P(ActorHistoryTest, ResolveRecordsEachCreationAndARetryByRequestIdRecordsNothing) {
  v1::ResolveActorsRequest resolve;
  resolve.add_names("Ti Makak");
  resolve.add_names("Ti Makak ");  // the same key: one creation
  resolve.add_names("Baz Pilate");
  resolve.set_create_missing(true);
  resolve.set_reason("weekly import");
  v1::ResolveActorsResponse resolved;
  ASSERT_TRUE(
      Call(&v1::ActorService::Stub::ResolveActors, resolve, &resolved, {"loader", "r1"}).ok());
  ASSERT_EQ(resolved.resolutions_size(), 3);
  for (int i : {0, 2}) {
    const auto revisions = Revisions(resolved.resolutions(i).actor_id());
    ASSERT_EQ(revisions.size(), 1u);
    EXPECT_EQ(revisions[0].type(), v1::CHANGE_TYPE_CREATED);
    EXPECT_EQ(revisions[0].provenance().principal(), "loader");
    EXPECT_EQ(revisions[0].provenance().reason(), "weekly import");
  }

  v1::CreateActorRequest create;
  create.mutable_actor()->set_name("Canaan");
  create.mutable_actor()->set_type(v1::ACTOR_TYPE_OTHER);
  create.set_request_id("create-once");
  v1::CreateActorResponse first, second;
  ASSERT_TRUE(Call(&v1::ActorService::Stub::CreateActor, create, &first).ok());
  ASSERT_TRUE(Call(&v1::ActorService::Stub::CreateActor, create, &second).ok());
  EXPECT_EQ(first.actor().id(), second.actor().id());
  EXPECT_EQ(Revisions(first.actor().id()).size(), 1u);
}

TEST_P(ActorHistoryTest, PagesAreNewestFirstWithoutRepeatsAndTokensAreBoundToTheActor) {
  v1::Actor actor = MustCreate("Chen Mechan");
  v1::Actor other = MustCreate("Bel Air");
  for (int i = 0; i < 7; ++i) MustUpdateDescription(actor.id(), absl::StrCat("version ", i));

  v1::ListActorRevisionsRequest request;
  request.set_id(actor.id());
  request.set_page_size(3);
  std::vector<int64_t> sequences;
  std::vector<int> page_sizes;
  std::string first_token;
  while (true) {
    v1::ListActorRevisionsResponse response;
    grpc::Status status = ListRevisions(request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    page_sizes.push_back(response.revisions_size());
    for (const auto& revision : response.revisions()) sequences.push_back(revision.sequence());
    if (first_token.empty()) first_token = response.next_page_token();
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(page_sizes, ElementsAre(3, 3, 2));
  ASSERT_EQ(sequences.size(), 8u);
  for (size_t i = 0; i + 1 < sequences.size(); ++i) EXPECT_GT(sequences[i], sequences[i + 1]);
  EXPECT_EQ(Revisions(actor.id(), 1).size(), 8u);

  // One actor's token does not page another's history.
  v1::ListActorRevisionsRequest stolen;
  stolen.set_id(other.id());
  stolen.set_page_token(first_token);
  v1::ListActorRevisionsResponse response;
  grpc::Status status = ListRevisions(stolen, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
}

TEST_P(ActorHistoryTest, BadInputIsRefusedNamingTheFieldAndNothingIsWritten) {
  v1::Actor a = MustCreate("Grann Ravin");
  v1::Actor b = MustCreate("Ti Bwa");
  v1::Relationship ab = MustRelate(a.id(), b.id());
  const auto history_a = Revisions(a.id());
  const auto history_b = Revisions(b.id());
  const int64_t actors = replica_->ActorCount();

  // (Invalid UTF-8 never reaches the service: a proto3 string that is not UTF-8 fails to parse,
  // and the call is refused before any field is read.)
  for (const std::string& bad :
       {std::string("two\nlines"), std::string("bell\x07"), std::string(501, 'x')}) {
    SCOPED_TRACE(bad.substr(0, 20));
    std::vector<grpc::Status> refused;
    {
      v1::CreateActorRequest request;
      request.mutable_actor()->set_name("Never Created");
      request.mutable_actor()->set_type(v1::ACTOR_TYPE_OTHER);
      request.set_reason(bad);
      v1::CreateActorResponse response;
      refused.push_back(Call(&v1::ActorService::Stub::CreateActor, request, &response));
    }
    {
      v1::UpdateActorRequest request;
      request.mutable_actor()->set_id(a.id());
      request.mutable_actor()->set_description("never written");
      request.mutable_update_mask()->add_paths("description");
      request.set_reason(bad);
      v1::UpdateActorResponse response;
      refused.push_back(Call(&v1::ActorService::Stub::UpdateActor, request, &response));
    }
    {
      v1::DeleteActorRequest request;
      request.set_id(b.id());
      request.set_reason(bad);
      v1::DeleteActorResponse response;
      refused.push_back(Call(&v1::ActorService::Stub::DeleteActor, request, &response));
    }
    {
      v1::ResolveActorsRequest request;
      request.add_names("Never Resolved");
      request.set_create_missing(true);
      request.set_reason(bad);
      v1::ResolveActorsResponse response;
      refused.push_back(Call(&v1::ActorService::Stub::ResolveActors, request, &response));
    }
    {
      v1::CreateRelationshipRequest request;
      request.mutable_relationship()->set_subject_id(b.id());
      request.mutable_relationship()->set_object_id(a.id());
      request.mutable_relationship()->set_type(v1::RELATIONSHIP_TYPE_OPPOSES);
      request.set_reason(bad);
      v1::CreateRelationshipResponse response;
      refused.push_back(Call(&v1::ActorService::Stub::CreateRelationship, request, &response));
    }
    {
      v1::DeleteRelationshipRequest request;
      request.set_id(ab.id());
      request.set_reason(bad);
      v1::DeleteRelationshipResponse response;
      refused.push_back(Call(&v1::ActorService::Stub::DeleteRelationship, request, &response));
    }
    ASSERT_EQ(refused.size(), 6u);
    for (const grpc::Status& status : refused) {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
      EXPECT_THAT(status.error_message(), HasSubstr("reason"));
    }
  }
  // Nothing was written: the same actors, the same relationship, the same histories.
  EXPECT_EQ(replica_->ActorCount(), actors);
  EXPECT_EQ(Revisions(a.id()).size(), history_a.size());
  EXPECT_EQ(Revisions(b.id()).size(), history_b.size());
  v1::GetActorRequest get;
  get.set_id(a.id());
  v1::GetActorResponse got;
  ASSERT_TRUE(Call(&v1::ActorService::Stub::GetActor, get, &got).ok());
  EXPECT_EQ(got.actor().description(), "");

  // The history's own bad input.
  v1::ListActorRevisionsResponse response;
  v1::ListActorRevisionsRequest request;
  request.set_id(a.id());
  request.set_page_size(-1);
  grpc::Status status = ListRevisions(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_size"));
  request.set_page_size(0);
  request.set_page_token("not-a-token");
  status = ListRevisions(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
  request.clear_page_token();
  request.set_id("");
  status = ListRevisions(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("id"));
  request.set_id("act_0000000000000000");
  status = ListRevisions(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  // A page size above the limit is clamped, not refused.
  request.set_id(a.id());
  request.set_page_size(5000);
  status = ListRevisions(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(static_cast<size_t>(response.revisions_size()), history_a.size());
}

INSTANTIATE_TEST_SUITE_P(Backends, ActorHistoryTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::actor
