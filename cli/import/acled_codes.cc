#include "cli/import/acled_codes.h"

#include <algorithm>

namespace lookout::cli {

using ::lookout::actor::v1::ActorType;
namespace ev = ::lookout::event::v1;

int AcledActorCode(ActorType type) {
  switch (type) {
    case actor::v1::ACTOR_TYPE_UNSPECIFIED:
      return 0;
    case actor::v1::ACTOR_TYPE_STATE_FORCES:
    case actor::v1::ACTOR_TYPE_GOVERNMENT:
    case actor::v1::ACTOR_TYPE_JUDICIARY:
    case actor::v1::ACTOR_TYPE_LEGISLATURE:
      return 1;
    case actor::v1::ACTOR_TYPE_REBEL_GROUP:
      return 2;
    case actor::v1::ACTOR_TYPE_POLITICAL_MILITIA:
    case actor::v1::ACTOR_TYPE_CRIMINAL_GROUP:
      return 3;
    case actor::v1::ACTOR_TYPE_IDENTITY_MILITIA:
      return 4;
    case actor::v1::ACTOR_TYPE_RIOTERS:
      return 5;
    case actor::v1::ACTOR_TYPE_PROTESTERS:
      return 6;
    case actor::v1::ACTOR_TYPE_CIVILIANS:
      return 7;
    default:
      return 8;
  }
}

int AcledInteraction(int inter1, int inter2) {
  if (inter1 == 0 || inter2 == 0) return std::max(inter1, inter2) * 10;
  return std::min(inter1, inter2) * 10 + std::max(inter1, inter2);
}

std::string AcledEventTypeLabel(ev::EventType type) {
  switch (type) {
    case ev::EVENT_TYPE_BATTLES:
      return "Battles";
    case ev::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE:
      return "Explosions/Remote violence";
    case ev::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS:
      return "Violence against civilians";
    case ev::EVENT_TYPE_PROTESTS:
      return "Protests";
    case ev::EVENT_TYPE_RIOTS:
      return "Riots";
    default:
      return "Strategic developments";
  }
}

std::string AcledDisorderType(ev::EventType type) {
  switch (type) {
    case ev::EVENT_TYPE_BATTLES:
    case ev::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE:
    case ev::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS:
      return "Political violence";
    case ev::EVENT_TYPE_PROTESTS:
    case ev::EVENT_TYPE_RIOTS:
      return "Demonstrations";
    default:
      return "Strategic developments";
  }
}

}  // namespace lookout::cli
