#include "cli/app/command_context.h"

#include "absl/strings/str_cat.h"
#include "cli/app/exit_codes.h"
#include "cli/app/rpc_errors.h"

namespace lookout::cli {

int CommandContext::Fail(int exit_code, absl::string_view message) const {
  err << "lookout: " << message << "\n";
  return exit_code;
}

int CommandContext::Usage(absl::string_view message, absl::string_view command) const {
  err << "lookout: " << message << "\n"
      << "Run 'lookout help " << command << "' for usage.\n";
  return kExitUsage;
}

int CommandContext::FailRpc(const grpc::Status& status) const {
  Failure failure = DescribeRpcFailure(status, client->event_addr(), client->config().timeout,
                                       client->event_tls());
  return Fail(failure.exit_code, failure.message);
}

int CommandContext::FailStatus(const absl::Status& status) const {
  return FailRpc(
      grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message())));
}

bool CommandContext::FlagsAllowed(absl::Span<const absl::string_view> allowed,
                                  absl::string_view command, int* exit_code) const {
  absl::Status status = args.CheckAllowed(allowed, command);
  if (status.ok()) return true;
  *exit_code = Usage(status.message(), command.substr(0, command.find(' ')));
  return false;
}

}  // namespace lookout::cli
