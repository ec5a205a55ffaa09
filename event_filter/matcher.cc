#include "event_filter/matcher.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "event_filter/event_validation.h"
#include "event_filter/text_words.h"

namespace lookout::event_filter {

namespace v1 = ::lookout::event::v1;

namespace {

using ::lookout::event::v1::Event;
using ::lookout::event::v1::EventFilter;

template <typename Repeated, typename Value>
bool AnyOf(const Repeated& values, const Value& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool MatchesDateRange(const Event& event, const lookout::type::v1::DateRange& range) {
  // Dates are validated YYYY-MM-DD, so string order is date order. An event covers
  // [event_date, end_date or event_date]; it matches when that span overlaps the range.
  const std::string& last_day = event.end_date().empty() ? event.event_date() : event.end_date();
  if (!range.start_date().empty() && last_day < range.start_date()) return false;
  if (!range.end_date().empty() && event.event_date() > range.end_date()) return false;
  return true;
}

bool MatchesBoundingBox(const Event& event, const v1::BoundingBox& box) {
  const auto& location = event.location();
  // An event without coordinates has no point to test: it never falls inside a box.
  if (!location.has_latitude() || !location.has_longitude()) return false;
  return location.latitude() >= box.min_latitude() && location.latitude() <= box.max_latitude() &&
         location.longitude() >= box.min_longitude() && location.longitude() <= box.max_longitude();
}

// Every word of the query is a word of the notes (a prefix word starts one), both as
// text_words.h reads them: what ListEvents' FTS5 index answers for the quoted words.
bool MatchesText(const Event& event, absl::string_view text) {
  const std::vector<std::string> notes = TextWords(event.notes());
  for (const QueryWord& word : QueryWords(text)) {
    const bool found = std::any_of(notes.begin(), notes.end(), [&](const std::string& note) {
      return word.prefix ? absl::StartsWith(note, word.folded) : note == word.folded;
    });
    if (!found) return false;
  }
  return true;
}

bool InRange(const v1::NumberRange& range, double value) {
  return (!range.has_min() || value >= range.min()) && (!range.has_max() || value <= range.max());
}

bool HasBound(const v1::NumberRange& range) { return range.has_min() || range.has_max(); }

// The source attribute fields: each set one needs the attributes it reads, so an event of
// another source (or none) never matches it.
bool MatchesSourceAttributes(const Event& event, const EventFilter& filter) {
  const bool gdelt_test = HasBound(filter.goldstein_scale()) || HasBound(filter.avg_tone()) ||
                          !filter.quad_classes().empty() || filter.min_num_mentions() > 0 ||
                          filter.has_is_root_event();
  if (gdelt_test) {
    if (!event.has_gdelt()) return false;
    const v1::GdeltAttributes& g = event.gdelt();
    if (!InRange(filter.goldstein_scale(), g.goldstein_scale())) return false;
    if (!InRange(filter.avg_tone(), g.avg_tone())) return false;
    if (!filter.quad_classes().empty() && !AnyOf(filter.quad_classes(), g.quad_class())) {
      return false;
    }
    if (g.num_mentions() < filter.min_num_mentions()) return false;
    if (filter.has_is_root_event() && g.is_root_event() != filter.is_root_event()) return false;
  }
  if (!filter.disorder_types().empty() || !filter.interactions().empty()) {
    if (!event.has_acled()) return false;
    if (!filter.disorder_types().empty() &&
        !AnyOf(filter.disorder_types(), event.acled().disorder_type())) {
      return false;
    }
    if (!filter.interactions().empty() &&
        !AnyOf(filter.interactions(), event.acled().interaction())) {
      return false;
    }
  }
  if (!filter.ucdp_conflict_ids().empty() || !filter.ucdp_dyad_ids().empty()) {
    if (!event.has_ucdp()) return false;
    if (!filter.ucdp_conflict_ids().empty() &&
        !AnyOf(filter.ucdp_conflict_ids(), event.ucdp().conflict_id())) {
      return false;
    }
    if (!filter.ucdp_dyad_ids().empty() && !AnyOf(filter.ucdp_dyad_ids(), event.ucdp().dyad_id())) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool MatchesFilter(const Event& event, const EventFilter& filter) {
  if (!filter.country_codes().empty() &&
      !AnyOf(filter.country_codes(), event.location().country_code())) {
    return false;
  }
  if (!filter.admin1().empty() && event.location().admin1() != filter.admin1()) return false;
  if (!filter.event_types().empty() &&
      !AnyOf(filter.event_types(), static_cast<int>(event.event_type()))) {
    return false;
  }
  if (!filter.sub_event_types().empty() &&
      !AnyOf(filter.sub_event_types(), event.sub_event_type())) {
    return false;
  }
  if (!filter.actor_id().empty() &&
      std::none_of(event.participants().begin(), event.participants().end(),
                   [&](const v1::Participant& p) { return p.actor_id() == filter.actor_id(); })) {
    return false;
  }
  if (filter.has_date_range() && !MatchesDateRange(event, filter.date_range())) return false;
  if (event.fatalities() < filter.min_fatalities()) return false;
  if (!filter.text().empty() && !MatchesText(event, filter.text())) return false;
  if (HasBoundingBox(filter) && !MatchesBoundingBox(event, filter.bbox())) return false;
  // Country events have no basin and no body of water, so they never match these.
  if (!filter.maritime_basins().empty() &&
      !AnyOf(filter.maritime_basins(), event.location().maritime().basin())) {
    return false;
  }
  if (!filter.bodies_of_water().empty() &&
      !AnyOf(filter.bodies_of_water(), event.location().maritime().body_of_water())) {
    return false;
  }
  if (!filter.tags().empty() &&
      std::none_of(event.tags().begin(), event.tags().end(),
                   [&](const std::string& tag) { return AnyOf(filter.tags(), tag); })) {
    return false;
  }
  return MatchesSourceAttributes(event, filter);
}

}  // namespace lookout::event_filter
