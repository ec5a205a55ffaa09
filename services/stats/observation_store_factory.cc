#include "services/stats/observation_store_factory.h"

#include "services/stats/postgres_observation_store.h"
#include "services/stats/sqlite_observation_store.h"

namespace lookout::stats {

absl::StatusOr<std::unique_ptr<ObservationStore>> OpenObservationStore(
    const StoreLocation& location) {
  if (location.postgres.has_value()) {
    auto store = PostgresObservationStore::Open(*location.postgres);
    if (!store.ok()) return store.status();
    return std::unique_ptr<ObservationStore>(std::move(*store));
  }
  auto store = SqliteObservationStore::Open(location.sqlite_path);
  if (!store.ok()) return store.status();
  return std::unique_ptr<ObservationStore>(std::move(*store));
}

}  // namespace lookout::stats
