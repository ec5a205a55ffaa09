// What every subcommand gets: its arguments, the connection, where to write, and helpers that
// print the one-line failure and return the matching exit status.
#ifndef LOOKOUT_CLI_APP_COMMAND_CONTEXT_H_
#define LOOKOUT_CLI_APP_COMMAND_CONTEXT_H_

#include <grpcpp/support/status.h>

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "cli/app/api_client.h"
#include "cli/app/args.h"
#include "cli/app/output.h"

namespace lookout::cli {

struct CommandContext {
  const Args& args;
  ApiClient* client;
  std::ostream& out;
  std::ostream& err;
  OutputFormat output = OutputFormat::kTable;
  bool stderr_is_terminal = false;
  bool quiet = false;

  // Prints "lookout: <message>" and returns `exit_code`.
  int Fail(int exit_code, absl::string_view message) const;
  // A usage error (exit 2), with a pointer to the command's help.
  int Usage(absl::string_view message, absl::string_view command) const;
  // A failed call (exit 2 for INVALID_ARGUMENT, 3 otherwise), in words.
  int FailRpc(const grpc::Status& status) const;
  int FailStatus(const absl::Status& status) const;
  // CheckAllowed, printing the usage error; true when the flags are fine.
  bool FlagsAllowed(absl::Span<const absl::string_view> allowed, absl::string_view command,
                    int* exit_code) const;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_COMMAND_CONTEXT_H_
