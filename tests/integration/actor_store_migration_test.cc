// The actor store's upgrade to version 2 (the change log, issue 26) on both backends: a store
// written at version 1 keeps its actors and relationships, its actors have an empty history (not
// NOT_FOUND) until their first change, and that change records the state it replaced.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "common/pg_pool.h"
#include "common/sqlite_db.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "services/actor/name_normalizer.h"
#include "services/actor/postgres_actor_schema.h"
#include "services/actor/sqlite_actor_store.h"
#include "tests/integration/actor_replica.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::actor {
namespace {

using lookout::testing::StoreBackend;
using ::testing::ElementsAre;

constexpr char kGang[] = "act_00000000000000a1";
constexpr char kCoalition[] = "act_00000000000000a2";
constexpr char kRelationship[] = "rel_00000000000000b1";

v1::Actor OldActor(const std::string& id, const std::string& name) {
  v1::Actor actor;
  actor.set_id(id);
  actor.set_name(name);
  actor.set_type(v1::ACTOR_TYPE_POLITICAL_MILITIA);
  actor.set_country_code("HTI");
  actor.mutable_create_time()->set_seconds(1700000000);
  actor.mutable_update_time()->set_seconds(1700000000);
  actor.set_etag("0123456789abcdef01234567");
  return actor;
}

v1::Relationship OldRelationship() {
  v1::Relationship relationship;
  relationship.set_id(kRelationship);
  relationship.set_subject_id(kGang);
  relationship.set_object_id(kCoalition);
  relationship.set_type(v1::RELATIONSHIP_TYPE_MEMBER_OF);
  relationship.mutable_create_time()->set_seconds(1700000001);
  return relationship;
}

std::vector<Migration> UpToVersion1(const std::vector<Migration>& all) {
  std::vector<Migration> first;
  for (const Migration& m : all) {
    if (m.version <= 1) first.push_back(m);
  }
  return first;
}

// Version 1's rows, as a version-1 service wrote them.
void WriteVersion1Store(const StoreLocation& location) {
  const std::string gang_key = NormalizeName("Gran Grif");
  const std::string coalition_key = NormalizeName("Viv Ansanm");
  const std::string gang = OldActor(kGang, "Gran Grif").SerializeAsString();
  const std::string coalition = OldActor(kCoalition, "Viv Ansanm").SerializeAsString();
  const std::string relationship = OldRelationship().SerializeAsString();
  if (!location.postgres.has_value()) {
    SqliteDatabase::Options options;
    options.path = location.sqlite_path;
    auto db = SqliteDatabase::Open(options, UpToVersion1(SqliteActorStore::Migrations()));
    ASSERT_TRUE(db.ok()) << db.status();
    absl::Status written = (*db)->Write([&](SqliteConnection& c) -> absl::Status {
      // One statement per row set: Prepare takes one statement.
      const std::vector<std::string> statements = {
          "INSERT INTO actors (id, name_key, type, country_code, parent_id, proto) "
          "VALUES (?1, ?7, 3, 'HTI', '', ?2), (?3, ?8, 3, 'HTI', '', ?4)",
          "INSERT INTO actor_names (name_key, actor_id, is_alias) VALUES (?7, ?1, 0), "
          "(?8, ?3, 0)",
          "INSERT INTO relationships (id, subject_id, object_id, type, start_date, end_date, "
          "proto) VALUES (?5, ?1, ?3, 1, '', '', ?6)"};
      for (const std::string& sql : statements) {
        auto statement = c.Prepare(sql);
        if (!statement.ok()) return statement.status();
        // Only the parameters a statement has are bound.
        statement->Bind(1, kGang);
        if (sql.find("?2") != std::string::npos) statement->BindBlob(2, gang);
        if (sql.find("?3") != std::string::npos) statement->Bind(3, kCoalition);
        if (sql.find("?4") != std::string::npos) statement->BindBlob(4, coalition);
        if (sql.find("?5") != std::string::npos) statement->Bind(5, kRelationship);
        if (sql.find("?6") != std::string::npos) statement->BindBlob(6, relationship);
        if (sql.find("?7") != std::string::npos)
          statement->Bind(7, gang_key).Bind(8, coalition_key);
        if (absl::Status s = statement->Run(); !s.ok()) return s;
      }
      return absl::OkStatus();
    });
    ASSERT_TRUE(written.ok()) << written;
    return;
  }
  auto pool = pg::Pool::Create(*location.postgres);
  ASSERT_TRUE(pool.ok()) << pool.status();
  ASSERT_TRUE((*pool)->Migrate(UpToVersion1(PostgresActorMigrations())).ok());
  absl::Status written = (*pool)->Transaction([&](pg::Session& session) -> absl::Status {
    if (absl::Status s =
            session.Run("INSERT INTO actors (id, name_key, type, country_code, parent_id, proto) "
                        "VALUES ($1, $5, 3, 'HTI', '', $2), ($3, $6, 3, 'HTI', '', $4)",
                        pg::Params()
                            .Add(kGang)
                            .AddBytes(gang)
                            .Add(kCoalition)
                            .AddBytes(coalition)
                            .Add(gang_key)
                            .Add(coalition_key));
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            session.Run("INSERT INTO actor_names (name_key, actor_id, is_alias) VALUES "
                        "($3, $1, false), ($4, $2, false)",
                        pg::Params().Add(kGang).Add(kCoalition).Add(gang_key).Add(coalition_key));
        !s.ok()) {
      return s;
    }
    return session.Run(
        "INSERT INTO relationships (id, subject_id, object_id, type, start_date, end_date, proto) "
        "VALUES ($1, $2, $3, 1, '', '', $4)",
        pg::Params().Add(kRelationship).Add(kGang).Add(kCoalition).AddBytes(relationship));
  });
  ASSERT_TRUE(written.ok()) << written;
}

class ActorStoreMigrationTest : public ::testing::TestWithParam<StoreBackend> {};

TEST_P(ActorStoreMigrationTest, Version1DataSurvivesAndItsFirstChangeRecordsWhatItReplaced) {
  lookout::testing::TempDir dir;
  const StoreLocation location =
      lookout::testing::TestStoreLocation(GetParam(), dir.File("actor.db"), "actor");
  ASSERT_NO_FATAL_FAILURE(WriteVersion1Store(location));

  testing::ActorReplica replica(location);  // opens the store: migrates to the newest version
  ASSERT_TRUE(replica.ok());
  using Stub = v1::ActorService::Stub;

  v1::GetActorRequest get;
  get.set_id(kGang);
  v1::GetActorResponse got;
  ASSERT_TRUE(replica.Call(&Stub::GetActor, get, &got).ok());
  EXPECT_EQ(got.actor().name(), "Gran Grif");
  EXPECT_EQ(replica.ActorCount(), 2);
  v1::ResolveActorsRequest resolve;
  resolve.add_names("viv  ANSANM");
  v1::ResolveActorsResponse resolved;
  ASSERT_TRUE(replica.Resolve(resolve, &resolved).ok());
  EXPECT_EQ(resolved.resolutions(0).actor_id(), kCoalition);
  v1::ListRelationshipsRequest relations;
  relations.set_actor_id(kCoalition);
  v1::ListRelationshipsResponse related;
  ASSERT_TRUE(replica.Call(&Stub::ListRelationships, relations, &related).ok());
  ASSERT_EQ(related.relationships_size(), 1);
  EXPECT_EQ(related.relationships(0).id(), kRelationship);

  // No change recorded yet: an empty history, not NOT_FOUND.
  v1::ListActorRevisionsRequest history;
  history.set_id(kGang);
  v1::ListActorRevisionsResponse revisions;
  ASSERT_TRUE(replica.Call(&Stub::ListActorRevisions, history, &revisions).ok());
  EXPECT_EQ(revisions.revisions_size(), 0);

  // The first change after the upgrade: the stored state before it gives its changed fields.
  v1::UpdateActorRequest update;
  update.mutable_actor()->set_id(kGang);
  update.mutable_actor()->set_description("a gang of the Artibonite");
  update.mutable_update_mask()->add_paths("description");
  update.set_reason("first edit after the upgrade");
  v1::UpdateActorResponse updated;
  ASSERT_TRUE(replica.Call(&Stub::UpdateActor, update, &updated).ok());
  v1::DeleteRelationshipRequest unrelate;
  unrelate.set_id(kRelationship);
  v1::DeleteRelationshipResponse unrelated;
  ASSERT_TRUE(replica.Call(&Stub::DeleteRelationship, unrelate, &unrelated).ok());

  ASSERT_TRUE(replica.Call(&Stub::ListActorRevisions, history, &revisions).ok());
  ASSERT_EQ(revisions.revisions_size(), 2);
  EXPECT_EQ(revisions.revisions(0).type(), v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(revisions.revisions(0).relationship().id(), kRelationship);
  EXPECT_EQ(revisions.revisions(1).type(), v1::CHANGE_TYPE_UPDATED);
  EXPECT_THAT(revisions.revisions(1).changed_paths(), ElementsAre("description"));
  EXPECT_EQ(revisions.revisions(1).provenance().reason(), "first edit after the upgrade");
  EXPECT_EQ(revisions.revisions(1).actor().create_time().seconds(), 1700000000);
  history.set_id(kCoalition);
  ASSERT_TRUE(replica.Call(&Stub::ListActorRevisions, history, &revisions).ok());
  ASSERT_EQ(revisions.revisions_size(), 1);
  EXPECT_EQ(revisions.revisions(0).relationship().id(), kRelationship);
}

INSTANTIATE_TEST_SUITE_P(Backends, ActorStoreMigrationTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::actor
