// The event service's own series, read at each scrape:
//   lookout_change_log_head_sequence   newest committed change-log sequence
//   lookout_change_feed_watchers       WatchEvents streams open (followers and clients)
// Followers export their applied sequence (lookout_follower_applied_sequence); the difference
// is their lag.

#ifndef LOOKOUT_SERVICES_EVENT_CHANGE_LOG_METRICS_H_
#define LOOKOUT_SERVICES_EVENT_CHANGE_LOG_METRICS_H_

#include <memory>
#include <vector>

#include "common/metrics.h"
#include "common/open_streams.h"
#include "services/event/change_notifier.h"

namespace lookout::event {

// `notifier` and `streams` must outlive the returned handles.
std::vector<std::unique_ptr<ScrapedGauge>> ExportChangeLogMetrics(const ChangeNotifier* notifier,
                                                                  const OpenStreams* streams,
                                                                  MetricsRegistry* metrics);

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_CHANGE_LOG_METRICS_H_
