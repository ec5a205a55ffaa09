#include "services/stats/sqlite_observation_store.h"

#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Observation;

constexpr char kSecretKey[] = "page_token_secret";

// Version 1. Columns hold what queries filter on; the observation itself is the serialized
// proto, so a new proto field needs no migration. AUTOINCREMENT keeps creation positions from
// being reused after a delete, so a page cursor never lands on a newer row.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE observations (
  pos INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  metric INTEGER NOT NULL,
  country_code TEXT NOT NULL,
  admin1 TEXT NOT NULL,
  source_name TEXT NOT NULL,
  start_day INTEGER NOT NULL,   -- days since 1970-01-01
  end_day INTEGER NOT NULL,     -- start_day for a one-day figure
  proto BLOB NOT NULL
);
CREATE INDEX observations_by_metric ON observations(metric, country_code, start_day);
CREATE INDEX observations_by_country ON observations(country_code, start_day);

CREATE TABLE request_ids (
  request_id TEXT PRIMARY KEY,
  payload_hash TEXT NOT NULL,
  proto BLOB NOT NULL           -- the first result, returned again on a retry
) WITHOUT ROWID;

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Version 2 (issue 26): the observation change log. Each record and delete adds a row with who
// made it (the gateway's principal), when, the call's request id, the caller's reason, and the
// states before and after, from which a history computes the fields a change altered.
// Observations already stored get a CREATED row each, with no author or time (unknown), so every
// live observation has a history. AUTOINCREMENT: a sequence is never reused, so a history page
// cursor never lands on a later change.
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE observation_changes (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  observation_id TEXT NOT NULL,
  type INTEGER NOT NULL,        -- lookout.event.v1.ChangeType: 1 created, 3 deleted
  principal TEXT NOT NULL,
  request_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  time_micros INTEGER NOT NULL, -- since the Unix epoch; 0: unknown (before the log was kept)
  before_proto BLOB,            -- NULL for a creation
  after_proto BLOB              -- NULL for a deletion
);
CREATE INDEX observation_changes_by_id ON observation_changes(observation_id, sequence);
INSERT INTO observation_changes
  (observation_id, type, principal, request_id, reason, time_micros, before_proto, after_proto)
  SELECT id, 1, '', '', '', 0, NULL, proto FROM observations ORDER BY pos;
)sql";

constexpr char kGetSql[] = "SELECT proto FROM observations WHERE id = ?1";
constexpr char kGetRequestSql[] =
    "SELECT payload_hash, proto FROM request_ids WHERE request_id = ?1";
constexpr char kDeleteSql[] = "DELETE FROM observations WHERE id = ?1 RETURNING proto";
constexpr char kInsertChangeSql[] =
    "INSERT INTO observation_changes (observation_id, type, principal, request_id, reason, "
    "time_micros, before_proto, after_proto) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr char kChangesSql[] =
    "SELECT sequence, type, principal, request_id, reason, time_micros, before_proto, after_proto"
    " FROM observation_changes WHERE observation_id = ?1 AND sequence < ?2"
    " ORDER BY sequence DESC LIMIT ?3";
constexpr char kListWithinSql[] =
    "SELECT proto FROM observations WHERE metric = ?1 AND country_code = ?2"
    " AND admin1 = '' AND start_day >= ?3 AND end_day <= ?4 ORDER BY pos LIMIT ?5";

// ListObservations, one statement per combination of the indexed filters (?2 metric, ?3
// country): an "?2 = 0 OR metric = ?2" test cannot use an index, and SQLite then walks the
// whole table by pos. With either set, the index written for it finds the matches (and the
// period's start_day bound narrows the walk when the country is set), and only those are sorted
// by pos; without, the walk by pos from the cursor stops after the page.
const std::string& ListSql(bool by_metric, bool by_country) {
  static const auto* const statements = [] {
    auto* all = new std::vector<std::string>();
    for (const char* key : {"", "country_code = ?3 AND ", "metric = ?2 AND ",
                            "metric = ?2 AND country_code = ?3 AND "}) {
      all->push_back(absl::StrCat(
          "SELECT pos, proto FROM observations WHERE ", key,
          "pos > ?1 AND (?4 = '' OR source_name = ?4) AND end_day >= ?5 AND start_day <= ?6"
          " ORDER BY pos LIMIT ?7"));
    }
    return all;
  }();
  return (*statements)[(by_metric ? 2 : 0) + (by_country ? 1 : 0)];
}

absl::StatusOr<Observation> ParseRow(const std::string& blob) {
  Observation observation;
  if (!observation.ParseFromString(blob)) {
    return errors::StorageFailure("a row of observations does not parse");
  }
  return observation;
}

// Adds one change to the log, in the caller's write transaction. `before`/`after` are
// serialized observations; null for none.
absl::Status LogChange(SqliteConnection& c, const std::string& id,
                       lookout::event::v1::ChangeType type, const ChangeAuthor& author,
                       const std::string* before, const std::string* after) {
  LOOKOUT_ASSIGN_OR_RETURN(Statement insert, c.Prepare(kInsertChangeSql));
  insert.Bind(1, id)
      .Bind(2, static_cast<int64_t>(type))
      .Bind(3, author.principal)
      .Bind(4, author.request_id)
      .Bind(5, author.reason)
      .Bind(6, author.time_micros);
  before != nullptr ? insert.BindBlob(7, *before) : insert.BindNull(7);
  after != nullptr ? insert.BindBlob(8, *after) : insert.BindNull(8);
  return insert.Run();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SqliteObservationStore::Queries() {
  return {
      {"Get", kGetSql},
      {"GetRequest", kGetRequestSql},
      {"Delete", kDeleteSql},
      {"ListWithin", kListWithinSql},
      {"Changes", kChangesSql},
      {"List", ListSql(false, false)},
      {"ListByCountry", ListSql(false, true)},
      {"ListByMetric", ListSql(true, false)},
      {"ListByMetricAndCountry", ListSql(true, true)},
  };
}

const std::vector<Migration>& SqliteObservationStore::Migrations() {
  static const std::vector<Migration>* const migrations =
      new std::vector<Migration>{{1, kSchemaV1}, {2, kSchemaV2}};
  return *migrations;
}

absl::StatusOr<std::unique_ptr<SqliteObservationStore>> SqliteObservationStore::Open(
    const std::string& path) {
  SqliteDatabase::Options options;
  options.path = path;
  options.metrics_name = "observation";
  options.read_connections = 2;
  LOOKOUT_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> db,
                           SqliteDatabase::Open(options, Migrations()));
  auto store = std::unique_ptr<SqliteObservationStore>(new SqliteObservationStore(std::move(db)));
  LOOKOUT_ASSIGN_OR_RETURN(store->page_token_secret_,
                           LoadOrCreateMetaValue(*store->db_, kSecretKey, RandomHex(32)));
  return store;
}

absl::StatusOr<Observation> SqliteObservationStore::Record(const Observation& observation,
                                                           const std::string& request_id,
                                                           const std::string& payload_hash,
                                                           const ChangeAuthor& author) {
  // Validated, so the dates parse.
  const int32_t start_day = *validation::ParseDate(observation.period().start_date());
  const int32_t end_day = observation.period().end_date().empty()
                              ? start_day
                              : *validation::ParseDate(observation.period().end_date());
  Observation result = observation;
  LOOKOUT_RETURN_IF_ERROR(db_->Write([&](SqliteConnection& c) -> absl::Status {
    if (!request_id.empty()) {
      LOOKOUT_ASSIGN_OR_RETURN(Statement query, c.Prepare(kGetRequestSql));
      query.Bind(1, request_id);
      LOOKOUT_ASSIGN_OR_RETURN(bool seen, query.Step());
      if (seen) {
        if (query.Text(0) != payload_hash) return errors::RequestIdReused(request_id);
        LOOKOUT_ASSIGN_OR_RETURN(result, ParseRow(query.Blob(1)));
        return absl::OkStatus();
      }
    }
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement insert,
        c.Prepare("INSERT INTO observations (id, metric, country_code, admin1, source_name, "
                  "start_day, end_day, proto) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    const std::string blob = observation.SerializeAsString();
    insert.Bind(1, observation.id())
        .Bind(2, static_cast<int64_t>(observation.metric()))
        .Bind(3, observation.country_code())
        .Bind(4, observation.admin1())
        .Bind(5, observation.source().name())
        .Bind(6, static_cast<int64_t>(start_day))
        .Bind(7, static_cast<int64_t>(end_day))
        .BindBlob(8, blob);
    LOOKOUT_RETURN_IF_ERROR(insert.Run());
    LOOKOUT_RETURN_IF_ERROR(LogChange(c, observation.id(), lookout::event::v1::CHANGE_TYPE_CREATED,
                                      author, nullptr, &blob));
    if (request_id.empty()) return absl::OkStatus();
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement remember,
        c.Prepare("INSERT INTO request_ids (request_id, payload_hash, proto) VALUES (?1, ?2, ?3)"));
    remember.Bind(1, request_id).Bind(2, payload_hash).BindBlob(3, blob);
    return remember.Run();
  }));
  return result;
}

absl::StatusOr<std::optional<Observation>> SqliteObservationStore::Get(const std::string& id) {
  std::optional<Observation> result;
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& c) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, c.Prepare(kGetSql));
    query.Bind(1, id);
    LOOKOUT_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return absl::OkStatus();
    LOOKOUT_ASSIGN_OR_RETURN(result, ParseRow(query.Blob(0)));
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<ObservationPage> SqliteObservationStore::List(const ObservationFilter& filter,
                                                             int64_t after, int limit) {
  ObservationPage page;
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& c) -> absl::Status {
    const bool by_metric = filter.metric != 0;
    const bool by_country = !filter.country_code.empty();
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, c.Prepare(ListSql(by_metric, by_country)));
    if (by_metric) query.Bind(2, static_cast<int64_t>(filter.metric));
    if (by_country) query.Bind(3, filter.country_code);
    // One row more than asked tells whether another page follows.
    query.Bind(1, after)
        .Bind(4, filter.source_name)
        .Bind(5, static_cast<int64_t>(filter.first_day))
        .Bind(6, static_cast<int64_t>(filter.last_day))
        .Bind(7, static_cast<int64_t>(limit) + 1);
    int64_t last_position = 0;
    while (true) {
      LOOKOUT_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      if (static_cast<int>(page.observations.size()) == limit) {
        page.next_after = last_position;
        break;
      }
      last_position = query.Int64(0);
      LOOKOUT_ASSIGN_OR_RETURN(Observation observation, ParseRow(query.Blob(1)));
      page.observations.push_back(std::move(observation));
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<std::vector<Observation>> SqliteObservationStore::ListWithin(
    int metric, const std::string& country_code, int32_t first_day, int32_t last_day, int limit) {
  std::vector<Observation> observations;
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& c) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, c.Prepare(kListWithinSql));
    query.Bind(1, static_cast<int64_t>(metric))
        .Bind(2, country_code)
        .Bind(3, static_cast<int64_t>(first_day))
        .Bind(4, static_cast<int64_t>(last_day))
        .Bind(5, static_cast<int64_t>(limit));
    while (true) {
      LOOKOUT_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      LOOKOUT_ASSIGN_OR_RETURN(Observation observation, ParseRow(query.Blob(0)));
      observations.push_back(std::move(observation));
    }
    return absl::OkStatus();
  }));
  return observations;
}

absl::StatusOr<bool> SqliteObservationStore::Delete(const std::string& id,
                                                    const ChangeAuthor& author) {
  bool deleted = false;
  LOOKOUT_RETURN_IF_ERROR(db_->Write([&](SqliteConnection& c) -> absl::Status {
    deleted = false;
    LOOKOUT_ASSIGN_OR_RETURN(Statement statement, c.Prepare(kDeleteSql));
    statement.Bind(1, id);
    LOOKOUT_ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return absl::OkStatus();
    const std::string last = statement.Blob(0);
    // Runs the statement to its end (ids are unique: no second row).
    LOOKOUT_ASSIGN_OR_RETURN(bool more, statement.Step());
    (void)more;
    deleted = true;
    return LogChange(c, id, lookout::event::v1::CHANGE_TYPE_DELETED, author, &last, nullptr);
  }));
  return deleted;
}

absl::StatusOr<std::vector<ObservationChange>> SqliteObservationStore::Changes(
    const std::string& id, int64_t before, int limit) {
  std::vector<ObservationChange> changes;
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& c) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, c.Prepare(kChangesSql));
    query.Bind(1, id)
        .Bind(2, before > 0 ? before : INT64_MAX)
        .Bind(3, static_cast<int64_t>(limit));
    while (true) {
      LOOKOUT_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      ObservationChange change;
      change.sequence = query.Int64(0);
      change.type = static_cast<lookout::event::v1::ChangeType>(query.Int64(1));
      change.author.principal = query.Text(2);
      change.author.request_id = query.Text(3);
      change.author.reason = query.Text(4);
      change.author.time_micros = query.Int64(5);
      if (!query.IsNull(6)) {
        LOOKOUT_ASSIGN_OR_RETURN(change.before, ParseRow(query.Blob(6)));
      }
      if (!query.IsNull(7)) {
        LOOKOUT_ASSIGN_OR_RETURN(change.after, ParseRow(query.Blob(7)));
      }
      changes.push_back(std::move(change));
    }
    return absl::OkStatus();
  }));
  return changes;
}

}  // namespace lookout::stats
