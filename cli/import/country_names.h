// English country names as import files spell them ("Haiti", "DR Congo (Zaire)",
// "Myanmar (Burma)") -> ISO 3166-1 alpha-3, for files that carry no code.
#ifndef LOOKOUT_CLI_IMPORT_COUNTRY_NAMES_H_
#define LOOKOUT_CLI_IMPORT_COUNTRY_NAMES_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lookout::cli {

// Case and punctuation are ignored, and so is a trailing "(former name)".
std::optional<std::string> IsoAlpha3FromCountryName(absl::string_view name);
// The short English name first listed for an ISO alpha-3 code ("HTI" -> "Haiti"), or "".
std::string CountryNameFromIsoAlpha3(absl::string_view alpha3);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_COUNTRY_NAMES_H_
