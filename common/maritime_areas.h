// The maritime basins a Location at sea may name (lookout.type.v1.MaritimeArea.basin): the five
// oceans and the enclosed or semi-enclosed seas that ACLED's maritime hierarchy (since May 2026)
// and GDELT's ocean features (FIPS 10-4 "OS") treat as places of their own. One list, so
// validation, the importers and the situation report agree on the spelling.
#ifndef LOOKOUT_COMMON_MARITIME_AREAS_H_
#define LOOKOUT_COMMON_MARITIME_AREAS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace lookout {

// The basins, in their canonical spelling ("Red Sea"), in documentation order.
const std::vector<std::string>& MaritimeBasins();
// The list as one text for error messages: "Arctic Ocean, Atlantic Ocean, ...".
const std::string& MaritimeBasinsText();
// Whether `name` is a basin, spelled exactly.
bool IsMaritimeBasin(absl::string_view name);
// The canonical basin for a name in any letter case and with surrounding spaces ("red sea",
// "RED SEA " -> "Red Sea"); nullopt for anything else.
std::optional<std::string> CanonicalMaritimeBasin(absl::string_view name);

// A named sea, gulf, strait or bay and the basin it lies in, for sources that give only the
// name (GDELT: "Gulf Of Aden" -> {"Indian Ocean", "Gulf of Aden"}). A basin's own name gives
// the basin with no body of water. Letter case and surrounding spaces are ignored; nullopt for
// a name not in the table.
struct NamedWater {
  std::string basin;
  std::string body_of_water;  // canonical spelling, empty for a basin itself
};
std::optional<NamedWater> LookUpNamedWater(absl::string_view name);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_MARITIME_AREAS_H_
