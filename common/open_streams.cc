#include "common/open_streams.h"

#include <vector>

#include "absl/strings/str_cat.h"

namespace lookout {

OpenStreams::OpenStreams(int max_open, std::string cap_setting)
    : max_open_(max_open), cap_setting_(std::move(cap_setting)) {}

absl::Status StoppingStatus() {
  return absl::UnavailableError(
      "the server is stopping; reconnect and resume after the last sequence received");
}

absl::Status OpenStreams::Add(OpenStream* stream) {
  absl::MutexLock lock(&mu_);
  if (ending_) return StoppingStatus();
  if (max_open_ > 0 && static_cast<int>(streams_.size()) >= max_open_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many open streams on this server: ", max_open_, " at most",
                     cap_setting_.empty() ? "" : absl::StrCat(" (", cap_setting_, ")"),
                     "; retry later or on another replica"));
  }
  streams_.insert(stream);
  return absl::OkStatus();
}

void OpenStreams::Remove(OpenStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
}

void OpenStreams::EndAll() {
  // Ended under the lock: a stream cannot be removed (and deleted) while it is being told to
  // end. EndForStop only marks the stream and at most finishes the call, which never runs the
  // stream's OnDone on this thread.
  absl::MutexLock lock(&mu_);
  ending_ = true;
  const absl::Status status = StoppingStatus();
  for (OpenStream* stream : streams_) stream->EndForStop(status);
}

int OpenStreams::open() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(streams_.size());
}

}  // namespace lookout
