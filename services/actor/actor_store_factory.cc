#include "services/actor/actor_store_factory.h"

#include "services/actor/postgres_actor_store.h"
#include "services/actor/sqlite_actor_store.h"

namespace lookout::actor {

absl::StatusOr<std::unique_ptr<ActorStore>> OpenActorStore(const StoreLocation& location) {
  if (location.postgres.has_value()) {
    auto store = PostgresActorStore::Open(*location.postgres);
    if (!store.ok()) return store.status();
    return std::unique_ptr<ActorStore>(std::move(*store));
  }
  auto store = SqliteActorStore::Open(location.sqlite_path);
  if (!store.ok()) return store.status();
  return std::unique_ptr<ActorStore>(std::move(*store));
}

}  // namespace lookout::actor
