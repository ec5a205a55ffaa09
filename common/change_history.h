// What the stores' change logs share (issue 26): who made a change and why, as the gateway
// passed it, the rule a caller's reason follows, and which fields of a stored proto a change
// altered. The event and actor services both build their histories on these.
#ifndef LOOKOUT_COMMON_CHANGE_HISTORY_H_
#define LOOKOUT_COMMON_CHANGE_HISTORY_H_

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/server_context.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lookout {

// Longest reason a change may carry, in bytes.
inline constexpr size_t kMaxChangeReasonLength = 500;

// At most kMaxChangeReasonLength bytes of valid UTF-8 without control characters (a reason is
// one line of text shown in histories); INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateChangeReason(absl::string_view field, absl::string_view reason);

// Who made a change, when and why, as a change log keeps it.
struct ChangeAuthor {
  std::string principal;
  std::string request_id;
  std::string reason;
  int64_t time_micros = 0;  // since the Unix epoch; 0 when not recorded
};

// The author of the changes a call makes: the principal and request id the gateway set in the
// call's metadata (trusted: the call passed the internal token check, and the gateway overwrites
// whatever a client sent), and the caller's reason. time_micros is left for the domain to set
// when it makes the change. A null context (a caller inside the process) gives no principal.
ChangeAuthor AuthorOfCall(const grpc::ServerContextBase* context, std::string reason);

// 0 gives an unset (default) Timestamp's fields: seconds 0.
google::protobuf::Timestamp TimestampOfMicros(int64_t micros);

// The author as a history shows it, in a service's own ChangeProvenance message (each has the
// fields principal, request_id, reason and time); no time when it is unknown (0).
template <typename Provenance>
Provenance ProvenanceOf(const ChangeAuthor& author) {
  Provenance provenance;
  provenance.set_principal(author.principal);
  provenance.set_request_id(author.request_id);
  provenance.set_reason(author.reason);
  if (author.time_micros != 0) *provenance.mutable_time() = TimestampOfMicros(author.time_micros);
  return provenance;
}

// The names of the top-level fields of `after`'s message type whose value differs between
// `before` (null: none, a creation, so every field set is listed) and `after`, in field order,
// leaving out the fields numbered in `ignored` (bookkeeping that changes on every write).
std::vector<std::string> ChangedFieldPaths(const google::protobuf::Message* before,
                                           const google::protobuf::Message& after,
                                           std::initializer_list<int> ignored = {});

}  // namespace lookout

#endif  // LOOKOUT_COMMON_CHANGE_HISTORY_H_
