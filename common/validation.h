// Field rules shared by every service. Each check returns INVALID_ARGUMENT naming the field and
// the rule (errors::InvalidField), or OK.
#ifndef LOOKOUT_COMMON_VALIDATION_H_
#define LOOKOUT_COMMON_VALIDATION_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lookout/type/v1/types.pb.h"

namespace lookout::validation {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;
inline constexpr size_t kMaxIdLength = 64;
inline constexpr size_t kMaxRequestIdLength = 128;
inline constexpr size_t kMaxNameLength = 200;
inline constexpr size_t kMaxShortTextLength = 200;   // admin1, place, tags, source names
inline constexpr size_t kMaxUrlLength = 2048;
inline constexpr size_t kMaxNotesLength = 10000;
inline constexpr size_t kMaxDescriptionLength = 4000;
inline constexpr size_t kMaxRepeated = 100;          // aliases, tags, sources, participants

// "YYYY-MM-DD", a real calendar date with year 1900-2100. Empty is allowed unless required.
absl::Status CheckDate(absl::string_view field, absl::string_view value, bool required);
// Days since 1970-01-01 of a date that passed CheckDate; error otherwise.
absl::StatusOr<int32_t> ParseDate(absl::string_view value);
std::string FormatDate(int32_t days_since_epoch);

// start <= end where both are set.
absl::Status CheckDateRange(absl::string_view field, const lookout::type::v1::DateRange& range);

// ISO 3166-1 alpha-3, upper case. Empty is allowed unless required.
absl::Status CheckCountryCode(absl::string_view field, absl::string_view value, bool required);
bool IsCountryCode(absl::string_view value);

// Length in bytes <= max, valid UTF-8, and non-blank when required.
absl::Status CheckText(absl::string_view field, absl::string_view value, size_t max, bool required);
absl::Status CheckRequestId(absl::string_view value);
absl::Status CheckLatitude(absl::string_view field, double value);
absl::Status CheckLongitude(absl::string_view field, double value);
// best >= 0, low <= best <= high where present, qualifier a known value.
absl::Status CheckCount(absl::string_view field, const lookout::type::v1::Count& count);
absl::Status CheckSource(absl::string_view field, const lookout::type::v1::Source& source);
absl::Status CheckExternalId(absl::string_view field, const lookout::type::v1::ExternalId& id);
// Known enum value (for fields where UNSPECIFIED is allowed pass allow_unspecified).
absl::Status CheckEnum(absl::string_view field, bool is_valid_value, int value,
                       bool allow_unspecified);

// Default 50, values above 1000 clamp to 1000, negative is INVALID_ARGUMENT.
absl::StatusOr<int> PageSize(int32_t requested);

}  // namespace lookout::validation

#endif  // LOOKOUT_COMMON_VALIDATION_H_
