#include "services/gateway/access/rate_limit.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lookout::gateway {

int64_t RateLimit::interval_us() const {
  int64_t us = static_cast<int64_t>(std::llround(1e6 / per_second));
  return us < 1 ? 1 : us;
}

const char* BudgetName(Budget budget) { return budget == Budget::kImports ? "imports" : "calls"; }

int64_t ImportChunkRows(const RateLimit& limit) {
  return std::clamp<int64_t>(limit.burst / 16, 1, kMaxImportChunkRows);
}

absl::StatusOr<RateLimit> ParseRateLimit(absl::string_view text, absl::string_view unit) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(text), absl::MaxSplits(':', 1));
  RateLimit limit;
  if (!absl::SimpleAtod(parts.first, &limit.per_second) || !(limit.per_second > 0) ||
      limit.per_second > kMaxRatePerSecond) {
    return absl::InvalidArgumentError(absl::StrCat("rate limit \"", text,
                                                   "\": the rate must be a number of ", unit,
                                                   " per second in (0, ", kMaxRatePerSecond, "]"));
  }
  if (!absl::SimpleAtoi(parts.second, &limit.burst) || limit.burst < 1) {
    return absl::InvalidArgumentError(absl::StrCat("rate limit \"", text, "\": expected <", unit,
                                                   " per second>:<burst>, burst at least 1"));
  }
  return limit;
}

std::string FormatRateLimit(const RateLimit& limit) {
  // The fewest digits that read back as the same rate: StrCat's six digits turned 1234567 into
  // "1.23457e+06", a keys-file line that parsed to another limit (found by fuzz/gateway_fuzzer).
  std::string rate;
  for (int digits = 6; digits <= 17; ++digits) {
    rate = absl::StrFormat("%.*g", digits, limit.per_second);
    double back = 0;
    if (absl::SimpleAtod(rate, &back) && back == limit.per_second) break;
  }
  return absl::StrCat(rate, ":", limit.burst);
}

RoleRateLimits::RoleRateLimits(Budget budget) : budget_(budget) {
  if (budget == Budget::kCalls) {
    // Sized for people and scripts, not for bulk loads: an import's rows and created names draw
    // on the import budget instead (an ImportEvents stream is one call).
    by_role_[v1::ROLE_READER] = RateLimit{50, 100};
    by_role_[v1::ROLE_EDITOR] = RateLimit{50, 100};
    by_role_[v1::ROLE_ADMIN] = RateLimit{100, 200};
  } else {
    // A file of a million rows goes in within about 30 s; the burst takes a usual file (tens of
    // thousands of rows) at full speed, while a runaway importer is held to the rate.
    by_role_[v1::ROLE_READER] = RateLimit{25000, 250000};  // never drawn: readers cannot import
    by_role_[v1::ROLE_EDITOR] = RateLimit{25000, 250000};
    by_role_[v1::ROLE_ADMIN] = RateLimit{50000, 500000};
  }
}

absl::Status RoleRateLimits::Parse(absl::string_view text) {
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    std::optional<Role> role = ParseRole(kv.first);
    if (budget_ == Budget::kImports) {
      if (role == v1::ROLE_READER) {
        return absl::InvalidArgumentError(absl::StrCat(
            "\"", item,
            "\": READER cannot import (ImportEvents and ResolveActors with create_missing need "
            "EDITOR), so it has no import limit"));
      }
      if (!role.has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", item,
                         "\": expected ROLE=<rows per second>:<burst> with ROLE one of EDITOR, "
                         "ADMIN"));
      }
    } else if (!role.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", item,
                       "\": expected ROLE=<calls per second>:<burst> with ROLE one of READER, "
                       "EDITOR, ADMIN"));
    }
    absl::StatusOr<RateLimit> limit =
        ParseRateLimit(kv.second, budget_ == Budget::kImports ? "rows" : "calls");
    if (!limit.ok()) return limit.status();
    by_role_[*role] = *limit;
  }
  return absl::OkStatus();
}

const RateLimit& RoleRateLimits::For(Role role) const {
  auto it = by_role_.find(role);
  return it != by_role_.end() ? it->second : by_role_.at(v1::ROLE_READER);
}

}  // namespace lookout::gateway
