#include "cli/import/cameo.h"

#include "absl/strings/match.h"

namespace lookout::cli {
namespace {

using ::lookout::event::v1::EventType;

CameoMapping Map(EventType type, const char* sub) { return CameoMapping{type, sub}; }

bool HasPrefix(absl::string_view code, absl::string_view prefix) {
  return absl::StartsWith(code, prefix);
}

}  // namespace

std::optional<CameoMapping> MapCameo(absl::string_view root, absl::string_view code) {
  if (root.size() != 2 || root[0] < '0' || root[0] > '2' || root[1] < '0' || root[1] > '9') {
    return std::nullopt;
  }
  const int number = (root[0] - '0') * 10 + (root[1] - '0');
  switch (number) {
    case 1:  // make a public statement: a stated position
      return Map(event::v1::EVENT_TYPE_AGREE, "Endorsement");
    case 2:  // appeal or request
      if (HasPrefix(code, "0212") || HasPrefix(code, "0233") || HasPrefix(code, "0234")) {
        return Map(event::v1::EVENT_TYPE_REQUEST, "Request for security assistance");
      }
      if (HasPrefix(code, "023")) return Map(event::v1::EVENT_TYPE_REQUEST, "Request for aid");
      return Map(event::v1::EVENT_TYPE_REQUEST, "Demand");
    case 3:  // express intent to cooperate
      return Map(event::v1::EVENT_TYPE_AGREE, "Endorsement");
    case 4:  // consult
      if (HasPrefix(code, "042") || HasPrefix(code, "043")) {
        return Map(event::v1::EVENT_TYPE_CONSULT, "Visit");
      }
      if (HasPrefix(code, "045") || HasPrefix(code, "046")) {
        return Map(event::v1::EVENT_TYPE_CONSULT, "Negotiation");
      }
      return Map(event::v1::EVENT_TYPE_CONSULT, "Bilateral meeting");
    case 5:  // diplomatic cooperation
      if (HasPrefix(code, "057")) return Map(event::v1::EVENT_TYPE_AGREE, "Agreement signed");
      return Map(event::v1::EVENT_TYPE_AGREE, "Endorsement");
    case 6:  // material cooperation
      if (HasPrefix(code, "061")) return Map(event::v1::EVENT_TYPE_AID, "Financial aid");
      if (HasPrefix(code, "062")) return Map(event::v1::EVENT_TYPE_AID, "Military aid");
      return Map(event::v1::EVENT_TYPE_AID, "Logistics support");
    case 7:  // provide aid
      if (HasPrefix(code, "071")) return Map(event::v1::EVENT_TYPE_AID, "Financial aid");
      if (HasPrefix(code, "072") || HasPrefix(code, "074")) {
        return Map(event::v1::EVENT_TYPE_AID, "Military aid");
      }
      return Map(event::v1::EVENT_TYPE_AID, "Humanitarian aid");
    case 8:  // yield: concessions that allow something
      return Map(event::v1::EVENT_TYPE_AGREE, "Authorization");
    case 9:   // investigate
    case 10:  // demand
    case 11:  // disapprove
    case 12:  // reject
    case 13:  // threaten
      return Map(event::v1::EVENT_TYPE_REJECT, "Rejection");
    case 14:  // protest; 145 is a violent protest, a riot
      if (HasPrefix(code, "145")) return Map(event::v1::EVENT_TYPE_RIOTS, "Violent demonstration");
      return Map(event::v1::EVENT_TYPE_PROTESTS, "Peaceful protest");
    case 15:  // exhibit force posture; 151 raises police alert
      if (HasPrefix(code, "151")) return Map(event::v1::EVENT_TYPE_DEPLOY, "Police deployment");
      return Map(event::v1::EVENT_TYPE_DEPLOY, "Troop deployment");
    case 16:  // reduce relations
      return Map(event::v1::EVENT_TYPE_REJECT, "Suspension");
    case 17:  // coerce; 171 seizes or destroys property
      if (HasPrefix(code, "171")) {
        return Map(event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, "Looting/property destruction");
      }
      return Map(event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, "Arrests");
    case 18:  // assault; 181 abducts, 1821 sexual assault
      if (HasPrefix(code, "181")) {
        return Map(event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS,
                   "Abduction/forced disappearance");
      }
      if (HasPrefix(code, "1821")) {
        return Map(event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS, "Sexual violence");
      }
      return Map(event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS, "Attack");
    case 19:  // fight
      return Map(event::v1::EVENT_TYPE_BATTLES, "Armed clash");
    case 20:  // unconventional mass violence
      return Map(event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS, "Attack");
    default:
      return std::nullopt;
  }
}

}  // namespace lookout::cli
