// The stats service's own series, read at each scrape:
//   lookout_follower_applied_sequence{follower="stats"}   last change-log sequence applied
//   lookout_follower_caught_up{follower="stats"}          1 once the first catch-up finished
//   lookout_follower_streams_total{follower,result}       WatchEvents streams opened / failed
//   lookout_follower_rebuilds_total{follower}             rebuilds from 0 (the log was replaced)
//   lookout_read_model_events                             live events in the read model
//   lookout_read_model_bytes                              bytes its columns hold (approximate)
//   lookout_read_model_rejected_changes_total             changes skipped (undatable events)
// The follower's lag in changes is lookout_change_log_head_sequence (the event service's) minus
// lookout_follower_applied_sequence: deploy/k8s/monitoring records it as
// lookout:follower_lag_changes.

#ifndef LOOKOUT_SERVICES_STATS_READ_MODEL_METRICS_H_
#define LOOKOUT_SERVICES_STATS_READ_MODEL_METRICS_H_

#include <memory>
#include <vector>

#include "common/metrics.h"
#include "services/stats/feed_follower.h"
#include "services/stats/read_model.h"

namespace lookout::stats {

// `model` and `follower` must outlive the returned handles.
std::vector<std::unique_ptr<ScrapedGauge>> ExportReadModelMetrics(const ReadModel* model,
                                                                  const FeedFollower* follower,
                                                                  MetricsRegistry* metrics);

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_READ_MODEL_METRICS_H_
