#include "cli/app/rpc_errors.h"

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/app/exit_codes.h"

namespace lookout::cli {
namespace {

// The transport's own failures read like "failed to connect to all addresses; last error:
// UNKNOWN: ipv4:127.0.0.1:1: Failed to connect to remote host: Connection refused".
bool IsTransportFailure(absl::string_view message) {
  return absl::StrContains(message, "failed to connect") ||
         absl::StrContains(message, "Failed to connect") ||
         absl::StrContains(message, "DNS resolution failed") ||
         absl::StrContains(message, "Socket closed") ||
         absl::StrContains(message, "Connection reset") ||
         absl::StrContains(message, "Broken pipe") ||
         absl::StrContains(message, "empty address list");
}

std::string TransportReason(absl::string_view message) {
  if (absl::StrContains(message, "Connection refused")) return "connection refused";
  if (absl::StrContains(message, "DNS resolution failed") ||
      absl::StrContains(message, "empty address list")) {
    return "unknown host";
  }
  if (absl::StrContains(message, "Socket closed") ||
      absl::StrContains(message, "Connection reset")) {
    return "the connection was closed";
  }
  if (absl::StrContains(message, "Timeout") || absl::StrContains(message, "timed out")) {
    return "timed out";
  }
  return "no connection";
}

// Whether a transport message mentions `address`'s port ("ipv4:127.0.0.1:50051: ...").
bool MentionsPort(absl::string_view message, absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return true;  // cannot tell: assume it is ours
  const std::string port = absl::StrCat(":", address.substr(colon + 1));
  for (size_t at = message.find(port); at != absl::string_view::npos;
       at = message.find(port, at + 1)) {
    const size_t end = at + port.size();
    if (end == message.size() || !absl::ascii_isdigit(message[end])) return true;
  }
  // Messages that name no address at all are about our own connection.
  return message.find("ipv4:") == absl::string_view::npos &&
         message.find("ipv6:") == absl::string_view::npos;
}

// The TLS handshake's own failures: "...: Ssl handshake failed: SSL_ERROR_SSL: error:0A000086:SSL
// routines::certificate verify failed", "...: Peer name 127.0.0.1 is not in peer certificate".
bool IsHandshakeFailure(absl::string_view message) {
  return absl::StrContains(message, "andshake failed") ||
         absl::StrContains(message, "not in peer certificate") ||
         absl::StrContains(message, "SSL_ERROR") || absl::StrContains(message, "TSI_");
}

std::string HandshakeFailure(absl::string_view message, absl::string_view address) {
  const std::string prefix = absl::StrCat("the TLS handshake with ", address, " failed: ");
  if (absl::StrContains(message, "wrong version number") ||
      absl::StrContains(message, "WRONG_VERSION_NUMBER")) {
    return absl::StrCat(prefix,
                        "the server does not speak TLS (leave out --tls and --ca-cert, "
                        "LOOKOUT_TLS and LOOKOUT_CA_CERT)");
  }
  if (const size_t end = message.find(" is not in peer certificate");
      end != absl::string_view::npos) {
    // "...: Peer name 127.0.0.1 is not in peer certificate"
    absl::string_view name = message.substr(0, end);
    const size_t start = name.rfind("Peer name ");
    name = start == absl::string_view::npos ? "this host" : name.substr(start + 10);
    return absl::StrCat(prefix, "its certificate is not for ", name,
                        "; set --tls-server-name to a name it carries");
  }
  if (absl::StrContains(message, "certificate verify failed") ||
      absl::StrContains(message, "CERTIFICATE_VERIFY_FAILED")) {
    return absl::StrCat(prefix,
                        "its certificate is not trusted; pass the CA that signed it with "
                        "--ca-cert FILE or LOOKOUT_CA_CERT");
  }
  // Whatever the TLS library said, after the address.
  absl::string_view reason = message;
  const size_t at = reason.find("andshake failed");
  if (at != absl::string_view::npos) reason = reason.substr(at + std::strlen("andshake failed"));
  reason = absl::StripLeadingAsciiWhitespace(absl::StripPrefix(reason, ":"));
  return absl::StrCat(prefix, reason.empty() ? message : reason);
}

std::string SecondsText(absl::Duration timeout) { return absl::FormatDuration(timeout); }

}  // namespace

Failure DescribeRpcFailure(const grpc::Status& status, absl::string_view address,
                           absl::Duration timeout, bool tls) {
  const std::string& message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return {kExitOk, ""};
    case grpc::StatusCode::INVALID_ARGUMENT:
      return {kExitUsage, message};
    case grpc::StatusCode::UNAVAILABLE:
      // A transport failure naming another port is the server failing to reach one of its own
      // services (the gateway passes such failures through), not us failing to reach it.
      if (IsTransportFailure(message) && !MentionsPort(message, address)) {
        return {kExitServer,
                absl::StrCat("the server at ", address, " cannot reach one of its services (",
                             TransportReason(message), ")")};
      }
      if (IsHandshakeFailure(message) && MentionsPort(message, address)) {
        return {kExitServer, HandshakeFailure(message, address)};
      }
      // A plaintext client at a TLS port: the server closes the connection without a word.
      if (!tls && absl::StrContains(message, "failed to connect to all addresses") &&
          TransportReason(message) == "the connection was closed") {
        return {kExitServer,
                absl::StrCat("the server at ", address,
                             " closed the connection; if it serves TLS, use --tls or --ca-cert "
                             "FILE (LOOKOUT_TLS, LOOKOUT_CA_CERT)")};
      }
      if (IsTransportFailure(message) || message.empty()) {
        return {kExitServer, absl::StrCat("cannot reach the Lookout server at ", address, " (",
                                          TransportReason(message),
                                          "); is it running? Set --addr or LOOKOUT_ADDR")};
      }
      return {kExitServer, absl::StrCat("the server is unavailable: ", message)};
    case grpc::StatusCode::UNAUTHENTICATED:
      return {kExitServer, absl::StrCat("the server did not accept the API key (", message,
                                        "); set --api-key or LOOKOUT_API_KEY")};
    case grpc::StatusCode::PERMISSION_DENIED:
      return {kExitServer, absl::StrCat("this API key may not do that: ", message)};
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return {kExitServer, absl::StrCat("no answer from ", address, " within ",
                                        SecondsText(timeout), " (raise --timeout)")};
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return {kExitServer, message};
    case grpc::StatusCode::UNIMPLEMENTED:
      return {kExitServer, absl::StrCat("the server at ", address,
                                        " does not offer this call (is --addr the gateway?)")};
    default:
      break;
  }
  std::string code = "error";
  switch (status.error_code()) {
    case grpc::StatusCode::INTERNAL:
      code = "internal error";
      break;
    case grpc::StatusCode::CANCELLED:
      code = "cancelled";
      break;
    case grpc::StatusCode::DATA_LOSS:
      code = "data loss";
      break;
    default:
      code = "error";
  }
  return {kExitServer, absl::StrCat("the server failed (", code, "): ", message)};
}

}  // namespace lookout::cli
