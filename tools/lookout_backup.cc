// lookout-backup: an online backup of one Lookout SQLite store (event.db, actor.db, the stats
// observations file) while its service keeps taking writes. See README.md, "Backup and restore".
// --to=- writes the backup to stdout (made beside --from first), for kubectl exec.
//
// Exit status: 0 the backup is at --to, whole and checked; 2 refused before anything was written
// (a flag missing, no database at --from, --to or a file beside it already there, no folder for
// --to, --from not an SQLite database, --to=- with stdout a terminal); 1 the backup failed (a
// full disk, an I/O error, a copy failing its integrity check, a closed stdout) and nothing was
// left at --to (with --to=-, what reached stdout is no backup).
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "common/config.h"
#include "common/sqlite_backup.h"

ABSL_FLAG(std::string, from, "",
          "The database file to back up, e.g. var/data/event.db (its service may be running).");
ABSL_FLAG(std::string, to, "",
          "The backup file to create; it must not exist. \"-\" writes the backup to stdout.");

namespace {

// Input the command refuses before writing anything.
bool Refused(absl::StatusCode code) {
  return code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kNotFound ||
         code == absl::StatusCode::kAlreadyExists;
}

}  // namespace

int main(int argc, char** argv) {
  lookout::ParseFlagsWithEnv(
      argc, argv,
      "Copies a Lookout SQLite database while its service keeps writing.\n"
      "  lookout-backup --from=var/data/event.db --to=backups/event-2026-12-07.db");
  lookout::ConfigErrors config;
  config.CheckNonEmpty("from", absl::GetFlag(FLAGS_from));
  config.CheckNonEmpty("to", absl::GetFlag(FLAGS_to));
  config.ExitIfAny();

  const std::string from = absl::GetFlag(FLAGS_from);
  const std::string to = absl::GetFlag(FLAGS_to);
  const bool to_stdout = to == "-";
  if (to_stdout && isatty(STDOUT_FILENO)) {
    std::cerr << "lookout-backup: --to=- writes a database to stdout, which is a terminal; "
                 "redirect it to a file\n";
    return 2;
  }
  // A closed pipe is an error to report (and the copy beside --from to remove), not a death.
  signal(SIGPIPE, SIG_IGN);
  auto result = to_stdout ? lookout::StreamSqliteBackup(from, STDOUT_FILENO)
                          : lookout::BackupSqliteDatabase(from, to);
  if (!result.ok()) {
    std::cerr << "lookout-backup: " << result.status().message() << "\n";
    return Refused(result.status().code()) ? 2 : 1;
  }
  // With the backup on stdout, the report goes to stderr.
  std::ostream& report = to_stdout ? std::cerr : std::cout;
  report << "lookout-backup: " << from << " -> " << (to_stdout ? "stdout" : to) << ": "
         << result->pages << " pages, " << result->bytes << " bytes, schema version "
         << result->schema_version << ", integrity ok\n";
  return 0;
}
