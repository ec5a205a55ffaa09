// Where a service keeps its store: an SQLite file (the embedded default) or a PostgreSQL
// database. Each service's Open...Store(StoreLocation) picks the backend from it.
#ifndef LOOKOUT_COMMON_STORE_LOCATION_H_
#define LOOKOUT_COMMON_STORE_LOCATION_H_

#include <optional>
#include <string>

#include "common/pg_pool.h"

namespace lookout {

struct StoreLocation {
  // The SQLite file, used when `postgres` is unset.
  std::string sqlite_path;
  std::optional<pg::PoolOptions> postgres;
};

}  // namespace lookout

#endif  // LOOKOUT_COMMON_STORE_LOCATION_H_
