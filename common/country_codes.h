// ISO 3166-1 country codes: the alpha-3 set, and the numeric codes ACLED exports use.
#ifndef LOOKOUT_COMMON_COUNTRY_CODES_H_
#define LOOKOUT_COMMON_COUNTRY_CODES_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lookout {

bool IsIsoAlpha3(absl::string_view code);
// 332 -> "HTI"; nullopt for a number that is no country.
std::optional<std::string> IsoAlpha3FromNumeric(int numeric);
// "HTI" -> 332, "XKX" -> 0 (ACLED's code for Kosovo); nullopt for a code that is no country.
std::optional<int> NumericFromIsoAlpha3(absl::string_view alpha3);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_COUNTRY_CODES_H_
