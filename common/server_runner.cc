#include "common/server_runner.h"

#include <grpc/grpc.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/support/server_interceptor.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.pb.h"
#include "common/callback_sequence.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/metrics_exposer.h"
#include "common/malformed_request_interceptor.h"
#include "common/metrics_interceptor.h"

namespace lookout {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Drops every ServerBuilder plugin (reflection registers itself as one, globally, for every
// builder made after InitProtoReflectionServerBuilderPlugin): the health port serves health alone.
class NoPluginsOption final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->clear();
  }
};

// Every method but grpc.health.v1.Health on the health port. Registering it also gives the
// server the callback method a builder insists on: the default health service is only added
// once the server starts, after that check.
class HealthPortOtherMethods final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new Reactor(context->method());
  }

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Reactor(const std::string& method) {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                          absl::StrCat("unknown method ", method,
                                       ": this port serves grpc.health.v1.Health only")));
    }
    void OnDone() override { delete this; }
  };
};

int Millis(absl::Duration duration) {
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(duration), INT32_MAX));
}

// Without these a peer that vanished, one that connects and sends nothing, and one that just
// stays connected each hold a connection (and its memory) for as long as the process runs.
void AddConnectionLimits(const ServerOptions& options, grpc::ServerBuilder* builder) {
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, Millis(options.keepalive_time));
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Millis(options.keepalive_timeout));
  // Pings idle connections too: a half-open one without calls is found as well.
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                              Millis(options.max_connection_idle));
  builder->AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                              Millis(options.handshake_timeout));
}

// Counts the calls a server has in flight: an interceptor lives exactly as long as its call.
class CallCounterFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallCounterFactory(std::atomic<int>* count) : count_(count) { made_.Release(); }
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo*) override {
    made_.Acquire();
    return new Counter(count_);
  }

 private:
  class Counter final : public grpc::experimental::Interceptor {
   public:
    explicit Counter(std::atomic<int>* count) : count_(count) {
      count_->fetch_add(1, std::memory_order_relaxed);
    }
    // The last touch of the runner this call makes: gRPC destroys a call's interceptors when the
    // last reference to the call's ServerRpcInfo goes, which may be on a gRPC thread after
    // Server::Wait has returned. The release pairs with ~ServerRunner's acquire load, which waits
    // for this before the counter is freed.
    ~Counter() override { count_->fetch_sub(1, std::memory_order_release); }
    void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
      methods->Proceed();
    }

   private:
    std::atomic<int>* const count_;
  };
  std::atomic<int>* const count_;
  // Made on the thread that builds the server, used on the gRPC threads that receive its calls
  // (common/callback_sequence.h).
  CallbackSequence made_;
};

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void InstallProcessSignalHandling() {
  signal(SIGPIPE, SIG_IGN);
  // Debian's Abseil checks every mutex acquisition for lock-order cycles, a few percent of
  // every RPC; our locks are tested, so skip the bookkeeping in the binaries.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Blocked here, before any thread starts, so every thread inherits the mask and
  // RunUntilSignal receives them with sigwait.
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ServerRunner::ServerRunner(ServerOptions options)
    : options_(std::move(options)),
      open_streams_(options_.max_open_streams, options_.max_open_streams_flag) {}

ServerRunner::~ServerRunner() {
  Stop();
  // Server::Wait (in Stop) returns once every call has ended, but a call's interceptors (and so
  // CallCounterFactory's decrement of calls_in_flight_) are destroyed when gRPC drops the call's
  // last reference, possibly a moment later on one of its threads. Freeing the runner before
  // then would let that decrement write freed memory. The acquire load orders every decrement
  // before the runner's destruction. It takes microseconds: no call can start any more.
  while (calls_in_flight_.load(std::memory_order_acquire) != 0) {
    absl::SleepFor(absl::Milliseconds(1));
  }
}

void ServerRunner::AddService(grpc::Service* service, std::string full_name) {
  services_.emplace_back(service, std::move(full_name));
}

void ServerRunner::AddGenericService(grpc::CallbackGenericService* service) {
  generic_service_ = service;
}

std::shared_ptr<grpc::Channel> ServerRunner::InProcessChannel(const grpc::ChannelArguments& args) {
  return server_->InProcessChannel(args);
}

int ServerRunner::metrics_port() const {
  return metrics_server_ ? metrics_server_->port() : -1;
}

absl::Status ServerRunner::Start() {
  // Reflection can describe grpc.health.v1.Health only if its generated descriptor is linked in;
  // nothing else references it, so the linker would drop it from the static proto library.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  if (options_.reflection) grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    absl::StatusOr<std::string> cert = ReadFile(options_.tls_cert_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFile(options_.tls_key_file);
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  }

  grpc::ServerBuilder builder;
  // An occupied port must be an error, not a silent share with a stale process.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  AddConnectionLimits(options_, &builder);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  // The sync server otherwise keeps only two polling threads and starts and stops threads
  // under load as handlers wait for storage; a bounded quota keeps the count finite.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, -1);
  grpc::ResourceQuota quota("lookout-server");
  quota.SetMaxThreads(options_.max_threads);
  builder.SetResourceQuota(quota);
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  builder.AddListeningPort(absl::StrCat(options_.host, ":", options_.port), credentials, &port_);
  for (auto& [service, name] : services_) builder.RegisterService(service);
  if (generic_service_ != nullptr) builder.RegisterCallbackGenericService(generic_service_);

  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  // First, so that the metrics record the status the caller gets.
  factories.push_back(std::make_unique<MalformedRequestInterceptorFactory>());
  factories.push_back(std::make_unique<MetricsInterceptorFactory>(&MetricsRegistry::Global()));
  factories.push_back(std::make_unique<CallCounterFactory>(&calls_in_flight_));
  builder.experimental().SetInterceptorCreators(std::move(factories));

  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.host, ":",
                                               options_.port, " (is the port in use?)"));
  }
  if (options_.metrics_port >= 0) {
    auto metrics = MetricsExposer::Start(
        options_.metrics_host.empty() ? options_.host : options_.metrics_host,
        options_.metrics_port, &MetricsRegistry::Global());
    if (!metrics.ok()) {
      Stop();
      return metrics.status();
    }
    metrics_server_ = std::move(*metrics);
  }
  if (options_.health_port >= 0) {
    absl::Status health = StartHealthServer();
    if (!health.ok()) {
      Stop();
      return health;
    }
  }
  SetServing(options_.serving_at_start);
  LogInfo("serving", {{"address", absl::StrCat(options_.host, ":", port_)},
                      {"metrics_port", absl::StrCat(metrics_port())},
                      {"metrics_host",
                       options_.metrics_host.empty() ? options_.host : options_.metrics_host},
                      {"health_port", absl::StrCat(health_port())},
                      {"reflection", options_.reflection ? "on" : "off"},
                      {"tls", options_.tls_cert_file.empty() ? "off" : "on"}});
  return absl::OkStatus();
}

absl::Status ServerRunner::StartHealthServer() {
  // grpc::EnableDefaultHealthCheckService (Start) gives this server its own default health
  // service; SetHealthLocked keeps it equal to the serving port's.
  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetOption(std::make_unique<NoPluginsOption>());
  AddConnectionLimits(options_, &builder);
  builder.SetMaxReceiveMessageSize(64 * 1024);
  health_port_other_methods_ = std::make_unique<HealthPortOtherMethods>();
  builder.RegisterCallbackGenericService(health_port_other_methods_.get());
  builder.AddListeningPort(absl::StrCat(options_.host, ":", options_.health_port),
                           grpc::InsecureServerCredentials(), &health_port_);
  health_server_ = builder.BuildAndStart();
  if (health_server_ == nullptr || health_port_ == 0 ||
      health_server_->GetHealthCheckService() == nullptr) {
    health_server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.host, ":",
                                               options_.health_port,
                                               " for the health port (is the port in use?)"));
  }
  // Its default "" starts SERVING; Start's SetServing sets the real statuses right after.
  health_server_->GetHealthCheckService()->SetServingStatus(false);
  return absl::OkStatus();
}

void ServerRunner::SetHealthLocked(bool serving) {
  for (grpc::Server* server : {server_.get(), health_server_.get()}) {
    if (server == nullptr) continue;
    grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
    if (health == nullptr) continue;
    health->SetServingStatus(serving);
    for (auto& [service, name] : services_) health->SetServingStatus(name, serving);
  }
}

void ServerRunner::SetServing(bool serving) {
  absl::MutexLock lock(&health_mu_);
  if (draining_) return;
  SetHealthLocked(serving);
}

void ServerRunner::Stop() {
  if (server_ == nullptr || stopped_) return;
  stopped_ = true;
  {
    // Both ports flip together, and no later SetServing(true) can flip either back.
    absl::MutexLock lock(&health_mu_);
    draining_ = true;
    SetHealthLocked(false);
  }
  LogInfo("stopping", {{"shutdown_delay_ms",
                        absl::StrCat(absl::ToInt64Milliseconds(options_.shutdown_delay))}});
  // Still serving: whoever routes by health (a load balancer, a probe) has this long to notice
  // NOT_SERVING and send new calls elsewhere before the port closes.
  if (options_.shutdown_delay > absl::ZeroDuration()) absl::SleepFor(options_.shutdown_delay);
  // Follow streams never end by themselves: ended now with UNAVAILABLE, their clients reconnect
  // (elsewhere, or here after the restart) and resume from their last sequence, and the drain
  // below waits only for calls that do end.
  const int open_streams = open_streams_.open();
  open_streams_.EndAll();
  LogInfo("draining", {{"grace_ms", absl::StrCat(absl::ToInt64Milliseconds(options_.drain_grace))},
                       {"streams_ended", absl::StrCat(open_streams)}});
  // Calls still running at the deadline are cancelled; handlers watch IsCancelled.
  // Shutdown also waits for every client to close its connection after the GOAWAY, and an idle
  // client may take seconds to read it (a synchronous gRPC client polls an idle connection only
  // every 5 s): once no call is left, the connections are closed from this side. (Should the
  // check run a moment before Shutdown has begun, it only drops idle connections early.)
  std::atomic<bool> shutting_down{false};
  absl::Notification shut_down;
  std::thread closer([this, &shutting_down, &shut_down] {
    while (!shut_down.WaitForNotificationWithTimeout(absl::Milliseconds(10))) {
      if (shutting_down.load() && calls_in_flight_.load() == 0) {
        grpc_server_cancel_all_calls(server_->c_server());  // none left: only disconnects
        return;
      }
    }
  });
  shutting_down.store(true);
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(options_.drain_grace));
  shut_down.Notify();
  closer.join();
  server_->Wait();
  // The health port outlives the drain, so probes read NOT_SERVING rather than a refused
  // connection while calls finish; open Watch streams end here.
  if (health_server_ != nullptr) {
    health_server_->Shutdown(std::chrono::system_clock::now());
    health_server_->Wait();
  }
  // Last, so a scrape sees the drain. civetweb notices its stop between two polls of the
  // listening socket: this takes up to 2 s more (well within the pods' termination grace).
  metrics_server_.reset();
  LogInfo("stopped");
}

int ServerRunner::RunUntilSignal() {
  sigset_t set = StopSignals();
  int signal_number = 0;
  sigwait(&set, &signal_number);
  LogInfo("stop requested", {{"signal", absl::StrCat(signal_number)}});
  Stop();
  return 0;
}

}  // namespace lookout
