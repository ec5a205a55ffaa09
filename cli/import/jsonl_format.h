// Lookout's JSON Lines format, written by `lookout export --format jsonl` and read back by
// `lookout import jsonl`. One event per line:
//   {"event": <the Event in proto JSON>, "actors": [<Actor JSON: name, type, countryCode>, ...]}
// where actors[i] names event.participants[i], so a file imports into any Lookout (actors are
// resolved by name, created when missing). A line holding a bare Event is read too; its
// participants then keep their actor ids.
#ifndef LOOKOUT_CLI_IMPORT_JSONL_FORMAT_H_
#define LOOKOUT_CLI_IMPORT_JSONL_FORMAT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/import/parsed_row.h"
#include "lookout/actor/v1/actor.pb.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::cli {

// The external id scheme given to an exported event that had none, so that importing the same
// file twice updates instead of duplicating: {scheme "LOOKOUT", value <the exported id>}.
inline constexpr char kLookoutIdScheme[] = "LOOKOUT";

// Output-only fields are dropped; participants move to the row's actors.
absl::StatusOr<ParsedRow> ParseJsonlLine(absl::string_view line);

// `actors[i]` is the actor of event.participants(i) (nullptr when unknown). No trailing newline.
std::string FormatJsonlLine(const lookout::event::v1::Event& event,
                            const std::vector<const lookout::actor::v1::Actor*>& actors);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_IMPORT_JSONL_FORMAT_H_
