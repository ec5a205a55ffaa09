// ACLED's numeric codes for Lookout's enums, both ways where ACLED has one: actor types (inter1,
// inter2 and interaction), time and geo precision. Shared by the parser and the ACLED exporter so
// a row exported again reads back the same.
#ifndef LOOKOUT_CLI_IMPORT_ACLED_CODES_H_
#define LOOKOUT_CLI_IMPORT_ACLED_CODES_H_

#include <string>

#include "lookout/actor/v1/actor.pb.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::cli {

// 1 state forces .. 8 external/other forces; 0 for UNSPECIFIED. Types ACLED lacks take the
// nearest code: governments and courts 1, criminal groups 3 (ACLED codes gangs as political
// militias), the rest 8.
int AcledActorCode(lookout::actor::v1::ActorType type);

// ACLED's interaction code for two sides' codes: smaller first ("13"); one side alone is
// code * 10 ("60", protesters alone).
int AcledInteraction(int inter1, int inter2);

// ACLED's event_type label for a Lookout type ("Explosions/Remote violence"); types ACLED lacks
// (CONSULT .. LEGAL_ACTION) are "Strategic developments".
std::string AcledEventTypeLabel(lookout::event::v1::EventType type);

// "Political violence", "Demonstrations" or "Strategic developments", by ACLED's rule.
std::string AcledDisorderType(lookout::event::v1::EventType type);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_ACLED_CODES_H_
