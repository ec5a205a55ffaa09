// One way to run a gRPC server, used by every binary: bind (port 0 reads the real port back),
// health per service name, reflection, keepalive, message limits, metrics, and a graceful stop.
#ifndef LOOKOUT_COMMON_SERVER_RUNNER_H_
#define LOOKOUT_COMMON_SERVER_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace lookout {

class MetricsHttpServer;

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 0;
  bool reflection = true;
  // Prometheus /metrics; -1 turns it off, 0 picks a free port.
  int metrics_port = -1;
  // How long in-flight calls may run after a stop is asked for.
  absl::Duration drain_grace = absl::Seconds(10);
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
};

class ServerRunner {
 public:
  explicit ServerRunner(ServerOptions options);
  ~ServerRunner();

  // `full_name` like "lookout.event.v1.EventService": health reports it separately.
  void AddService(grpc::Service* service, std::string full_name);
  void AddGenericService(grpc::CallbackGenericService* service);

  absl::Status Start();
  int port() const { return port_; }
  int metrics_port() const;

  // Sets every registered name and the overall "" status.
  void SetServing(bool serving);
  // Health NOT_SERVING, then shut down letting calls finish within drain_grace.
  void Stop();
  // Blocks until SIGTERM or SIGINT (or Stop from another thread), then stops. Returns 0.
  int RunUntilSignal();

 private:
  ServerOptions options_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  grpc::CallbackGenericService* generic_service_ = nullptr;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MetricsHttpServer> metrics_server_;
  int port_ = 0;
  bool stopped_ = false;
};

// Ignores SIGPIPE (a closed Redis socket must not kill the process) and routes SIGTERM/SIGINT
// to RunUntilSignal. Call once at the top of main.
void InstallProcessSignalHandling();

}  // namespace lookout

#endif  // LOOKOUT_COMMON_SERVER_RUNNER_H_
