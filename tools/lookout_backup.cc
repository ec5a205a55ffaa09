// lookout-backup: an online backup of one Lookout SQLite store (event.db, actor.db, the stats
// observations file) while its service keeps taking writes. See README.md, "Backup and restore".
//
// Exit status: 0 the backup is at --to, whole and checked; 2 refused before anything was written
// (a flag missing, no database at --from, --to or a file beside it already there, no folder for
// --to, --from not an SQLite database); 1 the backup failed (a full disk, an I/O error, a copy
// failing its integrity check) and nothing was left at --to.
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "common/config.h"
#include "common/sqlite_backup.h"

ABSL_FLAG(std::string, from, "",
          "The database file to back up, e.g. var/data/event.db (its service may be running).");
ABSL_FLAG(std::string, to, "", "The backup file to create; it must not exist.");

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
  auto result = lookout::BackupSqliteDatabase(from, to);
  if (!result.ok()) {
    std::cerr << "lookout-backup: " << result.status().message() << "\n";
    return Refused(result.status().code()) ? 2 : 1;
  }
  std::cout << "lookout-backup: " << from << " -> " << to << ": " << result->pages << " pages, "
            << result->bytes << " bytes, schema version " << result->schema_version
            << ", integrity ok\n";
  return 0;
}
