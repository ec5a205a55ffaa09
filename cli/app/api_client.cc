#include "cli/app/api_client.h"

#include <google/protobuf/unknown_field_set.h>

#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace lookout::cli {
namespace {

constexpr int kMaxReceiveBytes = 64 << 20;

struct Endpoint {
  std::string target;
  bool tls = false;
};

Endpoint Target(absl::string_view address, bool tls) {
  // Accept what people paste: "http://host:port" as well as "host:port"; "https://" means TLS.
  if (absl::ConsumePrefix(&address, "https://")) tls = true;
  absl::ConsumePrefix(&address, "http://");
  absl::ConsumePrefix(&address, "grpc://");
  return {std::string(address), tls};
}

// One channel per distinct address, so the services behind one gateway share a connection.
std::shared_ptr<grpc::Channel> ChannelFor(
    const Endpoint& endpoint, const ClientConfig& config,
    std::map<std::pair<std::string, bool>, std::shared_ptr<grpc::Channel>>* channels) {
  const std::pair<std::string, bool> key(endpoint.target, endpoint.tls);
  auto it = channels->find(key);
  if (it != channels->end()) return it->second;
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (endpoint.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = config.ca_cert_pem;  // empty: the default roots
    credentials = grpc::SslCredentials(ssl);
    if (!config.tls_server_name.empty()) {
      arguments.SetSslTargetNameOverride(config.tls_server_name);
    }
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  auto channel = grpc::CreateCustomChannel(endpoint.target, credentials, arguments);
  channels->emplace(key, channel);
  return channel;
}

const google::protobuf::UnknownField* FindField(const google::protobuf::UnknownFieldSet& set,
                                                int number,
                                                google::protobuf::UnknownField::Type type) {
  for (int i = 0; i < set.field_count(); ++i) {
    if (set.field(i).number() == number && set.field(i).type() == type) return &set.field(i);
  }
  return nullptr;
}

}  // namespace

ApiClient::ApiClient(ClientConfig config) : config_(std::move(config)) {
  std::map<std::pair<std::string, bool>, std::shared_ptr<grpc::Channel>> channels;
  const Endpoint gateway = Target(config_.addr, config_.tls);
  auto pick = [&](const std::string& override_addr) {
    return override_addr.empty() ? gateway : Target(override_addr, config_.tls);
  };
  auto channel = [&](const Endpoint& endpoint) { return ChannelFor(endpoint, config_, &channels); };
  const Endpoint event = pick(config_.event_addr);
  event_target_ = event.target;
  event_tls_ = event.tls;
  events_ = event::v1::EventService::NewStub(channel(event));
  actors_ = actor::v1::ActorService::NewStub(channel(pick(config_.actor_addr)));
  stats_ = stats::v1::StatsService::NewStub(channel(pick(config_.stats_addr)));
  gateway_ = gateway::v1::GatewayService::NewStub(channel(gateway));
}

void ApiClient::Prepare(grpc::ClientContext* context, absl::Duration timeout) const {
  if (!config_.api_key.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", config_.api_key));
  } else if (!config_.internal_token.empty()) {
    context->AddMetadata("x-lookout-internal-token", config_.internal_token);
  }
  if (timeout != absl::InfiniteDuration()) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  }
}

absl::Duration ApiClient::RetryDelay(const grpc::Status& status, int attempt) {
  // google.rpc.Status {3: repeated Any details}; Any {1: type_url, 2: value};
  // RetryInfo {1: Duration retry_delay}; Duration {1: seconds, 2: nanos}.
  using google::protobuf::UnknownField;
  using google::protobuf::UnknownFieldSet;
  UnknownFieldSet rpc_status;
  if (!status.error_details().empty() && rpc_status.ParseFromString(status.error_details())) {
    for (int i = 0; i < rpc_status.field_count(); ++i) {
      const UnknownField& detail = rpc_status.field(i);
      if (detail.number() != 3 || detail.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
      UnknownFieldSet any;
      if (!any.ParseFromString(detail.length_delimited())) continue;
      const UnknownField* type_url = FindField(any, 1, UnknownField::TYPE_LENGTH_DELIMITED);
      const UnknownField* value = FindField(any, 2, UnknownField::TYPE_LENGTH_DELIMITED);
      if (type_url == nullptr || value == nullptr ||
          !absl::EndsWith(type_url->length_delimited(), "google.rpc.RetryInfo")) {
        continue;
      }
      UnknownFieldSet retry_info, duration;
      const UnknownField* delay = nullptr;
      if (retry_info.ParseFromString(value->length_delimited())) {
        delay = FindField(retry_info, 1, UnknownField::TYPE_LENGTH_DELIMITED);
      }
      if (delay == nullptr || !duration.ParseFromString(delay->length_delimited())) continue;
      const UnknownField* seconds = FindField(duration, 1, UnknownField::TYPE_VARINT);
      const UnknownField* nanos = FindField(duration, 2, UnknownField::TYPE_VARINT);
      absl::Duration wait = absl::Seconds(seconds ? static_cast<int64_t>(seconds->varint()) : 0) +
                            absl::Nanoseconds(nanos ? static_cast<int64_t>(nanos->varint()) : 0);
      return std::min(std::max(wait, absl::Milliseconds(1)), absl::Seconds(30));
    }
  }
  return absl::Milliseconds(100) * (1 << std::min(attempt, 6));
}

}  // namespace lookout::cli
