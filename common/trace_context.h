// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header that lets
// one request be followed through the gateway and every backend it calls. Lookout records no
// spans anywhere; the ids exist so that every log line written while serving a request names
// its trace (and the span of the process that wrote it), and `grep <trace_id>` over all the
// processes' logs finds the whole request.
#ifndef LOOKOUT_COMMON_TRACE_CONTEXT_H_
#define LOOKOUT_COMMON_TRACE_CONTEXT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lookout {

// The header (gRPC metadata key or HTTP header name; lower case, as gRPC requires).
inline constexpr char kTraceparentHeader[] = "traceparent";

// A traceparent value as it was received: the caller's trace, the caller's span and its flags.
struct Traceparent {
  std::string trace_id;   // 32 lower-case hex digits, not all zero
  std::string parent_id;  // 16 lower-case hex digits, not all zero
  uint8_t flags = 0;      // bit 0: sampled
};

// Parses a traceparent value by the W3C rules: lower-case hex only, no surrounding spaces;
// version 00 is exactly "00-<trace-id>-<parent-id>-<flags>" (55 characters); version ff is
// invalid; a later version is read by its version-00 prefix and may only go on after a "-".
// A trace-id or parent-id of all zeros is invalid. nullopt when invalid.
std::optional<Traceparent> ParseTraceparent(absl::string_view value);

// The trace a process takes part in while serving one request.
struct TraceContext {
  std::string trace_id;   // the request's trace, the same in every process
  std::string span_id;    // this process's part of it, new for every call served
  std::string parent_id;  // the caller's span, empty when this process started the trace
  uint8_t flags = 0;

  bool empty() const { return trace_id.empty(); }
};

// What a server does with the traceparent it received (empty when there was none): continues
// that trace when the value is valid, starts a new one otherwise (an invalid value is replaced,
// never an error); either way with a new span id of its own. The sampled flag is kept; a new
// trace is sampled (every call is logged).
TraceContext ContinueOrStartTrace(absl::string_view traceparent);

// The traceparent for one outgoing call made while serving `trace`: the same trace id, a new
// span id for this call, the sampled flag only (the other flags are unknown to version 00 and
// are sent as zero). Empty when `trace` is empty.
std::string ChildTraceparent(const TraceContext& trace);

// "00-<trace_id>-<parent_id>-<flags>".
std::string FormatTraceparent(absl::string_view trace_id, absl::string_view parent_id,
                              uint8_t flags);

// New random ids, never all zeros: 16 bytes (32 hex digits) and 8 bytes (16 hex digits).
std::string NewTraceId();
std::string NewSpanId();

}  // namespace lookout

#endif  // LOOKOUT_COMMON_TRACE_CONTEXT_H_
