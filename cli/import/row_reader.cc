#include "cli/import/row_reader.h"

#include <string>
#include <utility>

#include "cli/import/acled_parser.h"
#include "cli/import/csv_reader.h"
#include "cli/import/gdelt_parser.h"
#include "cli/import/jsonl_format.h"
#include "cli/import/text_fields.h"
#include "cli/import/ucdp_parser.h"
#include "common/errors.h"

namespace lookout::cli {
namespace {

// ACLED and UCDP: a header row names the columns, then one record per event.
class HeaderedCsvReader : public RowReader {
 public:
  HeaderedCsvReader(ImportFormat format, std::istream* in, ReaderOptions options)
      : format_(format), csv_(in, CsvReader::Options()), options_(options) {}

  Result Next(ParsedRow* row, RowError* error) override {
    if (failed_) return Result::kEnd;
    if (!acled_ && !ucdp_) {
      absl::Status header = ReadHeader();
      if (!header.ok()) {
        failed_ = true;
        *error = ToRowError(header, record_.line > 0 ? record_.line : 1, /*fatal=*/true);
        return Result::kRejected;
      }
    }
    for (;;) {
      std::string problem;
      switch (csv_.Next(&record_, &problem)) {
        case CsvReader::Result::kEnd:
          return Result::kEnd;
        case CsvReader::Result::kMalformed:
          *error = ToRowError(errors::InvalidField("record", problem), record_.line);
          return Result::kRejected;
        case CsvReader::Result::kRecord:
          break;
      }
      if (ucdp_ && !past_hxl_row_) {
        past_hxl_row_ = true;
        if (UcdpParser::IsHxlRow(record_.fields)) continue;
      }
      absl::StatusOr<ParsedRow> parsed =
          acled_ ? acled_->Parse(record_.fields) : ucdp_->Parse(record_.fields);
      if (!parsed.ok()) {
        *error = ToRowError(parsed.status(), record_.line);
        return Result::kRejected;
      }
      *row = *std::move(parsed);
      row->line = record_.line;
      return Result::kRow;
    }
  }

 private:
  absl::Status ReadHeader() {
    std::string problem;
    switch (csv_.Next(&record_, &problem)) {
      case CsvReader::Result::kEnd:
        return errors::InvalidField("header", "the file is empty (no header row)");
      case CsvReader::Result::kMalformed:
        return errors::InvalidField("header", problem);
      case CsvReader::Result::kRecord:
        break;
    }
    if (format_ == ImportFormat::kAcled) {
      absl::StatusOr<AcledParser> parser = AcledParser::FromHeader(record_.fields);
      if (!parser.ok()) return parser.status();
      acled_.emplace(*std::move(parser));
    } else {
      absl::StatusOr<UcdpParser> parser =
          UcdpParser::FromHeader(record_.fields, {options_.repair_ranges});
      if (!parser.ok()) return parser.status();
      ucdp_.emplace(*std::move(parser));
    }
    return absl::OkStatus();
  }

  ImportFormat format_;
  CsvReader csv_;
  ReaderOptions options_;
  CsvRecord record_;
  std::optional<AcledParser> acled_;
  std::optional<UcdpParser> ucdp_;
  bool past_hxl_row_ = false;
  bool failed_ = false;
};

// GDELT: no header, no quoting, one tab-separated line per event.
class GdeltReader : public RowReader {
 public:
  explicit GdeltReader(std::istream* in) : csv_(in, Options()) {}

  Result Next(ParsedRow* row, RowError* error) override {
    std::string problem;
    switch (csv_.Next(&record_, &problem)) {
      case CsvReader::Result::kEnd:
        return Result::kEnd;
      case CsvReader::Result::kMalformed:
        *error = ToRowError(errors::InvalidField("record", problem), record_.line);
        return Result::kRejected;
      case CsvReader::Result::kRecord:
        break;
    }
    absl::StatusOr<ParsedRow> parsed = ParseGdeltRow(record_.fields);
    if (!parsed.ok()) {
      *error = ToRowError(parsed.status(), record_.line);
      return Result::kRejected;
    }
    *row = *std::move(parsed);
    row->line = record_.line;
    return Result::kRow;
  }

 private:
  static CsvReader::Options Options() {
    CsvReader::Options options;
    options.delimiter = '\t';
    options.quoting = false;
    return options;
  }

  CsvReader csv_;
  CsvRecord record_;
};

class JsonlReader : public RowReader {
 public:
  explicit JsonlReader(std::istream* in) : in_(in) {}

  Result Next(ParsedRow* row, RowError* error) override {
    std::string line;
    while (std::getline(*in_, line)) {
      ++line_number_;
      if (TrimField(line).empty()) continue;
      absl::StatusOr<ParsedRow> parsed = ParseJsonlLine(line);
      if (!parsed.ok()) {
        *error = ToRowError(parsed.status(), line_number_);
        return Result::kRejected;
      }
      *row = *std::move(parsed);
      row->line = line_number_;
      return Result::kRow;
    }
    return Result::kEnd;
  }

 private:
  std::istream* in_;
  int64_t line_number_ = 0;
};

}  // namespace

std::optional<ImportFormat> ParseImportFormat(absl::string_view name) {
  if (name == "acled") return ImportFormat::kAcled;
  if (name == "ucdp") return ImportFormat::kUcdp;
  if (name == "gdelt") return ImportFormat::kGdelt;
  if (name == "jsonl") return ImportFormat::kJsonl;
  return std::nullopt;
}

const char* ImportFormatName(ImportFormat format) {
  switch (format) {
    case ImportFormat::kAcled:
      return "acled";
    case ImportFormat::kUcdp:
      return "ucdp";
    case ImportFormat::kGdelt:
      return "gdelt";
    case ImportFormat::kJsonl:
      return "jsonl";
  }
  return "";
}

std::unique_ptr<RowReader> RowReader::Create(ImportFormat format, std::istream* in,
                                             ReaderOptions options) {
  switch (format) {
    case ImportFormat::kAcled:
    case ImportFormat::kUcdp:
      return std::make_unique<HeaderedCsvReader>(format, in, options);
    case ImportFormat::kGdelt:
      return std::make_unique<GdeltReader>(in);
    case ImportFormat::kJsonl:
      return std::make_unique<JsonlReader>(in);
  }
  return nullptr;
}

RowError ToRowError(const absl::Status& status, int64_t line, bool fatal) {
  RowError error;
  error.line = line;
  error.field = errors::FieldOf(status);
  error.message = std::string(status.message());
  error.fatal = fatal;
  return error;
}

}  // namespace lookout::cli
