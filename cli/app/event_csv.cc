#include "cli/app/event_csv.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/app/enum_names.h"
#include "google/protobuf/util/time_util.h"

namespace lookout::cli {
namespace {

using ::lookout::event::v1::CasualtyKind;
using ::lookout::event::v1::Event;

std::string Coordinate(const Event& event, bool latitude) {
  const auto& location = event.location();
  if (latitude ? !location.has_latitude() : !location.has_longitude()) return "";
  return absl::StrCat(latitude ? location.latitude() : location.longitude());
}

const lookout::type::v1::Count* CountOf(const Event& event, CasualtyKind kind) {
  for (const auto& casualty : event.casualties()) {
    if (casualty.kind() == kind) return &casualty.count();
  }
  return nullptr;
}

std::string Best(const Event& event, CasualtyKind kind) {
  const auto* count = CountOf(event, kind);
  return count == nullptr ? "" : absl::StrCat(count->best());
}

std::string Time(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  return google::protobuf::util::TimeUtil::ToString(time);
}

}  // namespace

const std::vector<std::string>& EventCsvHeader() {
  static const auto* header = new std::vector<std::string>{"id",
                                                           "event_date",
                                                           "end_date",
                                                           "date_precision",
                                                           "event_type",
                                                           "sub_event_type",
                                                           "country_code",
                                                           "admin1",
                                                           "admin2",
                                                           "place",
                                                           "latitude",
                                                           "longitude",
                                                           "geo_precision",
                                                           "participants",
                                                           "participant_ids",
                                                           "killed",
                                                           "killed_low",
                                                           "killed_high",
                                                           "injured",
                                                           "kidnapped",
                                                           "missing",
                                                           "arrested",
                                                           "displaced",
                                                           "civilian_targeting",
                                                           "sources",
                                                           "source_urls",
                                                           "notes",
                                                           "tags",
                                                           "external_ids",
                                                           "create_time",
                                                           "update_time",
                                                           // Events at sea (country_code empty).
                                                           "maritime_basin",
                                                           "maritime_region",
                                                           "body_of_water",
                                                           "sub_basin"};
  return *header;
}

std::string ParticipantsText(const Event& event, const ActorDirectory& actors) {
  std::vector<std::string> parts;
  for (const auto& participant : event.participants()) {
    const actor::v1::Actor* actor = actors.Find(participant.actor_id());
    parts.push_back(
        absl::StrCat(ShortEnumName(event::v1::ParticipantRole_descriptor(), participant.role()),
                     ": ", actor != nullptr ? actor->name() : participant.actor_id()));
  }
  return absl::StrJoin(parts, "; ");
}

std::vector<std::string> EventCsvRow(const Event& event, const ActorDirectory& actors) {
  std::vector<std::string> ids, source_names, source_urls, external_ids;
  for (const auto& participant : event.participants()) ids.push_back(participant.actor_id());
  for (const auto& source : event.sources()) {
    source_names.push_back(source.name());
    source_urls.push_back(source.url());
  }
  for (const auto& id : event.external_ids()) {
    external_ids.push_back(absl::StrCat(id.scheme(), ":", id.value()));
  }
  const auto* killed = CountOf(event, event::v1::CASUALTY_KIND_KILLED);
  const auto& location = event.location();
  return {
      event.id(),
      event.event_date(),
      event.end_date(),
      ShortEnumName(type::v1::DatePrecision_descriptor(), event.date_precision()),
      ShortEnumName(event::v1::EventType_descriptor(), event.event_type()),
      event.sub_event_type(),
      location.country_code(),
      location.admin1(),
      location.admin2(),
      location.place(),
      Coordinate(event, true),
      Coordinate(event, false),
      ShortEnumName(type::v1::GeoPrecision_descriptor(), location.geo_precision()),
      ParticipantsText(event, actors),
      absl::StrJoin(ids, "; "),
      killed == nullptr ? "" : absl::StrCat(killed->best()),
      killed == nullptr || !killed->has_low() ? "" : absl::StrCat(killed->low()),
      killed == nullptr || !killed->has_high() ? "" : absl::StrCat(killed->high()),
      Best(event, event::v1::CASUALTY_KIND_INJURED),
      Best(event, event::v1::CASUALTY_KIND_KIDNAPPED),
      Best(event, event::v1::CASUALTY_KIND_MISSING),
      Best(event, event::v1::CASUALTY_KIND_ARRESTED),
      Best(event, event::v1::CASUALTY_KIND_DISPLACED),
      event.civilian_targeting() ? "true" : "false",
      absl::StrJoin(source_names, "; "),
      absl::StrJoin(source_urls, "; "),
      event.notes(),
      absl::StrJoin(event.tags(), "; "),
      absl::StrJoin(external_ids, "; "),
      Time(event.create_time()),
      Time(event.update_time()),
      location.maritime().basin(),
      location.maritime().region(),
      location.maritime().body_of_water(),
      location.maritime().sub_basin(),
  };
}

}  // namespace lookout::cli
