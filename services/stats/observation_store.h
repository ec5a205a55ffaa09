// Storage of observations (reported figures), behind an interface so a server-based backend can
// be added beside SQLite.
#ifndef LOOKOUT_SERVICES_STATS_OBSERVATION_STORE_H_
#define LOOKOUT_SERVICES_STATS_OBSERVATION_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/change_history.h"
#include "lookout/event/v1/event.pb.h"
#include "lookout/stats/v1/observation.pb.h"

namespace lookout::stats {

struct ObservationFilter {
  int metric = 0;            // 0: any
  std::string country_code;  // "": any
  std::string source_name;   // "": any
  // Inclusive day numbers; observations whose period overlaps [first_day, last_day].
  int32_t first_day = INT32_MIN;
  int32_t last_day = INT32_MAX;
};

struct ObservationPage {
  std::vector<lookout::stats::v1::Observation> observations;
  // Where the next page starts (a position in creation order), when there is one.
  std::optional<int64_t> next_after;
};

// One change of the observation change log (issue 26): who made it, and the states before and
// after, from which a history computes the fields it changed.
struct ObservationChange {
  int64_t sequence = 0;
  lookout::event::v1::ChangeType type = lookout::event::v1::CHANGE_TYPE_UNSPECIFIED;
  ChangeAuthor author;
  std::optional<lookout::stats::v1::Observation> before;  // none for a creation
  std::optional<lookout::stats::v1::Observation> after;   // none for a deletion
};

class ObservationStore {
 public:
  virtual ~ObservationStore() = default;

  // Stores `observation` (id and create_time already set) and its CREATED change by `author`
  // in one durable transaction. With a request_id seen before: the same payload_hash returns the
  // first result and writes nothing, another is ALREADY_EXISTS.
  virtual absl::StatusOr<lookout::stats::v1::Observation> Record(
      const lookout::stats::v1::Observation& observation, const std::string& request_id,
      const std::string& payload_hash, const ChangeAuthor& author) = 0;
  virtual absl::StatusOr<std::optional<lookout::stats::v1::Observation>> Get(
      const std::string& id) = 0;
  // Matching observations in creation order, after position `after` (0: from the start).
  virtual absl::StatusOr<ObservationPage> List(const ObservationFilter& filter, int64_t after,
                                               int limit) = 0;
  // National observations (no admin1) of a metric and country whose period lies within
  // [first_day, last_day], in creation order, at most `limit`.
  virtual absl::StatusOr<std::vector<lookout::stats::v1::Observation>> ListWithin(
      int metric, const std::string& country_code, int32_t first_day, int32_t last_day,
      int limit) = 0;
  // Deletes the observation and logs its DELETED change by `author` (with the last state), in
  // one transaction. False when there was no such observation (nothing is logged).
  virtual absl::StatusOr<bool> Delete(const std::string& id, const ChangeAuthor& author) = 0;
  // The changes of observation `id`, newest first, with a sequence below `before` (0: from the
  // newest), at most `limit`.
  virtual absl::StatusOr<std::vector<ObservationChange>> Changes(const std::string& id,
                                                                 int64_t before, int limit) = 0;

  // The secret that keys page tokens; kept in the store so tokens survive a restart.
  virtual const std::string& page_token_secret() const = 0;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_OBSERVATION_STORE_H_
