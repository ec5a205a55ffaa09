#include "services/actor/actor_validation.h"

#include <string>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lookout::actor {
namespace {

using ::testing::HasSubstr;

// INVALID_ARGUMENT whose message starts with the field and which carries it as payload.
void ExpectInvalid(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(errors::FieldOf(status), field) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::StartsWith(field + ":")) << status;
}

v1::CreateActorRequest GoodCreate() {
  v1::CreateActorRequest request;
  v1::Actor* actor = request.mutable_actor();
  actor->set_name("Police Nationale d'Haïti");
  actor->add_aliases("PNH");
  actor->set_type(v1::ACTOR_TYPE_STATE_FORCES);
  actor->set_country_code("HTI");
  actor->set_description("The national police of Haiti.");
  auto* external = actor->add_external_ids();
  external->set_scheme("ACLED");
  external->set_value("Police Forces of Haiti");
  request.set_request_id("req-1");
  return request;
}

TEST(ActorValidateCreateActorTest, AcceptsAFullActor) {
  EXPECT_TRUE(ValidateCreateActorRequest(GoodCreate()).ok());
}

TEST(ActorValidateCreateActorTest, AcceptsTheMinimum) {
  v1::CreateActorRequest request;
  request.mutable_actor()->set_name("x");
  request.mutable_actor()->set_type(v1::ACTOR_TYPE_OTHER);
  EXPECT_TRUE(ValidateCreateActorRequest(request).ok());
}

TEST(ActorValidateCreateActorTest, IgnoresOutputOnlyFields) {
  v1::CreateActorRequest request = GoodCreate();
  request.mutable_actor()->set_id("whatever, not even an id format");
  request.mutable_actor()->set_etag("stale");
  request.mutable_actor()->mutable_create_time()->set_seconds(-5);
  request.mutable_actor()->mutable_update_time()->set_seconds(12);
  EXPECT_TRUE(ValidateCreateActorRequest(request).ok());
}

TEST(ActorValidateCreateActorTest, ParentMayNotBeCheckedAgainstTheIgnoredId) {
  // The client's id is ignored on create, so a parent_id equal to it is no self-reference.
  v1::CreateActorRequest request = GoodCreate();
  request.mutable_actor()->set_id("act_0000000000000001");
  request.mutable_actor()->set_parent_id("act_0000000000000001");
  EXPECT_TRUE(ValidateCreateActorRequest(request).ok());
}

TEST(ActorValidateCreateActorTest, RequiresTheActor) {
  v1::CreateActorRequest request;
  ExpectInvalid(ValidateCreateActorRequest(request), "actor");
}

TEST(ActorValidateCreateActorTest, Name) {
  v1::CreateActorRequest request = GoodCreate();
  request.mutable_actor()->clear_name();
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.name");
  request.mutable_actor()->set_name("   ");
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.name");
  request.mutable_actor()->set_name("\u200B");  // only an invisible character
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.name");
  request.mutable_actor()->set_name(std::string(201, 'a'));
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.name");
  request.mutable_actor()->set_name("bad \xFF utf8");
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.name");
  request.mutable_actor()->set_name(std::string(200, 'a'));
  EXPECT_TRUE(ValidateCreateActorRequest(request).ok());
}

TEST(ActorValidateCreateActorTest, Aliases) {
  v1::CreateActorRequest request = GoodCreate();
  request.mutable_actor()->clear_aliases();
  for (int i = 0; i < 100; ++i) request.mutable_actor()->add_aliases("alias " + std::to_string(i));
  EXPECT_TRUE(ValidateCreateActorRequest(request).ok());
  request.mutable_actor()->add_aliases("one too many");
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.aliases");

  request = GoodCreate();
  request.mutable_actor()->add_aliases("");
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.aliases[1]");
  request.mutable_actor()->set_aliases(1, std::string(201, 'b'));
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.aliases[1]");
}

TEST(ActorValidateCreateActorTest, Type) {
  v1::CreateActorRequest request = GoodCreate();
  request.mutable_actor()->set_type(v1::ACTOR_TYPE_UNSPECIFIED);
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.type");
  request.mutable_actor()->set_type(static_cast<v1::ActorType>(99));
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.type");
}

TEST(ActorValidateCreateActorTest, CountryCode) {
  v1::CreateActorRequest request = GoodCreate();
  for (const char* bad : {"HT", "hti", "HAITI", "XXX", "332"}) {
    request.mutable_actor()->set_country_code(bad);
    ExpectInvalid(ValidateCreateActorRequest(request), "actor.country_code");
  }
  request.mutable_actor()->clear_country_code();  // international actors have none
  EXPECT_TRUE(ValidateCreateActorRequest(request).ok());
}

TEST(ActorValidateCreateActorTest, Description) {
  v1::CreateActorRequest request = GoodCreate();
  request.mutable_actor()->set_description(std::string(4000, 'd'));
  EXPECT_TRUE(ValidateCreateActorRequest(request).ok());
  request.mutable_actor()->set_description(std::string(4001, 'd'));
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.description");
}

TEST(ActorValidateCreateActorTest, ExternalIds) {
  v1::CreateActorRequest request = GoodCreate();
  request.mutable_actor()->mutable_external_ids(0)->clear_scheme();
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.external_ids[0].scheme");
  request = GoodCreate();
  request.mutable_actor()->mutable_external_ids(0)->clear_value();
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.external_ids[0].value");
  request = GoodCreate();
  request.mutable_actor()->mutable_external_ids(0)->set_value(std::string(201, 'v'));
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.external_ids[0].value");
  request = GoodCreate();
  for (int i = 0; i < 100; ++i) {
    auto* id = request.mutable_actor()->add_external_ids();
    id->set_scheme("X");
    id->set_value(std::to_string(i));
  }
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.external_ids");
}

TEST(ActorValidateCreateActorTest, ParentIdFormat) {
  v1::CreateActorRequest request = GoodCreate();
  request.mutable_actor()->set_parent_id(std::string(65, 'p'));
  ExpectInvalid(ValidateCreateActorRequest(request), "actor.parent_id");
}

TEST(ActorValidateCreateActorTest, RequestId) {
  v1::CreateActorRequest request = GoodCreate();
  request.set_request_id(std::string(129, 'r'));
  ExpectInvalid(ValidateCreateActorRequest(request), "request_id");
  request.set_request_id(std::string(128, 'r'));
  EXPECT_TRUE(ValidateCreateActorRequest(request).ok());
}

TEST(ActorValidateIdsTest, GetAndDeleteNeedAnId) {
  ExpectInvalid(ValidateGetActorRequest({}), "id");
  v1::GetActorRequest get;
  get.set_id(std::string(65, 'x'));
  ExpectInvalid(ValidateGetActorRequest(get), "id");
  get.set_id("act_0123456789abcdef");
  EXPECT_TRUE(ValidateGetActorRequest(get).ok());
  ExpectInvalid(ValidateDeleteActorRequest({}), "id");
  ExpectInvalid(ValidateDeleteRelationshipRequest({}), "id");
}

TEST(ActorValidateBatchGetTest, AtMostAThousandNonEmptyIds) {
  v1::BatchGetActorsRequest request;
  EXPECT_TRUE(ValidateBatchGetActorsRequest(request).ok());
  for (int i = 0; i < 1000; ++i) request.add_ids("act_" + std::to_string(i));
  EXPECT_TRUE(ValidateBatchGetActorsRequest(request).ok());
  request.add_ids("act_one_more");
  ExpectInvalid(ValidateBatchGetActorsRequest(request), "ids");

  request.Clear();
  request.add_ids("act_1");
  request.add_ids("");
  ExpectInvalid(ValidateBatchGetActorsRequest(request), "ids[1]");
}

TEST(ActorValidateListActorsTest, Filters) {
  v1::ListActorsRequest request;
  EXPECT_TRUE(ValidateListActorsRequest(request).ok());
  request.set_type(static_cast<v1::ActorType>(42));
  ExpectInvalid(ValidateListActorsRequest(request), "type");
  request.set_type(v1::ACTOR_TYPE_GOVERNMENT);
  request.set_country_code("hti");
  ExpectInvalid(ValidateListActorsRequest(request), "country_code");
  request.set_country_code("HTI");
  request.set_query(std::string(201, 'q'));
  ExpectInvalid(ValidateListActorsRequest(request), "query");
  request.set_query("police");
  EXPECT_TRUE(ValidateListActorsRequest(request).ok());
}

v1::UpdateActorRequest GoodUpdate() {
  v1::UpdateActorRequest request;
  request.mutable_actor()->set_id("act_0123456789abcdef");
  request.mutable_actor()->set_name("New name");
  request.mutable_update_mask()->add_paths("name");
  return request;
}

TEST(ActorValidateUpdateActorTest, AcceptsEveryMutableField) {
  v1::UpdateActorRequest request;
  request.mutable_actor()->set_id("act_0123456789abcdef");
  request.mutable_actor()->set_name("n");
  request.mutable_actor()->set_type(v1::ACTOR_TYPE_NGO);
  for (const char* path :
       {"name", "aliases", "type", "country_code", "parent_id", "description", "external_ids"}) {
    EXPECT_TRUE(IsMutableActorField(path)) << path;
    request.mutable_update_mask()->add_paths(path);
  }
  EXPECT_TRUE(ValidateUpdateActorRequest(request).ok());
}

TEST(ActorValidateUpdateActorTest, EmptyMaskIsRejectedWithTheContractWording) {
  v1::UpdateActorRequest request = GoodUpdate();
  request.clear_update_mask();
  absl::Status status = ValidateUpdateActorRequest(request);
  ExpectInvalid(status, "update_mask");
  EXPECT_EQ(status.message(), "update_mask: must name at least one field");
}

TEST(ActorValidateUpdateActorTest, OutputOnlyFieldsInTheMask) {
  for (const char* path : {"id", "create_time", "update_time", "etag"}) {
    v1::UpdateActorRequest request = GoodUpdate();
    request.mutable_update_mask()->add_paths(path);
    absl::Status status = ValidateUpdateActorRequest(request);
    ExpectInvalid(status, "update_mask");
    EXPECT_THAT(std::string(status.message()), HasSubstr("output only")) << path;
    EXPECT_FALSE(IsMutableActorField(path));
  }
}

TEST(ActorValidateUpdateActorTest, UnknownPathsInTheMask) {
  for (const char* path : {"nickname", "Name", "actor.name", "", "external_ids.scheme"}) {
    v1::UpdateActorRequest request = GoodUpdate();
    request.mutable_update_mask()->add_paths(path);
    absl::Status status = ValidateUpdateActorRequest(request);
    ExpectInvalid(status, "update_mask");
    EXPECT_THAT(std::string(status.message()), HasSubstr("unknown field")) << path;
  }
}

TEST(ActorValidateUpdateActorTest, RequiresTheActorAndItsId) {
  v1::UpdateActorRequest request = GoodUpdate();
  request.clear_actor();
  ExpectInvalid(ValidateUpdateActorRequest(request), "actor");
  request = GoodUpdate();
  request.mutable_actor()->clear_id();
  ExpectInvalid(ValidateUpdateActorRequest(request), "actor.id");
}

TEST(ActorValidateUpdateActorTest, ChecksOnlyTheFieldsInTheMask) {
  v1::UpdateActorRequest request = GoodUpdate();
  request.mutable_actor()->set_country_code("nope");  // not in the mask: ignored
  EXPECT_TRUE(ValidateUpdateActorRequest(request).ok());
  request.mutable_update_mask()->add_paths("country_code");
  ExpectInvalid(ValidateUpdateActorRequest(request), "actor.country_code");

  request = GoodUpdate();
  request.mutable_actor()->clear_name();
  ExpectInvalid(ValidateUpdateActorRequest(request), "actor.name");

  request = GoodUpdate();
  request.mutable_update_mask()->add_paths("type");  // type stays required when updated
  ExpectInvalid(ValidateUpdateActorRequest(request), "actor.type");
}

TEST(ActorValidateUpdateActorTest, ParentMayNotBeTheActorItself) {
  v1::UpdateActorRequest request = GoodUpdate();
  request.mutable_actor()->set_parent_id(request.actor().id());
  request.mutable_update_mask()->add_paths("parent_id");
  ExpectInvalid(ValidateUpdateActorRequest(request), "actor.parent_id");
  request.mutable_actor()->clear_parent_id();  // clearing the parent is fine
  EXPECT_TRUE(ValidateUpdateActorRequest(request).ok());
}

TEST(ActorValidateResolveActorsTest, Names) {
  v1::ResolveActorsRequest request;
  EXPECT_TRUE(ValidateResolveActorsRequest(request).ok());
  for (int i = 0; i < 1000; ++i) request.add_names("name " + std::to_string(i));
  EXPECT_TRUE(ValidateResolveActorsRequest(request).ok());
  request.add_names("one more");
  ExpectInvalid(ValidateResolveActorsRequest(request), "names");

  request.Clear();
  request.add_names("ok");
  request.add_names("  ");
  ExpectInvalid(ValidateResolveActorsRequest(request), "names[1]");
  request.set_names(1, std::string(201, 'n'));
  ExpectInvalid(ValidateResolveActorsRequest(request), "names[1]");
}

TEST(ActorValidateResolveActorsTest, Defaults) {
  v1::ResolveActorsRequest request;
  request.add_names("x");
  request.set_default_type(static_cast<v1::ActorType>(-1));
  ExpectInvalid(ValidateResolveActorsRequest(request), "default_type");
  request.set_default_type(v1::ACTOR_TYPE_UNSPECIFIED);  // means OTHER
  request.set_default_country_code("Haiti");
  ExpectInvalid(ValidateResolveActorsRequest(request), "default_country_code");
  request.set_default_country_code("HTI");
  EXPECT_TRUE(ValidateResolveActorsRequest(request).ok());
}

TEST(ActorValidateResolveActorsTest, ActorsCountWithNamesTowardOneBound) {
  v1::ResolveActorsRequest request;
  for (int i = 0; i < 400; ++i) request.add_names("name " + std::to_string(i));
  for (int i = 0; i < 600; ++i) request.add_actors()->set_name("actor " + std::to_string(i));
  EXPECT_TRUE(ValidateResolveActorsRequest(request).ok());
  request.add_actors()->set_name("one more");
  absl::Status status = ValidateResolveActorsRequest(request);
  ExpectInvalid(status, "actors");
  EXPECT_EQ(status.message(),
            "actors: names and actors together must have at most 1000 entries, got 1001");
}

TEST(ActorValidateResolveActorsTest, EachActorIsCheckedLikeANameWithItsTypeAndCountry) {
  v1::ResolveActorsRequest request;
  request.add_names("a name");
  for (int i = 0; i < 4; ++i) {
    v1::ActorToResolve* actor = request.add_actors();
    actor->set_name("actor " + std::to_string(i));
  }
  // UNSPECIFIED type and an empty country take the request's defaults.
  request.mutable_actors(1)->set_type(v1::ACTOR_TYPE_NGO);
  request.mutable_actors(2)->set_country_code("HTI");
  EXPECT_TRUE(ValidateResolveActorsRequest(request).ok());

  request.mutable_actors(3)->set_name("\u200b");  // only a character the matching key drops
  ExpectInvalid(ValidateResolveActorsRequest(request), "actors[3].name");
  request.mutable_actors(3)->set_name("");
  ExpectInvalid(ValidateResolveActorsRequest(request), "actors[3].name");
  request.mutable_actors(3)->set_name(std::string(201, 'n'));
  ExpectInvalid(ValidateResolveActorsRequest(request), "actors[3].name");
  request.mutable_actors(3)->set_name("fine");

  request.mutable_actors(3)->set_type(static_cast<v1::ActorType>(999));
  absl::Status status = ValidateResolveActorsRequest(request);
  ExpectInvalid(status, "actors[3].type");
  EXPECT_EQ(status.message(), "actors[3].type: is not a known value (999)");
  request.mutable_actors(3)->set_type(v1::ACTOR_TYPE_UNSPECIFIED);

  request.mutable_actors(3)->set_country_code("XX");
  ExpectInvalid(ValidateResolveActorsRequest(request), "actors[3].country_code");
  request.mutable_actors(3)->set_country_code("hti");
  ExpectInvalid(ValidateResolveActorsRequest(request), "actors[3].country_code");
  request.mutable_actors(3)->set_country_code("");
  EXPECT_TRUE(ValidateResolveActorsRequest(request).ok());
}

v1::CreateRelationshipRequest GoodRelationship() {
  v1::CreateRelationshipRequest request;
  v1::Relationship* relationship = request.mutable_relationship();
  relationship->set_subject_id("act_aaaaaaaaaaaaaaaa");
  relationship->set_object_id("act_bbbbbbbbbbbbbbbb");
  relationship->set_type(v1::RELATIONSHIP_TYPE_MEMBER_OF);
  relationship->set_start_date("2020-01-01");
  relationship->set_end_date("2020-12-31");
  return request;
}

TEST(ActorValidateCreateRelationshipTest, AcceptsAGoodOne) {
  EXPECT_TRUE(ValidateCreateRelationshipRequest(GoodRelationship()).ok());
  v1::CreateRelationshipRequest request = GoodRelationship();
  request.mutable_relationship()->set_end_date("2020-01-01");  // one day is a valid range
  EXPECT_TRUE(ValidateCreateRelationshipRequest(request).ok());
  request.mutable_relationship()->clear_start_date();
  request.mutable_relationship()->clear_end_date();  // open on both sides
  EXPECT_TRUE(ValidateCreateRelationshipRequest(request).ok());
}

TEST(ActorValidateCreateRelationshipTest, Rejections) {
  ExpectInvalid(ValidateCreateRelationshipRequest({}), "relationship");

  v1::CreateRelationshipRequest request = GoodRelationship();
  request.mutable_relationship()->clear_subject_id();
  ExpectInvalid(ValidateCreateRelationshipRequest(request), "relationship.subject_id");

  request = GoodRelationship();
  request.mutable_relationship()->clear_object_id();
  ExpectInvalid(ValidateCreateRelationshipRequest(request), "relationship.object_id");

  request = GoodRelationship();
  request.mutable_relationship()->set_object_id(request.relationship().subject_id());
  ExpectInvalid(ValidateCreateRelationshipRequest(request), "relationship.object_id");

  request = GoodRelationship();
  request.mutable_relationship()->set_type(v1::RELATIONSHIP_TYPE_UNSPECIFIED);
  ExpectInvalid(ValidateCreateRelationshipRequest(request), "relationship.type");
  request.mutable_relationship()->set_type(static_cast<v1::RelationshipType>(77));
  ExpectInvalid(ValidateCreateRelationshipRequest(request), "relationship.type");

  request = GoodRelationship();
  request.mutable_relationship()->set_start_date("2020-02-30");
  ExpectInvalid(ValidateCreateRelationshipRequest(request), "relationship.start_date");
  request = GoodRelationship();
  request.mutable_relationship()->set_end_date("31/12/2020");
  ExpectInvalid(ValidateCreateRelationshipRequest(request), "relationship.end_date");
  request = GoodRelationship();
  request.mutable_relationship()->set_start_date("2021-01-01");
  ExpectInvalid(ValidateCreateRelationshipRequest(request), "relationship.end_date");

  request = GoodRelationship();
  request.mutable_relationship()->mutable_source()->set_url("https://example.org");  // no name
  ExpectInvalid(ValidateCreateRelationshipRequest(request), "relationship.source.name");

  request = GoodRelationship();
  request.set_request_id(std::string(129, 'r'));
  ExpectInvalid(ValidateCreateRelationshipRequest(request), "request_id");
}

TEST(ActorValidateListRelationshipsTest, Filters) {
  v1::ListRelationshipsRequest request;
  EXPECT_TRUE(ValidateListRelationshipsRequest(request).ok());
  request.set_as_of_date("2024-13-01");
  ExpectInvalid(ValidateListRelationshipsRequest(request), "as_of_date");
  request.set_as_of_date("2024-02-29");
  EXPECT_TRUE(ValidateListRelationshipsRequest(request).ok());
  request.set_type(static_cast<v1::RelationshipType>(9));
  ExpectInvalid(ValidateListRelationshipsRequest(request), "type");
  request.set_type(v1::RELATIONSHIP_TYPE_OPPOSES);
  request.set_actor_id(std::string(65, 'a'));
  ExpectInvalid(ValidateListRelationshipsRequest(request), "actor_id");
}

}  // namespace
}  // namespace lookout::actor
