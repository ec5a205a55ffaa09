// FIPS 10-4 country codes (GDELT's ActionGeo_CountryCode: Haiti "HA", Kenya "KE") to ISO 3166-1
// alpha-3. Codes for places ISO does not list separately (oceans, disputed islands, retired
// countries such as "YI" Serbia and Montenegro) have no equivalent.
#ifndef LOOKOUT_CLI_IMPORT_FIPS_COUNTRIES_H_
#define LOOKOUT_CLI_IMPORT_FIPS_COUNTRIES_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lookout::cli {

std::optional<std::string> IsoAlpha3FromFips(absl::string_view fips);
// The first FIPS code listed for an ISO code ("AUS" -> "AS", not the islands' "AT" or "CR");
// nullopt when FIPS has none.
std::optional<std::string> FipsFromIsoAlpha3(absl::string_view alpha3);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_FIPS_COUNTRIES_H_
