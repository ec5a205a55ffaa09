#include "bench/gateway/bench_data.h"

#include <cmath>
#include <memory>
#include <random>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/stats/synthetic_events.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace lookout::bench {
namespace {

std::unique_ptr<grpc::ClientContext> Context(const Metadata& metadata, absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  for (const auto& [key, value] : metadata) context->AddMetadata(key, value);
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  return context;
}

absl::Status Failed(absl::string_view what, const grpc::Status& status) {
  return absl::UnavailableError(absl::StrCat(what, ": ", status.error_message()));
}

struct Kind {
  event::v1::EventType type;
  const char* sub_type;
};
constexpr Kind kKinds[] = {
    {event::v1::EVENT_TYPE_BATTLES, "Armed clash"},
    {event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS, "Attack"},
    {event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS, "Abduction/forced disappearance"},
    {event::v1::EVENT_TYPE_PROTESTS, "Peaceful protest"},
    {event::v1::EVENT_TYPE_RIOTS, "Violent demonstration"},
    {event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE, "Shelling/artillery/missile attack"},
    {event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, "Arrests"},
};
constexpr const char* kOtherCountries[] = {"KEN", "USA", "COD", "SDN", "MLI", "NGA", "MEX", "COL"};
constexpr const char* kAdmin1[] = {"Ouest", "Artibonite", "Centre", "Nord", "Sud"};

// One synthetic event, drawn from `rng`.
event::v1::Event Synthetic(std::mt19937_64& rng, const std::vector<std::string>& actors) {
  std::uniform_real_distribution<double> unit(0, 1);
  event::v1::Event event;
  absl::CivilDay day = absl::CivilDay(2019, 1, 1) + static_cast<int>(unit(rng) * 6 * 365);
  event.set_event_date(absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day()));
  const Kind& kind = kKinds[rng() % (sizeof(kKinds) / sizeof(kKinds[0]))];
  event.set_event_type(kind.type);
  event.set_sub_event_type(kind.sub_type);
  bool haiti = unit(rng) < 0.5;
  event.mutable_location()->set_country_code(
      haiti ? "HTI" : kOtherCountries[rng() % (sizeof(kOtherCountries) / sizeof(char*))]);
  if (haiti) event.mutable_location()->set_admin1(kAdmin1[rng() % 5]);
  // A few actors take part in most events: the index is skewed toward 0.
  int participants = 1 + static_cast<int>(rng() % 2);
  for (int i = 0; i < participants && !actors.empty(); ++i) {
    size_t index = static_cast<size_t>(std::pow(unit(rng), 3) * actors.size());
    auto* participant = event.add_participants();
    participant->set_actor_id(actors[std::min(index, actors.size() - 1)]);
    participant->set_role(i == 0 ? event::v1::PARTICIPANT_ROLE_PRIMARY
                                 : event::v1::PARTICIPANT_ROLE_TARGET);
  }
  // Most events kill nobody; a few kill many.
  double draw = unit(rng);
  if (draw > 0.6) {
    auto* casualty = event.add_casualties();
    casualty->set_kind(event::v1::CASUALTY_KIND_KILLED);
    casualty->mutable_count()->set_best(static_cast<int64_t>(std::exp((draw - 0.6) * 12)));
  }
  event.set_notes(absl::StrCat("synthetic event ", rng() % 100000));
  return event;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> CreateActors(actor::v1::ActorService::Stub* actors,
                                                      const Metadata& metadata, int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    actor::v1::CreateActorRequest request;
    request.mutable_actor()->set_name(absl::StrCat("Bench armed group ", i));
    request.mutable_actor()->set_type(actor::v1::ACTOR_TYPE_POLITICAL_MILITIA);
    request.mutable_actor()->set_country_code("HTI");
    request.set_request_id(absl::StrCat("bench-actor-", i));
    actor::v1::CreateActorResponse response;
    auto context = Context(metadata, absl::Seconds(10));
    grpc::Status status = actors->CreateActor(context.get(), request, &response);
    if (!status.ok()) return Failed("CreateActor", status);
    ids.push_back(response.actor().id());
  }
  return ids;
}

absl::StatusOr<std::vector<std::string>> CreateEvents(event::v1::EventService::Stub* events,
                                                      const Metadata& metadata,
                                                      const std::vector<std::string>& actors,
                                                      int count) {
  std::mt19937_64 rng(7);
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    event::v1::CreateEventRequest request;
    *request.mutable_event() = Synthetic(rng, actors);
    request.mutable_event()->mutable_location()->set_country_code("HTI");
    request.mutable_event()->set_event_date(
        absl::StrFormat("2024-%02d-%02d", 1 + i % 12, 1 + i % 28));
    event::v1::CreateEventResponse response;
    auto context = Context(metadata, absl::Seconds(10));
    grpc::Status status = events->CreateEvent(context.get(), request, &response);
    if (!status.ok()) return Failed("CreateEvent", status);
    ids.push_back(response.event().id());
  }
  return ids;
}

absl::StatusOr<std::vector<std::string>> ResolveBenchActors(actor::v1::ActorService::Stub* actors,
                                                            const Metadata& metadata, int count) {
  std::vector<std::string> ids;
  for (int first = 0; first < count; first += 1000) {
    actor::v1::ResolveActorsRequest request;
    for (int i = first; i < std::min(count, first + 1000); ++i) {
      request.add_names(absl::StrCat("Bench actor ", i));
    }
    request.set_create_missing(true);
    request.set_default_type(actor::v1::ACTOR_TYPE_POLITICAL_MILITIA);
    request.set_default_country_code("HTI");
    actor::v1::ResolveActorsResponse response;
    auto context = Context(metadata, absl::Seconds(60));
    grpc::Status status = actors->ResolveActors(context.get(), request, &response);
    if (!status.ok()) return Failed("ResolveActors", status);
    for (const auto& resolution : response.resolutions()) {
      if (resolution.actor_id().empty()) {
        return absl::InternalError(absl::StrCat("ResolveActors left ", resolution.name(),
                                                " unresolved"));
      }
      ids.push_back(resolution.actor_id());
    }
  }
  return ids;
}

absl::StatusOr<double> ImportSkewed(event::v1::EventService::Stub* events, const Metadata& metadata,
                                    const std::vector<std::string>& actors, uint64_t seed,
                                    int64_t count, int per_stream, int streams) {
  absl::Mutex mu;
  stats::bench::SyntheticEvents generator(seed, actors);
  int64_t drawn = 0;  // guarded by mu, like the generator
  absl::Status failure;
  auto stream_loop = [&] {
    while (true) {
      std::vector<event::v1::ImportEventsRequest> rows;
      {
        absl::MutexLock lock(&mu);
        if (drawn >= count || !failure.ok()) return;
        const int64_t n = std::min<int64_t>(per_stream, count - drawn);
        rows.resize(n);
        for (auto& row : rows) {
          event::v1::Event event = generator.Next();
          // Output-only fields: the service issues ids and derives fatalities.
          event.clear_id();
          event.clear_fatalities();
          *row.mutable_event() = std::move(event);
        }
        drawn += n;
      }
      auto context = Context(metadata, absl::Minutes(30));
      event::v1::ImportEventsResponse response;
      auto writer = events->ImportEvents(context.get(), &response);
      for (const auto& row : rows) {
        if (!writer->Write(row)) break;
      }
      writer->WritesDone();
      grpc::Status status = writer->Finish();
      absl::MutexLock lock(&mu);
      if (!status.ok()) {
        failure = Failed("ImportEvents", status);
      } else if (response.rejected() > 0) {
        failure = absl::InternalError(absl::StrCat("ImportEvents rejected ", response.rejected(),
                                                   " rows: ", response.errors(0).message()));
      }
    }
  };
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int i = 0; i < std::max(1, streams); ++i) threads.emplace_back(stream_loop);
  for (std::thread& thread : threads) thread.join();
  if (!failure.ok()) return failure;
  return absl::ToDoubleSeconds(absl::Now() - start);
}

absl::Status ImportSynthetic(event::v1::EventService::Stub* events, const Metadata& metadata,
                             const std::vector<std::string>& actors, int64_t count,
                             int per_stream) {
  std::mt19937_64 rng(11);
  for (int64_t done = 0; done < count;) {
    auto context = Context(metadata, absl::Minutes(30));
    event::v1::ImportEventsResponse response;
    auto writer = events->ImportEvents(context.get(), &response);
    int64_t stream_end = std::min<int64_t>(count, done + per_stream);
    for (; done < stream_end; ++done) {
      event::v1::ImportEventsRequest row;
      *row.mutable_event() = Synthetic(rng, actors);
      if (!writer->Write(row)) break;
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (!status.ok()) return Failed("ImportEvents", status);
    if (response.rejected() > 0) {
      return absl::InternalError(absl::StrCat("ImportEvents rejected ", response.rejected(),
                                              " rows: ", response.errors(0).message()));
    }
  }
  return absl::OkStatus();
}

absl::Status RecordFigures(stats::v1::StatsService::Stub* stats, const Metadata& metadata) {
  struct Figure {
    stats::v1::Metric metric;
    int64_t value;
    const char* start;
    const char* end;
    const char* source;
  };
  const Figure figures[] = {
      {stats::v1::METRIC_KILLED, 800, "2024-01-01", "2024-01-31", "Bench source A"},
      {stats::v1::METRIC_KILLED, 950, "2024-01-01", "2024-01-31", "Bench source B"},
      {stats::v1::METRIC_IDPS, 300000, "2024-03-01", "2024-03-31", "Bench source A"},
  };
  int n = 0;
  for (const Figure& figure : figures) {
    stats::v1::RecordObservationRequest request;
    stats::v1::Observation* observation = request.mutable_observation();
    observation->set_metric(figure.metric);
    observation->mutable_value()->set_best(figure.value);
    observation->set_unit(stats::v1::UNIT_PERSONS);
    observation->mutable_period()->set_start_date(figure.start);
    observation->mutable_period()->set_end_date(figure.end);
    observation->set_period_kind(stats::v1::PERIOD_KIND_INTERVAL);
    observation->set_country_code("HTI");
    observation->mutable_source()->set_name(figure.source);
    request.set_request_id(absl::StrCat("bench-figure-", n++));
    stats::v1::RecordObservationResponse response;
    auto context = Context(metadata, absl::Seconds(10));
    grpc::Status status = stats->RecordObservation(context.get(), request, &response);
    if (!status.ok()) return Failed("RecordObservation", status);
  }
  return absl::OkStatus();
}

}  // namespace lookout::bench
