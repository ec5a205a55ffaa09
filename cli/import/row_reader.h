// Reads an import file of any supported format row by row, turning each into a ParsedRow or a
// RowError with its line number, so the importer, the tests and the fuzz targets share one path
// from bytes to events.
#ifndef LOOKOUT_CLI_IMPORT_ROW_READER_H_
#define LOOKOUT_CLI_IMPORT_ROW_READER_H_

#include <istream>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cli/import/parsed_row.h"

namespace lookout::cli {

enum class ImportFormat { kAcled, kUcdp, kGdelt, kJsonl };

// "acled", "ucdp", "gdelt", "jsonl".
std::optional<ImportFormat> ParseImportFormat(absl::string_view name);
const char* ImportFormatName(ImportFormat format);

struct ReaderOptions {
  // UCDP: widen low/high to include best instead of rejecting the row.
  bool repair_ranges = false;
};

class RowReader {
 public:
  enum class Result { kRow, kRejected, kEnd };

  // `in` must outlive the reader.
  static std::unique_ptr<RowReader> Create(ImportFormat format, std::istream* in,
                                           ReaderOptions options = {});
  virtual ~RowReader() = default;

  // kRow fills `row`; kRejected fills `error`, and when error->fatal (a bad header) nothing
  // more will be read.
  virtual Result Next(ParsedRow* row, RowError* error) = 0;
};

// A RowError for `status` (INVALID_ARGUMENT from a parser) on `line`.
RowError ToRowError(const absl::Status& status, int64_t line, bool fatal = false);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_ROW_READER_H_
