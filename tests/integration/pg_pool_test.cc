// The PostgreSQL client layer against a real server: values in and out, migrations run by
// replicas starting together, unique-key races resolved by a second run, outages bounded by the
// deadline and recovered from, and no password in anything a log or a client sees.
#include "common/pg_pool.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/call_deadline.h"
#include "common/database_flags.h"
#include "gtest/gtest.h"
#include "tests/testing/postgres_server.h"

namespace lookout::pg {
namespace {

PoolOptions OptionsFor(const std::string& url, const std::string& schema = "test") {
  PoolOptions options;
  options.conninfo = url;
  options.schema = schema;
  options.size = 4;
  options.default_timeout = absl::Seconds(10);
  return options;
}

std::unique_ptr<Pool> MigratedPool(const std::string& url,
                                   const std::vector<Migration>& migrations) {
  auto pool = Pool::Create(OptionsFor(url));
  EXPECT_TRUE(pool.ok()) << pool.status();
  EXPECT_TRUE((*pool)->Migrate(migrations).ok());
  return std::move(*pool);
}

TEST(PgPoolTest, ValuesRoundTripInBinaryForm) {
  auto pool = MigratedPool(
      testing::NewTestDatabase(),
      {{1, "CREATE TABLE v (i int8, d float8, t text, b bytea, n float8, f bool)"}});
  const std::string bytes("a\0b\xff", 4);
  ASSERT_TRUE(pool->Run([&](Session& s) {
                    return s.Run("INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6)",
                                 Params()
                                     .Add(int64_t{-5000000000})
                                     .Add(-18.25)
                                     .Add("Cité Soleil")
                                     .AddBytes(bytes)
                                     .AddNull()
                                     .Add(true));
                  }).ok());
  ASSERT_TRUE(pool->Run([&](Session& s) -> absl::Status {
                    auto rows = s.Exec("SELECT i, d, t, b, n, f, 7::int4, 3::int2 FROM v");
                    if (!rows.ok()) return rows.status();
                    EXPECT_EQ(rows->rows(), 1);
                    EXPECT_EQ(rows->Int64(0, 0), -5000000000);
                    EXPECT_EQ(rows->Double(0, 1), -18.25);
                    EXPECT_EQ(rows->Bytes(0, 2), "Cité Soleil");
                    EXPECT_EQ(rows->Bytes(0, 3), bytes);
                    EXPECT_TRUE(rows->IsNull(0, 4));
                    EXPECT_EQ(rows->Int64(0, 5), 1);
                    EXPECT_EQ(rows->Int64(0, 6), 7);
                    EXPECT_EQ(rows->Int64(0, 7), 3);
                    return absl::OkStatus();
                  }).ok());
}

TEST(PgPoolTest, ArraysKeepQuotesBackslashesAndCommas) {
  auto pool = MigratedPool(testing::NewTestDatabase(), {});
  const std::vector<std::string> values = {"a\"b", "c\\d", "e,f", "{g}", "", "NULL"};
  ASSERT_TRUE(pool->Run([&](Session& s) -> absl::Status {
                    auto rows = s.Exec("SELECT unnest($1::text[])", Params().AddTextArray(values));
                    if (!rows.ok()) return rows.status();
                    EXPECT_EQ(rows->rows(), static_cast<int>(values.size()));
                    for (int i = 0; i < rows->rows(); ++i) {
                      EXPECT_FALSE(rows->IsNull(i, 0));
                      EXPECT_EQ(rows->Bytes(i, 0), values[i]);
                    }
                    auto ints = s.Exec("SELECT sum(x)::int8 FROM unnest($1::int8[]) x",
                                       Params().AddIntArray({1, -2, 40}));
                    if (!ints.ok()) return ints.status();
                    EXPECT_EQ(ints->Int64(0, 0), 39);
                    return absl::OkStatus();
                  }).ok());
}

TEST(PgPoolTest, ReplicasStartingTogetherApplyEachMigrationOnce) {
  const std::string url = testing::NewTestDatabase();
  // Not idempotent: a second run of migration 1 would fail on the existing table, and one of 2
  // would add a second row.
  const std::vector<Migration> migrations = {
      {1, "CREATE TABLE once (n int8)"},
      {2, "INSERT INTO once VALUES (1)"},
  };
  std::vector<std::thread> replicas;
  std::atomic<int> failures{0};
  for (int i = 0; i < 6; ++i) {
    replicas.emplace_back([&] {
      auto pool = Pool::Create(OptionsFor(url));
      if (!pool.ok() || !(*pool)->Migrate(migrations).ok()) ++failures;
    });
  }
  for (std::thread& replica : replicas) replica.join();
  EXPECT_EQ(failures.load(), 0);
  auto pool = MigratedPool(url, migrations);
  ASSERT_TRUE(pool->Run([](Session& s) -> absl::Status {
                    auto rows = s.Exec("SELECT count(*) FROM once");
                    if (!rows.ok()) return rows.status();
                    EXPECT_EQ(rows->Int64(0, 0), 1);
                    auto versions = s.Exec("SELECT count(*) FROM schema_migrations");
                    if (!versions.ok()) return versions.status();
                    EXPECT_EQ(versions->Int64(0, 0), 2);
                    return absl::OkStatus();
                  }).ok());
}

TEST(PgPoolTest, AUniqueKeyRaceRunsTheLoserAgainAndItSeesTheWinner) {
  const std::string url = testing::NewTestDatabase();
  auto pool = MigratedPool(url, {{1, "CREATE TABLE names (name text PRIMARY KEY, owner int8)"}});
  std::atomic<int> created{0}, found{0}, runs{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < 2; ++i) {
    writers.emplace_back([&, i] {
      absl::Status status = pool->Transaction([&](Session& s) -> absl::Status {
        ++runs;
        auto existing = s.Exec("SELECT owner FROM names WHERE name = $1", Params().Add("x"));
        if (!existing.ok()) return existing.status();
        if (existing->rows() > 0) {
          ++found;
          return absl::OkStatus();
        }
        // Both look before either writes.
        absl::SleepFor(absl::Milliseconds(200));
        absl::Status inserted =
            s.Run("INSERT INTO names VALUES ($1, $2)", Params().Add("x").Add(int64_t{i}));
        if (inserted.ok()) ++created;
        return inserted;
      });
      EXPECT_TRUE(status.ok()) << status;
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(found.load(), 1);
  EXPECT_EQ(runs.load(), 3);
}

TEST(PgPoolTest, AStoppedServerIsUnavailableWithinTheDeadlineAndRecoveredFrom) {
  testing::PostgresServer server;
  server.Start();
  auto pool = MigratedPool(server.Url(), {{1, "CREATE TABLE t (n int8)"}});
  // Four connections open and idle in the pool.
  std::vector<std::thread> users;
  for (int i = 0; i < 4; ++i) {
    users.emplace_back([&] {
      EXPECT_TRUE(pool->Run([](Session& s) { return s.Run("SELECT pg_sleep(0.2)"); }).ok());
    });
  }
  for (std::thread& user : users) user.join();

  server.Pause();
  {
    ScopedCallDeadline deadline(absl::Now() + absl::Milliseconds(500));
    const absl::Time start = absl::Now();
    absl::Status status = pool->Run([](Session& s) { return s.Run("SELECT 1"); });
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  }
  server.Resume();
  // The pooled connections died with the server; the first calls after it is back find that
  // out and go on with fresh ones instead of failing.
  EXPECT_TRUE(pool->Run([](Session& s) { return s.Run("SELECT 1"); }).ok());
  EXPECT_TRUE(pool->Transaction([](Session& s) { return s.Run("INSERT INTO t VALUES (2)"); }).ok());
}

TEST(PgPoolTest, ConnectionsTheServerClosedWhileIdleAreReplacedNotUsed) {
  testing::PostgresServer server;
  server.Start();
  auto pool = MigratedPool(server.Url(), {});
  // Four calls at once leave four idle connections in the pool.
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&] {
      EXPECT_TRUE(pool->Run([](Session& s) { return s.Run("SELECT pg_sleep(0.2)"); }).ok());
    });
  }
  for (std::thread& caller : callers) caller.join();
  // A restart no call went through: each pooled connection is closed by the old server.
  server.Pause();
  server.Resume();
  for (int call = 0; call < 6; ++call) {
    absl::Status status = pool->Run([](Session& s) { return s.Run("SELECT 1"); });
    EXPECT_TRUE(status.ok()) << "call " << call << ": " << status;
  }
}

TEST(PgPoolTest, AFrozenServerCostsTheDeadlineNotAHang) {
  testing::PostgresServer server;
  server.Start();
  auto pool = MigratedPool(server.Url(), {});
  ASSERT_TRUE(pool->Run([](Session& s) { return s.Run("SELECT 1"); }).ok());
  // The server accepts nothing and answers nothing, as a host lost behind a firewall would.
  server.Freeze();
  absl::Status status;
  absl::Duration took;
  {
    ScopedCallDeadline deadline(absl::Now() + absl::Milliseconds(700));
    const absl::Time start = absl::Now();
    status = pool->Run([](Session& s) { return s.Run("SELECT pg_sleep(0)"); });
    took = absl::Now() - start;
  }
  server.Thaw();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_LT(took, absl::Seconds(3));
}

// The privileges the README documents: CREATE on the database makes the schema at first start;
// without it, a schema an administrator created ahead and gave to the user is enough.
TEST(PgPoolTest, ASchemaMadeAheadNeedsNoCreateOnTheDatabase) {
  const std::string admin_url = testing::NewTestDatabase();
  const std::string database = admin_url.substr(admin_url.rfind('/') + 1);
  const std::string role = "r_" + database;  // roles are shared by the whole server
  auto admin = Pool::Create(OptionsFor(admin_url, "public"));
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE((*admin)
                  ->Run([&](Session& s) {
                    return s.ExecScript("CREATE ROLE " + role + " LOGIN; REVOKE ALL ON DATABASE " +
                                        database + " FROM PUBLIC; GRANT CONNECT ON DATABASE " +
                                        database + " TO " + role +
                                        "; CREATE SCHEMA made_ahead AUTHORIZATION " + role);
                  })
                  .ok());
  std::string user_url = admin_url;
  user_url.replace(user_url.find("postgres@"), 8, role);

  auto missing = Pool::Create(OptionsFor(user_url, "not_made"));
  ASSERT_TRUE(missing.ok());
  absl::Status refused = (*missing)->Migrate({{1, "CREATE TABLE t (x int)"}});
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("permission denied"), std::string::npos) << refused;

  auto pool = Pool::Create(OptionsFor(user_url, "made_ahead"));
  ASSERT_TRUE(pool.ok());
  ASSERT_TRUE((*pool)->Migrate({{1, "CREATE TABLE t (x int)"}}).ok());
  // Started again, it finds the schema and its version.
  ASSERT_TRUE((*pool)->Migrate({{1, "CREATE TABLE t (x int)"}}).ok());
  EXPECT_TRUE(
      (*pool)->Run([](Session& s) { return s.Run("INSERT INTO made_ahead.t VALUES (1)"); }).ok());
  EXPECT_TRUE((*admin)
                  ->Run([](Session& s) -> absl::Status {
                    auto rows = s.Exec(
                        "SELECT count(*)::int8 FROM pg_namespace "
                        "WHERE nspname = 'not_made'");
                    if (!rows.ok()) return rows.status();
                    EXPECT_EQ(rows->Int64(0, 0), 0);
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST(PgPoolTest, NoPasswordInDescriptionsOrErrors) {
  for (const std::string url :
       {"postgresql://lookout:s3cret-pw@127.0.0.1:1/lookout",
        "host=127.0.0.1 port=1 user=lookout password=s3cret-pw dbname=lookout"}) {
    const std::string described = DescribeConninfo(url);
    EXPECT_EQ(described.find("s3cret"), std::string::npos) << described;
    EXPECT_NE(described.find("dbname=lookout"), std::string::npos) << described;
    auto pool = Pool::Create(OptionsFor(url));
    ASSERT_TRUE(pool.ok());
    absl::Status status = (*pool)->Run([](Session& s) { return s.Run("SELECT 1"); });
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(status.ToString().find("s3cret"), std::string::npos) << status;
  }
  auto bad = Pool::Create(OptionsFor("postgresql://u:s3cret@host:notaport:x/db?bogus=1"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().ToString().find("s3cret"), std::string::npos) << bad.status();
}

TEST(PgPoolTest, ARefusedLoginStopsStartUpWhereAnOutageWaits) {
  const std::string url = testing::NewTestDatabase();
  // The same server, as a role it does not know, with a password it cannot check.
  const std::string stranger =
      "postgresql://nobody_here:s3cret-pw@" + url.substr(url.find('@') + 1);
  auto pool = Pool::Create(OptionsFor(stranger));
  ASSERT_TRUE(pool.ok());
  absl::Status status = (*pool)->Migrate({});
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(status.ToString().find("s3cret"), std::string::npos) << status;
  // A call at run time stays retryable.
  EXPECT_EQ((*pool)->Run([](Session& s) { return s.Run("SELECT 1"); }).code(),
            absl::StatusCode::kUnavailable);
  // Nobody listening at all is an outage: UNAVAILABLE, which start-up waits out.
  auto unreachable = Pool::Create(OptionsFor("postgresql://postgres@127.0.0.1:1/postgres"));
  ASSERT_TRUE(unreachable.ok());
  EXPECT_EQ((*unreachable)->Migrate({}).code(), absl::StatusCode::kUnavailable);
}

TEST(PgPoolTest, AListenerHearsNotificationsCommittedOnAnotherConnection) {
  auto pool = MigratedPool(testing::NewTestDatabase(), {});
  absl::Mutex mu;
  std::vector<std::string> heard;
  absl::Notification listening;
  ChannelListener listener(*pool, "test_channel", absl::Seconds(5),
                           [&](const std::string& payload) {
                             absl::MutexLock lock(&mu);
                             if (payload.empty()) {
                               if (!listening.HasBeenNotified()) listening.Notify();
                             } else {
                               heard.push_back(payload);
                             }
                           });
  ASSERT_TRUE(listening.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(pool->Transaction([](Session& s) {
                    return s.Run("SELECT pg_notify('test_channel', $1)", Params().Add("42"));
                  }).ok());
  absl::MutexLock lock(&mu);
  auto arrived = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return !heard.empty(); };
  ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&arrived), absl::Seconds(10)));
  EXPECT_EQ(heard.front(), "42");
}

}  // namespace
}  // namespace lookout::pg
