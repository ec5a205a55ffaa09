// The SQLite event store's schema as versioned migrations. Append-only: a released version is
// never edited; a schema change is a new entry with the next version.
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_SCHEMA_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_SCHEMA_H_

#include <vector>

#include "common/sqlite_db.h"

namespace lookout::event {

const std::vector<Migration>& EventStoreMigrations();

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_SCHEMA_H_
