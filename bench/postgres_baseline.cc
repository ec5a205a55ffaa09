// lookout-bench-postgres: the engine's own rate that the PostgreSQL event store is measured
// against. A C++ libpq client (common/pg_connection.h, the store's own connection layer) that
// issues the statements PostgresEventStore issues, at the same concurrency, on the same schema
// and indexes (PostgresEventStoreMigrations, applied through pg::Pool::Migrate), with nothing
// in front: no gRPC, no validation, no actor check, no pool.
//
// Modes (one connection per concurrent caller, each a closed loop):
//   create       a create as the store writes it: BEGIN; SELECT set_config('statement_timeout',
//                ...), sequence FROM change_head FOR UPDATE; one INSERT ... SELECT FROM
//                unnest(...) each into events, event_actors, event_tags (the tables the event
//                has rows for) and changes; UPDATE change_head with pg_notify; COMMIT.
//                --creates_per_transaction > 1 writes several events in that transaction, as
//                the store writes a group of one replica's concurrent creates (RunGroup):
//                one head lock, one INSERT per table and one commit for the group
//   get_event    SELECT event FROM events WHERE id = $1 AND NOT deleted, over --ids_file
//   list_events  ListEvents' count and first page of one country, in one REPEATABLE READ READ
//                ONLY transaction, with the SQL the store builds (postgres_event_query.h)
//   copy         --rows rows (with external ids, as an import sends) written with raw COPY into
//                the five tables: in one transaction, or --batch rows per transaction (the
//                engine's bulk rate; the store no longer uses COPY)
//   insert_unnest  the same rows written with the store's statements (its head lock, one
//                INSERT-unnest per table), --batch rows per transaction: a diagnostic of what
//                the store's statements cost against raw COPY
//
// Prints one line, "RESULT mode=... throughput=... p50_ms=... p99_ms=...", as lookout-bench-load
// does. Exits 1 when any statement failed.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_rows.h"
#include "bench/pg_copy_rows.h"
#include "bench/pg_unnest_rows.h"
#include "common/pg_connection.h"
#include "common/pg_pool.h"
#include "services/event/event_model.h"
#include "services/event/postgres_event_query.h"
#include "services/event/postgres_event_schema.h"
#include "services/event/postgres_event_store.h"

ABSL_FLAG(std::string, url, "", "libpq URI of the database (its \"event\" schema is used)");
ABSL_FLAG(std::string, mode, "",
          "create | get_event | list_events | copy | insert_unnest");
ABSL_FLAG(int, concurrency, 64, "statements kept outstanding at once, one connection each");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "how long to measure");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "load applied before measuring");
ABSL_FLAG(std::string, ids_file, "", "get_event: event ids, one per line");
ABSL_FLAG(std::string, actor_id, "act_bench", "create/copy: the participant's actor id");
ABSL_FLAG(std::string, list_country, "HTI", "list_events: the one country of the filter");
ABSL_FLAG(int, page_size, 50, "list_events: events on the page");
ABSL_FLAG(int, creates_per_transaction, 1,
          "create: events written per transaction, as the store writes a group of one "
          "replica's concurrent creates in one transaction (its group size varies with the "
          "load, up to 256)");
ABSL_FLAG(int, rows, 100000, "copy, insert_unnest: rows to write");
ABSL_FLAG(int, batch, 0,
          "copy, insert_unnest: rows per transaction (0: all of them in one; the importer "
          "writes 500)");
ABSL_FLAG(std::string, label, "", "copied into the RESULT line");

namespace lookout::bench {
namespace {

using ::lookout::event::v1::Event;

constexpr char kSchema[] = "event";
// Raw COPY's head lock: the plain one (a statement timeout would cut a long COPY short).
constexpr char kLockHeadSql[] = "SELECT sequence FROM change_head FOR UPDATE";
// The store's head lock (PostgresEventTransaction::LockHead): it also bounds every later
// statement of the transaction to $1 ms, the store's kHeadHolderStatementMs.
constexpr char kStoreLockHeadSql[] =
    "SELECT set_config('statement_timeout', $1, true), sequence FROM change_head FOR UPDATE";
constexpr char kHeadHolderStatementMs[] = "5000";
constexpr char kMoveHeadSql[] =
    "WITH moved AS (UPDATE change_head SET sequence = $1) SELECT pg_notify($2, $3)";
constexpr char kLiveEventSql[] = "SELECT event FROM events WHERE id = $1 AND NOT deleted";

[[noreturn]] void Die(absl::string_view problem) {
  std::cerr << "lookout-bench-postgres: " << problem << "\n";
  std::exit(2);
}

double ProcessCpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

absl::Time Deadline() { return absl::Now() + absl::Seconds(60); }

// Writes the rows gathered in `rows` (empty tables skipped, as the store skips them).
absl::Status CopyAll(pg::Connection& conn, const PgCopyRows& rows) {
  struct Table {
    const char* sql;
    const std::string* data;
  };
  for (const Table& table : {Table{kCopyEventsSql, &rows.events}, Table{kCopyActorsSql, &rows.actors},
                             Table{kCopyTagsSql, &rows.tags},
                             Table{kCopyExternalIdsSql, &rows.external_ids},
                             Table{kCopyChangesSql, &rows.changes}}) {
    if (table.data->empty()) continue;
    absl::StatusOr<int64_t> copied = conn.CopyIn(table.sql, *table.data, Deadline());
    if (!copied.ok()) return copied.status();
  }
  return absl::OkStatus();
}

absl::Status MoveHead(pg::Connection& conn, int64_t head) {
  return conn
      .Exec(kMoveHeadSql,
            pg::Params()
                .Add(head)
                .Add(lookout::event::PostgresEventStore::kChangesChannel)
                .Add(std::to_string(head)),
            Deadline())
      .status();
}

absl::StatusOr<int64_t> LockHead(pg::Connection& conn) {
  absl::StatusOr<pg::Result> rows = conn.Exec(kLockHeadSql, Deadline());
  if (!rows.ok()) return rows.status();
  if (rows->rows() != 1) return absl::InternalError("change_head has no row");
  return rows->Int64(0, 0);
}

absl::StatusOr<int64_t> StoreLockHead(pg::Connection& conn) {
  absl::StatusOr<pg::Result> rows =
      conn.Exec(kStoreLockHeadSql, pg::Params().Add(kHeadHolderStatementMs), Deadline());
  if (!rows.ok()) return rows.status();
  if (rows->rows() != 1) return absl::InternalError("change_head has no row");
  return rows->Int64(0, 1);
}

// Writes rows with the store's INSERT-unnest statements.
absl::Status InsertAll(pg::Connection& conn, const std::vector<PgStatement>& statements) {
  for (const PgStatement& statement : statements) {
    absl::StatusOr<pg::Result> done = conn.Exec(statement.sql, statement.params, Deadline());
    if (!done.ok()) return done.status();
  }
  return absl::OkStatus();
}

// One measured statement sequence of one caller, on that caller's connection.
class Operation {
 public:
  virtual ~Operation() = default;
  virtual absl::Status Run(int caller, pg::Connection& conn) = 0;
  // Events one successful Run stands for (its throughput counts these).
  virtual int items_per_call() const { return 1; }
};

class CreateOperation : public Operation {
 public:
  static constexpr int kTemplatesPerCaller = 16;

  CreateOperation(int callers, const std::string& actor_id, int per_transaction)
      : per_transaction_(per_transaction), callers_(callers) {
    int64_t index = 0;
    for (Caller& caller : callers_) {
      for (int i = 0; i < kTemplatesPerCaller; ++i, ++index) {
        // As lookout-bench-load's create_event sends them: no external id.
        Event event = MakeBenchEvent(index, actor_id, "");
        caller.words.push_back(lookout::event::NotesTsVector(event.notes()));
        caller.templates.push_back(std::move(event));
      }
    }
  }

  absl::Status Run(int caller_index, pg::Connection& conn) override {
    Caller& caller = callers_[caller_index];
    std::vector<Event> events;
    std::vector<size_t> templates;
    for (int i = 0; i < per_transaction_; ++i) {
      templates.push_back(caller.next++ % caller.templates.size());
      events.push_back(caller.templates[templates.back()]);
      lookout::event::StampNew(absl::Now(), &events.back());
    }
    absl::Status status = conn.ExecScript("BEGIN", Deadline());
    if (!status.ok()) return status;
    absl::StatusOr<int64_t> head = StoreLockHead(conn);
    if (!head.ok()) return head.status();
    // Gathered under the lock, as the store gathers them (it learns the sequences there).
    PgUnnestRows rows;
    for (int i = 0; i < per_transaction_ && status.ok(); ++i) {
      events[i].set_sequence(*head + 1 + i);
      status = rows.AppendCreatedEvent(events[i], caller.words[templates[i]]);
    }
    if (status.ok()) status = InsertAll(conn, std::move(rows).Finish());
    if (status.ok()) status = MoveHead(conn, *head + per_transaction_);
    if (status.ok()) status = conn.ExecScript("COMMIT", Deadline());
    return status;
  }

  int items_per_call() const override { return per_transaction_; }

 private:
  struct Caller {
    std::vector<Event> templates;
    std::vector<std::string> words;
    size_t next = 0;
  };
  const int per_transaction_;
  std::vector<Caller> callers_;
};

class GetEventOperation : public Operation {
 public:
  explicit GetEventOperation(std::vector<std::string> ids) : ids_(std::move(ids)) {}

  absl::Status Run(int /*caller*/, pg::Connection& conn) override {
    const std::string& id = ids_[next_.fetch_add(1, std::memory_order_relaxed) % ids_.size()];
    absl::StatusOr<pg::Result> rows = conn.Exec(kLiveEventSql, pg::Params().Add(id), Deadline());
    if (!rows.ok()) return rows.status();
    if (rows->rows() != 1) return absl::NotFoundError(absl::StrCat("no live event ", id));
    return absl::OkStatus();
  }

 private:
  std::vector<std::string> ids_;
  std::atomic<uint64_t> next_{0};
};

class ListEventsOperation : public Operation {
 public:
  ListEventsOperation(const std::string& country, int page_size) {
    lookout::event::v1::EventFilter filter;
    filter.add_country_codes(country);
    condition_ = lookout::event::PostgresFilterCondition(filter);
    count_sql_ = lookout::event::PostgresListCountSql(condition_);
    page_sql_ = lookout::event::PostgresListPageSql(
        condition_, lookout::event::EventOrder::kEventDateDesc, /*after_cursor=*/false);
    page_params_ = condition_.params;
    page_params_.Add(static_cast<int64_t>(page_size) + 1);  // as the store asks: one more
  }

  absl::Status Run(int /*caller*/, pg::Connection& conn) override {
    absl::Status status =
        conn.ExecScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", Deadline());
    if (!status.ok()) return status;
    absl::StatusOr<pg::Result> count = conn.Exec(count_sql_, condition_.params, Deadline());
    if (!count.ok()) return count.status();
    absl::StatusOr<pg::Result> page = conn.Exec(page_sql_, page_params_, Deadline());
    if (!page.ok()) return page.status();
    if (page->rows() == 0) return absl::NotFoundError("the page is empty");
    return conn.ExecScript("COMMIT", Deadline());
  }

 private:
  lookout::event::PgCondition condition_;
  std::string count_sql_;
  std::string page_sql_;
  pg::Params page_params_;
};

struct Summary {
  int64_t calls = 0;
  int64_t errors = 0;
  double seconds = 0;
  double client_cores = 0;
  std::vector<int64_t> latencies_ns;
  std::vector<std::string> error_samples;
};

// Every caller runs `op` in a closed loop on its own connection: warm-up first, then the
// measured phase. A call counts when it started in the measured phase; the measured time runs
// to the last such call's end.
Summary RunClosedLoop(Operation& op, std::vector<std::unique_ptr<pg::Connection>>& connections,
                      absl::Duration warmup, absl::Duration duration) {
  const int callers = static_cast<int>(connections.size());
  const absl::Time start = absl::Now();
  const absl::Time measure_start = start + warmup;
  const absl::Time end = measure_start + duration;
  struct Tally {
    int64_t calls = 0;
    int64_t errors = 0;
    absl::Time last_done = absl::InfinitePast();
    std::vector<int64_t> latencies_ns;
    std::vector<std::string> error_samples;
  };
  std::vector<Tally> tallies(callers);
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&, i] {
      Tally& tally = tallies[i];
      pg::Connection& conn = *connections[i];
      while (true) {
        const absl::Time began = absl::Now();
        if (began >= end || conn.broken()) break;
        absl::Status status = op.Run(i, conn);
        const absl::Time done = absl::Now();
        if (!status.ok()) {
          ++tally.errors;
          if (tally.error_samples.size() < 2) tally.error_samples.push_back(status.ToString());
          if (!conn.broken() && !conn.idle()) conn.ExecScript("ROLLBACK", Deadline()).IgnoreError();
        } else if (began >= measure_start) {
          ++tally.calls;
          tally.latencies_ns.push_back(absl::ToInt64Nanoseconds(done - began));
          tally.last_done = std::max(tally.last_done, done);
        }
      }
    });
  }
  absl::SleepFor(measure_start - absl::Now());
  const double cpu_start = ProcessCpuSeconds();
  for (std::thread& thread : threads) thread.join();
  const double cpu = ProcessCpuSeconds() - cpu_start;

  Summary summary;
  absl::Time last_done = measure_start;
  for (Tally& tally : tallies) {
    summary.calls += tally.calls;
    summary.errors += tally.errors;
    last_done = std::max(last_done, tally.last_done);
    summary.latencies_ns.insert(summary.latencies_ns.end(), tally.latencies_ns.begin(),
                                tally.latencies_ns.end());
    for (std::string& e : tally.error_samples) {
      if (summary.error_samples.size() < 3) summary.error_samples.push_back(std::move(e));
    }
  }
  summary.seconds = absl::ToDoubleSeconds(last_done - measure_start);
  const double wall = absl::ToDoubleSeconds(absl::Now() - measure_start);
  summary.client_cores = wall > 0 ? cpu / wall : 0;
  return summary;
}

double PercentileMs(std::vector<int64_t>& values, double q) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(q * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return static_cast<double>(values[k]) / 1e6;
}

std::vector<std::string> ReadIds(const std::string& path) {
  std::vector<std::string> ids;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view id = absl::StripAsciiWhitespace(line);
    if (!id.empty()) ids.emplace_back(id);
  }
  return ids;
}

std::string Label() {
  const std::string label = absl::GetFlag(FLAGS_label);
  return label.empty() ? "-" : label;
}

// The copy and insert_unnest modes: rows built, sequenced and encoded before the clock (this
// client is the database's only writer), then written a transaction per batch, each with a head
// lock and the head's move: raw COPY under the plain lock, or the store's INSERT-unnest
// statements under the store's lock.
int RunBulk(pg::Pool& pool, bool store_statements) {
  const int row_count = absl::GetFlag(FLAGS_rows);
  const int batch = absl::GetFlag(FLAGS_batch) > 0 ? absl::GetFlag(FLAGS_batch) : row_count;
  absl::StatusOr<std::unique_ptr<pg::Connection>> conn = pool.Dedicated(Deadline());
  if (!conn.ok()) Die(conn.status().ToString());
  absl::StatusOr<pg::Result> head_rows = (*conn)->Exec("SELECT sequence FROM change_head",
                                                       Deadline());
  if (!head_rows.ok()) Die(head_rows.status().ToString());
  const int64_t head = head_rows->Int64(0, 0);

  const std::string tag = absl::StrCat("raw", absl::ToUnixMicros(absl::Now()));
  const size_t batch_count = (row_count + batch - 1) / batch;
  std::vector<PgCopyRows> copies(store_statements ? 0 : batch_count);
  std::vector<PgUnnestRows> gathered(store_statements ? batch_count : 0);
  const absl::Time stamped = absl::Now();
  for (int i = 0; i < row_count; ++i) {
    Event event = MakeBenchEvent(i, absl::GetFlag(FLAGS_actor_id), tag);
    lookout::event::StampNew(stamped, &event);
    event.set_sequence(head + 1 + i);
    const std::string words = lookout::event::NotesTsVector(event.notes());
    absl::Status status = store_statements
                              ? gathered[i / batch].AppendCreatedEvent(event, words)
                              : AppendCreatedEvent(event, words, copies[i / batch]);
    if (!status.ok()) Die(status.ToString());
  }
  std::vector<std::vector<PgStatement>> inserts;
  for (PgUnnestRows& rows : gathered) inserts.push_back(std::move(rows).Finish());

  const double cpu_start = ProcessCpuSeconds();
  const absl::Time start = absl::Now();
  int64_t sequence = head;
  for (size_t b = 0; b < batch_count; ++b) {
    const int rows_in_batch = std::min(batch, row_count - static_cast<int>(b) * batch);
    sequence += rows_in_batch;
    absl::Status status = (*conn)->ExecScript("BEGIN", Deadline());
    if (store_statements) {
      if (status.ok()) status = StoreLockHead(**conn).status();
      if (status.ok()) status = InsertAll(**conn, inserts[b]);
    } else {
      if (status.ok()) status = LockHead(**conn).status();
      if (status.ok()) status = CopyAll(**conn, copies[b]);
    }
    if (status.ok()) status = MoveHead(**conn, sequence);
    if (status.ok()) status = (*conn)->ExecScript("COMMIT", Deadline());
    if (!status.ok()) {
      std::cerr << "lookout-bench-postgres: batch " << b << ": " << status << "\n";
      return 1;
    }
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const double cpu = ProcessCpuSeconds() - cpu_start;
  std::cout << absl::StrFormat(
                   "RESULT mode=pg_%s label=%s rows=%d batch=%d transactions=%d seconds=%.3f "
                   "throughput=%.1f unit=events/s client_cores=%.2f",
                   store_statements ? "insert_unnest" : "copy", Label(), row_count, batch,
                   batch_count, seconds, row_count / seconds, seconds > 0 ? cpu / seconds : 0)
            << std::endl;
  return 0;
}

int Main() {
  const std::string url = absl::GetFlag(FLAGS_url);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  if (url.empty()) Die("needs --url");
  if (concurrency < 1) Die("--concurrency must be at least 1");
  if (absl::GetFlag(FLAGS_rows) < 1) Die("--rows must be at least 1");

  pg::PoolOptions options;
  options.conninfo = url;
  options.schema = kSchema;
  options.size = 1;
  options.application_name = "lookout-bench-postgres";
  absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(options);
  if (!pool.ok()) Die(pool.status().ToString());
  // The service's own migrations: the same tables and indexes (a no-op on a database the
  // event service already set up).
  absl::Status migrated = (*pool)->Migrate(lookout::event::PostgresEventStoreMigrations());
  if (!migrated.ok()) Die(absl::StrCat("migrations: ", migrated.ToString()));

  if (mode == "copy") return RunBulk(**pool, /*store_statements=*/false);
  if (mode == "insert_unnest") return RunBulk(**pool, /*store_statements=*/true);

  std::unique_ptr<Operation> op;
  if (mode == "create") {
    const int per_transaction = absl::GetFlag(FLAGS_creates_per_transaction);
    if (per_transaction < 1) Die("--creates_per_transaction must be at least 1");
    op = std::make_unique<CreateOperation>(concurrency, absl::GetFlag(FLAGS_actor_id),
                                           per_transaction);
  } else if (mode == "get_event") {
    std::vector<std::string> ids = ReadIds(absl::GetFlag(FLAGS_ids_file));
    if (ids.empty()) Die("get_event needs --ids_file with at least one id");
    op = std::make_unique<GetEventOperation>(std::move(ids));
  } else if (mode == "list_events") {
    op = std::make_unique<ListEventsOperation>(absl::GetFlag(FLAGS_list_country),
                                               absl::GetFlag(FLAGS_page_size));
  } else {
    Die(absl::StrCat("unknown --mode \"", mode, "\""));
  }

  std::vector<std::unique_ptr<pg::Connection>> connections;
  for (int i = 0; i < concurrency; ++i) {
    absl::StatusOr<std::unique_ptr<pg::Connection>> conn = (*pool)->Dedicated(Deadline());
    if (!conn.ok()) Die(conn.status().ToString());
    connections.push_back(*std::move(conn));
  }
  Summary summary = RunClosedLoop(*op, connections, absl::GetFlag(FLAGS_warmup),
                                  absl::GetFlag(FLAGS_duration));
  const double seconds = summary.seconds > 0 ? summary.seconds : 1e-9;
  std::cout << absl::StrFormat(
                   "RESULT mode=pg_%s label=%s concurrency=%d calls=%d errors=%d seconds=%.3f "
                   "throughput=%.1f unit=%s p50_ms=%.3f p99_ms=%.3f client_cores=%.2f",
                   mode, Label(), concurrency, summary.calls, summary.errors, summary.seconds,
                   static_cast<double>(summary.calls * op->items_per_call()) / seconds,
                   op->items_per_call() == 1 ? "calls/s" : "events/s",
                   PercentileMs(summary.latencies_ns, 0.50),
                   PercentileMs(summary.latencies_ns, 0.99), summary.client_cores)
            << std::endl;
  for (const std::string& e : summary.error_samples) {
    std::cerr << "lookout-bench-postgres: " << mode << " error: " << e << "\n";
  }
  return summary.errors == 0 && summary.calls > 0 ? 0 : 1;
}

}  // namespace
}  // namespace lookout::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "issues the PostgreSQL event store's statements straight from libpq; prints one RESULT "
      "line. Example:\n  lookout-bench-postgres --url=postgresql://postgres@127.0.0.1:5432/raw "
      "--mode=create --concurrency=64 --duration=5s");
  absl::ParseCommandLine(argc, argv);
  return lookout::bench::Main();
}
