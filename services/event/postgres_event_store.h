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
// Creates are gathered in the transaction and written with COPY when it ends (an import batch
// is a few COPY statements, not thousands of round trips); reads inside the transaction see
// them through an in-memory overlay.
#ifndef LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_STORE_H_
#define LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_STORE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/pg_pool.h"
#include "services/event/event_store.h"

namespace lookout::event {

class PostgresEventStore : public EventStore {
 public:
  // The NOTIFY channel carrying each commit's new head.
  static constexpr char kChangesChannel[] = "lookout_event_changes";

  // Connects, creates or upgrades the schema, and loads the shared secrets.
  static absl::StatusOr<std::unique_ptr<PostgresEventStore>> Open(pg::PoolOptions options);
  ~PostgresEventStore() override;

  absl::StatusOr<std::optional<lookout::event::v1::Event>> GetLive(const std::string& id) override;
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(const std::string& request_id) override;
  absl::StatusOr<EventPage> List(const EventQuery& query) override;
  absl::StatusOr<std::vector<Change>> ChangesAfter(int64_t after, int64_t up_to,
                                                   int limit) override;
  absl::StatusOr<int64_t> HeadSequence() override;
  absl::Status Write(absl::FunctionRef<absl::Status(EventTransaction&)> fn) override;
  // Also starts following the other replicas' commits (on a thread of its own). Call before the
  // first Write; nullptr stops the calls.
  void SetCommitListener(std::function<void(int64_t head)> listener) override;
  const std::string& page_token_secret() const override { return secret_; }
  const std::string& change_log_id() const override { return change_log_id_; }

 private:
  explicit PostgresEventStore(std::unique_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}
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
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_STORE_H_
