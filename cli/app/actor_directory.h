// Actors by id for display and export, fetched with BatchGetActors (a thousand ids a call) and
// kept for the rest of the run.
#ifndef LOOKOUT_CLI_APP_ACTOR_DIRECTORY_H_
#define LOOKOUT_CLI_APP_ACTOR_DIRECTORY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "cli/app/api_client.h"
#include "lookout/actor/v1/actor.pb.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::cli {

class ActorDirectory {
 public:
  explicit ActorDirectory(ApiClient* client) : client_(client) {}

  // Fetches the participants of `events` not fetched before.
  absl::Status Load(const std::vector<const lookout::event::v1::Event*>& events);
  // The actor, or nullptr when it does not exist (deleted) or was not loaded.
  const lookout::actor::v1::Actor* Find(const std::string& id) const;
  // Adds actors the caller already has (a situation report carries them).
  void Add(const lookout::actor::v1::Actor& actor) { actors_[actor.id()] = actor; }

 private:
  ApiClient* client_;
  absl::flat_hash_map<std::string, lookout::actor::v1::Actor> actors_;
  absl::flat_hash_map<std::string, bool> missing_;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_ACTOR_DIRECTORY_H_
