// What every row a parser accepts must satisfy, so that the event service can take it: the
// service's own limits (dates, country codes, counts, lengths, UTF-8) restated for the parsers'
// output. The fuzz targets abort on a violation; the tests check the fixtures and real samples.
#ifndef LOOKOUT_CLI_IMPORT_ROW_INVARIANTS_H_
#define LOOKOUT_CLI_IMPORT_ROW_INVARIANTS_H_

#include "absl/status/status.h"
#include "cli/import/parsed_row.h"

namespace lookout::cli {

// OK, or INTERNAL naming the first broken invariant.
absl::Status CheckRowInvariants(const ParsedRow& row);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_ROW_INVARIANTS_H_
