#include "common/call_context.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/call_deadline.h"
#include "common/crypto.h"
#include "common/grpc_status.h"
#include "common/logging.h"

namespace lookout {

std::string MetadataValue(const grpc::ServerContextBase& context, absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

std::string SanitizedRequestId(std::string id) {
  if (id.size() > 64) id.resize(64);
  for (char& c : id) {
    if (c < 0x21 || c > 0x7e) c = '_';
  }
  return id;
}

absl::Status InternalAuth::Check(const grpc::ServerContextBase& context) const {
  std::string presented = MetadataValue(context, kInternalTokenHeader);
  if (presented.empty() || !SecureEquals(presented, token_)) {
    return absl::UnauthenticatedError(
        "this service accepts calls only from inside Lookout; call the gateway instead");
  }
  return absl::OkStatus();
}

TraceContext ServedTrace(const grpc::ServerContextBase& context) {
  return ContinueOrStartTrace(MetadataValue(context, kTraceparentHeader));
}

ServedCall BeginServedCall(const grpc::ServerContextBase& context) {
  ServedCall call;
  call.request_id = SanitizedRequestId(MetadataValue(context, kRequestIdHeader));
  if (call.request_id.empty()) call.request_id = RandomIdHex(8);
  call.trace = ServedTrace(context);
  call.start = absl::Now();
  return call;
}

void LogServedCall(absl::string_view method, const absl::Status& status, absl::Duration elapsed,
                   const TraceContext& trace, const std::string& principal) {
  ScopedTrace scoped(trace);
  const std::string ms = absl::StrCat(absl::ToInt64Microseconds(elapsed) / 1000.0);
  if (status.ok()) {
    LogInfo("call served", {{"method", std::string(method)},
                            {"code", "OK"},
                            {"duration_ms", ms},
                            {"parent_span_id", trace.parent_id}});
    return;
  }
  LogLevel level = status.code() == absl::StatusCode::kInternal ? LogLevel::kError
                                                                : LogLevel::kInfo;
  Log(level, "call failed",
      {{"method", std::string(method)},
       {"code", absl::StatusCodeToString(status.code())},
       {"error", std::string(status.message())},
       {"principal", principal},
       {"duration_ms", ms},
       {"parent_span_id", trace.parent_id}});
}

grpc::Status EdgeStatus(const grpc::ServerContextBase& context, absl::string_view method,
                        const ServedCall& call, absl::Status status) {
  {
    ScopedRequestId scoped(call.request_id);
    LogServedCall(method, status, absl::Now() - call.start, call.trace,
                  MetadataValue(context, kPrincipalHeader));
  }
  if (status.code() == absl::StatusCode::kInternal) {
    // The details (SQL, file paths) are in the log line above; the caller gets the request id
    // to quote instead.
    status = absl::InternalError(
        absl::StrCat("internal error; quote request id ", call.request_id, " when reporting it"));
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
  const ServedCall call = BeginServedCall(*context);
  absl::Status status;
  {
    ScopedRequestId scoped_id(call.request_id);
    ScopedTrace scoped_trace(call.trace);
    ScopedCallDeadline deadline(CallDeadlineOf(*context));
    status = auth.Check(*context);
    if (status.ok()) status = body();
  }
  return EdgeStatus(*context, method, call, std::move(status));
}

void PropagateTrace(grpc::ClientContext* client, const TraceContext& trace) {
  // Outside a served call (a feed follower's background work) there is no trace to pass on.
  if (trace.empty()) return;
  client->AddMetadata(kTraceparentHeader, ChildTraceparent(trace));
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
  PropagateTrace(client, CurrentTrace());
}

}  // namespace lookout
