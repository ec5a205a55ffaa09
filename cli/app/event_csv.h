// Events as CSV rows in one stable column order (export and `--output csv`).
#ifndef LOOKOUT_CLI_APP_EVENT_CSV_H_
#define LOOKOUT_CLI_APP_EVENT_CSV_H_

#include <string>
#include <vector>

#include "cli/app/actor_directory.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::cli {

const std::vector<std::string>& EventCsvHeader();

// One field per header column. Lists are joined with "; ", participants written
// "ROLE: name" (the id when the actor is unknown).
std::vector<std::string> EventCsvRow(const lookout::event::v1::Event& event,
                                     const ActorDirectory& actors);

// "PRIMARY: Gang A; SECONDARY: Police" for display.
std::string ParticipantsText(const lookout::event::v1::Event& event, const ActorDirectory& actors);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_EVENT_CSV_H_
