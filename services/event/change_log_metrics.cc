#include "services/event/change_log_metrics.h"

namespace lookout::event {

std::vector<std::unique_ptr<ScrapedGauge>> ExportChangeLogMetrics(const ChangeNotifier* notifier,
                                                                  const OpenStreams* streams,
                                                                  MetricsRegistry* metrics) {
  std::vector<std::unique_ptr<ScrapedGauge>> gauges;
  gauges.push_back(metrics->AddScrapedGauge(
      "lookout_change_log_head_sequence", "Sequence of the newest committed change-log change.", {},
      [notifier] { return static_cast<double>(notifier->head()); }));
  gauges.push_back(metrics->AddScrapedGauge(
      "lookout_change_feed_watchers",
      "WatchEvents streams open (read-model followers and clients), capped by --max_watchers.", {},
      [streams] { return static_cast<double>(streams->open()); }));
  return gauges;
}

}  // namespace lookout::event
