// The observation store under concurrency, on SQLite and on a real PostgreSQL: a reader paging
// while writers commit never passes an observation acknowledged before its last page; replicas
// racing one request_id write one observation; the page-token secret is one for all replicas;
// and a PostgreSQL server that goes away costs a call its deadline (UNAVAILABLE), after which the
// store recovers by itself.
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
#include "services/stats/observation_store_factory.h"
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
        absl::StatusOr<Observation> stored = store.Record(Stored(id, i), "", "");
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
        results[r] = store.Record(mine, request_id, hash);
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
    ASSERT_TRUE(store->Record(o, "", "").ok());
  }
  Observation march = Stored("obs_march");
  march.mutable_period()->set_start_date("2024-03-01");
  march.mutable_period()->set_end_date("2024-03-31");
  ASSERT_TRUE(store->Record(march, "", "").ok());
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
    ASSERT_TRUE(store->Record(Stored(id), "", "").ok());
  }
  auto first = store->List({}, 0, 1);
  ASSERT_TRUE(first.ok() && first->next_after.has_value());
  auto second = store->List({}, *first->next_after, 1);
  ASSERT_TRUE(second.ok() && second->next_after.has_value());
  ASSERT_EQ(second->observations.size(), 1u);
  EXPECT_EQ(second->observations[0].id(), "obs_b");
  // A client holds a cursor after obs_b; the newest rows go, and a new one arrives.
  EXPECT_TRUE(*store->Delete("obs_c"));
  EXPECT_TRUE(*store->Delete("obs_b"));
  EXPECT_FALSE(*store->Delete("obs_b"));
  ASSERT_TRUE(store->Record(Stored("obs_d"), "", "").ok());
  auto rest = store->List({}, *second->next_after, 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->observations.size(), 1u);
  EXPECT_EQ(rest->observations[0].id(), "obs_d");
  EXPECT_FALSE(rest->next_after.has_value());
  EXPECT_FALSE(store->Get("obs_b")->has_value());
  EXPECT_EQ((*store->Get("obs_d"))->id(), "obs_d");
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
  ASSERT_TRUE((*store)->Record(Stored("obs_before"), "req-before", "h").ok());

  server.Pause();
  for (int call = 0; call < 3; ++call) {
    ScopedCallDeadline deadline(absl::Now() + absl::Milliseconds(500));
    const absl::Time start = absl::Now();
    absl::Status status;
    if (call == 0) status = (*store)->Record(Stored("obs_during"), "req-during", "h").status();
    if (call == 1) status = (*store)->Get("obs_before").status();
    if (call == 2) status = (*store)->List({}, 0, 10).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << call << ": " << status;
    EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << call;
  }
  server.Resume();

  // Each pooled connection that died with the server fails once; then calls succeed again.
  absl::StatusOr<Observation> after = absl::UnknownError("not tried");
  for (int attempt = 0; attempt <= options.size && !after.ok(); ++attempt) {
    after = (*store)->Record(Stored("obs_after"), "req-after", "h");
  }
  ASSERT_TRUE(after.ok()) << after.status();
  // What failed during the outage wrote nothing: its request_id is free for a new payload.
  ASSERT_TRUE((*store)->Record(Stored("obs_retried"), "req-during", "other").ok());
  std::vector<std::string> ids;
  auto page = (*store)->List({}, 0, 10);
  ASSERT_TRUE(page.ok()) << page.status();
  for (const Observation& o : page->observations) ids.push_back(o.id());
  EXPECT_EQ(ids, (std::vector<std::string>{"obs_before", "obs_after", "obs_retried"}));
}

}  // namespace
}  // namespace lookout::stats
