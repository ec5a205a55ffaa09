#include "services/actor/postgres_actor_store.h"

#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "services/actor/postgres_actor_schema.h"

namespace lookout::actor {
namespace {

using pg::Params;
using pg::Result;

constexpr char kSecretKey[] = "page_token_secret";

template <typename Message>
absl::StatusOr<Message> ParseRow(absl::string_view bytes, absl::string_view table) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return errors::StorageFailure(absl::StrCat("a row of ", table, " does not parse"));
  }
  return message;
}

// The filter part shared by ListActors and CountActors; parameters $1..$3 (type, country code,
// query key). A query key matches as a plain substring (strpos, like SQLite's instr): '%' and
// '_' are characters like any other.
constexpr char kActorFilterSql[] = R"sql(
  ($1 = 0 OR a.type = $1)
  AND ($2 = '' OR a.country_code = $2)
  AND ($3 = '' OR EXISTS (SELECT 1 FROM actor_names n
                          WHERE n.actor_id = a.id AND strpos(n.name_key, $3) > 0)))sql";

// ListActors walks the actors in name order and stops after the page ($4 rows). Two statements
// rather than one with "$4 = 0 OR ..." so the keyset condition can use the name_key index.
const std::string& ListActorsFirstPage() {
  static const std::string* const sql =
      new std::string(absl::StrCat("SELECT a.name_key, a.proto FROM actors a WHERE",
                                   kActorFilterSql, " ORDER BY a.name_key, a.id LIMIT $4"));
  return *sql;
}
const std::string& ListActorsNextPage() {
  static const std::string* const sql = new std::string(
      absl::StrCat("SELECT a.name_key, a.proto FROM actors a WHERE", kActorFilterSql,
                   " AND (a.name_key, a.id) > ($5, $6) ORDER BY a.name_key, a.id LIMIT $4"));
  return *sql;
}
const std::string& CountActorsSql() {
  static const std::string* const sql =
      new std::string(absl::StrCat("SELECT count(*) FROM actors a WHERE", kActorFilterSql));
  return *sql;
}

// ListRelationships: the conditions both statements share; $2 type, $3 as_of_date, $4 the
// cursor (ids after it), $5 the limit.
constexpr char kRelationshipFilterSql[] =
    " AND id > $4"
    " AND ($2 = 0 OR type = $2)"
    " AND ($3 = '' OR ((start_date = '' OR start_date <= $3)"
    " AND (end_date = '' OR end_date >= $3)))";
// Every relationship, in id order: a walk of the primary key from the cursor. ($1, the actor,
// goes unused: its type is declared when the statement is prepared, so that is allowed.)
const std::string& ListRelationshipsSql() {
  static const std::string* const sql =
      new std::string(absl::StrCat("SELECT id, proto FROM relationships WHERE true",
                                   kRelationshipFilterSql, " ORDER BY id LIMIT $5"));
  return *sql;
}
// One actor's ($1): the walks by subject and by object (each an index in id order) merged; the
// second skips what the first finds (an actor related to itself).
const std::string& ListRelationshipsOfActorSql() {
  static const std::string* const sql = new std::string(absl::StrCat(
      "SELECT id, proto FROM relationships WHERE subject_id = $1", kRelationshipFilterSql,
      " UNION ALL SELECT id, proto FROM relationships WHERE object_id = $1 AND subject_id <> $1",
      kRelationshipFilterSql, " ORDER BY id LIMIT $5"));
  return *sql;
}

constexpr char kGetActor[] = "SELECT proto FROM actors WHERE id = $1";
// In a writer: the row stays locked until commit, so what the domain checked on it (etag,
// existence of a parent or of a relationship's side) still holds when the transaction writes.
// NO KEY UPDATE leaves other transactions' foreign-key checks on the row unblocked.
constexpr char kGetActorForUpdate[] = "SELECT proto FROM actors WHERE id = $1 FOR NO KEY UPDATE";
constexpr char kFindIdByNameKey[] = "SELECT id FROM actors WHERE name_key = $1";
constexpr char kFindIdByAliasKey[] =
    "SELECT n.actor_id FROM actor_names n JOIN actors a ON a.id = n.actor_id "
    "WHERE n.name_key = $1 AND n.is_alias ORDER BY a.seq LIMIT 1";
// The batch forms ($1 a text[] of keys): one round trip for up to 1000 keys, each key an
// index lookup (the unique name_key index; actor_names' primary key).
constexpr char kFindIdsByNameKeys[] =
    "SELECT name_key, id FROM actors WHERE name_key = ANY($1::text[])";
constexpr char kFindIdsByAliasKeys[] =
    "SELECT DISTINCT ON (n.name_key) n.name_key, n.actor_id FROM actor_names n "
    "JOIN actors a ON a.id = n.actor_id "
    "WHERE n.name_key = ANY($1::text[]) AND n.is_alias ORDER BY n.name_key, a.seq";
constexpr char kHasChildren[] = "SELECT 1 FROM actors WHERE parent_id = $1 LIMIT 1";
constexpr char kGetRelationship[] = "SELECT proto FROM relationships WHERE id = $1";
constexpr char kGetRequest[] =
    "SELECT payload_hash, result_id FROM request_ids WHERE method = $1 AND request_id = $2";
// In a writer, before reading a request id: holds the id until commit, so a second write with
// it waits for the first and then reads its record. Without this, READ COMMITTED would let the
// second miss the record (not committed yet) and then see the first's actor by name (committed
// by then): ALREADY_EXISTS instead of the first result, which SQLite's single writer never gives.
constexpr char kLockRequest[] =
    "SELECT pg_advisory_xact_lock(hashtextextended('actor.request_ids/' || $1 || '/' || $2, 0))";
constexpr char kInsertActor[] =
    "INSERT INTO actors (id, name_key, type, country_code, parent_id, proto) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
// The batch forms of kInsertActor and kInsertKey: one row per array element, inserted in array
// order (WITH ORDINALITY ... ORDER BY), which is the order the unique name_key index is taken in.
constexpr char kInsertActors[] =
    "INSERT INTO actors (id, name_key, type, country_code, parent_id, proto) "
    "SELECT i, k, t, c, p, b FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], "
    "$5::text[], $6::bytea[]) WITH ORDINALITY AS r(i, k, t, c, p, b, n) ORDER BY n";
constexpr char kInsertKeys[] =
    "INSERT INTO actor_names (name_key, actor_id, is_alias) "
    "SELECT * FROM unnest($1::text[], $2::text[], $3::bool[]) ON CONFLICT DO NOTHING";
constexpr char kUpdateActor[] =
    "UPDATE actors SET name_key = $2, type = $3, country_code = $4, parent_id = $5, proto = $6 "
    "WHERE id = $1";
constexpr char kDeleteActor[] = "DELETE FROM actors WHERE id = $1";
// ON CONFLICT DO NOTHING: an alias equal to the name (or to another alias) needs no second row.
constexpr char kInsertKey[] =
    "INSERT INTO actor_names (name_key, actor_id, is_alias) VALUES ($1, $2, $3) "
    "ON CONFLICT DO NOTHING";
constexpr char kDeleteKeys[] = "DELETE FROM actor_names WHERE actor_id = $1";
constexpr char kInsertRelationship[] =
    "INSERT INTO relationships (id, subject_id, object_id, type, start_date, end_date, proto) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";
constexpr char kDeleteRelationship[] = "DELETE FROM relationships WHERE id = $1";
constexpr char kDeleteRelationshipsOf[] =
    "DELETE FROM relationships WHERE subject_id = $1 OR object_id = $1";
constexpr char kRecordRequest[] =
    "INSERT INTO request_ids (method, request_id, payload_hash, result_id) "
    "VALUES ($1, $2, $3, $4)";
// An actor's history, newest first below a sequence ($2): the walks of its two indexes merged,
// the second skipping what the first finds (a relationship of an actor with itself).
constexpr char kActorChanges[] =
    "SELECT sequence, type, kind, entity_id, actor_id, other_actor_id, before, after, principal, "
    "request_id, reason, time_micros FROM actor_changes WHERE actor_id = $1 AND sequence < $2 "
    "UNION ALL "
    "SELECT sequence, type, kind, entity_id, actor_id, other_actor_id, before, after, principal, "
    "request_id, reason, time_micros FROM actor_changes "
    "WHERE other_actor_id = $1 AND actor_id <> $1 AND sequence < $2 "
    "ORDER BY sequence DESC LIMIT $3";
// Every change of one transaction in one statement, numbered in array order.
constexpr char kRecordChanges[] =
    "INSERT INTO actor_changes (type, kind, entity_id, actor_id, other_actor_id, before, after, "
    "principal, request_id, reason, time_micros) "
    "SELECT t, k, e, a, o, b, f, p, r, w, m FROM unnest($1::int8[], $2::int8[], $3::text[], "
    "$4::text[], $5::text[], $6::bytea[], $7::bytea[], $8::text[], $9::text[], $10::text[], "
    "$11::int8[]) WITH ORDINALITY AS c(t, k, e, a, o, b, f, p, r, w, m, n) ORDER BY n";
// Replicas starting together each propose a secret; the first insert wins and all read it.
constexpr char kProposeMeta[] =
    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
constexpr char kGetMeta[] = "SELECT value FROM meta WHERE key = $1";

Params ActorFilterParams(const ActorFilter& filter) {
  Params params;
  params.Add(static_cast<int64_t>(filter.type)).Add(filter.country_code).Add(filter.query_key);
  return params;
}

Params ActorColumns(const StoredActor& stored) {
  const v1::Actor& actor = stored.actor;
  Params params;
  params.Add(actor.id())
      .Add(stored.name_key)
      .Add(static_cast<int64_t>(actor.type()))
      .Add(actor.country_code())
      .Add(actor.parent_id())
      .AddBytes(actor.SerializeAsString());
  return params;
}

// One transaction on one pooled connection, for reads (Reader) or for writes (Writer).
class PostgresTransaction final : public ActorStore::Writer {
 public:
  PostgresTransaction(pg::Session& session, bool for_write)
      : session_(session), for_write_(for_write) {}

  absl::StatusOr<std::optional<v1::Actor>> GetActor(absl::string_view id) override {
    LOOKOUT_ASSIGN_OR_RETURN(
        Result rows, session_.Exec(for_write_ ? kGetActorForUpdate : kGetActor, Params().Add(id)));
    if (rows.rows() == 0) return std::nullopt;
    return ParseRow<v1::Actor>(rows.View(0, 0), "actors");
  }

  absl::StatusOr<std::optional<std::string>> FindIdByNameKey(absl::string_view key) override {
    return FirstText(kFindIdByNameKey, Params().Add(key));
  }

  absl::StatusOr<std::optional<std::string>> FindIdByAliasKey(absl::string_view key) override {
    return FirstText(kFindIdByAliasKey, Params().Add(key));
  }

  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> FindIdsByNameKeys(
      const std::vector<std::string>& keys) override {
    return KeyToId(kFindIdsByNameKeys, keys);
  }

  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> FindIdsByAliasKeys(
      const std::vector<std::string>& keys) override {
    return KeyToId(kFindIdsByAliasKeys, keys);
  }

  absl::StatusOr<bool> HasChildren(absl::string_view id) override {
    LOOKOUT_ASSIGN_OR_RETURN(Result rows, session_.Exec(kHasChildren, Params().Add(id)));
    return rows.rows() > 0;
  }

  absl::StatusOr<std::vector<ListedActor>> ListActors(const ActorFilter& filter,
                                                      const std::optional<ActorPosition>& after,
                                                      int limit) override {
    Params params = ActorFilterParams(filter);
    params.Add(static_cast<int64_t>(limit));
    if (after.has_value()) params.Add(after->name_key).Add(after->id);
    LOOKOUT_ASSIGN_OR_RETURN(
        Result rows,
        session_.Exec(after.has_value() ? ListActorsNextPage() : ListActorsFirstPage(), params));
    std::vector<ListedActor> actors;
    actors.reserve(rows.rows());
    for (int row = 0; row < rows.rows(); ++row) {
      LOOKOUT_ASSIGN_OR_RETURN(v1::Actor actor, ParseRow<v1::Actor>(rows.View(row, 1), "actors"));
      actors.push_back({rows.Bytes(row, 0), std::move(actor)});
    }
    return actors;
  }

  absl::StatusOr<int64_t> CountActors(const ActorFilter& filter) override {
    LOOKOUT_ASSIGN_OR_RETURN(Result rows,
                             session_.Exec(CountActorsSql(), ActorFilterParams(filter)));
    return rows.rows() > 0 ? rows.Int64(0, 0) : 0;
  }

  absl::StatusOr<std::optional<v1::Relationship>> GetRelationship(absl::string_view id) override {
    LOOKOUT_ASSIGN_OR_RETURN(Result rows, session_.Exec(kGetRelationship, Params().Add(id)));
    if (rows.rows() == 0) return std::nullopt;
    return ParseRow<v1::Relationship>(rows.View(0, 0), "relationships");
  }

  absl::StatusOr<std::vector<v1::Relationship>> ListRelationships(const RelationshipFilter& filter,
                                                                  absl::string_view after_id,
                                                                  int limit) override {
    Params params;
    params.Add(filter.actor_id)
        .Add(static_cast<int64_t>(filter.type))
        .Add(filter.as_of_date)
        .Add(after_id)
        .Add(static_cast<int64_t>(limit));
    LOOKOUT_ASSIGN_OR_RETURN(Result rows,
                             session_.Exec(filter.actor_id.empty() ? ListRelationshipsSql()
                                                                   : ListRelationshipsOfActorSql(),
                                           params));
    std::vector<v1::Relationship> relationships;
    relationships.reserve(rows.rows());
    for (int row = 0; row < rows.rows(); ++row) {
      LOOKOUT_ASSIGN_OR_RETURN(v1::Relationship relationship,
                               ParseRow<v1::Relationship>(rows.View(row, 1), "relationships"));
      relationships.push_back(std::move(relationship));
    }
    return relationships;
  }

  absl::StatusOr<std::optional<RequestRecord>> GetRequest(absl::string_view method,
                                                          absl::string_view request_id) override {
    if (for_write_) {
      LOOKOUT_RETURN_IF_ERROR(session_.Run(kLockRequest, Params().Add(method).Add(request_id)));
    }
    LOOKOUT_ASSIGN_OR_RETURN(Result rows,
                             session_.Exec(kGetRequest, Params().Add(method).Add(request_id)));
    if (rows.rows() == 0) return std::nullopt;
    return RequestRecord{rows.Bytes(0, 0), rows.Bytes(0, 1)};
  }

  absl::StatusOr<std::vector<ActorChange>> ActorChanges(absl::string_view actor_id,
                                                        int64_t before_sequence,
                                                        int limit) override {
    LOOKOUT_ASSIGN_OR_RETURN(
        Result rows,
        session_.Exec(
            kActorChanges,
            Params()
                .Add(actor_id)
                .Add(before_sequence > 0 ? before_sequence : std::numeric_limits<int64_t>::max())
                .Add(static_cast<int64_t>(limit))));
    std::vector<ActorChange> changes;
    changes.reserve(rows.rows());
    for (int row = 0; row < rows.rows(); ++row) {
      ActorChange change;
      change.sequence = rows.Int64(row, 0);
      change.type = static_cast<v1::ChangeType>(rows.Int64(row, 1));
      change.kind =
          rows.Int64(row, 2) == 1 ? ActorChange::Kind::kRelationship : ActorChange::Kind::kActor;
      change.id = rows.Bytes(row, 3);
      change.actor_id = rows.Bytes(row, 4);
      change.other_actor_id = rows.Bytes(row, 5);
      change.before = rows.Bytes(row, 6);
      change.after = rows.Bytes(row, 7);
      change.author.principal = rows.Bytes(row, 8);
      change.author.request_id = rows.Bytes(row, 9);
      change.author.reason = rows.Bytes(row, 10);
      change.author.time_micros = rows.Int64(row, 11);
      changes.push_back(std::move(change));
    }
    return changes;
  }

  absl::Status RecordChanges(const std::vector<ActorChange>& changes) override {
    if (changes.empty()) return absl::OkStatus();
    pg::ArrayLiteral types, kinds, ids, actors, others, befores, afters, principals, request_ids,
        reasons, times;
    for (const ActorChange& change : changes) {
      types.Int(static_cast<int64_t>(change.type));
      kinds.Int(static_cast<int64_t>(change.kind));
      ids.Text(change.id);
      actors.Text(change.actor_id);
      others.Text(change.other_actor_id);
      befores.Bytes(change.before);
      afters.Bytes(change.after);
      principals.Text(change.author.principal);
      request_ids.Text(change.author.request_id);
      reasons.Text(change.author.reason);
      times.Int(change.author.time_micros);
    }
    Params rows;
    for (pg::ArrayLiteral* column : {&types, &kinds, &ids, &actors, &others, &befores, &afters,
                                     &principals, &request_ids, &reasons, &times}) {
      rows.AddLiteral(std::move(*column).Finish());
    }
    return session_.Run(kRecordChanges, rows);
  }

  absl::Status InsertActor(const StoredActor& stored) override {
    LOOKOUT_RETURN_IF_ERROR(session_.Run(kInsertActor, ActorColumns(stored)));
    return InsertKeys(stored);
  }

  absl::Status InsertActors(const std::vector<StoredActor>& actors) override {
    if (actors.empty()) return absl::OkStatus();
    pg::ArrayLiteral ids, name_keys, types, countries, parents, protos;
    pg::ArrayLiteral key_texts, key_actors, key_is_alias;
    for (const StoredActor& stored : actors) {
      const v1::Actor& actor = stored.actor;
      ids.Text(actor.id());
      name_keys.Text(stored.name_key);
      types.Int(static_cast<int64_t>(actor.type()));
      countries.Text(actor.country_code());
      parents.Text(actor.parent_id());
      protos.Bytes(actor.SerializeAsString());
      key_texts.Text(stored.name_key);
      key_actors.Text(actor.id());
      key_is_alias.Text("f");
      for (const std::string& alias : stored.alias_keys) {
        key_texts.Text(alias);
        key_actors.Text(actor.id());
        key_is_alias.Text("t");
      }
    }
    Params rows;
    for (pg::ArrayLiteral* column : {&ids, &name_keys, &types, &countries, &parents, &protos}) {
      rows.AddLiteral(std::move(*column).Finish());
    }
    LOOKOUT_RETURN_IF_ERROR(session_.Run(kInsertActors, rows));
    return session_.Run(kInsertKeys, Params()
                                         .AddLiteral(std::move(key_texts).Finish())
                                         .AddLiteral(std::move(key_actors).Finish())
                                         .AddLiteral(std::move(key_is_alias).Finish()));
  }

  absl::Status UpdateActor(const StoredActor& stored) override {
    LOOKOUT_ASSIGN_OR_RETURN(Result updated, session_.Exec(kUpdateActor, ActorColumns(stored)));
    if (updated.Affected() != 1) {
      return errors::StorageFailure(absl::StrCat("no actor row ", stored.actor.id()));
    }
    LOOKOUT_RETURN_IF_ERROR(session_.Run(kDeleteKeys, Params().Add(stored.actor.id())));
    return InsertKeys(stored);
  }

  absl::Status DeleteActor(absl::string_view id) override {
    LOOKOUT_RETURN_IF_ERROR(session_.Run(kDeleteKeys, Params().Add(id)));
    return session_.Run(kDeleteActor, Params().Add(id));
  }

  absl::Status InsertRelationship(const v1::Relationship& relationship) override {
    return session_.Run(kInsertRelationship, Params()
                                                 .Add(relationship.id())
                                                 .Add(relationship.subject_id())
                                                 .Add(relationship.object_id())
                                                 .Add(static_cast<int64_t>(relationship.type()))
                                                 .Add(relationship.start_date())
                                                 .Add(relationship.end_date())
                                                 .AddBytes(relationship.SerializeAsString()));
  }

  absl::StatusOr<bool> DeleteRelationship(absl::string_view id) override {
    LOOKOUT_ASSIGN_OR_RETURN(Result deleted, session_.Exec(kDeleteRelationship, Params().Add(id)));
    return deleted.Affected() > 0;
  }

  absl::Status DeleteRelationshipsOf(absl::string_view actor_id) override {
    return session_.Run(kDeleteRelationshipsOf, Params().Add(actor_id));
  }

  absl::Status RecordRequest(absl::string_view method, absl::string_view request_id,
                             const RequestRecord& record) override {
    return session_.Run(
        kRecordRequest,
        Params().Add(method).Add(request_id).Add(record.payload_hash).Add(record.result_id));
  }

 private:
  // Rows of (key, id) from `sql` run with `keys` as $1.
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> KeyToId(
      absl::string_view sql, const std::vector<std::string>& keys) {
    absl::flat_hash_map<std::string, std::string> found;
    if (keys.empty()) return found;
    LOOKOUT_ASSIGN_OR_RETURN(Result rows, session_.Exec(sql, Params().AddTextArray(keys)));
    found.reserve(rows.rows());
    for (int row = 0; row < rows.rows(); ++row) {
      found.emplace(rows.Bytes(row, 0), rows.Bytes(row, 1));
    }
    return found;
  }

  absl::StatusOr<std::optional<std::string>> FirstText(absl::string_view sql,
                                                       const Params& params) {
    LOOKOUT_ASSIGN_OR_RETURN(Result rows, session_.Exec(sql, params));
    if (rows.rows() == 0) return std::nullopt;
    return rows.Bytes(0, 0);
  }

  absl::Status InsertKeys(const StoredActor& stored) {
    LOOKOUT_RETURN_IF_ERROR(InsertKey(stored.name_key, stored.actor.id(), /*is_alias=*/false));
    for (const std::string& key : stored.alias_keys) {
      LOOKOUT_RETURN_IF_ERROR(InsertKey(key, stored.actor.id(), /*is_alias=*/true));
    }
    return absl::OkStatus();
  }

  absl::Status InsertKey(absl::string_view key, absl::string_view actor_id, bool is_alias) {
    return session_.Run(kInsertKey, Params().Add(key).Add(actor_id).Add(is_alias));
  }

  pg::Session& session_;
  const bool for_write_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresActorStore>> PostgresActorStore::Open(
    pg::PoolOptions options) {
  LOOKOUT_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool, pg::Pool::Create(std::move(options)));
  LOOKOUT_RETURN_IF_ERROR(pool->Migrate(PostgresActorMigrations()));
  auto store = std::unique_ptr<PostgresActorStore>(new PostgresActorStore(std::move(pool)));
  std::string secret;
  LOOKOUT_RETURN_IF_ERROR(store->pool_->Transaction([&](pg::Session& session) -> absl::Status {
    LOOKOUT_RETURN_IF_ERROR(session.Run(kProposeMeta, Params().Add(kSecretKey).Add(RandomHex(32))));
    LOOKOUT_ASSIGN_OR_RETURN(Result rows, session.Exec(kGetMeta, Params().Add(kSecretKey)));
    if (rows.rows() != 1) return errors::StorageFailure("the page-token secret is missing");
    secret = rows.Bytes(0, 0);
    return absl::OkStatus();
  }));
  store->page_token_secret_ = std::move(secret);
  return store;
}

absl::Status PostgresActorStore::Read(absl::FunctionRef<absl::Status(Reader&)> fn) {
  return pool_->Transaction(
      [&](pg::Session& session) {
        PostgresTransaction transaction(session, /*for_write=*/false);
        return fn(transaction);
      },
      pg::Pool::Mode::kReadOnly);
}

absl::Status PostgresActorStore::Write(absl::FunctionRef<absl::Status(Writer&)> fn) {
  return pool_->Transaction([&](pg::Session& session) {
    PostgresTransaction transaction(session, /*for_write=*/true);
    return fn(transaction);
  });
}

}  // namespace lookout::actor
