// --actor accepts an actor id ("act_...") or a name, looked up without creating anything.
#ifndef LOOKOUT_CLI_APP_ACTOR_LOOKUP_H_
#define LOOKOUT_CLI_APP_ACTOR_LOOKUP_H_

#include "cli/app/command_context.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::cli {

// Replaces a name in filter->actor_id with the actor's id. Returns kExitOk, or the exit status
// after printing why (no such actor, or the call failed).
int ResolveActorFlag(const CommandContext& context, lookout::event::v1::EventFilter* filter);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_ACTOR_LOOKUP_H_
