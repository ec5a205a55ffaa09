#include "common/maritime_areas.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"

namespace lookout {
namespace {

std::string Folded(absl::string_view name) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
}

// Seas, gulfs, straits and bays reported at sea often enough to name, with their basin. The
// Baltic, North and Caribbean Seas are bodies of water of the Atlantic, as in ACLED's own
// example (Atlantic Ocean > North Atlantic Ocean > Baltic Sea > Gulf of Finland).
constexpr std::pair<const char*, const char*> kBodiesOfWater[] = {
    {"Baltic Sea", "Atlantic Ocean"},        {"North Sea", "Atlantic Ocean"},
    {"Caribbean Sea", "Atlantic Ocean"},     {"Gulf of Mexico", "Atlantic Ocean"},
    {"Gulf of Guinea", "Atlantic Ocean"},    {"English Channel", "Atlantic Ocean"},
    {"Bay of Biscay", "Atlantic Ocean"},     {"Celtic Sea", "Atlantic Ocean"},
    {"Irish Sea", "Atlantic Ocean"},         {"Sargasso Sea", "Atlantic Ocean"},
    {"Windward Passage", "Atlantic Ocean"},  {"Gulf of Finland", "Atlantic Ocean"},
    {"Gulf of Bothnia", "Atlantic Ocean"},   {"Norwegian Sea", "Arctic Ocean"},
    {"Barents Sea", "Arctic Ocean"},         {"Kara Sea", "Arctic Ocean"},
    {"Gulf of Aden", "Indian Ocean"},        {"Arabian Sea", "Indian Ocean"},
    {"Gulf of Oman", "Indian Ocean"},        {"Bay of Bengal", "Indian Ocean"},
    {"Andaman Sea", "Indian Ocean"},         {"Mozambique Channel", "Indian Ocean"},
    {"Somali Sea", "Indian Ocean"},          {"Strait of Hormuz", "Persian Gulf"},
    {"Bab-el-Mandeb", "Red Sea"},            {"Gulf of Suez", "Red Sea"},
    {"Gulf of Aqaba", "Red Sea"},            {"South China Sea", "Pacific Ocean"},
    {"East China Sea", "Pacific Ocean"},     {"Yellow Sea", "Pacific Ocean"},
    {"Sea of Japan", "Pacific Ocean"},       {"Philippine Sea", "Pacific Ocean"},
    {"Sulu Sea", "Pacific Ocean"},           {"Celebes Sea", "Pacific Ocean"},
    {"Coral Sea", "Pacific Ocean"},          {"Bering Sea", "Pacific Ocean"},
    {"Sea of Okhotsk", "Pacific Ocean"},     {"Taiwan Strait", "Pacific Ocean"},
    {"Strait of Malacca", "Indian Ocean"},   {"Gulf of California", "Pacific Ocean"},
    {"Aegean Sea", "Mediterranean Sea"},     {"Adriatic Sea", "Mediterranean Sea"},
    {"Ionian Sea", "Mediterranean Sea"},     {"Tyrrhenian Sea", "Mediterranean Sea"},
    {"Ligurian Sea", "Mediterranean Sea"},   {"Alboran Sea", "Mediterranean Sea"},
    {"Levantine Sea", "Mediterranean Sea"},  {"Strait of Sicily", "Mediterranean Sea"},
    {"Strait of Gibraltar", "Mediterranean Sea"}, {"Sea of Marmara", "Black Sea"},
    {"Sea of Azov", "Black Sea"},            {"Kerch Strait", "Black Sea"},
    {"Bosporus", "Black Sea"},
};

const absl::flat_hash_map<std::string, NamedWater>& NamedWaters() {
  static const auto* const table = [] {
    auto* map = new absl::flat_hash_map<std::string, NamedWater>();
    for (const std::string& basin : MaritimeBasins()) (*map)[Folded(basin)] = {basin, ""};
    for (const auto& [body, basin] : kBodiesOfWater) (*map)[Folded(body)] = {basin, body};
    return map;
  }();
  return *table;
}

}  // namespace

const std::vector<std::string>& MaritimeBasins() {
  static const auto* const basins = new std::vector<std::string>{
      "Arctic Ocean",      "Atlantic Ocean", "Indian Ocean", "Pacific Ocean", "Southern Ocean",
      "Mediterranean Sea", "Black Sea",      "Red Sea",      "Caspian Sea",   "Persian Gulf",
  };
  return *basins;
}

const std::string& MaritimeBasinsText() {
  static const auto* const text = new std::string(absl::StrJoin(MaritimeBasins(), ", "));
  return *text;
}

bool IsMaritimeBasin(absl::string_view name) {
  for (const std::string& basin : MaritimeBasins()) {
    if (basin == name) return true;
  }
  return false;
}

std::optional<std::string> CanonicalMaritimeBasin(absl::string_view name) {
  const std::string folded = Folded(name);
  for (const std::string& basin : MaritimeBasins()) {
    if (Folded(basin) == folded) return basin;
  }
  return std::nullopt;
}

std::optional<NamedWater> LookUpNamedWater(absl::string_view name) {
  auto it = NamedWaters().find(Folded(name));
  if (it == NamedWaters().end()) return std::nullopt;
  return it->second;
}

}  // namespace lookout
