// Deterministic synthetic events with realistic skew, for the stats benchmark: a few countries
// dominate (Zipf), each country has its own dominant actors (out of 2,000 by default; the scale
// benchmark uses 20,000), fatalities are
// heavy-tailed (most events none, a few hundreds), dates cover six years with some multi-day
// events. The same seed gives the same events, so two passes can load identical rows into
// different stores.
#ifndef LOOKOUT_BENCH_STATS_SYNTHETIC_EVENTS_H_
#define LOOKOUT_BENCH_STATS_SYNTHETIC_EVENTS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lookout/event/v1/event.pb.h"

namespace lookout::stats::bench {

inline constexpr int kActorCount = 2000;
inline constexpr char kFirstDay[] = "2019-01-01";
inline constexpr char kLastDay[] = "2024-12-31";

class SyntheticEvents {
 public:
  explicit SyntheticEvents(uint64_t seed) : SyntheticEvents(seed, SyntheticActorIds(kActorCount)) {}
  // Participants are drawn from `actor_ids` (e.g. actors created in a real actor service, so an
  // import passes the event service's actor check). With kActorCount ids the events are the
  // ones the one-argument constructor gives.
  SyntheticEvents(uint64_t seed, std::vector<std::string> actor_ids);

  // "act_000000000000", "act_000000000001", ...
  static std::vector<std::string> SyntheticActorIds(int count);

  // The next event, with an id ("evt_" + 16 hex digits) and fatalities filled in as the event
  // service stores them.
  lookout::event::v1::Event Next();

  // Gives `share` (0 to 1) of the events typed source attributes: a third each ACLED
  // (disorder type, interaction), UCDP (conflict and dyad ids) and GDELT (quad class, Goldstein,
  // tone, mentions, root flag). They are drawn from a generator of their own, so the events'
  // other fields are the same whatever the share. Default 0: no attributes.
  void set_source_share(double share) { source_share_ = share; }

  // The most frequent country (the benchmark's "one country").
  const std::string& top_country() const { return countries_[0]; }

 private:
  // Index drawn with probability proportional to 1 / (i + 1)^s.
  size_t Zipf(const std::vector<double>& cumulative);

  void AddSourceAttributes(lookout::event::v1::Event& event);

  std::mt19937_64 random_;
  std::mt19937_64 source_random_;
  double source_share_ = 0;
  std::vector<std::string> countries_;
  std::vector<double> country_weights_;
  std::vector<double> admin1_weights_;
  std::vector<double> actor_weights_;
  std::vector<double> type_weights_;
  std::vector<std::string> actors_;
  // Each country draws its actors from a window of the list (Zipf within it), windows spaced
  // `actor_stride_` apart and wrapping around; both scale with the number of actors.
  size_t actor_stride_;
  int32_t first_day_;
  int32_t day_count_;
};

}  // namespace lookout::stats::bench

#endif  // LOOKOUT_BENCH_STATS_SYNTHETIC_EVENTS_H_
