// Printing results: aligned text tables, CSV fields, proto JSON, and numbers people can read.
#ifndef LOOKOUT_CLI_APP_OUTPUT_H_
#define LOOKOUT_CLI_APP_OUTPUT_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace lookout::cli {

enum class OutputFormat { kTable, kJson, kCsv };
std::optional<OutputFormat> ParseOutputFormat(absl::string_view name);

// Columns padded to their widest cell (counted in characters, not bytes).
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Columns whose index is listed are right-aligned (numbers).
  void AlignRight(std::vector<size_t> columns) { right_ = std::move(columns); }
  void Print(std::ostream& out, absl::string_view indent = "") const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<size_t> right_;
};

// Characters (UTF-8 code points) in `text`.
size_t DisplayWidth(absl::string_view text);
// At most `width` characters, with "..." when cut; newlines become spaces.
std::string Ellipsize(absl::string_view text, size_t width);

// RFC 4180: quoted when it holds a comma, a quote or a line break.
std::string CsvField(absl::string_view value);
std::string CsvLine(const std::vector<std::string>& fields);

// Proto JSON (lowerCamelCase names, enums as names); one line unless `pretty`.
std::string ToJson(const google::protobuf::Message& message, bool pretty = true);

// 105000 -> "105,000".
std::string Thousands(int64_t value);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_OUTPUT_H_
