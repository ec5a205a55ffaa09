#include "services/stats/read_model.h"

#include <malloc.h>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace lookout::stats {

using ::lookout::event::v1::WatchEventsResponse;

void ReadModel::Apply(const std::vector<WatchEventsResponse>& changes) {
  absl::MutexLock lock(&mu_);
  for (const WatchEventsResponse& change : changes) ApplyLocked(change);
}

void ReadModel::Apply(const WatchEventsResponse* const* changes, size_t count) {
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < count; ++i) ApplyLocked(*changes[i]);
}

void ReadModel::Apply(const WatchEventsResponse& change) {
  absl::MutexLock lock(&mu_);
  ApplyLocked(change);
}

void ReadModel::ApplyLocked(const WatchEventsResponse& change) {
  // Only a model that holds nothing from a log adopts one (the follower resets a model before
  // it follows another log).
  if (!change.change_log_id().empty() && change_log_id_.empty() && applied_sequence_ == 0) {
    change_log_id_ = change.change_log_id();
  }
  if (change.sequence() <= applied_sequence_) return;
  switch (change.type()) {
    case event::v1::CHANGE_TYPE_CREATED:
    case event::v1::CHANGE_TYPE_UPDATED: {
      absl::Status stored = columns_->Upsert(change.event());
      if (!stored.ok()) {
        ++rejected_changes_;
        LogError("read model skipped a change",
                 {{"sequence", absl::StrCat(change.sequence())}, {"error", stored.ToString()}});
      }
      break;
    }
    case event::v1::CHANGE_TYPE_DELETED:
      columns_->Remove(change.event().id());
      break;
    default:
      ++rejected_changes_;
      LogError(
          "read model skipped a change of unknown type",
          {{"sequence", absl::StrCat(change.sequence())}, {"type", absl::StrCat(change.type())}});
      break;
  }
  applied_sequence_ = change.sequence();
  applied_etag_ = change.event().etag();
}

int64_t ReadModel::applied_sequence() const {
  absl::ReaderMutexLock lock(&mu_);
  return applied_sequence_;
}

std::string ReadModel::change_log_id() const {
  absl::ReaderMutexLock lock(&mu_);
  return change_log_id_;
}

LogPosition ReadModel::position() const {
  absl::ReaderMutexLock lock(&mu_);
  return LogPosition{change_log_id_, applied_sequence_, applied_etag_};
}

void ReadModel::Reset() {
  auto fresh = std::make_unique<EventColumns>();
  {
    absl::MutexLock lock(&mu_);
    columns_.swap(fresh);
    applied_sequence_ = 0;
    change_log_id_.clear();
    applied_etag_.clear();
    caught_up_ = false;
    restored_ = false;
  }
  // The old columns are freed here, outside the lock (a million events take a while).
}

bool ReadModel::Restore(std::unique_ptr<EventColumns> columns, const LogPosition& position) {
  {
    absl::MutexLock lock(&mu_);
    if (applied_sequence_ != 0 || !change_log_id_.empty()) return false;
    columns_.swap(columns);
    applied_sequence_ = position.sequence;
    change_log_id_ = position.change_log_id;
    applied_etag_ = position.etag;
    caught_up_ = false;
    restored_ = true;
  }
  // `columns` now holds the empty columns the model started with; freed outside the lock.
  return true;
}

bool ReadModel::restored() const {
  absl::ReaderMutexLock lock(&mu_);
  return restored_;
}

bool ReadModel::caught_up() const {
  absl::ReaderMutexLock lock(&mu_);
  return caught_up_;
}

void ReadModel::MarkCaughtUp() {
  absl::MutexLock lock(&mu_);
  // A rebuild grows columns and postings by doubling; hand the spare capacity back once.
  if (!caught_up_) {
    columns_->Compact();
    // The old, larger buffers were freed to the heap; return them to the system (glibc).
    malloc_trim(0);
  }
  caught_up_ = true;
}

int64_t ReadModel::rejected_changes() const {
  absl::ReaderMutexLock lock(&mu_);
  return rejected_changes_;
}

absl::Status ReadModel::WaitForSequence(int64_t sequence, absl::Time deadline) const {
  absl::ReaderMutexLock lock(&mu_);
  auto reached = [this, sequence]()
                     ABSL_SHARED_LOCKS_REQUIRED(mu_) { return applied_sequence_ >= sequence; };
  if (mu_.AwaitWithDeadline(absl::Condition(&reached), deadline)) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("the read model has applied changes up to sequence ", applied_sequence_,
                   " and has not reached as_of_sequence ", sequence, " yet; retry shortly"));
}

}  // namespace lookout::stats
