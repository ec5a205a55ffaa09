#include "common/logging.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lookout {
namespace {

std::string& ServiceName() {
  static std::string* name = new std::string("lookout");
  return *name;
}
LogLevel g_min_level = LogLevel::kInfo;
thread_local std::string t_request_id;
thread_local TraceContext t_trace;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

}  // namespace

void InitLogging(absl::string_view service, LogLevel min_level) {
  ServiceName() = std::string(service);
  g_min_level = min_level;
}

std::string JsonEscape(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields) {
  if (level < g_min_level) return;
  std::string line = absl::StrCat(
      "{\"ts\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone()),
      "\",\"level\":\"", LevelName(level), "\",\"service\":\"", JsonEscape(ServiceName()),
      "\",\"msg\":\"", JsonEscape(message), "\"");
  if (!t_request_id.empty()) {
    absl::StrAppend(&line, ",\"request_id\":\"", JsonEscape(t_request_id), "\"");
  }
  if (!t_trace.empty()) {
    absl::StrAppend(&line, ",\"trace_id\":\"", JsonEscape(t_trace.trace_id), "\",\"span_id\":\"",
                    JsonEscape(t_trace.span_id), "\"");
  }
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&line, ",\"", JsonEscape(key), "\":\"", JsonEscape(value), "\"");
  }
  line += "}\n";
  // One fwrite per line keeps lines whole when threads log at once.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

ScopedRequestId::ScopedRequestId(std::string request_id) : previous_(std::move(t_request_id)) {
  t_request_id = std::move(request_id);
}

ScopedRequestId::~ScopedRequestId() { t_request_id = std::move(previous_); }

const std::string& CurrentRequestId() { return t_request_id; }

ScopedTrace::ScopedTrace(TraceContext trace) : previous_(std::move(t_trace)) {
  t_trace = std::move(trace);
}

ScopedTrace::~ScopedTrace() { t_trace = std::move(previous_); }

const TraceContext& CurrentTrace() { return t_trace; }

}  // namespace lookout
