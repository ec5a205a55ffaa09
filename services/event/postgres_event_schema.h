// The PostgreSQL event store's schema (schema "event") as versioned migrations. Append-only,
// like the SQLite store's: a released version is never edited.
#ifndef LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_SCHEMA_H_
#define LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_SCHEMA_H_

#include <vector>

#include "common/sqlite_db.h"  // Migration

namespace lookout::event {

const std::vector<Migration>& PostgresEventStoreMigrations();

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_SCHEMA_H_
