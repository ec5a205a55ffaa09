#include "common/metrics.h"

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"

namespace lookout {
namespace {

// Shortest round-trip form, %g style: 0.00025, 2.5, 10, 1e-05.
std::string FormatDouble(double value) {
  char buf[64];
  auto result =
      std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::general);
  return std::string(buf, result.ptr);
}

const char* OutcomeName(CacheOutcome outcome) {
  switch (outcome) {
    case CacheOutcome::kHit:
      return "hit";
    case CacheOutcome::kMiss:
      return "miss";
    case CacheOutcome::kError:
      return "error";
  }
  return "error";
}

void AppendHeader(std::string* out, absl::string_view name,
                  absl::string_view help, absl::string_view type) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type,
                  "\n");
}

}  // namespace

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

size_t MetricsRegistry::LabelsHash::operator()(const LabelsView& v) const {
  return absl::Hash<LabelsView>()(v);
}

size_t MetricsRegistry::LabelsHash::operator()(const Labels& l) const {
  return (*this)(LabelsView{l[0], l[1], l[2]});
}

template <typename V>
V& MetricsRegistry::FindOrInsert(SeriesMap<V>& map, const LabelsView& key) {
  auto it = map.find(key);
  if (it == map.end()) {
    it = map.emplace(Labels{std::string(key[0]), std::string(key[1]),
                            std::string(key[2])},
                     V{})
             .first;
  }
  return it->second;
}

MetricsRegistry& MetricsRegistry::Global() {
  static MetricsRegistry* const registry = new MetricsRegistry();
  return *registry;
}

void MetricsRegistry::RecordRequest(absl::string_view service,
                                    absl::string_view method,
                                    absl::string_view code,
                                    absl::Duration latency) {
  const double seconds = std::max(0.0, absl::ToDoubleSeconds(latency));
  // Buckets are "less than or equal": the first bound >= seconds.
  const size_t bucket =
      std::lower_bound(kLatencyBucketsSeconds.begin(),
                       kLatencyBucketsSeconds.end(), seconds) -
      kLatencyBucketsSeconds.begin();
  absl::MutexLock lock(&mu_);
  // A backstop for label values that escaped the interceptor's bound: a new label set past the
  // cap joins the "overflow" series instead of adding one.
  if (requests_.size() >= kMaxRequestSeries &&
      requests_.find(LabelsView{service, method, code}) == requests_.end()) {
    service = "overflow";
    method = "overflow";
  }
  ++FindOrInsert(requests_, {service, method, code});
  Histogram& h = FindOrInsert(latency_, {service, method, ""});
  ++h.buckets[bucket];
  h.sum += seconds;
  ++h.count;
}

void MetricsRegistry::RecordCache(absl::string_view cache, CacheOutcome outcome,
                                  int64_t count) {
  if (count <= 0) return;
  absl::MutexLock lock(&mu_);
  FindOrInsert(cache_, {cache, OutcomeName(outcome), ""}) +=
      static_cast<uint64_t>(count);
}

void MetricsRegistry::AddToCounter(absl::string_view name, absl::string_view help,
                                   absl::string_view label, absl::string_view value,
                                   int64_t count) {
  absl::MutexLock lock(&mu_);
  Family& family = families_[std::string(name)];
  if (family.type.empty()) {
    family.help = std::string(help);
    family.type = "counter";
    family.label = std::string(label);
  }
  family.values[label.empty() ? std::string() : std::string(value)] +=
      static_cast<double>(count);
}

void MetricsRegistry::SetGauge(absl::string_view name, absl::string_view help,
                               double value) {
  SetGauge(name, help, "", "", value);
}

void MetricsRegistry::SetGauge(absl::string_view name, absl::string_view help,
                               absl::string_view label, absl::string_view label_value,
                               double value) {
  absl::MutexLock lock(&mu_);
  Family& family = families_[std::string(name)];
  if (family.type.empty()) {
    family.help = std::string(help);
    family.type = "gauge";
    family.label = std::string(label);
  }
  family.values[label.empty() ? std::string() : std::string(label_value)] = value;
}

std::string MetricsRegistry::RenderText() const {
  // Copy under the lock, format without it, so a scrape never stalls RPCs
  // for longer than the copy.
  std::vector<std::pair<Labels, uint64_t>> requests;
  std::vector<std::pair<Labels, Histogram>> latency;
  std::vector<std::pair<Labels, uint64_t>> cache;
  std::map<std::string, Family> families;
  {
    absl::MutexLock lock(&mu_);
    families = families_;
    requests.assign(requests_.begin(), requests_.end());
    latency.assign(latency_.begin(), latency_.end());
    cache.assign(cache_.begin(), cache_.end());
  }
  auto by_labels = [](const auto& a, const auto& b) {
    return a.first < b.first;
  };
  std::sort(requests.begin(), requests.end(), by_labels);
  std::sort(latency.begin(), latency.end(), by_labels);
  std::sort(cache.begin(), cache.end(), by_labels);

  std::string out;
  AppendHeader(&out, "lookout_requests_total",
               "RPCs handled, by service, method and gRPC status code.",
               "counter");
  for (const auto& [l, n] : requests) {
    absl::StrAppend(&out, "lookout_requests_total{service=\"",
                    EscapeLabelValue(l[0]), "\",method=\"",
                    EscapeLabelValue(l[1]), "\",code=\"",
                    EscapeLabelValue(l[2]), "\"} ", n, "\n");
  }

  AppendHeader(&out, "lookout_request_duration_seconds",
               "RPC latency in seconds, by service and method.", "histogram");
  for (const auto& [l, h] : latency) {
    const std::string labels =
        absl::StrCat("service=\"", EscapeLabelValue(l[0]), "\",method=\"",
                     EscapeLabelValue(l[1]), "\"");
    uint64_t cumulative = 0;
    for (size_t i = 0; i < h.buckets.size(); ++i) {
      cumulative += h.buckets[i];
      const std::string le = i < kLatencyBucketsSeconds.size()
                                 ? FormatDouble(kLatencyBucketsSeconds[i])
                                 : "+Inf";
      absl::StrAppend(&out, "lookout_request_duration_seconds_bucket{", labels,
                      ",le=\"", le, "\"} ", cumulative, "\n");
    }
    absl::StrAppend(&out, "lookout_request_duration_seconds_sum{", labels, "} ",
                    FormatDouble(h.sum), "\n");
    absl::StrAppend(&out, "lookout_request_duration_seconds_count{", labels,
                    "} ", h.count, "\n");
  }

  AppendHeader(&out, "lookout_cache_requests_total",
               "Cache lookups per key, by cache and outcome (hit, miss, "
               "error).",
               "counter");
  for (const auto& [l, n] : cache) {
    absl::StrAppend(&out, "lookout_cache_requests_total{cache=\"",
                    EscapeLabelValue(l[0]), "\",outcome=\"", l[1], "\"} ", n,
                    "\n");
  }

  for (const auto& [name, family] : families) {
    AppendHeader(&out, name, family.help, family.type);
    for (const auto& [value, number] : family.values) {
      if (family.label.empty()) {
        absl::StrAppend(&out, name, " ", FormatDouble(number), "\n");
      } else {
        absl::StrAppend(&out, name, "{", family.label, "=\"",
                        EscapeLabelValue(value), "\"} ", FormatDouble(number),
                        "\n");
      }
    }
  }
  return out;
}

}  // namespace lookout
