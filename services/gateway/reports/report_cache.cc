#include "services/gateway/reports/report_cache.h"

#include "absl/strings/str_cat.h"

namespace lookout::gateway {

std::string ReportCache::Key(const v1::GetSituationReportRequest& request,
                             const std::string& change_log_id, int64_t sequence) {
  // Every other part is validated (country code, dates), numeric or hex (the log id), so ':'
  // cannot be forged into it.
  // A maritime area is free text: its length goes before it, so no text can pass for the
  // parts after it, and the lower-case "sea" is never a (validated, upper-case) country code.
  const std::string place =
      request.maritime_area().empty()
          ? request.country_code()
          : absl::StrCat("sea:", request.maritime_area().size(), ":", request.maritime_area());
  return absl::StrCat("lookout:gw:report:v2:", place, ":",
                      request.period().start_date(), ":", request.period().end_date(), ":",
                      request.recent_events(), ":", change_log_id, ":", sequence);
}

std::optional<v1::GetSituationReportResponse> ReportCache::Get(const std::string& key) {
  absl::StatusOr<std::optional<std::string>> value = redis_->Get(key);
  if (!value.ok() || !value->has_value()) return std::nullopt;
  v1::GetSituationReportResponse report;
  if (!report.ParseFromString(**value)) return std::nullopt;
  return report;
}

void ReportCache::Put(const std::string& key, const v1::GetSituationReportResponse& report) {
  // Best effort: a failed write only means the next request computes the report again.
  redis_->Set(key, report.SerializeAsString(), JitteredTtl(ttl_)).IgnoreError();
}

}  // namespace lookout::gateway
