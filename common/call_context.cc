#include "common/call_context.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/call_deadline.h"
#include "common/crypto.h"
#include "common/grpc_status.h"
#include "common/logging.h"

namespace lookout {
namespace {

std::string MetadataValue(const grpc::ServerContextBase& context, absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// Request ids arrive from clients: keep them short and printable.
std::string SanitizedRequestId(std::string id) {
  if (id.size() > 64) id.resize(64);
  for (char& c : id) {
    if (c < 0x21 || c > 0x7e) c = '_';
  }
  return id;
}

}  // namespace

absl::Status InternalAuth::Check(const grpc::ServerContextBase& context) const {
  std::string presented = MetadataValue(context, kInternalTokenHeader);
  if (presented.empty() || !SecureEquals(presented, token_)) {
    return absl::UnauthenticatedError(
        "this service accepts calls only from inside Lookout; call the gateway instead");
  }
  return absl::OkStatus();
}

std::string ServedRequestId(const grpc::ServerContextBase& context) {
  std::string request_id = SanitizedRequestId(MetadataValue(context, kRequestIdHeader));
  if (request_id.empty()) request_id = RandomIdHex(8);
  return request_id;
}

grpc::Status EdgeStatus(const grpc::ServerContextBase& context, absl::string_view method,
                        const std::string& request_id, absl::Status status) {
  if (!status.ok()) {
    ScopedRequestId scoped(request_id);
    LogLevel level = status.code() == absl::StatusCode::kInternal ? LogLevel::kError
                                                                  : LogLevel::kInfo;
    Log(level, "call failed",
        {{"method", std::string(method)},
         {"code", absl::StatusCodeToString(status.code())},
         {"error", std::string(status.message())},
         {"principal", MetadataValue(context, kPrincipalHeader)}});
  }
  if (status.code() == absl::StatusCode::kInternal) {
    // The details (SQL, file paths) are in the log line above; the caller gets the request id
    // to quote instead.
    status = absl::InternalError(
        absl::StrCat("internal error; quote request id ", request_id, " when reporting it"));
  }
  return ToGrpcStatus(status);
}

// gRPC reports "no deadline" as the largest time point, past what absl::Time converts exactly.
static absl::Time CallDeadlineOf(const grpc::ServerContext& context) {
  const auto deadline = context.deadline();
  if (deadline - std::chrono::system_clock::now() > std::chrono::hours(24 * 365)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

grpc::Status ServeCall(grpc::ServerContext* context, const InternalAuth& auth,
                       absl::string_view method, absl::FunctionRef<absl::Status()> body) {
  const std::string request_id = ServedRequestId(*context);
  ScopedRequestId scoped(request_id);
  ScopedCallDeadline deadline(CallDeadlineOf(*context));
  absl::Status status = auth.Check(*context);
  if (status.ok()) status = body();
  return EdgeStatus(*context, method, request_id, std::move(status));
}

void PrepareClientContext(grpc::ClientContext* client, const std::string& internal_token,
                          absl::Duration timeout, const grpc::ServerContext* serving) {
  auto deadline = std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout);
  if (serving != nullptr) {
    // The caller's own deadline bounds ours; gRPC reports "no deadline" as a far future time.
    auto inherited = serving->deadline();
    if (inherited < deadline) deadline = inherited;
    std::string principal = MetadataValue(*serving, kPrincipalHeader);
    if (!principal.empty()) client->AddMetadata(kPrincipalHeader, principal);
  }
  client->set_deadline(deadline);
  client->AddMetadata(kInternalTokenHeader, internal_token);
  if (!CurrentRequestId().empty()) client->AddMetadata(kRequestIdHeader, CurrentRequestId());
}

}  // namespace lookout
