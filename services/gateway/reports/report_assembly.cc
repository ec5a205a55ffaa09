#include "services/gateway/reports/report_assembly.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/maritime_areas.h"
#include "common/metrics_interceptor.h"
#include "common/validation.h"
#include "services/gateway/access/role.h"

namespace lookout::gateway {
namespace {

actor::v1::Actor ActorOrId(const std::string& id, const ActorIndex& actors) {
  auto it = actors.find(id);
  if (it != actors.end()) return *it->second;
  actor::v1::Actor bare;
  bare.set_id(id);
  return bare;
}

}  // namespace

absl::StatusOr<v1::GetSituationReportRequest> NormalizeReportRequest(
    const v1::GetSituationReportRequest& request) {
  v1::GetSituationReportRequest normalized = request;
  absl::Status status;
  if (!request.maritime_area().empty()) {
    if (!request.country_code().empty()) {
      return errors::InvalidField("maritime_area",
                                  "must be empty when country_code is set (a report covers a "
                                  "country or a maritime area, not both)");
    }
    status = validation::CheckText("maritime_area", request.maritime_area(),
                                   validation::kMaxShortTextLength, true);
    if (!status.ok()) return status;
    normalized.set_maritime_area(CanonicalReportArea(request.maritime_area()));
  } else {
    if (request.country_code().empty()) {
      return errors::InvalidField("country_code",
                                  "is required (ISO 3166-1 alpha-3, e.g. HTI), or maritime_area "
                                  "for a sea (e.g. \"Red Sea\")");
    }
    normalized.set_country_code(absl::AsciiStrToUpper(request.country_code()));
    status = validation::CheckCountryCode("country_code", normalized.country_code(), true);
    if (!status.ok()) return status;
  }
  status = validation::CheckDate("period.start_date", request.period().start_date(), false);
  if (!status.ok()) return status;
  status = validation::CheckDate("period.end_date", request.period().end_date(), false);
  if (!status.ok()) return status;
  status = validation::CheckDateRange("period", request.period());
  if (!status.ok()) return status;
  if (request.recent_events() < 0) {
    return errors::InvalidField("recent_events", "must not be negative (default 10, at most 100)");
  }
  if (request.recent_events() == 0) normalized.set_recent_events(kDefaultRecentEvents);
  if (request.recent_events() > kMaxRecentEvents) normalized.set_recent_events(kMaxRecentEvents);
  return normalized;
}

std::string CanonicalReportArea(absl::string_view area) {
  if (std::optional<std::string> basin = CanonicalMaritimeBasin(area)) return *basin;
  if (std::optional<NamedWater> water = LookUpNamedWater(area)) {
    return water->body_of_water.empty() ? water->basin : water->body_of_water;
  }
  return std::string(absl::StripAsciiWhitespace(area));
}

bool IsBasinReport(const v1::GetSituationReportRequest& request) {
  return !request.maritime_area().empty() && IsMaritimeBasin(request.maritime_area());
}

event::v1::EventFilter ReportFilter(const v1::GetSituationReportRequest& request) {
  event::v1::EventFilter filter;
  if (IsBasinReport(request)) {
    filter.add_maritime_basins(request.maritime_area());
  } else if (!request.maritime_area().empty()) {
    filter.add_bodies_of_water(request.maritime_area());
  } else {
    filter.add_country_codes(request.country_code());
  }
  *filter.mutable_date_range() = request.period();
  return filter;
}

std::vector<std::string> ActorIdsToFetch(const stats::v1::AggregateEventsResponse* top_actors,
                                         const event::v1::ListEventsResponse* recent) {
  std::vector<std::string> ids;
  absl::flat_hash_set<std::string> seen;
  auto add = [&](const std::string& id) {
    if (!id.empty() && ids.size() < kMaxActorIds && seen.insert(id).second) ids.push_back(id);
  };
  if (top_actors != nullptr) {
    for (const auto& row : top_actors->rows()) {
      if (row.keys_size() > 0) add(row.keys(0));
    }
  }
  if (recent != nullptr) {
    for (const auto& event : recent->events()) {
      for (const auto& participant : event.participants()) add(participant.actor_id());
    }
  }
  return ids;
}

ActorIndex IndexActors(const actor::v1::BatchGetActorsResponse& actors) {
  ActorIndex index;
  for (const actor::v1::Actor& actor : actors.actors()) index[actor.id()] = &actor;
  return index;
}

void AddTopActors(const stats::v1::AggregateEventsResponse& top_actors, const ActorIndex& actors,
                  v1::GetSituationReportResponse* report) {
  for (const auto& row : top_actors.rows()) {
    if (row.keys_size() == 0 || report->top_actors_size() >= kTopActors) continue;
    v1::ActorActivity* activity = report->add_top_actors();
    *activity->mutable_actor() = ActorOrId(row.keys(0), actors);
    activity->set_event_count(row.event_count());
    activity->set_fatalities(row.fatalities());
  }
}

void AddRecentEvents(const event::v1::ListEventsResponse& recent, const ActorIndex& actors,
                     v1::GetSituationReportResponse* report) {
  for (const event::v1::Event& event : recent.events()) {
    v1::RecentEvent* entry = report->add_recent_events();
    *entry->mutable_event() = event;
    for (const auto& participant : event.participants()) {
      *entry->add_actors() = ActorOrId(participant.actor_id(), actors);
    }
  }
}

std::vector<stats::v1::Metric> MetricsReported(const stats::v1::ListObservationsResponse& list) {
  std::vector<stats::v1::Metric> metrics;
  for (const auto& observation : list.observations()) {
    if (observation.metric() == stats::v1::METRIC_UNSPECIFIED) continue;
    if (std::find(metrics.begin(), metrics.end(), observation.metric()) == metrics.end()) {
      metrics.push_back(observation.metric());
    }
  }
  std::sort(metrics.begin(), metrics.end());
  return metrics;
}

std::string DependencyWarning(absl::string_view dependency, const grpc::Status& status,
                              absl::string_view missing) {
  return absl::StrCat(dependency, " service failed (", StatusCodeName(status.error_code()), ": ",
                      status.error_message(), "): ", missing, " missing from this report");
}

}  // namespace lookout::gateway
