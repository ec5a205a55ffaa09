// lookout-gateway-load: the gateway benchmark's client, the same code for every target (the
// event service directly, the bare proxy, the gateway), so the figures compare like for like.
//
// Modes:
//   health      wait until --target answers health SERVING
//   seed        create --actors actors and --count events (ids to --ids_out, --actors_out)
//   import      import --count synthetic events naming the actors of --actors_file
//               (--skewed: the stats benchmark's generator, --streams streams at once; prints
//               "IMPORT rows=... seconds=... rate=...")
//   actors      create --actors actors through ResolveActors (ids to --actors_file)
//   figures     record a few reported figures for Haiti
//   wait_stats  wait until the stats service's read model holds --count events
//   get_event   closed-loop GetEvent over the ids of --ids_file
//   probe_report  time each of a report's backend calls once (where does the time go)
//   report      closed-loop GetSituationReport for --country and --start/--end
// Load modes print "RESULT label=... throughput=... p50_ms=... p99_ms=..." and exit 1 on errors.
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bench/gateway/bench_data.h"
#include "bench/gateway/closed_loop.h"
#include "common/call_context.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "lookout/gateway/v1/gateway_service.pb.h"

ABSL_FLAG(std::string, mode, "get_event",
          "seed | import | figures | wait_stats | get_event | report");
ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Server for the load (and for seed/import).");
ABSL_FLAG(std::string, actor_target, "", "seed: actor service (default --target).");
ABSL_FLAG(std::string, stats_target, "", "probe_report: the stats service.");
ABSL_FLAG(std::string, metadata, "", "key=value[,key=value...] sent with every call.");
ABSL_FLAG(std::string, token_file, "", "Adds the internal token read from this file.");
ABSL_FLAG(int, concurrency, 1, "Calls kept outstanding.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Measured time.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Load before measuring.");
ABSL_FLAG(std::string, label, "", "Names the configuration in the RESULT line.");
ABSL_FLAG(int64_t, count, 1000, "seed/import: events; wait_stats: events expected.");
ABSL_FLAG(int, actors, 200, "seed: actors to create.");
ABSL_FLAG(int, per_stream, 10000, "import: rows per ImportEvents stream.");
ABSL_FLAG(bool, skewed, false,
          "import: the stats benchmark's generator (30 countries, Zipf) instead of half Haiti");
ABSL_FLAG(int, streams, 1, "import --skewed: ImportEvents streams open at once");
ABSL_FLAG(uint64_t, seed, 20240301, "import --skewed: generator seed");
ABSL_FLAG(std::string, ids_file, "", "get_event: ids to read; seed: where to write them.");
ABSL_FLAG(std::string, actors_file, "", "import: actor ids; seed: where to write them.");
ABSL_FLAG(std::string, country, "HTI", "report: country.");
ABSL_FLAG(std::string, start, "2024-01-01", "report: first day.");
ABSL_FLAG(std::string, end, "2024-12-31", "report: last day.");
ABSL_FLAG(absl::Duration, timeout, absl::Minutes(10), "wait_stats: give up after this long.");

namespace lookout::bench {
namespace {

Metadata ParseMetadata() {
  Metadata metadata;
  for (absl::string_view item :
       absl::StrSplit(absl::GetFlag(FLAGS_metadata), ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    metadata.push_back(kv);
  }
  if (!absl::GetFlag(FLAGS_token_file).empty()) {
    std::ifstream in(absl::GetFlag(FLAGS_token_file));
    std::string token;
    std::getline(in, token);
    metadata.emplace_back(kInternalTokenHeader, std::string(absl::StripAsciiWhitespace(token)));
  }
  return metadata;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

void WriteLines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path);
  for (const std::string& line : lines) out << line << "\n";
}

grpc::ByteBuffer Bytes(const google::protobuf::Message& message) {
  std::string data = message.SerializeAsString();
  grpc::Slice slice(data);
  return grpc::ByteBuffer(&slice, 1);
}

int Fail(const absl::Status& status) {
  std::cerr << "gateway-load: " << status << "\n";
  return 1;
}

int Load(LoadSpec spec) {
  auto channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  spec.metadata = ParseMetadata();
  spec.concurrency = absl::GetFlag(FLAGS_concurrency);
  spec.duration = absl::GetFlag(FLAGS_duration);
  spec.warmup = absl::GetFlag(FLAGS_warmup);
  LoadResult result = RunClosedLoop(&stub, spec);
  std::cout << absl::StrFormat(
                   "RESULT label=%s method=%s concurrency=%d calls=%d errors=%d seconds=%.3f "
                   "throughput=%.1f p50_ms=%.3f p99_ms=%.3f",
                   absl::GetFlag(FLAGS_label), spec.method.substr(spec.method.rfind('/') + 1),
                   spec.concurrency, result.calls, result.errors, result.seconds, result.throughput,
                   result.p50_ms, result.p99_ms)
            << std::endl;
  if (result.errors > 0) {
    std::cerr << "gateway-load: " << result.errors << " calls failed, first: " << result.first_error
              << "\n";
    return 1;
  }
  return 0;
}

int Main() {
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const std::string target = absl::GetFlag(FLAGS_target);
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  Metadata metadata = ParseMetadata();

  if (mode == "health") {
    // Retry the connection every 50 ms, not with gRPC's default back-off (1 s, then growing):
    // the scale benchmark times restarts to SERVING with this mode. Not
    // GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC core takes it as the least time it gives one
    // connection attempt (20 s by default), and 50 ms cut attempts short on the loaded VM.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 50);
    auto health = grpc::health::v1::Health::NewStub(
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
    absl::Time end = absl::Now() + absl::GetFlag(FLAGS_timeout);
    while (absl::Now() < end) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
      // Wait for the connection inside the call: a call that fails fast while the channel is
      // connecting leaves no thread polling the socket, and gRPC then notices the finished
      // connect only at its backup poll, every 5 s. That made every stats restart from a
      // snapshot measure 5.1 s (at 1 and 6 million events alike) while the service itself was
      // SERVING 0.5 s after it started.
      context.set_wait_for_ready(true);
      grpc::health::v1::HealthCheckRequest request;
      grpc::health::v1::HealthCheckResponse response;
      if (health->Check(&context, request, &response).ok() &&
          response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
        return 0;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return Fail(absl::DeadlineExceededError(absl::StrCat(target, " is not serving")));
  }
  if (mode == "seed") {
    std::string actor_target = absl::GetFlag(FLAGS_actor_target);
    auto actor_stub = actor::v1::ActorService::NewStub(grpc::CreateChannel(
        actor_target.empty() ? target : actor_target, grpc::InsecureChannelCredentials()));
    auto actors = CreateActors(actor_stub.get(), metadata, absl::GetFlag(FLAGS_actors));
    if (!actors.ok()) return Fail(actors.status());
    auto events = CreateEvents(event::v1::EventService::NewStub(channel).get(), metadata, *actors,
                               static_cast<int>(absl::GetFlag(FLAGS_count)));
    if (!events.ok()) return Fail(events.status());
    WriteLines(absl::GetFlag(FLAGS_actors_file), *actors);
    WriteLines(absl::GetFlag(FLAGS_ids_file), *events);
    return 0;
  }
  if (mode == "actors") {
    auto actor_stub = actor::v1::ActorService::NewStub(channel);
    auto actors = ResolveBenchActors(actor_stub.get(), metadata, absl::GetFlag(FLAGS_actors));
    if (!actors.ok()) return Fail(actors.status());
    WriteLines(absl::GetFlag(FLAGS_actors_file), *actors);
    return 0;
  }
  if (mode == "import" && absl::GetFlag(FLAGS_skewed)) {
    const int64_t count = absl::GetFlag(FLAGS_count);
    absl::StatusOr<double> seconds = ImportSkewed(
        event::v1::EventService::NewStub(channel).get(), metadata,
        ReadLines(absl::GetFlag(FLAGS_actors_file)), absl::GetFlag(FLAGS_seed), count,
        absl::GetFlag(FLAGS_per_stream), absl::GetFlag(FLAGS_streams));
    if (!seconds.ok()) return Fail(seconds.status());
    std::cout << absl::StrFormat("IMPORT rows=%d seconds=%.1f rate=%.0f\n", count, *seconds,
                                 static_cast<double>(count) / *seconds);
    return 0;
  }
  if (mode == "import") {
    absl::Status imported =
        ImportSynthetic(event::v1::EventService::NewStub(channel).get(), metadata,
                        ReadLines(absl::GetFlag(FLAGS_actors_file)), absl::GetFlag(FLAGS_count),
                        absl::GetFlag(FLAGS_per_stream));
    return imported.ok() ? 0 : Fail(imported);
  }
  if (mode == "figures") {
    absl::Status recorded =
        RecordFigures(stats::v1::StatsService::NewStub(channel).get(), metadata);
    return recorded.ok() ? 0 : Fail(recorded);
  }
  if (mode == "wait_stats") {
    auto stats = stats::v1::StatsService::NewStub(channel);
    absl::Time end = absl::Now() + absl::GetFlag(FLAGS_timeout);
    int64_t total = -1;
    while (absl::Now() < end) {
      grpc::ClientContext context;
      for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
      stats::v1::AggregateEventsRequest request;
      stats::v1::AggregateEventsResponse response;
      if (stats->AggregateEvents(&context, request, &response).ok()) {
        total = response.total_events();
        if (total >= absl::GetFlag(FLAGS_count)) return 0;
      }
      absl::SleepFor(absl::Milliseconds(500));
    }
    return Fail(absl::DeadlineExceededError(absl::StrCat("stats holds ", total, " events")));
  }
  if (mode == "probe_report") {
    // Times each question a situation report asks, straight at the backends (--target: event,
    // --actor_target: actor, --stats_target: stats), to see where a report's time goes.
    auto stats = stats::v1::StatsService::NewStub(
        grpc::CreateChannel(absl::GetFlag(FLAGS_stats_target), grpc::InsecureChannelCredentials()));
    auto events = event::v1::EventService::NewStub(channel);
    event::v1::EventFilter filter;
    filter.add_country_codes(absl::GetFlag(FLAGS_country));
    filter.mutable_date_range()->set_start_date(absl::GetFlag(FLAGS_start));
    filter.mutable_date_range()->set_end_date(absl::GetFlag(FLAGS_end));
    auto timed = [&](const std::string& what, auto call) {
      grpc::ClientContext context;
      for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
      absl::Time start = absl::Now();
      grpc::Status status = call(&context);
      std::cout << absl::StrFormat("PROBE %-28s %8.2f ms %s\n", what,
                                   absl::ToDoubleMilliseconds(absl::Now() - start),
                                   status.ok() ? "" : status.error_message());
    };
    for (auto [name, dimension] :
         {std::pair{"aggregate by event type", stats::v1::DIMENSION_EVENT_TYPE},
          std::pair{"aggregate by month", stats::v1::DIMENSION_MONTH},
          std::pair{"aggregate by actor", stats::v1::DIMENSION_ACTOR}}) {
      stats::v1::AggregateEventsRequest request;
      *request.mutable_filter() = filter;
      request.add_group_by(dimension);
      if (dimension == stats::v1::DIMENSION_MONTH) request.set_fill_gaps(true);
      if (dimension == stats::v1::DIMENSION_ACTOR) request.set_limit(10);
      stats::v1::AggregateEventsResponse response;
      timed(name,
            [&](grpc::ClientContext* c) { return stats->AggregateEvents(c, request, &response); });
    }
    {
      event::v1::ListEventsRequest request;
      *request.mutable_filter() = filter;
      request.set_page_size(10);
      event::v1::ListEventsResponse response;
      timed("list recent events",
            [&](grpc::ClientContext* c) { return events->ListEvents(c, request, &response); });
    }
    {
      stats::v1::ListObservationsRequest request;
      request.set_country_code(absl::GetFlag(FLAGS_country));
      *request.mutable_period() = filter.date_range();
      request.set_page_size(1000);
      stats::v1::ListObservationsResponse response;
      timed("list observations",
            [&](grpc::ClientContext* c) { return stats->ListObservations(c, request, &response); });
    }
    for (auto metric : {stats::v1::METRIC_KILLED, stats::v1::METRIC_IDPS}) {
      stats::v1::SummarizeMetricRequest request;
      request.set_metric(metric);
      request.set_country_code(absl::GetFlag(FLAGS_country));
      *request.mutable_period() = filter.date_range();
      stats::v1::SummarizeMetricResponse response;
      timed(absl::StrCat("summarize ", stats::v1::Metric_Name(metric)),
            [&](grpc::ClientContext* c) { return stats->SummarizeMetric(c, request, &response); });
    }
    return 0;
  }
  if (mode == "get_event") {
    LoadSpec spec;
    spec.method = "/lookout.event.v1.EventService/GetEvent";
    for (const std::string& id : ReadLines(absl::GetFlag(FLAGS_ids_file))) {
      event::v1::GetEventRequest request;
      request.set_id(id);
      spec.requests.push_back(Bytes(request));
    }
    if (spec.requests.empty()) return Fail(absl::InvalidArgumentError("no ids in --ids_file"));
    return Load(std::move(spec));
  }
  if (mode == "report") {
    LoadSpec spec;
    spec.method = "/lookout.gateway.v1.GatewayService/GetSituationReport";
    gateway::v1::GetSituationReportRequest request;
    request.set_country_code(absl::GetFlag(FLAGS_country));
    request.mutable_period()->set_start_date(absl::GetFlag(FLAGS_start));
    request.mutable_period()->set_end_date(absl::GetFlag(FLAGS_end));
    spec.requests.push_back(Bytes(request));
    return Load(std::move(spec));
  }
  return Fail(absl::InvalidArgumentError(absl::StrCat("unknown --mode ", mode)));
}

}  // namespace
}  // namespace lookout::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return lookout::bench::Main();
}
