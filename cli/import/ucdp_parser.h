// UCDP GED's CSV (the official release and HDX's copy with its row of HXL hashtags), one event
// at a time: external id UCDP, violence type to event type, sides to actors, deaths as a KILLED
// count with low/best/high, date and place precision codes, source citations.
#ifndef LOOKOUT_CLI_IMPORT_UCDP_PARSER_H_
#define LOOKOUT_CLI_IMPORT_UCDP_PARSER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/import/header_index.h"
#include "cli/import/parsed_row.h"

namespace lookout::cli {

class UcdpParser {
 public:
  enum Column {
    kId,
    kYear,
    kTypeOfViolence,
    kConflictName,
    kDyadName,
    kSideA,
    kGwnoA,
    kSideB,
    kGwnoB,
    kSourceArticle,
    kSourceOffice,
    kSourceDate,
    kSourceHeadline,
    kWherePrec,
    kWhereCoordinates,
    kAdm1,
    kAdm2,
    kLatitude,
    kLongitude,
    kCountry,
    kIso3,
    kDatePrec,
    kDateStart,
    kDateEnd,
    kDeathsA,
    kDeathsB,
    kDeathsCivilians,
    kDeathsUnknown,
    kLow,
    kBest,
    kHigh,
    // Kept only in the event's UCDP attributes.
    kActiveYear,
    kConflictNewId,
    kDyadNewId,
    kSideANewId,
    kSideBNewId,
    kNumberOfSources,
    kSourceOriginal,
    kGeomWkt,
    kPriogridGid,
    kCountryId,
    kRegion,
    kEventClarity,
    kColumnCount
  };

  struct Options {
    // Widen low/high to include best instead of rejecting rows that break low <= best <= high.
    bool repair_ranges = false;
  };

  static absl::StatusOr<UcdpParser> FromHeader(const std::vector<std::string>& header,
                                               Options options);

  // HDX copies put a row of HXL hashtags ("#date+year") under the header.
  static bool IsHxlRow(const std::vector<std::string>& fields);

  absl::StatusOr<ParsedRow> Parse(const std::vector<std::string>& fields) const;

 private:
  UcdpParser(HeaderIndex columns, Options options)
      : columns_(std::move(columns)), options_(options) {}

  // The columns no Event field holds, into the event's UCDP attributes.
  absl::Status FillAttributes(const std::vector<std::string>& fields,
                              lookout::event::v1::UcdpAttributes* attributes) const;

  HeaderIndex columns_;
  Options options_;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_UCDP_PARSER_H_
