#include "services/event/sqlite_event_store.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "services/event/event_query_sql.h"
#include "services/event/event_schema.h"
#include "services/event/source_attribute_columns.h"

namespace lookout::event {
namespace {

using ::lookout::event::v1::ChangeType;
using ::lookout::event::v1::Event;

// The statements with a WHERE clause (see SqliteEventStore::Queries).
constexpr char kGetLiveSql[] = "SELECT event FROM events WHERE id = ? AND deleted = 0";
constexpr char kLiveRowSql[] = "SELECT pk, event FROM events WHERE id = ? AND deleted = 0";
constexpr char kFindRequestSql[] =
    "SELECT payload_hash, result FROM request_ids WHERE request_id = ?";
constexpr char kOwnerOfSql[] =
    "SELECT event_id FROM event_external_ids WHERE scheme = ? AND value = ?";
constexpr char kNextSequenceSql[] =
    "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)";
constexpr char kUpdateRowSql[] =
    "UPDATE events SET event_day = ?, end_day = ?, country = ?, admin1 = ?, event_type = ?, "
    "sub_event_type = ?, fatalities = ?, lat = ?, lon = ?, sequence = ?, event = ?, basin = ?, "
    "water_body = ?, deleted = ? WHERE pk = ?";
constexpr char kRemoveActorRowSql[] =
    "DELETE FROM event_actors WHERE actor_id = ? AND event_id = ?";
constexpr char kRemoveTagRowSql[] = "DELETE FROM event_tags WHERE tag = ? AND event_id = ?";
constexpr char kRemoveExternalIdRowSql[] =
    "DELETE FROM event_external_ids WHERE scheme = ? AND value = ? AND event_id = ?";
constexpr char kRemoveSourceAttributesSql[] = "DELETE FROM event_source_attributes WHERE pk = ?";
constexpr char kChangesAfterSql[] =
    "SELECT sequence, type, event, principal, request_id, reason, time_us FROM changes "
    "WHERE sequence > ? AND sequence <= ? ORDER BY sequence LIMIT ?";
constexpr char kEventChangesSql[] =
    "SELECT sequence, type, event, principal, request_id, reason, time_us FROM changes "
    "WHERE event_id = ? AND sequence < ? AND sequence <= ? ORDER BY sequence DESC LIMIT ?";
constexpr char kStatesAsOfSql[] =
    "SELECT c.sequence, c.type, c.event, c.principal, c.request_id, c.reason, c.time_us "
    "FROM changes c JOIN (SELECT MAX(sequence) AS newest FROM changes WHERE sequence <= ? "
    "GROUP BY event_id) n ON c.sequence = n.newest";
constexpr char kNewestChangeSql[] = "SELECT COALESCE(MAX(sequence), 0) FROM changes";

// A change from the columns kChangesAfterSql and its siblings select.
Change ChangeOfRow(Statement& s) {
  Change change;
  change.sequence = s.Int64(0);
  change.type = static_cast<ChangeType>(s.Int64(1));
  change.event_bytes = std::string(s.Blob(2));
  change.author.principal = s.Text(3);
  change.author.request_id = s.Text(4);
  change.author.reason = s.Text(5);
  change.author.time_micros = s.Int64(6);
  return change;
}

absl::StatusOr<Event> ParseEvent(const std::string& blob) {
  Event event;
  if (!event.ParseFromString(blob)) return errors::StorageFailure("unreadable event record");
  return event;
}

absl::Status ExternalIdTaken(int index, const lookout::type::v1::ExternalId& id,
                             absl::string_view owner) {
  const std::string field = absl::StrCat("event.external_ids[", index, "]");
  absl::Status status = absl::AlreadyExistsError(absl::StrCat(
      field, ": ", id.scheme(), " id \"", id.value(), "\" already belongs to event ", owner));
  status.SetPayload(errors::kFieldPayload, absl::Cord(field));
  return status;
}

// The filter columns of an event that passed validation.
struct EventColumns {
  int64_t event_day = 0;
  int64_t end_day = 0;
};

absl::StatusOr<EventColumns> ColumnsOf(const Event& event) {
  EventColumns columns;
  LOOKOUT_ASSIGN_OR_RETURN(columns.event_day, validation::ParseDate(event.event_date()));
  columns.end_day = columns.event_day;
  if (!event.end_date().empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(columns.end_day, validation::ParseDate(event.end_date()));
  }
  return columns;
}

class SqliteEventTransaction : public EventTransaction {
 public:
  explicit SqliteEventTransaction(SqliteConnection& db) : db_(db) {}

  // The newest sequence this transaction appended (0 when none survived).
  int64_t head() const { return head_; }

  absl::StatusOr<std::optional<Event>> GetLive(const std::string& id) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s, db_.Prepare(kGetLiveSql));
    s.Bind(1, id);
    LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::nullopt;
    return ParseEvent(s.Blob(0));
  }

  absl::StatusOr<std::optional<Event>> FindLiveByExternalId(
      const lookout::type::v1::ExternalId& external_id) override {
    LOOKOUT_ASSIGN_OR_RETURN(std::optional<std::string> owner, OwnerOf(external_id));
    if (!owner.has_value()) return std::nullopt;
    return GetLive(*owner);
  }

  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const std::string& request_id) override {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s, db_.Prepare(kFindRequestSql));
    s.Bind(1, request_id);
    LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::nullopt;
    RequestRecord record;
    record.payload_hash = s.Text(0);
    LOOKOUT_ASSIGN_OR_RETURN(record.result, ParseEvent(s.Blob(1)));
    return record;
  }

  absl::StatusOr<Event> Apply(ChangeType type, Event event) override {
    LOOKOUT_ASSIGN_OR_RETURN(EventColumns columns, ColumnsOf(event));
    if (type != v1::CHANGE_TYPE_DELETED) {
      for (int i = 0; i < event.external_ids_size(); ++i) {
        LOOKOUT_ASSIGN_OR_RETURN(std::optional<std::string> owner, OwnerOf(event.external_ids(i)));
        if (owner.has_value() && *owner != event.id()) {
          return ExternalIdTaken(i, event.external_ids(i), *owner);
        }
      }
    }
    LOOKOUT_ASSIGN_OR_RETURN(int64_t sequence, NextSequence());
    event.set_sequence(sequence);
    const std::string blob = event.SerializeAsString();

    int64_t pk = 0;
    if (type == v1::CHANGE_TYPE_CREATED) {
      LOOKOUT_ASSIGN_OR_RETURN(pk, InsertRow(event, columns, blob));
    } else {
      LOOKOUT_ASSIGN_OR_RETURN(StoredRow stored, LiveRow(event.id()));
      pk = stored.pk;
      LOOKOUT_RETURN_IF_ERROR(UpdateRow(pk, event, columns, blob, type == v1::CHANGE_TYPE_DELETED));
      LOOKOUT_RETURN_IF_ERROR(ChangeIndexRows(IndexChange::kRemove, pk, stored.event));
    }
    if (type != v1::CHANGE_TYPE_DELETED) {
      LOOKOUT_RETURN_IF_ERROR(ChangeIndexRows(IndexChange::kAdd, pk, event));
    }

    LOOKOUT_ASSIGN_OR_RETURN(
        Statement change,
        db_.Prepare("INSERT INTO changes (sequence, event_id, type, event, principal, request_id, "
                    "reason, time_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    change.Bind(1, sequence).Bind(2, event.id()).Bind(3, static_cast<int64_t>(type));
    change.BindBlob(4, blob);
    change.Bind(5, author().principal).Bind(6, author().request_id).Bind(7, author().reason);
    change.Bind(8, author().time_micros);
    LOOKOUT_RETURN_IF_ERROR(change.Run());
    head_ = sequence;
    return event;
  }

  absl::Status RecordRequest(const std::string& request_id, const std::string& payload_hash,
                             const Event& result) override {
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement s, db_.Prepare("INSERT INTO request_ids (request_id, payload_hash, event_id, "
                                 "result) VALUES (?, ?, ?, ?)"));
    s.Bind(1, request_id).Bind(2, payload_hash).Bind(3, result.id());
    s.BindBlob(4, result.SerializeAsString());
    return s.Run();
  }

  absl::Status Isolated(absl::FunctionRef<absl::Status()> fn) override {
    return InSavepoint(fn, /*always_undo=*/false);
  }

  absl::Status Rehearse(absl::FunctionRef<absl::Status()> fn) override {
    return InSavepoint(fn, /*always_undo=*/true);
  }

 private:
  absl::Status InSavepoint(absl::FunctionRef<absl::Status()> fn, bool always_undo) {
    // Savepoint names are per depth so nesting works; the writer's own savepoint is "w".
    // An I/O error or a full disk earlier in this write made SQLite roll the whole transaction
    // back; a savepoint now would begin a transaction of its own and commit outside the group.
    if (sqlite3_get_autocommit(db_.raw()) != 0) {
      return SqliteError(db_.raw(), sqlite3_extended_errcode(db_.raw()),
                         "the transaction was rolled back");
    }
    const std::string name = absl::StrCat("event_sp", depth_++);
    const int64_t head_before = head_;
    absl::Status status = db_.Exec(absl::StrCat("SAVEPOINT ", name));
    if (status.ok()) status = fn();
    if (status.ok() && !always_undo) {
      status = db_.Exec(absl::StrCat("RELEASE ", name));
    } else {
      db_.Exec(absl::StrCat("ROLLBACK TO ", name)).IgnoreError();
      db_.Exec(absl::StrCat("RELEASE ", name)).IgnoreError();
      head_ = head_before;
    }
    --depth_;
    return status;
  }

  absl::StatusOr<std::optional<std::string>> OwnerOf(const lookout::type::v1::ExternalId& id) {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s, db_.Prepare(kOwnerOfSql));
    s.Bind(1, id.scheme()).Bind(2, id.value());
    LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::nullopt;
    return s.Text(0);
  }

  // The next sequence of the change log. sqlite_sequence holds the largest ever used (rolled
  // back with a savepoint, so an undone import row does not leave a gap).
  absl::StatusOr<int64_t> NextSequence() {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s, db_.Prepare(kNextSequenceSql));
    LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
    return (row ? s.Int64(0) : 0) + 1;
  }

  struct StoredRow {
    int64_t pk = 0;
    Event event;
  };

  absl::StatusOr<StoredRow> LiveRow(const std::string& id) {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s, db_.Prepare(kLiveRowSql));
    s.Bind(1, id);
    LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return errors::NotFound("event", id);
    StoredRow stored;
    stored.pk = s.Int64(0);
    LOOKOUT_ASSIGN_OR_RETURN(stored.event, ParseEvent(s.Blob(1)));
    return stored;
  }

  // Binds the filter columns to parameters 1..13 of an INSERT or UPDATE.
  static void BindColumns(Statement& s, const Event& event, const EventColumns& columns,
                          const std::string& blob) {
    const auto& location = event.location();
    s.Bind(1, columns.event_day).Bind(2, columns.end_day).Bind(3, location.country_code());
    s.Bind(4, location.admin1()).Bind(5, static_cast<int64_t>(event.event_type()));
    s.Bind(6, event.sub_event_type()).Bind(7, event.fatalities());
    if (location.has_latitude() && location.has_longitude()) {
      s.Bind(8, location.latitude()).Bind(9, location.longitude());
    } else {
      s.BindNull(8).BindNull(9);
    }
    s.Bind(10, event.sequence()).BindBlob(11, blob);
    // A sea event's country column is '' (no country counts it); these say where at sea.
    s.Bind(12, location.maritime().basin()).Bind(13, location.maritime().body_of_water());
  }

  absl::StatusOr<int64_t> InsertRow(const Event& event, const EventColumns& columns,
                                    const std::string& blob) {
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement s,
        db_.Prepare("INSERT INTO events (event_day, end_day, country, admin1, event_type, "
                    "sub_event_type, fatalities, lat, lon, sequence, event, basin, water_body, "
                    "id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    BindColumns(s, event, columns, blob);
    s.Bind(14, event.id());
    LOOKOUT_RETURN_IF_ERROR(s.Run());
    return db_.LastInsertRowId();
  }

  absl::Status UpdateRow(int64_t pk, const Event& event, const EventColumns& columns,
                         const std::string& blob, bool deleted) {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s, db_.Prepare(kUpdateRowSql));
    BindColumns(s, event, columns, blob);
    s.Bind(14, deleted ? 1 : 0).Bind(15, pk);
    return s.Run();
  }

  enum class IndexChange { kAdd, kRemove };

  // Adds or removes the rows the filter indexes keep for `event` (for a removal, its state as
  // stored). Both directions walk the same rows with the same parameters, so a removal finds
  // exactly what the addition wrote; the full-text index in particular keeps no copy of the
  // text and forgets a row only when given the text it indexed.
  absl::Status ChangeIndexRows(IndexChange change, int64_t pk, const Event& event) {
    const bool add = change == IndexChange::kAdd;
    // OR IGNORE: one actor in two roles, or a repeated tag, is one index row.
    for (const v1::Participant& p : event.participants()) {
      LOOKOUT_RETURN_IF_ERROR(
          RunWithText(add ? "INSERT OR IGNORE INTO event_actors (actor_id, event_id) VALUES (?, ?)"
                          : kRemoveActorRowSql,
                      {p.actor_id(), event.id()}));
    }
    for (const std::string& tag : event.tags()) {
      LOOKOUT_RETURN_IF_ERROR(RunWithText(
          add ? "INSERT OR IGNORE INTO event_tags (tag, event_id) VALUES (?, ?)" : kRemoveTagRowSql,
          {tag, event.id()}));
    }
    for (const lookout::type::v1::ExternalId& id : event.external_ids()) {
      LOOKOUT_RETURN_IF_ERROR(RunWithText(
          add ? "INSERT INTO event_external_ids (scheme, value, event_id) VALUES (?, ?, ?)"
              : kRemoveExternalIdRowSql,
          {id.scheme(), id.value(), event.id()}));
    }
    LOOKOUT_RETURN_IF_ERROR(ChangeSourceAttributeRow(add, pk, event));
    if (event.notes().empty()) return absl::OkStatus();
    LOOKOUT_ASSIGN_OR_RETURN(Statement fts,
                             db_.Prepare(add ? "INSERT INTO events_fts (rowid, notes) VALUES (?, ?)"
                                             : "INSERT INTO events_fts (events_fts, rowid, notes) "
                                               "VALUES ('delete', ?, ?)"));
    fts.Bind(1, pk).Bind(2, event.notes());
    return fts.Run();
  }

  absl::Status ChangeSourceAttributeRow(bool add, int64_t pk, const Event& event) {
    const std::optional<SourceAttributeColumns> columns = SourceAttributeColumnsOf(event);
    if (!columns) return absl::OkStatus();
    if (!add) {
      LOOKOUT_ASSIGN_OR_RETURN(Statement s, db_.Prepare(kRemoveSourceAttributesSql));
      s.Bind(1, pk);
      return s.Run();
    }
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement s,
        db_.Prepare("INSERT INTO event_source_attributes (pk, goldstein, tone, quad_class, "
                    "mentions, root, disorder_type, interaction, conflict_id, dyad_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    s.Bind(1, pk);
    int index = 2;
    auto bind = [&](const auto& value) {
      if (value.has_value()) {
        s.Bind(index, *value);
      } else {
        s.BindNull(index);
      }
      ++index;
    };
    bind(columns->goldstein);
    bind(columns->tone);
    bind(columns->quad_class);
    bind(columns->mentions);
    bind(columns->root.has_value() ? std::optional<int64_t>(*columns->root ? 1 : 0) : std::nullopt);
    bind(columns->disorder_type);
    bind(columns->interaction);
    bind(columns->conflict_id);
    bind(columns->dyad_id);
    return s.Run();
  }

  // Runs `sql` with `values` bound to its parameters 1, 2, ...
  absl::Status RunWithText(absl::string_view sql, std::initializer_list<absl::string_view> values) {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql));
    int index = 1;
    for (absl::string_view value : values) s.Bind(index++, value);
    return s.Run();
  }

  SqliteConnection& db_;
  int64_t head_ = 0;
  int depth_ = 0;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> SqliteEventStore::Queries() {
  return {
      {"GetLive", kGetLiveSql},
      {"LiveRow", kLiveRowSql},
      {"FindRequest", kFindRequestSql},
      {"OwnerOf", kOwnerOfSql},
      {"NextSequence", kNextSequenceSql},
      {"UpdateRow", kUpdateRowSql},
      {"RemoveActorRow", kRemoveActorRowSql},
      {"RemoveTagRow", kRemoveTagRowSql},
      {"RemoveExternalIdRow", kRemoveExternalIdRowSql},
      {"RemoveSourceAttributes", kRemoveSourceAttributesSql},
      {"ChangesAfter", kChangesAfterSql},
      {"EventChanges", kEventChangesSql},
      {"NewestChange", kNewestChangeSql},
  };
}

absl::StatusOr<std::unique_ptr<SqliteEventStore>> SqliteEventStore::Open(
    const std::string& path, std::function<void()> before_sync) {
  SqliteDatabase::Options options;
  options.path = path;
  options.before_sync = std::move(before_sync);
  return Open(std::move(options));
}

absl::StatusOr<std::unique_ptr<SqliteEventStore>> SqliteEventStore::Open(
    SqliteDatabase::Options options) {
  options.metrics_name = "event";
  LOOKOUT_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> db,
                           SqliteDatabase::Open(options, EventStoreMigrations()));
  auto store = std::unique_ptr<SqliteEventStore>(new SqliteEventStore(std::move(db)));
  LOOKOUT_RETURN_IF_ERROR(store->LoadSecret());
  LOOKOUT_RETURN_IF_ERROR(store->LoadChangeLogId());
  // Opening synced the WAL, so everything stored is durable now.
  LOOKOUT_ASSIGN_OR_RETURN(int64_t head, store->StoredHead());
  {
    absl::MutexLock lock(&store->head_mu_);
    store->durable_head_ = head;
  }
  return store;
}

absl::Status SqliteEventStore::LoadSecret() {
  // OR IGNORE keeps the secret of an earlier run, so its page tokens stay valid.
  const std::string candidate = RandomHex(32);
  LOOKOUT_RETURN_IF_ERROR(db_->Write([&candidate](SqliteConnection& db) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s,
                             db.Prepare("INSERT OR IGNORE INTO meta (key, value) VALUES "
                                        "('page_token_secret', ?)"));
    s.Bind(1, candidate);
    return s.Run();
  }));
  return db_->Read([this](SqliteConnection& db) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s,
                             db.Prepare("SELECT value FROM meta WHERE key = 'page_token_secret'"));
    LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return errors::StorageFailure("page token secret missing");
    secret_ = s.Text(0);
    return absl::OkStatus();
  });
}

absl::Status SqliteEventStore::LoadChangeLogId() {
  // Migration 4 created it. An operator who restores the file from a backup deletes it (see
  // README.md), and the log is then given a new one here: the restored log's sequences are
  // reused by new changes and must not be confused with those the old log handed out.
  LOOKOUT_ASSIGN_OR_RETURN(change_log_id_,
                           LoadOrCreateMetaValue(*db_, "change_log_id", RandomHex(16)));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Event>> SqliteEventStore::GetLive(const std::string& id) {
  std::optional<Event> result;
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& db) -> absl::Status {
    SqliteEventTransaction reader(db);  // its read helpers work on any connection
    LOOKOUT_ASSIGN_OR_RETURN(result, reader.GetLive(id));
    return absl::OkStatus();
  }));
  if (result.has_value()) LOOKOUT_RETURN_IF_ERROR(AwaitDurableHead(result->sequence()));
  return result;
}

absl::StatusOr<std::optional<RequestRecord>> SqliteEventStore::FindRequest(
    const std::string& request_id) {
  std::optional<RequestRecord> result;
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& db) -> absl::Status {
    SqliteEventTransaction reader(db);
    LOOKOUT_ASSIGN_OR_RETURN(result, reader.FindRequest(request_id));
    return absl::OkStatus();
  }));
  // The record may belong to a commit that is visible but not yet durable; a retry is answered
  // "created" only once it is.
  if (result.has_value()) db_->AwaitDurable();
  return result;
}

absl::StatusOr<EventPage> SqliteEventStore::List(const EventQuery& query) {
  EventPage page;
  int64_t snapshot_head = 0;
  const SqlCondition filtered = FilterCondition(query.filter);
  // The situation report's filter (countries and a period) is counted from the kept counts.
  const std::optional<SqlStatement> day_count = DayCountStatement(query.filter);
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& db) -> absl::Status {
    SqlCondition condition = filtered;
    // One read transaction: the total and the page come from the same snapshot.
    LOOKOUT_RETURN_IF_ERROR(db.Exec("BEGIN"));
    {
      // The snapshot's newest change: the page may reflect any change up to it.
      LOOKOUT_ASSIGN_OR_RETURN(Statement head, db.Prepare(kNewestChangeSql));
      LOOKOUT_ASSIGN_OR_RETURN(bool row, head.Step());
      snapshot_head = row ? head.Int64(0) : 0;
    }
    {
      LOOKOUT_ASSIGN_OR_RETURN(
          Statement count,
          db.Prepare(day_count.has_value() ? day_count->sql : ListCountSql(condition)));
      BindAll(count, day_count.has_value() ? day_count->params : condition.params);
      LOOKOUT_ASSIGN_OR_RETURN(bool row, count.Step());
      page.total_size = row ? count.Int64(0) : 0;
      if (day_count.has_value() && row && !count.IsNull(1)) {
        condition = WithEarliestDay(std::move(condition), count.Int64(1));
      }
    }
    // Counted from the kept counts and nothing matches: no page to look for.
    if (day_count.has_value() && page.total_size == 0) return db.Exec("COMMIT");
    {
      LOOKOUT_ASSIGN_OR_RETURN(
          Statement rows, db.Prepare(ListPageSql(condition, query.order, query.after.has_value())));
      BindAll(rows, condition.params);
      int next = static_cast<int>(condition.params.size()) + 1;
      if (query.after.has_value()) {
        rows.Bind(next, query.after->sort_key);
        rows.Bind(next + 1, query.after->id);
        next += 2;
      }
      // One extra row says whether another page follows.
      rows.Bind(next, static_cast<int64_t>(query.limit) + 1);
      EventCursor last;
      while (true) {
        LOOKOUT_ASSIGN_OR_RETURN(bool row, rows.Step());
        if (!row) break;
        if (static_cast<int>(page.events.size()) == query.limit) {
          page.next = last;
          break;
        }
        LOOKOUT_ASSIGN_OR_RETURN(Event event, ParseEvent(rows.Blob(0)));
        page.events.push_back(std::move(event));
        last.sort_key = rows.Int64(1);
        last.id = rows.Text(2);
      }
    }
    return db.Exec("COMMIT");
  }));
  LOOKOUT_RETURN_IF_ERROR(AwaitDurableHead(snapshot_head));
  return page;
}

absl::StatusOr<std::vector<Change>> SqliteEventStore::ChangesAfter(int64_t after, int64_t up_to,
                                                                   int limit) {
  std::vector<Change> changes;
  up_to = std::min(up_to, durable_head());
  if (after >= up_to) return changes;
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& db) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s, db.Prepare(kChangesAfterSql));
    s.Bind(1, after).Bind(2, up_to).Bind(3, static_cast<int64_t>(limit));
    while (true) {
      LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return absl::OkStatus();
      changes.push_back(ChangeOfRow(s));
    }
  }));
  return changes;
}

absl::StatusOr<std::vector<Change>> SqliteEventStore::EventChanges(const std::string& event_id,
                                                                   int64_t before, int limit) {
  std::vector<Change> changes;
  const int64_t head = durable_head();
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& db) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s, db.Prepare(kEventChangesSql));
    s.Bind(1, event_id).Bind(2, before > 0 ? before : INT64_MAX).Bind(3, head);
    s.Bind(4, static_cast<int64_t>(limit));
    while (true) {
      LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return absl::OkStatus();
      changes.push_back(ChangeOfRow(s));
    }
  }));
  return changes;
}

absl::StatusOr<std::vector<Change>> SqliteEventStore::StatesAsOf(int64_t as_of) {
  std::vector<Change> changes;
  as_of = std::min(as_of, durable_head());
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& db) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s, db.Prepare(kStatesAsOfSql));
    s.Bind(1, as_of);
    while (true) {
      LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return absl::OkStatus();
      changes.push_back(ChangeOfRow(s));
    }
  }));
  return changes;
}

absl::StatusOr<EventStore::Compaction> SqliteEventStore::CompactBefore(absl::Time cutoff) {
  Compaction result;
  int64_t& horizon = result.horizon;
  const int64_t cutoff_us = absl::ToUnixMicros(cutoff);
  LOOKOUT_RETURN_IF_ERROR(db_->Write([&](SqliteConnection& db) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement newest,
        db.Prepare("SELECT MAX(COALESCE((SELECT MAX(sequence) FROM changes WHERE time_us < ?), 0), "
                   "CAST((SELECT value FROM meta WHERE key = 'history_horizon') AS INTEGER))"));
    newest.Bind(1, cutoff_us);
    LOOKOUT_ASSIGN_OR_RETURN(bool row, newest.Step());
    horizon = row ? newest.Int64(0) : 0;
    // A change goes when a newer change of its event at or below the horizon supersedes it: the
    // state of every event as of any sequence >= horizon is still the newest change up to it.
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement remove,
        db.Prepare("DELETE FROM changes WHERE sequence < ?1 AND EXISTS (SELECT 1 FROM changes n "
                   "WHERE n.event_id = changes.event_id AND n.sequence > changes.sequence AND "
                   "n.sequence <= ?1)"));
    remove.Bind(1, horizon);
    LOOKOUT_RETURN_IF_ERROR(remove.Run());
    result.removed = db.Changes();
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement record,
        db.Prepare("INSERT INTO meta (key, value) VALUES ('history_horizon', ?) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    record.Bind(1, absl::StrCat(horizon));
    return record.Run();
  }));
  return result;
}

absl::StatusOr<int64_t> SqliteEventStore::SequenceAt(absl::Time time) {
  int64_t sequence = 0;
  const int64_t head = durable_head();
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& db) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement s,
        db.Prepare("SELECT COALESCE(MAX(sequence), 0) FROM changes WHERE time_us <= ? AND "
                   "sequence <= ?"));
    s.Bind(1, absl::ToUnixMicros(time)).Bind(2, head);
    LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
    sequence = row ? s.Int64(0) : 0;
    return absl::OkStatus();
  }));
  return sequence;
}

absl::StatusOr<int64_t> SqliteEventStore::HistoryHorizon() {
  int64_t horizon = 0;
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& db) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(
        Statement s, db.Prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'history_horizon'"));
    LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
    horizon = row ? s.Int64(0) : 0;
    return absl::OkStatus();
  }));
  return horizon;
}

absl::StatusOr<int64_t> SqliteEventStore::HeadSequence() { return durable_head(); }

int64_t SqliteEventStore::durable_head() const {
  absl::MutexLock lock(&head_mu_);
  return durable_head_;
}

absl::Status SqliteEventStore::AwaitDurableHead(int64_t sequence) {
  absl::MutexLock lock(&head_mu_);
  auto durable = [this, sequence]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(head_mu_) { return durable_head_ >= sequence; };
  // The sync normally lands within milliseconds, and a failed one ends the process; the bound
  // only keeps a reader from hanging on a store that stopped syncing.
  if (head_mu_.AwaitWithTimeout(absl::Condition(&durable), absl::Seconds(30))) {
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat("storage: change ", sequence,
                                             " is committed but not yet on disk; retry shortly"));
}

absl::StatusOr<int64_t> SqliteEventStore::StoredHead() {
  int64_t head = 0;
  LOOKOUT_RETURN_IF_ERROR(db_->Read([&](SqliteConnection& db) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement s, db.Prepare(kNewestChangeSql));
    LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
    head = row ? s.Int64(0) : 0;
    return absl::OkStatus();
  }));
  return head;
}

absl::Status SqliteEventStore::Write(absl::FunctionRef<absl::Status(EventTransaction&)> fn) {
  int64_t head = 0;
  return db_->Write(
      [&](SqliteConnection& db) {
        SqliteEventTransaction transaction(db);
        absl::Status status = fn(transaction);
        head = transaction.head();
        return status;
      },
      [&] {
        // Runs once the commit is durable, in commit order, so heads only grow.
        if (head <= 0) return;
        {
          absl::MutexLock lock(&head_mu_);
          durable_head_ = head;
        }
        if (listener_) listener_(head);
      });
}

void SqliteEventStore::SetCommitListener(std::function<void(int64_t head)> listener) {
  listener_ = std::move(listener);
}

}  // namespace lookout::event
