// The PostgreSQL EventStore: the events, their filter indexes and the change log in the
// "event" schema of a database that several event-service replicas share.
//
// Change sequences follow commit order across replicas: a write locks the one-row change_head
// table before its first change and holds the lock to its commit, numbering its changes after
// the head it read. A reader that sees head N therefore sees every change up to N, and no
// change below N commits later (PITFALLS.md: a sequence taken at insert would let change 10
// commit after 11, and a follower resuming after 11 would never see it). Every commit NOTIFYs
// the new head, so each replica's watchers hear of changes other replicas committed.
//
// Concurrent writes of one replica are grouped into one transaction, each undone alone when it
// fails (postgres_event_transaction.h), so the head lock and the commit's flush to disk are
// paid per group. Creates are gathered and written with COPY when the transaction ends.
#ifndef LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_STORE_H_
#define LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_STORE_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/pg_pool.h"
#include "services/event/event_store.h"
#include "services/event/postgres_event_transaction.h"

namespace lookout::event {

class PostgresEventStore : public EventStore {
 public:
  // The NOTIFY channel carrying each commit's new head.
  static constexpr const char* kChangesChannel = PostgresEventTransaction::kChangesChannel;

  // Connects, creates or upgrades the schema, and loads the shared secrets.
  static absl::StatusOr<std::unique_ptr<PostgresEventStore>> Open(pg::PoolOptions options);
  ~PostgresEventStore() override;

  absl::StatusOr<std::optional<lookout::event::v1::Event>> GetLive(const std::string& id) override;
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const std::string& request_id) override;
  absl::StatusOr<EventPage> List(const EventQuery& query) override;
  absl::StatusOr<std::vector<Change>> ChangesAfter(int64_t after, int64_t up_to,
                                                   int limit) override;
  absl::StatusOr<int64_t> HeadSequence() override;
  absl::StatusOr<std::vector<Change>> EventChanges(const std::string& event_id, int64_t before,
                                                   int limit) override;
  absl::StatusOr<std::vector<Change>> StatesAsOf(int64_t as_of) override;
  absl::StatusOr<Compaction> CompactBefore(absl::Time cutoff) override;
  absl::StatusOr<int64_t> SequenceAt(absl::Time time) override;
  absl::StatusOr<int64_t> HistoryHorizon() override;
  absl::Status Write(absl::FunctionRef<absl::Status(EventTransaction&)> fn) override;
  // Also starts following the other replicas' commits (on a thread of its own). Call before the
  // first Write; nullptr stops the calls.
  void SetCommitListener(std::function<void(int64_t head)> listener) override;
  const std::string& page_token_secret() const override { return secret_; }
  const std::string& change_log_id() const override { return change_log_id_; }

 private:
  // A Write waiting for its group to commit.
  struct GroupedWrite {
    absl::FunctionRef<absl::Status(EventTransaction&)> fn;
    absl::Status status;
    int attempts = 0;
    bool done = false;  // guarded by group_mu_
  };

  explicit PostgresEventStore(std::unique_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}
  // Runs `group` in one transaction and sets each write's status; answers, for each, whether it
  // is settled (false: it lost a race and runs again). It never sets `done`: only the leader
  // does, under group_mu_, since a waiter that sees `done` returns and its GroupedWrite ends.
  std::vector<bool> RunGroup(const std::vector<GroupedWrite*>& group);
  absl::Status LoadMeta();
  // Tells the listener about `head` unless it has heard of it (heads it hears only grow).
  void Announce(int64_t head);

  std::unique_ptr<pg::Pool> pool_;
  std::string secret_;
  std::string change_log_id_;
  absl::Mutex announce_mu_;
  std::function<void(int64_t)> listener_ ABSL_GUARDED_BY(announce_mu_);
  int64_t announced_head_ ABSL_GUARDED_BY(announce_mu_) = 0;
  std::unique_ptr<pg::ChannelListener> other_replicas_;
  absl::Mutex group_mu_;
  std::deque<GroupedWrite*> queue_ ABSL_GUARDED_BY(group_mu_);
  bool leading_ ABSL_GUARDED_BY(group_mu_) = false;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_STORE_H_
