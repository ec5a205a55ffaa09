// The process's Prometheus metrics, kept by prometheus-cpp (core) and served by its Exposer
// (pull, see metrics_exposer.h). This file adds what prometheus-cpp does not have:
//   - one registry per process (Global) that every binary exports;
//   - gauges read when scraped (AddScrapedGauge), for values that live elsewhere: a file's
//     size, a sequence number, a pool's state;
//   - the process_* series (resident memory, open fds, threads, CPU seconds) from /proc;
//   - a few helpers so call sites stay one line (AddToCounter, SetGauge, RecordCache).
//
// Series every binary has (see README "Metrics" for the full list):
//   grpc_server_started_total, grpc_server_handled_total, grpc_server_handling_seconds
//   grpc_client_started_total, grpc_client_handled_total, grpc_client_handling_seconds
//   process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds,
//   process_max_fds, process_threads, process_cpu_seconds_total, process_start_time_seconds
//   lookout_cache_requests_total{cache,outcome}
//
// Every label value a client can influence is bounded: the interceptors label a method the
// server does not serve as "unknown", never with the path the client sent.

#ifndef LOOKOUT_COMMON_METRICS_H_
#define LOOKOUT_COMMON_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace lookout {

enum class CacheOutcome { kHit, kMiss, kError };

// Upper bounds (seconds) of the latency histograms; +Inf is implied.
const prometheus::Histogram::BucketBoundaries& LatencyBucketsSeconds();

// Keeps a scraped gauge registered; destroying it removes the series.
class ScrapedGauge {
 public:
  virtual ~ScrapedGauge() = default;
};

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The registry the binaries export; never destroyed.
  static MetricsRegistry& Global();

  // What an Exposer serves: every family of this registry, the scraped gauges and the process
  // series.
  std::shared_ptr<prometheus::Collectable> collectable() const;

  // Families by name; adding a name twice returns the first family (same type), so call sites
  // need not keep the reference. A family with another type under the same name throws.
  prometheus::Family<prometheus::Counter>& Counter(const std::string& name,
                                                   const std::string& help);
  prometheus::Family<prometheus::Gauge>& Gauge(const std::string& name, const std::string& help);
  prometheus::Family<prometheus::Histogram>& Histogram(const std::string& name,
                                                       const std::string& help);

  // `count` lets a multi-key lookup record all its keys at once.
  void RecordCache(absl::string_view cache, CacheOutcome outcome, int64_t count = 1);

  // A counter with labels whose values come from a fixed set (never from a client), e.g.
  // ("lookout_gateway_keys_reload_errors_total", help, {{"reason", "empty"}}).
  void AddToCounter(const std::string& name, const std::string& help,
                    const prometheus::Labels& labels, double count = 1);
  void SetGauge(const std::string& name, const std::string& help, const prometheus::Labels& labels,
                double value);

  // A gauge whose value `read` returns at each scrape, for as long as the handle lives. `read`
  // runs on the scrape thread and must not call into this registry.
  std::unique_ptr<ScrapedGauge> AddScrapedGauge(std::string name, std::string help,
                                                prometheus::Labels labels,
                                                std::function<double()> read);
  // The same for a count kept elsewhere that only grows (exported as a counter).
  std::unique_ptr<ScrapedGauge> AddScrapedCounter(std::string name, std::string help,
                                                  prometheus::Labels labels,
                                                  std::function<double()> read);

  // All series in the text exposition format (0.0.4), as a scrape sees them.
  std::string RenderText() const;

 private:
  class Collector;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<Collector> collector_;
};

// RedisCache counts hits, misses and errors straight into the registry.
using CacheMetrics = MetricsRegistry;

}  // namespace lookout

#endif  // LOOKOUT_COMMON_METRICS_H_
