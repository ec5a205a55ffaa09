// Reads delimited records from a stream: RFC 4180 quoting (doubled quotes, fields spanning
// lines) for CSV, or plain tab-separated lines for GDELT. Tracks the line each record starts on
// and never gives up on the rest of the input because of one malformed record.
#ifndef LOOKOUT_CLI_IMPORT_CSV_READER_H_
#define LOOKOUT_CLI_IMPORT_CSV_READER_H_

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace lookout::cli {

struct CsvRecord {
  std::vector<std::string> fields;
  // The 1-based line the record starts on.
  int64_t line = 0;
};

class CsvReader {
 public:
  struct Options {
    char delimiter = ',';
    // When false, quotes are ordinary characters and every line is one record (GDELT).
    bool quoting = true;
    // A longer record is reported as malformed (and skipped) instead of filling memory.
    size_t max_record_bytes = 1 << 20;
    size_t max_fields = 1000;
  };

  enum class Result { kRecord, kMalformed, kEnd };

  // `in` must outlive the reader.
  CsvReader(std::istream* in, Options options);

  // The next non-blank record. kMalformed sets `error` (the record's line is in record->line)
  // and the reader resumes after it.
  Result Next(CsvRecord* record, std::string* error);

 private:
  // Next byte, or -1 at the end of input.
  int Get();
  int Peek();
  bool Fill();

  std::istream* in_;
  Options options_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool started_ = false;
  int64_t line_ = 1;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_CSV_READER_H_
