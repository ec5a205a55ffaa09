// Opens the actor store where the configuration puts it: PostgreSQL when a database is set,
// else the SQLite file.
#ifndef LOOKOUT_SERVICES_ACTOR_ACTOR_STORE_FACTORY_H_
#define LOOKOUT_SERVICES_ACTOR_ACTOR_STORE_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/store_location.h"
#include "services/actor/actor_store.h"

namespace lookout::actor {

// UNAVAILABLE when PostgreSQL cannot be reached (the caller may try again later).
absl::StatusOr<std::unique_ptr<ActorStore>> OpenActorStore(const StoreLocation& location);

}  // namespace lookout::actor

#endif  // LOOKOUT_SERVICES_ACTOR_ACTOR_STORE_FACTORY_H_
