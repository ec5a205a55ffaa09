#include "services/event/postgres_event_store.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "services/event/postgres_event_query.h"
#include "services/event/postgres_event_schema.h"

namespace lookout::event {
namespace {

using ::lookout::event::v1::ChangeType;
using ::lookout::event::v1::Event;
using ::lookout::type::v1::ExternalId;

constexpr char kLiveEventSql[] = "SELECT event FROM events WHERE id = $1 AND NOT deleted";
// Inside a write: the row stays locked to the commit, so a concurrent update or delete of the
// same event on another replica waits and then reads the new state (etag checks are exact).
constexpr char kLockLiveEventSql[] =
    "SELECT event FROM events WHERE id = $1 AND NOT deleted FOR UPDATE";
constexpr char kFindRequestSql[] =
    "SELECT payload_hash, result FROM request_ids WHERE request_id = $1";
constexpr char kHeadSql[] = "SELECT sequence FROM change_head";

absl::StatusOr<Event> ParseEvent(absl::string_view blob) {
  Event event;
  if (!event.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return errors::StorageFailure("unreadable event record");
  }
  return event;
}

absl::Status ExternalIdTaken(int index, const ExternalId& id, absl::string_view owner) {
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

// Fields of COPY's text format.
void CopyText(std::string& row, absl::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        row += "\\\\";
        break;
      case '\n':
        row += "\\n";
        break;
      case '\r':
        row += "\\r";
        break;
      case '\t':
        row += "\\t";
        break;
      default:
        row += c;
    }
  }
}

void CopyBytes(std::string& row, absl::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  row += "\\\\x";  // bytea's hex form, its backslash escaped for COPY
  for (unsigned char c : bytes) {
    row += kHex[c >> 4];
    row += kHex[c & 0xF];
  }
}

// Rows of one table, gathered for COPY.
struct CopyBuffer {
  std::string data;
  void Field(absl::string_view text, bool first = false) {
    if (!first) data += '\t';
    CopyText(data, text);
  }
  void Int(int64_t value) { absl::StrAppend(&data, "\t", value); }
  void Double(double value) { absl::StrAppend(&data, "\t", absl::StrFormat("%.17g", value)); }
  void Null() { data += "\t\\N"; }
  void Bytes(absl::string_view bytes) {
    data += '\t';
    CopyBytes(data, bytes);
  }
  void End() { data += '\n'; }
};

std::vector<std::string> ActorIdsOf(const Event& event) {
  std::vector<std::string> ids;
  absl::flat_hash_set<std::string> seen;
  // One actor in two roles is one index row.
  for (const v1::Participant& p : event.participants()) {
    if (seen.insert(p.actor_id()).second) ids.push_back(p.actor_id());
  }
  return ids;
}

std::vector<std::string> TagsOf(const Event& event) {
  std::vector<std::string> tags;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& tag : event.tags()) {
    if (seen.insert(tag).second) tags.push_back(tag);
  }
  return tags;
}

using ExternalKey = std::pair<std::string, std::string>;

ExternalKey KeyOf(const ExternalId& id) { return {id.scheme(), id.value()}; }

class PostgresEventTransaction : public EventTransaction {
 public:
  explicit PostgresEventTransaction(pg::Session& session) : s_(session) {}

  // The newest sequence this transaction appended (0 when none survived).
  int64_t head() const { return head_ > base_ ? head_ : 0; }

  absl::StatusOr<std::optional<Event>> GetLive(const std::string& id) override {
    if (auto it = pending_.find(id); it != pending_.end()) return it->second;
    // The head before any event row: every write locks in that order, so none deadlocks.
    LOOKOUT_RETURN_IF_ERROR(LockHead());
    LOOKOUT_ASSIGN_OR_RETURN(pg::Result rows,
                             s_.Exec(kLockLiveEventSql, pg::Params().Add(id)));
    if (rows.rows() == 0) return std::nullopt;
    return ParseEvent(rows.View(0, 0));
  }

  absl::StatusOr<std::optional<Event>> FindLiveByExternalId(
      const ExternalId& external_id) override {
    LOOKOUT_ASSIGN_OR_RETURN(std::optional<std::string> owner, OwnerOf(external_id));
    if (!owner.has_value()) return std::nullopt;
    return GetLive(*owner);
  }

  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const std::string& request_id) override {
    LOOKOUT_ASSIGN_OR_RETURN(pg::Result rows, s_.Exec(kFindRequestSql, pg::Params().Add(request_id)));
    if (rows.rows() == 0) return std::nullopt;
    RequestRecord record;
    record.payload_hash = rows.Bytes(0, 0);
    LOOKOUT_ASSIGN_OR_RETURN(record.result, ParseEvent(rows.View(0, 1)));
    return record;
  }

  absl::Status PrefetchExternalIds(const std::vector<ExternalId>& ids) override {
    LOOKOUT_RETURN_IF_ERROR(LockHead());  // before the owners are read: they stay true
    std::vector<std::string> schemes, values;
    for (const ExternalId& id : ids) {
      if (owners_.contains(KeyOf(id))) continue;
      schemes.push_back(id.scheme());
      values.push_back(id.value());
    }
    if (schemes.empty()) return absl::OkStatus();
    LOOKOUT_ASSIGN_OR_RETURN(
        pg::Result rows,
        s_.Exec("SELECT x.scheme, x.value, o.event_id FROM unnest($1::text[], $2::text[]) AS "
                "x(scheme, value) LEFT JOIN event_external_ids o ON o.scheme = x.scheme COLLATE "
                "\"C\" AND o.value = x.value COLLATE \"C\"",
                pg::Params().AddTextArray(schemes).AddTextArray(values)));
    for (int i = 0; i < rows.rows(); ++i) {
      ExternalKey key{rows.Bytes(i, 0), rows.Bytes(i, 1)};
      std::optional<std::string> owner;
      if (!rows.IsNull(i, 2)) owner = rows.Bytes(i, 2);
      owners_.emplace(std::move(key), std::move(owner));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Event> Apply(ChangeType type, Event event) override {
    LOOKOUT_ASSIGN_OR_RETURN(EventColumns columns, ColumnsOf(event));
    // Locked first, so the owners read below are those every earlier write committed.
    LOOKOUT_RETURN_IF_ERROR(LockHead());
    if (type != v1::CHANGE_TYPE_DELETED) {
      for (int i = 0; i < event.external_ids_size(); ++i) {
        LOOKOUT_ASSIGN_OR_RETURN(std::optional<std::string> owner, OwnerOf(event.external_ids(i)));
        if (owner.has_value() && *owner != event.id()) {
          return ExternalIdTaken(i, event.external_ids(i), *owner);
        }
      }
    }
    event.set_sequence(head_ + 1);
    const std::string blob = event.SerializeAsString();

    std::optional<Event> stored;
    if (type == v1::CHANGE_TYPE_CREATED) {
      BufferCreate(event, columns, blob);
    } else {
      // The state being replaced, from the row itself, so the index rows removed are exactly
      // those its addition wrote.
      if (pending_.contains(event.id())) LOOKOUT_RETURN_IF_ERROR(Flush());
      LOOKOUT_ASSIGN_OR_RETURN(pg::Result rows,
                               s_.Exec(kLockLiveEventSql, pg::Params().Add(event.id())));
      if (rows.rows() == 0) return errors::NotFound("event", event.id());
      LOOKOUT_ASSIGN_OR_RETURN(stored, ParseEvent(rows.View(0, 0)));
      LOOKOUT_RETURN_IF_ERROR(UpdateRow(event, columns, blob, type == v1::CHANGE_TYPE_DELETED));
      LOOKOUT_RETURN_IF_ERROR(RemoveIndexRows(*stored));
      if (type != v1::CHANGE_TYPE_DELETED) LOOKOUT_RETURN_IF_ERROR(AddIndexRows(event));
    }
    TrackOwners(stored.has_value() ? &*stored : nullptr,
                type == v1::CHANGE_TYPE_DELETED ? nullptr : &event);

    changes_.data += std::to_string(head_ + 1);
    changes_.Field(event.id());
    changes_.Int(static_cast<int64_t>(type));
    changes_.Bytes(blob);
    changes_.End();
    ++head_;
    return event;
  }

  absl::Status RecordRequest(const std::string& request_id, const std::string& payload_hash,
                             const Event& result) override {
    // At once: a concurrent create with the same request_id on another replica waits on this
    // key, and one of the two is run again and finds the other's record.
    return s_.Run(
        "INSERT INTO request_ids (request_id, payload_hash, event_id, result) VALUES ($1, $2, "
        "$3, $4)",
        pg::Params().Add(request_id).Add(payload_hash).Add(result.id()).AddBytes(
            result.SerializeAsString()));
  }

  absl::Status Isolated(absl::FunctionRef<absl::Status()> fn) override {
    return InSavepoint(fn, /*always_undo=*/false);
  }

  absl::Status Rehearse(absl::FunctionRef<absl::Status()> fn) override {
    return InSavepoint(fn, /*always_undo=*/true);
  }

  // Writes what is gathered and moves the head. Runs last, before COMMIT.
  absl::Status Finish() {
    LOOKOUT_RETURN_IF_ERROR(Flush());
    if (head_ <= base_) return absl::OkStatus();
    // The notification is delivered at commit, in commit order.
    return s_.Run(
        "WITH moved AS (UPDATE change_head SET sequence = $1) SELECT pg_notify($2, $3)",
        pg::Params().Add(head_).Add(PostgresEventStore::kChangesChannel).Add(
            std::to_string(head_)));
  }

 private:
  absl::Status LockHead() {
    if (head_locked_) return absl::OkStatus();
    LOOKOUT_ASSIGN_OR_RETURN(pg::Result rows, s_.Exec("SELECT sequence FROM change_head FOR UPDATE"));
    if (rows.rows() != 1) return errors::StorageFailure("change_head has no row");
    base_ = head_ = rows.Int64(0, 0);
    head_locked_ = true;
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<std::string>> OwnerOf(const ExternalId& id) {
    ExternalKey key = KeyOf(id);
    if (auto it = owners_.find(key); it != owners_.end()) return it->second;
    LOOKOUT_ASSIGN_OR_RETURN(
        pg::Result rows,
        s_.Exec("SELECT event_id FROM event_external_ids WHERE scheme = $1 AND value = $2",
                pg::Params().Add(id.scheme()).Add(id.value())));
    std::optional<std::string> owner;
    if (rows.rows() > 0) owner = rows.Bytes(0, 0);
    owners_.emplace(std::move(key), owner);
    return owner;
  }

  // Keeps the owner cache true to this transaction's writes (with undo entries for savepoints).
  void TrackOwners(const Event* removed, const Event* added) {
    auto set = [this](const ExternalKey& key, std::optional<std::string> owner) {
      auto it = owners_.find(key);
      const bool had = it != owners_.end();
      std::optional<std::string> before = had ? it->second : std::nullopt;
      undo_.push_back([this, key, had, before] {
        if (had) {
          owners_[key] = before;
        } else {
          owners_.erase(key);
        }
      });
      owners_[key] = std::move(owner);
    };
    if (removed != nullptr) {
      for (const ExternalId& id : removed->external_ids()) set(KeyOf(id), std::nullopt);
    }
    if (added != nullptr) {
      for (const ExternalId& id : added->external_ids()) set(KeyOf(id), added->id());
    }
  }

  void BufferCreate(const Event& event, const EventColumns& columns, const std::string& blob) {
    const auto& location = event.location();
    events_.Field(event.id(), /*first=*/true);
    events_.Int(columns.event_day);
    events_.Int(columns.end_day);
    events_.Field(location.country_code());
    events_.Field(location.admin1());
    events_.Int(static_cast<int64_t>(event.event_type()));
    events_.Field(event.sub_event_type());
    events_.Int(event.fatalities());
    if (location.has_latitude() && location.has_longitude()) {
      events_.Double(location.latitude());
      events_.Double(location.longitude());
    } else {
      events_.Null();
      events_.Null();
    }
    events_.data += "\tf";
    events_.Int(event.sequence());
    const std::string words = NotesTsVector(event.notes());
    if (words.empty()) {
      events_.Null();
    } else {
      events_.Field(words);
    }
    events_.Bytes(blob);
    events_.End();
    for (const std::string& actor : ActorIdsOf(event)) {
      actors_.Field(actor, /*first=*/true);
      actors_.Field(event.id());
      actors_.End();
    }
    for (const std::string& tag : TagsOf(event)) {
      tags_.Field(tag, /*first=*/true);
      tags_.Field(event.id());
      tags_.End();
    }
    for (const ExternalId& id : event.external_ids()) {
      external_ids_.Field(id.scheme(), /*first=*/true);
      external_ids_.Field(id.value());
      external_ids_.Field(event.id());
      external_ids_.End();
    }
    const std::string id = event.id();
    undo_.push_back([this, id] { pending_.erase(id); });
    pending_[id] = event;
  }

  absl::Status Flush() {
    struct Table {
      CopyBuffer* buffer;
      const char* copy;
    };
    for (const Table& table : {
             Table{&events_,
                   "COPY events (id, event_day, end_day, country, admin1, event_type, "
                   "sub_event_type, fatalities, lat, lon, deleted, sequence, words, event) FROM "
                   "STDIN"},
             Table{&actors_, "COPY event_actors (actor_id, event_id) FROM STDIN"},
             Table{&tags_, "COPY event_tags (tag, event_id) FROM STDIN"},
             Table{&external_ids_,
                   "COPY event_external_ids (scheme, value, event_id) FROM STDIN"},
             Table{&changes_, "COPY changes (sequence, event_id, type, event) FROM STDIN"},
         }) {
      if (table.buffer->data.empty()) continue;
      LOOKOUT_RETURN_IF_ERROR(s_.CopyIn(table.copy, table.buffer->data).status());
      table.buffer->data.clear();
    }
    pending_.clear();
    return absl::OkStatus();
  }

  absl::Status UpdateRow(const Event& event, const EventColumns& columns, const std::string& blob,
                         bool deleted) {
    const auto& location = event.location();
    pg::Params params;
    params.Add(columns.event_day).Add(columns.end_day).Add(location.country_code());
    params.Add(location.admin1()).Add(static_cast<int64_t>(event.event_type()));
    params.Add(event.sub_event_type()).Add(event.fatalities());
    if (location.has_latitude() && location.has_longitude()) {
      params.Add(location.latitude()).Add(location.longitude());
    } else {
      params.AddNull().AddNull();
    }
    params.Add(event.sequence()).AddBytes(blob).Add(deleted);
    const std::string words = deleted ? "" : NotesTsVector(event.notes());
    if (words.empty()) {
      params.AddNull();
    } else {
      params.Add(words);
    }
    params.Add(event.id());
    return s_.Run(
        "UPDATE events SET event_day = $1, end_day = $2, country = $3, admin1 = $4, "
        "event_type = $5, sub_event_type = $6, fatalities = $7, lat = $8, lon = $9, "
        "sequence = $10, event = $11, deleted = $12, words = $13::text::tsvector WHERE id = $14",
        params);
  }

  absl::Status RemoveIndexRows(const Event& stored) {
    LOOKOUT_RETURN_IF_ERROR(
        s_.Run("DELETE FROM event_actors WHERE actor_id = ANY($1) AND event_id = $2",
               pg::Params().AddTextArray(ActorIdsOf(stored)).Add(stored.id())));
    LOOKOUT_RETURN_IF_ERROR(s_.Run("DELETE FROM event_tags WHERE tag = ANY($1) AND event_id = $2",
                                   pg::Params().AddTextArray(TagsOf(stored)).Add(stored.id())));
    std::vector<std::string> schemes, values;
    for (const ExternalId& id : stored.external_ids()) {
      schemes.push_back(id.scheme());
      values.push_back(id.value());
    }
    return s_.Run(
        "DELETE FROM event_external_ids o USING unnest($1::text[], $2::text[]) AS x(scheme, "
        "value) WHERE o.scheme = x.scheme COLLATE \"C\" AND o.value = x.value COLLATE \"C\" AND "
        "o.event_id = $3",
        pg::Params().AddTextArray(schemes).AddTextArray(values).Add(stored.id()));
  }

  absl::Status AddIndexRows(const Event& event) {
    LOOKOUT_RETURN_IF_ERROR(
        s_.Run("INSERT INTO event_actors (actor_id, event_id) SELECT unnest($1::text[]), $2",
               pg::Params().AddTextArray(ActorIdsOf(event)).Add(event.id())));
    LOOKOUT_RETURN_IF_ERROR(
        s_.Run("INSERT INTO event_tags (tag, event_id) SELECT unnest($1::text[]), $2",
               pg::Params().AddTextArray(TagsOf(event)).Add(event.id())));
    std::vector<std::string> schemes, values;
    for (const ExternalId& id : event.external_ids()) {
      schemes.push_back(id.scheme());
      values.push_back(id.value());
    }
    return s_.Run(
        "INSERT INTO event_external_ids (scheme, value, event_id) SELECT s, v, $3 FROM "
        "unnest($1::text[], $2::text[]) AS x(s, v)",
        pg::Params().AddTextArray(schemes).AddTextArray(values).Add(event.id()));
  }

  absl::Status InSavepoint(absl::FunctionRef<absl::Status()> fn, bool always_undo) {
    // Whatever was gathered before goes to the server first, so the savepoint undoes only fn's.
    LOOKOUT_RETURN_IF_ERROR(Flush());
    const std::string name = absl::StrCat("event_sp", depth_++);
    const int64_t head_before = head_;
    const size_t undo_mark = undo_.size();
    absl::Status status = s_.ExecScript(absl::StrCat("SAVEPOINT ", name));
    if (status.ok()) status = fn();
    if (status.ok() && !always_undo) {
      // fn's creates are written with the rest of the transaction.
      status = s_.ExecScript(absl::StrCat("RELEASE ", name));
    } else {
      // Undone on both sides: the server's rows and what is still gathered here.
      absl::Status undone = s_.ExecScript(absl::StrCat("ROLLBACK TO ", name, "; RELEASE ", name));
      for (CopyBuffer* buffer : {&events_, &actors_, &tags_, &external_ids_, &changes_}) {
        buffer->data.clear();
      }
      while (undo_.size() > undo_mark) {
        undo_.back()();
        undo_.pop_back();
      }
      pending_.clear();
      head_ = head_before;
      if (!undone.ok() && status.ok()) status = undone;
    }
    --depth_;
    return status;
  }

  pg::Session& s_;
  bool head_locked_ = false;
  int64_t base_ = 0;  // the head when this transaction locked it
  int64_t head_ = 0;  // the last sequence it gave out
  int depth_ = 0;
  // Creates gathered for COPY, and the events they hold, readable by this transaction.
  CopyBuffer events_, actors_, tags_, external_ids_, changes_;
  absl::flat_hash_map<std::string, Event> pending_;
  // Owners of external ids as this transaction sees them (nullopt: free).
  absl::flat_hash_map<ExternalKey, std::optional<std::string>> owners_;
  std::vector<std::function<void()>> undo_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresEventStore>> PostgresEventStore::Open(
    pg::PoolOptions options) {
  LOOKOUT_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool, pg::Pool::Create(std::move(options)));
  LOOKOUT_RETURN_IF_ERROR(pool->Migrate(PostgresEventStoreMigrations()));
  auto store = std::unique_ptr<PostgresEventStore>(new PostgresEventStore(std::move(pool)));
  LOOKOUT_RETURN_IF_ERROR(store->LoadMeta());
  return store;
}

PostgresEventStore::~PostgresEventStore() { other_replicas_.reset(); }

absl::Status PostgresEventStore::LoadMeta() {
  // The first replica's secret wins; every replica signs page tokens with it.
  return pool_->Transaction([this](pg::Session& s) -> absl::Status {
    LOOKOUT_RETURN_IF_ERROR(s.Run(
        "INSERT INTO meta (key, value) VALUES ('page_token_secret', $1) ON CONFLICT DO NOTHING",
        pg::Params().Add(RandomHex(32))));
    LOOKOUT_ASSIGN_OR_RETURN(
        pg::Result rows,
        s.Exec("SELECT key, value FROM meta WHERE key IN ('page_token_secret', 'change_log_id')"));
    for (int i = 0; i < rows.rows(); ++i) {
      (rows.View(i, 0) == "page_token_secret" ? secret_ : change_log_id_) = rows.Bytes(i, 1);
    }
    if (secret_.empty() || change_log_id_.empty()) {
      return errors::StorageFailure("meta lacks the page token secret or the change log id");
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<Event>> PostgresEventStore::GetLive(const std::string& id) {
  std::optional<Event> result;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](pg::Session& s) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(pg::Result rows, s.Exec(kLiveEventSql, pg::Params().Add(id)));
    if (rows.rows() > 0) {
      LOOKOUT_ASSIGN_OR_RETURN(result, ParseEvent(rows.View(0, 0)));
    }
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<std::optional<RequestRecord>> PostgresEventStore::FindRequest(
    const std::string& request_id) {
  std::optional<RequestRecord> result;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](pg::Session& s) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(pg::Result rows, s.Exec(kFindRequestSql, pg::Params().Add(request_id)));
    if (rows.rows() == 0) return absl::OkStatus();
    RequestRecord record;
    record.payload_hash = rows.Bytes(0, 0);
    LOOKOUT_ASSIGN_OR_RETURN(record.result, ParseEvent(rows.View(0, 1)));
    result = std::move(record);
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<EventPage> PostgresEventStore::List(const EventQuery& query) {
  EventPage page;
  const PgCondition condition = PostgresFilterCondition(query.filter);
  LOOKOUT_RETURN_IF_ERROR(pool_->Transaction(
      [&](pg::Session& s) -> absl::Status {
        // One snapshot: the total and the page agree.
        page = EventPage();
        LOOKOUT_ASSIGN_OR_RETURN(pg::Result count,
                                 s.Exec(PostgresListCountSql(condition), condition.params));
        page.total_size = count.Int64(0, 0);
        pg::Params params = condition.params;
        if (query.after.has_value()) params.Add(query.after->sort_key).Add(query.after->id);
        // One extra row says whether another page follows.
        params.Add(static_cast<int64_t>(query.limit) + 1);
        LOOKOUT_ASSIGN_OR_RETURN(
            pg::Result rows,
            s.Exec(PostgresListPageSql(condition, query.order, query.after.has_value()), params));
        EventCursor last;
        for (int i = 0; i < rows.rows(); ++i) {
          if (static_cast<int>(page.events.size()) == query.limit) {
            page.next = last;
            break;
          }
          LOOKOUT_ASSIGN_OR_RETURN(Event event, ParseEvent(rows.View(i, 0)));
          page.events.push_back(std::move(event));
          last.sort_key = rows.Int64(i, 1);
          last.id = rows.Bytes(i, 2);
        }
        return absl::OkStatus();
      },
      pg::Pool::Mode::kReadOnly));
  return page;
}

absl::StatusOr<std::vector<Change>> PostgresEventStore::ChangesAfter(int64_t after, int64_t up_to,
                                                                     int limit) {
  std::vector<Change> changes;
  if (after >= up_to) return changes;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](pg::Session& s) -> absl::Status {
    // Every change up to the committed head is visible (see the header), so a page read now
    // has no hole a later commit could fill.
    LOOKOUT_ASSIGN_OR_RETURN(
        pg::Result rows,
        s.Exec("SELECT c.sequence, c.type, c.event FROM changes c, change_head h WHERE "
               "c.sequence > $1 AND c.sequence <= LEAST($2, h.sequence) ORDER BY c.sequence "
               "LIMIT $3",
               pg::Params().Add(after).Add(up_to).Add(static_cast<int64_t>(limit))));
    changes.reserve(rows.rows());
    for (int i = 0; i < rows.rows(); ++i) {
      Change change;
      change.sequence = rows.Int64(i, 0);
      change.type = static_cast<ChangeType>(rows.Int64(i, 1));
      change.event_bytes = rows.Bytes(i, 2);
      changes.push_back(std::move(change));
    }
    return absl::OkStatus();
  }));
  return changes;
}

absl::StatusOr<int64_t> PostgresEventStore::HeadSequence() {
  int64_t head = 0;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](pg::Session& s) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(pg::Result rows, s.Exec(kHeadSql));
    if (rows.rows() != 1) return errors::StorageFailure("change_head has no row");
    head = rows.Int64(0, 0);
    return absl::OkStatus();
  }));
  return head;
}

absl::Status PostgresEventStore::Write(absl::FunctionRef<absl::Status(EventTransaction&)> fn) {
  int64_t head = 0;
  LOOKOUT_RETURN_IF_ERROR(pool_->Transaction([&](pg::Session& s) -> absl::Status {
    // A race the server resolved by aborting us runs everything again from the start.
    head = 0;
    PostgresEventTransaction transaction(s);
    LOOKOUT_RETURN_IF_ERROR(fn(transaction));
    LOOKOUT_RETURN_IF_ERROR(transaction.Finish());
    head = transaction.head();
    return absl::OkStatus();
  }));
  if (head > 0) Announce(head);
  return absl::OkStatus();
}

void PostgresEventStore::SetCommitListener(std::function<void(int64_t head)> listener) {
  other_replicas_.reset();  // joins its thread: no call to the old listener after this
  const bool listening = listener != nullptr;
  {
    absl::MutexLock lock(&announce_mu_);
    listener_ = std::move(listener);
  }
  if (!listening) return;
  other_replicas_ = std::make_unique<pg::ChannelListener>(
      *pool_, kChangesChannel, absl::Seconds(1), [this](const std::string& payload) {
        int64_t head = 0;
        if (!absl::SimpleAtoi(payload, &head)) {
          // A periodic check, or a reconnection after notifications may have been missed.
          absl::StatusOr<int64_t> stored = HeadSequence();
          if (!stored.ok()) return;
          head = *stored;
        }
        Announce(head);
      });
}

void PostgresEventStore::Announce(int64_t head) {
  absl::MutexLock lock(&announce_mu_);
  if (head <= announced_head_) return;
  announced_head_ = head;
  if (listener_) listener_(head);
}

}  // namespace lookout::event
