#include "cli/app/enum_names.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace lookout::cli {
namespace {

// EVENT_TYPE_BATTLES -> prefix "EVENT_TYPE_": the enum's name in upper snake case.
std::string PrefixOf(const google::protobuf::EnumDescriptor* descriptor) {
  std::string prefix;
  for (char c : descriptor->name()) {
    if (absl::ascii_isupper(c) && !prefix.empty()) prefix.push_back('_');
    prefix.push_back(absl::ascii_toupper(c));
  }
  return prefix + "_";
}

}  // namespace

absl::StatusOr<int> ParseEnumFlag(const google::protobuf::EnumDescriptor* descriptor,
                                  absl::string_view flag, absl::string_view text) {
  std::string wanted = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  for (char& c : wanted) {
    if (c == '-' || c == ' ') c = '_';
  }
  const std::string prefix = PrefixOf(descriptor);
  std::vector<std::string> accepted;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* value = descriptor->value(i);
    if (value->number() == 0) continue;
    const std::string short_name(absl::StripPrefix(value->name(), prefix));
    if (wanted == value->name() || wanted == short_name) return value->number();
    accepted.push_back(absl::AsciiStrToLower(short_name));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": \"", text, "\" is not one of ", absl::StrJoin(accepted, ", ")));
}

std::string ShortEnumName(const google::protobuf::EnumDescriptor* descriptor, int value) {
  const google::protobuf::EnumValueDescriptor* found = descriptor->FindValueByNumber(value);
  if (found == nullptr) return absl::StrCat(value);
  if (value == 0) return "";
  return std::string(absl::StripPrefix(found->name(), PrefixOf(descriptor)));
}

}  // namespace lookout::cli
