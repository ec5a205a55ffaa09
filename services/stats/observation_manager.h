// The observation methods of the stats service: record (idempotent by request_id), get, list
// (keyset pages), delete, each change's history (who, when, why, which fields), and
// SummarizeMetric's reconciliation. Returns absl::Status; the RPC adapter converts.
#ifndef LOOKOUT_SERVICES_STATS_OBSERVATION_MANAGER_H_
#define LOOKOUT_SERVICES_STATS_OBSERVATION_MANAGER_H_

#include <functional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "common/change_history.h"
#include "common/page_token.h"
#include "lookout/stats/v1/stats_service.pb.h"
#include "services/stats/event_stats.h"
#include "services/stats/observation_store.h"

namespace lookout::stats {

// Most observations one summary reconciles.
inline constexpr int kMaxSummaryObservations = 1000;

// SummarizeMetric over observations from `within` (those of the request's metric and country
// within [first_day, last_day], in creation order, at most `limit`), the local store or the owner
// a replica forwards to. `events` may be null.
absl::StatusOr<lookout::stats::v1::SummarizeMetricResponse> SummarizeMetric(
    const lookout::stats::v1::SummarizeMetricRequest& request, EventStats* events,
    absl::FunctionRef<absl::StatusOr<std::vector<lookout::stats::v1::Observation>>(
        int32_t first_day, int32_t last_day, int limit)>
        within);

class ObservationManager {
 public:
  // `store` must outlive the manager; `events` (for computed_from_events) may be null.
  ObservationManager(ObservationStore* store, EventStats* events,
                     std::function<absl::Time()> clock = absl::Now)
      : store_(store),
        events_(events),
        clock_(std::move(clock)),
        tokens_(store->page_token_secret()) {}

  // `author` is who makes the change (AuthorOf the call); its reason is the request's, its time
  // the manager's clock.
  absl::StatusOr<lookout::stats::v1::RecordObservationResponse> Record(
      const lookout::stats::v1::RecordObservationRequest& request, ChangeAuthor author);
  absl::StatusOr<lookout::stats::v1::GetObservationResponse> Get(
      const lookout::stats::v1::GetObservationRequest& request);
  absl::StatusOr<lookout::stats::v1::ListObservationsResponse> List(
      const lookout::stats::v1::ListObservationsRequest& request);
  absl::StatusOr<lookout::stats::v1::DeleteObservationResponse> Delete(
      const lookout::stats::v1::DeleteObservationRequest& request, ChangeAuthor author);
  absl::StatusOr<lookout::stats::v1::ListObservationRevisionsResponse> ListRevisions(
      const lookout::stats::v1::ListObservationRevisionsRequest& request);
  absl::StatusOr<lookout::stats::v1::SummarizeMetricResponse> Summarize(
      const lookout::stats::v1::SummarizeMetricRequest& request);

 private:
  ObservationStore* const store_;
  EventStats* const events_;
  const std::function<absl::Time()> clock_;
  const PageTokenCodec tokens_;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_OBSERVATION_MANAGER_H_
