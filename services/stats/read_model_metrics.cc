#include "services/stats/read_model_metrics.h"

#include <cstdint>

namespace lookout::stats {

std::vector<std::unique_ptr<ScrapedGauge>> ExportReadModelMetrics(const ReadModel* model,
                                                                  const FeedFollower* follower,
                                                                  MetricsRegistry* metrics) {
  const prometheus::Labels stats = {{"follower", "stats"}};
  std::vector<std::unique_ptr<ScrapedGauge>> gauges;
  gauges.push_back(
      metrics->AddScrapedGauge("lookout_follower_applied_sequence",
                               "Sequence of the last change-log change a follower applied.", stats,
                               [model] { return static_cast<double>(model->applied_sequence()); }));
  gauges.push_back(metrics->AddScrapedGauge(
      "lookout_follower_caught_up",
      "1 once a follower has applied the whole change log once (it serves from then on).", stats,
      [model] { return model->caught_up() ? 1 : 0; }));
  const char kStreams[] =
      "WatchEvents streams a follower opened, by result (opened; failed: ended in an error and "
      "retried with back-off).";
  gauges.push_back(metrics->AddScrapedCounter(
      "lookout_follower_streams_total", kStreams, {{"follower", "stats"}, {"result", "opened"}},
      [follower] { return static_cast<double>(follower->streams_opened()); }));
  gauges.push_back(metrics->AddScrapedCounter(
      "lookout_follower_streams_total", kStreams, {{"follower", "stats"}, {"result", "failed"}},
      [follower] { return static_cast<double>(follower->stream_failures()); }));
  gauges.push_back(metrics->AddScrapedCounter(
      "lookout_follower_rebuilds_total",
      "Rebuilds from sequence 0 because the change log was replaced (recreated or restored).",
      stats, [follower] { return static_cast<double>(follower->rebuilds()); }));
  gauges.push_back(metrics->AddScrapedGauge(
      "lookout_read_model_events", "Live events in the stats read model.", {}, [model] {
        return model->Read([](const EventColumns& columns, int64_t) {
          return static_cast<double>(columns.live_count());
        });
      }));
  gauges.push_back(metrics->AddScrapedGauge(
      "lookout_read_model_bytes",
      "Bytes the read model's columns, postings and side maps hold (approximate).", {}, [model] {
        return model->Read([](const EventColumns& columns, int64_t) {
          return static_cast<double>(columns.ApproximateBytes());
        });
      }));
  gauges.push_back(metrics->AddScrapedCounter(
      "lookout_read_model_rejected_changes_total",
      "Changes the read model skipped because their event could not be stored.", {},
      [model] { return static_cast<double>(model->rejected_changes()); }));
  return gauges;
}

}  // namespace lookout::stats
