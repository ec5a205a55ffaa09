// A dataset file: actors (with aliases, parents and relationships), events that name their
// participants by the actors' keys, and reported figures, in one JSON document. `lookout load`
// reads it; data/haiti-demo.json is one. The messages inside are proto JSON, as the API prints:
//
//   {"name": "haiti-demo",
//    "actors": [{"key": "gov-hti", "parentKey": "", "actor": {<Actor>}}],
//    "relationships": [{"subjectKey": "...", "objectKey": "...", "relationship":
//    {<Relationship>}}], "events": [{"participants": [{"actorKey": "...", "role":
//    "PARTICIPANT_ROLE_..."}],
//                "event": {<Event, with an external id so that loading again updates it>}}],
//    "figures": [{"actorKeys": ["..."], "observation": {<Observation>}}],
//    "notes": "free text"}
#ifndef LOOKOUT_CLI_IMPORT_DATASET_FORMAT_H_
#define LOOKOUT_CLI_IMPORT_DATASET_FORMAT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lookout/actor/v1/actor.pb.h"
#include "lookout/event/v1/event.pb.h"
#include "lookout/stats/v1/observation.pb.h"

namespace lookout::cli {

struct DatasetActor {
  std::string key;
  // An earlier actor's key, or empty.
  std::string parent_key;
  lookout::actor::v1::Actor actor;
};

struct DatasetRelationship {
  std::string subject_key;
  std::string object_key;
  lookout::actor::v1::Relationship relationship;
};

struct DatasetEvent {
  std::vector<std::pair<std::string, lookout::event::v1::ParticipantRole>> participants;
  lookout::event::v1::Event event;
};

struct DatasetFigure {
  std::vector<std::string> actor_keys;
  lookout::stats::v1::Observation observation;
};

struct Dataset {
  std::string name;
  std::vector<DatasetActor> actors;
  std::vector<DatasetRelationship> relationships;
  std::vector<DatasetEvent> events;
  std::vector<DatasetFigure> figures;
};

// INVALID_ARGUMENT naming the entry ("events[2].event: ...") for bad JSON, an unknown or
// repeated key, a parent that is not an earlier actor, or an event without an external id.
absl::StatusOr<Dataset> ParseDataset(absl::string_view json);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_DATASET_FORMAT_H_
