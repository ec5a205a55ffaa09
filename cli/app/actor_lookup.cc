#include "cli/app/actor_lookup.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/app/exit_codes.h"

namespace lookout::cli {

int ResolveActorFlag(const CommandContext& context, event::v1::EventFilter* filter) {
  const std::string value = filter->actor_id();
  if (value.empty() || absl::StartsWith(value, "act_")) return kExitOk;
  actor::v1::ResolveActorsRequest request;
  request.add_names(value);
  actor::v1::ResolveActorsResponse response;
  grpc::Status status = context.client->Unary([&](grpc::ClientContext* call) {
    return context.client->actors()->ResolveActors(call, request, &response);
  });
  if (!status.ok()) return context.FailRpc(status);
  if (response.resolutions_size() != 1 || response.resolutions(0).actor_id().empty()) {
    return context.Fail(kExitUsage, absl::StrCat("--actor: no actor is named \"", value,
                                                 "\" (try 'lookout actors list --query')"));
  }
  filter->set_actor_id(response.resolutions(0).actor_id());
  return kExitOk;
}

}  // namespace lookout::cli
