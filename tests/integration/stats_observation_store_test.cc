// The observation store under concurrency, on SQLite and on a real PostgreSQL: a reader paging
// while writers commit never passes an observation acknowledged before its last page; replicas
// racing one request_id write one observation; the page-token secret is one for all replicas;
// and a PostgreSQL server that goes away costs a call its deadline (UNAVAILABLE), after which the
// store recovers by itself. The change log (issue 26): who recorded and deleted what, with both
// states; and a database the version-1 store wrote keeps every observation when migrated.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/call_deadline.h"
#include "common/pg_pool.h"
#include "common/sqlite_db.h"
#include "services/stats/observation_store_factory.h"
#include "services/stats/postgres_observation_store.h"
#include "services/stats/sqlite_observation_store.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/stats_observations.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Observation;
using ::lookout::testing::StoreBackend;

// What ObservationManager hands the store: an observation with its id and create_time set.
Observation Stored(const std::string& id, int64_t best = 100) {
  Observation o = testing::Killed("UN", best);
  o.set_id(id);
  o.mutable_create_time()->set_seconds(1700000000);
  return o;
}

// Who the store is told made a change (the manager fills it in from the call).
const ChangeAuthor kAuthor{"tester", "req-log", "", 1700000000000000};

class ObservationStoreTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    location_ = lookout::testing::TestStoreLocation(GetParam(), dir_.File("stats.db"), "stats");
  }

  std::unique_ptr<ObservationStore> Open() {
    auto store = OpenObservationStore(location_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Replicas on one database. The SQLite file belongs to one process: its "replicas" are one
  // store shared by every writer thread.
  std::vector<std::unique_ptr<ObservationStore>> OpenReplicas(int count) {
    std::vector<std::unique_ptr<ObservationStore>> replicas;
    const int opened = GetParam() == StoreBackend::kPostgres ? count : 1;
    for (int i = 0; i < opened; ++i) replicas.push_back(Open());
    return replicas;
  }

  // Every observation's id, in creation order, through pages of `page_size`.
  static std::vector<std::string> ListIds(ObservationStore& store, int page_size = 1000) {
    std::vector<std::string> ids;
    int64_t after = 0;
    while (true) {
      absl::StatusOr<ObservationPage> page = store.List({}, after, page_size);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const Observation& o : page->observations) ids.push_back(o.id());
      if (!page->next_after.has_value()) break;
      after = *page->next_after;
    }
    return ids;
  }

  lookout::testing::TempDir dir_;
  StoreLocation location_;
};

TEST_P(ObservationStoreTest, APagingReaderNeverPassesAnAcknowledgedObservation) {
  constexpr int kWriters = 8;
  constexpr int kPerWriter = 100;
  auto replicas = OpenReplicas(2);
  absl::Mutex mu;
  std::vector<std::string> acknowledged;  // in acknowledgement order
  std::atomic<int> writers_left{kWriters};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      ObservationStore& store = *replicas[w % replicas.size()];
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string id = absl::StrCat("obs_w", w, "_", i);
        absl::StatusOr<Observation> stored = store.Record(Stored(id, i), "", "", kAuthor);
        EXPECT_TRUE(stored.ok()) << stored.status();
        absl::MutexLock lock(&mu);
        acknowledged.push_back(id);
      }
      --writers_left;
    });
  }
  // A reader following the writers in small pages, as a client paging to the end and asking
  // again would. Positions that committed out of order would let a page resume after an
  // observation that commits later with a lower position, so that no page ever returns it
  // although it was acknowledged before the reader reached the end.
  ObservationStore& reader = *replicas.back();
  std::set<std::string> seen;
  size_t verified = 0;  // acknowledged[0, verified) are known to be in `seen`
  int64_t after = 0;
  int ends = 0;
  while (true) {
    const bool writing = writers_left.load() > 0;
    size_t acknowledged_before_page = 0;
    {
      absl::MutexLock lock(&mu);
      acknowledged_before_page = acknowledged.size();
    }
    absl::StatusOr<ObservationPage> page = reader.List({}, after, 3);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Observation& o : page->observations) seen.insert(o.id());
    if (page->next_after.has_value()) {
      after = *page->next_after;
      continue;
    }
    // The last page (read again next time, as it has no cursor past it).
    ++ends;
    absl::MutexLock lock(&mu);
    for (; verified < acknowledged_before_page; ++verified) {
      ASSERT_EQ(seen.count(acknowledged[verified]), 1u)
          << acknowledged[verified] << " was acknowledged before the reader's last page " << ends;
    }
    if (!writing) break;
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_GT(ends, 1);
  EXPECT_EQ(ListIds(reader).size(), static_cast<size_t>(kWriters * kPerWriter));
}

TEST_P(ObservationStoreTest, ReplicasRacingOneRequestIdWriteOneObservation) {
  constexpr int kRacers = 8;
  constexpr int kRounds = 10;
  auto replicas = OpenReplicas(2);
  for (int round = 0; round < kRounds; ++round) {
    const std::string request_id = absl::StrCat("req-", round);
    // Even rounds: the same payload from every racer (all get the winner's observation). Odd:
    // a payload of each racer's own (one wins, the others are ALREADY_EXISTS).
    const bool same_payload = round % 2 == 0;
    absl::Barrier* start = new absl::Barrier(kRacers);
    std::vector<absl::StatusOr<Observation>> results(kRacers, absl::UnknownError("not run"));
    std::vector<std::thread> racers;
    for (int r = 0; r < kRacers; ++r) {
      racers.emplace_back([&, r] {
        ObservationStore& store = *replicas[r % replicas.size()];
        const Observation mine = Stored(absl::StrCat("obs_", round, "_", r), r);
        const std::string hash = same_payload ? "same" : absl::StrCat("payload-", r);
        if (start->Block()) delete start;
        results[r] = store.Record(mine, request_id, hash, kAuthor);
      });
    }
    for (std::thread& racer : racers) racer.join();
    std::set<std::string> ids;
    int ok = 0;
    for (const auto& result : results) {
      if (result.ok()) {
        ++ok;
        ids.insert(result->id());
      } else {
        EXPECT_EQ(result.status().code(), absl::StatusCode::kAlreadyExists) << result.status();
      }
    }
    EXPECT_EQ(ids.size(), 1u) << "round " << round;
    EXPECT_EQ(ok, same_payload ? kRacers : 1) << "round " << round;
  }
  EXPECT_EQ(ListIds(*replicas.front()).size(), static_cast<size_t>(kRounds));
}

TEST_P(ObservationStoreTest, EveryReplicaAndRestartKeysPageTokensWithOneSecret) {
  auto replicas = OpenReplicas(3);
  const std::string secret = replicas.front()->page_token_secret();
  EXPECT_GE(secret.size(), 32u);
  for (const auto& replica : replicas) EXPECT_EQ(replica->page_token_secret(), secret);
  replicas.clear();
  EXPECT_EQ(Open()->page_token_secret(), secret);
}

TEST_P(ObservationStoreTest, FiltersOverlapPeriodsAndCompareTextByteWise) {
  auto store = Open();
  // Differ only in case or accents: a linguistic collation might fold or order them together.
  const std::vector<std::string> sources = {"UN", "un", "Ün", "UN "};
  for (size_t i = 0; i < sources.size(); ++i) {
    Observation o = Stored(absl::StrCat("obs_", i));
    o.mutable_source()->set_name(sources[i]);
    ASSERT_TRUE(store->Record(o, "", "", kAuthor).ok());
  }
  Observation march = Stored("obs_march");
  march.mutable_period()->set_start_date("2024-03-01");
  march.mutable_period()->set_end_date("2024-03-31");
  ASSERT_TRUE(store->Record(march, "", "", kAuthor).ok());
  for (const std::string& source : sources) {
    ObservationFilter filter;
    filter.source_name = source;
    auto page = store->List(filter, 0, 10);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->observations.size(), source == "UN" ? 2u : 1u) << "'" << source << "'";
  }
  ObservationFilter filter;
  filter.country_code = "hti";
  EXPECT_TRUE(store->List(filter, 0, 10)->observations.empty());
  // January 31 is the last day of the January figures; March 1 the first of March's.
  filter.country_code = "HTI";
  filter.first_day = 19753;  // 2024-01-31
  filter.last_day = 19783;   // 2024-03-01
  EXPECT_EQ(store->List(filter, 0, 10)->observations.size(), 5u);
  filter.first_day = 19754;  // 2024-02-01
  EXPECT_EQ(store->List(filter, 0, 10)->observations.size(), 1u);
  filter.last_day = 19782;  // 2024-02-29
  EXPECT_TRUE(store->List(filter, 0, 10)->observations.empty());
}

TEST_P(ObservationStoreTest, DeletedPositionsAreNeverHandedOutAgain) {
  auto store = Open();
  for (const char* id : {"obs_a", "obs_b", "obs_c"}) {
    ASSERT_TRUE(store->Record(Stored(id), "", "", kAuthor).ok());
  }
  auto first = store->List({}, 0, 1);
  ASSERT_TRUE(first.ok() && first->next_after.has_value());
  auto second = store->List({}, *first->next_after, 1);
  ASSERT_TRUE(second.ok() && second->next_after.has_value());
  ASSERT_EQ(second->observations.size(), 1u);
  EXPECT_EQ(second->observations[0].id(), "obs_b");
  // A client holds a cursor after obs_b; the newest rows go, and a new one arrives.
  EXPECT_TRUE(*store->Delete("obs_c", kAuthor));
  EXPECT_TRUE(*store->Delete("obs_b", kAuthor));
  EXPECT_FALSE(*store->Delete("obs_b", kAuthor));
  ASSERT_TRUE(store->Record(Stored("obs_d"), "", "", kAuthor).ok());
  auto rest = store->List({}, *second->next_after, 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->observations.size(), 1u);
  EXPECT_EQ(rest->observations[0].id(), "obs_d");
  EXPECT_FALSE(rest->next_after.has_value());
  EXPECT_FALSE(store->Get("obs_b")->has_value());
  EXPECT_EQ((*store->Get("obs_d"))->id(), "obs_d");
}

TEST_P(ObservationStoreTest, TheChangeLogKeepsWhoRecordedAndDeletedAndBothStates) {
  auto store = Open();
  const ChangeAuthor recorder{"editor", "req-1", "field report", 1700000000000001};
  const ChangeAuthor deleter{"admin", "req-2", "duplicate", 1700000000000002};
  ASSERT_TRUE(store->Record(Stored("obs_h", 42), "idem-1", "hash", recorder).ok());
  // A retry of the same request writes nothing, so it logs no second change.
  ASSERT_TRUE(store->Record(Stored("obs_retry", 42), "idem-1", "hash", deleter).ok());
  ASSERT_TRUE(store->Record(Stored("obs_unrelated"), "", "", kAuthor).ok());
  ASSERT_TRUE(*store->Delete("obs_h", deleter));
  // Deleting what is not there logs nothing.
  EXPECT_FALSE(*store->Delete("obs_h", deleter));

  absl::StatusOr<std::vector<ObservationChange>> changes = store->Changes("obs_h", 0, 10);
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 2u);
  const ObservationChange& deleted = (*changes)[0];
  const ObservationChange& created = (*changes)[1];
  EXPECT_GT(deleted.sequence, created.sequence);
  EXPECT_EQ(deleted.type, event::v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(deleted.author.principal, "admin");
  EXPECT_EQ(deleted.author.request_id, "req-2");
  EXPECT_EQ(deleted.author.reason, "duplicate");
  EXPECT_EQ(deleted.author.time_micros, 1700000000000002);
  ASSERT_TRUE(deleted.before.has_value());
  EXPECT_EQ(deleted.before->SerializeAsString(), Stored("obs_h", 42).SerializeAsString());
  EXPECT_FALSE(deleted.after.has_value());
  EXPECT_EQ(created.type, event::v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(created.author.principal, "editor");
  EXPECT_EQ(created.author.request_id, "req-1");
  EXPECT_EQ(created.author.reason, "field report");
  EXPECT_EQ(created.author.time_micros, 1700000000000001);
  EXPECT_FALSE(created.before.has_value());
  ASSERT_TRUE(created.after.has_value());
  EXPECT_EQ(created.after->SerializeAsString(), Stored("obs_h", 42).SerializeAsString());

  // Pages: below a sequence, at most `limit`, newest first.
  auto newest = store->Changes("obs_h", 0, 1);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ(newest->front().sequence, deleted.sequence);
  auto older = store->Changes("obs_h", deleted.sequence, 10);
  ASSERT_TRUE(older.ok());
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ(older->front().sequence, created.sequence);
  EXPECT_TRUE(store->Changes("obs_h", created.sequence, 10)->empty());
  EXPECT_TRUE(store->Changes("obs_retry", 0, 10)->empty());
  EXPECT_TRUE(store->Changes("obs_missing", 0, 10)->empty());
  EXPECT_EQ(store->Changes("obs_unrelated", 0, 10)->size(), 1u);
}

// Writes `observations` (and a request_id for the first) the way the version-1 store did, in a
// database that has only the version-1 schema.
void WriteVersion1(const StoreLocation& location, const std::vector<Observation>& observations) {
  if (location.postgres.has_value()) {
    auto pool = pg::Pool::Create(*location.postgres);
    ASSERT_TRUE(pool.ok()) << pool.status();
    ASSERT_TRUE((*pool)->Migrate({PostgresObservationStore::Migrations().front()}).ok());
    absl::Status written = (*pool)->Transaction([&](pg::Session& s) -> absl::Status {
      int64_t pos = 0;
      for (const Observation& o : observations) {
        ++pos;
        absl::Status inserted = s.Run(
            "INSERT INTO observations (pos, id, metric, country_code, admin1, source_name, "
            "start_day, end_day, proto) VALUES ($1, $2, 1, 'HTI', '', 'UN', 19723, 19753, $3)",
            pg::Params().Add(pos).Add(o.id()).AddBytes(o.SerializeAsString()));
        if (!inserted.ok()) return inserted;
      }
      absl::Status counted = s.Run("UPDATE observation_positions SET last = $1",
                                   pg::Params().Add(pos));
      if (!counted.ok()) return counted;
      return s.Run("INSERT INTO request_ids (request_id, payload_hash, proto) VALUES ($1, $2, $3)",
                   pg::Params().Add("req-old").Add("h-old").AddBytes(
                       observations.front().SerializeAsString()));
    });
    ASSERT_TRUE(written.ok()) << written;
    return;
  }
  SqliteDatabase::Options options;
  options.path = location.sqlite_path;
  auto db = SqliteDatabase::Open(options, {SqliteObservationStore::Migrations().front()});
  ASSERT_TRUE(db.ok()) << db.status();
  absl::Status written = (*db)->Write([&](SqliteConnection& c) -> absl::Status {
    for (const Observation& o : observations) {
      auto insert = c.Prepare(
          "INSERT INTO observations (id, metric, country_code, admin1, source_name, start_day, "
          "end_day, proto) VALUES (?1, 1, 'HTI', '', 'UN', 19723, 19753, ?2)");
      if (!insert.ok()) return insert.status();
      insert->Bind(1, o.id()).BindBlob(2, o.SerializeAsString());
      if (absl::Status s = insert->Run(); !s.ok()) return s;
    }
    auto remember = c.Prepare(
        "INSERT INTO request_ids (request_id, payload_hash, proto) "
        "VALUES ('req-old', 'h-old', ?1)");
    if (!remember.ok()) return remember.status();
    remember->BindBlob(1, observations.front().SerializeAsString());
    return remember->Run();
  });
  ASSERT_TRUE(written.ok()) << written;
}

// Issue 26: the store of version 1 had no change log. Migrated, it keeps every observation (and
// its request_ids), gives each a CREATED revision with no author or time (unknown), and logs
// the changes made from then on; opening it again migrates nothing twice.
TEST_P(ObservationStoreTest, MigrationFromVersion1KeepsEveryObservation) {
  const std::vector<Observation> old = {Stored("obs_old_a", 7), Stored("obs_old_b", 8)};
  WriteVersion1(location_, old);
  if (HasFatalFailure()) return;
  auto store = Open();
  ASSERT_NE(store, nullptr);
  for (const Observation& o : old) {
    auto got = store->Get(o.id());
    ASSERT_TRUE(got.ok() && got->has_value()) << o.id();
    EXPECT_EQ((*got)->SerializeAsString(), o.SerializeAsString());
    auto changes = store->Changes(o.id(), 0, 10);
    ASSERT_TRUE(changes.ok()) << changes.status();
    ASSERT_EQ(changes->size(), 1u) << o.id();
    const ObservationChange& created = changes->front();
    EXPECT_EQ(created.type, event::v1::CHANGE_TYPE_CREATED);
    EXPECT_EQ(created.author.principal, "");
    EXPECT_EQ(created.author.time_micros, 0);
    EXPECT_FALSE(created.before.has_value());
    ASSERT_TRUE(created.after.has_value());
    EXPECT_EQ(created.after->SerializeAsString(), o.SerializeAsString());
  }
  EXPECT_EQ(ListIds(*store), (std::vector<std::string>{"obs_old_a", "obs_old_b"}));
  // The old request_id still answers with its first result.
  auto retried = store->Record(Stored("obs_new_try"), "req-old", "h-old", kAuthor);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->id(), "obs_old_a");
  // New changes are logged, after the backfilled ones, and positions keep counting.
  ASSERT_TRUE(store->Record(Stored("obs_new"), "", "", kAuthor).ok());
  ASSERT_TRUE(*store->Delete("obs_old_b", kAuthor));
  auto changes = store->Changes("obs_old_b", 0, 10);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].type, event::v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ((*changes)[0].author.principal, "tester");
  EXPECT_EQ(ListIds(*store), (std::vector<std::string>{"obs_old_a", "obs_new"}));
  store.reset();
  store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Changes("obs_old_a", 0, 10)->size(), 1u);
  EXPECT_EQ(store->Changes("obs_new", 0, 10)->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ObservationStoreTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

TEST(PostgresObservationStoreTest, AStoppedServerIsUnavailableWithinTheDeadlineThenRecovered) {
  lookout::testing::PostgresServer server;
  server.Start();
  StoreLocation location;
  pg::PoolOptions options;
  options.conninfo = server.Url();
  options.schema = "stats";
  options.size = 2;
  location.postgres = options;
  auto store = OpenObservationStore(location);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Record(Stored("obs_before"), "req-before", "h", kAuthor).ok());

  server.Pause();
  for (int call = 0; call < 3; ++call) {
    ScopedCallDeadline deadline(absl::Now() + absl::Milliseconds(500));
    const absl::Time start = absl::Now();
    absl::Status status;
    if (call == 0) {
      status = (*store)->Record(Stored("obs_during"), "req-during", "h", kAuthor).status();
    }
    if (call == 1) status = (*store)->Get("obs_before").status();
    if (call == 2) status = (*store)->List({}, 0, 10).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << call << ": " << status;
    EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << call;
  }
  server.Resume();

  // Each pooled connection that died with the server fails once; then calls succeed again.
  absl::StatusOr<Observation> after = absl::UnknownError("not tried");
  for (int attempt = 0; attempt <= options.size && !after.ok(); ++attempt) {
    after = (*store)->Record(Stored("obs_after"), "req-after", "h", kAuthor);
  }
  ASSERT_TRUE(after.ok()) << after.status();
  // What failed during the outage wrote nothing: its request_id is free for a new payload.
  ASSERT_TRUE((*store)->Record(Stored("obs_retried"), "req-during", "other", kAuthor).ok());
  std::vector<std::string> ids;
  auto page = (*store)->List({}, 0, 10);
  ASSERT_TRUE(page.ok()) << page.status();
  for (const Observation& o : page->observations) ids.push_back(o.id());
  EXPECT_EQ(ids, (std::vector<std::string>{"obs_before", "obs_after", "obs_retried"}));
}

}  // namespace
}  // namespace lookout::stats
