#include "cli/app/progress.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "cli/app/output.h"

namespace lookout::cli {
namespace {

constexpr int kBarWidth = 24;

}  // namespace

Progress::Progress(std::ostream* err, Style style, std::string label, int64_t total_bytes,
                   std::function<absl::Time()> now)
    : err_(err),
      style_(style),
      label_(std::move(label)),
      total_bytes_(total_bytes),
      now_(std::move(now)),
      start_(now_()) {}

Progress::Style Progress::StyleFor(bool stderr_is_terminal, bool quiet) {
  if (quiet) return Style::kSilent;
  return stderr_is_terminal ? Style::kBar : Style::kLines;
}

std::string Progress::Rate(int64_t rows, absl::Time now) const {
  const double seconds = absl::ToDoubleSeconds(now - start_);
  if (seconds <= 0) return "";
  return absl::StrCat(Thousands(static_cast<int64_t>(rows / seconds)), " rows/s");
}

void Progress::Update(int64_t rows, int64_t bytes) {
  if (style_ == Style::kSilent) return;
  const absl::Time now = now_();
  if (style_ == Style::kLines) {
    if (now - last_draw_ < line_interval_ || now - start_ < line_interval_) return;
    last_draw_ = now;
    std::string line = absl::StrCat("lookout: ", label_, ": ", Thousands(rows), " rows");
    if (total_bytes_ > 0) {
      absl::StrAppend(&line, ", ", std::min<int64_t>(100, bytes * 100 / total_bytes_), "%");
    }
    const std::string rate = Rate(rows, now);
    if (!rate.empty()) absl::StrAppend(&line, " (", rate, ")");
    *err_ << line << "\n" << std::flush;
    return;
  }
  if (now - last_draw_ < absl::Milliseconds(100)) return;
  last_draw_ = now;
  std::string line = absl::StrCat("\r", label_, " ");
  if (total_bytes_ > 0) {
    const int64_t percent = std::min<int64_t>(100, bytes * 100 / total_bytes_);
    const int filled = static_cast<int>(percent * kBarWidth / 100);
    line += "[";
    for (int i = 0; i < kBarWidth; ++i) line += i < filled ? "\xE2\x96\x88" : "\xE2\x96\x91";
    absl::StrAppend(&line, "] ", percent, "% ");
  }
  absl::StrAppend(&line, Thousands(rows), " rows  ", Rate(rows, now), "\x1b[K");
  *err_ << line << std::flush;
  drawn_ = true;
}

void Progress::Interrupt() {
  if (style_ == Style::kBar && drawn_) {
    *err_ << "\r\x1b[K";
    drawn_ = false;
    last_draw_ = absl::InfinitePast();
  }
}

void Progress::Finish() {
  if (style_ == Style::kBar && drawn_) *err_ << "\r\x1b[K" << std::flush;
  drawn_ = false;
}

}  // namespace lookout::cli
