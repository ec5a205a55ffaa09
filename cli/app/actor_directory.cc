#include "cli/app/actor_directory.h"

#include "common/grpc_status.h"

namespace lookout::cli {
namespace {

constexpr int kMaxIdsPerCall = 1000;

}  // namespace

absl::Status ActorDirectory::Load(const std::vector<const event::v1::Event*>& events) {
  std::vector<std::string> wanted;
  absl::flat_hash_map<std::string, bool> queued;
  for (const event::v1::Event* event : events) {
    for (const auto& participant : event->participants()) {
      const std::string& id = participant.actor_id();
      if (actors_.contains(id) || missing_.contains(id) || !queued.emplace(id, true).second) {
        continue;
      }
      wanted.push_back(id);
    }
  }
  for (size_t start = 0; start < wanted.size(); start += kMaxIdsPerCall) {
    actor::v1::BatchGetActorsRequest request;
    for (size_t i = start; i < wanted.size() && i < start + kMaxIdsPerCall; ++i) {
      request.add_ids(wanted[i]);
    }
    actor::v1::BatchGetActorsResponse response;
    grpc::Status status = client_->Unary([&](grpc::ClientContext* context) {
      return client_->actors()->BatchGetActors(context, request, &response);
    });
    if (!status.ok()) return FromGrpcStatus(status);
    for (const actor::v1::Actor& actor : response.actors()) actors_[actor.id()] = actor;
    for (const std::string& id : response.missing_ids()) missing_[id] = true;
  }
  return absl::OkStatus();
}

const actor::v1::Actor* ActorDirectory::Find(const std::string& id) const {
  auto it = actors_.find(id);
  return it == actors_.end() ? nullptr : &it->second;
}

}  // namespace lookout::cli
