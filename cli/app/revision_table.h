// How the history commands ('events history', 'actors history', 'figures history') fetch
// revisions, page after page, and print them: one row per change, newest first (SEQUENCE, WHEN,
// WHO, CHANGE, FIELDS, WHY), as a table or CSV.
#ifndef LOOKOUT_CLI_APP_REVISION_TABLE_H_
#define LOOKOUT_CLI_APP_REVISION_TABLE_H_

#include <google/protobuf/repeated_field.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/app/command_context.h"
#include "cli/app/output.h"
#include "lookout/event/v1/event_service.pb.h"

namespace lookout::cli {

// Pages through a history (any List*Revisions method) into `all` until `limit` revisions (0:
// every one) or its end; `call(client_context, request, response)` makes one call. Returns the
// first failed call's status.
template <typename Request, typename Response, typename Call>
grpc::Status FetchRevisions(const CommandContext& context, Request request, int64_t limit,
                            Call call, Response* all) {
  constexpr int64_t kPage = 1000;  // the services' largest page
  for (;;) {
    const int64_t wanted = limit == 0 ? kPage : std::min(kPage, limit - all->revisions_size());
    request.set_page_size(static_cast<int32_t>(wanted));
    Response response;
    grpc::Status status = context.client->Unary([&](grpc::ClientContext* client_context) {
      return call(client_context, request, &response);
    });
    if (!status.ok()) return status;
    for (auto& revision : *response.mutable_revisions()) {
      *all->add_revisions() = std::move(revision);
    }
    if (response.next_page_token().empty() || (limit > 0 && all->revisions_size() >= limit)) {
      return grpc::Status::OK;
    }
    request.set_page_token(response.next_page_token());
  }
}

// The cells of one revision's row.
std::vector<std::string> RevisionRow(
    int64_t sequence, event::v1::ChangeType type, const event::v1::ChangeProvenance& provenance,
    const google::protobuf::RepeatedPtrField<std::string>& changed_paths);

// Prints `rows` (RevisionRow's) in the context's output format, table or CSV (JSON is the
// caller's: it prints the API's own answer).
void PrintRevisionRows(const CommandContext& context,
                       const std::vector<std::vector<std::string>>& rows);

// Prints a history FetchRevisions gathered: the API's own answer as JSON, otherwise one
// RevisionRow per revision.
template <typename Response>
void PrintRevisions(const CommandContext& context, const Response& all) {
  if (context.output == OutputFormat::kJson) {
    context.out << ToJson(all) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& revision : all.revisions()) {
    rows.push_back(RevisionRow(revision.sequence(), revision.type(), revision.provenance(),
                               revision.changed_paths()));
  }
  PrintRevisionRows(context, rows);
}

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_REVISION_TABLE_H_
