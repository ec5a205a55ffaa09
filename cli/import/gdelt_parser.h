// One row of a GDELT 2.0 events export (tab-separated, no header, 61 columns). GDELT codes
// events by machine, about five per article, so rows are candidate events: external id GDELT,
// CAMEO codes to event types (cameo.h), FIPS 10-4 places to ISO (fips_countries.h), the article
// as the source.
#ifndef LOOKOUT_CLI_IMPORT_GDELT_PARSER_H_
#define LOOKOUT_CLI_IMPORT_GDELT_PARSER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/import/parsed_row.h"

namespace lookout::cli {

inline constexpr size_t kGdeltColumnCount = 61;

// The documented name of column `index` (0-60), e.g. 53 -> "ActionGeo_CountryCode".
const char* GdeltColumnName(size_t index);

absl::StatusOr<ParsedRow> ParseGdeltRow(const std::vector<std::string>& fields);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_GDELT_PARSER_H_
