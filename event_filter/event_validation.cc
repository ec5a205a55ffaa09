#include "event_filter/event_validation.h"

#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/maritime_areas.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "event_filter/event_taxonomy.h"
#include "event_filter/source_attributes_validation.h"
#include "event_filter/text_words.h"

namespace lookout::event_filter {

namespace v1 = ::lookout::event::v1;

namespace {

using ::lookout::event::v1::Event;
using ::lookout::event::v1::EventFilter;
using ::lookout::type::v1::Location;

std::string Path(absl::string_view prefix, absl::string_view field) {
  return absl::StrCat(prefix, ".", field);
}

std::string Indexed(absl::string_view prefix, absl::string_view field, int index) {
  return absl::StrCat(prefix, ".", field, "[", index, "]");
}

absl::Status CheckMaxEntries(absl::string_view field, int size, size_t max) {
  if (static_cast<size_t>(size) > max) {
    return errors::InvalidField(field, absl::StrCat("at most ", max, " entries, got ", size));
  }
  return absl::OkStatus();
}

absl::Status ValidateDates(const Event& event, absl::string_view prefix) {
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckDate(Path(prefix, "event_date"), event.event_date(), true));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckDate(Path(prefix, "end_date"), event.end_date(), false));
  // Both are valid YYYY-MM-DD here, so string order is date order.
  if (!event.end_date().empty() && event.end_date() < event.event_date()) {
    return errors::InvalidField(Path(prefix, "end_date"),
                                absl::StrCat("must be on or after event_date (", event.event_date(),
                                             "), got ", event.end_date()));
  }
  return validation::CheckEnum(Path(prefix, "date_precision"),
                               type::v1::DatePrecision_IsValid(event.date_precision()),
                               event.date_precision(), /*allow_unspecified=*/true);
}

absl::Status ValidateType(const Event& event, absl::string_view prefix) {
  LOOKOUT_RETURN_IF_ERROR(validation::CheckEnum(Path(prefix, "event_type"),
                                                v1::EventType_IsValid(event.event_type()),
                                                event.event_type(), false));
  // Optional, but when given it must be one of the type's own sub-event types.
  if (event.sub_event_type().empty() ||
      IsSubEventTypeOf(event.event_type(), event.sub_event_type())) {
    return absl::OkStatus();
  }
  return errors::InvalidField(
      Path(prefix, "sub_event_type"),
      absl::StrCat("\"", event.sub_event_type().substr(0, 100), "\" is not a sub-event type of ",
                   v1::EventType_Name(event.event_type()),
                   "; allowed: ", AllowedSubEventTypesText(event.event_type())));
}

absl::Status ValidateParticipants(const Event& event, absl::string_view prefix) {
  LOOKOUT_RETURN_IF_ERROR(CheckMaxEntries(Path(prefix, "participants"), event.participants_size(),
                                          validation::kMaxRepeated));
  std::set<std::pair<std::string, int>> seen;
  for (int i = 0; i < event.participants_size(); ++i) {
    const v1::Participant& p = event.participants(i);
    const std::string at = Indexed(prefix, "participants", i);
    LOOKOUT_RETURN_IF_ERROR(
        validation::CheckText(Path(at, "actor_id"), p.actor_id(), validation::kMaxIdLength, true));
    LOOKOUT_RETURN_IF_ERROR(validation::CheckEnum(
        Path(at, "role"), v1::ParticipantRole_IsValid(p.role()), p.role(), true));
    if (!seen.emplace(p.actor_id(), p.role()).second) {
      return errors::InvalidField(
          at, absl::StrCat("actor \"", p.actor_id(), "\" already takes part with role ",
                           v1::ParticipantRole_Name(p.role())));
    }
  }
  return absl::OkStatus();
}

// A maritime area's levels (the basin from the documented list, the rest free text); `at` is
// the location's path.
absl::Status ValidateMaritimeArea(const Location& location, absl::string_view at) {
  const type::v1::MaritimeArea& sea = location.maritime();
  const std::string path = Path(at, "maritime");
  if (sea.basin().empty()) {
    return errors::InvalidField(Path(path, "basin"),
                                absl::StrCat("is required for a place at sea (one of ",
                                             MaritimeBasinsText(), ")"));
  }
  if (!IsMaritimeBasin(sea.basin())) {
    return errors::InvalidField(
        Path(path, "basin"), absl::StrCat("\"", sea.basin().substr(0, 100),
                                          "\" is not a maritime basin; allowed (spelled exactly): ",
                                          MaritimeBasinsText()));
  }
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText(Path(path, "region"), sea.region(),
                                                validation::kMaxShortTextLength, false));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText(Path(path, "body_of_water"), sea.body_of_water(),
                                                validation::kMaxShortTextLength, false));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText(Path(path, "sub_basin"), sea.sub_basin(),
                                                validation::kMaxShortTextLength, false));
  if (!sea.sub_basin().empty() && sea.body_of_water().empty()) {
    return errors::InvalidField(Path(path, "sub_basin"),
                                "needs body_of_water: a sub-basin divides a body of water");
  }
  // A place at sea has no administrative divisions; its levels are the maritime ones.
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string*>{"admin1", &location.admin1()},
        {"admin2", &location.admin2()}}) {
    if (!value->empty()) {
      return errors::InvalidField(
          Path(at, field),
          "must be empty for a maritime location (use maritime.region, body_of_water, "
          "sub_basin)");
    }
  }
  return absl::OkStatus();
}

// The maritime field names, for the "not both" error: the first level that is set.
const char* FirstSetMaritimeLevel(const type::v1::MaritimeArea& sea) {
  if (!sea.basin().empty()) return "basin";
  if (!sea.region().empty()) return "region";
  if (!sea.body_of_water().empty()) return "body_of_water";
  if (!sea.sub_basin().empty()) return "sub_basin";
  return nullptr;
}

absl::Status ValidatePlace(const Location& location, absl::string_view at) {
  const char* maritime_level = FirstSetMaritimeLevel(location.maritime());
  if (location.country_code().empty() && maritime_level == nullptr) {
    return errors::InvalidField(
        Path(at, "country_code"),
        "is required (ISO 3166-1 alpha-3, e.g. HTI), or maritime.basin for a place at sea");
  }
  if (!location.country_code().empty() && maritime_level != nullptr) {
    return errors::InvalidField(
        Path(Path(at, "maritime"), maritime_level),
        "must be empty when country_code is set: a location names a country or a maritime "
        "area, not both");
  }
  if (maritime_level != nullptr) return ValidateMaritimeArea(location, at);
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckCountryCode(Path(at, "country_code"), location.country_code(), true));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText(Path(at, "admin1"), location.admin1(),
                                                validation::kMaxShortTextLength, false));
  return validation::CheckText(Path(at, "admin2"), location.admin2(),
                               validation::kMaxShortTextLength, false);
}

absl::Status ValidateLocation(const Location& location, absl::string_view at) {
  LOOKOUT_RETURN_IF_ERROR(ValidatePlace(location, at));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText(Path(at, "place"), location.place(),
                                                validation::kMaxShortTextLength, false));
  // A point needs both coordinates: half of one cannot be placed or matched by a box.
  if (location.has_latitude() != location.has_longitude()) {
    return errors::InvalidField(Path(at, location.has_latitude() ? "longitude" : "latitude"),
                                "latitude and longitude must be given together (or both left out)");
  }
  if (location.has_latitude()) {
    LOOKOUT_RETURN_IF_ERROR(validation::CheckLatitude(Path(at, "latitude"), location.latitude()));
    LOOKOUT_RETURN_IF_ERROR(
        validation::CheckLongitude(Path(at, "longitude"), location.longitude()));
  }
  return validation::CheckEnum(Path(at, "geo_precision"),
                               type::v1::GeoPrecision_IsValid(location.geo_precision()),
                               location.geo_precision(), true);
}

// Above kMaxCasualtyCount is a typo or a sentinel, never a count; refusing it also keeps every
// sum of counts far from overflowing. low <= best is checked before, so best and high suffice.
absl::Status CheckCasualtyBound(absl::string_view field, const type::v1::Count& count) {
  const bool best = count.best() > kMaxCasualtyCount;
  if (!best && !(count.has_high() && count.high() > kMaxCasualtyCount)) return absl::OkStatus();
  return errors::InvalidField(
      Path(field, best ? "best" : "high"),
      absl::StrCat("must be at most ", kMaxCasualtyCount, " (the largest casualty count), got ",
                   best ? count.best() : count.high()));
}

absl::Status ValidateCasualties(const Event& event, absl::string_view prefix) {
  std::set<int> kinds;
  for (int i = 0; i < event.casualties_size(); ++i) {
    const v1::Casualty& casualty = event.casualties(i);
    const std::string at = Indexed(prefix, "casualties", i);
    LOOKOUT_RETURN_IF_ERROR(validation::CheckEnum(
        Path(at, "kind"), v1::CasualtyKind_IsValid(casualty.kind()), casualty.kind(), false));
    if (!kinds.insert(casualty.kind()).second) {
      return errors::InvalidField(Path(at, "kind"),
                                  absl::StrCat(v1::CasualtyKind_Name(casualty.kind()),
                                               " appears twice (at most one casualty per kind)"));
    }
    LOOKOUT_RETURN_IF_ERROR(validation::CheckCount(Path(at, "count"), casualty.count()));
    LOOKOUT_RETURN_IF_ERROR(CheckCasualtyBound(Path(at, "count"), casualty.count()));
  }
  return absl::OkStatus();
}

absl::Status ValidateSources(const Event& event, absl::string_view prefix) {
  LOOKOUT_RETURN_IF_ERROR(
      CheckMaxEntries(Path(prefix, "sources"), event.sources_size(), validation::kMaxRepeated));
  for (int i = 0; i < event.sources_size(); ++i) {
    LOOKOUT_RETURN_IF_ERROR(
        validation::CheckSource(Indexed(prefix, "sources", i), event.sources(i)));
  }
  return absl::OkStatus();
}

absl::Status ValidateTags(const Event& event, absl::string_view prefix) {
  LOOKOUT_RETURN_IF_ERROR(
      CheckMaxEntries(Path(prefix, "tags"), event.tags_size(), validation::kMaxRepeated));
  for (int i = 0; i < event.tags_size(); ++i) {
    LOOKOUT_RETURN_IF_ERROR(
        validation::CheckText(Indexed(prefix, "tags", i), event.tags(i), kMaxTagLength, true));
  }
  return absl::OkStatus();
}

absl::Status ValidateExternalIds(const Event& event, absl::string_view prefix) {
  LOOKOUT_RETURN_IF_ERROR(CheckMaxEntries(Path(prefix, "external_ids"), event.external_ids_size(),
                                          validation::kMaxRepeated));
  std::set<std::string> schemes;
  for (int i = 0; i < event.external_ids_size(); ++i) {
    const std::string at = Indexed(prefix, "external_ids", i);
    LOOKOUT_RETURN_IF_ERROR(validation::CheckExternalId(at, event.external_ids(i)));
    // One id per scheme: otherwise "the ACLED id of this event" has no single answer.
    if (!schemes.insert(event.external_ids(i).scheme()).second) {
      return errors::InvalidField(
          Path(at, "scheme"),
          absl::StrCat("\"", event.external_ids(i).scheme(),
                       "\" appears twice (at most one external id per scheme)"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateBoundingBox(const v1::BoundingBox& box, absl::string_view at) {
  LOOKOUT_RETURN_IF_ERROR(validation::CheckLatitude(Path(at, "min_latitude"), box.min_latitude()));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckLatitude(Path(at, "max_latitude"), box.max_latitude()));
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckLongitude(Path(at, "min_longitude"), box.min_longitude()));
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckLongitude(Path(at, "max_longitude"), box.max_longitude()));
  if (box.min_latitude() > box.max_latitude()) {
    return errors::InvalidField(Path(at, "min_latitude"), "must not exceed max_latitude");
  }
  // Boxes crossing the antimeridian are not supported: ask for two boxes' worth instead.
  if (box.min_longitude() > box.max_longitude()) {
    return errors::InvalidField(Path(at, "min_longitude"), "must not exceed max_longitude");
  }
  return absl::OkStatus();
}

absl::Status ValidateFilterSubEventTypes(const EventFilter& filter, absl::string_view prefix) {
  for (int i = 0; i < filter.sub_event_types_size(); ++i) {
    const std::string& value = filter.sub_event_types(i);
    if (IsKnownSubEventType(value)) continue;
    // Name the allowed values of the types the filter asks for, when it asks for some.
    std::string allowed;
    for (int type : filter.event_types()) {
      absl::StrAppend(&allowed, allowed.empty() ? "" : "; ",
                      v1::EventType_Name(static_cast<v1::EventType>(type)), ": ",
                      AllowedSubEventTypesText(static_cast<v1::EventType>(type)));
    }
    if (allowed.empty()) allowed = "see the sub_event_type taxonomy (e.g. \"Armed clash\")";
    return errors::InvalidField(
        Indexed(prefix, "sub_event_types", i),
        absl::StrCat("\"", value.substr(0, 100),
                     "\" is not a known sub-event type; allowed: ", allowed));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateEvent(const Event& event, absl::string_view prefix) {
  LOOKOUT_RETURN_IF_ERROR(ValidateDates(event, prefix));
  LOOKOUT_RETURN_IF_ERROR(ValidateType(event, prefix));
  LOOKOUT_RETURN_IF_ERROR(ValidateParticipants(event, prefix));
  LOOKOUT_RETURN_IF_ERROR(ValidateLocation(event.location(), Path(prefix, "location")));
  LOOKOUT_RETURN_IF_ERROR(ValidateCasualties(event, prefix));
  LOOKOUT_RETURN_IF_ERROR(ValidateSources(event, prefix));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText(Path(prefix, "notes"), event.notes(),
                                                validation::kMaxNotesLength, false));
  LOOKOUT_RETURN_IF_ERROR(ValidateTags(event, prefix));
  LOOKOUT_RETURN_IF_ERROR(ValidateExternalIds(event, prefix));
  return ValidateSourceAttributes(event, prefix);
}

absl::Status ValidateFilter(const EventFilter& filter, absl::string_view prefix) {
  LOOKOUT_RETURN_IF_ERROR(CheckMaxEntries(Path(prefix, "country_codes"),
                                          filter.country_codes_size(), kMaxFilterValues));
  for (int i = 0; i < filter.country_codes_size(); ++i) {
    LOOKOUT_RETURN_IF_ERROR(validation::CheckCountryCode(Indexed(prefix, "country_codes", i),
                                                         filter.country_codes(i), true));
  }
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText(Path(prefix, "admin1"), filter.admin1(),
                                                validation::kMaxShortTextLength, false));
  LOOKOUT_RETURN_IF_ERROR(
      CheckMaxEntries(Path(prefix, "event_types"), filter.event_types_size(), kMaxFilterValues));
  for (int i = 0; i < filter.event_types_size(); ++i) {
    LOOKOUT_RETURN_IF_ERROR(validation::CheckEnum(Indexed(prefix, "event_types", i),
                                                  v1::EventType_IsValid(filter.event_types(i)),
                                                  filter.event_types(i), false));
  }
  LOOKOUT_RETURN_IF_ERROR(CheckMaxEntries(Path(prefix, "sub_event_types"),
                                          filter.sub_event_types_size(), kMaxFilterValues));
  LOOKOUT_RETURN_IF_ERROR(ValidateFilterSubEventTypes(filter, prefix));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText(Path(prefix, "actor_id"), filter.actor_id(),
                                                validation::kMaxIdLength, false));
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckDateRange(Path(prefix, "date_range"), filter.date_range()));
  if (filter.min_fatalities() < 0) {
    return errors::InvalidField(
        Path(prefix, "min_fatalities"),
        absl::StrCat("must not be negative, got ", filter.min_fatalities()));
  }
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckText(Path(prefix, "text"), filter.text(), kMaxFilterTextLength, false));
  // Punctuation only separates words: a text of nothing else would search for nothing.
  if (!filter.text().empty() && QueryWords(filter.text()).empty()) {
    return errors::InvalidField(
        Path(prefix, "text"),
        "must contain a word (letters or digits); punctuation, quotes and '*' only separate "
        "words");
  }
  if (HasBoundingBox(filter)) {
    LOOKOUT_RETURN_IF_ERROR(ValidateBoundingBox(filter.bbox(), Path(prefix, "bbox")));
  }
  LOOKOUT_RETURN_IF_ERROR(
      CheckMaxEntries(Path(prefix, "tags"), filter.tags_size(), kMaxFilterValues));
  for (int i = 0; i < filter.tags_size(); ++i) {
    LOOKOUT_RETURN_IF_ERROR(
        validation::CheckText(Indexed(prefix, "tags", i), filter.tags(i), kMaxTagLength, true));
  }
  LOOKOUT_RETURN_IF_ERROR(CheckMaxEntries(Path(prefix, "maritime_basins"),
                                          filter.maritime_basins_size(), kMaxFilterValues));
  for (int i = 0; i < filter.maritime_basins_size(); ++i) {
    if (IsMaritimeBasin(filter.maritime_basins(i))) continue;
    return errors::InvalidField(
        Indexed(prefix, "maritime_basins", i),
        absl::StrCat("\"", filter.maritime_basins(i).substr(0, 100),
                     "\" is not a maritime basin; allowed (spelled exactly): ",
                     MaritimeBasinsText()));
  }
  LOOKOUT_RETURN_IF_ERROR(CheckMaxEntries(Path(prefix, "bodies_of_water"),
                                          filter.bodies_of_water_size(), kMaxFilterValues));
  for (int i = 0; i < filter.bodies_of_water_size(); ++i) {
    LOOKOUT_RETURN_IF_ERROR(validation::CheckText(Indexed(prefix, "bodies_of_water", i),
                                                  filter.bodies_of_water(i),
                                                  validation::kMaxShortTextLength, true));
  }
  return ValidateSourceAttributeFilter(filter, prefix);
}

bool HasBoundingBox(const EventFilter& filter) {
  if (!filter.has_bbox()) return false;
  const v1::BoundingBox& box = filter.bbox();
  return box.min_latitude() != 0 || box.max_latitude() != 0 || box.min_longitude() != 0 ||
         box.max_longitude() != 0;
}

}  // namespace lookout::event_filter
