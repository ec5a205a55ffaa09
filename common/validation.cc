#include "common/validation.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/country_codes.h"
#include "common/errors.h"

namespace lookout::validation {
namespace {

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    int extra;
    if (c < 0x80) {
      extra = 0;
    } else if ((c >> 5) == 0x6) {
      extra = 1;
    } else if ((c >> 4) == 0xE) {
      extra = 2;
    } else if ((c >> 3) == 0x1E) {
      extra = 3;
    } else {
      return false;
    }
    if (i + extra >= s.size() && extra > 0) return false;  // truncated sequence
    for (int k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += extra + 1;
  }
  return true;
}

bool IsBlank(absl::string_view s) { return absl::StripAsciiWhitespace(s).empty(); }

}  // namespace

absl::StatusOr<int32_t> ParseDate(absl::string_view value) {
  int year = 0, month = 0, day = 0;
  if (value.size() != 10 || value[4] != '-' || value[7] != '-' ||
      !absl::SimpleAtoi(value.substr(0, 4), &year) ||
      !absl::SimpleAtoi(value.substr(5, 2), &month) ||
      !absl::SimpleAtoi(value.substr(8, 2), &day) ||
      !absl::ascii_isdigit(value[0]) || !absl::ascii_isdigit(value[5]) ||
      !absl::ascii_isdigit(value[8]) || value.find_first_not_of("0123456789-") != value.npos) {
    return absl::InvalidArgumentError("must be a date written YYYY-MM-DD");
  }
  if (year < 1900 || year > 2100) {
    return absl::InvalidArgumentError("year must be between 1900 and 2100");
  }
  absl::CivilDay civil(year, month, day);
  // CivilDay normalizes 2023-02-30 to 2023-03-02; a real date survives unchanged.
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return absl::InvalidArgumentError("is not a real calendar date");
  }
  return static_cast<int32_t>(civil - absl::CivilDay(1970, 1, 1));
}

std::string FormatDate(int32_t days_since_epoch) {
  absl::CivilDay day = absl::CivilDay(1970, 1, 1) + days_since_epoch;
  return absl::FormatCivilTime(day);
}

absl::Status CheckDate(absl::string_view field, absl::string_view value, bool required) {
  if (value.empty()) {
    return required ? errors::InvalidField(field, "is required (YYYY-MM-DD)")
                    : absl::OkStatus();
  }
  absl::StatusOr<int32_t> parsed = ParseDate(value);
  if (!parsed.ok()) {
    return errors::InvalidField(field,
                                absl::StrCat(parsed.status().message(), ", got \"",
                                             value.substr(0, 40), "\""));
  }
  return absl::OkStatus();
}

absl::Status CheckDateRange(absl::string_view field, const lookout::type::v1::DateRange& range) {
  absl::Status status = CheckDate(absl::StrCat(field, ".start_date"), range.start_date(), false);
  if (!status.ok()) return status;
  status = CheckDate(absl::StrCat(field, ".end_date"), range.end_date(), false);
  if (!status.ok()) return status;
  if (!range.start_date().empty() && !range.end_date().empty() &&
      range.start_date() > range.end_date()) {
    return errors::InvalidField(field, "start_date must not be after end_date");
  }
  return absl::OkStatus();
}

bool IsCountryCode(absl::string_view value) { return IsIsoAlpha3(value); }

absl::Status CheckCountryCode(absl::string_view field, absl::string_view value, bool required) {
  if (value.empty()) {
    return required ? errors::InvalidField(field, "is required (ISO 3166-1 alpha-3, e.g. HTI)")
                    : absl::OkStatus();
  }
  if (!IsIsoAlpha3(value)) {
    return errors::InvalidField(
        field, absl::StrCat("must be an ISO 3166-1 alpha-3 code in upper case (e.g. HTI), got \"",
                            value.substr(0, 20), "\""));
  }
  return absl::OkStatus();
}

absl::Status CheckText(absl::string_view field, absl::string_view value, size_t max,
                       bool required) {
  if (required && IsBlank(value)) return errors::InvalidField(field, "is required");
  if (value.size() > max) {
    return errors::InvalidField(
        field, absl::StrCat("must be at most ", max, " bytes, got ", value.size()));
  }
  if (!IsValidUtf8(value)) return errors::InvalidField(field, "must be valid UTF-8");
  // U+0000 is valid UTF-8, but PostgreSQL's text cannot hold it: refused on every backend alike.
  if (value.find('\0') != absl::string_view::npos) {
    return errors::InvalidField(field, "must not contain the NUL character (U+0000)");
  }
  return absl::OkStatus();
}

absl::Status CheckRequestId(absl::string_view value) {
  return CheckText("request_id", value, kMaxRequestIdLength, false);
}

absl::Status CheckLatitude(absl::string_view field, double value) {
  if (!std::isfinite(value) || value < -90 || value > 90) {
    return errors::InvalidField(field, absl::StrCat("must be between -90 and 90, got ", value));
  }
  return absl::OkStatus();
}

absl::Status CheckLongitude(absl::string_view field, double value) {
  if (!std::isfinite(value) || value < -180 || value > 180) {
    return errors::InvalidField(field,
                                absl::StrCat("must be between -180 and 180, got ", value));
  }
  return absl::OkStatus();
}

absl::Status CheckCount(absl::string_view field, const lookout::type::v1::Count& count) {
  if (count.best() < 0) {
    return errors::InvalidField(absl::StrCat(field, ".best"), "must not be negative");
  }
  if (count.has_low() && count.low() < 0) {
    return errors::InvalidField(absl::StrCat(field, ".low"), "must not be negative");
  }
  if (count.has_low() && count.low() > count.best()) {
    return errors::InvalidField(field, absl::StrCat("low (", count.low(),
                                                    ") must not exceed best (", count.best(), ")"));
  }
  if (count.has_high() && count.high() < count.best()) {
    return errors::InvalidField(field, absl::StrCat("high (", count.high(),
                                                    ") must not be below best (", count.best(),
                                                    ")"));
  }
  if (!lookout::type::v1::Qualifier_IsValid(count.qualifier())) {
    return errors::InvalidField(absl::StrCat(field, ".qualifier"), "is not a known qualifier");
  }
  return absl::OkStatus();
}

absl::Status CheckSource(absl::string_view field, const lookout::type::v1::Source& source) {
  absl::Status status =
      CheckText(absl::StrCat(field, ".name"), source.name(), kMaxShortTextLength, true);
  if (!status.ok()) return status;
  status = CheckText(absl::StrCat(field, ".url"), source.url(), kMaxUrlLength, false);
  if (!status.ok()) return status;
  status = CheckDate(absl::StrCat(field, ".published_date"), source.published_date(), false);
  if (!status.ok()) return status;
  if (!lookout::type::v1::SourceScale_IsValid(source.scale())) {
    return errors::InvalidField(absl::StrCat(field, ".scale"), "is not a known source scale");
  }
  return absl::OkStatus();
}

absl::Status CheckExternalId(absl::string_view field, const lookout::type::v1::ExternalId& id) {
  absl::Status status =
      CheckText(absl::StrCat(field, ".scheme"), id.scheme(), kMaxShortTextLength, true);
  if (!status.ok()) return status;
  return CheckText(absl::StrCat(field, ".value"), id.value(), kMaxShortTextLength, true);
}

absl::Status CheckEnum(absl::string_view field, bool is_valid_value, int value,
                       bool allow_unspecified) {
  if (!is_valid_value) {
    return errors::InvalidField(field, absl::StrCat("is not a known value (", value, ")"));
  }
  if (value == 0 && !allow_unspecified) return errors::InvalidField(field, "is required");
  return absl::OkStatus();
}

absl::StatusOr<int> PageSize(int32_t requested) {
  if (requested < 0) {
    return errors::InvalidField("page_size", absl::StrCat("must not be negative, got ",
                                                          requested));
  }
  if (requested == 0) return kDefaultPageSize;
  return std::min<int>(requested, kMaxPageSize);
}

}  // namespace lookout::validation
