// lookout-backup against the real event service under steady CreateEvent/UpdateEvent load: the
// backup is taken while writes go on, restored as README.md says (the file put in place as
// event.db, no -wal or -shm) under a fresh event service, and must hold every write acknowledged
// before the backup began, a change log without gaps that is a prefix of the live one (same
// change_log_id, same sequences, ids and etags), and pass PRAGMA integrity_check; a follower of
// the live log that went past the copy's head is told to rebuild; likewise with --to=- (the
// backup on stdout). Bad input to the command exits 2 and writes nothing; a copy failing its
// integrity check exits 1 and leaves nothing.
#include "common/sqlite_backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/sqlite_db.h"
#include "gtest/gtest.h"
#include "tests/integration/backup_test_support.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/temp_dir.h"

namespace lookout {
namespace {

namespace fs = std::filesystem;
using ::lookout::backup_testing::Ack;
using ::lookout::backup_testing::ChangeLog;
using ::lookout::backup_testing::CheckCopyAgainstLive;
using ::lookout::backup_testing::CheckFollowersOfRestoredCopy;
using ::lookout::backup_testing::ReadChangeLog;
using ::lookout::backup_testing::ReadText;
using ::lookout::backup_testing::RunCommand;
using ::lookout::backup_testing::WriteLoad;
using ::lookout::gateway::testing::BackendProcesses;

// Names in a folder, sorted.
std::vector<std::string> Listing(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> IntegrityCheck(const std::string& path) {
  auto db = SqliteConnection::Open(path, /*read_only=*/true);
  if (!db.ok()) return {db.status().ToString()};
  auto check = (*db)->Prepare("PRAGMA integrity_check");
  if (!check.ok()) return {check.status().ToString()};
  std::vector<std::string> rows;
  while (true) {
    auto row = check->Step();
    if (!row.ok()) return {row.status().ToString()};
    if (!*row) return rows;
    rows.push_back(check->Text(0));
  }
}

class SqliteBackupTest : public ::testing::Test {
 protected:
  SqliteBackupTest() {
    fs::create_directories(dir_.File("live"));
    fs::create_directories(dir_.File("backups"));
  }

  std::string live_db() const { return dir_.File("live/event/event.db"); }

  // Restores `backup` as README.md says, under a fresh event service with a data dir of its own,
  // and checks the copy against what the live service acknowledged. `before` were acknowledged
  // before the backup began; `live` is the live change log once the load stopped.
  void CheckRestoredCopy(const std::string& backup, const std::vector<Ack>& before,
                         const ChangeLog& live, const std::vector<Ack>& sent_after_snapshot) {
    EXPECT_EQ(IntegrityCheck(backup), std::vector<std::string>{"ok"});
    const std::string restored = dir_.File("restored");
    fs::create_directories(restored + "/event");
    fs::copy_file(backup, restored + "/event/event.db");
    BackendProcesses service(restored, /*redis_port=*/0);
    service.StartEvent();
    const ChangeLog copy = ReadChangeLog(service.event_addr());
    CheckCopyAgainstLive(copy, live, before, sent_after_snapshot);
    CheckFollowersOfRestoredCopy(service.event_addr(), copy, live);
  }

  testing::TempDir dir_;
};

TEST_F(SqliteBackupTest, TheCommandBacksUpARunningServiceWithoutLosingAnAcknowledgedWrite) {
  BackendProcesses live(dir_.File("live"), /*redis_port=*/0);
  live.StartEvent();
  WriteLoad load(live.event_addr(), /*threads=*/8);
  // A file of some size, so the copy takes a while under load.
  ASSERT_TRUE(load.WaitForAcks(3000, absl::Seconds(60)));

  const std::vector<Ack> before = load.Acked();
  const std::string backup = dir_.File("backups/event.db");
  const absl::Time began = absl::Now();
  const int exit_code = RunCommand(
      {LOOKOUT_BACKUP_BINARY, absl::StrCat("--from=", live_db()), absl::StrCat("--to=", backup)},
      dir_.File("backup.log"));
  const absl::Duration took = absl::Now() - began;
  const size_t acked_during = load.AckedCount() - before.size();
  ASSERT_TRUE(load.WaitForAcks(load.AckedCount() + 300, absl::Seconds(30)));
  load.Stop();

  ASSERT_EQ(exit_code, 0) << ReadText(dir_.File("backup.log"));
  EXPECT_EQ(load.Failures(), std::vector<std::string>{});
  // Only the backup itself: no partial file, no -wal or -shm beside it.
  EXPECT_EQ(Listing(dir_.File("backups")), std::vector<std::string>{"event.db"});
  std::cout << "backup of " << before.size() << "+ events took " << took << "; " << acked_during
            << " writes were acknowledged meanwhile\n";
  const ChangeLog live_log = ReadChangeLog(live.event_addr());
  ASSERT_EQ(live_log.changes.size(), load.Acked().size());
  CheckRestoredCopy(backup, before, live_log, /*sent_after_snapshot=*/{});
}

// --to=- (for kubectl exec): the backup on stdout, made beside the source first and removed;
// a reader that goes away fails the command and leaves nothing beside the source either.
TEST_F(SqliteBackupTest, TheCommandWritesTheBackupToStdout) {
  BackendProcesses live(dir_.File("live"), /*redis_port=*/0);
  live.StartEvent();
  WriteLoad load(live.event_addr(), /*threads=*/8);
  ASSERT_TRUE(load.WaitForAcks(2000, absl::Seconds(60)));
  const std::vector<std::string> data_dir = Listing(dir_.File("live/event"));

  // A closed pipe: exit 1.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  close(pipe_fds[0]);
  const std::vector<std::string> argv = {LOOKOUT_BACKUP_BINARY, absl::StrCat("--from=", live_db()),
                                         "--to=-"};
  EXPECT_EQ(RunCommand(argv, dir_.File("backup.log"), pipe_fds[1]), 1);
  close(pipe_fds[1]);
  EXPECT_NE(ReadText(dir_.File("backup.log")).find("Broken pipe"), std::string::npos)
      << ReadText(dir_.File("backup.log"));

  const std::vector<Ack> before = load.Acked();
  const std::string backup = dir_.File("backups/event.db");
  const int out = open(backup.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  ASSERT_GE(out, 0);
  const int exit_code = RunCommand(argv, dir_.File("backup.log"), out);
  close(out);
  ASSERT_TRUE(load.WaitForAcks(load.AckedCount() + 300, absl::Seconds(30)));
  load.Stop();

  ASSERT_EQ(exit_code, 0) << ReadText(dir_.File("backup.log"));
  EXPECT_EQ(Listing(dir_.File("live/event")), data_dir) << "a partial copy was left behind";
  EXPECT_EQ(load.Failures(), std::vector<std::string>{});
  CheckRestoredCopy(backup, before, ReadChangeLog(live.event_addr()), /*sent_after_snapshot=*/{});
}

// In-process, to hold the snapshot open: writes go on being acknowledged meanwhile, and the copy
// is that snapshot (no write sent after it is in the copy).
TEST_F(SqliteBackupTest, TheCopyIsOneSnapshotAndWritesGoOnWhileItIsHeld) {
  BackendProcesses live(dir_.File("live"), /*redis_port=*/0);
  live.StartEvent();
  WriteLoad load(live.event_addr(), /*threads=*/8);
  ASSERT_TRUE(load.WaitForAcks(1000, absl::Seconds(60)));

  const std::vector<Ack> before = load.Acked();
  const std::string backup = dir_.File("backups/event.db");
  bool writes_went_on = false;
  SqliteBackupOptions options;
  options.after_snapshot = [&] {
    load.MarkSnapshot();
    writes_went_on = load.WaitForAcks(load.AckedCount() + 500, absl::Seconds(30));
  };
  auto result = BackupSqliteDatabase(live_db(), backup, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(writes_went_on) << "writes stalled while the backup held its snapshot";
  ASSERT_TRUE(load.WaitForAcks(load.AckedCount() + 300, absl::Seconds(30)));
  load.Stop();

  EXPECT_EQ(load.Failures(), std::vector<std::string>{});
  EXPECT_GE(load.SentAfterSnapshot().size(), 500u);
  EXPECT_GT(result->pages, 0);
  EXPECT_EQ(result->bytes, static_cast<int64_t>(fs::file_size(backup)));
  const ChangeLog live_log = ReadChangeLog(live.event_addr());
  CheckRestoredCopy(backup, before, live_log, load.SentAfterSnapshot());
}

// Each refusal: exit status 2, the reason on stderr, and nothing written (no backup, no partial
// file, no file beside the source).
TEST_F(SqliteBackupTest, BadInputExitsTwoAndWritesNothing) {
  const std::string out = dir_.File("backups");
  const std::string not_a_database = dir_.File("notes.txt");
  {
    std::ofstream text(not_a_database);
    for (int i = 0; i < 100; ++i) text << "not an SQLite database\n";
  }
  const std::string existing = out + "/existing.db";
  std::ofstream(existing) << "keep me";
  std::ofstream(out + "/stale.db-wal") << "an old log";
  const std::string source = dir_.File("source/event.db");
  {
    fs::create_directories(dir_.File("source"));
    auto db = SqliteConnection::Open(source, /*read_only=*/false);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)").ok());
  }
  const std::vector<std::string> out_before = Listing(out);
  const std::vector<std::string> source_before = Listing(dir_.File("source"));

  struct Case {
    std::string name;
    std::vector<std::string> flags;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"no flags", {}, "--from (LOOKOUT_FROM): must be set"},
      {"no --to", {"--from=" + source}, "--to (LOOKOUT_TO): must be set"},
      {"a positional argument",
       {"--from=" + source, "--to=" + out + "/a.db", "extra"},
       "unexpected argument"},
      {"missing source",
       {"--from=" + dir_.File("nowhere/event.db"), "--to=" + out + "/a.db"},
       "no database at"},
      {"source is a folder",
       {"--from=" + dir_.path(), "--to=" + out + "/a.db"},
       "is not a regular file"},
      {"source is not a database",
       {"--from=" + not_a_database, "--to=" + out + "/a.db"},
       "is not an SQLite database"},
      {"destination exists", {"--from=" + source, "--to=" + existing}, "already exists"},
      {"the destination's -wal exists",
       {"--from=" + source, "--to=" + out + "/stale.db"},
       "stale.db-wal exists"},
      {"no destination folder",
       {"--from=" + source, "--to=" + dir_.File("nowhere/a.db")},
       "does not exist"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string log = dir_.File("refused.log");
    fs::remove(log);
    std::vector<std::string> argv = {LOOKOUT_BACKUP_BINARY};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    EXPECT_EQ(RunCommand(argv, log), 2);
    EXPECT_NE(ReadText(log).find(c.message), std::string::npos) << ReadText(log);
    EXPECT_EQ(Listing(out), out_before);
    EXPECT_EQ(Listing(dir_.File("source")), source_before);
    EXPECT_FALSE(fs::exists(dir_.File("nowhere")));
  }
  EXPECT_EQ(ReadText(existing), "keep me");
  EXPECT_EQ(Listing(dir_.path()),
            (std::vector<std::string>{"backups", "live", "notes.txt", "refused.log", "source"}));

  // The same source and folder do take a backup once the input is right.
  EXPECT_EQ(RunCommand({LOOKOUT_BACKUP_BINARY, "--from=" + source, "--to=" + out + "/a.db"},
                       dir_.File("ok.log")),
            0)
      << ReadText(dir_.File("ok.log"));
  EXPECT_EQ(IntegrityCheck(out + "/a.db"), std::vector<std::string>{"ok"});
}

// A source SQLite can read but whose pages are damaged: the copy fails its integrity check, the
// command exits 1, and nothing is left at --to or beside it.
TEST_F(SqliteBackupTest, ACopyFailingItsIntegrityCheckExitsOneAndLeavesNothing) {
  const std::string source = dir_.File("damaged.db");
  {
    auto db = SqliteConnection::Open(source, /*read_only=*/false);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Exec("CREATE TABLE t (x TEXT); CREATE INDEX t_x ON t (x)").ok());
    ASSERT_TRUE((*db)
                    ->Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                           "WHERE i < 3000) INSERT INTO t SELECT 'value ' || i FROM n")
                    .ok());
  }
  {
    // Cell offsets of a b-tree page past the page's end.
    std::fstream file(source, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096 * 5 + 200);
    file << std::string(64, '\xff');
  }
  const std::string log = dir_.File("damaged.log");
  EXPECT_EQ(RunCommand({LOOKOUT_BACKUP_BINARY, "--from=" + source,
                        "--to=" + dir_.File("backups/damaged.db")},
                       log),
            1);
  EXPECT_NE(ReadText(log).find("integrity_check"), std::string::npos) << ReadText(log);
  EXPECT_EQ(Listing(dir_.File("backups")), std::vector<std::string>{});
}

}  // namespace
}  // namespace lookout
