// ObservationStore on a SQLite file (common/sqlite_db.h: WAL, fully synced group commit).
#ifndef LOOKOUT_SERVICES_STATS_SQLITE_OBSERVATION_STORE_H_
#define LOOKOUT_SERVICES_STATS_SQLITE_OBSERVATION_STORE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/sqlite_db.h"
#include "services/stats/observation_store.h"

namespace lookout::stats {

class SqliteObservationStore final : public ObservationStore {
 public:
  // Opens or creates the database at `path`, migrates it, and creates the page-token secret on
  // first open.
  static absl::StatusOr<std::unique_ptr<SqliteObservationStore>> Open(const std::string& path);
  // The schema, oldest first. Append new versions; never edit a released one.
  static const std::vector<Migration>& Migrations();
  // Every statement with a WHERE clause the store prepares, by name, so a test can check that
  // each one's query plan uses the index meant for it.
  static std::vector<std::pair<std::string, std::string>> Queries();

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
  explicit SqliteObservationStore(std::unique_ptr<SqliteDatabase> db) : db_(std::move(db)) {}

  std::unique_ptr<SqliteDatabase> db_;
  std::string page_token_secret_;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_SQLITE_OBSERVATION_STORE_H_
