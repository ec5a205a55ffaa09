#include "cli/import/taxonomy_labels.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"

namespace lookout::cli {
namespace {

using ::lookout::actor::v1::ActorType;
using ::lookout::event::v1::EventType;
using ::lookout::type::v1::SourceScale;

struct EventTypeEntry {
  const char* label;
  EventType type;
  const char* implied_sub_event_type;
};

// Current labels first, then the older ones seen in ACLED exports over the years.
constexpr EventTypeEntry kEventTypes[] = {
    {"Battles", event::v1::EVENT_TYPE_BATTLES, ""},
    {"Battle", event::v1::EVENT_TYPE_BATTLES, ""},
    {"Battle-No change of territory", event::v1::EVENT_TYPE_BATTLES, "Armed clash"},
    {"Battle-Government regains territory", event::v1::EVENT_TYPE_BATTLES,
     "Government regains territory"},
    {"Battle-Non-state actor overtakes territory", event::v1::EVENT_TYPE_BATTLES,
     "Non-state actor overtakes territory"},
    {"Explosions/Remote violence", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, ""},
    {"Remote violence", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, ""},
    {"Violence against civilians", event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS, ""},
    {"Protests", event::v1::EVENT_TYPE_PROTESTS, ""},
    {"Protest", event::v1::EVENT_TYPE_PROTESTS, ""},
    {"Riots", event::v1::EVENT_TYPE_RIOTS, ""},
    {"Riot", event::v1::EVENT_TYPE_RIOTS, ""},
    {"Strategic developments", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, ""},
    {"Strategic development", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, ""},
    {"Non-violent activity", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, ""},
    {"Headquarters or base established", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS,
     "Headquarters or base established"},
    {"Non-violent transfer of territory", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS,
     "Non-violent transfer of territory"},
};

struct SubEventEntry {
  const char* label;
  EventType type;
  const char* canonical;
};

constexpr SubEventEntry kSubEventTypes[] = {
    // ACLED's taxonomy in its own wording (DOMAIN.md).
    {"Armed clash", event::v1::EVENT_TYPE_BATTLES, "Armed clash"},
    {"Government regains territory", event::v1::EVENT_TYPE_BATTLES, "Government regains territory"},
    {"Non-state actor overtakes territory", event::v1::EVENT_TYPE_BATTLES,
     "Non-state actor overtakes territory"},
    {"Chemical weapon", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, "Chemical weapon"},
    {"Air/drone strike", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, "Air/drone strike"},
    {"Suicide bomb", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, "Suicide bomb"},
    {"Shelling/artillery/missile attack", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE,
     "Shelling/artillery/missile attack"},
    {"Remote explosive/landmine/IED", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE,
     "Remote explosive/landmine/IED"},
    {"Grenade", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, "Grenade"},
    {"Sexual violence", event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS, "Sexual violence"},
    {"Attack", event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS, "Attack"},
    {"Abduction/forced disappearance", event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS,
     "Abduction/forced disappearance"},
    {"Peaceful protest", event::v1::EVENT_TYPE_PROTESTS, "Peaceful protest"},
    {"Protest with intervention", event::v1::EVENT_TYPE_PROTESTS, "Protest with intervention"},
    {"Excessive force against protesters", event::v1::EVENT_TYPE_PROTESTS,
     "Excessive force against protesters"},
    {"Violent demonstration", event::v1::EVENT_TYPE_RIOTS, "Violent demonstration"},
    {"Mob violence", event::v1::EVENT_TYPE_RIOTS, "Mob violence"},
    {"Agreement", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, "Agreement"},
    {"Arrests", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, "Arrests"},
    {"Change to group/activity", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS,
     "Change to group/activity"},
    {"Disrupted weapons use", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS,
     "Disrupted weapons use"},
    {"Headquarters or base established", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS,
     "Headquarters or base established"},
    {"Looting/property destruction", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS,
     "Looting/property destruction"},
    {"Non-violent transfer of territory", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS,
     "Non-violent transfer of territory"},
    {"Other", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, "Other"},
    // Spellings and plurals seen in older exports and hand-made files.
    {"Armed clashes", event::v1::EVENT_TYPE_BATTLES, "Armed clash"},
    {"Chemical weapons", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, "Chemical weapon"},
    {"Air strike", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, "Air/drone strike"},
    {"Drone strike", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, "Air/drone strike"},
    {"Suicide bombing", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, "Suicide bomb"},
    {"Shelling/artillery/missile", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE,
     "Shelling/artillery/missile attack"},
    {"Remote explosive/landmine/IED attack", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE,
     "Remote explosive/landmine/IED"},
    {"Grenades", event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, "Grenade"},
    {"Abduction", event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS,
     "Abduction/forced disappearance"},
    {"Forced disappearance", event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS,
     "Abduction/forced disappearance"},
    {"Peaceful protests", event::v1::EVENT_TYPE_PROTESTS, "Peaceful protest"},
    {"Excessive force against protestors", event::v1::EVENT_TYPE_PROTESTS,
     "Excessive force against protesters"},
    {"Violent demonstrations", event::v1::EVENT_TYPE_RIOTS, "Violent demonstration"},
    {"Arrest", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, "Arrests"},
    {"Headquarters/base established", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS,
     "Headquarters or base established"},
    {"Looting", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, "Looting/property destruction"},
    {"Property destruction", event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS,
     "Looting/property destruction"},
    // Lookout's political and legal types (DOMAIN.md), for JSONL and hand-made files.
    {"Bilateral meeting", event::v1::EVENT_TYPE_CONSULT, "Bilateral meeting"},
    {"Multilateral meeting", event::v1::EVENT_TYPE_CONSULT, "Multilateral meeting"},
    {"Visit", event::v1::EVENT_TYPE_CONSULT, "Visit"},
    {"Negotiation", event::v1::EVENT_TYPE_CONSULT, "Negotiation"},
    {"Request for security assistance", event::v1::EVENT_TYPE_REQUEST,
     "Request for security assistance"},
    {"Request for aid", event::v1::EVENT_TYPE_REQUEST, "Request for aid"},
    {"Demand", event::v1::EVENT_TYPE_REQUEST, "Demand"},
    {"Agreement signed", event::v1::EVENT_TYPE_AGREE, "Agreement signed"},
    {"Authorization", event::v1::EVENT_TYPE_AGREE, "Authorization"},
    {"Endorsement", event::v1::EVENT_TYPE_AGREE, "Endorsement"},
    {"Logistics support", event::v1::EVENT_TYPE_AID, "Logistics support"},
    {"Military aid", event::v1::EVENT_TYPE_AID, "Military aid"},
    {"Humanitarian aid", event::v1::EVENT_TYPE_AID, "Humanitarian aid"},
    {"Financial aid", event::v1::EVENT_TYPE_AID, "Financial aid"},
    {"Rejection", event::v1::EVENT_TYPE_REJECT, "Rejection"},
    {"Veto", event::v1::EVENT_TYPE_REJECT, "Veto"},
    {"Suspension", event::v1::EVENT_TYPE_REJECT, "Suspension"},
    {"Police deployment", event::v1::EVENT_TYPE_DEPLOY, "Police deployment"},
    {"Troop deployment", event::v1::EVENT_TYPE_DEPLOY, "Troop deployment"},
    {"Withdrawal", event::v1::EVENT_TYPE_DEPLOY, "Withdrawal"},
    {"Court ruling", event::v1::EVENT_TYPE_LEGAL_ACTION, "Court ruling"},
    {"Court injunction", event::v1::EVENT_TYPE_LEGAL_ACTION, "Court injunction"},
    {"Indictment", event::v1::EVENT_TYPE_LEGAL_ACTION, "Indictment"},
    {"Sanction", event::v1::EVENT_TYPE_LEGAL_ACTION, "Sanction"},
};

struct ActorTypeEntry {
  const char* label;
  ActorType type;
};

constexpr ActorTypeEntry kActorTypes[] = {
    {"1", actor::v1::ACTOR_TYPE_STATE_FORCES},
    {"2", actor::v1::ACTOR_TYPE_REBEL_GROUP},
    {"3", actor::v1::ACTOR_TYPE_POLITICAL_MILITIA},
    {"4", actor::v1::ACTOR_TYPE_IDENTITY_MILITIA},
    {"5", actor::v1::ACTOR_TYPE_RIOTERS},
    {"6", actor::v1::ACTOR_TYPE_PROTESTERS},
    {"7", actor::v1::ACTOR_TYPE_CIVILIANS},
    {"8", actor::v1::ACTOR_TYPE_EXTERNAL_FORCES},
    {"State forces", actor::v1::ACTOR_TYPE_STATE_FORCES},
    {"State force", actor::v1::ACTOR_TYPE_STATE_FORCES},
    {"Government or mutinous force", actor::v1::ACTOR_TYPE_STATE_FORCES},
    {"Government or mutinous forces", actor::v1::ACTOR_TYPE_STATE_FORCES},
    {"Rebel group", actor::v1::ACTOR_TYPE_REBEL_GROUP},
    {"Rebel groups", actor::v1::ACTOR_TYPE_REBEL_GROUP},
    {"Rebels", actor::v1::ACTOR_TYPE_REBEL_GROUP},
    {"Political militia", actor::v1::ACTOR_TYPE_POLITICAL_MILITIA},
    {"Political militias", actor::v1::ACTOR_TYPE_POLITICAL_MILITIA},
    {"Identity militia", actor::v1::ACTOR_TYPE_IDENTITY_MILITIA},
    {"Identity militias", actor::v1::ACTOR_TYPE_IDENTITY_MILITIA},
    {"Communal militia", actor::v1::ACTOR_TYPE_IDENTITY_MILITIA},
    {"Ethnic militia", actor::v1::ACTOR_TYPE_IDENTITY_MILITIA},
    {"Rioters", actor::v1::ACTOR_TYPE_RIOTERS},
    {"Rioter", actor::v1::ACTOR_TYPE_RIOTERS},
    {"Protesters", actor::v1::ACTOR_TYPE_PROTESTERS},
    {"Protester", actor::v1::ACTOR_TYPE_PROTESTERS},
    {"Protestors", actor::v1::ACTOR_TYPE_PROTESTERS},
    {"Civilians", actor::v1::ACTOR_TYPE_CIVILIANS},
    {"Civilian", actor::v1::ACTOR_TYPE_CIVILIANS},
    {"External/Other forces", actor::v1::ACTOR_TYPE_EXTERNAL_FORCES},
    {"External/Other force", actor::v1::ACTOR_TYPE_EXTERNAL_FORCES},
    {"Other forces", actor::v1::ACTOR_TYPE_EXTERNAL_FORCES},
    {"External forces", actor::v1::ACTOR_TYPE_EXTERNAL_FORCES},
};

struct SourceScaleEntry {
  const char* label;
  SourceScale scale;
};

constexpr SourceScaleEntry kSourceScales[] = {
    {"Local partner", type::v1::SOURCE_SCALE_LOCAL},
    {"Local", type::v1::SOURCE_SCALE_LOCAL},
    {"Subnational", type::v1::SOURCE_SCALE_SUBNATIONAL},
    {"Sub national", type::v1::SOURCE_SCALE_SUBNATIONAL},
    {"National", type::v1::SOURCE_SCALE_NATIONAL},
    {"Regional", type::v1::SOURCE_SCALE_REGIONAL},
    {"International", type::v1::SOURCE_SCALE_INTERNATIONAL},
    {"New media", type::v1::SOURCE_SCALE_NEW_MEDIA},
    {"Other", type::v1::SOURCE_SCALE_OTHER},
};

template <typename Entry, typename Value, size_t N>
absl::flat_hash_map<std::string, Value> BuildIndex(const Entry (&entries)[N],
                                                   Value (*value_of)(const Entry&)) {
  absl::flat_hash_map<std::string, Value> index;
  for (const Entry& entry : entries) index.emplace(NormalizeLabel(entry.label), value_of(entry));
  return index;
}

}  // namespace

std::string NormalizeLabel(absl::string_view label) {
  std::string out;
  out.reserve(label.size());
  bool pending_space = false;
  for (char c : label) {
    if (absl::ascii_isalnum(c)) {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      out.push_back(absl::ascii_tolower(c));
    } else {
      pending_space = true;
    }
  }
  return out;
}

std::optional<EventTypeLabel> MatchEventTypeLabel(absl::string_view label) {
  static const auto* index = new absl::flat_hash_map<std::string, EventTypeLabel>(
      BuildIndex<EventTypeEntry, EventTypeLabel>(kEventTypes, [](const EventTypeEntry& e) {
        return EventTypeLabel{e.type, e.implied_sub_event_type, false};
      }));
  const std::string key = NormalizeLabel(label);
  if (key == "riots protests") {
    EventTypeLabel ambiguous;
    ambiguous.ambiguous_riots_protests = true;
    return ambiguous;
  }
  auto it = index->find(key);
  if (it == index->end()) return std::nullopt;
  return it->second;
}

std::optional<SubEventTypeLabel> MatchSubEventTypeLabel(absl::string_view label) {
  static const auto* index = new absl::flat_hash_map<std::string, SubEventTypeLabel>(
      BuildIndex<SubEventEntry, SubEventTypeLabel>(kSubEventTypes, [](const SubEventEntry& e) {
        return SubEventTypeLabel{e.type, e.canonical};
      }));
  auto it = index->find(NormalizeLabel(label));
  if (it == index->end()) return std::nullopt;
  return it->second;
}

std::string AcledEventTypeLabelsText() {
  return "Battles, Explosions/Remote violence, Violence against civilians, Protests, Riots, "
         "Strategic developments";
}

std::optional<ActorType> MatchActorTypeLabel(absl::string_view label) {
  static const auto* index =
      new absl::flat_hash_map<std::string, ActorType>(BuildIndex<ActorTypeEntry, ActorType>(
          kActorTypes, [](const ActorTypeEntry& e) { return e.type; }));
  const std::string key = NormalizeLabel(label);
  if (key.empty() || key == "0") return actor::v1::ACTOR_TYPE_UNSPECIFIED;
  auto it = index->find(key);
  if (it == index->end()) return std::nullopt;
  return it->second;
}

std::optional<SourceScale> MatchSourceScaleLabel(absl::string_view label) {
  static const auto* index =
      new absl::flat_hash_map<std::string, SourceScale>(BuildIndex<SourceScaleEntry, SourceScale>(
          kSourceScales, [](const SourceScaleEntry& e) { return e.scale; }));
  auto it = index->find(NormalizeLabel(label));
  if (it == index->end()) return std::nullopt;
  return it->second;
}

}  // namespace lookout::cli
