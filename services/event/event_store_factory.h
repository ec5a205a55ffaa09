// Opens the event store a StoreLocation names: the SQLite file, or the PostgreSQL database.
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_STORE_FACTORY_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_STORE_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/store_location.h"
#include "services/event/event_store.h"

namespace lookout::event {

absl::StatusOr<std::unique_ptr<EventStore>> OpenEventStore(const StoreLocation& location);

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_STORE_FACTORY_H_
