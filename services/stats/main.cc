// lookout-stats: wires configuration, the observation store, the read model and its feed from
// the event service, the Redis cache and the gRPC service, then serves until SIGTERM. Health is
// NOT_SERVING until the read model has caught up with the event service's change log.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/call_context.h"
#include "common/config.h"
#include "common/database_flags.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "services/stats/read_model_metrics.h"
#include "common/redis_cache.h"
#include "common/replica_target.h"
#include "common/server_runner.h"
#include "common/startup_retry.h"
#include "common/store_location.h"
#include "services/stats/aggregate_cache.h"
#include "services/stats/backend_channel.h"
#include "services/stats/event_stats.h"
#include "services/stats/feed_follower.h"
#include "services/stats/observation_manager.h"
#include "services/stats/observation_owner.h"
#include "services/stats/observation_store_factory.h"
#include "services/stats/read_model.h"
#include "services/stats/snapshot_keeper.h"
#include "services/stats/stats_service.h"
#include "services/stats/text_search.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "Address to listen on.");
ABSL_FLAG(int, port, 50054, "gRPC port (0 picks a free one).");
ABSL_FLAG(std::string, data_dir, "var/data",
          "Directory of stats.db (observations) when --database_url is empty, and of the read "
          "model snapshot; created if missing.");
ABSL_FLAG(int, snapshot_interval_seconds, 300,
          "How often the read model is written to data_dir/read_model.snapshot (also after each "
          "catch-up and at shutdown) and loaded from there at start-up; 0 turns snapshots off "
          "(every start replays the whole change log).");
ABSL_FLAG(std::string, internal_token, "",
          "Shared secret callers must present, and the stats service presents to the event "
          "service (required; prefer LOOKOUT_INTERNAL_TOKEN).");
ABSL_FLAG(std::string, event_addr, "127.0.0.1:50052",
          "Event service: host:port, replicas as a list 127.0.0.1:7001,127.0.0.1:7002, or a "
          "gRPC target such as dns:///lookout-event:50052.");
ABSL_FLAG(int, event_timeout_ms, 10000,
          "Deadline of the ListEvents calls that resolve full-text filters.");
ABSL_FLAG(std::string, redis_addr, "127.0.0.1:6379",
          "Redis host:port for cached aggregate answers; empty disables the cache.");
ABSL_FLAG(int, aggregate_cache_ttl_seconds, 600, "How long a cached aggregate answer lives.");
ABSL_FLAG(int, sequence_wait_ms, 2000,
          "How long a request's as_of_sequence may wait for the read model before UNAVAILABLE.");
ABSL_FLAG(std::string, observations_addr, "",
          "Another lookout-stats (host:port or dns:///host:port) that owns the observations; "
          "when set this one keeps no store and forwards the observation calls there. Empty: "
          "observations live in data_dir/stats.db, or in PostgreSQL with --database_url.");
ABSL_FLAG(int, observations_timeout_ms, 10000,
          "Deadline of a call forwarded to observations_addr when the caller set none sooner.");
ABSL_FLAG(int, metrics_port, 9454, "Prometheus /metrics port (-1 turns it off, 0 picks one).");
ABSL_FLAG(std::string, metrics_host, "",
          "Address /metrics binds (empty: --host); 127.0.0.1 keeps it off the network.");
ABSL_FLAG(bool, reflection, true, "Serve gRPC server reflection.");
ABSL_FLAG(double, drain_grace_seconds, 10, "How long in-flight calls may finish on shutdown.");
ABSL_FLAG(double, shutdown_delay_seconds, 1,
          "After SIGTERM, how long health reports NOT_SERVING while calls are still accepted, "
          "before the drain begins.");

namespace lookout::stats {
namespace {

bool ParseHostPort(absl::string_view address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  if (!absl::SimpleAtoi(address.substr(colon + 1), port) || *port <= 0 || *port > 65535) {
    return false;
  }
  *host = std::string(address.substr(0, colon));
  return true;
}

int Run() {
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const std::string token = absl::GetFlag(FLAGS_internal_token);
  const std::string event_addr = absl::GetFlag(FLAGS_event_addr);
  const std::string redis_addr = absl::GetFlag(FLAGS_redis_addr);
  const int metrics_port = absl::GetFlag(FLAGS_metrics_port);
  const double drain_grace_seconds = absl::GetFlag(FLAGS_drain_grace_seconds);
  const double shutdown_delay_seconds = absl::GetFlag(FLAGS_shutdown_delay_seconds);

  ConfigErrors config;
  config.CheckNonEmpty("host", absl::GetFlag(FLAGS_host));
  config.CheckPort("port", absl::GetFlag(FLAGS_port), /*allow_zero=*/true);
  config.CheckNonEmpty("data_dir", data_dir);
  config.CheckNonEmpty("internal_token", token);
  if (absl::StatusOr<ReplicaTarget> target = ParseReplicaTarget(event_addr); !target.ok()) {
    config.Add("event_addr", target.status().message());
  }
  config.CheckPositive("event_timeout_ms", absl::GetFlag(FLAGS_event_timeout_ms));
  std::string redis_host;
  int redis_port = 0;
  if (!redis_addr.empty() && !ParseHostPort(redis_addr, &redis_host, &redis_port)) {
    config.Add("redis_addr", absl::StrCat("must be host:port or empty, got \"", redis_addr, "\""));
  }
  const std::string observations_addr = absl::GetFlag(FLAGS_observations_addr);
  if (!observations_addr.empty()) {
    std::string owner_host;
    int owner_port = 0;
    if (!ParseHostPort(absl::StripPrefix(observations_addr, "dns:///"), &owner_host,
                       &owner_port) ||
        owner_host.find_first_of("/ ") != std::string::npos) {
      config.Add("observations_addr",
                 absl::StrCat("must be host:port, dns:///host:port or empty, got \"",
                              observations_addr, "\""));
    } else if (owner_port == absl::GetFlag(FLAGS_port) &&
               (owner_host == "127.0.0.1" || owner_host == "localhost" || owner_host == "[::1]" ||
                owner_host == absl::GetFlag(FLAGS_host))) {
      config.Add("observations_addr",
                 "points at this server itself; it must name the lookout-stats that owns the "
                 "observations");
    }
  }
  const std::optional<pg::PoolOptions> database =
      DatabaseOptionsFromFlags("stats", "lookout-stats", config);
  config.CheckPositive("observations_timeout_ms", absl::GetFlag(FLAGS_observations_timeout_ms));
  config.CheckPositive("aggregate_cache_ttl_seconds",
                       absl::GetFlag(FLAGS_aggregate_cache_ttl_seconds));
  if (absl::GetFlag(FLAGS_sequence_wait_ms) < 0) {
    config.Add("sequence_wait_ms", "must not be negative");
  }
  if (metrics_port != -1) config.CheckPort("metrics_port", metrics_port, /*allow_zero=*/true);
  if (drain_grace_seconds < 0) config.Add("drain_grace_seconds", "must not be negative");
  if (shutdown_delay_seconds < 0) config.Add("shutdown_delay_seconds", "must not be negative");
  const int snapshot_interval_seconds = absl::GetFlag(FLAGS_snapshot_interval_seconds);
  if (snapshot_interval_seconds < 0) {
    config.Add("snapshot_interval_seconds", "must not be negative (0 turns snapshots off)");
  }
  config.ExitIfAny();

  InitLogging("stats");
  std::error_code dir_error;
  // A replica forwarding its observations writes nothing to disk, nor does a PostgreSQL store.
  const bool local_store = observations_addr.empty();
  if (local_store && !database.has_value()) {
    std::filesystem::create_directories(data_dir, dir_error);
  }
  if (dir_error) {
    LogError("cannot create data_dir", {{"data_dir", data_dir}, {"error", dir_error.message()}});
    return 1;
  }
  StoreLocation location;
  location.sqlite_path = (std::filesystem::path(data_dir) / "stats.db").string();
  location.postgres = database;
  // What the logs may say about the store: the file, or the server without its password.
  const std::string store_description =
      database.has_value() ? DescribeStoreFromFlags() : location.sqlite_path;
  // The effective configuration, once; the token is a secret and stays out of logs.
  LogInfo("configuration",
          {{"host", absl::GetFlag(FLAGS_host)},
           {"port", absl::StrCat(absl::GetFlag(FLAGS_port))},
           {"database", local_store ? store_description : "(none: observations forwarded)"},
           {"observations_addr", observations_addr.empty() ? "(local)" : observations_addr},
           {"event_addr", event_addr},
           {"redis_addr", redis_addr.empty() ? "(cache off)" : redis_addr},
           {"aggregate_cache_ttl_seconds",
            absl::StrCat(absl::GetFlag(FLAGS_aggregate_cache_ttl_seconds))},
           {"sequence_wait_ms", absl::StrCat(absl::GetFlag(FLAGS_sequence_wait_ms))},
           {"metrics_port", absl::StrCat(metrics_port)},
           {"reflection", absl::GetFlag(FLAGS_reflection) ? "on" : "off"},
           {"drain_grace_seconds", absl::StrCat(drain_grace_seconds)},
           {"shutdown_delay_seconds", absl::StrCat(shutdown_delay_seconds)},
           {"snapshot_interval_seconds", absl::StrCat(snapshot_interval_seconds)}});

  if (!local_store && database.has_value()) {
    LogWarning("database_url is not used: this replica forwards observations to observations_addr");
  }

  // A replica with observations_addr keeps no observation store of its own.
  std::unique_ptr<ObservationStore> store;
  std::unique_ptr<ObservationOwnerClient> owner;
  if (local_store) {
    // A database server still starting (or failing over) is waited for, not a reason to exit.
    absl::Status opened = RetryWhileUnavailable("observation database", [&]() -> absl::Status {
      absl::StatusOr<std::unique_ptr<ObservationStore>> attempt = OpenObservationStore(location);
      if (!attempt.ok()) return attempt.status();
      store = std::move(*attempt);
      return absl::OkStatus();
    });
    if (opened.code() == absl::StatusCode::kCancelled) return 0;
    if (!opened.ok()) {
      LogError("cannot open the database",
               {{"database", store_description}, {"error", opened.ToString()}});
      return 1;
    }
  } else {
    owner = std::make_unique<ObservationOwnerClient>(
        observations_addr, token, absl::Milliseconds(absl::GetFlag(FLAGS_observations_timeout_ms)));
  }

  std::unique_ptr<RedisCache> redis;
  if (!redis_addr.empty()) {
    RedisOptions options;
    options.host = redis_host;
    options.port = redis_port;
    options.cache_name = "stats_aggregate";
    redis = std::make_unique<RedisCache>(options, &MetricsRegistry::Global());
  }
  AggregateCache cache(redis.get(),
                       absl::Seconds(absl::GetFlag(FLAGS_aggregate_cache_ttl_seconds)));

  auto event_stub = event::v1::EventService::NewStub(
      CreateBackendChannel(event_addr, ReconnectBackoff(), "lookout.event.v1.EventService"));
  ReadModel model;
  EventServiceTextSearch text_search(event_stub.get(), token,
                                     absl::Milliseconds(absl::GetFlag(FLAGS_event_timeout_ms)));
  EventStatsOptions stats_options;
  stats_options.max_sequence_wait = absl::Milliseconds(absl::GetFlag(FLAGS_sequence_wait_ms));
  EventStats events(&model, &text_search, &cache, stats_options);
  std::unique_ptr<ObservationManager> observations;
  std::unique_ptr<StatsServiceImpl> service;
  if (store != nullptr) {
    observations = std::make_unique<ObservationManager>(store.get(), &events);
    service = std::make_unique<StatsServiceImpl>(&events, observations.get(), InternalAuth(token));
  } else {
    service = std::make_unique<StatsServiceImpl>(&events, owner.get(), InternalAuth(token));
  }

  ServerOptions server_options;
  server_options.host = absl::GetFlag(FLAGS_host);
  server_options.port = absl::GetFlag(FLAGS_port);
  server_options.reflection = absl::GetFlag(FLAGS_reflection);
  server_options.metrics_port = metrics_port;
  server_options.metrics_host = absl::GetFlag(FLAGS_metrics_host);
  server_options.drain_grace = absl::Seconds(drain_grace_seconds);
  server_options.shutdown_delay = absl::Seconds(shutdown_delay_seconds);
  // Aggregations would be wrong until the model holds the whole log: probes must not route
  // traffic here before the feed's first catch-up.
  server_options.serving_at_start = false;
  ServerRunner runner(server_options);
  runner.AddService(service.get(), kStatsServiceName);
  absl::Status started = runner.Start();
  if (!started.ok()) {
    LogError("cannot start the server", {{"error", started.ToString()}});
    return 1;
  }
  // A snapshot lets the follower start from its sequence instead of 0; health still turns
  // SERVING only once the catch-up from there reaches the head.
  std::unique_ptr<SnapshotKeeper> snapshots;
  bool snapshot_dir_ok = snapshot_interval_seconds > 0;
  if (snapshot_dir_ok) {
    // A server that keeps nothing else on disk (a replica, PostgreSQL) may have no writable
    // data_dir: it then runs without snapshots, as before they existed, rather than not at all.
    std::error_code snapshot_dir_error;
    std::filesystem::create_directories(data_dir, snapshot_dir_error);
    if (snapshot_dir_error) {
      snapshot_dir_ok = false;
      LogWarning("read model snapshots off: cannot create data_dir",
                 {{"data_dir", data_dir}, {"error", snapshot_dir_error.message()}});
    }
  }
  if (snapshot_dir_ok) {
    SnapshotOptions snapshot_options;
    snapshot_options.path = (std::filesystem::path(data_dir) / kSnapshotFileName).string();
    snapshot_options.interval = absl::Seconds(snapshot_interval_seconds);
    snapshots = std::make_unique<SnapshotKeeper>(&model, snapshot_options);
    snapshots->Load().IgnoreError();  // logged; the model then rebuilds from sequence 0
    snapshots->Start();
  }
  FeedOptions feed_options;
  feed_options.internal_token = token;
  FeedFollower follower(event_stub.get(), &model, feed_options, [&runner, &snapshots] {
    runner.SetServing(true);
    if (snapshots != nullptr) snapshots->CaughtUp();
  });
  const auto gauges = ExportReadModelMetrics(&model, &follower, &MetricsRegistry::Global());
  follower.Start();
  const int code = runner.RunUntilSignal();
  follower.Stop();
  // The last snapshot covers every change applied, so the next start replays nothing.
  if (snapshots != nullptr) snapshots->Stop();
  return code;
}

}  // namespace
}  // namespace lookout::stats

int main(int argc, char** argv) {
  // First, before any thread exists, so every thread inherits the signal mask.
  lookout::InstallProcessSignalHandling();
  lookout::ParseFlagsWithEnv(argc, argv,
                             "lookout-stats: aggregations over a live read model of events, and "
                             "reported figures.\nFlags may also be set as LOOKOUT_<FLAG> "
                             "environment variables.");
  return lookout::stats::Run();
}
