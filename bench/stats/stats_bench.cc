// lookout-stats-bench: the stats service's read model against SQLite GROUP BY, in one run.
//
//   (a) AggregateEvents latency (p50/p99, through a real gRPC server and client, Redis cache
//       off) for month x event_type in one country over two years, country x year over
//       everything, and the top 20 actors in one country;
//   (b) the same questions asked of SQLite with GROUP BY over the same rows, with covering
//       indexes for each query, as the baseline, and the ratio;
//   (c) the read model's memory per event (RSS growth while it is filled / events);
//   (d) the time to rebuild the read model from sequence 0: in process, and end to end through
//       the event service's WatchEvents from its own SQLite change log;
//   (e) the read-model snapshot: its size, the time to write and to load it, and end to end a
//       restart from it (load, then catch up through WatchEvents).
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bench/stats/synthetic_events.h"
#include "common/call_context.h"
#include "common/server_runner.h"
#include "common/validation.h"
#include "services/event/actor_checker.h"
#include "services/event/change_feed.h"
#include "services/event/change_notifier.h"
#include "services/event/event_cache.h"
#include "services/event/event_importer.h"
#include "services/event/event_manager.h"
#include "services/event/event_service.h"
#include "services/event/sqlite_event_store.h"
#include "services/stats/backend_channel.h"
#include "services/stats/event_stats.h"
#include "services/stats/feed_follower.h"
#include "services/stats/observation_manager.h"
#include "services/stats/read_model.h"
#include "services/stats/read_model_snapshot.h"
#include "services/stats/sqlite_observation_store.h"
#include "services/stats/stats_service.h"
#include "services/stats/time_buckets.h"

ABSL_FLAG(int, events, 1000000, "synthetic events to load");
ABSL_FLAG(int, actors, lookout::stats::bench::kActorCount,
          "distinct actors the events draw from (the scale benchmark uses 20000)");
ABSL_FLAG(uint64_t, seed, 20240301, "generator seed (same seed, same events)");
ABSL_FLAG(std::string, work_dir, "", "directory for the SQLite files (default: a temp dir)");
ABSL_FLAG(int, iterations, 200, "timed AggregateEvents calls per query");
ABSL_FLAG(int, baseline_iterations, 20, "timed SQLite runs per query");
ABSL_FLAG(std::string, event_db, "",
          "event service database for the end-to-end rebuild; one holding the same events (same "
          "--events and --seed, from an earlier run) is reused instead of loaded again");
ABSL_FLAG(bool, only_rebuild, false, "skip (a)-(c): only the end-to-end rebuild");
ABSL_FLAG(bool, rebuild_through_event_service, true,
          "also load the events into an event service store and time a rebuild through "
          "WatchEvents (the slow part of the run: the load itself)");
ABSL_FLAG(double, source_share, 0,
          "share of the events (0 to 1) that carry source attributes (a third each ACLED, UCDP, "
          "GDELT); above 0 two questions on the source dimensions are added");

namespace lookout::stats::bench {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::event::v1::WatchEventsResponse;
using ::lookout::stats::v1::AggregateEventsRequest;

constexpr char kToken[] = "bench-token";
constexpr char kRangeStart[] = "2023-01-01";
constexpr char kRangeEnd[] = "2024-12-31";

int64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

struct Latency {
  double p50_ms = 0;
  double p99_ms = 0;
};

Latency Percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())))];
  };
  return {at(0.50), at(0.99)};
}

struct Question {
  std::string name;
  AggregateEventsRequest request;
  std::string sql;
  std::vector<std::string> text_params;  // bound as ?1, ?2, ...
  std::vector<int64_t> int_params;       // bound after the text ones
  int count_column = 2;                  // the SQL's count(*) column, counted from 0
};

// The baseline database: the same rows, an integer key, day numbers, month and year columns,
// distinct actors per event, and a covering index for each question.
class Baseline {
 public:
  explicit Baseline(const std::string& path) {
    std::filesystem::remove(path);
    sqlite3_open(path.c_str(), &db_);
    Exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;");
    Exec(
        "CREATE TABLE events (pk INTEGER PRIMARY KEY, event_day INTEGER, end_day INTEGER,"
        " month INTEGER, year INTEGER, country TEXT, admin1 TEXT, event_type INTEGER,"
        " sub_event_type TEXT, fatalities INTEGER, disorder TEXT, conflict TEXT);"
        "CREATE TABLE event_actors (event_pk INTEGER, actor_id TEXT,"
        " PRIMARY KEY (event_pk, actor_id)) WITHOUT ROWID;"
        "BEGIN;");
    sqlite3_prepare_v2(db_, "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                       &insert_event_, nullptr);
    sqlite3_prepare_v2(db_, "INSERT OR IGNORE INTO event_actors VALUES (?,?)", -1, &insert_actor_,
                       nullptr);
  }
  ~Baseline() { sqlite3_close(db_); }

  void Add(int64_t pk, const Event& e) {
    const int32_t day = *validation::ParseDate(e.event_date());
    const int32_t end = e.end_date().empty() ? day : *validation::ParseDate(e.end_date());
    sqlite3_bind_int64(insert_event_, 1, pk);
    sqlite3_bind_int64(insert_event_, 2, day);
    sqlite3_bind_int64(insert_event_, 3, end);
    sqlite3_bind_int64(insert_event_, 4, TimeBucket(v1::DIMENSION_MONTH, day));
    sqlite3_bind_int64(insert_event_, 5, TimeBucket(v1::DIMENSION_YEAR, day));
    sqlite3_bind_text(insert_event_, 6, e.location().country_code().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_event_, 7, e.location().admin1().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert_event_, 8, e.event_type());
    sqlite3_bind_text(insert_event_, 9, e.sub_event_type().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert_event_, 10, e.fatalities());
    // The keys the source dimensions give: "" for another source or an unset value.
    sqlite3_bind_text(insert_event_, 11, e.has_acled() ? e.acled().disorder_type().c_str() : "",
                      -1, SQLITE_TRANSIENT);
    const std::string conflict = e.has_ucdp() && e.ucdp().conflict_id() != 0
                                     ? absl::StrCat(e.ucdp().conflict_id())
                                     : "";
    sqlite3_bind_text(insert_event_, 12, conflict.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(insert_event_);
    sqlite3_reset(insert_event_);
    for (const auto& p : e.participants()) {
      sqlite3_bind_int64(insert_actor_, 1, pk);
      sqlite3_bind_text(insert_actor_, 2, p.actor_id().c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_step(insert_actor_);
      sqlite3_reset(insert_actor_);
    }
  }

  void Finish() {
    sqlite3_finalize(insert_event_);
    sqlite3_finalize(insert_actor_);
    Exec(
        "COMMIT;"
        // Question 1: country, then the date range, covering the grouped and summed columns.
        "CREATE INDEX events_q1 ON events(country, event_day, end_day, month, event_type,"
        " fatalities);"
        // Question 2: a covering index already in GROUP BY order (no sort step).
        "CREATE INDEX events_q2 ON events(country, year, fatalities);"
        // Question 3: actors by event (the primary key) and events by country (events_q2).
        // Questions 4 and 5 (source dimensions): covering indexes in GROUP BY order.
        "CREATE INDEX events_q4 ON events(disorder, year, fatalities);"
        "CREATE INDEX events_q5 ON events(conflict, fatalities);"
        "ANALYZE;");
  }

  // Runs `sql` once; returns the sum of its count column so answers can be compared.
  int64_t Run(const Question& q) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db_, q.sql.c_str(), -1, &stmt, nullptr);
    int index = 1;
    for (const std::string& t : q.text_params) {
      sqlite3_bind_text(stmt, index++, t.c_str(), -1, SQLITE_TRANSIENT);
    }
    for (int64_t v : q.int_params) sqlite3_bind_int64(stmt, index++, v);
    int64_t total = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) total += sqlite3_column_int64(stmt, q.count_column);
    sqlite3_finalize(stmt);
    return total;
  }

 private:
  void Exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::cerr << "baseline: " << error << "\n";
      std::exit(1);
    }
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_event_ = nullptr;
  sqlite3_stmt* insert_actor_ = nullptr;
};

ServerOptions LocalServer() {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.metrics_port = -1;
  options.reflection = false;
  options.drain_grace = absl::Milliseconds(200);
  return options;
}

// An event service on the given store, enough to serve WatchEvents.
struct EventServer {
  explicit EventServer(event::SqliteEventStore* store)
      : notifier(*store->HeadSequence()),
        actors(grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()), nullptr, {}),
        cache(nullptr),
        manager(store, &actors, &cache),
        importer(store, &actors, &cache),
        feed(store, &notifier),
        auth(kToken),
        service(&auth, &manager, &importer, &feed),
        runner(LocalServer()) {
    runner.AddService(&service, event::kEventServiceName);
    if (!runner.Start().ok()) std::exit(1);
  }
  event::ChangeNotifier notifier;
  event::GrpcActorChecker actors;
  event::EventCache cache;
  event::EventManager manager;
  event::EventImporter importer;
  event::ChangeFeed feed;
  InternalAuth auth;
  event::EventServiceImpl service;
  ServerRunner runner;
};

// (d) end to end: the same events in an event service store, then a fresh read model
// following WatchEvents from sequence 0 until caught up. False when the counts differ.
bool RebuildEndToEnd(int n, uint64_t seed, const std::string& work_dir) {
  const std::string event_db = absl::GetFlag(FLAGS_event_db).empty()
                                   ? work_dir + "/event.db"
                                   : absl::GetFlag(FLAGS_event_db);
  std::unique_ptr<event::SqliteEventStore> store;
  {
    auto opened = event::SqliteEventStore::Open(event_db);
    if (opened.ok() && *(*opened)->HeadSequence() == n) {
      store = std::move(*opened);
      std::cout << "  (reusing " << event_db << ")\n";
    }
  }
  if (store == nullptr) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(event_db + suffix);
    auto opened = event::SqliteEventStore::Open(event_db);
    if (!opened.ok()) {
      std::cerr << opened.status() << "\n";
      return false;
    }
    store = std::move(*opened);
  }
  if (*store->HeadSequence() != n) {
    std::cout << "loading the event service's store...\n" << std::flush;
    SyntheticEvents generator(seed, SyntheticEvents::SyntheticActorIds(absl::GetFlag(FLAGS_actors)));
    generator.set_source_share(absl::GetFlag(FLAGS_source_share));
    const absl::Time load_start = absl::Now();
    for (int done = 0; done < n;) {
      const int end = std::min(n, done + 5000);
      std::vector<Event> rows;
      for (int i = done; i < end; ++i) rows.push_back(generator.Next());
      absl::Status status = store->Write([&](event::EventTransaction& tx) -> absl::Status {
        for (Event& row : rows) {
          absl::Status applied = tx.Apply(event::v1::CHANGE_TYPE_CREATED, std::move(row)).status();
          if (!applied.ok()) return applied;
        }
        return absl::OkStatus();
      });
      if (!status.ok()) {
        std::cerr << status << "\n";
        return false;
      }
      done = end;
    }
    std::cout << absl::StrFormat("  (loaded in %.1f s)\n",
                                 absl::ToDoubleSeconds(absl::Now() - load_start));
  }
  EventServer event_server(store.get());
  auto event_stub = event::v1::EventService::NewStub(
      CreateBackendChannel(absl::StrCat("127.0.0.1:", event_server.runner.port())));
  ReadModel rebuilt;
  FeedOptions feed;
  feed.internal_token = kToken;
  absl::Notification caught_up;
  const absl::Time rebuild_start = absl::Now();
  FeedFollower follower(event_stub.get(), &rebuilt, feed, [&] { caught_up.Notify(); });
  follower.Start();
  caught_up.WaitForNotification();
  const double rebuild_seconds = absl::ToDoubleSeconds(absl::Now() - rebuild_start);
  follower.Stop();
  const bool same = rebuilt.Read([](const EventColumns& c, int64_t) { return c.live_count(); }) ==
                    static_cast<size_t>(n);
  std::cout << absl::StrFormat(
      "(d) rebuild from sequence 0 through WatchEvents: %.2f s for %d events (target < 10 s) "
      "%s%s\n",
      rebuild_seconds, n, rebuild_seconds < 10 ? "OK" : "MISSED",
      same ? "" : " (event count differs!)");

  // (e) a restart from a snapshot: what the binary does between start-up and SERVING.
  const std::string snapshot = work_dir + "/read_model.snapshot";
  if (!WriteSnapshot(rebuilt, snapshot).ok()) return false;
  ReadModel restarted;
  absl::Notification restarted_caught_up;
  const absl::Time restart_start = absl::Now();
  absl::StatusOr<SnapshotInfo> loaded = LoadSnapshot(snapshot, &restarted);
  const double load_seconds = absl::ToDoubleSeconds(absl::Now() - restart_start);
  FeedFollower restart_follower(event_stub.get(), &restarted, feed,
                                [&] { restarted_caught_up.Notify(); });
  restart_follower.Start();
  restarted_caught_up.WaitForNotification();
  const double restart_seconds = absl::ToDoubleSeconds(absl::Now() - restart_start);
  restart_follower.Stop();
  event_server.runner.Stop();
  const bool restored = loaded.ok() && restart_follower.rebuilds() == 0 &&
                        restarted.applied_sequence() == rebuilt.applied_sequence();
  std::cout << absl::StrFormat(
      "(e) restart from a snapshot through WatchEvents: %.2f s to caught up (load %.2f s) for %d "
      "events (target < 5 s) %s%s\n",
      restart_seconds, load_seconds, n, restart_seconds < 5 ? "OK" : "MISSED",
      restored ? "" : " (the snapshot was not used!)");
  std::filesystem::remove(snapshot);
  return same && restored;
}

int Main() {
  const int n = absl::GetFlag(FLAGS_events);
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  std::string work_dir = absl::GetFlag(FLAGS_work_dir);
  const bool temporary = work_dir.empty();
  if (temporary) {
    char pattern[] = "/tmp/lookout-stats-bench-XXXXXX";
    work_dir = mkdtemp(pattern);
  }
  std::filesystem::create_directories(work_dir);
  const std::string top = SyntheticEvents(seed).top_country();
  std::cout << absl::StrFormat(
      "stats benchmark: %d synthetic events (30 countries, Zipf; %d actors; %s to %s; "
      "one country = %s; %.0f%% with source attributes)\n",
      n, absl::GetFlag(FLAGS_actors), kFirstDay, kLastDay, top,
      100 * absl::GetFlag(FLAGS_source_share));

  if (absl::GetFlag(FLAGS_only_rebuild)) {
    const bool rebuilt = RebuildEndToEnd(n, seed, work_dir);
    if (temporary) std::filesystem::remove_all(work_dir);
    return rebuilt ? 0 : 1;
  }

  // (c) and in-process rebuild: fill the model from generated changes, timing only Apply and
  // measuring RSS before and after. Batches are generated, applied and freed in turn, so the
  // growth is the model's own.
  ReadModel model;
  absl::Duration apply_time;
  int64_t rss_growth;
  {
    SyntheticEvents generator(seed, SyntheticEvents::SyntheticActorIds(absl::GetFlag(FLAGS_actors)));
    generator.set_source_share(absl::GetFlag(FLAGS_source_share));
    std::vector<WatchEventsResponse> batch;
    batch.reserve(10000);
    const int64_t rss_before = RssBytes();
    for (int done = 0; done < n;) {
      batch.clear();
      for (; done < n && batch.size() < 10000; ++done) {
        WatchEventsResponse& change = batch.emplace_back();
        change.set_sequence(done + 1);
        change.set_type(event::v1::CHANGE_TYPE_CREATED);
        *change.mutable_event() = generator.Next();
      }
      const absl::Time start = absl::Now();
      model.Apply(batch);
      apply_time += absl::Now() - start;
    }
    batch.clear();
    batch.shrink_to_fit();
    // What the service does when a rebuild completes (hands spare capacity back), then measure.
    model.MarkCaughtUp();
    rss_growth = RssBytes() - rss_before;
  }
  const double bytes_per_event = static_cast<double>(rss_growth) / n;
  std::cout << absl::StrFormat(
      "(c) memory: RSS grew %.1f MiB for %d events = %.1f bytes/event (target <= 64) %s\n",
      rss_growth / 1048576.0, n, bytes_per_event, bytes_per_event <= 64 ? "OK" : "MISSED");
  std::cout << absl::StrFormat("(d) rebuild in process (apply %d changes): %.2f s\n", n,
                               absl::ToDoubleSeconds(apply_time));
  {
    const std::string snapshot = work_dir + "/read_model.snapshot";
    absl::Time start = absl::Now();
    absl::StatusOr<SnapshotInfo> written = WriteSnapshot(model, snapshot);
    const double write_seconds = absl::ToDoubleSeconds(absl::Now() - start);
    ReadModel loaded;
    start = absl::Now();
    absl::StatusOr<SnapshotInfo> read = LoadSnapshot(snapshot, &loaded);
    const double load_seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (!written.ok() || !read.ok()) {
      std::cerr << "snapshot: " << (written.ok() ? read.status() : written.status()) << "\n";
      return 1;
    }
    std::cout << absl::StrFormat(
        "(e) snapshot in process: %.1f MiB (%.1f bytes/event), written in %.2f s (with fsync; "
        "the feed waited %.2f s of it), loaded in %.2f s\n",
        written->file_bytes / 1048576.0, static_cast<double>(written->file_bytes) / n,
        write_seconds, written->locked_seconds, load_seconds);
    std::filesystem::remove(snapshot);
  }

  // (a) AggregateEvents through a real gRPC server and client, no Redis cache.
  auto observation_store = SqliteObservationStore::Open(work_dir + "/stats.db");
  EventStats stats(&model, nullptr, nullptr);
  ObservationManager observations(observation_store->get(), &stats);
  StatsServiceImpl service(&stats, &observations, InternalAuth(kToken));
  ServerRunner runner(LocalServer());
  runner.AddService(&service, kStatsServiceName);
  if (!runner.Start().ok()) return 1;
  auto stub = v1::StatsService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", runner.port()), grpc::InsecureChannelCredentials()));

  const int32_t start_day = *validation::ParseDate(kRangeStart);
  const int32_t end_day = *validation::ParseDate(kRangeEnd);
  std::vector<Question> questions(3);
  questions[0].name = absl::StrCat("month x event_type, ", top, ", 2 years");
  questions[0].request.mutable_filter()->add_country_codes(top);
  questions[0].request.mutable_filter()->mutable_date_range()->set_start_date(kRangeStart);
  questions[0].request.mutable_filter()->mutable_date_range()->set_end_date(kRangeEnd);
  questions[0].request.add_group_by(v1::DIMENSION_MONTH);
  questions[0].request.add_group_by(v1::DIMENSION_EVENT_TYPE);
  // Buckets as the service forms them: an event that began before the range counts in its
  // first month.
  questions[0].sql =
      "SELECT CASE WHEN event_day < ?2 THEN ?4 ELSE month END AS m, event_type, count(*),"
      " sum(fatalities) FROM events WHERE country = ?1 AND end_day >= ?2 AND event_day <= ?3"
      " GROUP BY m, event_type";
  questions[0].text_params = {top};
  questions[0].int_params = {start_day, end_day, TimeBucket(v1::DIMENSION_MONTH, start_day)};

  questions[1].name = "country x year, everything";
  questions[1].request.add_group_by(v1::DIMENSION_COUNTRY);
  questions[1].request.add_group_by(v1::DIMENSION_YEAR);
  questions[1].sql =
      "SELECT country, year, count(*), sum(fatalities) FROM events GROUP BY country, year";

  questions[2].name = absl::StrCat("top 20 actors, ", top);
  questions[2].request.mutable_filter()->add_country_codes(top);
  questions[2].request.add_group_by(v1::DIMENSION_ACTOR);
  questions[2].request.set_order_by("event_count desc");
  questions[2].request.set_limit(20);
  questions[2].sql =
      "SELECT a.actor_id, count(*) AS n, sum(e.fatalities) FROM events e"
      " JOIN event_actors a ON a.event_pk = e.pk WHERE e.country = ?1"
      " GROUP BY a.actor_id ORDER BY n DESC, a.actor_id LIMIT 20";
  questions[2].text_params = {top};
  questions[2].count_column = 1;
  if (absl::GetFlag(FLAGS_source_share) > 0) {
    Question& disorder = questions.emplace_back();
    disorder.name = "acled disorder x year, everything";
    disorder.request.add_group_by(v1::DIMENSION_ACLED_DISORDER_TYPE);
    disorder.request.add_group_by(v1::DIMENSION_YEAR);
    disorder.sql =
        "SELECT disorder, year, count(*), sum(fatalities) FROM events GROUP BY disorder, year";
    Question& conflict = questions.emplace_back();
    conflict.name = "ucdp conflict, everything";
    conflict.request.add_group_by(v1::DIMENSION_UCDP_CONFLICT);
    conflict.sql = "SELECT conflict, count(*), sum(fatalities) FROM events GROUP BY conflict";
    conflict.count_column = 1;
  }

  std::vector<Latency> ours(questions.size());
  std::vector<int64_t> our_counts(questions.size());
  for (size_t q = 0; q < questions.size(); ++q) {
    std::vector<double> ms;
    for (int i = -5; i < absl::GetFlag(FLAGS_iterations); ++i) {
      grpc::ClientContext context;
      context.AddMetadata(kInternalTokenHeader, kToken);
      v1::AggregateEventsResponse response;
      const absl::Time t0 = absl::Now();
      grpc::Status status = stub->AggregateEvents(&context, questions[q].request, &response);
      const double elapsed = absl::ToDoubleMilliseconds(absl::Now() - t0);
      if (!status.ok()) {
        std::cerr << "AggregateEvents: " << status.error_message() << "\n";
        return 1;
      }
      if (i >= 0) ms.push_back(elapsed);  // the first few warm up
      our_counts[q] = 0;
      for (const auto& row : response.rows()) our_counts[q] += row.event_count();
    }
    ours[q] = Percentiles(ms);
  }

  // (b) the baseline over the same rows.
  std::cout << "loading the SQLite baseline...\n" << std::flush;
  Baseline baseline(work_dir + "/baseline.db");
  {
    SyntheticEvents generator(seed, SyntheticEvents::SyntheticActorIds(absl::GetFlag(FLAGS_actors)));
    generator.set_source_share(absl::GetFlag(FLAGS_source_share));
    for (int i = 0; i < n; ++i) baseline.Add(i + 1, generator.Next());
    baseline.Finish();
  }
  std::vector<Latency> theirs(questions.size());
  bool agree = true;
  for (size_t q = 0; q < questions.size(); ++q) {
    std::vector<double> ms;
    for (int i = -1; i < absl::GetFlag(FLAGS_baseline_iterations); ++i) {
      const absl::Time t0 = absl::Now();
      const int64_t total = baseline.Run(questions[q]);
      if (i >= 0) ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
      if (total != our_counts[q]) agree = false;
    }
    theirs[q] = Percentiles(ms);
  }

  std::cout << absl::StrFormat(
      "(a)/(b) AggregateEvents over gRPC, cache off, vs SQLite GROUP BY "
      "(%d / %d runs; answers agree: %s)\n",
      absl::GetFlag(FLAGS_iterations), absl::GetFlag(FLAGS_baseline_iterations),
      agree ? "yes" : "NO");
  std::cout << absl::StrFormat("  %-38s %10s %10s %10s %10s %8s %8s\n", "question", "ours p50",
                               "ours p99", "sqlite p50", "sqlite p99", "x p50", "x p99");
  for (size_t q = 0; q < questions.size(); ++q) {
    const double r50 = theirs[q].p50_ms / ours[q].p50_ms;
    const double r99 = theirs[q].p99_ms / ours[q].p99_ms;
    std::cout << absl::StrFormat("  %-38s %8.2fms %8.2fms %8.1fms %8.1fms %7.1fx %7.1fx %s\n",
                                 questions[q].name, ours[q].p50_ms, ours[q].p99_ms,
                                 theirs[q].p50_ms, theirs[q].p99_ms, r50, r99,
                                 r50 >= 10 ? "OK" : "MISSED (target 10x)");
  }
  runner.Stop();

  if (!absl::GetFlag(FLAGS_rebuild_through_event_service)) return agree ? 0 : 1;

  const bool rebuilt = RebuildEndToEnd(n, seed, work_dir);
  if (temporary) std::filesystem::remove_all(work_dir);
  return agree && rebuilt ? 0 : 1;
}

}  // namespace
}  // namespace lookout::stats::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return lookout::stats::bench::Main();
}
