#include "cli/import/row_checks.h"

#include "absl/strings/str_cat.h"
#include "cli/import/text_fields.h"
#include "common/errors.h"

namespace lookout::cli {

absl::Status CheckLength(absl::string_view column, absl::string_view value, size_t max_bytes) {
  if (value.size() <= max_bytes) return absl::OkStatus();
  return errors::InvalidField(column, absl::StrCat("is ", value.size(), " bytes long, at most ",
                                                   max_bytes, " are allowed"));
}

absl::Status CheckList(absl::string_view column, const std::vector<std::string>& values,
                       size_t max_entry_bytes) {
  if (values.size() > kMaxListEntries) {
    return errors::InvalidField(column, absl::StrCat("has ", values.size(), " entries, at most ",
                                                     kMaxListEntries, " are allowed"));
  }
  for (const std::string& value : values) {
    if (value.size() > max_entry_bytes) {
      return errors::InvalidField(
          column, absl::StrCat("entry ", Quote(value), " is ", value.size(),
                               " bytes long, at most ", max_entry_bytes, " are allowed"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckUtf8(const std::vector<std::string>& fields,
                       const std::vector<std::string>& names) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (IsValidUtf8(fields[i])) continue;
    const std::string column =
        i < names.size() && !names[i].empty() ? names[i] : absl::StrCat("field ", i + 1);
    return errors::InvalidField(column, "is not valid UTF-8 (convert the file to UTF-8)");
  }
  return absl::OkStatus();
}

}  // namespace lookout::cli
