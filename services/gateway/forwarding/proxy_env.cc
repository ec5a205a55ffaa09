#include "services/gateway/forwarding/proxy_env.h"

#include <chrono>

#include "absl/strings/match.h"

namespace lookout::gateway {
namespace {

bool Forwardable(grpc::string_ref key) {
  absl::string_view name(key.data(), key.size());
  return !absl::StartsWith(name, "grpc-") && !absl::StartsWith(name, ":") &&
         name != "content-type" && name != "te" && name != "user-agent";
}

}  // namespace

void CopyInitialMetadata(const grpc::ClientContext& from, grpc::ServerContextBase* to) {
  for (const auto& [key, value] : from.GetServerInitialMetadata()) {
    if (Forwardable(key)) {
      to->AddInitialMetadata(std::string(key.data(), key.size()),
                             std::string(value.data(), value.size()));
    }
  }
}

void CopyTrailingMetadata(const grpc::ClientContext& from, grpc::ServerContextBase* to) {
  for (const auto& [key, value] : from.GetServerTrailingMetadata()) {
    if (Forwardable(key)) {
      to->AddTrailingMetadata(std::string(key.data(), key.size()),
                              std::string(value.data(), value.size()));
    }
  }
}

bool RetryFits(const grpc::ServerContextBase& serving, absl::Duration delay) {
  if (!HasDeadline(serving)) return true;
  // Room for the pause and a little for the call itself.
  return std::chrono::system_clock::now() + absl::ToChronoMilliseconds(delay * 2) <
         serving.deadline();
}

}  // namespace lookout::gateway
