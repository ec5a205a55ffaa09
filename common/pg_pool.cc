#include "common/pg_pool.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/call_deadline.h"
#include "common/errors.h"
#include "common/logging.h"

namespace lookout::pg {
namespace {

constexpr int kMaxTransactionAttempts = 5;

bool IsSchemaName(absl::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!absl::ascii_islower(name[0]) && name[0] != '_') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
  });
}

}  // namespace

std::string DescribeConninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    if (error != nullptr) PQfreemem(error);
    return "(unparsable connection string)";
  }
  std::vector<std::string> parts;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    const absl::string_view key = option->keyword;
    if (option->val == nullptr || option->val[0] == '\0') continue;
    if (key == "host" || key == "hostaddr" || key == "port" || key == "dbname" || key == "user" ||
        key == "sslmode") {
      parts.push_back(absl::StrCat(key, "=", option->val));
    }
  }
  PQconninfoFree(options);
  return parts.empty() ? "(libpq defaults)" : absl::StrJoin(parts, " ");
}

absl::StatusOr<std::unique_ptr<Pool>> Pool::Create(PoolOptions options) {
  if (!IsSchemaName(options.schema)) {
    return absl::InvalidArgumentError(
        absl::StrCat("database schema \"", options.schema, "\": must be a lower-case name"));
  }
  if (options.size < 1) return absl::InvalidArgumentError("the pool size must be >= 1");
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.conninfo.c_str(), &error);
  if (parsed == nullptr) {
    std::string detail = error != nullptr ? error : "cannot parse";
    if (error != nullptr) PQfreemem(error);
    // libpq's parse errors quote the offending keyword, never the values.
    return absl::InvalidArgumentError(absl::StrCat("not a libpq connection URI or keyword string: ",
                                                   absl::StripTrailingAsciiWhitespace(detail)));
  }
  PQconninfoFree(parsed);
  auto pool = std::unique_ptr<Pool>(new Pool(std::move(options)));
  auto& extra = pool->connect_extra_;
  if (!pool->options_.password.empty()) extra.emplace_back("password", pool->options_.password);
  // The server ends what a stalled client holds (a replica frozen or cut off mid-write keeps
  // its locks, and every replica's writes would queue behind them): a transaction left idle,
  // and a statement running past any call's bound. Healthy calls never come near either.
  const int64_t statement_ms =
      absl::ToInt64Milliseconds(pool->options_.default_timeout + absl::Seconds(5));
  extra.emplace_back("options", absl::StrCat("-c search_path=", pool->options_.schema,
                                             " -c statement_timeout=", statement_ms,
                                             " -c idle_in_transaction_session_timeout=5000"));
  extra.emplace_back("application_name", pool->options_.application_name);
  // A dead peer is noticed by the call deadlines; keepalives also free the server's side.
  extra.emplace_back("keepalives", "1");
  extra.emplace_back("keepalives_idle", "10");
  return pool;
}

Pool::~Pool() = default;

absl::Time Pool::CallDeadline() const {
  return std::min(CurrentCallDeadline(), absl::Now() + options_.default_timeout);
}

absl::StatusOr<std::unique_ptr<Connection>> Pool::Dedicated(absl::Time deadline) {
  return Connection::Open(options_.conninfo, connect_extra_, deadline);
}

absl::StatusOr<std::unique_ptr<Connection>> Pool::Acquire(absl::Time deadline, bool* reused) {
  if (reused != nullptr) *reused = false;
  while (true) {
    std::unique_ptr<Connection> idle;
    {
      absl::MutexLock lock(&mu_);
      auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !idle_.empty() || open_ < options_.size;
      };
      if (!mu_.AwaitWithDeadline(absl::Condition(&available), deadline)) {
        return errors::DependencyUnavailable(
            "database",
            absl::StrCat("all ", options_.size, " connections stayed busy until the deadline"));
      }
      if (idle_.empty()) {
        ++open_;
        break;
      }
      idle = std::move(idle_.back());
      idle_.pop_back();
    }
    // One the server closed while it sat idle (a restart, a failover) would fail the call
    // once the database is back: drop it and take the next, or a new one.
    if (idle->PeerStillOpen()) {
      if (reused != nullptr) *reused = true;
      return idle;
    }
    idle.reset();
    absl::MutexLock lock(&mu_);
    --open_;
  }
  absl::StatusOr<std::unique_ptr<Connection>> opened = Dedicated(deadline);
  if (!opened.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
  }
  return opened;
}

void Pool::Release(std::unique_ptr<Connection> connection) {
  // A connection that failed, or was left inside a transaction, is closed: the next call opens
  // a fresh one, which is how the pool recovers once the database is back.
  const bool reusable = !connection->broken() && connection->idle();
  if (!reusable) connection.reset();
  absl::MutexLock lock(&mu_);
  if (reusable) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
}

absl::Status Pool::Run(absl::FunctionRef<absl::Status(Session&)> fn) {
  const absl::Time deadline = CallDeadline();
  while (true) {
    bool reused = false;
    absl::StatusOr<std::unique_ptr<Connection>> connection = Acquire(deadline, &reused);
    if (!connection.ok()) return connection.status();
    Session session(**connection, deadline);
    absl::Status status = fn(session);
    const bool broken = (*connection)->broken();
    if (!broken && !(*connection)->idle()) {
      // fn began a transaction and failed inside it.
      (*connection)->ExecScript("ROLLBACK", deadline).IgnoreError();
    }
    Release(std::move(*connection));
    // A pooled connection the server dropped while it was idle (a restart, a failover) fails
    // its first use; the call goes on with a fresh one rather than failing for it.
    if (broken && reused && status.code() == absl::StatusCode::kUnavailable &&
        absl::Now() < deadline) {
      continue;
    }
    return status;
  }
}

absl::Status Pool::Transaction(absl::FunctionRef<absl::Status(Session&)> fn, Mode mode) {
  const absl::Time deadline = CallDeadline();
  absl::Status status;
  for (int attempt = 1; attempt <= kMaxTransactionAttempts; ++attempt) {
    bool reused = false;
    absl::StatusOr<std::unique_ptr<Connection>> connection = Acquire(deadline, &reused);
    if (!connection.ok()) return connection.status();
    Connection& conn = **connection;
    Session session(conn, deadline);
    status = conn.ExecScript(
        mode == Mode::kReadOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN",
        deadline);
    if (!status.ok() && conn.broken() && reused && absl::Now() < deadline) {
      // Dropped by the server while idle: nothing ran, so another connection may try.
      Release(std::move(*connection));
      --attempt;
      continue;
    }
    if (status.ok()) status = fn(session);
    if (status.ok() && conn.in_failed_transaction()) {
      // fn went on past a failed statement: nothing of the transaction can be kept.
      status = errors::StorageFailure("a statement failed inside the transaction; rolled back");
    }
    if (status.ok()) {
      status = conn.ExecScript("COMMIT", deadline);
    } else if (!conn.broken()) {
      conn.ExecScript("ROLLBACK", deadline).IgnoreError();
    }
    Release(std::move(*connection));
    if (status.ok() || !IsRetryableRace(status) || absl::Now() >= deadline) return status;
  }
  return status;
}

absl::Status Pool::Migrate(const std::vector<Migration>& migrations) {
  const absl::Time deadline = absl::Now() + std::max(options_.default_timeout, absl::Minutes(5));
  absl::StatusOr<std::unique_ptr<Connection>> opened = Dedicated(deadline);
  if (!opened.ok()) {
    // At start-up a refusal is a configuration error to report and stop on, not an outage to
    // wait out (a call at run time still gets UNAVAILABLE: the settings may be put right).
    if (RefusedByServer(opened.status())) {
      return absl::FailedPreconditionError(
          "database: the server refused the connection; check the user, the password, the "
          "database name and the server's pg_hba.conf (its log says which)");
    }
    return opened.status();
  }
  Connection& conn = **opened;
  // A migration may rebuild an index over millions of rows: no statement bound here.
  absl::Status unbounded = conn.ExecScript("SET statement_timeout = 0", deadline);
  if (!unbounded.ok()) return unbounded;
  const std::string lock_key = absl::StrCat("lookout.migrations.", options_.schema);
  // A session lock: replicas starting together wait here, then find the work done.
  absl::Status status =
      conn.Exec("SELECT pg_advisory_lock(hashtext($1))", Params().Add(lock_key), deadline).status();
  if (!status.ok()) return status;
  // CREATE SCHEMA needs CREATE on the database even when the schema exists (IF NOT EXISTS is
  // checked after the privilege), so a schema an administrator made ahead for a user without
  // that privilege is looked up first.
  absl::StatusOr<Result> schema = conn.Exec("SELECT 1 FROM pg_namespace WHERE nspname = $1",
                                            Params().Add(options_.schema), deadline);
  status = schema.status();
  if (status.ok() && schema->rows() == 0) {
    status =
        conn.ExecScript(absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", options_.schema), deadline);
  }
  if (status.ok()) {
    status = conn.ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
        "applied_at timestamptz NOT NULL DEFAULT now())",
        deadline);
  }
  int64_t current = 0;
  if (status.ok()) {
    absl::StatusOr<Result> version =
        conn.Exec("SELECT COALESCE(MAX(version), 0)::int8 FROM schema_migrations", deadline);
    status = version.status();
    if (status.ok()) current = version->Int64(0, 0);
  }
  for (const Migration& migration : migrations) {
    if (!status.ok()) break;
    if (migration.version <= current) continue;
    status = conn.ExecScript("BEGIN", deadline);
    if (status.ok()) status = conn.ExecScript(migration.sql, deadline);
    if (status.ok()) {
      status = conn.Exec("INSERT INTO schema_migrations (version) VALUES ($1)",
                         Params().Add(static_cast<int64_t>(migration.version)), deadline)
                   .status();
    }
    if (status.ok()) status = conn.ExecScript("COMMIT", deadline);
    if (!status.ok()) {
      if (!conn.broken()) conn.ExecScript("ROLLBACK", deadline).IgnoreError();
      status = absl::Status(status.code(), absl::StrCat("migration ", migration.version, " of ",
                                                        options_.schema, ": ", status.message()));
      break;
    }
    LogInfo("database schema upgraded",
            {{"schema", options_.schema}, {"version", absl::StrCat(migration.version)}});
  }
  if (!conn.broken()) {
    conn.Exec("SELECT pg_advisory_unlock(hashtext($1))", Params().Add(lock_key), deadline)
        .IgnoreError();
  }
  return status;
}

ChannelListener::ChannelListener(Pool& pool, std::string channel, absl::Duration poll_interval,
                                 std::function<void(const std::string&)> on_notify)
    : pool_(pool),
      channel_(std::move(channel)),
      poll_interval_(poll_interval),
      on_notify_(std::move(on_notify)),
      thread_([this] { Loop(); }) {}

ChannelListener::~ChannelListener() {
  stop_.Notify();
  thread_.join();
}

void ChannelListener::Loop() {
  absl::Duration backoff = absl::Milliseconds(100);
  while (!stop_.HasBeenNotified()) {
    absl::StatusOr<std::unique_ptr<Connection>> connection =
        pool_.Dedicated(absl::Now() + absl::Seconds(5));
    absl::Status status = connection.status();
    if (status.ok()) {
      status = (*connection)
                   ->ExecScript(absl::StrCat("LISTEN ", channel_), absl::Now() + absl::Seconds(5));
    }
    if (!status.ok()) {
      LogWarning("database notifications unavailable; retrying",
                 {{"channel", channel_}, {"error", std::string(status.message())}});
      stop_.WaitForNotificationWithTimeout(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(5));
      continue;
    }
    backoff = absl::Milliseconds(100);
    on_notify_("");  // whatever happened while nobody listened
    absl::Time next_poll = absl::Now() + poll_interval_;
    while (!stop_.HasBeenNotified()) {
      // Short waits, so a stop is noticed promptly.
      const absl::Time until = std::min(next_poll, absl::Now() + absl::Milliseconds(200));
      absl::StatusOr<std::vector<std::string>> payloads = (*connection)->AwaitNotifications(until);
      if (!payloads.ok()) break;
      for (const std::string& payload : *payloads) on_notify_(payload);
      if (absl::Now() >= next_poll) {
        on_notify_("");
        next_poll = absl::Now() + poll_interval_;
      }
    }
  }
}

}  // namespace lookout::pg
