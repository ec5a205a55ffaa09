// The stats service's channels to other backends: the event service (shared by the change feed
// and the full-text lookups) and, on a replica, the observation owner.
#ifndef LOOKOUT_SERVICES_STATS_BACKEND_CHANNEL_H_
#define LOOKOUT_SERVICES_STATS_BACKEND_CHANNEL_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lookout::stats {

// Keepalive notices a backend that vanished without closing its connections (so the feed
// reconnects), and the reconnect back-off stays short so a restarted backend is found again
// quickly. `min_reconnect_backoff` is also how long one connection attempt may take.
struct ReconnectBackoff {
  absl::Duration min = absl::Milliseconds(100);
  absl::Duration max = absl::Seconds(5);
};
//
// `address` may name several replicas (common/replica_target.h): calls and the change feed go
// round robin to those that report `health_service` SERVING, so a feed that the event service
// ends on SIGTERM resumes on another replica, from the last sequence applied.
std::shared_ptr<grpc::Channel> CreateBackendChannel(const std::string& address,
                                                    ReconnectBackoff backoff = {},
                                                    absl::string_view health_service = "");

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_BACKEND_CHANNEL_H_
