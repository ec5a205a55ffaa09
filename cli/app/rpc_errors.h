// Turns a failed call into the exit status and the one line the user reads: what went wrong in
// words, never a raw gRPC dump.
#ifndef LOOKOUT_CLI_APP_RPC_ERRORS_H_
#define LOOKOUT_CLI_APP_RPC_ERRORS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lookout::cli {

struct Failure {
  int exit_code = 0;
  std::string message;  // without the "lookout: " prefix
};

// INVALID_ARGUMENT is the caller's input (exit 2); everything else is the server or the
// connection (exit 3). `address` and `timeout` go into the connection messages; `tls` says
// whether the connection uses TLS, for the hints when TLS is on one side only.
Failure DescribeRpcFailure(const grpc::Status& status, absl::string_view address,
                           absl::Duration timeout, bool tls = false);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_RPC_ERRORS_H_
