// Aggregations over the read model: AggregateEvents, GetTrends, and the casualty sums
// SummarizeMetric compares reported figures with. Returns absl::Status; the RPC adapter
// converts.
#ifndef LOOKOUT_SERVICES_STATS_EVENT_STATS_H_
#define LOOKOUT_SERVICES_STATS_EVENT_STATS_H_

#include <grpcpp/server_context.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lookout/stats/v1/stats_service.pb.h"
#include "services/stats/aggregate_cache.h"
#include "services/stats/read_model.h"
#include "services/stats/text_search.h"

namespace lookout::stats {

struct EventStatsOptions {
  // How long a request's as_of_sequence may wait for the read model before UNAVAILABLE.
  absl::Duration max_sequence_wait = absl::Seconds(2);
};

class EventStats {
 public:
  // `model` must outlive this object; `text_search` and `cache` may be null (no text filters,
  // no caching) or must outlive it.
  EventStats(const ReadModel* model, TextSearch* text_search, AggregateCache* cache,
             EventStatsOptions options = {})
      : model_(model), text_search_(text_search), cache_(cache), options_(options) {}

  // `serving` (may be null) is the call being served: its deadline bounds waits and calls to
  // the event service.
  absl::StatusOr<lookout::stats::v1::AggregateEventsResponse> Aggregate(
      const lookout::stats::v1::AggregateEventsRequest& request,
      const grpc::ServerContext* serving = nullptr);

  absl::StatusOr<lookout::stats::v1::GetTrendsResponse> Trends(
      const lookout::stats::v1::GetTrendsRequest& request,
      const grpc::ServerContext* serving = nullptr);

  // The sum of the best `kind` counts over the events of `country_code` whose dates overlap
  // `period`, as AggregateEvents would select them. UNAVAILABLE before the first catch-up.
  absl::StatusOr<int64_t> SumCasualties(const std::string& country_code,
                                        const lookout::type::v1::DateRange& period,
                                        lookout::event::v1::CasualtyKind kind);

 private:
  absl::Status CheckCaughtUp() const;
  // FAILED_PRECONDITION when a request's as_of_change_log_id is set and not the model's log.
  absl::Status CheckChangeLog(const std::string& as_of_change_log_id) const;
  absl::Time WaitDeadline(const grpc::ServerContext* serving) const;
  // For a filter with text: the matching ids from the event service, after the read model has
  // (within the wait bound) applied every change those ids reflect. Empty for other filters.
  absl::StatusOr<std::vector<std::string>> TextIds(const lookout::event::v1::EventFilter& filter,
                                                   const grpc::ServerContext* serving);

  const ReadModel* const model_;
  TextSearch* const text_search_;
  AggregateCache* const cache_;
  const EventStatsOptions options_;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_EVENT_STATS_H_
