// What a row parser produces: an event whose participants are still names (resolved to actor ids
// by the importer), or the reason the row was rejected.
#ifndef LOOKOUT_CLI_IMPORT_PARSED_ROW_H_
#define LOOKOUT_CLI_IMPORT_PARSED_ROW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lookout/actor/v1/actor.pb.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::cli {

// A participant named in the file. When `actor_id` is set (JSONL without names) it is used as
// is; otherwise `name` is resolved, creating the actor with `type` and `country_code` if missing.
struct ActorRef {
  std::string name;
  std::string actor_id;
  lookout::actor::v1::ActorType type = lookout::actor::v1::ACTOR_TYPE_UNSPECIFIED;
  std::string country_code;
  lookout::event::v1::ParticipantRole role = lookout::event::v1::PARTICIPANT_ROLE_UNSPECIFIED;
};

struct ParsedRow {
  // The 1-based line the row starts on.
  int64_t line = 0;
  // Participants are left empty; `actors` lists them in order.
  lookout::event::v1::Event event;
  std::vector<ActorRef> actors;
};

// Why a row (or, when `fatal`, the whole file) was not imported.
struct RowError {
  int64_t line = 0;
  // The column or field at fault ("event_date", "header", "record").
  std::string field;
  // "event_date: \"2023-02-30\" is not a real calendar date"
  std::string message;
  bool fatal = false;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_PARSED_ROW_H_
