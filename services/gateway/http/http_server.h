// The gateway's HTTP/1.1 listener (Boost.Beast): the public API as HTTP/JSON, transcoded by the
// routes in the protos' google.api.http options and sent through the gateway's own gRPC server,
// and the dashboard's static files. Robust against slow and hostile clients: a cap on
// connections, a time limit for reading each request, its header and its body, and for writing
// each piece of a response, size limits on headers and bodies, keep-alive with an idle timeout.
#ifndef LOOKOUT_SERVICES_GATEWAY_HTTP_HTTP_SERVER_H_
#define LOOKOUT_SERVICES_GATEWAY_HTTP_HTTP_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/gateway/http/http_router.h"

namespace lookout::gateway {

struct HttpOptions {
  std::string host = "0.0.0.0";
  int port = -1;  // -1: no HTTP listener; 0 picks a free port
  std::string dashboard_dir;  // empty: "/" answers 404 saying so
  int max_connections = 1000;  // beyond it a new connection gets 503 and is closed
  size_t max_header_bytes = 16 * 1024;  // 431 beyond
  size_t max_body_bytes = 4 * 1024 * 1024;  // 413 beyond (a gRPC message's own limit)
  size_t max_import_body_bytes = 256 * 1024 * 1024;  // an ImportEvents JSONL body
  // A kept-alive connection waits this long for its next request.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Once a request has begun, its header and body must arrive within this (an import body:
  // within the gRPC client-stream deadline, 10 min).
  absl::Duration request_timeout = absl::Seconds(30);
  absl::Duration import_body_timeout = absl::Minutes(10);
  // Each write of a response (a stream's each message) must be taken by the client within this.
  absl::Duration write_timeout = absl::Seconds(30);
  // A stream with nothing to send writes a heartbeat this often (an empty line in NDJSON, a
  // comment in server-sent events), so proxies keep it and a vanished client is noticed.
  absl::Duration heartbeat = absl::Seconds(15);
  int threads = 2;
  int max_message_bytes = 4 * 1024 * 1024;
};

class HttpServer {
 public:
  // Reads the routes from the descriptors of `grpc_paths`, binds and starts serving, calling
  // through `channel` (the gateway's in-process channel).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      HttpOptions options, const std::vector<std::string>& grpc_paths,
      std::shared_ptr<grpc::Channel> channel);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  // Stops accepting, cancels the calls in flight, closes every connection. Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_HTTP_HTTP_SERVER_H_
