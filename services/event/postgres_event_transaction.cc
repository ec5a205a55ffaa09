#include "services/event/postgres_event_transaction.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "services/event/postgres_event_query.h"
#include "services/event/source_attribute_columns.h"

namespace lookout::event {
namespace {

using ::lookout::event::v1::ChangeType;
using ::lookout::event::v1::Event;
using ::lookout::type::v1::ExternalId;

// The bound of each statement a writer runs once it holds the head lock: far above what a
// healthy one needs (a COPY of a 500-row batch takes milliseconds), far below a client's patience.
constexpr int kHeadHolderStatementMs = 5000;

// Inside a write: the row stays locked to the commit, so a concurrent update or delete of the
// same event on another replica waits and then reads the new state (etag checks are exact).
constexpr char kLockLiveEventSql[] =
    "SELECT event FROM events WHERE id = $1 AND NOT deleted FOR UPDATE";

absl::Status ExternalIdTaken(int index, const ExternalId& id, absl::string_view owner) {
  const std::string field = absl::StrCat("event.external_ids[", index, "]");
  absl::Status status = absl::AlreadyExistsError(absl::StrCat(
      field, ": ", id.scheme(), " id \"", id.value(), "\" already belongs to event ", owner));
  status.SetPayload(errors::kFieldPayload, absl::Cord(field));
  return status;
}

// One actor in two roles, or a tag given twice, is one index row.
// The event_source_attributes rows (schema v3) of `events` that carry source attributes, in one
// INSERT: one array per column, as Flush writes the events themselves.
absl::Status InsertSourceAttributeRows(pg::Session& session,
                                       const std::vector<const Event*>& events) {
  pg::ArrayLiteral ids, goldstein, tone, quad, mentions, root, disorder, interaction, conflict,
      dyad;
  auto add_double = [](pg::ArrayLiteral& a, const std::optional<double>& v) {
    if (v) {
      a.Double(*v);
    } else {
      a.Null();
    }
  };
  auto add_int = [](pg::ArrayLiteral& a, const std::optional<int64_t>& v) {
    if (v) {
      a.Int(*v);
    } else {
      a.Null();
    }
  };
  for (const Event* event : events) {
    const std::optional<SourceAttributeColumns> c = SourceAttributeColumnsOf(*event);
    if (!c) continue;
    ids.Text(event->id());
    add_double(goldstein, c->goldstein);
    add_double(tone, c->tone);
    add_int(quad, c->quad_class);
    add_int(mentions, c->mentions);
    add_int(root, c->root ? std::optional<int64_t>(*c->root ? 1 : 0) : std::nullopt);
    if (c->disorder_type) {
      disorder.Text(*c->disorder_type);
    } else {
      disorder.Null();
    }
    add_int(interaction, c->interaction);
    add_int(conflict, c->conflict_id);
    add_int(dyad, c->dyad_id);
  }
  if (ids.empty()) return absl::OkStatus();
  pg::Params params;
  for (pg::ArrayLiteral* column : {&ids, &goldstein, &tone, &quad, &mentions, &root, &disorder,
                                   &interaction, &conflict, &dyad}) {
    params.AddLiteral(std::move(*column).Finish());
  }
  return session.Run(
      "INSERT INTO event_source_attributes (event_id, goldstein, tone, quad_class, mentions, "
      "root, disorder_type, interaction, conflict_id, dyad_id) SELECT * FROM unnest($1::text[], "
      "$2::float8[], $3::float8[], $4::int8[], $5::int8[], $6::int8[], $7::text[], $8::int8[], "
      "$9::int8[], $10::int8[])",
      params);
}

std::vector<std::string> ActorIdsOf(const Event& event) {
  std::vector<std::string> ids;
  absl::flat_hash_set<std::string> seen;
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

std::pair<std::string, std::string> KeyOf(const ExternalId& id) {
  return {id.scheme(), id.value()};
}

}  // namespace

absl::StatusOr<Event> ParseStoredEvent(absl::string_view blob) {
  Event event;
  if (!event.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return errors::StorageFailure("unreadable event record");
  }
  return event;
}

absl::StatusOr<std::optional<Event>> PostgresEventTransaction::GetLive(const std::string& id) {
  if (auto it = pending_events_.find(id); it != pending_events_.end()) return it->second;
  // The head before any event row: every write locks in that order, so none deadlocks.
  LOOKOUT_RETURN_IF_ERROR(LockHead());
  LOOKOUT_ASSIGN_OR_RETURN(pg::Result rows, s_.Exec(kLockLiveEventSql, pg::Params().Add(id)));
  if (rows.rows() == 0) return std::nullopt;
  return ParseStoredEvent(rows.View(0, 0));
}

absl::StatusOr<std::optional<Event>> PostgresEventTransaction::FindLiveByExternalId(
    const ExternalId& external_id) {
  LOOKOUT_ASSIGN_OR_RETURN(std::optional<std::string> owner, OwnerOf(external_id));
  if (!owner.has_value()) return std::nullopt;
  return GetLive(*owner);
}

absl::StatusOr<std::optional<RequestRecord>> PostgresEventTransaction::FindRequest(
    const std::string& request_id) {
  if (auto it = pending_requests_.find(request_id); it != pending_requests_.end()) {
    return it->second;
  }
  LOOKOUT_ASSIGN_OR_RETURN(
      pg::Result rows, s_.Exec("SELECT payload_hash, result FROM request_ids WHERE request_id = $1",
                               pg::Params().Add(request_id)));
  if (rows.rows() == 0) {
    absent_requests_.insert(request_id);
    return std::nullopt;
  }
  RequestRecord record;
  record.payload_hash = rows.Bytes(0, 0);
  LOOKOUT_ASSIGN_OR_RETURN(record.result, ParseStoredEvent(rows.View(0, 1)));
  return record;
}

absl::Status PostgresEventTransaction::PrefetchExternalIds(const std::vector<ExternalId>& ids) {
  LOOKOUT_RETURN_IF_ERROR(LockHead());  // first, so the owners read stay true to the commit
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
    std::optional<std::string> owner;
    if (!rows.IsNull(i, 2)) owner = rows.Bytes(i, 2);
    // Not undone with a member: what the server holds outside this transaction is a fact.
    owners_.emplace(std::make_pair(rows.Bytes(i, 0), rows.Bytes(i, 1)), std::move(owner));
  }
  return absl::OkStatus();
}

absl::StatusOr<Event> PostgresEventTransaction::Apply(ChangeType type, Event event) {
  LOOKOUT_ASSIGN_OR_RETURN(int64_t event_day, validation::ParseDate(event.event_date()));
  int64_t end_day = event_day;
  if (!event.end_date().empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(end_day, validation::ParseDate(event.end_date()));
  }
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
  std::string blob = event.SerializeAsString();

  std::optional<Event> stored;
  if (type == v1::CHANGE_TYPE_CREATED) {
    const std::string id = event.id();
    undo_.push_back([this, id] { pending_events_.erase(id); });
    pending_events_[id] = event;
    events_.push_back(GatheredEvent{event, event_day, end_day, blob});
  } else {
    LOOKOUT_RETURN_IF_ERROR(BeforeServerWrite());
    // An event created earlier in this transaction is written first, so it can be rewritten.
    if (pending_events_.contains(event.id())) LOOKOUT_RETURN_IF_ERROR(Flush());
    // The state being replaced, from the row itself, so the index rows removed are exactly
    // those its addition wrote.
    LOOKOUT_ASSIGN_OR_RETURN(pg::Result rows,
                             s_.Exec(kLockLiveEventSql, pg::Params().Add(event.id())));
    if (rows.rows() == 0) return errors::NotFound("event", event.id());
    LOOKOUT_ASSIGN_OR_RETURN(stored, ParseStoredEvent(rows.View(0, 0)));
    LOOKOUT_RETURN_IF_ERROR(
        UpdateRow(event, event_day, end_day, blob, type == v1::CHANGE_TYPE_DELETED));
    LOOKOUT_RETURN_IF_ERROR(RemoveIndexRows(*stored));
    if (type != v1::CHANGE_TYPE_DELETED) LOOKOUT_RETURN_IF_ERROR(AddIndexRows(event));
  }
  TrackOwners(stored.has_value() ? &*stored : nullptr,
              type == v1::CHANGE_TYPE_DELETED ? nullptr : &event);
  changes_.push_back(
      GatheredChange{head_ + 1, event.id(), static_cast<int64_t>(type), std::move(blob), author()});
  ++head_;
  return event;
}

absl::Status PostgresEventTransaction::RecordRequest(const std::string& request_id,
                                                     const std::string& payload_hash,
                                                     const Event& result) {
  // Gathered like the create it records. A concurrent create with the same request_id on
  // another replica makes one of the two COPYs fail on the key; that transaction runs again and
  // finds the other's record.
  // A request id is recorded once, refused at once as the SQLite store's key refuses it (the
  // domain looks first, so this means a race within the transaction's own writes).
  bool taken = pending_requests_.contains(request_id);
  if (!taken && !absent_requests_.contains(request_id)) {
    LOOKOUT_ASSIGN_OR_RETURN(std::optional<RequestRecord> stored, FindRequest(request_id));
    taken = stored.has_value();
  }
  if (taken) {
    absl::Status status = absl::AlreadyExistsError(
        absl::StrCat("storage: request_id \"", request_id, "\" is recorded already"));
    status.SetPayload(pg::kSqlStatePayload, absl::Cord("23505"));
    return status;
  }
  undo_.push_back([this, request_id] { pending_requests_.erase(request_id); });
  pending_requests_[request_id] = RequestRecord{payload_hash, result};
  requests_.push_back(
      GatheredRequest{request_id, payload_hash, result.id(), result.SerializeAsString()});
  return absl::OkStatus();
}

absl::Status PostgresEventTransaction::Isolated(absl::FunctionRef<absl::Status()> fn) {
  return InSavepoint(fn, /*always_undo=*/false);
}

absl::Status PostgresEventTransaction::Rehearse(absl::FunctionRef<absl::Status()> fn) {
  return InSavepoint(fn, /*always_undo=*/true);
}

absl::Status PostgresEventTransaction::RunMember(
    absl::FunctionRef<absl::Status(EventTransaction&)> fn) {
  member_ = Here();
  member_savepoint_ = false;
  absl::Status status = fn(*this);
  if (status.ok() && member_savepoint_) {
    status = s_.ExecScript("RELEASE lookout_member");
  }
  if (!status.ok()) {
    if (member_savepoint_) {
      absl::Status undone = s_.ExecScript("ROLLBACK TO lookout_member; RELEASE lookout_member");
      if (!undone.ok()) failure_ = status = undone;  // the transaction cannot go on
    }
    UndoTo(*member_);
  }
  member_.reset();
  member_savepoint_ = false;
  return status;
}

absl::Status PostgresEventTransaction::Finish() {
  LOOKOUT_RETURN_IF_ERROR(Flush());
  if (head_ <= base_) return absl::OkStatus();
  // The notification is delivered at commit, in commit order.
  return s_.Run("WITH moved AS (UPDATE change_head SET sequence = $1) SELECT pg_notify($2, $3)",
                pg::Params().Add(head_).Add(kChangesChannel).Add(std::to_string(head_)));
}

PostgresEventTransaction::Mark PostgresEventTransaction::Here() const {
  return Mark{events_written_ + events_.size(), changes_written_ + changes_.size(),
              requests_written_ + requests_.size(), undo_.size(), head_};
}

void PostgresEventTransaction::UndoTo(const Mark& mark) {
  // Items written after the mark were rolled back with the savepoint: gathered again, they
  // would be written again, so the written counts move back with the lists.
  auto cut = [](auto& items, size_t& written, size_t keep) {
    if (keep < written) {
      items.clear();
      written = keep;
    } else if (keep - written < items.size()) {
      items.resize(keep - written);
    }
  };
  cut(events_, events_written_, mark.events);
  cut(changes_, changes_written_, mark.changes);
  cut(requests_, requests_written_, mark.requests);
  while (undo_.size() > mark.undo) {
    undo_.back()();
    undo_.pop_back();
  }
  // A head locked after the mark stays locked (LockHead never runs first inside a savepoint):
  // what was undone starts again from the head read then, not from before it was read.
  head_ = std::max(mark.head, base_);
}

absl::Status PostgresEventTransaction::Flush(std::optional<Mark> until) {
  const Mark end = until.value_or(Here());
  const size_t events =
      std::min(events_.size(), end.events - std::min(end.events, events_written_));
  const size_t changes =
      std::min(changes_.size(), end.changes - std::min(end.changes, changes_written_));
  const size_t requests =
      std::min(requests_.size(), end.requests - std::min(end.requests, requests_written_));

  // Each table's rows go as one array per column in one INSERT: one message the server reads
  // whole, so a stalled client never leaves it waiting inside a statement (as COPY would,
  // where no statement timeout reaches it) while the head lock is held.
  pg::ArrayLiteral ids, event_days, end_days, countries, admin1s, types, sub_types, fatalities,
      lats, lons, sequences, words, blobs, basins, water_bodies;
  pg::ArrayLiteral actor_ids, actor_events, tags, tag_events, schemes, values, owner_events;
  for (size_t i = 0; i < events; ++i) {
    const GatheredEvent& g = events_[i];
    const Event& event = g.event;
    const auto& location = event.location();
    ids.Text(event.id());
    event_days.Int(g.event_day);
    end_days.Int(g.end_day);
    countries.Text(location.country_code());
    admin1s.Text(location.admin1());
    types.Int(static_cast<int64_t>(event.event_type()));
    sub_types.Text(event.sub_event_type());
    fatalities.Int(event.fatalities());
    if (location.has_latitude() && location.has_longitude()) {
      lats.Double(location.latitude());
      lons.Double(location.longitude());
    } else {
      lats.Null();
      lons.Null();
    }
    sequences.Int(event.sequence());
    const std::string notes_words = NotesTsVector(event.notes());
    if (notes_words.empty()) {
      words.Null();
    } else {
      words.Text(notes_words);
    }
    blobs.Bytes(g.blob);
    basins.Text(location.maritime().basin());
    water_bodies.Text(location.maritime().body_of_water());
    for (const std::string& actor : ActorIdsOf(event)) {
      actor_ids.Text(actor);
      actor_events.Text(event.id());
    }
    for (const std::string& tag : TagsOf(event)) {
      tags.Text(tag);
      tag_events.Text(event.id());
    }
    for (const ExternalId& id : event.external_ids()) {
      schemes.Text(id.scheme());
      values.Text(id.value());
      owner_events.Text(event.id());
    }
  }
  if (events > 0) {
    std::vector<const Event*> written;
    for (size_t i = 0; i < events; ++i) written.push_back(&events_[i].event);
    pg::Params params;
    for (pg::ArrayLiteral* column :
         {&ids, &event_days, &end_days, &countries, &admin1s, &types, &sub_types, &fatalities,
          &lats, &lons, &sequences, &words, &blobs, &basins, &water_bodies}) {
      params.AddLiteral(std::move(*column).Finish());
    }
    LOOKOUT_RETURN_IF_ERROR(s_.Run(
        "INSERT INTO events (id, event_day, end_day, country, admin1, event_type, "
        "sub_event_type, fatalities, lat, lon, deleted, sequence, words, event, basin, "
        "water_body) SELECT id, d, e, c, a, t, s, f, la, lo, false, q, w::tsvector, b, sb, sw "
        "FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::int8[], "
        "$7::text[], $8::int8[], $9::float8[], $10::float8[], $11::int8[], $12::text[], "
        "$13::bytea[], $14::text[], $15::text[]) AS x(id, d, e, c, a, t, s, f, la, lo, q, w, b, "
        "sb, sw)",
        params));
    if (!actor_ids.empty())
      LOOKOUT_RETURN_IF_ERROR(
          s_.Run("INSERT INTO event_actors (actor_id, event_id) SELECT * FROM unnest($1::text[], "
                 "$2::text[])",
                 pg::Params()
                     .AddLiteral(std::move(actor_ids).Finish())
                     .AddLiteral(std::move(actor_events).Finish())));
    if (!tags.empty())
      LOOKOUT_RETURN_IF_ERROR(s_.Run(
          "INSERT INTO event_tags (tag, event_id) SELECT * FROM unnest($1::text[], $2::text[])",
          pg::Params()
              .AddLiteral(std::move(tags).Finish())
              .AddLiteral(std::move(tag_events).Finish())));
    if (!schemes.empty())
      LOOKOUT_RETURN_IF_ERROR(
          s_.Run("INSERT INTO event_external_ids (scheme, value, event_id) SELECT * FROM "
                 "unnest($1::text[], $2::text[], $3::text[])",
                 pg::Params()
                     .AddLiteral(std::move(schemes).Finish())
                     .AddLiteral(std::move(values).Finish())
                     .AddLiteral(std::move(owner_events).Finish())));
    LOOKOUT_RETURN_IF_ERROR(InsertSourceAttributeRows(s_, written));
  }
  if (changes > 0) {
    pg::ArrayLiteral sequence, event_id, type, blob, principal, request_id, reason, time_us;
    for (size_t i = 0; i < changes; ++i) {
      const GatheredChange& c = changes_[i];
      sequence.Int(c.sequence);
      event_id.Text(c.event_id);
      type.Int(c.type);
      blob.Bytes(c.blob);
      principal.Text(c.author.principal);
      request_id.Text(c.author.request_id);
      reason.Text(c.author.reason);
      time_us.Int(c.author.time_micros);
    }
    LOOKOUT_RETURN_IF_ERROR(s_.Run(
        "INSERT INTO changes (sequence, event_id, type, event, principal, request_id, reason, "
        "time_us) SELECT * FROM unnest($1::int8[], $2::text[], $3::int8[], $4::bytea[], "
        "$5::text[], $6::text[], $7::text[], $8::int8[])",
        pg::Params()
            .AddLiteral(std::move(sequence).Finish())
            .AddLiteral(std::move(event_id).Finish())
            .AddLiteral(std::move(type).Finish())
            .AddLiteral(std::move(blob).Finish())
            .AddLiteral(std::move(principal).Finish())
            .AddLiteral(std::move(request_id).Finish())
            .AddLiteral(std::move(reason).Finish())
            .AddLiteral(std::move(time_us).Finish())));
  }
  if (requests > 0) {
    pg::ArrayLiteral request_id, payload_hash, event_id, result;
    for (size_t i = 0; i < requests; ++i) {
      const GatheredRequest& r = requests_[i];
      request_id.Text(r.request_id);
      payload_hash.Text(r.payload_hash);
      event_id.Text(r.event_id);
      result.Bytes(r.result);
    }
    LOOKOUT_RETURN_IF_ERROR(
        s_.Run("INSERT INTO request_ids (request_id, payload_hash, event_id, result) SELECT * FROM "
               "unnest($1::text[], $2::text[], $3::text[], $4::bytea[])",
               pg::Params()
                   .AddLiteral(std::move(request_id).Finish())
                   .AddLiteral(std::move(payload_hash).Finish())
                   .AddLiteral(std::move(event_id).Finish())
                   .AddLiteral(std::move(result).Finish())));
  }
  // Written: out of the lists and the overlays (the server answers for them now).
  for (size_t i = 0; i < events; ++i) pending_events_.erase(events_[i].event.id());
  for (size_t i = 0; i < requests; ++i) pending_requests_.erase(requests_[i].request_id);
  events_.erase(events_.begin(), events_.begin() + events);
  changes_.erase(changes_.begin(), changes_.begin() + changes);
  requests_.erase(requests_.begin(), requests_.begin() + requests);
  events_written_ += events;
  changes_written_ += changes;
  requests_written_ += requests;
  return absl::OkStatus();
}

absl::Status PostgresEventTransaction::BeforeServerWrite() {
  // Never first inside a savepoint: rolled back, it would release the lock behind our back.
  LOOKOUT_RETURN_IF_ERROR(LockHead());
  if (!member_.has_value() || member_savepoint_) return absl::OkStatus();
  // Earlier members' rows, outside any savepoint: their failure is the whole transaction's.
  absl::Status flushed = Flush(*member_);
  if (flushed.ok()) flushed = s_.ExecScript("SAVEPOINT lookout_member");
  if (!flushed.ok()) {
    failure_ = flushed;
    return flushed;
  }
  member_savepoint_ = true;
  return absl::OkStatus();
}

absl::Status PostgresEventTransaction::InSavepoint(absl::FunctionRef<absl::Status()> fn,
                                                   bool always_undo) {
  // Whatever was gathered before goes to the server first, so the savepoint undoes only fn's.
  LOOKOUT_RETURN_IF_ERROR(BeforeServerWrite());
  if (absl::Status flushed = Flush(); !flushed.ok()) {
    // Outside fn's savepoint: the transaction cannot go on.
    if (!member_savepoint_) failure_ = flushed;
    return flushed;
  }
  const std::string name = absl::StrCat("event_sp", depth_++);
  const Mark mark = Here();
  absl::Status status = s_.ExecScript(absl::StrCat("SAVEPOINT ", name));
  if (status.ok()) status = fn();
  if (status.ok() && !always_undo) {
    // fn's gathered items are written with the rest of the transaction.
    status = s_.ExecScript(absl::StrCat("RELEASE ", name));
  } else {
    absl::Status undone = s_.ExecScript(absl::StrCat("ROLLBACK TO ", name, "; RELEASE ", name));
    UndoTo(mark);
    if (!undone.ok() && status.ok()) status = undone;
  }
  --depth_;
  return status;
}

absl::Status PostgresEventTransaction::LockHead() {
  if (head_locked_) return absl::OkStatus();
  // Every writer on every replica waits for this lock, so whoever holds it is bounded more
  // tightly: each statement after it gets kHeadHolderStatementMs (set here, it does not bound
  // the wait for the lock itself, which is this statement's). A replica frozen or cut off while
  // holding it (inside a COPY waiting for data) is ended by the server then; between
  // statements, idle_in_transaction_session_timeout does it (pg_pool.cc).
  LOOKOUT_ASSIGN_OR_RETURN(
      pg::Result rows,
      s_.Exec("SELECT set_config('statement_timeout', $1, true), sequence FROM change_head FOR "
              "UPDATE",
              pg::Params().Add(std::to_string(kHeadHolderStatementMs))));
  if (rows.rows() != 1) return errors::StorageFailure("change_head has no row");
  base_ = head_ = rows.Int64(0, 1);
  head_locked_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> PostgresEventTransaction::OwnerOf(const ExternalId& id) {
  auto key = KeyOf(id);
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

void PostgresEventTransaction::TrackOwners(const Event* removed, const Event* added) {
  auto set = [this](const std::pair<std::string, std::string>& key,
                    std::optional<std::string> owner) {
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

absl::Status PostgresEventTransaction::UpdateRow(const Event& event, int64_t event_day,
                                                 int64_t end_day, const std::string& blob,
                                                 bool deleted) {
  const auto& location = event.location();
  pg::Params params;
  params.Add(event_day).Add(end_day).Add(location.country_code());
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
  params.Add(location.maritime().basin()).Add(location.maritime().body_of_water());
  return s_.Run(
      "UPDATE events SET event_day = $1, end_day = $2, country = $3, admin1 = $4, "
      "event_type = $5, sub_event_type = $6, fatalities = $7, lat = $8, lon = $9, "
      "sequence = $10, event = $11, deleted = $12, words = $13::text::tsvector, basin = $15, "
      "water_body = $16 WHERE id = $14",
      params);
}

absl::Status PostgresEventTransaction::RemoveIndexRows(const Event& stored) {
  if (stored.source_attributes_case() != v1::Event::SOURCE_ATTRIBUTES_NOT_SET) {
    LOOKOUT_RETURN_IF_ERROR(s_.Run("DELETE FROM event_source_attributes WHERE event_id = $1",
                                   pg::Params().Add(stored.id())));
  }
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

absl::Status PostgresEventTransaction::AddIndexRows(const Event& event) {
  LOOKOUT_RETURN_IF_ERROR(InsertSourceAttributeRows(s_, {&event}));
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

}  // namespace lookout::event
