// How the history commands ('events history', 'figures history') print revisions: one row per
// change, newest first (SEQUENCE, WHEN, WHO, CHANGE, FIELDS, WHY), as a table or CSV.
#ifndef LOOKOUT_CLI_APP_REVISION_TABLE_H_
#define LOOKOUT_CLI_APP_REVISION_TABLE_H_

#include <google/protobuf/repeated_field.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cli/app/command_context.h"
#include "lookout/event/v1/event_service.pb.h"

namespace lookout::cli {

// The cells of one revision's row.
std::vector<std::string> RevisionRow(
    int64_t sequence, event::v1::ChangeType type, const event::v1::ChangeProvenance& provenance,
    const google::protobuf::RepeatedPtrField<std::string>& changed_paths);

// Prints `rows` (RevisionRow's) in the context's output format, table or CSV (JSON is the
// caller's: it prints the API's own answer).
void PrintRevisionRows(const CommandContext& context,
                       const std::vector<std::vector<std::string>>& rows);

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_REVISION_TABLE_H_
