#include "services/gateway/gateway_server.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/status_macros.h"

namespace lookout::gateway {

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 1 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", address, "\": expected host:port, e.g. 127.0.0.1:6379"));
  }
  return std::make_pair(address.substr(0, colon), port);
}

GatewayServer::GatewayServer(GatewayConfig config) : config_(std::move(config)) {}

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(GatewayConfig config) {
  std::unique_ptr<GatewayServer> server(new GatewayServer(std::move(config)));
  absl::Status started = server->Init();
  if (!started.ok()) return started;
  return server;
}

absl::Status GatewayServer::Init() {
  LinkApiDescriptors();
  absl::Status routes = CheckRoutesAgainstDescriptors();
  if (!routes.ok()) return routes;

  key_source_ = std::make_unique<ApiKeySource>(config_.api_keys_file, config_.api_keys_inline,
                                               &key_ring_, &MetricsRegistry::Global());
  absl::Status keys = key_source_->Load();
  if (!keys.ok()) return keys;
  if (key_ring_.size() == 0) {
    return absl::FailedPreconditionError(
        "no API keys configured: nobody could call the gateway (set --api_keys_file or "
        "LOOKOUT_API_KEYS; lookout-gateway --new_key NAME ROLE makes one)");
  }
  access_ = std::make_unique<AccessControl>(&key_ring_, config_.role_limits, config_.import_limits);

  pool_ = std::make_unique<BlockingPool>(2);
  if (!config_.redis_host.empty()) {
    RedisOptions redis;
    redis.host = config_.redis_host;
    redis.port = config_.redis_port;
    // Short timeouts: a call waits on Redis only when its key has no lease, and a slow Redis
    // must turn into the local fallback quickly rather than into slow calls.
    redis.connect_timeout = absl::Milliseconds(50);
    redis.command_timeout = absl::Milliseconds(50);
    redis.cache_name = "gateway";
    redis_ = std::make_unique<RedisCache>(redis, &MetricsRegistry::Global());
    // The limiter's own connections and back-off: it waits for Redis up to its time budget, so a
    // short stall delays calls instead of handing them to the local fallback (which, with every
    // replica's share fresh, could let a key past its shared limit), and a report-cache timeout
    // does not switch the limits to local.
    RedisOptions rate_redis = redis;
    rate_redis.connect_timeout = config_.rate_limit_redis_timeout;
    rate_redis.command_timeout = config_.rate_limit_redis_timeout;
    rate_redis.cache_name = "gateway_rate";
    rate_redis_ = std::make_unique<RedisCache>(rate_redis);
    redis_gcra_ = std::make_unique<RedisGcra>(rate_redis_.get());
    import_gcra_ = std::make_unique<RedisGcra>(rate_redis_.get(), kImportKeyPrefix);
    if (config_.report_cache) {
      report_cache_ = std::make_unique<ReportCache>(redis_.get(), config_.report_cache_ttl);
    }
  }
  limiter_ = std::make_unique<RateLimiter>(redis_gcra_.get(), pool_.get(), config_.limiter);
  // The import budget: its own buckets, the same Redis, leases sized for rows and the same
  // fallback, dividing by the replica count the call budget's limiter keeps.
  RateLimiterOptions import_options = config_.limiter;
  import_options.lease = config_.import_lease;
  import_options.replicas_from = limiter_.get();
  import_limiter_ = std::make_unique<RateLimiter>(import_gcra_.get(), pool_.get(), import_options);
  admission_ = std::make_unique<Admission>(access_.get(), limiter_.get(), import_limiter_.get(),
                                           &MetricsRegistry::Global());

  LOOKOUT_RETURN_IF_ERROR(CheckBackendAddresses(config_.backends));
  backends_ = std::make_unique<Backends>(config_.backends, config_.server.max_message_bytes);
  proxy_env_.admission = admission_.get();
  proxy_env_.backends = backends_.get();
  proxy_env_.internal_token = config_.internal_token;
  proxy_env_.deadlines = config_.deadlines;
  proxy_env_.retry_delay = config_.retry_delay;
  proxy_env_.propagate_cancellation = config_.propagate_cancellation;

  // The report's calls are all reads.
  event_stub_ = event::v1::EventService::NewStub(backends_->read_channel(Backend::kEvent));
  actor_stub_ = actor::v1::ActorService::NewStub(backends_->read_channel(Backend::kActor));
  stats_stub_ = stats::v1::StatsService::NewStub(backends_->read_channel(Backend::kStats));
  report_deps_.event = event_stub_.get();
  report_deps_.actor = actor_stub_.get();
  report_deps_.stats = stats_stub_.get();
  report_deps_.internal_token = config_.internal_token;
  report_deps_.dependency_timeout = config_.report_dependency_timeout;
  report_deps_.cache = report_cache_.get();
  report_deps_.pool = pool_.get();

  runner_ = std::make_unique<ServerRunner>(config_.server);
  proxy_env_.streams = runner_->open_streams();
  for (const std::string& service : ForwardedServices()) {
    forwarding_.push_back(std::make_unique<ForwardingService>(service, &proxy_env_));
    runner_->AddService(forwarding_.back().get(), service);
  }
  gateway_service_ = std::make_unique<GatewayServiceImpl>(admission_.get(), &report_deps_);
  runner_->AddService(gateway_service_.get(), kGatewayServiceName);
  runner_->AddGenericService(&unknown_methods_);
  absl::Status started = runner_->Start();
  if (!started.ok()) return started;
  if (config_.http.port >= 0) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(config_.server.max_message_bytes);
    args.SetMaxSendMessageSize(config_.server.max_message_bytes);
    std::vector<std::string> paths;
    for (const Route& route : Routes()) paths.push_back(route.path);
    absl::StatusOr<std::unique_ptr<HttpServer>> http =
        HttpServer::Start(config_.http, paths, runner_->InProcessChannel(args));
    if (!http.ok()) return http.status();
    http_ = std::move(*http);
  }

  key_reloader_ = std::thread([this] {
    while (!stop_reloading_.WaitForNotificationWithTimeout(config_.keys_reload_interval)) {
      // Logged and counted by the source itself.
      key_source_->ReloadIfChanged().IgnoreError();
    }
  });
  LogInfo("gateway ready",
          {{"keys", absl::StrCat(key_ring_.size())},
           {"redis", redis_ ? absl::StrCat(config_.redis_host, ":", config_.redis_port) : "off"},
           {"replicas", absl::StrCat(config_.limiter.replicas)},
           {"event", config_.backends.event},
           {"actor", config_.backends.actor},
           {"stats", config_.backends.stats}});
  return absl::OkStatus();
}

void GatewayServer::Stop() {
  // The gRPC drain first: HTTP calls in flight are its calls and finish within its grace.
  if (runner_ != nullptr) runner_->Stop();
  if (http_ != nullptr) http_->Stop();
  if (key_reloader_.joinable()) {
    stop_reloading_.Notify();
    key_reloader_.join();
  }
}

int GatewayServer::RunUntilSignal() {
  int code = runner_->RunUntilSignal();
  Stop();
  return code;
}

GatewayServer::~GatewayServer() { Stop(); }

}  // namespace lookout::gateway
