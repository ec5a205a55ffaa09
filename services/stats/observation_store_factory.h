// Opens the observation store a StoreLocation names: the SQLite file, or the "stats" schema of a
// PostgreSQL database.
#ifndef LOOKOUT_SERVICES_STATS_OBSERVATION_STORE_FACTORY_H_
#define LOOKOUT_SERVICES_STATS_OBSERVATION_STORE_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/store_location.h"
#include "services/stats/observation_store.h"

namespace lookout::stats {

// Migrates the store and loads its page-token secret. On PostgreSQL, UNAVAILABLE means the
// database did not answer (worth trying again); other codes will not go away by themselves.
absl::StatusOr<std::unique_ptr<ObservationStore>> OpenObservationStore(
    const StoreLocation& location);

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_OBSERVATION_STORE_FACTORY_H_
