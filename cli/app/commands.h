// The lookout subcommands. Each reads its arguments from the context (positional words after
// the command name), prints its results on `out` and problems on `err`, and returns the exit
// status (exit_codes.h).
#ifndef LOOKOUT_CLI_APP_COMMANDS_H_
#define LOOKOUT_CLI_APP_COMMANDS_H_

#include "cli/app/command_context.h"

namespace lookout::cli {

int RunImport(const CommandContext& context);   // import acled|ucdp|gdelt|jsonl FILE...
int RunExport(const CommandContext& context);   // export events --format csv|jsonl [filters]
int RunEvents(const CommandContext& context);   // events list|get
int RunActors(const CommandContext& context);   // actors list|get|resolve|history
int RunStats(const CommandContext& context);    // stats aggregate|trends
int RunFigures(const CommandContext& context);  // figures add|list|summarize
int RunReport(const CommandContext& context);   // report COUNTRY --from --to
int RunWhoAmI(const CommandContext& context);   // whoami
int RunLoad(const CommandContext& context);     // load DATASET.json

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_COMMANDS_H_
