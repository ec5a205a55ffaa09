// The body shared by the row-parser fuzz targets: reads every row of the input in one format,
// and aborts when a row the parser accepted breaks what the event service requires
// (cli/import/row_invariants.h) or a rejection lacks its line or reason.
#ifndef LOOKOUT_FUZZ_FUZZ_ROWS_H_
#define LOOKOUT_FUZZ_FUZZ_ROWS_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "cli/import/row_invariants.h"
#include "cli/import/row_reader.h"

namespace lookout::fuzz {

inline void Check(bool ok, const char* what, const std::string& detail) {
  if (ok) return;
  std::fprintf(stderr, "invariant broken: %s: %s\n", what, detail.c_str());
  std::abort();
}

inline int FuzzRows(cli::ImportFormat format, const uint8_t* data, size_t size,
                    bool strict_rows = true) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  cli::ReaderOptions options;
  options.repair_ranges = size % 2 == 1;  // both ways, decided by the input
  auto reader = cli::RowReader::Create(format, &in, options);
  cli::ParsedRow row;
  cli::RowError error;
  int64_t last_line = 0;
  // Every record consumes at least one byte, so this bound is never reached by a sane reader.
  for (size_t steps = 0; steps <= size + 2; ++steps) {
    const cli::RowReader::Result result = reader->Next(&row, &error);
    if (result == cli::RowReader::Result::kEnd) return 0;
    const int64_t line = result == cli::RowReader::Result::kRow ? row.line : error.line;
    Check(line >= 1, "line numbers start at 1", std::to_string(line));
    Check(line >= last_line, "line numbers never go back", std::to_string(line));
    last_line = line;
    if (result == cli::RowReader::Result::kRejected) {
      Check(!error.message.empty(), "a rejection says why", error.field);
      if (error.fatal) return 0;
      continue;
    }
    if (strict_rows) {
      absl::Status status = cli::CheckRowInvariants(row);
      Check(status.ok(), "accepted rows are valid events", std::string(status.message()));
    } else {
      std::string wire;
      cli::ParsedRow copy;
      Check(row.event.SerializeToString(&wire) && copy.event.ParseFromString(wire),
            "accepted rows survive the wire", row.event.ShortDebugString());
    }
  }
  Check(false, "the reader ends", "more records than input bytes");
  return 0;
}

}  // namespace lookout::fuzz

#endif  // LOOKOUT_FUZZ_FUZZ_ROWS_H_
