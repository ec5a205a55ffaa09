// Process-wide counters and latency histograms, rendered in the Prometheus
// text exposition format (version 0.0.4) for MetricsHttpServer.
//
// Series:
//   lookout_requests_total{service,method,code}           counter
//   lookout_request_duration_seconds{service,method}      histogram
//   lookout_cache_requests_total{cache,outcome}           counter
//   named counters and gauges a service adds (AddToCounter, SetGauge), e.g.
//   lookout_storage_disk_full{store} (1 while a store refuses writes for a full disk)
//
// Every label value a client can influence is bounded: the interceptor labels a method the
// server does not serve as "unknown", and past kMaxRequestSeries label sets new ones are
// recorded under "overflow", so no stream of odd calls can grow the registry without limit.

#ifndef LOOKOUT_COMMON_METRICS_H_
#define LOOKOUT_COMMON_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lookout {

enum class CacheOutcome { kHit, kMiss, kError };

// Upper bounds (seconds) of lookout_request_duration_seconds; +Inf is implied.
inline constexpr std::array<double, 16> kLatencyBucketsSeconds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};

// The most (service, method, code) label sets lookout_requests_total keeps; later ones are
// counted under service and method "overflow".
inline constexpr size_t kMaxRequestSeries = 4096;

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The registry the binaries export; never destroyed.
  static MetricsRegistry& Global();

  // code is the gRPC status name, e.g. "OK", "INVALID_ARGUMENT".
  void RecordRequest(absl::string_view service, absl::string_view method,
                     absl::string_view code, absl::Duration latency);

  // `count` lets a multi-key lookup record all its keys under one lock.
  void RecordCache(absl::string_view cache, CacheOutcome outcome,
                   int64_t count = 1);

  // A counter named by the code, with at most one label whose values come from a fixed set
  // (never from a client): e.g. ("lookout_gateway_keys_reload_errors_total", help, "reason",
  // "empty"). An empty `label` makes a counter without labels.
  void AddToCounter(absl::string_view name, absl::string_view help, absl::string_view label,
                    absl::string_view value, int64_t count = 1);
  // A gauge without labels, set to `value`.
  void SetGauge(absl::string_view name, absl::string_view help, double value);
  // A gauge with one label, as AddToCounter: the series `label`=`label_value` set to `value`.
  void SetGauge(absl::string_view name, absl::string_view help, absl::string_view label,
                absl::string_view label_value, double value);

  // All series, sorted by labels, with # HELP and # TYPE lines.
  std::string RenderText() const;

 private:
  // Label values of one series; looked up by string_view to avoid allocating
  // on the hot path once the series exists.
  using Labels = std::array<std::string, 3>;
  using LabelsView = std::array<absl::string_view, 3>;
  struct LabelsHash {
    using is_transparent = void;
    size_t operator()(const LabelsView& v) const;
    size_t operator()(const Labels& l) const;
  };
  struct LabelsEq {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
    }
  };
  template <typename V>
  using SeriesMap = absl::flat_hash_map<Labels, V, LabelsHash, LabelsEq>;

  struct Histogram {
    // Per-bucket (not cumulative) counts; the last slot is +Inf.
    std::array<uint64_t, kLatencyBucketsSeconds.size() + 1> buckets{};
    double sum = 0;
    uint64_t count = 0;
  };

  template <typename V>
  static V& FindOrInsert(SeriesMap<V>& map, const LabelsView& key);

  // A family added by AddToCounter or SetGauge.
  struct Family {
    std::string help;
    std::string type;   // "counter" or "gauge"
    std::string label;  // empty: one series without labels
    std::map<std::string, double> values;  // by label value
  };

  mutable absl::Mutex mu_;
  std::map<std::string, Family> families_ ABSL_GUARDED_BY(mu_);  // by name
  SeriesMap<uint64_t> requests_ ABSL_GUARDED_BY(mu_);  // service,method,code
  SeriesMap<Histogram> latency_ ABSL_GUARDED_BY(mu_);  // service,method,""
  SeriesMap<uint64_t> cache_ ABSL_GUARDED_BY(mu_);     // cache,outcome,""
};

// RedisCache counts hits, misses and errors straight into the registry.
using CacheMetrics = MetricsRegistry;

// Escapes a label value for the text format: \ " and newline.
std::string EscapeLabelValue(absl::string_view value);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_METRICS_H_
