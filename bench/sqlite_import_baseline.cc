// lookout-bench-sqlite-import: the raw storage rate ImportEvents is measured against.
//
// Writes the rows the load generator's import mode sends (bench_rows.h) straight into a fresh
// event database from C++: the event service's own SqliteEventStore, so the schema, indexes,
// FTS table, change log, WAL and durability (each commit fsynced before it is acknowledged) are
// the service's by construction, and each batch is written as EventImporter writes a batch no
// row of which the store refuses (kImportBatchSize rows per durable commit, each row stamped and
// applied, no savepoints). What is left out is everything in front of storage: gRPC,
// validation and the actor check.
//
// With --acled_file the rows are the events `lookout import acled` sends for that file instead
// (parsed with the CLI's own parser before the clock starts, each actor name given a stable
// actor id of the actor service's form, participants deduplicated as the CLI does), so that
// bench/import_bench.sh compares the full path with the store writing the very same events.
//
// Prints one line, "RESULT mode=sqlite_import ... throughput=<rows/s> unit=events/s".
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/container/flat_hash_map.h"
#include "bench/bench_rows.h"
#include "cli/import/row_reader.h"
#include "services/event/event_importer.h"
#include "services/event/event_model.h"
#include "services/event/sqlite_event_store.h"

ABSL_FLAG(std::string, db, "", "database file to create (removed first, with its WAL)");
ABSL_FLAG(int, rows, 20000, "rows to insert");
ABSL_FLAG(int, batch, lookout::event::kImportBatchSize,
          "rows per durable commit (default: the importer's batch size)");
ABSL_FLAG(bool, savepoints, false,
          "a savepoint per row, as the importer writes a batch again after the store refused one "
          "of its rows (so that row undoes only itself)");
ABSL_FLAG(std::string, actor_id, "act_bench", "actor id the rows name (not checked here)");
ABSL_FLAG(std::string, label, "", "copied into the RESULT line");
ABSL_FLAG(std::string, acled_file, "",
          "write the events of this ACLED CSV (as `lookout import acled` would send them) "
          "instead of --rows generated rows");
ABSL_FLAG(std::string, try_pragmas, "",
          "investigation only: SQL run on every connection the store opens (e.g. "
          "\"PRAGMA temp_store = MEMORY\"), to measure a storage setting before proposing it; "
          "the benchmark script never sets it");
ABSL_FLAG(bool, try_without_notes, false,
          "investigation only: rows without notes, so nothing goes into the FTS5 index");
ABSL_FLAG(int, try_stmt_journal_spill, 0,
          "investigation only: when > 0, sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL) with this "
          "many bytes before SQLite starts, so savepoint journals stay in memory up to that size");

namespace lookout::bench {
namespace {

using ::lookout::event::EventTransaction;
using ::lookout::event::v1::Event;

// sqlite3_auto_extension takes a plain function, so the pragmas live in a global.
std::string* g_try_pragmas = nullptr;

int RunTryPragmas(sqlite3* db, char** error, const sqlite3_api_routines* /*api*/) {
  return sqlite3_exec(db, g_try_pragmas->c_str(), nullptr, nullptr, error);
}

// The events `lookout import acled` sends for `path`: parsed rows, each actor name replaced by
// an id of the actor service's form ("act_" and 16 hex digits), one id per name, and a name
// named twice in one role listed once (cli/app/importer.cc). Rejected rows are left out.
absl::StatusOr<std::vector<Event>> AcledEvents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  auto reader = lookout::cli::RowReader::Create(lookout::cli::ImportFormat::kAcled, &in);
  absl::flat_hash_map<std::string, std::string> ids;
  std::vector<Event> events;
  lookout::cli::ParsedRow row;
  lookout::cli::RowError error;
  for (;;) {
    const auto result = reader->Next(&row, &error);
    if (result == lookout::cli::RowReader::Result::kEnd) break;
    if (result != lookout::cli::RowReader::Result::kRow) {
      if (error.fatal) return absl::InvalidArgumentError(error.message);
      continue;
    }
    Event event = std::move(row.event);
    std::set<std::pair<std::string, int>> seen;
    for (const lookout::cli::ActorRef& ref : row.actors) {
      auto [it, added] = ids.try_emplace(ref.name);
      if (added) it->second = absl::StrFormat("act_%016x", ids.size() * 0x9e3779b97f4a7c15ULL);
      if (!seen.emplace(it->second, ref.role).second) continue;
      auto* participant = event.add_participants();
      participant->set_actor_id(it->second);
      participant->set_role(ref.role);
    }
    lookout::event::ClearOutputOnlyFields(&event);
    events.push_back(std::move(event));
  }
  return events;
}

int Main() {
  const std::string path = absl::GetFlag(FLAGS_db);
  int row_count = absl::GetFlag(FLAGS_rows);
  const int batch = absl::GetFlag(FLAGS_batch);
  const bool savepoints = absl::GetFlag(FLAGS_savepoints);
  if (path.empty() || row_count < 1 || batch < 1) {
    std::cerr << "lookout-bench-sqlite-import: needs --db, --rows >= 1 and --batch >= 1\n";
    return 2;
  }
  const int spill = absl::GetFlag(FLAGS_try_stmt_journal_spill);
  if (spill > 0 && sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, spill) != SQLITE_OK) {
    std::cerr << "lookout-bench-sqlite-import: SQLITE_CONFIG_STMTJRNL_SPILL refused\n";
    return 2;
  }
  if (!absl::GetFlag(FLAGS_try_pragmas).empty()) {
    g_try_pragmas = new std::string(absl::GetFlag(FLAGS_try_pragmas));
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(&RunTryPragmas));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove(absl::StrCat(path, suffix).c_str());

  auto store = lookout::event::SqliteEventStore::Open(path);
  if (!store.ok()) {
    std::cerr << "lookout-bench-sqlite-import: " << store.status() << "\n";
    return 1;
  }

  // Built before the clock starts, as the load generator builds its streams.
  const std::string tag = absl::StrCat("r", absl::ToUnixMicros(absl::Now()));
  std::vector<Event> rows;
  if (!absl::GetFlag(FLAGS_acled_file).empty()) {
    auto events = AcledEvents(absl::GetFlag(FLAGS_acled_file));
    if (!events.ok()) {
      std::cerr << "lookout-bench-sqlite-import: " << events.status() << "\n";
      return 1;
    }
    rows = *std::move(events);
    row_count = static_cast<int>(rows.size());
    if (row_count == 0) {
      std::cerr << "lookout-bench-sqlite-import: no rows in " << absl::GetFlag(FLAGS_acled_file)
                << "\n";
      return 1;
    }
  } else {
    rows.reserve(row_count);
    for (int i = 0; i < row_count; ++i) {
      rows.push_back(MakeBenchEvent(i, absl::GetFlag(FLAGS_actor_id), tag));
    }
  }
  if (absl::GetFlag(FLAGS_try_without_notes)) {
    for (Event& row : rows) row.clear_notes();
  }

  const absl::Time start = absl::Now();
  int commits = 0;
  for (int first = 0; first < row_count; first += batch) {
    const int end = std::min(row_count, first + batch);
    const absl::Time now = absl::Now();
    // The importer's write of one batch (EventImporter::Session::Flush and WriteRow).
    absl::Status status = (*store)->Write([&](EventTransaction& tx) -> absl::Status {
      for (int i = first; i < end; ++i) {
        auto write_row = [&]() -> absl::Status {
          Event created = rows[i];
          lookout::event::StampNew(now, &created);
          return tx.Apply(lookout::event::v1::CHANGE_TYPE_CREATED, std::move(created)).status();
        };
        absl::Status row_status = savepoints ? tx.Isolated(write_row) : write_row();
        if (!row_status.ok()) return row_status;
      }
      return absl::OkStatus();
    });
    if (!status.ok()) {
      std::cerr << "lookout-bench-sqlite-import: batch at row " << first << ": " << status << "\n";
      return 1;
    }
    ++commits;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);

  std::cout << absl::StrFormat(
                   "RESULT mode=sqlite_import label=%s rows=%d batch=%d savepoints=%s "
                   "commits=%d seconds=%.3f throughput=%.1f unit=events/s%s%s%s",
                   absl::GetFlag(FLAGS_label).empty() ? "-" : absl::GetFlag(FLAGS_label), row_count,
                   batch, savepoints ? "on" : "off", commits, seconds, row_count / seconds,
                   g_try_pragmas == nullptr ? "" : " try_pragmas=yes",
                   spill > 0 ? absl::StrCat(" try_stmt_journal_spill=", spill) : "",
                   absl::GetFlag(FLAGS_try_without_notes) ? " try_without_notes=yes" : "")
            << std::endl;
  return 0;
}

}  // namespace
}  // namespace lookout::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "inserts benchmark rows straight into an event database; prints one RESULT line");
  absl::ParseCommandLine(argc, argv);
  return lookout::bench::Main();
}
