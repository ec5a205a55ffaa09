// Test helper: every row and every rejection a RowReader produces for a file or a string.
#ifndef LOOKOUT_CLI_TESTING_READ_ALL_H_
#define LOOKOUT_CLI_TESTING_READ_ALL_H_

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/import/row_reader.h"

namespace lookout::cli::cli_testing {

struct ReadOutcome {
  std::vector<ParsedRow> rows;
  std::vector<RowError> errors;
};

inline ReadOutcome ReadAllFrom(ImportFormat format, std::istream* in, ReaderOptions options = {}) {
  std::unique_ptr<RowReader> reader = RowReader::Create(format, in, options);
  ReadOutcome outcome;
  ParsedRow row;
  RowError error;
  for (;;) {
    const RowReader::Result result = reader->Next(&row, &error);
    if (result == RowReader::Result::kEnd) break;
    if (result == RowReader::Result::kRow) {
      outcome.rows.push_back(row);
    } else {
      outcome.errors.push_back(error);
      if (error.fatal) break;
    }
  }
  return outcome;
}

inline ReadOutcome ReadAllText(ImportFormat format, const std::string& text,
                               ReaderOptions options = {}) {
  std::istringstream in(text);
  return ReadAllFrom(format, &in, options);
}

// A file under tests/fixtures (LOOKOUT_FIXTURES_DIR is set by tests/cli_tests.cmake).
inline std::string FixturePath(const std::string& relative) {
  return std::string(LOOKOUT_FIXTURES_DIR) + "/" + relative;
}

inline ReadOutcome ReadFixture(ImportFormat format, const std::string& relative,
                               ReaderOptions options = {}) {
  std::ifstream in(FixturePath(relative), std::ios::binary);
  return ReadAllFrom(format, &in, options);
}

}  // namespace lookout::cli::cli_testing

#endif  // LOOKOUT_CLI_TESTING_READ_ALL_H_
