#include "cli/app/actor_resolver.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"

namespace lookout::cli {
namespace {

constexpr size_t kMaxNamesPerCall = 1000;

using ::lookout::actor::v1::ActorType;

}  // namespace

absl::Status ActorResolver::Resolve(const std::vector<const ActorRef*>& refs) {
  // Names not seen yet, grouped by the type and country they would be created with.
  std::map<std::pair<int, std::string>, std::vector<std::string>> groups;
  for (const ActorRef* ref : refs) {
    if (ref->name.empty() || by_name_.contains(ref->name)) continue;
    ActorType type =
        ref->type == actor::v1::ACTOR_TYPE_UNSPECIFIED ? actor::v1::ACTOR_TYPE_OTHER : ref->type;
    by_name_[ref->name];  // asked for once, even if several rows name it
    groups[{type, ref->country_code}].push_back(ref->name);
  }
  for (const auto& [key, names] : groups) {
    for (size_t start = 0; start < names.size(); start += kMaxNamesPerCall) {
      std::vector<std::string> chunk(
          names.begin() + start, names.begin() + std::min(names.size(), start + kMaxNamesPerCall));
      absl::Status status = ResolveGroup(chunk, static_cast<ActorType>(key.first), key.second);
      if (!status.ok()) {
        for (const std::string& name : chunk) by_name_.erase(name);
        return status;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ActorResolver::ResolveGroup(const std::vector<std::string>& names, ActorType type,
                                         const std::string& country) {
  absl::Status status = Call(names, type, country, /*isolate_failures=*/false);
  if (status.code() != absl::StatusCode::kInvalidArgument) return status;
  for (const std::string& name : names) {
    absl::Status one = Call({name}, type, country, /*isolate_failures=*/true);
    if (!one.ok()) return one;
  }
  return absl::OkStatus();
}

absl::Status ActorResolver::Call(const std::vector<std::string>& names, ActorType type,
                                 const std::string& country, bool isolate_failures) {
  actor::v1::ResolveActorsRequest request;
  for (const std::string& name : names) request.add_names(name);
  request.set_create_missing(create_missing_);
  request.set_default_type(type);
  request.set_default_country_code(country);
  actor::v1::ResolveActorsResponse response;
  ++calls_;
  grpc::Status status = client_->Unary([&](grpc::ClientContext* context) {
    return client_->actors()->ResolveActors(context, request, &response);
  });
  if (!status.ok()) {
    if (isolate_failures && status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      by_name_[names[0]].error =
          absl::StrCat("the actor service refused the name: ", status.error_message());
      return absl::OkStatus();
    }
    return FromGrpcStatus(status);
  }
  if (response.resolutions_size() != static_cast<int>(names.size())) {
    return absl::InternalError(absl::StrCat("ResolveActors answered ", response.resolutions_size(),
                                            " names for ", names.size(), " asked"));
  }
  // One resolution per name, in request order.
  for (size_t i = 0; i < names.size(); ++i) {
    const actor::v1::Resolution& resolution = response.resolutions(static_cast<int>(i));
    Entry& entry = by_name_[names[i]];
    if (resolution.actor_id().empty()) {
      entry.error = "no actor has this name";
      continue;
    }
    entry.id = resolution.actor_id();
    if (resolution.match() == actor::v1::RESOLUTION_MATCH_CREATED) ++created_;
  }
  return absl::OkStatus();
}

std::string ActorResolver::Lookup(const ActorRef& ref, std::string* why) const {
  if (ref.name.empty()) return ref.actor_id;
  auto it = by_name_.find(ref.name);
  if (it == by_name_.end()) {
    *why = "was not resolved";
    return "";
  }
  if (it->second.id.empty()) *why = it->second.error;
  return it->second.id;
}

}  // namespace lookout::cli
