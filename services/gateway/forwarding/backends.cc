#include "services/gateway/forwarding/backends.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <cstdlib>

namespace lookout::gateway {

std::shared_ptr<grpc::Channel> MakeBackendChannel(const std::string& address,
                                                  int max_message_bytes) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // Notices a backend that vanished without closing its socket (a killed VM, a cut network).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC's own retries stay off: the gateway retries idempotent reads itself, once.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetMaxReceiveMessageSize(max_message_bytes);
  args.SetMaxSendMessageSize(max_message_bytes);
  // With a dns:/// name of a headless Service every backend pod gets calls; pick_first would
  // pin one HTTP/2 connection, and so all traffic, to a single pod.
  args.SetLoadBalancingPolicyName("round_robin");
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

Backends::Backends(const BackendAddresses& addresses, int max_message_bytes) {
  auto make = [max_message_bytes](const std::string& address) {
    Entry entry;
    entry.channel = MakeBackendChannel(address, max_message_bytes);
    entry.stub = std::make_unique<grpc::GenericStub>(entry.channel);
    return entry;
  };
  event_ = make(addresses.event);
  actor_ = make(addresses.actor);
  stats_ = make(addresses.stats);
}

const Backends::Entry& Backends::entry(Backend backend) const {
  switch (backend) {
    case Backend::kEvent:
      return event_;
    case Backend::kActor:
      return actor_;
    case Backend::kStats:
      return stats_;
    case Backend::kGateway:
      break;
  }
  std::abort();  // the gateway's own methods are never forwarded
}

std::shared_ptr<grpc::Channel> Backends::channel(Backend backend) const {
  return entry(backend).channel;
}

grpc::GenericStub* Backends::generic(Backend backend) const { return entry(backend).stub.get(); }

}  // namespace lookout::gateway
