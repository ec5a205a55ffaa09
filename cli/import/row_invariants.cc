#include "cli/import/row_invariants.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/import/row_checks.h"
#include "cli/import/text_fields.h"
#include "common/country_codes.h"
#include "common/maritime_areas.h"
#include "common/validation.h"

namespace lookout::cli {
namespace {

absl::Status Broken(absl::string_view what) {
  return absl::InternalError(absl::StrCat("parser output breaks an invariant: ", what));
}

bool TextOk(const std::string& text, size_t max, bool required) {
  return text.size() <= max && IsValidUtf8(text) && (!required || !TrimField(text).empty());
}

}  // namespace

absl::Status CheckRowInvariants(const ParsedRow& row) {
  const auto& event = row.event;
  // Every string survives the wire: proto3 refuses invalid UTF-8 when parsing.
  std::string wire;
  lookout::event::v1::Event copy;
  if (!event.SerializeToString(&wire) || !copy.ParseFromString(wire)) {
    return Broken("the event does not survive serialization (invalid UTF-8?)");
  }
  if (row.line < 1) return Broken("line is not set");
  if (!validation::ParseDate(event.event_date()).ok()) return Broken("event_date");
  if (!event.end_date().empty() &&
      (!validation::ParseDate(event.end_date()).ok() || event.end_date() < event.event_date())) {
    return Broken("end_date");
  }
  if (event.event_type() == event::v1::EVENT_TYPE_UNSPECIFIED) return Broken("event_type");
  const auto& location = event.location();
  // A country, or a maritime basin (then no country and no admin levels), never both.
  const auto& sea = location.maritime();
  if (sea.basin().empty()) {
    if (!IsIsoAlpha3(location.country_code())) return Broken("country_code");
    if (!sea.region().empty() || !sea.body_of_water().empty() || !sea.sub_basin().empty()) {
      return Broken("maritime levels without a basin");
    }
  } else {
    if (!location.country_code().empty() || !IsMaritimeBasin(sea.basin())) {
      return Broken("maritime basin");
    }
    if (!location.admin1().empty() || !location.admin2().empty()) return Broken("admin at sea");
    if (!TextOk(sea.region(), kMaxNameBytes, false) ||
        !TextOk(sea.body_of_water(), kMaxNameBytes, false) ||
        !TextOk(sea.sub_basin(), kMaxNameBytes, false) ||
        (!sea.sub_basin().empty() && sea.body_of_water().empty())) {
      return Broken("region/body_of_water/sub_basin");
    }
  }
  if (!TextOk(location.admin1(), kMaxNameBytes, false) ||
      !TextOk(location.admin2(), kMaxNameBytes, false) ||
      !TextOk(location.place(), kMaxNameBytes, false)) {
    return Broken("admin1/admin2/place");
  }
  if (location.has_latitude() != location.has_longitude()) return Broken("half a point");
  if (location.has_latitude() &&
      (!std::isfinite(location.latitude()) || std::abs(location.latitude()) > 90 ||
       !std::isfinite(location.longitude()) || std::abs(location.longitude()) > 180)) {
    return Broken("coordinates");
  }
  for (const auto& casualty : event.casualties()) {
    const auto& count = casualty.count();
    if (count.best() < 0 || (count.has_low() && (count.low() < 0 || count.low() > count.best())) ||
        (count.has_high() && count.high() < count.best())) {
      return Broken("casualty count range");
    }
  }
  if (event.sources_size() > static_cast<int>(kMaxListEntries)) return Broken("too many sources");
  for (const auto& source : event.sources()) {
    if (!TextOk(source.name(), kMaxNameBytes, true) || !TextOk(source.url(), kMaxUrlBytes, false) ||
        (!source.published_date().empty() &&
         !validation::ParseDate(source.published_date()).ok())) {
      return Broken("source");
    }
  }
  if (event.tags_size() > static_cast<int>(kMaxListEntries)) return Broken("too many tags");
  for (const auto& tag : event.tags()) {
    if (!TextOk(tag, kMaxTagBytes, true)) return Broken("tag");
  }
  if (!TextOk(event.notes(), kMaxNotesBytes, false)) return Broken("notes");
  if (event.external_ids_size() < 1) return Broken("no external id");
  for (const auto& id : event.external_ids()) {
    if (!TextOk(id.scheme(), kMaxNameBytes, true) || !TextOk(id.value(), kMaxNameBytes, true)) {
      return Broken("external id");
    }
  }
  if (event.participants_size() != 0) return Broken("participants must be left to the importer");
  if (row.actors.size() > kMaxListEntries) return Broken("too many actors");
  for (const ActorRef& actor : row.actors) {
    if (actor.name.empty() && actor.actor_id.empty()) return Broken("an actor with no name or id");
    if (!TextOk(actor.name, kMaxNameBytes, false)) return Broken("actor name");
    if (!actor.country_code.empty() && !IsIsoAlpha3(actor.country_code)) {
      return Broken("actor country");
    }
    if (actor.role == event::v1::PARTICIPANT_ROLE_UNSPECIFIED) return Broken("actor role");
  }
  return absl::OkStatus();
}

}  // namespace lookout::cli
