#include "services/actor/sqlite_actor_store.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace lookout::actor {
namespace {

constexpr char kSecretKey[] = "page_token_secret";

// Version 1. Columns hold what queries filter and sort on; the full Actor or Relationship is
// the serialized proto, so adding a field to the proto needs no migration.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE actors (
  seq INTEGER PRIMARY KEY,            -- creation order: breaks ties between shared aliases
  id TEXT NOT NULL UNIQUE,
  name_key TEXT NOT NULL UNIQUE,      -- NormalizeName(name); names are unique by key
  type INTEGER NOT NULL,
  country_code TEXT NOT NULL,
  parent_id TEXT NOT NULL,
  proto BLOB NOT NULL
);
CREATE INDEX actors_by_parent ON actors(parent_id);

-- Every matching key of an actor: its name (is_alias = 0) and its aliases.
CREATE TABLE actor_names (
  name_key TEXT NOT NULL,
  actor_id TEXT NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
  is_alias INTEGER NOT NULL,
  PRIMARY KEY (name_key, actor_id)
) WITHOUT ROWID;
CREATE INDEX actor_names_by_actor ON actor_names(actor_id);

-- No cascade: the domain decides what deleting an actor does to its relationships, and a
-- relationship left pointing at a deleted actor fails the delete instead of dangling.
CREATE TABLE relationships (
  id TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL REFERENCES actors(id),
  object_id TEXT NOT NULL REFERENCES actors(id),
  type INTEGER NOT NULL,
  start_date TEXT NOT NULL,           -- YYYY-MM-DD or '' (open); text order is date order
  end_date TEXT NOT NULL,
  proto BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX relationships_by_subject ON relationships(subject_id, id);
CREATE INDEX relationships_by_object ON relationships(object_id, id);

CREATE TABLE request_ids (
  method TEXT NOT NULL,
  request_id TEXT NOT NULL,
  payload_hash TEXT NOT NULL,
  result_id TEXT NOT NULL,
  PRIMARY KEY (method, request_id)
) WITHOUT ROWID;

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Version 2: the change log (issue 26). One row per change of an actor or a relationship, with
// its states before and after (serialized protos, '' for none) so a history can say which fields
// each change altered, and who made it. A relationship's row is found from both its actors:
// actor_id is its subject, other_actor_id its object ('' for an actor's own change).
// AUTOINCREMENT: a sequence is never given twice, even after the newest row is gone.
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE actor_changes (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  type INTEGER NOT NULL,              -- lookout.actor.v1.ChangeType
  kind INTEGER NOT NULL,              -- 0 an actor, 1 a relationship
  entity_id TEXT NOT NULL,            -- the actor's or the relationship's id
  actor_id TEXT NOT NULL,
  other_actor_id TEXT NOT NULL,
  before BLOB NOT NULL,
  after BLOB NOT NULL,
  principal TEXT NOT NULL,
  request_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  time_micros INTEGER NOT NULL
);
CREATE INDEX actor_changes_by_actor ON actor_changes(actor_id, sequence);
CREATE INDEX actor_changes_by_other_actor ON actor_changes(other_actor_id, sequence);
)sql";

template <typename Message>
absl::StatusOr<Message> ParseRow(const std::string& blob, absl::string_view table) {
  Message message;
  if (!message.ParseFromString(blob)) {
    return errors::StorageFailure(absl::StrCat("a row of ", table, " does not parse"));
  }
  return message;
}

// The filter part shared by ListActors and CountActors; parameters ?1..?3.
constexpr char kActorFilterSql[] = R"sql(
  (?1 = 0 OR a.type = ?1)
  AND (?2 = '' OR a.country_code = ?2)
  AND (?3 = '' OR EXISTS (SELECT 1 FROM actor_names n
                          WHERE n.actor_id = a.id AND instr(n.name_key, ?3) > 0)))sql";

// ListActors walks the actors in name order (the name_key index) and stops after the page; the
// filters are tested on the way. Two statements rather than "?4 = 0 OR ..." so the keyset
// condition can use the index.
const std::string& ListActorsFirstPage() {
  static const std::string* const sql =
      new std::string(absl::StrCat("SELECT a.name_key, a.proto FROM actors a WHERE",
                                   kActorFilterSql, " ORDER BY a.name_key, a.id LIMIT ?4"));
  return *sql;
}
const std::string& ListActorsNextPage() {
  static const std::string* const sql = new std::string(
      absl::StrCat("SELECT a.name_key, a.proto FROM actors a WHERE", kActorFilterSql,
                   " AND (a.name_key, a.id) > (?5, ?6) ORDER BY a.name_key, a.id LIMIT ?4"));
  return *sql;
}
const std::string& CountActorsSql() {
  static const std::string* const sql =
      new std::string(absl::StrCat("SELECT count(*) FROM actors a WHERE", kActorFilterSql));
  return *sql;
}

// ListRelationships: the conditions both statements share; ?2 type, ?3 as_of_date.
constexpr char kRelationshipFilterSql[] =
    " AND (?2 = 0 OR type = ?2)"
    " AND (?3 = '' OR ((start_date = '' OR start_date <= ?3)"
    " AND (end_date = '' OR end_date >= ?3)))";
// Every relationship, in id order: a walk of the primary key from the cursor (?4).
const std::string& ListRelationshipsSql() {
  static const std::string* const sql =
      new std::string(absl::StrCat("SELECT id, proto FROM relationships WHERE id > ?4",
                                   kRelationshipFilterSql, " ORDER BY id LIMIT ?5"));
  return *sql;
}
// One actor's (?1). "subject_id = ?1 OR object_id = ?1" cannot walk an index in id order, so
// the two index walks (by subject, by object, each in id order) are merged and stop after the
// page; the second skips what the first finds (an actor related to itself).
const std::string& ListRelationshipsOfActorSql() {
  static const std::string* const sql = new std::string(
      absl::StrCat("SELECT id, proto FROM relationships WHERE subject_id = ?1 AND id > ?4",
                   kRelationshipFilterSql,
                   " UNION ALL SELECT id, proto FROM relationships"
                   " WHERE object_id = ?1 AND subject_id <> ?1 AND id > ?4",
                   kRelationshipFilterSql, " ORDER BY id LIMIT ?5"));
  return *sql;
}

constexpr char kGetActor[] = "SELECT proto FROM actors WHERE id = ?1";
constexpr char kFindIdByNameKey[] = "SELECT id FROM actors WHERE name_key = ?1";
constexpr char kFindIdByAliasKey[] =
    "SELECT n.actor_id FROM actor_names n JOIN actors a ON a.id = n.actor_id "
    "WHERE n.name_key = ?1 AND n.is_alias = 1 ORDER BY a.seq LIMIT 1";
constexpr char kHasChildren[] = "SELECT 1 FROM actors WHERE parent_id = ?1 LIMIT 1";
constexpr char kGetRelationship[] = "SELECT proto FROM relationships WHERE id = ?1";
constexpr char kGetRequest[] =
    "SELECT payload_hash, result_id FROM request_ids WHERE method = ?1 AND request_id = ?2";
constexpr char kUpdateActor[] =
    "UPDATE actors SET name_key = ?2, type = ?3, country_code = ?4, parent_id = ?5, proto = ?6 "
    "WHERE id = ?1";
constexpr char kDeleteActor[] = "DELETE FROM actors WHERE id = ?1";
constexpr char kDeleteRelationship[] = "DELETE FROM relationships WHERE id = ?1";
constexpr char kDeleteRelationshipsOf[] =
    "DELETE FROM relationships WHERE subject_id = ?1 OR object_id = ?1";
constexpr char kDeleteKeys[] = "DELETE FROM actor_names WHERE actor_id = ?1";
// An actor's history, newest first below a sequence (?2): the walks of its two indexes merged,
// the second skipping what the first finds (a relationship of an actor with itself).
constexpr char kActorChanges[] =
    "SELECT sequence, type, kind, entity_id, actor_id, other_actor_id, before, after, principal, "
    "request_id, reason, time_micros FROM actor_changes WHERE actor_id = ?1 AND sequence < ?2 "
    "UNION ALL "
    "SELECT sequence, type, kind, entity_id, actor_id, other_actor_id, before, after, principal, "
    "request_id, reason, time_micros FROM actor_changes "
    "WHERE other_actor_id = ?1 AND actor_id <> ?1 AND sequence < ?2 "
    "ORDER BY sequence DESC LIMIT ?3";
constexpr char kRecordChange[] =
    "INSERT INTO actor_changes (type, kind, entity_id, actor_id, other_actor_id, before, after, "
    "principal, request_id, reason, time_micros) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

void BindActorFilter(Statement& statement, const ActorFilter& filter) {
  statement.Bind(1, static_cast<int64_t>(filter.type))
      .Bind(2, filter.country_code)
      .Bind(3, filter.query_key);
}

// One transaction on one connection, for reads (Reader) or for writes (Writer).
class SqliteTransaction final : public ActorStore::Writer {
 public:
  explicit SqliteTransaction(SqliteConnection& db) : db_(db) {}

  absl::StatusOr<std::optional<v1::Actor>> GetActor(absl::string_view id) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, db_.Prepare(kGetActor));
    query.Bind(1, id);
    LOOKOUT_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return std::nullopt;
    return ParseRow<v1::Actor>(query.Blob(0), "actors");
  }

  absl::StatusOr<std::optional<std::string>> FindIdByNameKey(absl::string_view key) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, db_.Prepare(kFindIdByNameKey));
    query.Bind(1, key);
    LOOKOUT_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return std::nullopt;
    return query.Text(0);
  }

  absl::StatusOr<std::optional<std::string>> FindIdByAliasKey(absl::string_view key) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, db_.Prepare(kFindIdByAliasKey));
    query.Bind(1, key);
    LOOKOUT_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return std::nullopt;
    return query.Text(0);
  }

  // Key by key on the cached statements: an in-process point read costs a few microseconds,
  // less than building one statement for a set of keys would.
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> FindIdsByNameKeys(
      const std::vector<std::string>& keys) override {
    return FindEach(keys, kFindIdByNameKey);
  }

  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> FindIdsByAliasKeys(
      const std::vector<std::string>& keys) override {
    return FindEach(keys, kFindIdByAliasKey);
  }

  absl::StatusOr<bool> HasChildren(absl::string_view id) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, db_.Prepare(kHasChildren));
    query.Bind(1, id);
    return query.Step();
  }

  absl::StatusOr<std::vector<ListedActor>> ListActors(const ActorFilter& filter,
                                                      const std::optional<ActorPosition>& after,
                                                      int limit) override {
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(after.has_value() ? ListActorsNextPage() : ListActorsFirstPage()));
    BindActorFilter(query, filter);
    query.Bind(4, limit);
    if (after.has_value()) query.Bind(5, after->name_key).Bind(6, after->id);
    std::vector<ListedActor> actors;
    while (true) {
      LOOKOUT_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      LOOKOUT_ASSIGN_OR_RETURN(v1::Actor actor, ParseRow<v1::Actor>(query.Blob(1), "actors"));
      actors.push_back({query.Text(0), std::move(actor)});
    }
    return actors;
  }

  absl::StatusOr<int64_t> CountActors(const ActorFilter& filter) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, db_.Prepare(CountActorsSql()));
    BindActorFilter(query, filter);
    LOOKOUT_ASSIGN_OR_RETURN(bool row, query.Step());
    return row ? query.Int64(0) : 0;
  }

  absl::StatusOr<std::optional<v1::Relationship>> GetRelationship(absl::string_view id) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, db_.Prepare(kGetRelationship));
    query.Bind(1, id);
    LOOKOUT_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return std::nullopt;
    return ParseRow<v1::Relationship>(query.Blob(0), "relationships");
  }

  absl::StatusOr<std::vector<v1::Relationship>> ListRelationships(const RelationshipFilter& filter,
                                                                  absl::string_view after_id,
                                                                  int limit) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query,
                             db_.Prepare(filter.actor_id.empty() ? ListRelationshipsSql()
                                                                 : ListRelationshipsOfActorSql()));
    if (!filter.actor_id.empty()) query.Bind(1, filter.actor_id);
    query.Bind(2, static_cast<int64_t>(filter.type))
        .Bind(3, filter.as_of_date)
        .Bind(4, after_id)
        .Bind(5, limit);
    std::vector<v1::Relationship> relationships;
    while (true) {
      LOOKOUT_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      LOOKOUT_ASSIGN_OR_RETURN(v1::Relationship relationship,
                               ParseRow<v1::Relationship>(query.Blob(1), "relationships"));
      relationships.push_back(std::move(relationship));
    }
    return relationships;
  }

  absl::StatusOr<std::optional<RequestRecord>> GetRequest(absl::string_view method,
                                                          absl::string_view request_id) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, db_.Prepare(kGetRequest));
    query.Bind(1, method).Bind(2, request_id);
    LOOKOUT_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return std::nullopt;
    return RequestRecord{query.Text(0), query.Text(1)};
  }

  absl::StatusOr<std::vector<ActorChange>> ActorChanges(absl::string_view actor_id,
                                                        int64_t before_sequence,
                                                        int limit) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, db_.Prepare(kActorChanges));
    query.Bind(1, actor_id)
        .Bind(2, before_sequence > 0 ? before_sequence : std::numeric_limits<int64_t>::max())
        .Bind(3, limit);
    std::vector<ActorChange> changes;
    while (true) {
      LOOKOUT_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      ActorChange change;
      change.sequence = query.Int64(0);
      change.type = static_cast<v1::ChangeType>(query.Int64(1));
      change.kind =
          query.Int64(2) == 1 ? ActorChange::Kind::kRelationship : ActorChange::Kind::kActor;
      change.id = query.Text(3);
      change.actor_id = query.Text(4);
      change.other_actor_id = query.Text(5);
      change.before = query.Blob(6);
      change.after = query.Blob(7);
      change.author.principal = query.Text(8);
      change.author.request_id = query.Text(9);
      change.author.reason = query.Text(10);
      change.author.time_micros = query.Int64(11);
      changes.push_back(std::move(change));
    }
    return changes;
  }

  absl::Status RecordChanges(const std::vector<ActorChange>& changes) override {
    for (const ActorChange& change : changes) {
      LOOKOUT_ASSIGN_OR_RETURN(Statement insert, db_.Prepare(kRecordChange));
      insert.Bind(1, static_cast<int64_t>(change.type))
          .Bind(2, static_cast<int64_t>(change.kind))
          .Bind(3, change.id)
          .Bind(4, change.actor_id)
          .Bind(5, change.other_actor_id)
          .BindBlob(6, change.before)
          .BindBlob(7, change.after)
          .Bind(8, change.author.principal)
          .Bind(9, change.author.request_id)
          .Bind(10, change.author.reason)
          .Bind(11, change.author.time_micros);
      LOOKOUT_RETURN_IF_ERROR(insert.Run());
    }
    return absl::OkStatus();
  }

  absl::Status InsertActor(const StoredActor& stored) override {
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO actors (id, name_key, type, country_code, parent_id, proto) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    BindActorColumns(insert, stored);
    LOOKOUT_RETURN_IF_ERROR(insert.Run());
    return InsertKeys(stored);
  }

  // One by one: the single writer holds the file, so there is no order to keep and no round
  // trip to save.
  absl::Status InsertActors(const std::vector<StoredActor>& actors) override {
    for (const StoredActor& stored : actors) LOOKOUT_RETURN_IF_ERROR(InsertActor(stored));
    return absl::OkStatus();
  }

  absl::Status UpdateActor(const StoredActor& stored) override {
    {
      LOOKOUT_ASSIGN_OR_RETURN(Statement update, db_.Prepare(kUpdateActor));
      BindActorColumns(update, stored);
      LOOKOUT_RETURN_IF_ERROR(update.Run());
      if (db_.Changes() != 1) {
        return errors::StorageFailure(absl::StrCat("no actor row ", stored.actor.id()));
      }
    }
    LOOKOUT_RETURN_IF_ERROR(DeleteKeys(stored.actor.id()));
    return InsertKeys(stored);
  }

  absl::Status DeleteActor(absl::string_view id) override {
    LOOKOUT_RETURN_IF_ERROR(DeleteKeys(id));
    LOOKOUT_ASSIGN_OR_RETURN(Statement remove, db_.Prepare(kDeleteActor));
    remove.Bind(1, id);
    return remove.Run();
  }

  absl::Status InsertRelationship(const v1::Relationship& relationship) override {
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO relationships "
                    "(id, subject_id, object_id, type, start_date, end_date, proto) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    insert.Bind(1, relationship.id())
        .Bind(2, relationship.subject_id())
        .Bind(3, relationship.object_id())
        .Bind(4, static_cast<int64_t>(relationship.type()))
        .Bind(5, relationship.start_date())
        .Bind(6, relationship.end_date())
        .BindBlob(7, relationship.SerializeAsString());
    return insert.Run();
  }

  absl::StatusOr<bool> DeleteRelationship(absl::string_view id) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement remove, db_.Prepare(kDeleteRelationship));
    remove.Bind(1, id);
    LOOKOUT_RETURN_IF_ERROR(remove.Run());
    return db_.Changes() > 0;
  }

  absl::Status DeleteRelationshipsOf(absl::string_view actor_id) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement remove, db_.Prepare(kDeleteRelationshipsOf));
    remove.Bind(1, actor_id);
    return remove.Run();
  }

  absl::Status RecordRequest(absl::string_view method, absl::string_view request_id,
                             const RequestRecord& record) override {
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO request_ids (method, request_id, payload_hash, result_id) "
                    "VALUES (?1, ?2, ?3, ?4)"));
    insert.Bind(1, method)
        .Bind(2, request_id)
        .Bind(3, record.payload_hash)
        .Bind(4, record.result_id);
    return insert.Run();
  }

 private:
  // Runs `sql` (one key as ?1, one id back) for each key, keeping the keys that found one.
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> FindEach(
      const std::vector<std::string>& keys, const char* sql) {
    absl::flat_hash_map<std::string, std::string> found;
    for (const std::string& key : keys) {
      LOOKOUT_ASSIGN_OR_RETURN(Statement query, db_.Prepare(sql));
      query.Bind(1, key);
      LOOKOUT_ASSIGN_OR_RETURN(bool row, query.Step());
      if (row) found.emplace(key, query.Text(0));
    }
    return found;
  }

  static void BindActorColumns(Statement& statement, const StoredActor& stored) {
    const v1::Actor& actor = stored.actor;
    statement.Bind(1, actor.id())
        .Bind(2, stored.name_key)
        .Bind(3, static_cast<int64_t>(actor.type()))
        .Bind(4, actor.country_code())
        .Bind(5, actor.parent_id())
        .BindBlob(6, actor.SerializeAsString());
  }

  absl::Status InsertKeys(const StoredActor& stored) {
    LOOKOUT_RETURN_IF_ERROR(InsertKey(stored.name_key, stored.actor.id(), /*is_alias=*/false));
    for (const std::string& key : stored.alias_keys) {
      LOOKOUT_RETURN_IF_ERROR(InsertKey(key, stored.actor.id(), /*is_alias=*/true));
    }
    return absl::OkStatus();
  }

  absl::Status InsertKey(absl::string_view key, absl::string_view actor_id, bool is_alias) {
    // OR IGNORE: an alias equal to the name (or to another alias) needs no second row.
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT OR IGNORE INTO actor_names (name_key, actor_id, is_alias) "
                    "VALUES (?1, ?2, ?3)"));
    insert.Bind(1, key).Bind(2, actor_id).Bind(3, is_alias ? 1 : 0);
    return insert.Run();
  }

  absl::Status DeleteKeys(absl::string_view actor_id) {
    LOOKOUT_ASSIGN_OR_RETURN(Statement remove, db_.Prepare(kDeleteKeys));
    remove.Bind(1, actor_id);
    return remove.Run();
  }

  SqliteConnection& db_;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> SqliteActorStore::Queries() {
  return {
      {"GetActor", kGetActor},
      {"FindIdByNameKey", kFindIdByNameKey},
      {"FindIdByAliasKey", kFindIdByAliasKey},
      {"HasChildren", kHasChildren},
      {"ListActorsFirstPage", ListActorsFirstPage()},
      {"ListActorsNextPage", ListActorsNextPage()},
      {"CountActors", CountActorsSql()},
      {"GetRelationship", kGetRelationship},
      {"ListRelationships", ListRelationshipsSql()},
      {"ListRelationshipsOfActor", ListRelationshipsOfActorSql()},
      {"GetRequest", kGetRequest},
      {"UpdateActor", kUpdateActor},
      {"DeleteActor", kDeleteActor},
      {"DeleteRelationship", kDeleteRelationship},
      {"DeleteRelationshipsOf", kDeleteRelationshipsOf},
      {"DeleteKeys", kDeleteKeys},
      {"ActorChanges", kActorChanges},
  };
}

const std::vector<Migration>& SqliteActorStore::Migrations() {
  static const auto* migrations = new std::vector<Migration>{{1, kSchemaV1}, {2, kSchemaV2}};
  return *migrations;
}

absl::StatusOr<std::unique_ptr<SqliteActorStore>> SqliteActorStore::Open(const std::string& path) {
  SqliteDatabase::Options options;
  options.path = path;
  options.metrics_name = "actor";
  LOOKOUT_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> db,
                           SqliteDatabase::Open(options, Migrations()));
  auto store = std::unique_ptr<SqliteActorStore>(new SqliteActorStore(std::move(db)));

  LOOKOUT_ASSIGN_OR_RETURN(store->page_token_secret_,
                           LoadOrCreateMetaValue(*store->db_, kSecretKey, RandomHex(32)));
  return store;
}

absl::Status SqliteActorStore::Read(absl::FunctionRef<absl::Status(Reader&)> fn) {
  return db_->Read([&](SqliteConnection& c) -> absl::Status {
    // One read transaction, so a page and its total_size come from the same snapshot.
    // (SqliteDatabase::Read rolls back what an error leaves open.)
    LOOKOUT_RETURN_IF_ERROR(c.Exec("BEGIN"));
    SqliteTransaction transaction(c);
    LOOKOUT_RETURN_IF_ERROR(fn(transaction));
    return c.Exec("COMMIT");
  });
}

absl::Status SqliteActorStore::Write(absl::FunctionRef<absl::Status(Writer&)> fn) {
  return db_->Write([&](SqliteConnection& c) -> absl::Status {
    SqliteTransaction transaction(c);
    return fn(transaction);
  });
}

}  // namespace lookout::actor
