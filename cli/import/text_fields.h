// Field-level helpers shared by the row parsers: trimming, lists, numbers, dates and coordinates,
// each returning INVALID_ARGUMENT that names the column (errors::InvalidField) on bad input.
#ifndef LOOKOUT_CLI_IMPORT_TEXT_FIELDS_H_
#define LOOKOUT_CLI_IMPORT_TEXT_FIELDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lookout/type/v1/types.pb.h"

namespace lookout::cli {

// Surrounding ASCII whitespace removed.
absl::string_view TrimField(absl::string_view value);

// "a; b;;c " -> {"a", "b", "c"}: split on `separator`, trimmed, empty entries dropped.
std::vector<std::string> SplitList(absl::string_view value, char separator);

bool IsValidUtf8(absl::string_view value);

// At most `max_bytes` bytes, cut on a UTF-8 character boundary (for valid UTF-8 input).
std::string TruncateUtf8(absl::string_view value, size_t max_bytes);

// A quoted, shortened copy of a bad value for error messages: "\"2023-02-30\"".
std::string Quote(absl::string_view value);

// A whole number (surrounding spaces allowed); `column` names the field in errors.
absl::StatusOr<int64_t> ParseInteger(absl::string_view column, absl::string_view value);
// Like ParseInteger, but also rejects negative values.
absl::StatusOr<int64_t> ParseCount(absl::string_view column, absl::string_view value);

// A coordinate; nullopt for an empty value.
absl::StatusOr<std::optional<double>> ParseLatitude(absl::string_view column,
                                                    absl::string_view value);
absl::StatusOr<std::optional<double>> ParseLongitude(absl::string_view column,
                                                     absl::string_view value);

// The point of `location` from a latitude and a longitude column: both given, or both empty
// (no point is set); one without the other is an error naming the empty one.
absl::Status SetPoint(absl::string_view latitude_column, absl::string_view latitude,
                      absl::string_view longitude_column, absl::string_view longitude,
                      lookout::type::v1::Location* location);

// "YYYY-MM-DD" (a real date, year 1900-2100), returned unchanged.
absl::StatusOr<std::string> ParseIsoDate(absl::string_view column, absl::string_view value);
// "YYYYMMDD" -> "YYYY-MM-DD".
absl::StatusOr<std::string> ParseCompactDate(absl::string_view column, absl::string_view value);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_TEXT_FIELDS_H_
