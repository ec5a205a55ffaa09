// The pieces of ResolveActors that are neither validation nor the transaction: the request's two
// lists flattened into one list of names with what an actor created for each would be, and the
// matching of many keys against stored names and aliases in a few store calls.
#ifndef LOOKOUT_SERVICES_ACTOR_NAME_RESOLUTION_H_
#define LOOKOUT_SERVICES_ACTOR_NAME_RESOLUTION_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "lookout/actor/v1/actor_service.pb.h"
#include "services/actor/actor_store.h"

namespace lookout::actor {

// One requested name, with its matching key and the type and country an actor created for it
// gets (the request's defaults already applied).
struct NameToResolve {
  std::string name;
  std::string key;
  v1::ActorType type = v1::ACTOR_TYPE_OTHER;
  std::string country_code;
};

// `names` then `actors`, in request order: the order of the response's resolutions. A bare
// name and an actor of UNSPECIFIED type take default_type (OTHER when that is UNSPECIFIED too);
// an empty country takes default_country_code.
std::vector<NameToResolve> NamesToResolve(const v1::ResolveActorsRequest& request);

// What a key resolves to.
struct KeyMatch {
  std::string actor_id;
  v1::ResolutionMatch match = v1::RESOLUTION_MATCH_NONE;
};

// The keys of `keys` that match a stored actor: by name first (EXACT), else by alias (ALIAS,
// the earliest created actor carrying it). Keys that match nothing are left out. Two store
// calls whatever the number of keys.
absl::StatusOr<absl::flat_hash_map<std::string, KeyMatch>> MatchKeys(
    ActorStore::Reader& tx, const std::vector<std::string>& keys);

// Indexes into `names` of the first entry of each key `matched` lacks, in key order: an actor
// created for a key takes its first entry's spelling, type and country, and creating in key
// order keeps two calls creating the same names from each holding a name the other waits for
// (a deadlock on PostgreSQL's unique index, resolved only by undoing one of them).
std::vector<int> FirstEntriesOfMissingKeys(
    const std::vector<NameToResolve>& names,
    const absl::flat_hash_map<std::string, KeyMatch>& matched);

}  // namespace lookout::actor

#endif  // LOOKOUT_SERVICES_ACTOR_NAME_RESOLUTION_H_
