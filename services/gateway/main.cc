// lookout-gateway: the one public endpoint. Turns flags into a GatewayConfig and runs it; no
// logic. `lookout-gateway --new_key NAME ROLE` prints a new API key and its keys-file line.
#include <cstring>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/config.h"
#include "common/logging.h"
#include "common/replica_target.h"
#include "common/server_runner.h"
#include "services/gateway/access/api_keys.h"
#include "services/gateway/gateway_server.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "Address to listen on.");
ABSL_FLAG(int, port, 50051, "Public gRPC port (0 picks a free one).");
ABSL_FLAG(int, metrics_port, 9451, "Prometheus /metrics port (-1 turns it off, 0 picks one).");
ABSL_FLAG(bool, reflection, true, "Serve gRPC server reflection (no key needed).");
ABSL_FLAG(double, drain_grace_seconds, 10, "How long in-flight calls may finish on shutdown.");
ABSL_FLAG(double, shutdown_delay_seconds, 1,
          "After SIGTERM, how long health reports NOT_SERVING while calls are still accepted, "
          "before forwarded WatchEvents streams end (UNAVAILABLE) and the drain begins.");
ABSL_FLAG(int, max_watchers, 1000,
          "Most WatchEvents streams forwarded at once; beyond it RESOURCE_EXHAUSTED (0: no cap).");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate chain: serve TLS on the public port.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key for --tls_cert_file.");
ABSL_FLAG(int, health_port, -1,
          "Plaintext port serving grpc.health.v1 alone, for Kubernetes gRPC probes when the "
          "public port serves TLS (-1 turns it off, 0 picks one).");
ABSL_FLAG(int, http_port, 8080,
          "HTTP/JSON API and dashboard port (-1 turns it off, 0 picks one); see README.md.");
ABSL_FLAG(std::string, dashboard_dir, "", "Directory of the dashboard's files, served at /.");
ABSL_FLAG(int, http_max_connections, 1000, "Most HTTP connections at once; beyond it 503.");
ABSL_FLAG(std::string, event_addr, "127.0.0.1:50052",
          "Event service: host:port, replicas as a list 127.0.0.1:7001,127.0.0.1:7002, or a "
          "gRPC target such as dns:///lookout-event:50052 (every address it resolves to).");
ABSL_FLAG(std::string, actor_addr, "127.0.0.1:50053", "Actor service, as --event_addr.");
ABSL_FLAG(std::string, stats_addr, "127.0.0.1:50054", "Stats service, as --event_addr.");
ABSL_FLAG(std::string, internal_token, "",
          "Secret presented to backends (required; prefer LOOKOUT_INTERNAL_TOKEN).");
ABSL_FLAG(std::string, api_keys_file, "",
          "Keys file: lines 'name role sha256 [rate:burst] [import=rows:burst]'; re-read when "
          "it changes.");
ABSL_FLAG(std::string, api_keys, "",
          "Keys inline, same lines separated by ';' (prefer LOOKOUT_API_KEYS).");
ABSL_FLAG(std::string, rate_limits, "",
          "Per-role limits, e.g. READER=50:100,EDITOR=50:100,ADMIN=100:200 (rate/s:burst).");
ABSL_FLAG(std::string, import_rate_limits, "",
          "Per-role import budgets in rows (ImportEvents rows, names ResolveActors creates), "
          "e.g. EDITOR=25000:250000,ADMIN=50000:500000 (rows/s:burst); READER cannot import.");
ABSL_FLAG(std::string, redis_addr, "127.0.0.1:6379",
          "Redis for shared rate limits and the report cache; empty turns it off.");
ABSL_FLAG(int, rate_lease_max_tokens, 64,
          "Most tokens one Redis round trip may lease to this replica (1 = a trip per call).");
ABSL_FLAG(int, rate_lease_divisor, 16, "A lease takes at most 1/N of the tokens left.");
ABSL_FLAG(int, rate_lease_ttl_ms, 250, "Unspent leased tokens go back to Redis after this.");
ABSL_FLAG(int, rate_limit_redis_timeout_ms, 500,
          "Time budget of one rate-limit round trip to Redis: a shorter Redis stall only delays "
          "calls; past it a key is limited locally.");
ABSL_FLAG(int, replicas, 1,
          "Gateway replicas sharing the rate limits, assumed until the replicas have counted "
          "themselves in Redis: while Redis is unreachable each allows 1/replicas of a key's "
          "limit.");
ABSL_FLAG(int, unary_deadline_ms, 15000, "Deadline for unary calls that set none.");
ABSL_FLAG(int, client_stream_deadline_ms, 600000, "Deadline for imports that set none.");
ABSL_FLAG(int, server_stream_deadline_ms, 0,
          "Deadline for watches that set none (0: none; a following watch runs for hours).");
ABSL_FLAG(int, report_dependency_timeout_ms, 5000,
          "Limit on each backend call of a situation report.");
ABSL_FLAG(int, report_cache_ttl_seconds, 30, "How long a cached situation report lives.");
ABSL_FLAG(bool, report_cache, true, "Cache situation reports in Redis.");
ABSL_FLAG(int, keys_reload_ms, 1000, "How often the keys file is checked for changes.");

namespace {

// `lookout-gateway --new_key NAME ROLE`: the key on the first line (shown once, never stored),
// its keys-file line on the second.
int PrintNewKey(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: lookout-gateway --new_key NAME READER|EDITOR|ADMIN\n";
    return 2;
  }
  absl::StatusOr<lookout::gateway::NewApiKey> key =
      lookout::gateway::GenerateApiKey(argv[2], argv[3]);
  if (!key.ok()) {
    std::cerr << "invalid: " << key.status().message() << "\n";
    return 2;
  }
  std::cout << key->key << "\n" << lookout::gateway::FormatApiKeyLine(key->record) << "\n";
  std::cerr << "line 1: the key; give it to the client (it is not stored anywhere)\n"
               "line 2: add it to the gateway's keys file (--api_keys_file) or LOOKOUT_API_KEYS\n"
               "use:    grpcurl -H 'authorization: Bearer <key>' ...\n";
  return 0;
}

absl::Duration OptionalMillis(int ms) {
  return ms <= 0 ? absl::InfiniteDuration() : absl::Milliseconds(ms);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 &&
      (std::strcmp(argv[1], "--new_key") == 0 || std::strcmp(argv[1], "new_key") == 0)) {
    return PrintNewKey(argc, argv);
  }
  // First, before any thread exists, so every thread inherits the signal mask.
  lookout::InstallProcessSignalHandling();
  lookout::ParseFlagsWithEnv(argc, argv, "lookout-gateway: the public Lookout endpoint");
  lookout::InitLogging("gateway");

  lookout::gateway::GatewayConfig config;
  lookout::ConfigErrors errors;
  config.server.host = absl::GetFlag(FLAGS_host);
  config.server.port = absl::GetFlag(FLAGS_port);
  config.server.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  config.server.reflection = absl::GetFlag(FLAGS_reflection);
  config.server.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  config.server.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  config.server.health_port = absl::GetFlag(FLAGS_health_port);
  config.http.host = config.server.host;
  config.http.port = absl::GetFlag(FLAGS_http_port);
  config.http.dashboard_dir = absl::GetFlag(FLAGS_dashboard_dir);
  config.http.max_connections = absl::GetFlag(FLAGS_http_max_connections);
  const double drain = absl::GetFlag(FLAGS_drain_grace_seconds);
  config.server.drain_grace = absl::Seconds(drain);
  const double shutdown_delay = absl::GetFlag(FLAGS_shutdown_delay_seconds);
  config.server.shutdown_delay = absl::Seconds(shutdown_delay);
  config.server.max_open_streams = absl::GetFlag(FLAGS_max_watchers);
  config.server.max_open_streams_flag = "--max_watchers";
  config.backends.event = absl::GetFlag(FLAGS_event_addr);
  config.backends.actor = absl::GetFlag(FLAGS_actor_addr);
  config.backends.stats = absl::GetFlag(FLAGS_stats_addr);
  config.internal_token = absl::GetFlag(FLAGS_internal_token);
  config.api_keys_file = absl::GetFlag(FLAGS_api_keys_file);
  config.api_keys_inline = absl::GetFlag(FLAGS_api_keys);
  config.keys_reload_interval = absl::Milliseconds(absl::GetFlag(FLAGS_keys_reload_ms));
  config.limiter.lease.max_tokens = absl::GetFlag(FLAGS_rate_lease_max_tokens);
  config.limiter.lease.divisor = absl::GetFlag(FLAGS_rate_lease_divisor);
  config.limiter.lease_ttl = absl::Milliseconds(absl::GetFlag(FLAGS_rate_lease_ttl_ms));
  config.limiter.replicas = absl::GetFlag(FLAGS_replicas);
  config.rate_limit_redis_timeout =
      absl::Milliseconds(absl::GetFlag(FLAGS_rate_limit_redis_timeout_ms));
  config.deadlines.unary = OptionalMillis(absl::GetFlag(FLAGS_unary_deadline_ms));
  config.deadlines.client_streaming =
      OptionalMillis(absl::GetFlag(FLAGS_client_stream_deadline_ms));
  config.deadlines.server_streaming =
      OptionalMillis(absl::GetFlag(FLAGS_server_stream_deadline_ms));
  config.report_dependency_timeout =
      absl::Milliseconds(absl::GetFlag(FLAGS_report_dependency_timeout_ms));
  config.report_cache_ttl = absl::Seconds(absl::GetFlag(FLAGS_report_cache_ttl_seconds));
  config.report_cache = absl::GetFlag(FLAGS_report_cache);

  errors.CheckNonEmpty("host", config.server.host);
  errors.CheckPort("port", config.server.port, /*allow_zero=*/true);
  if (config.server.metrics_port != -1) {
    errors.CheckPort("metrics_port", config.server.metrics_port, /*allow_zero=*/true);
  }
  if (config.http.port != -1) {
    errors.CheckPort("http_port", config.http.port, /*allow_zero=*/true);
  }
  errors.CheckPositive("http_max_connections", config.http.max_connections);
  const int health_port = config.server.health_port;
  if (health_port < -1 || health_port > 65535) {
    errors.Add("health_port",
               absl::StrCat("must be -1 (off) or a port number in 0..65535, got ", health_port));
  } else if (health_port > 0 &&
             (health_port == config.server.port || health_port == config.server.metrics_port)) {
    errors.Add("health_port",
               absl::StrCat("must differ from --port and --metrics_port, got ", health_port));
  }
  if (drain < 0) errors.Add("drain_grace_seconds", "must not be negative");
  if (shutdown_delay < 0) errors.Add("shutdown_delay_seconds", "must not be negative");
  if (config.server.max_open_streams < 0) {
    errors.Add("max_watchers", "must not be negative (0 turns the cap off)");
  }
  if (config.server.tls_cert_file.empty() != config.server.tls_key_file.empty()) {
    errors.Add("tls_cert_file", "--tls_cert_file and --tls_key_file go together");
  }
  errors.CheckNonEmpty("internal_token", config.internal_token);
  for (auto [flag, address] : {std::pair{"event_addr", config.backends.event},
                               std::pair{"actor_addr", config.backends.actor},
                               std::pair{"stats_addr", config.backends.stats}}) {
    absl::StatusOr<lookout::ReplicaTarget> parsed = lookout::ParseReplicaTarget(address);
    if (!parsed.ok()) errors.Add(flag, parsed.status().message());
  }
  if (config.api_keys_file.empty() && config.api_keys_inline.empty()) {
    errors.Add("api_keys_file", "set it or LOOKOUT_API_KEYS, or nobody can call the gateway");
  }
  absl::Status limits = config.role_limits.Parse(absl::GetFlag(FLAGS_rate_limits));
  if (!limits.ok()) errors.Add("rate_limits", limits.message());
  absl::Status import_limits = config.import_limits.Parse(absl::GetFlag(FLAGS_import_rate_limits));
  if (!import_limits.ok()) errors.Add("import_rate_limits", import_limits.message());
  const std::string redis_addr = absl::GetFlag(FLAGS_redis_addr);
  if (redis_addr.empty()) {
    config.redis_host.clear();
  } else {
    absl::StatusOr<std::pair<std::string, int>> redis = lookout::gateway::SplitHostPort(redis_addr);
    if (redis.ok()) {
      config.redis_host = redis->first;
      config.redis_port = redis->second;
    } else {
      errors.Add("redis_addr", redis.status().message());
    }
  }
  if (config.limiter.lease.max_tokens < 1) errors.Add("rate_lease_max_tokens", "must be >= 1");
  if (config.limiter.lease.divisor < 1) errors.Add("rate_lease_divisor", "must be >= 1");
  errors.CheckPositive("replicas", config.limiter.replicas);
  errors.CheckPositive("rate_limit_redis_timeout_ms",
                       absl::GetFlag(FLAGS_rate_limit_redis_timeout_ms));
  errors.CheckPositive("keys_reload_ms", absl::GetFlag(FLAGS_keys_reload_ms));
  errors.CheckPositive("report_dependency_timeout_ms",
                       absl::GetFlag(FLAGS_report_dependency_timeout_ms));
  errors.CheckPositive("report_cache_ttl_seconds", absl::GetFlag(FLAGS_report_cache_ttl_seconds));
  errors.ExitIfAny();

  // The effective configuration, once; the token and the keys stay out of logs.
  lookout::LogInfo("config", {{"port", absl::StrCat(config.server.port)},
                              {"metrics_port", absl::StrCat(config.server.metrics_port)},
                              {"health_port", absl::StrCat(config.server.health_port)},
                              {"http_port", absl::StrCat(config.http.port)},
                              {"tls", config.server.tls_cert_file.empty() ? "off" : "on"},
                              {"event_addr", config.backends.event},
                              {"actor_addr", config.backends.actor},
                              {"stats_addr", config.backends.stats},
                              {"api_keys_file", config.api_keys_file},
                              {"redis_addr", redis_addr.empty() ? "off" : redis_addr},
                              {"rate_limits", absl::GetFlag(FLAGS_rate_limits)},
                              {"import_rate_limits", absl::GetFlag(FLAGS_import_rate_limits)},
                              {"replicas", absl::StrCat(config.limiter.replicas)}});

  absl::StatusOr<std::unique_ptr<lookout::gateway::GatewayServer>> server =
      lookout::gateway::GatewayServer::Start(std::move(config));
  if (!server.ok()) {
    lookout::LogError("cannot start the gateway", {{"error", server.status().ToString()}});
    return 1;
  }
  return (*server)->RunUntilSignal();
}
