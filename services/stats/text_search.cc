#include "services/stats/text_search.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "common/errors.h"
#include "common/grpc_status.h"

namespace lookout::stats {

using ::lookout::event::v1::ListEventsRequest;
using ::lookout::event::v1::ListEventsResponse;

namespace {

// Pages carry whole events (notes up to 10 kB each): 250 stays well inside 4 MiB.
constexpr int kPageSize = 250;

}  // namespace

absl::StatusOr<TextMatches> EventServiceTextSearch::Match(
    const lookout::event::v1::EventFilter& filter, const grpc::ServerContext* serving) {
  TextMatches matches;
  ListEventsRequest request;
  *request.mutable_filter() = filter;
  request.set_page_size(kPageSize);
  // The whole walk shares one deadline.
  const absl::Time deadline = absl::Now() + timeout_;
  do {
    grpc::ClientContext context;
    PrepareClientContext(&context, internal_token_, deadline - absl::Now(), serving);
    ListEventsResponse response;
    grpc::Status status = stub_->ListEvents(&context, request, &response);
    if (!status.ok()) {
      absl::Status error = FromGrpcStatus(status);
      // The caller's filter passed the same ValidateFilter; should the event service still
      // refuse it (a rule it has and this build lacks), the caller hears it as it is.
      if (error.code() == absl::StatusCode::kInvalidArgument) return error;
      return errors::DependencyUnavailable("the event service (full-text matching)",
                                           error.message());
    }
    if (response.total_size() > kMaxTextMatches) {
      return absl::ResourceExhaustedError(
          absl::StrCat(filter.text().empty() ? "filter" : "filter.text", " matches ",
                       response.total_size(), " events, more than ", kMaxTextMatches,
                       " the stats service resolves per query; narrow it"));
    }
    for (const auto& event : response.events()) {
      matches.ids.push_back(event.id());
      matches.max_sequence = std::max(matches.max_sequence, event.sequence());
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return matches;
}

}  // namespace lookout::stats
