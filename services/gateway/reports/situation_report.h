// GetSituationReport's fan-out: the totals by event type first (they carry the event sequence
// the report reflects, which keys the cache), then in parallel the months, the top actors, the
// recent events and the observations, then one BatchGetActors for every actor named and one
// SummarizeMetric per metric reported. A dependency that fails costs its part of the report and
// adds one warning; the rest is still returned.
#ifndef LOOKOUT_SERVICES_GATEWAY_REPORTS_SITUATION_REPORT_H_
#define LOOKOUT_SERVICES_GATEWAY_REPORTS_SITUATION_REPORT_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "lookout/gateway/v1/gateway_service.pb.h"
#include "lookout/stats/v1/stats_service.grpc.pb.h"
#include "services/gateway/blocking_pool.h"
#include "services/gateway/forwarding/backend_context.h"
#include "services/gateway/reports/report_cache.h"

namespace lookout::gateway {

struct ReportDeps {
  event::v1::EventService::Stub* event = nullptr;
  actor::v1::ActorService::Stub* actor = nullptr;
  stats::v1::StatsService::Stub* stats = nullptr;
  std::string internal_token;
  // Each dependency call's own limit; within the caller's deadline it is cut short enough to
  // leave time for answering with what arrived.
  absl::Duration dependency_timeout = absl::Seconds(5);
  ReportCache* cache = nullptr;  // null: no caching
  BlockingPool* pool = nullptr;  // for the cache's blocking calls
};

// Gathers the report for a normalised `request` into `response` and calls `done` once: OK
// (possibly with warnings), UNAVAILABLE when neither the event nor the stats service answered,
// or CANCELLED / DEADLINE_EXCEEDED when the caller is gone.
void BuildSituationReport(const ReportDeps* deps, grpc::CallbackServerContext* serving,
                          CallIdentity identity, v1::GetSituationReportRequest request,
                          v1::GetSituationReportResponse* response,
                          std::function<void(grpc::Status)> done);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_REPORTS_SITUATION_REPORT_H_
