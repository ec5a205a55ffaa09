// Tolerant matching of the labels import files use for event types, sub-event types, actor
// types and source scales. Labels have drifted between ACLED versions ("Remote violence",
// "Riots/Protests", "Ethnic militia", numeric inter codes turned into words); each is matched
// after normalising case and punctuation and mapped to the stable enums and DOMAIN.md's wording.
#ifndef LOOKOUT_CLI_IMPORT_TAXONOMY_LABELS_H_
#define LOOKOUT_CLI_IMPORT_TAXONOMY_LABELS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "lookout/actor/v1/actor.pb.h"
#include "lookout/event/v1/event.pb.h"
#include "lookout/type/v1/types.pb.h"

namespace lookout::cli {

// Lower case, every run of non-alphanumerics one space, trimmed: "Air/drone strike" ->
// "air drone strike".
std::string NormalizeLabel(absl::string_view label);

// What an event_type label says. Legacy labels that named a sub-event type too ("Battle-No
// change of territory") carry it; "Riots/Protests" leaves the type to the sub-event type.
struct EventTypeLabel {
  lookout::event::v1::EventType type = lookout::event::v1::EVENT_TYPE_UNSPECIFIED;
  std::string implied_sub_event_type;
  bool ambiguous_riots_protests = false;
};
std::optional<EventTypeLabel> MatchEventTypeLabel(absl::string_view label);

// A sub-event type label, with the event type it belongs to and its canonical wording.
struct SubEventTypeLabel {
  lookout::event::v1::EventType type = lookout::event::v1::EVENT_TYPE_UNSPECIFIED;
  std::string canonical;
};
std::optional<SubEventTypeLabel> MatchSubEventTypeLabel(absl::string_view label);

// The canonical sub-event types of ACLED's six event types, for error messages.
std::string AcledEventTypeLabelsText();

// An ACLED inter code ("3") or its label ("Political militia"); UNSPECIFIED for "" and "0",
// nullopt for anything else.
std::optional<lookout::actor::v1::ActorType> MatchActorTypeLabel(absl::string_view label);

// One part of ACLED's source_scale ("National", "Local partner", "New media").
std::optional<lookout::type::v1::SourceScale> MatchSourceScaleLabel(absl::string_view label);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_TAXONOMY_LABELS_H_
