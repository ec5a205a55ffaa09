#include "services/gateway/forwarding/backends.h"

#include <grpcpp/support/channel_arguments.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/replica_target.h"

namespace lookout::gateway {
namespace {

grpc::ChannelArguments BackendChannelArguments(int max_message_bytes) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // Notices a backend that vanished without closing its socket (a killed VM, a cut network).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetMaxReceiveMessageSize(max_message_bytes);
  args.SetMaxSendMessageSize(max_message_bytes);
  return args;
}

const char* HealthServiceOf(Backend backend) {
  switch (backend) {
    case Backend::kEvent:
      return "lookout.event.v1.EventService";
    case Backend::kActor:
      return "lookout.actor.v1.ActorService";
    case Backend::kStats:
      return "lookout.stats.v1.StatsService";
    case Backend::kGateway:
      break;
  }
  return "";
}

}  // namespace

absl::Status CheckBackendAddresses(const BackendAddresses& addresses) {
  for (auto [flag, address] :
       {std::pair{"event_addr", &addresses.event}, std::pair{"actor_addr", &addresses.actor},
        std::pair{"stats_addr", &addresses.stats}}) {
    absl::StatusOr<ReplicaTarget> target = ParseReplicaTarget(*address);
    if (!target.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": ", target.status().message()));
    }
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> MakeBackendChannel(const std::string& address, int max_message_bytes,
                                                  Backend backend, bool read_retries) {
  absl::StatusOr<ReplicaTarget> target = ParseReplicaTarget(address);
  // Checked at start-up (CheckBackendAddresses); a value that got past it is used as written.
  ReplicaTarget use = target.ok() ? *target : ReplicaTarget{address, false};
  // round_robin (a dns:/// name of a headless Service or an address list gets every replica
  // calls; pick_first would pin all traffic to one) and, for several replicas, client-side health
  // checking: a replica that turns NOT_SERVING on SIGTERM gets no new calls.
  return CreateReplicaChannel(use, HealthServiceOf(backend),
                              BackendChannelArguments(max_message_bytes), read_retries);
}

Backends::Backends(const BackendAddresses& addresses, int max_message_bytes) {
  auto make = [max_message_bytes](const std::string& address, Backend backend) {
    Entry entry;
    // Forwarded calls retry by the gateway's own rule (UnaryProxy: reads, and writes that carry
    // a request_id), so this channel has only gRPC's transparent retries.
    entry.channel = MakeBackendChannel(address, max_message_bytes, backend, false);
    entry.stub = std::make_unique<grpc::GenericStub>(entry.channel);
    // The situation report makes reads only: gRPC's retryPolicy tries them on another replica.
    entry.read_channel = MakeBackendChannel(address, max_message_bytes, backend, true);
    return entry;
  };
  event_ = make(addresses.event, Backend::kEvent);
  actor_ = make(addresses.actor, Backend::kActor);
  stats_ = make(addresses.stats, Backend::kStats);
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

std::shared_ptr<grpc::Channel> Backends::read_channel(Backend backend) const {
  return entry(backend).read_channel;
}

grpc::GenericStub* Backends::generic(Backend backend) const { return entry(backend).stub.get(); }

}  // namespace lookout::gateway
