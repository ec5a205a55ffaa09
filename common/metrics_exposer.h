// GET /metrics over HTTP, served by prometheus-cpp's Exposer (civetweb) from a MetricsRegistry.

#ifndef LOOKOUT_COMMON_METRICS_EXPOSER_H_
#define LOOKOUT_COMMON_METRICS_EXPOSER_H_

#include <prometheus/exposer.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/metrics.h"

namespace lookout {

class MetricsExposer {
 public:
  // Binds host:port (port 0 picks a free port; read it back with port()). An occupied port or
  // an address the host does not have is an error naming the address. `registry` must outlive
  // the exposer.
  static absl::StatusOr<std::unique_ptr<MetricsExposer>> Start(const std::string& host, int port,
                                                               MetricsRegistry* registry);
  ~MetricsExposer();

  int port() const { return port_; }

 private:
  MetricsExposer(std::unique_ptr<prometheus::Exposer> exposer, int port)
      : exposer_(std::move(exposer)), port_(port) {}

  std::unique_ptr<prometheus::Exposer> exposer_;
  const int port_;
};

}  // namespace lookout

#endif  // LOOKOUT_COMMON_METRICS_EXPOSER_H_
