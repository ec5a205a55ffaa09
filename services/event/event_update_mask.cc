#include "services/event/event_update_mask.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"

namespace lookout::event {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::type::v1::Location;

// Updatable paths, in the order they are listed in error messages.
constexpr const char* kMutablePaths[] = {
    "event_date",
    "end_date",
    "date_precision",
    "event_type",
    "sub_event_type",
    "participants",
    "location",
    "location.country_code",
    "location.admin1",
    "location.admin2",
    "location.place",
    "location.latitude",
    "location.longitude",
    "location.geo_precision",
    "location.maritime",
    "casualties",
    "civilian_targeting",
    "sources",
    "notes",
    "tags",
    "external_ids",
    "acled",
    "ucdp",
    "gdelt",
};

constexpr const char* kOutputOnlyPaths[] = {"id",          "fatalities", "create_time",
                                            "update_time", "sequence",   "etag"};

bool Contains(absl::Span<const char* const> list, absl::string_view path) {
  for (const char* entry : list) {
    if (path == entry) return true;
  }
  return false;
}

void CopyLocationField(absl::string_view field, const Location& from, Location* to) {
  if (field == "country_code") {
    to->set_country_code(from.country_code());
  } else if (field == "admin1") {
    to->set_admin1(from.admin1());
  } else if (field == "admin2") {
    to->set_admin2(from.admin2());
  } else if (field == "place") {
    to->set_place(from.place());
  } else if (field == "latitude") {
    if (from.has_latitude()) {
      to->set_latitude(from.latitude());
    } else {
      to->clear_latitude();
    }
  } else if (field == "longitude") {
    if (from.has_longitude()) {
      to->set_longitude(from.longitude());
    } else {
      to->clear_longitude();
    }
  } else if (field == "geo_precision") {
    to->set_geo_precision(from.geo_precision());
  } else if (field == "maritime") {
    *to->mutable_maritime() = from.maritime();
  }
}

void CopySourceAttributes(absl::string_view path, const Event& from, Event* to) {
  if (path == "acled") {
    if (from.has_acled()) {
      *to->mutable_acled() = from.acled();
    } else if (to->has_acled()) {
      to->clear_source_attributes();
    }
  } else if (path == "ucdp") {
    if (from.has_ucdp()) {
      *to->mutable_ucdp() = from.ucdp();
    } else if (to->has_ucdp()) {
      to->clear_source_attributes();
    }
  } else if (from.has_gdelt()) {
    *to->mutable_gdelt() = from.gdelt();
  } else if (to->has_gdelt()) {
    to->clear_source_attributes();
  }
}

void CopyField(absl::string_view path, const Event& from, Event* to) {
  if (path == "event_date") {
    to->set_event_date(from.event_date());
  } else if (path == "end_date") {
    to->set_end_date(from.end_date());
  } else if (path == "date_precision") {
    to->set_date_precision(from.date_precision());
  } else if (path == "event_type") {
    to->set_event_type(from.event_type());
  } else if (path == "sub_event_type") {
    to->set_sub_event_type(from.sub_event_type());
  } else if (path == "participants") {
    *to->mutable_participants() = from.participants();
  } else if (path == "location") {
    *to->mutable_location() = from.location();
  } else if (absl::StartsWith(path, "location.")) {
    CopyLocationField(path.substr(9), from.location(), to->mutable_location());
  } else if (path == "casualties") {
    *to->mutable_casualties() = from.casualties();
  } else if (path == "civilian_targeting") {
    to->set_civilian_targeting(from.civilian_targeting());
  } else if (path == "sources") {
    *to->mutable_sources() = from.sources();
  } else if (path == "notes") {
    to->set_notes(from.notes());
  } else if (path == "tags") {
    *to->mutable_tags() = from.tags();
  } else if (path == "external_ids") {
    *to->mutable_external_ids() = from.external_ids();
  } else if (path == "acled" || path == "ucdp" || path == "gdelt") {
    // One of the source_attributes oneof: the request's value replaces the stored one, and
    // naming a member the request leaves unset removes it. Naming "acled" never touches a
    // stored "gdelt": each name covers only its own member.
    CopySourceAttributes(path, from, to);
  }
}

}  // namespace

absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask) {
  if (mask.paths().empty()) {
    return errors::InvalidField("update_mask",
                                absl::StrCat("is required: name the fields to change, among ",
                                             absl::StrJoin(kMutablePaths, ", ")));
  }
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    const std::string field = absl::StrCat("update_mask.paths[", i, "]");
    if (Contains(kOutputOnlyPaths, path)) {
      return errors::InvalidField(
          field, absl::StrCat("\"", path, "\" is output only and cannot be updated"));
    }
    if (!Contains(kMutablePaths, path)) {
      return errors::InvalidField(
          field, absl::StrCat("\"", path.substr(0, 100), "\" is not an updatable field; allowed: ",
                              absl::StrJoin(kMutablePaths, ", ")));
    }
  }
  return absl::OkStatus();
}

void ApplyUpdateMask(const google::protobuf::FieldMask& mask, const Event& from, Event* to) {
  // Every path copies from the same `from`, so overlapping paths ("location" and
  // "location.place") give the same result in any order.
  for (const std::string& path : mask.paths()) CopyField(path, from, to);
}

}  // namespace lookout::event
