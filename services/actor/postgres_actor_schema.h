// The PostgreSQL actor store's schema (in the service's own schema, "actor") as versioned
// migrations, applied by pg::Pool::Migrate. Append-only: a released version is never edited.
#ifndef LOOKOUT_SERVICES_ACTOR_POSTGRES_ACTOR_SCHEMA_H_
#define LOOKOUT_SERVICES_ACTOR_POSTGRES_ACTOR_SCHEMA_H_

#include <vector>

#include "common/sqlite_db.h"  // Migration

namespace lookout::actor {

const std::vector<Migration>& PostgresActorMigrations();

}  // namespace lookout::actor

#endif  // LOOKOUT_SERVICES_ACTOR_POSTGRES_ACTOR_SCHEMA_H_
