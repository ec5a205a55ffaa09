// Finds a CSV format's columns by their header names, in any order: names are compared after
// lower-casing and turning spaces and dashes into underscores, and older names may be aliased.
#ifndef LOOKOUT_CLI_IMPORT_HEADER_INDEX_H_
#define LOOKOUT_CLI_IMPORT_HEADER_INDEX_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace lookout::cli {

class HeaderIndex {
 public:
  // `names[c]` is column c's canonical name; `aliases` maps other names to a column. A column
  // named twice is INVALID_ARGUMENT (field "header"); unknown columns are kept but unused.
  static absl::StatusOr<HeaderIndex> Build(
      const std::vector<std::string>& header, absl::Span<const char* const> names,
      absl::Span<const std::pair<const char*, int>> aliases = {});

  // INVALID_ARGUMENT (field "header") naming the first of `columns` that is absent.
  absl::Status Require(absl::Span<const int> columns, absl::string_view format) const;

  bool has(int column) const { return positions_[column] >= 0; }
  // The field of `column` in a record, trimmed; empty when the header lacks the column.
  absl::string_view Get(const std::vector<std::string>& fields, int column) const;
  // Per header position: the canonical column name, or the header's own name.
  const std::vector<std::string>& field_names() const { return field_names_; }
  size_t width() const { return field_names_.size(); }
  // INVALID_ARGUMENT (field "record") unless the record has as many fields as the header.
  absl::Status CheckWidth(const std::vector<std::string>& fields) const;

 private:
  std::vector<int> positions_;
  std::vector<std::string> field_names_;
  std::vector<const char*> names_;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_HEADER_INDEX_H_
