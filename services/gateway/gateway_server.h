// The gateway assembled: keys, access control, the rate limiter (Redis-backed, local fallback),
// the backends, the forwarding services, GatewayService and the server runner. main.cc only
// turns flags into a GatewayConfig; tests build one directly.
#ifndef LOOKOUT_SERVICES_GATEWAY_GATEWAY_SERVER_H_
#define LOOKOUT_SERVICES_GATEWAY_GATEWAY_SERVER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/redis_cache.h"
#include "common/server_runner.h"
#include "services/gateway/access/access_control.h"
#include "services/gateway/access/admission.h"
#include "services/gateway/access/api_keys.h"
#include "services/gateway/access/rate_limiter.h"
#include "services/gateway/access/redis_gcra.h"
#include "services/gateway/blocking_pool.h"
#include "services/gateway/forwarding/backends.h"
#include "services/gateway/forwarding/forwarding_service.h"
#include "services/gateway/forwarding/proxy_env.h"
#include "services/gateway/gateway_service.h"
#include "services/gateway/http/http_server.h"
#include "services/gateway/reports/report_cache.h"
#include "services/gateway/reports/situation_report.h"

namespace lookout::gateway {

struct GatewayConfig {
  ServerOptions server;  // host, port, reflection, metrics, TLS, health port, drain grace
  BackendAddresses backends;
  std::string internal_token;
  std::string api_keys_file;
  std::string api_keys_inline;
  absl::Duration keys_reload_interval = absl::Seconds(1);
  RoleRateLimits role_limits;
  // The import budget per role (rows per second and burst) and its leases: a trip to Redis
  // takes up to 16 of an import's chunks (kMaxImportChunkRows) when the bucket has plenty.
  RoleRateLimits import_limits{Budget::kImports};
  LeasePolicy import_lease{16 * kMaxImportChunkRows, 16};
  // Redis for the shared rate limits and the report cache; disabled when host is empty.
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  RateLimiterOptions limiter;  // leases, and `replicas` for the local fallback's share
  // The rate limiter's time budget for one Redis round trip: a Redis slower than this (a stall,
  // an outage) sends decisions to the local fallback; a shorter stall only delays calls.
  absl::Duration rate_limit_redis_timeout = absl::Milliseconds(500);
  DeadlinePolicy deadlines;
  absl::Duration retry_delay = absl::Milliseconds(50);
  absl::Duration report_dependency_timeout = absl::Seconds(5);
  absl::Duration report_cache_ttl = absl::Seconds(30);
  bool report_cache = true;  // needs Redis too
  bool propagate_cancellation = true;  // tests only: see ProxyEnv
  // The HTTP/JSON listener and dashboard (port -1: none); calls go through the gRPC server.
  HttpOptions http;
};

class GatewayServer {
 public:
  // Builds everything and starts serving; errors for bad keys or a port that cannot be bound.
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(GatewayConfig config);
  ~GatewayServer();
  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;

  int port() const { return runner_->port(); }
  // The plaintext health-only port (ServerOptions::health_port), or -1.
  int health_port() const { return runner_->health_port(); }
  // The HTTP/JSON port, or -1.
  int http_port() const { return http_ ? http_->port() : -1; }
  // Health NOT_SERVING, drain, stop. Idempotent.
  void Stop();
  // Until SIGTERM/SIGINT; see ServerRunner.
  int RunUntilSignal();

  const RateLimiter& rate_limiter() const { return *limiter_; }
  const RateLimiter& import_rate_limiter() const { return *import_limiter_; }
  const ApiKeyRing& key_ring() const { return key_ring_; }

 private:
  explicit GatewayServer(GatewayConfig config);
  absl::Status Init();

  const GatewayConfig config_;
  ApiKeyRing key_ring_;
  std::unique_ptr<ApiKeySource> key_source_;
  std::unique_ptr<AccessControl> access_;
  std::unique_ptr<RedisCache> redis_;       // the report cache's
  std::unique_ptr<RedisCache> rate_redis_;  // the rate limiter's, with its own time budget
  std::unique_ptr<RedisGcra> redis_gcra_;
  std::unique_ptr<RedisGcra> import_gcra_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<RateLimiter> import_limiter_;  // borrows limiter_'s replica count
  std::unique_ptr<Admission> admission_;
  std::unique_ptr<Backends> backends_;
  ProxyEnv proxy_env_;
  std::unique_ptr<ReportCache> report_cache_;
  std::unique_ptr<event::v1::EventService::Stub> event_stub_;
  std::unique_ptr<actor::v1::ActorService::Stub> actor_stub_;
  std::unique_ptr<stats::v1::StatsService::Stub> stats_stub_;
  ReportDeps report_deps_;
  std::vector<std::unique_ptr<ForwardingService>> forwarding_;
  std::unique_ptr<GatewayServiceImpl> gateway_service_;
  UnknownMethodService unknown_methods_;
  // Declared late so it is destroyed early (after the server, before what its tasks touch):
  // its destructor runs the queued tasks (rate-limit round trips, cache writes) and joins.
  std::unique_ptr<BlockingPool> pool_;
  std::unique_ptr<ServerRunner> runner_;
  std::unique_ptr<HttpServer> http_;  // destroyed before the server it calls
  absl::Notification stop_reloading_;
  std::thread key_reloader_;
};

// "host:port" -> {host, port}; InvalidArgument when it is not that.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& address);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_GATEWAY_SERVER_H_
