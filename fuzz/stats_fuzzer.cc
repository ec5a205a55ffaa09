// libFuzzer target: the stats service's request handlers on arbitrary requests: AggregateEvents
// and GetTrends (EventStats) over a small read model of 40 events, and RecordObservation,
// GetObservation, ListObservations, DeleteObservation and SummarizeMetric (ObservationManager)
// against a real SQLite observation store in a scratch folder shared by every input. One more
// method applies an arbitrary change to a read model of the input's own, which the next
// AggregateEvents and GetTrends then query too: the model must survive any change the feed could
// carry. Input format and references: fuzz/service_fuzz.h.
//
// Beyond no crash and no sanitizer finding: every answer keeps CheckStatus's rules; an
// aggregate's rows never count more events than its total (without fill_gaps, more rows than
// limit); a recorded observation is what Get returns next.
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "fuzz/service_fuzz.h"
#include "lookout/stats/v1/stats_service.pb.h"
#include "services/stats/event_stats.h"
#include "services/stats/observation_manager.h"
#include "services/stats/read_model.h"
#include "services/stats/sqlite_observation_store.h"
#include "tests/unit/stats_test_events.h"

namespace lookout::fuzz {
namespace {

namespace sv1 = stats::v1;
using google::protobuf::util::MessageDifferencer;

enum Method : uint8_t {
  kAggregate,
  kTrends,
  kRecord,
  kGet,
  kList,
  kDelete,
  kSummarize,
  kApplyChange,
  kMethodCount
};

// A request's as_of_sequence beyond the model answers UNAVAILABLE at once instead of waiting.
constexpr stats::EventStatsOptions kNoWait{absl::ZeroDuration()};

struct Fixture {
  stats::ReadModel model;
  std::unique_ptr<stats::EventStats> events;
  std::unique_ptr<stats::SqliteObservationStore> store;
  std::unique_ptr<stats::ObservationManager> observations;
};

Fixture& Shared() {
  static Fixture* fixture = [] {
    QuietProtobufLog();
    auto* f = new Fixture;
    std::seed_seq seed{18, 4};
    absl::BitGen gen(seed);
    const std::vector<std::string> actors = stats::testing::TestActors(6);
    for (int i = 0; i < 40; ++i) {
      f->model.Apply(stats::testing::Change(
          i + 1, event::v1::CHANGE_TYPE_CREATED,
          stats::testing::RandomEvent(gen, "evt_" + std::to_string(i), actors)));
    }
    f->model.MarkCaughtUp();
    f->events = std::make_unique<stats::EventStats>(&f->model, nullptr, nullptr, kNoWait);
    auto store = stats::SqliteObservationStore::Open(ScratchDir("stats") + "/observations.db");
    if (!store.ok()) Fail("cannot open the observation store: " + store.status().ToString());
    f->store = std::move(*store);
    f->observations = std::make_unique<stats::ObservationManager>(f->store.get(), f->events.get());
    return f;
  }();
  return *fixture;
}

void CheckAggregate(const sv1::AggregateEventsRequest& request,
                    const absl::StatusOr<sv1::AggregateEventsResponse>& result) {
  CheckStatus(result.status(), "AggregateEvents");
  if (!result.ok()) return;
  int64_t counted = 0;
  for (const auto& row : result->rows()) {
    Check(row.event_count() >= 0 && row.fatalities() >= 0,
          "AggregateEvents: counts are never negative: " + row.ShortDebugString());
    Check(row.keys_size() == request.group_by_size(),
          "AggregateEvents: a row has one key per dimension: " + row.ShortDebugString());
    counted += row.event_count();
  }
  // An event in several groups (an actor dimension, a span of days) counts in each, so only
  // without grouping does the sum of the rows equal the total.
  if (request.group_by_size() == 0) {
    Check(counted == result->total_events(), "AggregateEvents: one row counts the total");
  }
  if (request.limit() > 0 && !request.fill_gaps()) {
    Check(result->rows_size() <= request.limit(), "AggregateEvents: at most limit rows");
  }
}

sv1::RecordObservationRequest RecordTemplate() {
  sv1::RecordObservationRequest record;
  auto* o = record.mutable_observation();
  o->set_metric(sv1::METRIC_KILLED);
  o->mutable_value()->set_best(12);
  o->set_unit(sv1::UNIT_PERSONS);
  o->mutable_period()->set_start_date("2024-01-01");
  o->mutable_period()->set_end_date("2024-01-31");
  o->set_period_kind(sv1::PERIOD_KIND_INTERVAL);
  o->set_country_code("HTI");
  o->mutable_source()->set_name("OCHA");
  return record;
}

class Session {
 public:
  explicit Session(Fixture& f) : f_(f) {}

  void Call(uint8_t selector, const std::string& bytes) {
    auto& obs = *f_.observations;
    selector_ = selector;
    switch (static_cast<Method>(MethodOf(selector, kMethodCount))) {
      case kAggregate: {
        sv1::AggregateEventsRequest request, templ;
        templ.add_group_by(sv1::DIMENSION_MONTH);
        templ.mutable_filter()->add_country_codes("HTI");
        if (!Parse(&request, bytes, templ)) return;
        CheckAggregate(request, f_.events->Aggregate(request));
        if (own_events_ != nullptr) CheckAggregate(request, own_events_->Aggregate(request));
        break;
      }
      case kTrends: {
        sv1::GetTrendsRequest request, templ;
        templ.set_end_date("2024-12-31");
        templ.set_window_days(30);
        templ.set_dimension(sv1::DIMENSION_COUNTRY);
        if (!Parse(&request, bytes, templ)) return;
        CheckStatus(f_.events->Trends(request).status(), "GetTrends");
        if (own_events_ != nullptr) {
          CheckStatus(own_events_->Trends(request).status(), "GetTrends (own model)");
        }
        break;
      }
      case kRecord: {
        sv1::RecordObservationRequest request;
        if (!Parse(&request, bytes, RecordTemplate())) return;
        auto result = obs.Record(request, ChangeAuthor{});
        CheckStatus(result.status(), "RecordObservation");
        if (!result.ok()) break;
        refs_.Add(result->observation().id());
        sv1::GetObservationRequest get;
        get.set_id(result->observation().id());
        auto got = obs.Get(get);
        // A request_id's first result is replayed as API.md promises, even when that
        // observation was deleted since (observations are never updated).
        if (!request.request_id().empty() && absl::IsNotFound(got.status())) break;
        Check(got.ok(),
              "RecordObservation: the observation can be read: " + got.status().ToString());
        Check(MessageDifferencer::Equals(result->observation(), got->observation()),
              "RecordObservation: Get returns what it returned:\n" +
                  result->observation().DebugString() + "\nvs\n" +
                  got->observation().DebugString());
        break;
      }
      case kGet: {
        sv1::GetObservationRequest request;
        if (!Parse(&request, bytes)) return;
        CheckStatus(obs.Get(request).status(), "GetObservation");
        break;
      }
      case kList: {
        sv1::ListObservationsRequest request;
        if (!Parse(&request, bytes)) return;
        auto result = obs.List(request);
        CheckStatus(result.status(), "ListObservations");
        if (result.ok()) {
          CheckNextPage(
              request, *result, [&](const auto& next) { return obs.List(next); },
              [](const sv1::ListObservationsResponse& page) {
                std::vector<std::string> ids;
                for (const auto& o : page.observations()) ids.push_back(o.id());
                return ids;
              },
              "ListObservations");
        }
        break;
      }
      case kDelete: {
        sv1::DeleteObservationRequest request;
        if (!Parse(&request, bytes)) return;
        absl::Status status = obs.Delete(request, ChangeAuthor{}).status();
        CheckStatus(status, "DeleteObservation");
        if (status.ok()) {
          sv1::GetObservationRequest get;
          get.set_id(request.id());
          Check(absl::IsNotFound(obs.Get(get).status()), "DeleteObservation: it is gone");
        }
        break;
      }
      case kSummarize: {
        sv1::SummarizeMetricRequest request, templ;
        templ.set_metric(sv1::METRIC_KILLED);
        templ.set_country_code("HTI");
        templ.mutable_period()->set_start_date("2024-01-01");
        templ.mutable_period()->set_end_date("2024-12-31");
        if (!Parse(&request, bytes, templ)) return;
        CheckStatus(obs.Summarize(request).status(), "SummarizeMetric");
        break;
      }
      case kApplyChange: {
        event::v1::WatchEventsResponse change;
        if (!change.ParseFromString(bytes)) return;
        if (own_model_ == nullptr) {
          own_model_ = std::make_unique<stats::ReadModel>();
          own_model_->MarkCaughtUp();
          own_events_ =
              std::make_unique<stats::EventStats>(own_model_.get(), nullptr, nullptr, kNoWait);
        }
        // In order, as the feed delivers them; the type and the event are the input's.
        change.set_sequence(++own_sequence_);
        own_model_->Apply(change);
        break;
      }
      case kMethodCount:
        break;
    }
  }

 private:
  template <typename Request>
  bool Parse(Request* request, const std::string& bytes, const Request& templ = Request()) {
    if (!ParseRequest(selector_, bytes, templ, request)) return false;
    refs_.Resolve(request);
    return true;
  }

  Fixture& f_;
  References refs_;
  uint8_t selector_ = 0;
  std::unique_ptr<stats::ReadModel> own_model_;
  std::unique_ptr<stats::EventStats> own_events_;
  int64_t own_sequence_ = 0;
};

}  // namespace

std::vector<std::string> SeedInputs() {
  std::vector<std::string> seeds;
  sv1::AggregateEventsRequest aggregate;
  aggregate.mutable_filter()->add_country_codes("HTI");
  aggregate.mutable_filter()->mutable_date_range()->set_start_date("2020-01-01");
  aggregate.add_group_by(sv1::DIMENSION_MONTH);
  aggregate.add_group_by(sv1::DIMENSION_ACTOR);
  aggregate.set_order_by("event_count desc");
  aggregate.set_limit(5);
  sv1::AggregateEventsRequest gaps;
  gaps.add_group_by(sv1::DIMENSION_WEEK);
  gaps.set_fill_gaps(true);
  gaps.mutable_filter()->mutable_date_range()->set_start_date("2024-01-01");
  gaps.mutable_filter()->mutable_date_range()->set_end_date("2024-03-31");
  sv1::GetTrendsRequest trends;
  trends.set_end_date("2024-12-31");
  trends.set_window_days(30);
  trends.set_dimension(sv1::DIMENSION_COUNTRY);
  trends.set_limit(3);
  sv1::RecordObservationRequest record;
  auto* o = record.mutable_observation();
  o->set_metric(sv1::METRIC_KILLED);
  o->mutable_value()->set_best(12);
  o->set_unit(sv1::UNIT_PERSONS);
  o->mutable_period()->set_start_date("2024-01-01");
  o->mutable_period()->set_end_date("2024-01-31");
  o->set_period_kind(sv1::PERIOD_KIND_INTERVAL);
  o->set_country_code("HTI");
  o->mutable_source()->set_name("OCHA");
  record.set_request_id("req-seed-observation");
  sv1::GetObservationRequest get;
  get.set_id(std::string("@\0", 2));
  sv1::ListObservationsRequest list;
  list.set_metric(sv1::METRIC_KILLED);
  list.set_country_code("HTI");
  list.set_page_size(1);
  sv1::SummarizeMetricRequest summarize;
  summarize.set_metric(sv1::METRIC_KILLED);
  summarize.set_country_code("HTI");
  summarize.mutable_period()->set_start_date("2024-01-01");
  summarize.mutable_period()->set_end_date("2024-12-31");
  sv1::DeleteObservationRequest del;
  del.set_id(std::string("@\0", 2));
  event::v1::WatchEventsResponse change;
  change.set_type(event::v1::CHANGE_TYPE_CREATED);
  std::seed_seq seed{7};
  absl::BitGen gen(seed);
  *change.mutable_event() = stats::testing::RandomEvent(gen, "evt_own", {"act_1"});

  seeds.push_back(Frame(kAggregate, aggregate) + Frame(kAggregate, gaps) + Frame(kTrends, trends));
  seeds.push_back(Frame(kRecord, record) + Frame(kGet, get) + Frame(kList, list) +
                  Frame(kSummarize, summarize) + Frame(kDelete, del));
  seeds.push_back(Frame(kApplyChange, change) + Frame(kAggregate, aggregate) +
                  Frame(kTrends, trends));

  // Over templates: one field changed each.
  sv1::RecordObservationRequest displaced;
  displaced.mutable_observation()->set_metric(sv1::METRIC_IDPS);
  displaced.mutable_observation()->set_period_kind(sv1::PERIOD_KIND_POINT_IN_TIME);
  displaced.mutable_observation()->mutable_period()->set_end_date("2024-01-01");
  displaced.mutable_observation()->set_admin1("Ouest");
  sv1::AggregateEventsRequest by_actor;
  by_actor.add_group_by(sv1::DIMENSION_ACTOR);
  by_actor.set_fill_gaps(true);
  sv1::GetTrendsRequest weekly;
  weekly.set_window_days(7);
  sv1::SummarizeMetricRequest combined;
  combined.set_metric(sv1::METRIC_CASUALTIES_COMBINED);
  seeds.push_back(
      Frame(kRecord | kOverTemplate, displaced) + Frame(kAggregate | kOverTemplate, by_actor) +
      Frame(kTrends | kOverTemplate, weekly) + Frame(kSummarize | kOverTemplate, combined));
  return seeds;
}

}  // namespace lookout::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lookout::fuzz;
  Session session(Shared());
  RunCalls(data, size, session);
  return 0;
}
