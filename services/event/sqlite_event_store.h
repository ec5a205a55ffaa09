// The SQLite EventStore: one database file, WAL, one writer thread grouping concurrent writes
// into one durable commit (common/sqlite_db.h), pooled readers for queries.
#ifndef LOOKOUT_SERVICES_EVENT_SQLITE_EVENT_STORE_H_
#define LOOKOUT_SERVICES_EVENT_SQLITE_EVENT_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/sqlite_db.h"
#include "services/event/event_store.h"

namespace lookout::event {

class SqliteEventStore : public EventStore {
 public:
  // Opens (creating and migrating as needed) the database at `path`. `before_sync` is for
  // tests (SqliteDatabase::Options::before_sync).
  static absl::StatusOr<std::unique_ptr<SqliteEventStore>> Open(
      const std::string& path, std::function<void()> before_sync = nullptr);
  // The same with every setting of the database (tests: small checkpoint and WAL limits, so a
  // short run checkpoints and restarts the WAL often). `options.metrics_name` is set here.
  static absl::StatusOr<std::unique_ptr<SqliteEventStore>> Open(SqliteDatabase::Options options);

  // The fixed statements with a WHERE clause the store prepares, by name, so a test can check
  // that each one's query plan uses the index meant for it (ListCountSql and ListPageSql in
  // event_query_sql.h build the List statements).
  static std::vector<std::pair<std::string, std::string>> Queries();

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
  // Call before the first Write.
  void SetCommitListener(std::function<void(int64_t head)> listener) override;
  const std::string& page_token_secret() const override { return secret_; }
  const std::string& change_log_id() const override { return change_log_id_; }

 private:
  explicit SqliteEventStore(std::unique_ptr<SqliteDatabase> db) : db_(std::move(db)) {}
  absl::Status LoadSecret();
  absl::Status LoadChangeLogId();
  absl::StatusOr<int64_t> StoredHead();
  int64_t durable_head() const;
  // Returns once the change with `sequence` is durable: a read that saw a commit still in
  // flight to disk answers only then, so no sequence a client is given can be taken back by a
  // power cut (and later handed to another change).
  absl::Status AwaitDurableHead(int64_t sequence);

  std::unique_ptr<SqliteDatabase> db_;
  std::string secret_;
  std::string change_log_id_;
  std::function<void(int64_t)> listener_;
  // The newest sequence whose commit is durable. Readers can see a commit a few milliseconds
  // earlier; the change log is served only up to here, so a power cut can never take back a
  // change a follower was sent (and later hand its sequence to another change).
  mutable absl::Mutex head_mu_;
  int64_t durable_head_ ABSL_GUARDED_BY(head_mu_) = 0;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_SQLITE_EVENT_STORE_H_
