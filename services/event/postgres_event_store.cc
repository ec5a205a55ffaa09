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
#include "common/call_deadline.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/unshared_status.h"
#include "common/validation.h"
#include "services/event/postgres_event_query.h"
#include "services/event/postgres_event_schema.h"
#include "services/event/postgres_event_transaction.h"

namespace lookout::event {
namespace {

using ::lookout::event::v1::ChangeType;
using ::lookout::event::v1::Event;

constexpr char kLiveEventSql[] = "SELECT event FROM events WHERE id = $1 AND NOT deleted";
constexpr char kHeadSql[] = "SELECT sequence FROM change_head";
// The columns AppendChanges reads, of the change log aliased c.
constexpr char kChangeColumns[] =
    "c.sequence, c.type, c.event, c.principal, c.request_id, c.reason, c.time_us";

void AppendChanges(const pg::Result& rows, std::vector<Change>* changes) {
  changes->reserve(changes->size() + rows.rows());
  for (int i = 0; i < rows.rows(); ++i) {
    Change change;
    change.sequence = rows.Int64(i, 0);
    change.type = static_cast<ChangeType>(rows.Int64(i, 1));
    change.event_bytes = rows.Bytes(i, 2);
    change.author.principal = rows.Bytes(i, 3);
    change.author.request_id = rows.Bytes(i, 4);
    change.author.reason = rows.Bytes(i, 5);
    change.author.time_micros = rows.Int64(i, 6);
    changes->push_back(std::move(change));
  }
}
// Most writes one transaction carries, as in the SQLite store's groups.
constexpr size_t kMaxGroupSize = 256;
// Times one write is run again after losing a race to another replica inside its group.
constexpr int kMaxWriteAttempts = 5;
// What RunGroup's transaction returns to be rolled back when none of its writes succeeded.
constexpr char kNothingKept[] = "every write of the group failed";

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresEventStore>> PostgresEventStore::Open(
    pg::PoolOptions options) {
  LOOKOUT_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool, pg::Pool::Create(std::move(options)));
  LOOKOUT_RETURN_IF_ERROR(pool->Migrate(PostgresEventStoreMigrations()));
  auto store = std::unique_ptr<PostgresEventStore>(new PostgresEventStore(std::move(pool)));
  LOOKOUT_RETURN_IF_ERROR(store->LoadMeta());
  // Commits up to the head found now came before any listener: it hears only of later ones.
  LOOKOUT_ASSIGN_OR_RETURN(const int64_t head, store->HeadSequence());
  {
    absl::MutexLock lock(&store->announce_mu_);
    store->announced_head_ = head;
  }
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
      LOOKOUT_ASSIGN_OR_RETURN(result, ParseStoredEvent(rows.View(0, 0)));
    }
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<std::optional<RequestRecord>> PostgresEventStore::FindRequest(
    const std::string& request_id) {
  std::optional<RequestRecord> result;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](pg::Session& s) -> absl::Status {
    // The transaction's lookup locks nothing, so it serves a plain read as well.
    PostgresEventTransaction reader(s);
    LOOKOUT_ASSIGN_OR_RETURN(result, reader.FindRequest(request_id));
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<EventPage> PostgresEventStore::List(const EventQuery& query) {
  EventPage page;
  const PgCondition filtered = PostgresFilterCondition(query.filter);
  // The situation report's filter (countries and a period) is counted from the kept counts.
  const std::optional<PgCondition> day_count = PostgresDayCountStatement(query.filter);
  LOOKOUT_RETURN_IF_ERROR(pool_->Transaction(
      [&](pg::Session& s) -> absl::Status {
        // One snapshot: the total and the page agree.
        page = EventPage();
        PgCondition condition = filtered;
        LOOKOUT_ASSIGN_OR_RETURN(pg::Result count,
                                 day_count.has_value()
                                     ? s.Exec(day_count->where, day_count->params)
                                     : s.Exec(PostgresListCountSql(filtered), filtered.params));
        page.total_size = count.Int64(0, 0);
        if (day_count.has_value() && page.total_size == 0) return absl::OkStatus();
        if (day_count.has_value() && !count.IsNull(0, 1)) {
          condition = PostgresWithEarliestDay(std::move(condition), count.Int64(0, 1));
        }
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
          LOOKOUT_ASSIGN_OR_RETURN(Event event, ParseStoredEvent(rows.View(i, 0)));
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
        s.Exec(absl::StrCat("SELECT ", kChangeColumns,
                            " FROM changes c, change_head h WHERE c.sequence > $1 AND "
                            "c.sequence <= LEAST($2, h.sequence) ORDER BY c.sequence LIMIT $3"),
               pg::Params().Add(after).Add(up_to).Add(static_cast<int64_t>(limit))));
    AppendChanges(rows, &changes);
    return absl::OkStatus();
  }));
  return changes;
}

absl::StatusOr<std::vector<Change>> PostgresEventStore::EventChanges(const std::string& event_id,
                                                                     int64_t before, int limit) {
  std::vector<Change> changes;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](pg::Session& s) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(
        pg::Result rows,
        s.Exec(absl::StrCat("SELECT ", kChangeColumns,
                            " FROM changes c, change_head h WHERE c.event_id = $1 AND "
                            "c.sequence < $2 AND c.sequence <= h.sequence "
                            "ORDER BY c.sequence DESC LIMIT $3"),
               pg::Params()
                   .Add(event_id)
                   .Add(before > 0 ? before : INT64_MAX)
                   .Add(static_cast<int64_t>(limit))));
    AppendChanges(rows, &changes);
    return absl::OkStatus();
  }));
  return changes;
}

absl::StatusOr<std::vector<Change>> PostgresEventStore::StatesAsOf(int64_t as_of) {
  std::vector<Change> changes;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](pg::Session& s) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(
        pg::Result rows,
        s.Exec(absl::StrCat("SELECT DISTINCT ON (c.event_id) ", kChangeColumns,
                            " FROM changes c, change_head h WHERE c.sequence <= LEAST($1, "
                            "h.sequence) ORDER BY c.event_id, c.sequence DESC"),
               pg::Params().Add(as_of)));
    AppendChanges(rows, &changes);
    return absl::OkStatus();
  }));
  return changes;
}

absl::StatusOr<EventStore::Compaction> PostgresEventStore::CompactBefore(absl::Time cutoff) {
  Compaction result;
  int64_t& horizon = result.horizon;
  LOOKOUT_RETURN_IF_ERROR(pool_->Transaction([&](pg::Session& s) -> absl::Status {
    // Changes above the committed head belong to writers still running; none is touched.
    LOOKOUT_ASSIGN_OR_RETURN(
        pg::Result rows,
        s.Exec("SELECT GREATEST(COALESCE((SELECT max(c.sequence) FROM changes c, change_head h "
               "WHERE c.time_us < $1 AND c.sequence <= h.sequence), 0), (SELECT value::int8 FROM "
               "meta WHERE key = 'history_horizon'))",
               pg::Params().Add(absl::ToUnixMicros(cutoff))));
    horizon = rows.IsNull(0, 0) ? 0 : rows.Int64(0, 0);
    // As in the SQLite store: a change goes when a newer change of its event at or below the
    // horizon supersedes it.
    LOOKOUT_ASSIGN_OR_RETURN(
        pg::Result removed,
        s.Exec("DELETE FROM changes c WHERE c.sequence < $1 AND EXISTS (SELECT 1 FROM changes n "
               "WHERE n.event_id = c.event_id AND n.sequence > c.sequence AND n.sequence <= $1)",
               pg::Params().Add(horizon)));
    result.removed = removed.Affected();
    return s.Run(
        // GREATEST: of two compactions at once, the later commit must not lower the horizon
        // the other one removed revisions up to.
        "INSERT INTO meta AS m (key, value) VALUES ('history_horizon', $1) "
        "ON CONFLICT (key) DO UPDATE SET value = GREATEST(m.value::int8, EXCLUDED.value::int8)::text",
        pg::Params().Add(absl::StrCat(horizon)));
  }));
  return result;
}

absl::StatusOr<int64_t> PostgresEventStore::SequenceAt(absl::Time time) {
  int64_t sequence = 0;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](pg::Session& s) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(
        pg::Result rows,
        s.Exec("SELECT COALESCE(max(c.sequence), 0) FROM changes c, change_head h "
               "WHERE c.time_us <= $1 AND c.sequence <= h.sequence",
               pg::Params().Add(absl::ToUnixMicros(time))));
    sequence = rows.Int64(0, 0);
    return absl::OkStatus();
  }));
  return sequence;
}

absl::StatusOr<int64_t> PostgresEventStore::HistoryHorizon() {
  int64_t horizon = 0;
  LOOKOUT_RETURN_IF_ERROR(pool_->Run([&](pg::Session& s) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(
        pg::Result rows, s.Exec("SELECT value::int8 FROM meta WHERE key = 'history_horizon'"));
    if (rows.rows() > 0) horizon = rows.Int64(0, 0);
    return absl::OkStatus();
  }));
  return horizon;
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
  // Concurrent writes of this replica share one transaction: the head lock and the commit's
  // WAL flush are paid once per group, not once per write (every replica's writes take turns
  // on the head lock, so without groups a replica could not commit faster than one disk flush
  // per write). The first writer to find no group running leads until its own write is done.
  GroupedWrite self{fn};
  absl::MutexLock lock(&group_mu_);
  queue_.push_back(&self);
  while (!self.done) {
    if (leading_) {
      auto turn = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(group_mu_) { return self.done || !leading_; };
      group_mu_.Await(absl::Condition(&turn));
      continue;
    }
    leading_ = true;
    while (!self.done && !queue_.empty()) {
      std::vector<GroupedWrite*> group;
      while (!queue_.empty() && group.size() < kMaxGroupSize) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
      group_mu_.Unlock();
      const std::vector<bool> settled = RunGroup(group);
      group_mu_.Lock();
      // `done` changes only here, under the lock: a waiter sees it only once this loop is over,
      // so it cannot return (and end its GroupedWrite's life) while the loop still reads it.
      // A write that lost a race to another replica inside its group runs again, first.
      for (size_t i = group.size(); i-- > 0;) {
        if (settled[i]) {
          group[i]->done = true;
        } else {
          queue_.push_front(group[i]);
        }
      }
    }
    leading_ = false;
  }
  return self.status;
}

std::vector<bool> PostgresEventStore::RunGroup(const std::vector<GroupedWrite*>& group) {
  // The group's bound is the store's own timeout, not the leading caller's deadline: the other
  // callers' writes are in it too.
  ScopedCallDeadline unbounded(absl::InfiniteFuture());
  int64_t head = 0;
  absl::Status committed = pool_->Transaction([&](pg::Session& s) -> absl::Status {
    // A race the server resolved by aborting the transaction runs the whole group again.
    head = 0;
    PostgresEventTransaction transaction(s);
    bool any_kept = false;
    for (GroupedWrite* write : group) {
      write->status = transaction.RunMember(write->fn);
      any_kept = any_kept || write->status.ok();
    }
    LOOKOUT_RETURN_IF_ERROR(transaction.failure());
    // Every write failed on its own: nothing to keep, so the transaction is rolled back.
    if (!any_kept) return absl::CancelledError(kNothingKept);
    LOOKOUT_RETURN_IF_ERROR(transaction.Finish());
    head = transaction.head();
    return absl::OkStatus();
  });
  if (committed.ok() && head > 0) Announce(head);
  const bool nothing_kept =
      committed.code() == absl::StatusCode::kCancelled && committed.message() == kNothingKept;
  std::vector<bool> settled(group.size(), true);
  for (size_t i = 0; i < group.size(); ++i) {
    GroupedWrite* write = group[i];
    ++write->attempts;
    if (!committed.ok() && !nothing_kept) {
      // Nothing was kept; a write that had failed on its own keeps its own answer, the others
      // each get their own copy of the group's (common/unshared_status.h).
      if (write->status.ok()) write->status = UnsharedCopy(committed);
    } else if (pg::IsRetryableRace(write->status) && write->attempts < kMaxWriteAttempts) {
      settled[i] = false;  // undone alone; runs again in the next group and finds the winner
    }
  }
  return settled;
}

void PostgresEventStore::SetCommitListener(std::function<void(int64_t head)> listener) {
  other_replicas_.reset();  // joins its thread: no call to the old listener after this
  const bool listening = listener != nullptr;
  {
    absl::MutexLock lock(&announce_mu_);
    listener_ = std::move(listener);
  }
  if (!listening) return;
  other_replicas_ =
      std::make_unique<pg::ChannelListener>(*pool_, PostgresEventTransaction::kChangesChannel,
                                            absl::Seconds(1), [this](const std::string& payload) {
                                              int64_t head = 0;
                                              if (!absl::SimpleAtoi(payload, &head)) {
                                                // A periodic check, or a reconnection after
                                                // notifications may have been missed.
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
