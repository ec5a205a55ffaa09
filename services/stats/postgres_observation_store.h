// ObservationStore on PostgreSQL (schema "stats"), for a stats service whose observations live
// on a database server that several replicas may share. Behaves exactly as the SQLite store:
// creation order, overlap filters, request_id idempotency (also when two replicas receive the
// same request_id at once), and one page-token secret for every replica.
#ifndef LOOKOUT_SERVICES_STATS_POSTGRES_OBSERVATION_STORE_H_
#define LOOKOUT_SERVICES_STATS_POSTGRES_OBSERVATION_STORE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/pg_pool.h"
#include "services/stats/observation_store.h"

namespace lookout::stats {

class PostgresObservationStore final : public ObservationStore {
 public:
  // Connects with `options` (its schema is the service's, "stats"), applies the migrations the
  // database lacks, and reads the page-token secret, creating it when no replica has yet.
  // UNAVAILABLE when the database does not answer.
  static absl::StatusOr<std::unique_ptr<PostgresObservationStore>> Open(pg::PoolOptions options);
  // The schema, oldest first. Append new versions; never edit a released one.
  static const std::vector<Migration>& Migrations();

  absl::StatusOr<lookout::stats::v1::Observation> Record(
      const lookout::stats::v1::Observation& observation, const std::string& request_id,
      const std::string& payload_hash, const ChangeAuthor& author) override;
  absl::StatusOr<std::optional<lookout::stats::v1::Observation>> Get(
      const std::string& id) override;
  absl::StatusOr<ObservationPage> List(const ObservationFilter& filter, int64_t after,
                                       int limit) override;
  absl::StatusOr<std::vector<lookout::stats::v1::Observation>> ListWithin(
      int metric, const std::string& country_code, int32_t first_day, int32_t last_day,
      int limit) override;
  absl::StatusOr<bool> Delete(const std::string& id, const ChangeAuthor& author) override;
  absl::StatusOr<std::vector<ObservationChange>> Changes(const std::string& id, int64_t before,
                                                         int limit) override;
  const std::string& page_token_secret() const override { return page_token_secret_; }

 private:
  explicit PostgresObservationStore(std::unique_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  std::unique_ptr<pg::Pool> pool_;
  std::string page_token_secret_;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_POSTGRES_OBSERVATION_STORE_H_
