// A minimal HTTP/1.1 server for Prometheus scrapes and liveness checks.
//
//   GET /metrics  -> 200, the registry in text format 0.0.4
//   GET /healthz  -> 200 "ok"
//   other paths   -> 404; other methods -> 405; malformed or > 8 KiB -> 400/431
//
// One thread, one request per connection (Connection: close), blocking POSIX
// sockets with poll timeouts so shutdown is prompt and a slow or silent
// client cannot hold the thread for more than a couple of seconds. Scrapes
// are rare and tiny; this is deliberately not a general web server.

#ifndef LOOKOUT_COMMON_METRICS_HTTP_SERVER_H_
#define LOOKOUT_COMMON_METRICS_HTTP_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/metrics.h"

namespace lookout {

class MetricsHttpServer {
 public:
  // Binds host:port (port 0 picks a free port; read it back with port()) and
  // starts serving. `registry` must outlive the server.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const std::string& host, int port, MetricsRegistry* registry);

  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;
  // Stops accepting, finishes the current connection, joins the thread.
  ~MetricsHttpServer();

  int port() const { return port_; }

 private:
  MetricsHttpServer(int listen_fd, int port, MetricsRegistry* registry);
  void Serve();
  void HandleConnection(int fd);

  const int listen_fd_;
  const int port_;
  MetricsRegistry* const registry_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace lookout

#endif  // LOOKOUT_COMMON_METRICS_HTTP_SERVER_H_
