// Structured logs: one JSON object per line on stderr, with the request id, the trace id and the
// span id of the call being served when there is one (so `grep <trace_id>` over every process's
// log follows one request; background work logs without them).
#ifndef LOOKOUT_COMMON_LOGGING_H_
#define LOOKOUT_COMMON_LOGGING_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "common/trace_context.h"

namespace lookout {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogField = std::pair<absl::string_view, std::string>;

// Sets the "service" field of every line and the lowest level printed.
void InitLogging(absl::string_view service, LogLevel min_level = LogLevel::kInfo);
void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields = {});
inline void LogInfo(absl::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kInfo, m, f);
}
inline void LogWarning(absl::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kWarning, m, f);
}
inline void LogError(absl::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kError, m, f);
}

// The request id attached to log lines on this thread while a call is served.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string request_id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};
const std::string& CurrentRequestId();

// The trace of the call served on this thread: its trace_id and span_id go on every log line,
// and PrepareClientContext passes it on to the backends called meanwhile.
class ScopedTrace {
 public:
  explicit ScopedTrace(TraceContext trace);
  ~ScopedTrace();
  ScopedTrace(const ScopedTrace&) = delete;
  ScopedTrace& operator=(const ScopedTrace&) = delete;

 private:
  TraceContext previous_;
};
// Empty when no call is served on this thread.
const TraceContext& CurrentTrace();

// JSON string escaping (without the quotes).
std::string JsonEscape(absl::string_view s);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_LOGGING_H_
