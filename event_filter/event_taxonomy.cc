#include "event_filter/event_taxonomy.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lookout::event_filter {

namespace v1 = ::lookout::event::v1;

namespace {

using ::lookout::event::v1::EventType;

using Taxonomy = absl::flat_hash_map<int, std::vector<std::string>>;

// Built once and never destroyed (no exit-time destructor races with serving threads).
const Taxonomy& Table() {
  static const Taxonomy* const table = new Taxonomy{
      {v1::EVENT_TYPE_BATTLES,
       {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"}},
      {v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE,
       {"Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED", "Grenade"}},
      {v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS,
       {"Sexual violence", "Attack", "Abduction/forced disappearance"}},
      {v1::EVENT_TYPE_PROTESTS,
       {"Peaceful protest", "Protest with intervention", "Excessive force against protesters"}},
      {v1::EVENT_TYPE_RIOTS, {"Violent demonstration", "Mob violence"}},
      {v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS,
       {"Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
        "Headquarters or base established", "Looting/property destruction",
        "Non-violent transfer of territory", "Other"}},
      {v1::EVENT_TYPE_CONSULT,
       {"Bilateral meeting", "Multilateral meeting", "Visit", "Negotiation"}},
      {v1::EVENT_TYPE_REQUEST, {"Request for security assistance", "Request for aid", "Demand"}},
      {v1::EVENT_TYPE_AGREE, {"Agreement signed", "Authorization", "Endorsement"}},
      {v1::EVENT_TYPE_AID,
       {"Logistics support", "Military aid", "Humanitarian aid", "Financial aid"}},
      {v1::EVENT_TYPE_REJECT, {"Rejection", "Veto", "Suspension"}},
      {v1::EVENT_TYPE_DEPLOY, {"Police deployment", "Troop deployment", "Withdrawal"}},
      {v1::EVENT_TYPE_LEGAL_ACTION, {"Court ruling", "Court injunction", "Indictment", "Sanction"}},
  };
  return *table;
}

}  // namespace

const std::vector<std::string>& SubEventTypes(EventType type) {
  static const std::vector<std::string>* const kNone = new std::vector<std::string>();
  auto it = Table().find(static_cast<int>(type));
  return it == Table().end() ? *kNone : it->second;
}

bool IsSubEventTypeOf(EventType type, absl::string_view sub_event_type) {
  const std::vector<std::string>& allowed = SubEventTypes(type);
  return std::find(allowed.begin(), allowed.end(), sub_event_type) != allowed.end();
}

bool IsKnownSubEventType(absl::string_view sub_event_type) {
  for (const auto& [type, allowed] : Table()) {
    if (std::find(allowed.begin(), allowed.end(), sub_event_type) != allowed.end()) return true;
  }
  return false;
}

std::string AllowedSubEventTypesText(EventType type) {
  const std::vector<std::string>& allowed = SubEventTypes(type);
  if (allowed.empty()) return "none (set a known event_type first)";
  return absl::StrJoin(allowed, ", ", [](std::string* out, const std::string& value) {
    absl::StrAppend(out, "\"", value, "\"");
  });
}

}  // namespace lookout::event_filter
