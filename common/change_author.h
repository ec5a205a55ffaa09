// Who makes a change and why (issue 26), as every store's change log records it: the principal
// and request id the gateway set in the call's metadata, the caller's reason, and the time.
#ifndef LOOKOUT_COMMON_CHANGE_AUTHOR_H_
#define LOOKOUT_COMMON_CHANGE_AUTHOR_H_

#include <grpcpp/server_context.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lookout/event/v1/event_service.pb.h"

namespace lookout {

struct ChangeAuthor {
  std::string principal;
  std::string request_id;
  std::string reason;
  int64_t time_micros = 0;  // since the Unix epoch; 0 for changes older than provenance
};

// Longest reason a change may carry, in bytes.
inline constexpr size_t kMaxReasonLength = 500;

// At most kMaxReasonLength bytes of valid UTF-8 without control characters (a reason is one line
// of text shown in histories); INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateReason(absl::string_view field, absl::string_view reason);

// The author of the changes a call makes: the principal and request id the gateway set in the
// call's metadata (trusted: the call passed the internal token check, and the gateway overwrites
// whatever a client sent), and the caller's reason. The time is set when the change is made.
ChangeAuthor AuthorOf(const grpc::ServerContextBase* context, std::string reason);

// The author as the API shows it (every change log's revisions and WatchEvents); no time when it
// is unknown (0).
lookout::event::v1::ChangeProvenance ProvenanceOf(const ChangeAuthor& author);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_CHANGE_AUTHOR_H_
