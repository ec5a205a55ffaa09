// Progress of a long import or export on stderr: a bar redrawn in place with rows per second
// when stderr is a terminal, otherwise a plain line every few seconds (logs stay readable).
#ifndef LOOKOUT_CLI_APP_PROGRESS_H_
#define LOOKOUT_CLI_APP_PROGRESS_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lookout::cli {

class Progress {
 public:
  enum class Style { kBar, kLines, kSilent };

  // `total_bytes` sizes the bar (0: unknown, no percentage). `now` is injectable for tests.
  Progress(std::ostream* err, Style style, std::string label, int64_t total_bytes,
           std::function<absl::Time()> now = absl::Now);

  // Rows handled and input bytes consumed so far; draws at most every 100 ms (bar) or
  // `line_interval` (lines).
  void Update(int64_t rows, int64_t bytes);
  // Clears the bar (the caller prints its summary next).
  void Finish();
  // Clears the bar so a message can be printed on a line of its own; the next Update redraws.
  void Interrupt();

  void set_line_interval(absl::Duration interval) { line_interval_ = interval; }

  // kBar for a terminal, kLines otherwise, kSilent when `quiet`.
  static Style StyleFor(bool stderr_is_terminal, bool quiet);

 private:
  std::string Rate(int64_t rows, absl::Time now) const;

  std::ostream* err_;
  Style style_;
  std::string label_;
  int64_t total_bytes_;
  std::function<absl::Time()> now_;
  absl::Time start_;
  absl::Time last_draw_ = absl::InfinitePast();
  absl::Duration line_interval_ = absl::Seconds(5);
  bool drawn_ = false;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_PROGRESS_H_
