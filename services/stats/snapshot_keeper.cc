#include "services/stats/snapshot_keeper.h"

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace lookout::stats {

SnapshotKeeper::SnapshotKeeper(ReadModel* model, SnapshotOptions options)
    : model_(model), options_(std::move(options)) {}

SnapshotKeeper::~SnapshotKeeper() { Stop(); }

absl::StatusOr<SnapshotInfo> SnapshotKeeper::Load() {
  const absl::Time start = absl::Now();
  absl::StatusOr<SnapshotInfo> loaded = LoadSnapshot(options_.path, model_);
  if (!loaded.ok()) {
    // A missing file is the normal first start; anything else is worth a warning.
    Log(loaded.status().code() == absl::StatusCode::kNotFound ? LogLevel::kInfo
                                                               : LogLevel::kWarning,
        "read model snapshot not used; rebuilding from the change log",
        {{"path", options_.path}, {"reason", std::string(loaded.status().message())}});
    return loaded;
  }
  {
    absl::MutexLock lock(&write_mu_);
    last_ = loaded->position;
  }
  LogInfo("read model snapshot loaded; catching up from its sequence",
          {{"path", options_.path},
           {"change_log_id", loaded->position.change_log_id},
           {"sequence", absl::StrCat(loaded->position.sequence)},
           {"events", absl::StrCat(loaded->events)},
           {"bytes", absl::StrCat(loaded->file_bytes)},
           {"load_ms", absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - start))}});
  return loaded;
}

void SnapshotKeeper::Start() {
  thread_ = std::thread([this] { Run(); });
}

void SnapshotKeeper::CaughtUp() {
  absl::MutexLock lock(&mu_);
  kicked_ = true;
}

void SnapshotKeeper::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  WriteIfMoved().IgnoreError();  // logged there
}

int64_t SnapshotKeeper::written() const {
  absl::MutexLock lock(&mu_);
  return written_;
}

absl::Status SnapshotKeeper::WriteIfMoved() {
  absl::MutexLock lock(&write_mu_);
  if (!model_->caught_up()) return absl::OkStatus();
  const LogPosition now = model_->position();
  if (now.sequence == 0 ||
      (now.sequence == last_.sequence && now.change_log_id == last_.change_log_id &&
       now.etag == last_.etag)) {
    return absl::OkStatus();
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<SnapshotInfo> written = WriteSnapshot(*model_, options_.path);
  if (!written.ok()) {
    LogError("cannot write the read model snapshot",
             {{"path", options_.path}, {"error", written.status().ToString()}});
    return written.status();
  }
  last_ = written->position;
  LogInfo("read model snapshot written",
          {{"path", options_.path},
           {"sequence", absl::StrCat(written->position.sequence)},
           {"events", absl::StrCat(written->events)},
           {"bytes", absl::StrCat(written->file_bytes)},
           {"locked_ms", absl::StrCat(static_cast<int64_t>(written->locked_seconds * 1000))},
           {"write_ms", absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - start))}});
  absl::MutexLock count_lock(&mu_);
  ++written_;
  return absl::OkStatus();
}

void SnapshotKeeper::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto wake = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || kicked_; };
      mu_.AwaitWithTimeout(absl::Condition(&wake), options_.interval);
      if (stopping_) return;
      kicked_ = false;
    }
    WriteIfMoved().IgnoreError();  // logged there; the next tick tries again
  }
}

}  // namespace lookout::stats
