#include "common/replica_target.h"

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/metrics.h"
#include "common/metrics_interceptor.h"

namespace lookout {
namespace {

constexpr char kForms[] =
    "want host:port, a comma-separated list of IP:port (127.0.0.1:7001,127.0.0.1:7002) or a "
    "gRPC target (dns:///lookout-event:50052)";

enum class Family { kName, kIpv4, kIpv6 };

struct HostPort {
  std::string host;  // IPv6 without its brackets
  Family family = Family::kName;
};

absl::StatusOr<HostPort> ParseHostPort(absl::string_view item) {
  HostPort parsed;
  absl::string_view host;
  absl::string_view port;
  if (absl::StartsWith(item, "[")) {
    const size_t close = item.find(']');
    if (close == absl::string_view::npos || close + 1 >= item.size() || item[close + 1] != ':') {
      return absl::InvalidArgumentError(absl::StrCat("\"", item, "\" is not [IPv6]:port"));
    }
    host = item.substr(1, close - 1);
    port = item.substr(close + 2);
  } else {
    const size_t colon = item.rfind(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError(absl::StrCat("\"", item, "\" has no host:port"));
    }
    host = item.substr(0, colon);
    port = item.substr(colon + 1);
    if (absl::StrContains(host, ':')) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", item, "\": an IPv6 address goes in brackets, [::1]:50052"));
    }
  }
  int port_number = 0;
  if (!absl::SimpleAtoi(port, &port_number) || port_number < 1 || port_number > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("\"", item, "\" has no port in 1..65535"));
  }
  if (host.empty() || host.find_first_of(" \t/") != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("\"", item, "\" has no valid host"));
  }
  parsed.host = std::string(host);
  unsigned char buffer[16];
  if (inet_pton(AF_INET, parsed.host.c_str(), buffer) == 1) {
    parsed.family = Family::kIpv4;
  } else if (inet_pton(AF_INET6, parsed.host.c_str(), buffer) == 1) {
    parsed.family = Family::kIpv6;
  } else if (absl::StartsWith(item, "[")) {
    return absl::InvalidArgumentError(absl::StrCat("\"", item, "\" is not an IPv6 address"));
  }
  return parsed;
}

}  // namespace

absl::StatusOr<ReplicaTarget> ParseReplicaTarget(absl::string_view value) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat("is empty; ", kForms));
  if (absl::StartsWith(value, "dns:")) {
    absl::string_view rest = absl::StripPrefix(absl::StripPrefix(value, "dns:"), "///");
    absl::StatusOr<HostPort> host = ParseHostPort(rest);
    if (!host.ok() || absl::StrContains(rest, ',')) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", value, "\" is not dns:///name:port; ", kForms));
    }
    return ReplicaTarget{std::string(value), /*replicated=*/true};
  }
  if (absl::StrContains(value, "://") || absl::StartsWith(value, "ipv4:") ||
      absl::StartsWith(value, "ipv6:") || absl::StartsWith(value, "unix:")) {
    // Another gRPC target scheme, taken as the operator wrote it.
    return ReplicaTarget{std::string(value), absl::StrContains(value, ',')};
  }
  if (!absl::StrContains(value, ',')) {
    absl::StatusOr<HostPort> host = ParseHostPort(value);
    if (!host.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(host.status().message(), "; ", kForms));
    }
    return ReplicaTarget{std::string(value), /*replicated=*/false};
  }
  std::vector<std::string> items;
  std::set<std::string> seen;
  Family family = Family::kName;
  int index = 0;
  for (absl::string_view item : absl::StrSplit(value, ',')) {
    ++index;
    if (item.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("item ", index, " of the list is empty; ", kForms));
    }
    absl::StatusOr<HostPort> host = ParseHostPort(item);
    if (!host.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("item ", index, ": ", host.status().message(), "; ", kForms));
    }
    if (host->family == Family::kName) {
      return absl::InvalidArgumentError(absl::StrCat(
          "item ", index, " \"", item,
          "\": a list takes IP addresses only (for a name that resolves to every replica use "
          "dns:///name:port)"));
    }
    if (family != Family::kName && host->family != family) {
      return absl::InvalidArgumentError(
          absl::StrCat("item ", index, " \"", item, "\": a list takes one address family"));
    }
    family = host->family;
    if (!seen.insert(std::string(item)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("item ", index, " \"", item, "\" is listed twice"));
    }
    items.emplace_back(item);
  }
  return ReplicaTarget{
      absl::StrCat(family == Family::kIpv4 ? "ipv4:" : "ipv6:", absl::StrJoin(items, ",")),
      /*replicated=*/true};
}

std::string ReplicaServiceConfig(const ReplicaTarget& target, absl::string_view health_service,
                                 bool read_retries) {
  std::string config = R"({"loadBalancingConfig":[{"round_robin":{}}])";
  if (target.replicated && !health_service.empty()) {
    // A single address keeps taking calls while it reports NOT_SERVING (there is nowhere else
    // to send them during its shutdown delay); with several, the balancer leaves it at once.
    absl::StrAppend(&config, R"(,"healthCheckConfig":{"serviceName":")", health_service, R"("})");
  }
  if (read_retries) {
    // gRPC caps maxAttempts at 5; 3 tries cover a replica going away and one more hiccup.
    absl::StrAppend(&config,
                    R"(,"methodConfig":[{"name":[{}],"retryPolicy":{"maxAttempts":3,)"
                    R"("initialBackoff":"0.05s","maxBackoff":"0.2s","backoffMultiplier":2,)"
                    R"("retryableStatusCodes":["UNAVAILABLE"]}}])");
  }
  absl::StrAppend(&config, "}");
  return config;
}

std::shared_ptr<grpc::Channel> CreateReplicaChannel(const ReplicaTarget& target,
                                                    absl::string_view health_service,
                                                    grpc::ChannelArguments arguments,
                                                    bool read_retries) {
  arguments.SetServiceConfigJSON(ReplicaServiceConfig(target, health_service, read_retries));
  // gRPC 1.51 retries transparently (without any retryPolicy) a call that never left this client
  // or that the server refused unprocessed (REFUSED_STREAM, or above a GOAWAY's last stream id):
  // the race of a call picked onto a replica that is closing its connections.
  arguments.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  // The config above is the whole policy: none is taken from DNS TXT records.
  arguments.SetInt(GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION, 1);
  // Every call on the channel counts in grpc_client_* (metrics_interceptor.h).
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<ClientMetricsInterceptorFactory>(&MetricsRegistry::Global()));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target.target, grpc::InsecureChannelCredentials(), arguments, std::move(creators));
}

}  // namespace lookout
