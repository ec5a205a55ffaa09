#include "cli/import/text_fields.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/validation.h"

namespace lookout::cli {
namespace {

constexpr size_t kQuotedValueMax = 40;

absl::StatusOr<std::optional<double>> ParseCoordinate(absl::string_view column,
                                                      absl::string_view value, double limit) {
  value = TrimField(value);
  if (value.empty()) return std::optional<double>();
  double parsed = 0;
  if (!absl::SimpleAtod(value, &parsed) || !std::isfinite(parsed)) {
    return errors::InvalidField(column,
                                absl::StrCat("must be a decimal number, got ", Quote(value)));
  }
  if (parsed < -limit || parsed > limit) {
    return errors::InvalidField(
        column, absl::StrCat("must be between -", limit, " and ", limit, ", got ", Quote(value)));
  }
  return std::optional<double>(parsed);
}

}  // namespace

absl::string_view TrimField(absl::string_view value) { return absl::StripAsciiWhitespace(value); }

std::vector<std::string> SplitList(absl::string_view value, char separator) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(value, separator)) {
    part = TrimField(part);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

bool IsValidUtf8(absl::string_view value) {
  size_t i = 0;
  while (i < value.size()) {
    const unsigned char c = value[i];
    int extra = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= value.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const unsigned char next = value[i + k];
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMinForLength[extra] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string TruncateUtf8(absl::string_view value, size_t max_bytes) {
  if (value.size() <= max_bytes) return std::string(value);
  size_t end = max_bytes;
  // Step back over continuation bytes so a character is never cut in half.
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  return std::string(value.substr(0, end));
}

std::string Quote(absl::string_view value) {
  if (value.size() <= kQuotedValueMax) return absl::StrCat("\"", value, "\"");
  return absl::StrCat("\"", TruncateUtf8(value, kQuotedValueMax), "...\"");
}

absl::StatusOr<int64_t> ParseInteger(absl::string_view column, absl::string_view value) {
  value = TrimField(value);
  int64_t parsed = 0;
  if (value.empty()) return errors::InvalidField(column, "is empty (expected a whole number)");
  if (!absl::SimpleAtoi(value, &parsed)) {
    return errors::InvalidField(column, absl::StrCat("must be a whole number, got ", Quote(value)));
  }
  return parsed;
}

absl::StatusOr<int64_t> ParseCount(absl::string_view column, absl::string_view value) {
  absl::StatusOr<int64_t> parsed = ParseInteger(column, value);
  if (parsed.ok() && *parsed < 0) {
    return errors::InvalidField(column, absl::StrCat("must not be negative, got ", Quote(value)));
  }
  return parsed;
}

absl::StatusOr<std::optional<double>> ParseLatitude(absl::string_view column,
                                                    absl::string_view value) {
  return ParseCoordinate(column, value, 90);
}

absl::StatusOr<std::optional<double>> ParseLongitude(absl::string_view column,
                                                     absl::string_view value) {
  return ParseCoordinate(column, value, 180);
}

absl::Status SetPoint(absl::string_view latitude_column, absl::string_view latitude,
                      absl::string_view longitude_column, absl::string_view longitude,
                      lookout::type::v1::Location* location) {
  absl::StatusOr<std::optional<double>> lat = ParseLatitude(latitude_column, latitude);
  if (!lat.ok()) return lat.status();
  absl::StatusOr<std::optional<double>> lon = ParseLongitude(longitude_column, longitude);
  if (!lon.ok()) return lon.status();
  if (lat->has_value() != lon->has_value()) {
    return errors::InvalidField(lat->has_value() ? longitude_column : latitude_column,
                                "is empty while the other coordinate is given");
  }
  if (lat->has_value()) {
    location->set_latitude(**lat);
    location->set_longitude(**lon);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParseIsoDate(absl::string_view column, absl::string_view value) {
  value = TrimField(value);
  if (value.empty()) return errors::InvalidField(column, "is empty (expected YYYY-MM-DD)");
  absl::StatusOr<int32_t> days = validation::ParseDate(value);
  if (!days.ok()) {
    return errors::InvalidField(column, absl::StrCat(Quote(value), " ", days.status().message()));
  }
  return std::string(value);
}

absl::StatusOr<std::string> ParseCompactDate(absl::string_view column, absl::string_view value) {
  value = TrimField(value);
  if (value.empty()) return errors::InvalidField(column, "is empty (expected YYYYMMDD)");
  if (value.size() != 8 || !std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
    return errors::InvalidField(
        column, absl::StrCat("must be a date written YYYYMMDD, got ", Quote(value)));
  }
  const std::string iso =
      absl::StrCat(value.substr(0, 4), "-", value.substr(4, 2), "-", value.substr(6, 2));
  absl::StatusOr<int32_t> days = validation::ParseDate(iso);
  if (!days.ok()) {
    return errors::InvalidField(column, absl::StrCat(Quote(value), " ", days.status().message()));
  }
  return iso;
}

}  // namespace lookout::cli
