#include "event_filter/matcher.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "event_filter/event_validation.h"

namespace lookout::event_filter {

namespace v1 = ::lookout::event::v1;

namespace {

using ::lookout::event::v1::Event;
using ::lookout::event::v1::EventFilter;

template <typename Repeated, typename Value>
bool AnyOf(const Repeated& values, const Value& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool IsWordByte(char c) { return absl::ascii_isalnum(c) || static_cast<unsigned char>(c) >= 0x80; }

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

bool MatchesText(const Event& event, absl::string_view text) {
  std::vector<std::string> notes = TextWords(event.notes());
  std::string query(text);
  // Words of the query are split the same way, but a trailing '*' survives as a prefix marker.
  size_t i = 0;
  while (i < query.size()) {
    while (i < query.size() && !IsWordByte(query[i])) ++i;
    size_t start = i;
    while (i < query.size() && IsWordByte(query[i])) ++i;
    if (start == i) break;
    std::string word = absl::AsciiStrToLower(absl::string_view(query).substr(start, i - start));
    bool prefix = i < query.size() && query[i] == '*';
    bool found = std::any_of(notes.begin(), notes.end(), [&](const std::string& note_word) {
      return prefix ? absl::StartsWith(note_word, word) : note_word == word;
    });
    if (!found) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> TextWords(absl::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !IsWordByte(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && IsWordByte(text[i])) ++i;
    if (start < i) words.push_back(absl::AsciiStrToLower(text.substr(start, i - start)));
  }
  return words;
}

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
  if (!filter.tags().empty() &&
      std::none_of(event.tags().begin(), event.tags().end(),
                   [&](const std::string& tag) { return AnyOf(filter.tags(), tag); })) {
    return false;
  }
  return true;
}

}  // namespace lookout::event_filter
