// One way to run a gRPC server, used by every binary: bind (port 0 reads the real port back),
// health per service name, reflection, keepalive and connection timeouts, message limits, metrics,
// an optional plaintext health-only port, a cap on open streams, and a graceful stop.
#ifndef LOOKOUT_COMMON_SERVER_RUNNER_H_
#define LOOKOUT_COMMON_SERVER_RUNNER_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/open_streams.h"

namespace lookout {

class MetricsHttpServer;

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 0;
  bool reflection = true;
  // Prometheus /metrics; -1 turns it off, 0 picks a free port.
  int metrics_port = -1;
  // After a stop is asked for: health reports NOT_SERVING at once, but calls are still accepted
  // for `shutdown_delay`, so that load balancers and probes route away first. Then open streams
  // (OpenStreams) end with UNAVAILABLE, the port closes, and the calls in flight get up to
  // `drain_grace` to finish.
  absl::Duration shutdown_delay = absl::ZeroDuration();
  absl::Duration drain_grace = absl::Seconds(10);
  // Long-lived streams open at once (see open_streams()); 0 means no cap. `max_open_streams_flag`
  // names the setting in the RESOURCE_EXHAUSTED message.
  int max_open_streams = 0;
  std::string max_open_streams_flag;
  // Connections: a keepalive ping after `keepalive_time` without activity, the connection closed
  // when it is not acknowledged within `keepalive_timeout` (a half-open peer); a connection with
  // no call for `max_connection_idle` is closed (GOAWAY); one that has not finished its HTTP/2
  // (and TLS) handshake within `handshake_timeout` is dropped.
  absl::Duration keepalive_time = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(10);
  absl::Duration max_connection_idle = absl::Seconds(60);
  absl::Duration handshake_timeout = absl::Seconds(10);
  int max_message_bytes = 4 * 1024 * 1024;
  // Upper bound on the sync server's handler threads.
  int max_threads = 256;
  // Health status right after Start(). A service that must load state first (the stats read
  // model) starts NOT_SERVING and calls SetServing(true) when ready, so no probe ever sees it
  // SERVING too early.
  bool serving_at_start = true;
  // Optional TLS on the serving port (PEM file paths).
  std::string tls_cert_file;
  std::string tls_key_file;
  // A second, always plaintext port serving grpc.health.v1.Health alone (no reflection, no other
  // service, no interceptors), reporting exactly the statuses of the serving port: Kubernetes'
  // native gRPC probes cannot speak TLS. -1 turns it off, 0 picks a free port.
  int health_port = -1;
};

class ServerRunner {
 public:
  explicit ServerRunner(ServerOptions options);
  ~ServerRunner();

  // `full_name` like "lookout.event.v1.EventService": health reports it separately.
  void AddService(grpc::Service* service, std::string full_name);
  void AddGenericService(grpc::CallbackGenericService* service);

  // The server's long-lived streams: their handlers Add and Remove themselves; Stop ends them.
  OpenStreams* open_streams() { return &open_streams_; }

  absl::Status Start();
  int port() const { return port_; }
  // A channel to this server that skips the network, after Start: calls through it meet the
  // same services and interceptors as calls from outside (the gateway's HTTP/JSON listener).
  std::shared_ptr<grpc::Channel> InProcessChannel(const grpc::ChannelArguments& args);
  int metrics_port() const;
  // The bound health-only port, or -1 when there is none.
  int health_port() const { return health_server_ ? health_port_ : -1; }

  // Sets every registered name and the overall "" status, on the serving port and the health
  // port alike. Ignored once Stop has begun: a stopping server stays NOT_SERVING.
  void SetServing(bool serving);
  // Health NOT_SERVING (both ports at once); calls still accepted for shutdown_delay; then open
  // streams end with UNAVAILABLE and the server shuts down letting calls finish within
  // drain_grace; the health port answers NOT_SERVING until the serving port has shut down.
  void Stop();
  // Blocks until SIGTERM or SIGINT (or Stop from another thread), then stops. Returns 0.
  int RunUntilSignal();

 private:
  ServerOptions options_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  grpc::CallbackGenericService* generic_service_ = nullptr;
  absl::Status StartHealthServer();
  void SetHealthLocked(bool serving) ABSL_EXCLUSIVE_LOCKS_REQUIRED(health_mu_);

  OpenStreams open_streams_;
  std::atomic<int> calls_in_flight_{0};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::CallbackGenericService> health_port_other_methods_;
  std::unique_ptr<grpc::Server> health_server_;
  std::unique_ptr<MetricsHttpServer> metrics_server_;
  int port_ = 0;
  int health_port_ = 0;
  bool stopped_ = false;
  // Orders status updates (SetServing may run on another thread, e.g. the stats feed) against
  // Stop, so both ports always report the same thing.
  absl::Mutex health_mu_;
  bool draining_ ABSL_GUARDED_BY(health_mu_) = false;
};

// Ignores SIGPIPE (a closed Redis socket must not kill the process) and routes SIGTERM/SIGINT
// to RunUntilSignal. Call once at the top of main.
void InstallProcessSignalHandling();

}  // namespace lookout

#endif  // LOOKOUT_COMMON_SERVER_RUNNER_H_
