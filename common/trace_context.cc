#include "common/trace_context.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "common/crypto.h"

namespace lookout {
namespace {

constexpr size_t kVersion00Length = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZeros(absl::string_view s) { return s.find_first_not_of('0') == absl::string_view::npos; }

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

std::string RandomNonZeroHex(int bytes) {
  std::string id;
  do {
    id = RandomIdHex(bytes);
  } while (AllZeros(id));
  return id;
}

}  // namespace

std::optional<Traceparent> ParseTraceparent(absl::string_view value) {
  if (value.size() < kVersion00Length) return std::nullopt;
  const absl::string_view version = value.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return std::nullopt;
  if (version == "00") {
    if (value.size() != kVersion00Length) return std::nullopt;
  } else if (value.size() > kVersion00Length && value[kVersion00Length] != '-') {
    // A later version may append fields, each after a "-".
    return std::nullopt;
  }
  const absl::string_view trace_id = value.substr(3, 32);
  const absl::string_view parent_id = value.substr(36, 16);
  const absl::string_view flags = value.substr(53, 2);
  if (!IsLowerHex(trace_id) || AllZeros(trace_id)) return std::nullopt;
  if (!IsLowerHex(parent_id) || AllZeros(parent_id)) return std::nullopt;
  if (!IsLowerHex(flags)) return std::nullopt;
  Traceparent parsed;
  parsed.trace_id = std::string(trace_id);
  parsed.parent_id = std::string(parent_id);
  parsed.flags = static_cast<uint8_t>(HexValue(flags[0]) * 16 + HexValue(flags[1]));
  return parsed;
}

std::string NewTraceId() { return RandomNonZeroHex(16); }
std::string NewSpanId() { return RandomNonZeroHex(8); }

TraceContext ContinueOrStartTrace(absl::string_view traceparent) {
  TraceContext trace;
  std::optional<Traceparent> parsed = ParseTraceparent(traceparent);
  if (parsed.has_value()) {
    trace.trace_id = std::move(parsed->trace_id);
    trace.parent_id = std::move(parsed->parent_id);
    trace.flags = parsed->flags & 0x01;
  } else {
    trace.trace_id = NewTraceId();
    trace.flags = 0x01;
  }
  trace.span_id = NewSpanId();
  return trace;
}

std::string FormatTraceparent(absl::string_view trace_id, absl::string_view parent_id,
                              uint8_t flags) {
  return absl::StrFormat("00-%s-%s-%02x", trace_id, parent_id, flags);
}

std::string ChildTraceparent(const TraceContext& trace) {
  if (trace.empty()) return "";
  return FormatTraceparent(trace.trace_id, NewSpanId(), trace.flags & 0x01);
}

}  // namespace lookout
