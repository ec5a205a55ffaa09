// The lookout command: global flags, environment, help, and dispatch to the subcommands.
#ifndef LOOKOUT_CLI_APP_CLI_H_
#define LOOKOUT_CLI_APP_CLI_H_

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace lookout::cli {

struct Environment {
  // getenv, injectable for tests.
  std::function<std::optional<std::string>(const std::string&)> get;
  bool stderr_is_terminal = false;

  static Environment FromProcess();
};

// Runs one command line (without the program name) and returns the exit status.
int RunCli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
           const Environment& environment);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_CLI_H_
