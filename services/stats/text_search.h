// Full-text matching has one implementation, the event service's (SQLite FTS5 over notes): for
// a filter with `text` the stats service asks ListEvents which events match instead of indexing
// notes itself.
#ifndef LOOKOUT_SERVICES_STATS_TEXT_SEARCH_H_
#define LOOKOUT_SERVICES_STATS_TEXT_SEARCH_H_

#include <grpcpp/server_context.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lookout/event/v1/event_service.grpc.pb.h"

namespace lookout::stats {

// Most matches a text filter may have; beyond it the caller is asked to narrow the filter.
inline constexpr int64_t kMaxTextMatches = 200000;

struct TextMatches {
  std::vector<std::string> ids;
  // The newest change among the matching events, so the caller can wait for the read model to
  // have applied at least what the event service answered from.
  int64_t max_sequence = 0;
};

class TextSearch {
 public:
  virtual ~TextSearch() = default;
  // The ids of the live events matching `filter` (which has text and passed ValidateFilter).
  // UNAVAILABLE when the event service cannot be reached; INVALID_ARGUMENT as the event service
  // reports it; RESOURCE_EXHAUSTED above kMaxTextMatches.
  virtual absl::StatusOr<TextMatches> Match(const lookout::event::v1::EventFilter& filter,
                                            const grpc::ServerContext* serving) = 0;
};

// Pages through ListEvents on the event service.
class EventServiceTextSearch : public TextSearch {
 public:
  // `stub` must outlive this object.
  EventServiceTextSearch(lookout::event::v1::EventService::StubInterface* stub,
                         std::string internal_token, absl::Duration timeout = absl::Seconds(10))
      : stub_(stub), internal_token_(std::move(internal_token)), timeout_(timeout) {}

  absl::StatusOr<TextMatches> Match(const lookout::event::v1::EventFilter& filter,
                                    const grpc::ServerContext* serving) override;

 private:
  lookout::event::v1::EventService::StubInterface* const stub_;
  const std::string internal_token_;
  const absl::Duration timeout_;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_TEXT_SEARCH_H_
