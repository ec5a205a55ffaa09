#include "common/metrics.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <list>
#include <map>
#include <mutex>
#include <utility>

#include "common/process_metrics.h"

namespace lookout {
namespace {

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

}  // namespace

const prometheus::Histogram::BucketBoundaries& LatencyBucketsSeconds() {
  static const auto* const buckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return *buckets;
}

// Collects the registry, then the scraped gauges, then the process series. prometheus-cpp's
// Registry cannot hold a gauge computed at scrape time, hence this wrapper.
class MetricsRegistry::Collector : public prometheus::Collectable {
 public:
  explicit Collector(std::shared_ptr<prometheus::Registry> registry)
      : registry_(std::move(registry)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> families = registry_->Collect();
    {
      std::lock_guard<std::mutex> lock(mu_);
      // Series of one name form one family, in registration order.
      std::map<std::string, size_t> index;
      for (const Entry& entry : scraped_) {
        auto [it, added] = index.emplace(entry.name, families.size());
        if (added) {
          prometheus::MetricFamily family;
          family.name = entry.name;
          family.help = entry.help;
          family.type = entry.type;
          families.push_back(std::move(family));
        }
        prometheus::ClientMetric metric;
        for (const auto& [name, value] : entry.labels) metric.label.push_back({name, value});
        if (entry.type == prometheus::MetricType::Counter) {
          metric.counter.value = entry.read();
        } else {
          metric.gauge.value = entry.read();
        }
        families[it->second].metric.push_back(std::move(metric));
      }
    }
    AppendProcessMetrics(&families);
    return families;
  }

  struct Entry {
    std::string name;
    std::string help;
    prometheus::Labels labels;
    std::function<double()> read;
    prometheus::MetricType type = prometheus::MetricType::Gauge;
  };

  class Handle : public ScrapedGauge {
   public:
    Handle(std::shared_ptr<Collector> owner, std::list<Entry>::iterator entry)
        : owner_(std::move(owner)), entry_(entry) {}
    ~Handle() override {
      std::lock_guard<std::mutex> lock(owner_->mu_);
      owner_->scraped_.erase(entry_);
    }

   private:
    // Shared, so a handle may outlive the registry that made it.
    const std::shared_ptr<Collector> owner_;
    const std::list<Entry>::iterator entry_;
  };

  std::list<Entry>::iterator Add(Entry entry) {
    std::lock_guard<std::mutex> lock(mu_);
    return scraped_.insert(scraped_.end(), std::move(entry));
  }

 private:
  const std::shared_ptr<prometheus::Registry> registry_;
  // Held while reading, so a handle's destructor waits for a scrape that is reading its gauge.
  mutable std::mutex mu_;
  std::list<Entry> scraped_;
};

MetricsRegistry::MetricsRegistry()
    : registry_(std::make_shared<prometheus::Registry>()),
      collector_(std::make_shared<Collector>(registry_)) {}

MetricsRegistry::~MetricsRegistry() = default;

std::shared_ptr<prometheus::Collectable> MetricsRegistry::collectable() const { return collector_; }

MetricsRegistry& MetricsRegistry::Global() {
  static MetricsRegistry* const registry = new MetricsRegistry();
  return *registry;
}

prometheus::Family<prometheus::Counter>& MetricsRegistry::Counter(const std::string& name,
                                                                  const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
}

prometheus::Family<prometheus::Gauge>& MetricsRegistry::Gauge(const std::string& name,
                                                              const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(*registry_);
}

prometheus::Family<prometheus::Histogram>& MetricsRegistry::Histogram(const std::string& name,
                                                                      const std::string& help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(*registry_);
}

void MetricsRegistry::RecordCache(absl::string_view cache, CacheOutcome outcome, int64_t count) {
  if (count <= 0) return;
  AddToCounter("lookout_cache_requests_total",
               "Cache lookups per key, by cache and outcome (hit, miss, error).",
               {{"cache", std::string(cache)}, {"outcome", OutcomeName(outcome)}},
               static_cast<double>(count));
}

void MetricsRegistry::AddToCounter(const std::string& name, const std::string& help,
                                   const prometheus::Labels& labels, double count) {
  Counter(name, help).Add(labels).Increment(count);
}

void MetricsRegistry::SetGauge(const std::string& name, const std::string& help,
                               const prometheus::Labels& labels, double value) {
  Gauge(name, help).Add(labels).Set(value);
}

std::unique_ptr<ScrapedGauge> MetricsRegistry::AddScrapedGauge(std::string name, std::string help,
                                                               prometheus::Labels labels,
                                                               std::function<double()> read) {
  auto entry = collector_->Add(Collector::Entry{std::move(name), std::move(help), std::move(labels),
                                                std::move(read), prometheus::MetricType::Gauge});
  return std::make_unique<Collector::Handle>(collector_, entry);
}

std::unique_ptr<ScrapedGauge> MetricsRegistry::AddScrapedCounter(std::string name, std::string help,
                                                                 prometheus::Labels labels,
                                                                 std::function<double()> read) {
  auto entry = collector_->Add(Collector::Entry{std::move(name), std::move(help), std::move(labels),
                                                std::move(read), prometheus::MetricType::Counter});
  return std::make_unique<Collector::Handle>(collector_, entry);
}

std::string MetricsRegistry::RenderText() const {
  return prometheus::TextSerializer().Serialize(collector_->Collect());
}

}  // namespace lookout
