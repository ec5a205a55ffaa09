// lookout-event: wires configuration, the store, the actor client, Redis and the service, then
// serves until SIGTERM. No logic lives here.
#include <grpcpp/create_channel.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "common/config.h"
#include "common/database_flags.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "services/event/change_log_metrics.h"
#include "common/redis_cache.h"
#include "common/replica_target.h"
#include "common/server_runner.h"
#include "common/startup_retry.h"
#include "services/event/actor_checker.h"
#include "services/event/change_feed.h"
#include "services/event/change_notifier.h"
#include "services/event/event_cache.h"
#include "services/event/event_importer.h"
#include "services/event/event_manager.h"
#include "services/event/event_service.h"
#include "services/event/event_store_factory.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "Address to listen on.");
ABSL_FLAG(int, port, 50052, "gRPC port (0 picks a free one).");
ABSL_FLAG(std::string, data_dir, "var/data",
          "Directory of the database file event.db (unused with --database_url).");
ABSL_FLAG(std::string, internal_token, "",
          "Shared secret the gateway and the stats service present (required).");
ABSL_FLAG(std::string, actor_addr, "127.0.0.1:50053",
          "Actor service: host:port, replicas as a list 127.0.0.1:7001,127.0.0.1:7002, or a "
          "gRPC target such as dns:///lookout-actor:50053.");
ABSL_FLAG(int, actor_timeout_ms, 2000, "Deadline of each call to the actor service.");
ABSL_FLAG(std::string, redis_addr, "127.0.0.1:6379",
          "Redis host:port for caches; empty disables Redis.");
ABSL_FLAG(bool, event_cache, false,
          "Cache GetEvent in Redis. Off by default: a local SQLite point read (~6 us) beats a "
          "Redis round trip (~23 us).");
ABSL_FLAG(int, metrics_port, 9452, "Prometheus /metrics port (-1 disables, 0 picks one).");
ABSL_FLAG(std::string, metrics_host, "",
          "Address /metrics binds (empty: --host); 127.0.0.1 keeps it off the network.");
ABSL_FLAG(bool, reflection, true, "Serve gRPC reflection.");
ABSL_FLAG(double, drain_grace_seconds, 10, "How long in-flight calls may finish after SIGTERM.");
ABSL_FLAG(double, shutdown_delay_seconds, 1,
          "After SIGTERM, how long health reports NOT_SERVING while calls are still accepted, "
          "before follow streams end (UNAVAILABLE) and the drain begins.");
ABSL_FLAG(int, max_watchers, 1000,
          "Most WatchEvents streams open at once; beyond it RESOURCE_EXHAUSTED (0: no cap).");

namespace lookout::event {
namespace {

struct HostPort {
  std::string host;
  int port = 0;
};

bool ParseHostPort(const std::string& address, HostPort* out) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &out->port) || out->port <= 0 ||
      out->port > 65535) {
    return false;
  }
  out->host = address.substr(0, colon);
  return true;
}

int Run() {
  ConfigErrors config;
  config.CheckPort("port", absl::GetFlag(FLAGS_port), /*allow_zero=*/true);
  config.CheckNonEmpty("data_dir", absl::GetFlag(FLAGS_data_dir));
  config.CheckNonEmpty("internal_token", absl::GetFlag(FLAGS_internal_token));
  absl::StatusOr<ReplicaTarget> actor_target = ParseReplicaTarget(absl::GetFlag(FLAGS_actor_addr));
  if (!actor_target.ok()) config.Add("actor_addr", actor_target.status().message());
  config.CheckPositive("actor_timeout_ms", absl::GetFlag(FLAGS_actor_timeout_ms));
  if (absl::GetFlag(FLAGS_metrics_port) != -1) {
    config.CheckPort("metrics_port", absl::GetFlag(FLAGS_metrics_port), /*allow_zero=*/true);
  }
  if (absl::GetFlag(FLAGS_drain_grace_seconds) < 0) {
    config.Add("drain_grace_seconds", "must not be negative");
  }
  if (absl::GetFlag(FLAGS_shutdown_delay_seconds) < 0) {
    config.Add("shutdown_delay_seconds", "must not be negative");
  }
  if (absl::GetFlag(FLAGS_max_watchers) < 0) {
    config.Add("max_watchers", "must not be negative (0 turns the cap off)");
  }
  HostPort redis_address;
  const std::string redis_addr = absl::GetFlag(FLAGS_redis_addr);
  if (!redis_addr.empty() && !ParseHostPort(redis_addr, &redis_address)) {
    config.Add("redis_addr", absl::StrCat("must be host:port or empty, got \"", redis_addr, "\""));
  }
  if (absl::GetFlag(FLAGS_event_cache) && redis_addr.empty()) {
    config.Add("event_cache", "needs --redis_addr");
  }
  std::optional<pg::PoolOptions> database =
      DatabaseOptionsFromFlags("event", "lookout-event", config);
  config.ExitIfAny();

  InitLogging("event");
  // The token is a secret: the effective configuration is logged without it.
  LogInfo("configuration",
          {{"host", absl::GetFlag(FLAGS_host)},
           {"port", absl::StrCat(absl::GetFlag(FLAGS_port))},
           {"data_dir", absl::GetFlag(FLAGS_data_dir)},
           {"store", DescribeStoreFromFlags()},
           {"actor_addr", absl::GetFlag(FLAGS_actor_addr)},
           {"actor_timeout_ms", absl::StrCat(absl::GetFlag(FLAGS_actor_timeout_ms))},
           {"redis_addr", redis_addr},
           {"event_cache", absl::GetFlag(FLAGS_event_cache) ? "on" : "off"},
           {"metrics_port", absl::StrCat(absl::GetFlag(FLAGS_metrics_port))},
           {"reflection", absl::GetFlag(FLAGS_reflection) ? "on" : "off"},
           {"drain_grace_seconds", absl::StrCat(absl::GetFlag(FLAGS_drain_grace_seconds))},
           {"shutdown_delay_seconds", absl::StrCat(absl::GetFlag(FLAGS_shutdown_delay_seconds))},
           {"max_watchers", absl::StrCat(absl::GetFlag(FLAGS_max_watchers))}});

  StoreLocation location;
  location.sqlite_path =
      (std::filesystem::path(absl::GetFlag(FLAGS_data_dir)) / "event.db").string();
  location.postgres = std::move(database);
  if (!location.postgres.has_value()) {
    std::error_code dir_error;
    std::filesystem::create_directories(absl::GetFlag(FLAGS_data_dir), dir_error);
    if (dir_error) {
      LogError("cannot create data_dir", {{"error", dir_error.message()}});
      return 1;
    }
  }
  // A database server still starting (or failing over) is waited for, not a reason to exit.
  absl::StatusOr<std::unique_ptr<EventStore>> store;
  absl::Status opened = RetryWhileUnavailable("event database", [&]() -> absl::Status {
    store = OpenEventStore(location);
    return store.status();
  });
  if (opened.code() == absl::StatusCode::kCancelled) return 0;
  if (!opened.ok()) {
    LogError("cannot open the event store", {{"error", std::string(opened.message())}});
    return 1;
  }
  auto head = (*store)->HeadSequence();
  if (!head.ok()) {
    LogError("cannot read the change log", {{"error", std::string(head.status().message())}});
    return 1;
  }
  ChangeNotifier notifier(*head);
  (*store)->SetCommitListener([&notifier](int64_t h) { notifier.Publish(h); });

  std::unique_ptr<RedisCache> actor_redis;
  std::unique_ptr<RedisCache> event_redis;
  if (!redis_addr.empty()) {
    RedisOptions options;
    options.host = redis_address.host;
    options.port = redis_address.port;
    options.cache_name = "actor_exists";
    actor_redis = std::make_unique<RedisCache>(options, &MetricsRegistry::Global());
    if (absl::GetFlag(FLAGS_event_cache)) {
      options.cache_name = "event";
      event_redis = std::make_unique<RedisCache>(options, &MetricsRegistry::Global());
    }
  }

  const std::string token = absl::GetFlag(FLAGS_internal_token);
  ActorCheckerOptions actor_options;
  actor_options.internal_token = token;
  actor_options.timeout = absl::Milliseconds(absl::GetFlag(FLAGS_actor_timeout_ms));
  // The checks are reads: UNAVAILABLE is retried on another actor replica (retryPolicy).
  GrpcActorChecker actors(CreateReplicaChannel(*actor_target, "lookout.actor.v1.ActorService",
                                               grpc::ChannelArguments(), /*read_retries=*/true),
                          actor_redis.get(), actor_options);
  EventCache cache(event_redis.get());
  cache.DropEntriesOfEarlierProcesses();
  EventManager manager(store->get(), &actors, &cache);
  EventImporter importer(store->get(), &actors, &cache);
  ChangeFeed feed(store->get(), &notifier);
  InternalAuth auth(token);

  ServerOptions server_options;
  server_options.host = absl::GetFlag(FLAGS_host);
  server_options.port = absl::GetFlag(FLAGS_port);
  server_options.reflection = absl::GetFlag(FLAGS_reflection);
  server_options.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  server_options.metrics_host = absl::GetFlag(FLAGS_metrics_host);
  server_options.drain_grace = absl::Seconds(absl::GetFlag(FLAGS_drain_grace_seconds));
  server_options.shutdown_delay = absl::Seconds(absl::GetFlag(FLAGS_shutdown_delay_seconds));
  server_options.max_open_streams = absl::GetFlag(FLAGS_max_watchers);
  server_options.max_open_streams_flag = "--max_watchers";
  ServerRunner runner(server_options);
  EventServiceImpl service(&auth, &manager, &importer, &feed, runner.open_streams());
  runner.AddService(&service, kEventServiceName);
  const auto gauges =
      ExportChangeLogMetrics(&notifier, runner.open_streams(), &MetricsRegistry::Global());
  absl::Status started = runner.Start();
  if (!started.ok()) {
    LogError("cannot start", {{"error", std::string(started.message())}});
    return 1;
  }
  const int exit_code = runner.RunUntilSignal();
  (*store)->SetCommitListener(nullptr);  // before the notifier goes
  return exit_code;
}

}  // namespace
}  // namespace lookout::event

int main(int argc, char** argv) {
  lookout::InstallProcessSignalHandling();
  lookout::ParseFlagsWithEnv(argc, argv,
                             "lookout-event: events and their change log over gRPC.\n"
                             "Flags may also be set as LOOKOUT_<FLAG> environment variables.");
  return lookout::event::Run();
}
