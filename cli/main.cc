// lookout: the command-line client of the Lookout gateway. All of it lives in cli/app.
#include <grpc/support/log.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/app/cli.h"

namespace {

// gRPC's own log lines (a failed TLS handshake logs one per attempt) would come on top of the
// one line the command prints for the failure; they are kept when GRPC_VERBOSITY or GRPC_TRACE
// asks for them.
void DropGrpcLog(gpr_log_func_args*) {}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  if (std::getenv("GRPC_VERBOSITY") == nullptr && std::getenv("GRPC_TRACE") == nullptr) {
    gpr_set_log_function(DropGrpcLog);
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  return lookout::cli::RunCli(args, std::cout, std::cerr, lookout::cli::Environment::FromProcess());
}
