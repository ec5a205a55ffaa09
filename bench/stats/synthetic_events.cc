#include "bench/stats/synthetic_events.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/validation.h"
#include "event_filter/event_taxonomy.h"

namespace lookout::stats::bench {
namespace {

using ::lookout::event::v1::Event;

std::vector<double> ZipfCumulative(int n, double exponent) {
  std::vector<double> cumulative(n);
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    sum += 1.0 / std::pow(i + 1, exponent);
    cumulative[i] = sum;
  }
  for (double& c : cumulative) c /= sum;
  return cumulative;
}

std::vector<double> Cumulative(std::vector<double> weights) {
  double sum = 0;
  for (double& w : weights) {
    sum += w;
    w = sum;
  }
  for (double& w : weights) w /= sum;
  return weights;
}

}  // namespace

std::vector<std::string> SyntheticEvents::SyntheticActorIds(int count) {
  std::vector<std::string> ids;
  ids.reserve(count);
  for (int i = 0; i < count; ++i) ids.push_back(absl::StrFormat("act_%012d", i));
  return ids;
}

SyntheticEvents::SyntheticEvents(uint64_t seed, std::vector<std::string> actor_ids)
    : random_(seed), source_random_(seed ^ 0x5eed5eed5eed5eedULL), actors_(std::move(actor_ids)) {
  countries_ = {"HTI", "NGA", "MEX", "IND", "PAK", "COD", "SDN", "UKR", "MMR", "BRA",
                "COL", "SOM", "ETH", "AFG", "YEM", "SYR", "IRQ", "MLI", "BFA", "KEN",
                "PHL", "CMR", "NER", "LBY", "SSD", "CAF", "MOZ", "BGD", "VEN", "HND"};
  country_weights_ = ZipfCumulative(static_cast<int>(countries_.size()), 1.3);
  admin1_weights_ = ZipfCumulative(15, 1.1);
  // 300 actors per country and a stride of 67 with 2,000 actors (the stats benchmark's figures
  // since issue 3); ten times both with 20,000, so every actor takes part somewhere.
  const size_t actor_count = std::max<size_t>(actors_.size(), 1);
  actor_weights_ = ZipfCumulative(static_cast<int>(std::max<size_t>(1, 300 * actor_count / 2000)), 1.0);
  actor_stride_ = std::max<size_t>(1, 67 * actor_count / 2000);
  // Battles, explosions, violence against civilians, protests, riots, strategic developments,
  // then the seven political and legal types.
  type_weights_ = Cumulative({30, 10, 20, 25, 8, 5, 0.4, 0.3, 0.3, 0.3, 0.3, 0.2, 0.2});
  first_day_ = *validation::ParseDate(kFirstDay);
  day_count_ = *validation::ParseDate(kLastDay) - first_day_ + 1;
}

size_t SyntheticEvents::Zipf(const std::vector<double>& cumulative) {
  const double u = std::uniform_real_distribution<double>(0, 1)(random_);
  return std::min<size_t>(
      std::lower_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin(),
      cumulative.size() - 1);
}

Event SyntheticEvents::Next() {
  std::uniform_real_distribution<double> unit(0, 1);
  Event e;
  e.set_id(absl::StrFormat("evt_%016x", random_()));
  const int32_t day = first_day_ + static_cast<int32_t>(random_() % day_count_);
  e.set_event_date(validation::FormatDate(day));
  if (unit(random_) < 0.12) e.set_end_date(validation::FormatDate(day + 1 + random_() % 30));

  const size_t country = Zipf(country_weights_);
  const auto type = static_cast<event::v1::EventType>(1 + Zipf(type_weights_));
  e.set_event_type(type);
  const auto& subs = event_filter::SubEventTypes(type);
  e.set_sub_event_type(subs[random_() % subs.size()]);

  auto* location = e.mutable_location();
  location->set_country_code(countries_[country]);
  location->set_admin1(absl::StrFormat("%s region %d", countries_[country], Zipf(admin1_weights_)));
  if (unit(random_) < 0.9) {
    // Four decimals, as ACLED and GDELT publish them (about 11 m).
    location->set_latitude(std::round((-40 + 80 * unit(random_)) * 1e4) / 1e4);
    location->set_longitude(std::round((-170 + 340 * unit(random_)) * 1e4) / 1e4);
  }
  location->set_geo_precision(lookout::type::v1::GEO_PRECISION_NEAR);

  // Each country has its own most active actors: a Zipf draw among 300, shifted per country.
  const int participants =
      actors_.empty() ? 0 : 1 + (unit(random_) < 0.6) + (unit(random_) < 0.15);
  for (int i = 0; i < participants; ++i) {
    auto* p = e.add_participants();
    p->set_actor_id(actors_[(country * actor_stride_ + Zipf(actor_weights_)) % actors_.size()]);
    p->set_role(static_cast<event::v1::ParticipantRole>(1 + i));
  }

  // Most events kill no one; the rest follow a log-normal with a long tail.
  int64_t killed = 0;
  if (unit(random_) > 0.55) {
    killed = static_cast<int64_t>(std::lognormal_distribution<double>(0.8, 1.3)(random_));
  }
  auto* casualty = e.add_casualties();
  casualty->set_kind(event::v1::CASUALTY_KIND_KILLED);
  casualty->mutable_count()->set_best(killed);
  e.set_fatalities(killed);
  if (unit(random_) < 0.05) e.add_tags(absl::StrFormat("tag%d", random_() % 10));
  e.set_notes(absl::StrFormat("synthetic %s event", event::v1::EventType_Name(type)));
  AddSourceAttributes(e);
  return e;
}

void SyntheticEvents::AddSourceAttributes(Event& e) {
  if (source_share_ <= 0) return;
  std::uniform_real_distribution<double> unit(0, 1);
  if (unit(source_random_) >= source_share_) return;
  static const char* const kDisorderTypes[] = {"Political violence", "Demonstrations",
                                               "Strategic developments",
                                               "Political violence; Demonstrations"};
  // Interaction codes: two ACLED actor type codes (0-8) as digits.
  static const int kInteractions[] = {10, 11, 12, 13, 17, 18, 20, 22, 23, 27, 28, 30, 33,
                                      37, 38, 40, 44, 47, 48, 50, 55, 57, 60, 66, 67, 70, 78, 80};
  switch (source_random_() % 3) {
    case 0: {
      auto* acled = e.mutable_acled();
      acled->set_disorder_type(kDisorderTypes[source_random_() % 4]);
      acled->set_interaction(kInteractions[source_random_() % std::size(kInteractions)]);
      acled->set_inter1(acled->interaction() / 10);
      acled->set_inter2(acled->interaction() % 10);
      break;
    }
    case 1: {
      // About a thousand conflicts, each with a few dyads.
      auto* ucdp = e.mutable_ucdp();
      ucdp->set_conflict_id(200 + static_cast<int64_t>(source_random_() % 1000));
      ucdp->set_dyad_id(ucdp->conflict_id() * 10 + static_cast<int64_t>(source_random_() % 4));
      ucdp->set_type_of_violence(1 + static_cast<int>(source_random_() % 3));
      break;
    }
    default: {
      auto* gdelt = e.mutable_gdelt();
      gdelt->set_quad_class(1 + static_cast<int>(source_random_() % 4));
      // One decimal, -10 to 10, as GDELT publishes it.
      const int tenths = static_cast<int>(source_random_() % 201) - 100;
      gdelt->set_goldstein_scale(static_cast<double>(tenths) / 10);
      gdelt->set_avg_tone(std::round((-20 + 40 * unit(source_random_)) * 1e6) / 1e6);
      gdelt->set_num_mentions(1 + static_cast<int>(source_random_() % 50));
      gdelt->set_is_root_event(source_random_() % 2 == 0);
      break;
    }
  }
}

}  // namespace lookout::stats::bench
