#include "services/event/event_store_factory.h"

#include "services/event/postgres_event_store.h"
#include "services/event/sqlite_event_store.h"

namespace lookout::event {

absl::StatusOr<std::unique_ptr<EventStore>> OpenEventStore(const StoreLocation& location) {
  if (location.postgres.has_value()) {
    auto store = PostgresEventStore::Open(*location.postgres);
    if (!store.ok()) return store.status();
    return std::unique_ptr<EventStore>(std::move(*store));
  }
  auto store = SqliteEventStore::Open(location.sqlite_path);
  if (!store.ok()) return store.status();
  return std::unique_ptr<EventStore>(std::move(*store));
}

}  // namespace lookout::event
