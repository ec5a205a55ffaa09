#include "services/stats/postgres_observation_store.h"

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
using pg::Params;
using pg::Result;
using pg::Session;

constexpr char kSecretKey[] = "page_token_secret";

// Version 1: the SQLite store's schema. Compared text is COLLATE "C" (byte order, as SQLite's
// BINARY), whatever the database's default collation.
//
// Positions follow commit order. An identity column would not: a value is taken at INSERT, so
// with two writers position 11 can commit before 10, and a reader paging "after 11" would never
// see 10, although it was acknowledged before that reader's next page. The API's rule (no row
// that existed when paging started is skipped) would still hold, but SQLite, with one writer,
// never skips such a late row, and the backends behave alike. So each Record takes the next
// position from a counter row just before its INSERT and COMMIT: the row lock is held to commit,
// the next writer waits only for that commit, and every position lower than a visible one is
// visible too.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE observations (
  pos bigint PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  metric integer NOT NULL,
  country_code text COLLATE "C" NOT NULL,
  admin1 text COLLATE "C" NOT NULL,
  source_name text COLLATE "C" NOT NULL,
  start_day integer NOT NULL,   -- days since 1970-01-01
  end_day integer NOT NULL,     -- start_day for a one-day figure
  proto bytea NOT NULL
);
CREATE INDEX observations_by_metric ON observations (metric, country_code, start_day);
CREATE INDEX observations_by_country ON observations (country_code, start_day);

-- The last position handed out; one row, never deleted, so positions are never reused.
CREATE TABLE observation_positions (
  last bigint NOT NULL
);
INSERT INTO observation_positions VALUES (0);

CREATE TABLE request_ids (
  request_id text COLLATE "C" PRIMARY KEY,
  payload_hash text COLLATE "C" NOT NULL,
  proto bytea NOT NULL           -- the first result, returned again on a retry
);

CREATE TABLE meta (
  key text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
)sql";

// Version 2 (issue 26): the observation change log, as the SQLite store's version 2 (rows for
// the observations already stored included). Sequences come from an identity column: a value is
// taken at INSERT, so two changes may commit out of sequence order, but the log is read per
// observation only, and an observation's changes (its creation, then at most its deletion, which
// has to see the committed creation) commit in order.
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE observation_changes (
  sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  observation_id text COLLATE "C" NOT NULL,
  type integer NOT NULL,        -- lookout.event.v1.ChangeType: 1 created, 3 deleted
  principal text NOT NULL,
  request_id text NOT NULL,
  reason text NOT NULL,
  time_micros bigint NOT NULL,  -- since the Unix epoch; 0: unknown (before the log was kept)
  before_proto bytea,           -- NULL for a creation
  after_proto bytea             -- NULL for a deletion
);
CREATE INDEX observation_changes_by_id ON observation_changes (observation_id, sequence);
INSERT INTO observation_changes
  (observation_id, type, principal, request_id, reason, time_micros, before_proto, after_proto)
  SELECT id, 1, '', '', '', 0, NULL, proto FROM observations ORDER BY pos;
)sql";

constexpr char kGetSql[] = "SELECT proto FROM observations WHERE id = $1";
constexpr char kGetRequestSql[] =
    "SELECT payload_hash, proto FROM request_ids WHERE request_id = $1";
constexpr char kRememberRequestSql[] =
    "INSERT INTO request_ids (request_id, payload_hash, proto) VALUES ($1, $2, $3)";
constexpr char kNextPositionSql[] =
    "UPDATE observation_positions SET last = last + 1 RETURNING last";
constexpr char kInsertSql[] =
    "INSERT INTO observations (pos, id, metric, country_code, admin1, source_name, start_day, "
    "end_day, proto) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr char kDeleteSql[] = "DELETE FROM observations WHERE id = $1 RETURNING proto";
constexpr char kInsertChangeSql[] =
    "INSERT INTO observation_changes (observation_id, type, principal, request_id, reason, "
    "time_micros, before_proto, after_proto) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr char kChangesSql[] =
    "SELECT sequence, type, principal, request_id, reason, time_micros, before_proto, after_proto"
    " FROM observation_changes WHERE observation_id = $1 AND sequence < $2"
    " ORDER BY sequence DESC LIMIT $3";
constexpr char kListWithinSql[] =
    "SELECT proto FROM observations WHERE metric = $1 AND country_code = $2"
    " AND admin1 = '' AND start_day >= $3 AND end_day <= $4 ORDER BY pos LIMIT $5";
constexpr char kCreateSecretSql[] =
    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
constexpr char kReadSecretSql[] = "SELECT value FROM meta WHERE key = $1";

// ListObservations, one statement per combination of the indexed filters ($2 metric, $3
// country), as in the SQLite store: a "$2 = 0 OR metric = $2" test would keep a prepared
// statement's generic plan off the indexes. Every statement takes all seven parameters (their
// types are given when it is prepared), so the caller binds them the same way.
const std::string& ListSql(bool by_metric, bool by_country) {
  static const auto* const statements = [] {
    auto* all = new std::vector<std::string>();
    for (const char* key : {"", "country_code = $3 AND ", "metric = $2 AND ",
                            "metric = $2 AND country_code = $3 AND "}) {
      all->push_back(absl::StrCat(
          "SELECT pos, proto FROM observations WHERE ", key,
          "pos > $1 AND ($4 = '' OR source_name = $4) AND end_day >= $5 AND start_day <= $6"
          " ORDER BY pos LIMIT $7"));
    }
    return all;
  }();
  return (*statements)[(by_metric ? 2 : 0) + (by_country ? 1 : 0)];
}

absl::StatusOr<Observation> ParseRow(absl::string_view bytes) {
  Observation observation;
  if (!observation.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return errors::StorageFailure("a row of observations does not parse");
  }
  return observation;
}

// Adds one change to the log, in the caller's transaction. `before`/`after` are serialized
// observations; null for none.
absl::Status LogChange(Session& s, const std::string& id, lookout::event::v1::ChangeType type,
                       const ChangeAuthor& author, const std::string* before,
                       const std::string* after) {
  Params params;
  params.Add(id)
      .Add(static_cast<int64_t>(type))
      .Add(author.principal)
      .Add(author.request_id)
      .Add(author.reason)
      .Add(author.time_micros);
  before != nullptr ? params.AddBytes(*before) : params.AddNull();
  after != nullptr ? params.AddBytes(*after) : params.AddNull();
  return s.Run(kInsertChangeSql, params);
}

}  // namespace

const std::vector<Migration>& PostgresObservationStore::Migrations() {
  static const std::vector<Migration>* const migrations =
      new std::vector<Migration>{{1, kSchemaV1}, {2, kSchemaV2}};
  return *migrations;
}

absl::StatusOr<std::unique_ptr<PostgresObservationStore>> PostgresObservationStore::Open(
    pg::PoolOptions options) {
  LOOKOUT_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool, pg::Pool::Create(std::move(options)));
  LOOKOUT_RETURN_IF_ERROR(pool->Migrate(Migrations()));
  auto store =
      std::unique_ptr<PostgresObservationStore>(new PostgresObservationStore(std::move(pool)));
  // Replicas starting together each offer a secret; the first committed is everyone's.
  LOOKOUT_RETURN_IF_ERROR(store->pool_->Run([&](Session& s) -> absl::Status {
    LOOKOUT_RETURN_IF_ERROR(s.Run(kCreateSecretSql, Params().Add(kSecretKey).Add(RandomHex(32))));
    LOOKOUT_ASSIGN_OR_RETURN(Result secret, s.Exec(kReadSecretSql, Params().Add(kSecretKey)));
    if (secret.rows() != 1) return errors::StorageFailure("the page-token secret is missing");
    store->page_token_secret_ = secret.Bytes(0, 0);
    return absl::OkStatus();
  }));
  return store;
}

absl::StatusOr<Observation> PostgresObservationStore::Record(const Observation& observation,
                                                             const std::string& request_id,
                                                             const std::string& payload_hash,
                                                             const ChangeAuthor& author) {
  // Validated, so the dates parse.
  const int32_t start_day = *validation::ParseDate(observation.period().start_date());
  const int32_t end_day = observation.period().end_date().empty()
                              ? start_day
                              : *validation::ParseDate(observation.period().end_date());
  const std::string blob = observation.SerializeAsString();
  Observation result;
  // When another replica commits the same request_id first, the INSERT into request_ids fails
  // with a unique violation and the pool runs this again: the second run finds the winner.
  LOOKOUT_RETURN_IF_ERROR(pool_->Transaction([&](Session& s) -> absl::Status {
    result = observation;
    if (!request_id.empty()) {
      LOOKOUT_ASSIGN_OR_RETURN(Result seen, s.Exec(kGetRequestSql, Params().Add(request_id)));
      if (seen.rows() > 0) {
        if (seen.View(0, 0) != payload_hash) return errors::RequestIdReused(request_id);
        LOOKOUT_ASSIGN_OR_RETURN(result, ParseRow(seen.View(0, 1)));
        return absl::OkStatus();
      }
      LOOKOUT_RETURN_IF_ERROR(
          s.Run(kRememberRequestSql, Params().Add(request_id).Add(payload_hash).AddBytes(blob)));
    }
    LOOKOUT_RETURN_IF_ERROR(LogChange(s, observation.id(), lookout::event::v1::CHANGE_TYPE_CREATED,
                                      author, nullptr, &blob));
    // Last, so the counter row stays locked only for the insert and the commit.
    LOOKOUT_ASSIGN_OR_RETURN(Result position, s.Exec(kNextPositionSql));
    if (position.rows() != 1) return errors::StorageFailure("the position counter is missing");
    return s.Run(kInsertSql, Params()
                                 .Add(position.Int64(0, 0))
                                 .Add(observation.id())
                                 .Add(static_cast<int64_t>(observation.metric()))
                                 .Add(observation.country_code())
                                 .Add(observation.admin1())
                                 .Add(observation.source().name())
                                 .Add(static_cast<int64_t>(start_day))
                                 .Add(static_cast<int64_t>(end_day))
                                 .AddBytes(blob));
  }));
  return result;
}

absl::StatusOr<std::optional<Observation>> PostgresObservationStore::Get(const std::string& id) {
  std::optional<Observation> result;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](Session& s) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Result rows, s.Exec(kGetSql, Params().Add(id)));
    if (rows.rows() == 0) return absl::OkStatus();
    LOOKOUT_ASSIGN_OR_RETURN(result, ParseRow(rows.View(0, 0)));
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<ObservationPage> PostgresObservationStore::List(const ObservationFilter& filter,
                                                               int64_t after, int limit) {
  ObservationPage page;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](Session& s) -> absl::Status {
    // One row more than asked tells whether another page follows.
    LOOKOUT_ASSIGN_OR_RETURN(Result rows,
                             s.Exec(ListSql(filter.metric != 0, !filter.country_code.empty()),
                                    Params()
                                        .Add(after)
                                        .Add(static_cast<int64_t>(filter.metric))
                                        .Add(filter.country_code)
                                        .Add(filter.source_name)
                                        .Add(static_cast<int64_t>(filter.first_day))
                                        .Add(static_cast<int64_t>(filter.last_day))
                                        .Add(static_cast<int64_t>(limit) + 1)));
    int64_t last_position = 0;
    for (int row = 0; row < rows.rows(); ++row) {
      if (row == limit) {
        page.next_after = last_position;
        break;
      }
      last_position = rows.Int64(row, 0);
      LOOKOUT_ASSIGN_OR_RETURN(Observation observation, ParseRow(rows.View(row, 1)));
      page.observations.push_back(std::move(observation));
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<std::vector<Observation>> PostgresObservationStore::ListWithin(
    int metric, const std::string& country_code, int32_t first_day, int32_t last_day, int limit) {
  std::vector<Observation> observations;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](Session& s) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Result rows,
                             s.Exec(kListWithinSql, Params()
                                                        .Add(static_cast<int64_t>(metric))
                                                        .Add(country_code)
                                                        .Add(static_cast<int64_t>(first_day))
                                                        .Add(static_cast<int64_t>(last_day))
                                                        .Add(static_cast<int64_t>(limit))));
    for (int row = 0; row < rows.rows(); ++row) {
      LOOKOUT_ASSIGN_OR_RETURN(Observation observation, ParseRow(rows.View(row, 0)));
      observations.push_back(std::move(observation));
    }
    return absl::OkStatus();
  }));
  return observations;
}

absl::StatusOr<bool> PostgresObservationStore::Delete(const std::string& id,
                                                      const ChangeAuthor& author) {
  bool deleted = false;
  LOOKOUT_RETURN_IF_ERROR(pool_->Transaction([&](Session& s) -> absl::Status {
    deleted = false;
    LOOKOUT_ASSIGN_OR_RETURN(Result done, s.Exec(kDeleteSql, Params().Add(id)));
    if (done.rows() == 0) return absl::OkStatus();
    deleted = true;
    const std::string last = done.Bytes(0, 0);
    return LogChange(s, id, lookout::event::v1::CHANGE_TYPE_DELETED, author, &last, nullptr);
  }));
  return deleted;
}

absl::StatusOr<std::vector<ObservationChange>> PostgresObservationStore::Changes(
    const std::string& id, int64_t before, int limit) {
  std::vector<ObservationChange> changes;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](Session& s) -> absl::Status {
    changes.clear();
    LOOKOUT_ASSIGN_OR_RETURN(
        Result rows, s.Exec(kChangesSql, Params()
                                             .Add(id)
                                             .Add(before > 0 ? before : INT64_MAX)
                                             .Add(static_cast<int64_t>(limit))));
    for (int row = 0; row < rows.rows(); ++row) {
      ObservationChange change;
      change.sequence = rows.Int64(row, 0);
      change.type = static_cast<lookout::event::v1::ChangeType>(rows.Int64(row, 1));
      change.author.principal = rows.Bytes(row, 2);
      change.author.request_id = rows.Bytes(row, 3);
      change.author.reason = rows.Bytes(row, 4);
      change.author.time_micros = rows.Int64(row, 5);
      if (!rows.IsNull(row, 6)) {
        LOOKOUT_ASSIGN_OR_RETURN(change.before, ParseRow(rows.View(row, 6)));
      }
      if (!rows.IsNull(row, 7)) {
        LOOKOUT_ASSIGN_OR_RETURN(change.after, ParseRow(rows.View(row, 7)));
      }
      changes.push_back(std::move(change));
    }
    return absl::OkStatus();
  }));
  return changes;
}

}  // namespace lookout::stats
