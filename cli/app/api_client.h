// The connection to Lookout: one channel to the gateway (or, for development and benchmarks,
// one per backend service with the internal token), the credentials every call carries, and
// unary calls with a deadline and polite retries when the server asks the client to slow down.
#ifndef LOOKOUT_CLI_APP_API_CLIENT_H_
#define LOOKOUT_CLI_APP_API_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "lookout/gateway/v1/gateway_service.grpc.pb.h"
#include "lookout/stats/v1/stats_service.grpc.pb.h"

namespace lookout::cli {

struct ClientConfig {
  // The gateway, host:port ("https://host:port" means TLS for that address).
  std::string addr = "127.0.0.1:50051";
  // Sent as "authorization: Bearer <key>".
  std::string api_key;
  // Without an API key: sent as x-lookout-internal-token, for calling backends directly.
  std::string internal_token;
  // Per-service overrides of `addr` (direct calls to the backends).
  std::string event_addr;
  std::string actor_addr;
  std::string stats_addr;
  // Deadline of each unary call.
  absl::Duration timeout = absl::Seconds(30);
  // TLS on every channel: the server's certificate is checked against `ca_cert_pem` (PEM roots)
  // or, when that is empty, the system's default roots.
  bool tls = false;
  std::string ca_cert_pem;
  // The name the certificate must carry, instead of the address's host (an IP, say).
  std::string tls_server_name;
};

class ApiClient {
 public:
  explicit ApiClient(ClientConfig config);

  lookout::event::v1::EventService::Stub* events() { return events_.get(); }
  lookout::actor::v1::ActorService::Stub* actors() { return actors_.get(); }
  lookout::stats::v1::StatsService::Stub* stats() { return stats_.get(); }
  lookout::gateway::v1::GatewayService::Stub* gateway() { return gateway_.get(); }

  // Adds the credentials and a deadline `timeout` from now (none when infinite).
  void Prepare(grpc::ClientContext* context, absl::Duration timeout) const;
  void Prepare(grpc::ClientContext* context) const { Prepare(context, config_.timeout); }

  const ClientConfig& config() const { return config_; }
  // Where the event service's calls go (the gateway unless overridden).
  const std::string& event_addr() const { return event_target_; }
  // Whether that connection uses TLS.
  bool event_tls() const { return event_tls_; }

  // Runs `call(context)` with a fresh prepared context; on RESOURCE_EXHAUSTED (a rate limit)
  // waits as long as the server's RetryInfo says, or backs off, and tries again, for at most
  // kMaxRateLimitWait in all: a long import outlasts a tight limit instead of failing.
  template <typename Call>
  grpc::Status Unary(Call&& call) const {
    grpc::Status status;
    absl::Duration waited;
    for (int attempt = 0;; ++attempt) {
      grpc::ClientContext context;
      Prepare(&context);
      status = call(&context);
      if (status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
      const absl::Duration delay = RetryDelay(status, attempt);
      if (waited + delay > kMaxRateLimitWait) break;
      absl::SleepFor(delay);
      waited += delay;
    }
    return status;
  }

  static constexpr absl::Duration kMaxRateLimitWait = absl::Minutes(2);

  // How long to wait before retrying a RESOURCE_EXHAUSTED call: the server's google.rpc.RetryInfo
  // when it sent one, else an exponential back-off from 100 ms.
  static absl::Duration RetryDelay(const grpc::Status& status, int attempt);

 private:
  ClientConfig config_;
  std::string event_target_;
  bool event_tls_ = false;
  std::unique_ptr<lookout::event::v1::EventService::Stub> events_;
  std::unique_ptr<lookout::actor::v1::ActorService::Stub> actors_;
  std::unique_ptr<lookout::stats::v1::StatsService::Stub> stats_;
  std::unique_ptr<lookout::gateway::v1::GatewayService::Stub> gateway_;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_API_CLIENT_H_
