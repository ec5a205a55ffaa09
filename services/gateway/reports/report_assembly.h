// The pure parts of a situation report: which actors to fetch, how the answers of the backends
// are joined into the report, and the wording of a warning. No RPCs here.
#ifndef LOOKOUT_SERVICES_GATEWAY_REPORTS_REPORT_ASSEMBLY_H_
#define LOOKOUT_SERVICES_GATEWAY_REPORTS_REPORT_ASSEMBLY_H_

#include <grpcpp/support/status.h>

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lookout/actor/v1/actor_service.pb.h"
#include "lookout/event/v1/event_service.pb.h"
#include "lookout/gateway/v1/gateway_service.pb.h"
#include "lookout/stats/v1/stats_service.pb.h"

namespace lookout::gateway {

inline constexpr int kDefaultRecentEvents = 10;
inline constexpr int kMaxRecentEvents = 100;
inline constexpr int kTopActors = 10;
inline constexpr size_t kMaxActorIds = 1000;  // BatchGetActors' limit

// Checks and normalises a request: country_code (ISO alpha-3, upper-cased) or maritime_area
// (made canonical by CanonicalReportArea), exactly one of them; period dates real and in order,
// recent_events default 10, above 100 clamped, negative refused.
absl::StatusOr<v1::GetSituationReportRequest> NormalizeReportRequest(
    const v1::GetSituationReportRequest& request);

// The filter every part of the report uses: the country and the period.
event::v1::EventFilter ReportFilter(const v1::GetSituationReportRequest& request);

// A maritime_area as the report uses it: a basin's or a known body of water's own spelling
// ("red sea" -> "Red Sea", "gulf of aden" -> "Gulf of Aden"), else the text trimmed.
std::string CanonicalReportArea(absl::string_view area);
// Whether a normalized request asks for a basin (else a body of water, or a country).
bool IsBasinReport(const v1::GetSituationReportRequest& request);

// Actor ids for one BatchGetActors call: the top actors first, then every participant of the
// recent events, without repeats, at most kMaxActorIds. Either input may be null.
std::vector<std::string> ActorIdsToFetch(const stats::v1::AggregateEventsResponse* top_actors,
                                         const event::v1::ListEventsResponse* recent);

using ActorIndex = absl::flat_hash_map<std::string, const actor::v1::Actor*>;
ActorIndex IndexActors(const actor::v1::BatchGetActorsResponse& actors);

// Adds top actors and recent events, each actor in full when `actors` has it and as its id
// alone when not (the actor service failed, or the actor was deleted).
void AddTopActors(const stats::v1::AggregateEventsResponse& top_actors, const ActorIndex& actors,
                  v1::GetSituationReportResponse* report);
void AddRecentEvents(const event::v1::ListEventsResponse& recent, const ActorIndex& actors,
                     v1::GetSituationReportResponse* report);

// The distinct metrics among observations, in enum order.
std::vector<stats::v1::Metric> MetricsReported(const stats::v1::ListObservationsResponse& list);

// "stats service failed (UNAVAILABLE: ...): <what is missing> are missing from this report".
std::string DependencyWarning(absl::string_view dependency, const grpc::Status& status,
                              absl::string_view missing);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_REPORTS_REPORT_ASSEMBLY_H_
