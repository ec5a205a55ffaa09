// The stats service's one channel to the event service, shared by the change feed and the
// full-text lookups.
#ifndef LOOKOUT_SERVICES_STATS_EVENT_CHANNEL_H_
#define LOOKOUT_SERVICES_STATS_EVENT_CHANNEL_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>

namespace lookout::stats {

// Keepalive notices an event service that vanished without closing its connections (so the
// feed reconnects), and reconnect back-off is capped at 5 s so a restarted event service is
// found again quickly.
std::shared_ptr<grpc::Channel> CreateEventChannel(const std::string& address);

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_EVENT_CHANNEL_H_
