// Keeps a snapshot of the read model in the data directory: loads it at start-up (logging, as
// one JSON line, why one cannot be used), writes a new one every `interval` and after each
// catch-up when the model moved since the last, and a last one at shutdown. Only a caught-up
// model is written: a model still rebuilding would only save a prefix the next start replays
// past anyway.
#ifndef LOOKOUT_SERVICES_STATS_SNAPSHOT_KEEPER_H_
#define LOOKOUT_SERVICES_STATS_SNAPSHOT_KEEPER_H_

#include <cstdint>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/stats/read_model.h"
#include "services/stats/read_model_snapshot.h"

namespace lookout::stats {

struct SnapshotOptions {
  std::string path;
  absl::Duration interval = absl::Minutes(5);
};

class SnapshotKeeper {
 public:
  // `model` must outlive the keeper.
  SnapshotKeeper(ReadModel* model, SnapshotOptions options);
  ~SnapshotKeeper();

  // Loads the snapshot into the (empty) model; on any error logs why it is ignored, and the
  // model stays empty (the follower rebuilds from sequence 0).
  absl::StatusOr<SnapshotInfo> Load();
  void Start();
  // The model just caught up: worth a snapshot now when it moved (a rebuild took long).
  void CaughtUp();
  // Stops the thread, then writes a last snapshot if the model is caught up and moved.
  // Idempotent.
  void Stop();

  // Writes a snapshot now if the model is caught up and moved since the last one.
  absl::Status WriteIfMoved();
  int64_t written() const;

 private:
  void Run();

  ReadModel* const model_;
  const SnapshotOptions options_;
  std::thread thread_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool kicked_ ABSL_GUARDED_BY(mu_) = false;
  int64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  // Serialises writers (the thread, Stop) so they never share the temporary file.
  absl::Mutex write_mu_;
  LogPosition last_ ABSL_GUARDED_BY(write_mu_);
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_SNAPSHOT_KEEPER_H_
