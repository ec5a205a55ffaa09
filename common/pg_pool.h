// A pool of PostgreSQL connections for one service's store: connections opened on demand up to
// a size, re-established after a failure, transactions retried when the server aborts one for a
// race it resolves by itself, versioned migrations that several replicas may run at once, and a
// listener for NOTIFY. Every call is bounded by the serving RPC's deadline (call_deadline.h) or
// else by `default_timeout`, and fails with UNAVAILABLE when the database does not answer in
// time: never a hang.
#ifndef LOOKOUT_COMMON_PG_POOL_H_
#define LOOKOUT_COMMON_PG_POOL_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/pg_connection.h"
#include "common/sqlite_db.h"  // Migration

namespace lookout::pg {

struct PoolOptions {
  // libpq's URI ("postgresql://user@host:5432/db") or keyword ("host=... dbname=...") syntax.
  std::string conninfo;
  // Overrides any password in `conninfo` when set (read from a file, never from a flag).
  std::string password;
  // The service's own schema: created when missing, first in every connection's search_path.
  std::string schema;
  int size = 8;
  // The bound of a call that serves no RPC with a deadline (start-up, background threads).
  absl::Duration default_timeout = absl::Seconds(10);
  std::string application_name = "lookout";
};

// "host=db.example port=5432 dbname=lookout user=lookout": what a log line may say about
// `conninfo`. Never the password, whichever syntax carried it.
std::string DescribeConninfo(const std::string& conninfo);

// A connection lent for one piece of work, with that work's deadline.
class Session {
 public:
  Session(Connection& connection, absl::Time deadline)
      : connection_(connection), deadline_(deadline) {}

  absl::StatusOr<Result> Exec(absl::string_view sql, const Params& params = Params()) {
    return connection_.Exec(sql, params, deadline_);
  }
  // Exec, ignoring the rows.
  absl::Status Run(absl::string_view sql, const Params& params = Params()) {
    return connection_.Exec(sql, params, deadline_).status();
  }
  absl::Status ExecScript(absl::string_view sql) { return connection_.ExecScript(sql, deadline_); }
  absl::StatusOr<int64_t> CopyIn(absl::string_view copy_sql, absl::string_view data) {
    return connection_.CopyIn(copy_sql, data, deadline_);
  }
  absl::Time deadline() const { return deadline_; }

 private:
  Connection& connection_;
  absl::Time deadline_;
};

class Pool {
 public:
  // Checks the options; connects only when first used.
  static absl::StatusOr<std::unique_ptr<Pool>> Create(PoolOptions options);
  ~Pool();

  // Creates the schema if needed and applies the migrations it lacks, each in a transaction of
  // its own, under a lock that makes replicas starting together apply each one once.
  absl::Status Migrate(const std::vector<Migration>& migrations);

  // Runs `fn` on one connection outside any transaction (each statement sees its own snapshot
  // unless `fn` begins one). For reads: when a pooled connection turns out to have died while
  // idle, `fn` runs again on a fresh one.
  absl::Status Run(absl::FunctionRef<absl::Status(Session&)> fn);

  enum class Mode { kReadWrite, kReadOnly };
  // Runs `fn` inside BEGIN ... COMMIT (REPEATABLE READ when read-only, so every statement reads
  // one snapshot). When `fn` fails the transaction is rolled back and its status returned.
  // When the server aborts it for a serialization failure or a deadlock, or a unique key that a
  // concurrent transaction committed first (`fn` checks its keys, so on a second run it sees
  // the winner and answers as the domain requires), the whole of `fn` runs again, up to 5 times.
  absl::Status Transaction(absl::FunctionRef<absl::Status(Session&)> fn,
                           Mode mode = Mode::kReadWrite);

  // A connection of its own, outside the pool (LISTEN, long COPY), with the pool's settings.
  absl::StatusOr<std::unique_ptr<Connection>> Dedicated(absl::Time deadline);

  const PoolOptions& options() const { return options_; }
  // The deadline a call starting now has.
  absl::Time CallDeadline() const;

 private:
  explicit Pool(PoolOptions options) : options_(std::move(options)) {}
  // `reused`: whether the connection comes from the idle list (it may have died there).
  absl::StatusOr<std::unique_ptr<Connection>> Acquire(absl::Time deadline, bool* reused = nullptr);
  void Release(std::unique_ptr<Connection> connection);

  PoolOptions options_;
  std::vector<std::pair<std::string, std::string>> connect_extra_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

// Follows a NOTIFY channel on a connection of its own, calling `on_notify` with each payload,
// and with "" every `poll_interval` and after each reconnection (so a consumer that missed
// notifications while the connection was down re-reads what it follows). Reconnects by itself.
class ChannelListener {
 public:
  ChannelListener(Pool& pool, std::string channel, absl::Duration poll_interval,
                  std::function<void(const std::string& payload)> on_notify);
  ~ChannelListener();

 private:
  void Loop();

  Pool& pool_;
  const std::string channel_;
  const absl::Duration poll_interval_;
  std::function<void(const std::string&)> on_notify_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace lookout::pg

#endif  // LOOKOUT_COMMON_PG_POOL_H_
