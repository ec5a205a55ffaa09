// ACLED's CSV export, one row at a time: columns are found by their header names (any order,
// names matched case-insensitively, older names such as ally_actor_1 accepted), labels matched
// tolerantly (taxonomy_labels.h), and every value checked. A row becomes an event with external
// id ACLED, its actors as names typed from the inter codes.
#ifndef LOOKOUT_CLI_IMPORT_ACLED_PARSER_H_
#define LOOKOUT_CLI_IMPORT_ACLED_PARSER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/import/header_index.h"
#include "cli/import/parsed_row.h"

namespace lookout::cli {

class AcledParser {
 public:
  // The columns Lookout reads; the others are ignored.
  enum Column {
    kEventIdCnty,
    kEventDate,
    kYear,
    kTimePrecision,
    kDisorderType,
    kEventType,
    kSubEventType,
    kActor1,
    kAssocActor1,
    kInter1,
    kActor2,
    kAssocActor2,
    kInter2,
    kInteraction,
    kCivilianTargeting,
    kIso,
    kIso3,
    kRegion,
    kCountry,
    kAdmin1,
    kAdmin2,
    kAdmin3,
    kLocation,
    kLatitude,
    kLongitude,
    kGeoPrecision,
    kSource,
    kSourceScale,
    kNotes,
    kFatalities,
    kTags,
    kTimestamp,
    kColumnCount
  };

  // Fails (INVALID_ARGUMENT, field "header") when a required column is missing or repeated.
  static absl::StatusOr<AcledParser> FromHeader(const std::vector<std::string>& header);

  // One data row; the returned row's `line` is left for the caller to set.
  absl::StatusOr<ParsedRow> Parse(const std::vector<std::string>& fields) const;

  static const char* ColumnName(Column column);

 private:
  explicit AcledParser(HeaderIndex columns) : columns_(std::move(columns)) {}

  HeaderIndex columns_;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_ACLED_PARSER_H_
