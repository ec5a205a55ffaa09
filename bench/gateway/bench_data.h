// The data the gateway benchmark runs against: actors, events created one by one (their ids
// feed GetEvent), a large synthetic import with realistic skew (Haiti dominates, a few actors
// take part in most events, fatalities heavy-tailed, six years of dates), and a few reported
// figures so situation reports carry their figures section.
#ifndef LOOKOUT_BENCH_GATEWAY_BENCH_DATA_H_
#define LOOKOUT_BENCH_GATEWAY_BENCH_DATA_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "lookout/stats/v1/stats_service.grpc.pb.h"

namespace lookout::bench {

using Metadata = std::vector<std::pair<std::string, std::string>>;

absl::StatusOr<std::vector<std::string>> CreateActors(actor::v1::ActorService::Stub* actors,
                                                      const Metadata& metadata, int count);

// `count` events in Haiti in 2024, created one at a time; returns their ids.
absl::StatusOr<std::vector<std::string>> CreateEvents(event::v1::EventService::Stub* events,
                                                      const Metadata& metadata,
                                                      const std::vector<std::string>& actors,
                                                      int count);

// `count` actors named "Bench actor <i>" (country HTI), created through ResolveActors with
// create_missing in calls of 1,000 names (the scale benchmark's 20,000 take seconds, not the
// minutes one CreateActor each would); returns their ids in name order. Names that already exist
// resolve to their actors, so a second run over the same store reuses them.
absl::StatusOr<std::vector<std::string>> ResolveBenchActors(actor::v1::ActorService::Stub* actors,
                                                            const Metadata& metadata, int count);

// `count` events of the stats benchmark's generator (bench/stats/synthetic_events.h: 30
// countries with Zipf skew, six years, each country's own dominant actors), its participants
// drawn from `actors`, through ImportEvents in streams of `per_stream` rows, `streams` streams
// open at once (two let one stream's commit overlap the next rows, as `lookout import` does).
// The same seed and actors give the same events. Returns the seconds it took.
absl::StatusOr<double> ImportSkewed(event::v1::EventService::Stub* events, const Metadata& metadata,
                                    const std::vector<std::string>& actors, uint64_t seed,
                                    int64_t count, int per_stream, int streams);

// `count` synthetic events through ImportEvents, in streams of `per_stream`.
absl::Status ImportSynthetic(event::v1::EventService::Stub* events, const Metadata& metadata,
                             const std::vector<std::string>& actors, int64_t count, int per_stream);

// A handful of reported figures for Haiti (killed, displaced, pledged personnel).
absl::Status RecordFigures(stats::v1::StatsService::Stub* stats, const Metadata& metadata);

}  // namespace lookout::bench

#endif  // LOOKOUT_BENCH_GATEWAY_BENCH_DATA_H_
