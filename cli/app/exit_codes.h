// The lookout command's exit statuses, the same for every subcommand.
#ifndef LOOKOUT_CLI_APP_EXIT_CODES_H_
#define LOOKOUT_CLI_APP_EXIT_CODES_H_

namespace lookout::cli {

inline constexpr int kExitOk = 0;
// The command ran, but some input rows (or whole files) were rejected.
inline constexpr int kExitPartial = 1;
// The command line was wrong: unknown command or flag, bad value, unreadable input file.
inline constexpr int kExitUsage = 2;
// The server could not be reached or refused or failed the call.
inline constexpr int kExitServer = 3;

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_EXIT_CODES_H_
