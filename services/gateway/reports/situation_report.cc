#include "services/gateway/reports/situation_report.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "services/gateway/reports/report_assembly.h"

namespace lookout::gateway {
namespace {

using stats::v1::AggregateEventsRequest;
using stats::v1::AggregateEventsResponse;

// One dependency call: its context, request, answer and outcome.
template <class Request, class Response>
struct Pending {
  std::unique_ptr<grpc::ClientContext> context;
  Request request;
  Response response;
  grpc::Status status;
};

class ReportBuilder {
 public:
  ReportBuilder(const ReportDeps* deps, grpc::CallbackServerContext* serving, CallIdentity identity,
                v1::GetSituationReportRequest request, v1::GetSituationReportResponse* response,
                std::function<void(grpc::Status)> done)
      : deps_(deps),
        serving_(serving),
        identity_(std::move(identity)),
        request_(std::move(request)),
        response_(response),
        done_(std::move(done)) {}

  void Start();

 private:
  enum class Stage { kFanOut, kJoin };

  std::unique_ptr<grpc::ClientContext> NewContext() const;
  AggregateEventsRequest Aggregate(stats::v1::Dimension dimension) const;
  // Counts one finished call (or the stage's own guard); the last one moves to the next stage.
  void StepDone();
  void AfterTotals();
  void StartFanOut();
  void AfterFanOut();
  void AfterJoin();
  void Warn(const std::string& dependency, const grpc::Status& status, absl::string_view missing);
  void Complete(grpc::Status status);

  const ReportDeps* const deps_;
  grpc::CallbackServerContext* const serving_;
  const CallIdentity identity_;
  const v1::GetSituationReportRequest request_;
  v1::GetSituationReportResponse* const response_;
  std::function<void(grpc::Status)> done_;

  std::atomic<int> pending_{0};
  Stage stage_ = Stage::kFanOut;
  bool stats_ok_ = false;
  bool event_ok_ = false;
  // One warning per dependency, in the order the failures were seen.
  std::vector<std::pair<std::string, std::string>> warnings_;

  Pending<AggregateEventsRequest, AggregateEventsResponse> totals_;
  Pending<AggregateEventsRequest, AggregateEventsResponse> months_;
  Pending<AggregateEventsRequest, AggregateEventsResponse> top_actors_;
  Pending<stats::v1::ListObservationsRequest, stats::v1::ListObservationsResponse> observations_;
  Pending<event::v1::ListEventsRequest, event::v1::ListEventsResponse> recent_;
  Pending<actor::v1::BatchGetActorsRequest, actor::v1::BatchGetActorsResponse> actors_;
  std::deque<Pending<stats::v1::SummarizeMetricRequest, stats::v1::SummarizeMetricResponse>>
      summaries_;
};

std::unique_ptr<grpc::ClientContext> ReportBuilder::NewContext() const {
  std::unique_ptr<grpc::ClientContext> context =
      MakeBackendContext(*serving_, identity_, deps_->internal_token, deps_->dependency_timeout);
  if (HasDeadline(*serving_)) {
    // Keep a tenth of the caller's remaining time (at most 200 ms) for answering with what
    // arrived, so one slow dependency becomes a warning instead of the whole report timing out.
    auto now = std::chrono::system_clock::now();
    auto remaining = serving_->deadline() - now;
    auto reserve = std::min<std::chrono::system_clock::duration>(remaining / 10,
                                                                 std::chrono::milliseconds(200));
    auto deadline = std::min(serving_->deadline() - reserve,
                             now + absl::ToChronoMilliseconds(deps_->dependency_timeout));
    context->set_deadline(deadline);
  }
  return context;
}

AggregateEventsRequest ReportBuilder::Aggregate(stats::v1::Dimension dimension) const {
  AggregateEventsRequest aggregate;
  *aggregate.mutable_filter() = ReportFilter(request_);
  aggregate.add_group_by(dimension);
  return aggregate;
}

void ReportBuilder::Start() {
  response_->set_country_code(request_.country_code());
  if (IsBasinReport(request_)) {
    response_->set_maritime_basin(request_.maritime_area());
  } else {
    response_->set_body_of_water(request_.maritime_area());
  }
  *response_->mutable_period() = request_.period();
  totals_.context = NewContext();
  totals_.request = Aggregate(stats::v1::DIMENSION_EVENT_TYPE);
  totals_.request.set_order_by("event_count desc");
  deps_->stats->async()->AggregateEvents(totals_.context.get(), &totals_.request, &totals_.response,
                                         [this](grpc::Status status) {
                                           totals_.status = std::move(status);
                                           AfterTotals();
                                         });
}

void ReportBuilder::AfterTotals() {
  if (!totals_.status.ok()) {
    Warn("stats", totals_.status, "event counts, months, top actors and figures are");
    StartFanOut();
    return;
  }
  stats_ok_ = true;
  response_->set_event_count(totals_.response.total_events());
  response_->set_fatalities(totals_.response.total_fatalities());
  response_->set_as_of_sequence(totals_.response.as_of_sequence());
  response_->set_as_of_change_log_id(totals_.response.as_of_change_log_id());
  *response_->mutable_by_event_type() = totals_.response.rows();
  if (deps_->cache == nullptr) {
    StartFanOut();
    return;
  }
  std::string key = ReportCache::Key(request_, totals_.response.as_of_change_log_id(),
                                     totals_.response.as_of_sequence());
  deps_->pool->Submit([this, key] {
    std::optional<v1::GetSituationReportResponse> cached = deps_->cache->Get(key);
    if (cached.has_value()) {
      *response_ = *std::move(cached);
      Complete(grpc::Status::OK);
      return;
    }
    StartFanOut();
  });
}

void ReportBuilder::StartFanOut() {
  stage_ = Stage::kFanOut;
  // Figures (observations) are by country: a report on a sea has none to ask for.
  const bool figures = request_.maritime_area().empty();
  pending_.store(1 + (stats_ok_ ? (figures ? 3 : 2) : 0) + 1);
  auto record = [this](grpc::Status* slot) {
    return [this, slot](grpc::Status status) {
      *slot = std::move(status);
      StepDone();
    };
  };
  if (stats_ok_) {
    months_.context = NewContext();
    months_.request = Aggregate(stats::v1::DIMENSION_MONTH);
    months_.request.set_fill_gaps(true);
    deps_->stats->async()->AggregateEvents(months_.context.get(), &months_.request,
                                           &months_.response, record(&months_.status));
    top_actors_.context = NewContext();
    top_actors_.request = Aggregate(stats::v1::DIMENSION_ACTOR);
    top_actors_.request.set_order_by("event_count desc");
    top_actors_.request.set_limit(kTopActors);
    deps_->stats->async()->AggregateEvents(top_actors_.context.get(), &top_actors_.request,
                                           &top_actors_.response, record(&top_actors_.status));
    if (figures) {
      observations_.context = NewContext();
      observations_.request.set_country_code(request_.country_code());
      *observations_.request.mutable_period() = request_.period();
      observations_.request.set_page_size(1000);
      deps_->stats->async()->ListObservations(observations_.context.get(),
                                              &observations_.request, &observations_.response,
                                              record(&observations_.status));
    }
  }
  recent_.context = NewContext();
  *recent_.request.mutable_filter() = ReportFilter(request_);
  recent_.request.set_page_size(request_.recent_events());
  recent_.request.set_order_by("event_date desc");
  deps_->event->async()->ListEvents(recent_.context.get(), &recent_.request, &recent_.response,
                                    record(&recent_.status));
  StepDone();
}

void ReportBuilder::StepDone() {
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (stage_ == Stage::kFanOut) {
    AfterFanOut();
  } else {
    AfterJoin();
  }
}

void ReportBuilder::AfterFanOut() {
  if (stats_ok_) {
    if (months_.status.ok()) {
      *response_->mutable_by_month() = months_.response.rows();
    } else {
      Warn("stats", months_.status, "months are");
    }
    if (!top_actors_.status.ok()) Warn("stats", top_actors_.status, "top actors are");
    if (!observations_.status.ok()) Warn("stats", observations_.status, "figures are");
  }
  event_ok_ = recent_.status.ok();
  if (!event_ok_) {
    Warn("event", recent_.status, "recent events are");
  } else if (!stats_ok_) {
    // Without the stats service the event service can still say how many events there are.
    response_->set_event_count(recent_.response.total_size());
  }

  std::vector<std::string> ids =
      ActorIdsToFetch(stats_ok_ && top_actors_.status.ok() ? &top_actors_.response : nullptr,
                      event_ok_ ? &recent_.response : nullptr);
  std::vector<stats::v1::Metric> metrics;
  if (stats_ok_ && observations_.status.ok()) metrics = MetricsReported(observations_.response);

  stage_ = Stage::kJoin;
  pending_.store(1 + (ids.empty() ? 0 : 1) + static_cast<int>(metrics.size()));
  if (!ids.empty()) {
    actors_.context = NewContext();
    for (std::string& id : ids) actors_.request.add_ids(std::move(id));
    deps_->actor->async()->BatchGetActors(actors_.context.get(), &actors_.request,
                                          &actors_.response, [this](grpc::Status status) {
                                            actors_.status = std::move(status);
                                            StepDone();
                                          });
  }
  for (stats::v1::Metric metric : metrics) {
    auto& summary = summaries_.emplace_back();
    summary.context = NewContext();
    summary.request.set_metric(metric);
    summary.request.set_country_code(request_.country_code());
    *summary.request.mutable_period() = request_.period();
    auto* slot = &summary;
    deps_->stats->async()->SummarizeMetric(summary.context.get(), &summary.request,
                                           &summary.response, [this, slot](grpc::Status status) {
                                             slot->status = std::move(status);
                                             StepDone();
                                           });
  }
  StepDone();
}

void ReportBuilder::AfterJoin() {
  ActorIndex actors;
  if (!actors_.request.ids().empty()) {
    if (actors_.status.ok()) {
      actors = IndexActors(actors_.response);
    } else {
      Warn("actor", actors_.status, "actor details (only ids are given) are");
    }
  }
  if (stats_ok_ && top_actors_.status.ok()) AddTopActors(top_actors_.response, actors, response_);
  if (event_ok_) AddRecentEvents(recent_.response, actors, response_);
  for (auto& summary : summaries_) {
    if (summary.status.ok()) {
      *response_->add_figures() = summary.response.summary();
    } else {
      Warn("stats", summary.status, "figures are");
    }
  }
  for (auto& [dependency, warning] : warnings_) response_->add_warnings(warning);

  if (serving_->IsCancelled()) {
    Complete(grpc::Status(grpc::StatusCode::CANCELLED, "the caller cancelled the report"));
    return;
  }
  if (!stats_ok_ && !event_ok_) {
    std::vector<std::string> texts;
    for (auto& [dependency, warning] : warnings_) texts.push_back(warning);
    Complete(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "no data for the report: " + absl::StrJoin(texts, "; ")));
    return;
  }
  if (warnings_.empty() && deps_->cache != nullptr) {
    // Only whole reports are cached: a partial one would hide the recovery of a dependency.
    std::string key =
        ReportCache::Key(request_, response_->as_of_change_log_id(), response_->as_of_sequence());
    auto copy = std::make_shared<v1::GetSituationReportResponse>(*response_);
    ReportCache* cache = deps_->cache;
    deps_->pool->Submit([cache, key, copy] { cache->Put(key, *copy); });
  }
  Complete(grpc::Status::OK);
}

void ReportBuilder::Warn(const std::string& dependency, const grpc::Status& status,
                         absl::string_view missing) {
  for (const auto& [seen, text] : warnings_) {
    if (seen == dependency) return;
  }
  warnings_.emplace_back(dependency, DependencyWarning(dependency, status, missing));
}

void ReportBuilder::Complete(grpc::Status status) {
  std::function<void(grpc::Status)> done = std::move(done_);
  delete this;
  done(std::move(status));
}

}  // namespace

void BuildSituationReport(const ReportDeps* deps, grpc::CallbackServerContext* serving,
                          CallIdentity identity, v1::GetSituationReportRequest request,
                          v1::GetSituationReportResponse* response,
                          std::function<void(grpc::Status)> done) {
  (new ReportBuilder(deps, serving, std::move(identity), std::move(request), response,
                     std::move(done)))
      ->Start();
}

}  // namespace lookout::gateway
