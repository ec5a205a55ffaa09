// Enum values as people type and read them: "battles" or "BATTLES" for EVENT_TYPE_BATTLES,
// "at-least" for QUALIFIER_AT_LEAST; and back, "BATTLES" for display.
#ifndef LOOKOUT_CLI_APP_ENUM_NAMES_H_
#define LOOKOUT_CLI_APP_ENUM_NAMES_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace lookout::cli {

// The enum value named `text` with or without the enum's prefix, any case, '-' for '_'.
// INVALID_ARGUMENT naming `flag` and listing the accepted values otherwise.
absl::StatusOr<int> ParseEnumFlag(const google::protobuf::EnumDescriptor* descriptor,
                                  absl::string_view flag, absl::string_view text);

template <typename Enum>
absl::StatusOr<Enum> ParseEnum(const google::protobuf::EnumDescriptor* descriptor,
                               absl::string_view flag, absl::string_view text) {
  absl::StatusOr<int> value = ParseEnumFlag(descriptor, flag, text);
  if (!value.ok()) return value.status();
  return static_cast<Enum>(*value);
}

// "EVENT_TYPE_BATTLES" -> "BATTLES"; "" for UNSPECIFIED.
std::string ShortEnumName(const google::protobuf::EnumDescriptor* descriptor, int value);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_ENUM_NAMES_H_
