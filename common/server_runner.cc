#include "common/server_runner.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/support/server_interceptor.h>
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.pb.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/metrics_http_server.h"
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

ServerRunner::ServerRunner(ServerOptions options) : options_(std::move(options)) {}

ServerRunner::~ServerRunner() { Stop(); }

void ServerRunner::AddService(grpc::Service* service, std::string full_name) {
  services_.emplace_back(service, std::move(full_name));
}

void ServerRunner::AddGenericService(grpc::CallbackGenericService* service) {
  generic_service_ = service;
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
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
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
  factories.push_back(std::make_unique<MetricsInterceptorFactory>(&MetricsRegistry::Global()));
  builder.experimental().SetInterceptorCreators(std::move(factories));

  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.host, ":",
                                               options_.port, " (is the port in use?)"));
  }
  if (options_.metrics_port >= 0) {
    auto metrics = MetricsHttpServer::Start(options_.host, options_.metrics_port,
                                            &MetricsRegistry::Global());
    if (!metrics.ok()) {
      Stop();
      return metrics.status();
    }
    metrics_server_ = std::move(*metrics);
  }
  SetServing(options_.serving_at_start);
  LogInfo("serving", {{"address", absl::StrCat(options_.host, ":", port_)},
                      {"metrics_port", absl::StrCat(metrics_port())},
                      {"reflection", options_.reflection ? "on" : "off"},
                      {"tls", options_.tls_cert_file.empty() ? "off" : "on"}});
  return absl::OkStatus();
}

void ServerRunner::SetServing(bool serving) {
  if (server_ == nullptr) return;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus(serving);
  for (auto& [service, name] : services_) health->SetServingStatus(name, serving);
}

void ServerRunner::Stop() {
  if (server_ == nullptr || stopped_) return;
  stopped_ = true;
  SetServing(false);
  LogInfo("draining", {{"grace_ms", absl::StrCat(absl::ToInt64Milliseconds(
                                        options_.drain_grace))}});
  // Calls still running at the deadline are cancelled; handlers watch IsCancelled.
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(options_.drain_grace));
  server_->Wait();
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
