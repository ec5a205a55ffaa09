// A copy of an absl::Status that shares nothing with the original, for a status handed to several
// threads at once.
#ifndef LOOKOUT_COMMON_UNSHARED_STATUS_H_
#define LOOKOUT_COMMON_UNSHARED_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"

namespace lookout {

// `status` with its own message and payloads, and so its own reference count. A store's group
// commit gives one failure to every write of the group, and their threads wake together and copy
// and drop their statuses at once. Plain copies would all share one count: that is safe, but the
// count is decremented (and the status freed) inside Debian's uninstrumented libabsl_status, so
// ThreadSanitizer saw one caller's thread free what another's had just counted (the event
// service's ServeCall). A copy per write keeps each count on one thread.
inline absl::Status UnsharedCopy(const absl::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status copy(status.code(), status.message());
  status.ForEachPayload([&copy](absl::string_view type_url, const absl::Cord& payload) {
    copy.SetPayload(type_url, absl::Cord(std::string(payload)));
  });
  return copy;
}

}  // namespace lookout

#endif  // LOOKOUT_COMMON_UNSHARED_STATUS_H_
