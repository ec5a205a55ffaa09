// lookout: the command-line client of the Lookout gateway. All of it lives in cli/app.
#include <iostream>
#include <string>
#include <vector>

#include "cli/app/cli.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  return lookout::cli::RunCli(args, std::cout, std::cerr, lookout::cli::Environment::FromProcess());
}
