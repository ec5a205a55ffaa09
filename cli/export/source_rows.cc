#include "cli/export/source_rows.h"

#include <charconv>

#include "cli/import/gdelt_parser.h"

namespace lookout::cli {

namespace ev = ::lookout::event::v1;

const std::vector<std::string>& SourceColumns(SourceFormat format) {
  static const auto* const acled =
      new std::vector<std::string>(std::begin(kAcledColumns), std::end(kAcledColumns));
  static const auto* const ucdp =
      new std::vector<std::string>(std::begin(kUcdpColumns), std::end(kUcdpColumns));
  // GDELT's columns are the importer's own list: the two cannot drift apart.
  static const auto* const gdelt = [] {
    auto* names = new std::vector<std::string>();
    for (size_t i = 0; i < kGdeltColumnCount; ++i) names->push_back(GdeltColumnName(i));
    return names;
  }();
  switch (format) {
    case SourceFormat::kAcled:
      return *acled;
    case SourceFormat::kUcdp:
      return *ucdp;
    case SourceFormat::kGdelt:
      break;
  }
  return *gdelt;
}

std::optional<std::vector<std::string>> SourceRow(SourceFormat format, const ev::Event& event,
                                                  const ActorFinder& actors) {
  switch (format) {
    case SourceFormat::kAcled:
      return AcledRow(event, actors);
    case SourceFormat::kUcdp:
      return UcdpRow(event, actors);
    case SourceFormat::kGdelt:
      break;
  }
  return GdeltRow(event, actors);
}

bool IsAtSea(const ev::Event& event) { return !event.location().maritime().basin().empty(); }

std::string FormatNumber(double value) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string ExternalIdOf(const ev::Event& event, absl::string_view scheme) {
  for (const auto& id : event.external_ids()) {
    if (id.scheme() == scheme) return id.value();
  }
  return "";
}

std::string ActorName(const std::string& actor_id, const ActorFinder& actors) {
  const actor::v1::Actor* actor = actors ? actors(actor_id) : nullptr;
  return actor != nullptr ? actor->name() : actor_id;
}

std::vector<std::string> ParticipantNames(const ev::Event& event, ev::ParticipantRole role,
                                          const ActorFinder& actors) {
  std::vector<std::string> names;
  for (const auto& participant : event.participants()) {
    if (participant.role() == role) names.push_back(ActorName(participant.actor_id(), actors));
  }
  return names;
}

const ev::Participant* FirstParticipant(const ev::Event& event,
                                        std::initializer_list<ev::ParticipantRole> roles) {
  for (ev::ParticipantRole role : roles) {
    for (const auto& participant : event.participants()) {
      if (participant.role() == role) return &participant;
    }
  }
  return nullptr;
}

const type::v1::Count* KilledCount(const ev::Event& event) {
  for (const auto& casualty : event.casualties()) {
    if (casualty.kind() == ev::CASUALTY_KIND_KILLED) return &casualty.count();
  }
  return nullptr;
}

}  // namespace lookout::cli
