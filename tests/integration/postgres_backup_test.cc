// PostgreSQL's own backup tools against the real event service on PostgreSQL under steady
// CreateEvent/UpdateEvent load: `pg_dump --format=custom` of the running database (the whole
// database, or the services' schemas) as README.md says, `pg_restore` into a fresh empty database
// and a fresh event service on it. The copy must hold every write acknowledged before the dump
// began at its sequence with its etag, and a change log without gaps that is a prefix of the live
// one (same change_log_id); new writes continue after its head; followers of the live log that
// went past that head are told to rebuild (FAILED_PRECONDITION), as with a restored SQLite file.
// Likewise `pg_basebackup` with its WAL, checked with `pg_verifybackup` and recovered by a server
// started on a copy of it.
// With an exported snapshot held open, writes go on, and a dump of that snapshot holds no write
// sent after it.
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/pg_connection.h"
#include "gtest/gtest.h"
#include "tests/integration/backup_test_support.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/redis_server.h"
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
using ::lookout::gateway::testing::ChildProcess;
using ::lookout::gateway::testing::kInternalToken;
using ::lookout::gateway::testing::WaitServing;

// The real lookout-event binary on the PostgreSQL database at `url`.
class EventOnPostgres {
 public:
  EventOnPostgres(const std::string& url, const std::string& dir)
      : port_(lookout::testing::PickFreePort()) {
    fs::create_directories(dir);
    process_.Start(
        {LOOKOUT_EVENT_BINARY, absl::StrCat("--port=", port_), absl::StrCat("--data_dir=", dir),
         absl::StrCat("--database_url=", url), absl::StrCat("--internal_token=", kInternalToken),
         // No actor service: the load names no actors.
         absl::StrCat("--actor_addr=127.0.0.1:", lookout::testing::PickFreePort()),
         "--redis_addr=", "--metrics_port=-1", "--drain_grace_seconds=1"},
        dir + "/event.log");
    started_ = WaitServing(address(), absl::Seconds(30));
  }
  bool started() const { return started_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  const int port_;
  ChildProcess process_;
  bool started_ = false;
};

class PostgresBackupTest : public ::testing::Test {
 protected:
  PostgresBackupTest() { fs::create_directories(dir_.File("backups")); }

  std::string Tool(const std::string& name) const {
    return absl::StrCat(lookout::testing::PostgresBinDir(), "/", name);
  }

  // pg_dump as README.md has it, with `flags` before the URL of the live database.
  std::vector<std::string> Dump(const std::vector<std::string>& flags) {
    std::vector<std::string> argv = {Tool("pg_dump"), "--format=custom", "--file=" + dump_};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back(live_url_);
    return argv;
  }

  // Restores the dump as README.md says into a fresh empty database; its URL ("" if it failed).
  std::string RestoreDump() {
    const std::string restored_url = lookout::testing::NewTestDatabase();
    const std::string log = dir_.File("pg_restore.log");
    if (RunCommand({Tool("pg_restore"), "--exit-on-error", "--single-transaction", "--no-owner",
                    "--dbname=" + restored_url, dump_},
                   log) != 0) {
      ADD_FAILURE() << "pg_restore failed: " << ReadText(log);
      return "";
    }
    return restored_url;
  }

  // Starts a fresh event service on the restored database and checks the copy against what
  // the live service acknowledged. `before` were acknowledged before the backup began; `live` is
  // the live change log once the load stopped.
  void CheckRestoredCopy(const std::string& restored_url, const std::vector<Ack>& before,
                         const ChangeLog& live, const std::vector<Ack>& sent_after_snapshot) {
    ASSERT_FALSE(restored_url.empty());
    EventOnPostgres service(restored_url, dir_.File("restored"));
    ASSERT_TRUE(service.started()) << ReadText(dir_.File("restored/event.log"));
    const ChangeLog copy = ReadChangeLog(service.address());
    CheckCopyAgainstLive(copy, live, before, sent_after_snapshot);
    CheckFollowersOfRestoredCopy(service.address(), copy, live);
  }

  // Runs the backup command `backup` while the load goes on against the event service on
  // `live_url`; then `restore` makes a database of the backup and returns its URL, and the copy
  // there is checked.
  void BackupUnderLoadAndRestore(const std::string& live_url,
                                 const std::vector<std::string>& backup,
                                 const std::function<std::string()>& restore) {
    EventOnPostgres live(live_url, dir_.File("live"));
    ASSERT_TRUE(live.started()) << ReadText(dir_.File("live/event.log"));
    WriteLoad load(live.address(), /*threads=*/8);
    ASSERT_TRUE(load.WaitForAcks(3000, absl::Seconds(120))) << load.AckedCount();

    const std::vector<Ack> before = load.Acked();
    const std::string log = dir_.File("backup.log");
    const absl::Time began = absl::Now();
    const int exit_code = RunCommand(backup, log);
    const absl::Duration took = absl::Now() - began;
    const size_t acked_during = load.AckedCount() - before.size();
    ASSERT_TRUE(load.WaitForAcks(load.AckedCount() + 300, absl::Seconds(30)));
    load.Stop();

    ASSERT_EQ(exit_code, 0) << ReadText(log);
    EXPECT_EQ(load.Failures(), std::vector<std::string>{});
    EXPECT_GT(load.UpdateCount(), 0u);
    std::cout << fs::path(backup[0]).filename().string() << " with " << before.size()
              << "+ writes took " << took << "; " << acked_during
              << " writes were acknowledged meanwhile\n";
    const ChangeLog live_log = ReadChangeLog(live.address());
    ASSERT_EQ(live_log.changes.size(), load.Acked().size());
    CheckRestoredCopy(restore(), before, live_log, /*sent_after_snapshot=*/{});
  }

  lookout::testing::TempDir dir_;
  const std::string dump_ = dir_.File("backups/lookout.dump");
  const std::string live_url_ = lookout::testing::NewTestDatabase();
};

TEST_F(PostgresBackupTest, ADumpOfTheWholeDatabaseRestoresEveryAcknowledgedWrite) {
  BackupUnderLoadAndRestore(live_url_, Dump({}), [this] { return RestoreDump(); });
}

// The services' schemas only (README.md: for a database that holds other things too). The
// actor and stats schemas are not in this database: pg_dump takes the schemas it finds.
TEST_F(PostgresBackupTest, ADumpOfTheServicesSchemasRestoresEveryAcknowledgedWrite) {
  BackupUnderLoadAndRestore(live_url_, Dump({"--schema=event", "--schema=actor", "--schema=stats"}),
                            [this] { return RestoreDump(); });
}

// pg_basebackup of a server of its own (it copies every database of the server) with the WAL
// written meanwhile, checked with pg_verifybackup; a server started on a copy of it recovers to
// the backup's end.
TEST_F(PostgresBackupTest, ABaseBackupWithItsWalRestoresEveryAcknowledgedWrite) {
  lookout::testing::PostgresServer live_server;
  live_server.Start();
  const std::string live_url = live_server.CreateDatabase("lookout");
  const std::string base = dir_.File("backups/base");
  lookout::testing::PostgresServer restored_server;
  BackupUnderLoadAndRestore(
      live_url,
      {Tool("pg_basebackup"), "--dbname=" + live_url, "--pgdata=" + base, "--wal-method=stream",
       "--checkpoint=fast"},
      [&] {
        const std::string log = dir_.File("pg_verifybackup.log");
        EXPECT_EQ(RunCommand({Tool("pg_verifybackup"), base}, log), 0) << ReadText(log);
        restored_server.StartFromBaseBackup(base, {});
        return restored_server.Url("lookout");
      });
}

// A snapshot exported from a transaction held open: writes go on being acknowledged meanwhile,
// and pg_dump of that snapshot is the database as of it (no write sent after it is in the copy).
TEST_F(PostgresBackupTest, TheDumpIsOneSnapshotAndWritesGoOnWhileItIsHeld) {
  EventOnPostgres live(live_url_, dir_.File("live"));
  ASSERT_TRUE(live.started()) << ReadText(dir_.File("live/event.log"));
  WriteLoad load(live.address(), /*threads=*/8);
  ASSERT_TRUE(load.WaitForAcks(1000, absl::Seconds(60)));

  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  auto holder = pg::Connection::Open(live_url_, {}, deadline);
  ASSERT_TRUE(holder.ok()) << holder.status();
  const std::vector<Ack> before = load.Acked();
  ASSERT_TRUE((*holder)->ExecScript("BEGIN ISOLATION LEVEL REPEATABLE READ", deadline).ok());
  auto snapshot = (*holder)->Exec("SELECT pg_export_snapshot()", deadline);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  load.MarkSnapshot();
  EXPECT_TRUE(load.WaitForAcks(load.AckedCount() + 500, absl::Seconds(30)))
      << "writes stalled while a snapshot was held";
  const int exit_code =
      RunCommand(Dump({"--snapshot=" + snapshot->Bytes(0, 0)}), dir_.File("pg_dump.log"));
  ASSERT_TRUE((*holder)->ExecScript("COMMIT", deadline).ok());
  ASSERT_TRUE(load.WaitForAcks(load.AckedCount() + 300, absl::Seconds(30)));
  load.Stop();

  ASSERT_EQ(exit_code, 0) << ReadText(dir_.File("pg_dump.log"));
  EXPECT_EQ(load.Failures(), std::vector<std::string>{});
  EXPECT_GE(load.SentAfterSnapshot().size(), 500u);
  const ChangeLog live_log = ReadChangeLog(live.address());
  CheckRestoredCopy(RestoreDump(), before, live_log, load.SentAfterSnapshot());
}

}  // namespace
}  // namespace lookout
