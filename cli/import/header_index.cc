#include "cli/import/header_index.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cli/import/text_fields.h"
#include "common/errors.h"

namespace lookout::cli {
namespace {

std::string NormalizeColumnName(absl::string_view name) {
  std::string out(absl::AsciiStrToLower(TrimField(name)));
  for (char& c : out) {
    if (c == ' ' || c == '-') c = '_';
  }
  return out;
}

}  // namespace

absl::StatusOr<HeaderIndex> HeaderIndex::Build(
    const std::vector<std::string>& header, absl::Span<const char* const> names,
    absl::Span<const std::pair<const char*, int>> aliases) {
  HeaderIndex index;
  index.positions_.assign(names.size(), -1);
  index.names_.assign(names.begin(), names.end());
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string name = NormalizeColumnName(header[i]);
    int column = -1;
    for (size_t c = 0; c < names.size(); ++c) {
      if (name == names[c]) column = static_cast<int>(c);
    }
    for (const auto& [alias, target] : aliases) {
      if (name == alias) column = target;
    }
    if (column < 0) {
      index.field_names_.push_back(name);
      continue;
    }
    index.field_names_.push_back(names[column]);
    if (index.positions_[column] >= 0) {
      return errors::InvalidField("header",
                                  absl::StrCat("the column ", names[column], " appears twice"));
    }
    index.positions_[column] = static_cast<int>(i);
  }
  return index;
}

absl::Status HeaderIndex::Require(absl::Span<const int> columns, absl::string_view format) const {
  for (int column : columns) {
    if (!has(column)) {
      return errors::InvalidField(
          "header", absl::StrCat("the required column ", names_[column], " is missing (is this ",
                                 format, " file?)"));
    }
  }
  return absl::OkStatus();
}

absl::string_view HeaderIndex::Get(const std::vector<std::string>& fields, int column) const {
  const int position = positions_[column];
  if (position < 0 || static_cast<size_t>(position) >= fields.size()) return {};
  return TrimField(fields[position]);
}

absl::Status HeaderIndex::CheckWidth(const std::vector<std::string>& fields) const {
  if (fields.size() == field_names_.size()) return absl::OkStatus();
  return errors::InvalidField(
      "record",
      absl::StrCat("has ", fields.size(), " fields where the header has ", field_names_.size()));
}

}  // namespace lookout::cli
