// The live read model: the event columns, the change log they follow and the sequence of the
// last change applied to them, and the lock that lets many queries read while the feed applies
// changes between them.
#ifndef LOOKOUT_SERVICES_STATS_READ_MODEL_H_
#define LOOKOUT_SERVICES_STATS_READ_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lookout/event/v1/event_service.pb.h"
#include "services/stats/event_columns.h"

namespace lookout::stats {

// Where a model stands: a sequence means something only within its change log.
struct LogPosition {
  std::string change_log_id;  // "" until a change named it
  int64_t sequence = 0;
  // The etag of the event in the change at `sequence`: a change the log drew at random, so the
  // event service can tell its own change there from a restored copy's (WatchEvents' after_etag).
  std::string etag;
};

class ReadModel {
 public:
  // Applies changes in order. A change at or below the applied sequence was applied already (a
  // resumed stream may repeat the edge) and is skipped, so nothing is counted twice.
  void Apply(const std::vector<lookout::event::v1::WatchEventsResponse>& changes);
  void Apply(const lookout::event::v1::WatchEventsResponse* const* changes, size_t count);
  void Apply(const lookout::event::v1::WatchEventsResponse& change);

  int64_t applied_sequence() const;
  // The log of the changes applied: the first change of a stream names it (WatchEvents'
  // change_log_id), and the model keeps it until Reset.
  std::string change_log_id() const;
  LogPosition position() const;
  // True once the first catch-up with the event service's change log finished.
  bool caught_up() const;
  void MarkCaughtUp();
  // Forgets every change and the log they came from, and is no longer caught up: the log was
  // replaced (recreated or restored) and the model is rebuilt from sequence 0.
  void Reset();
  // Takes columns loaded from a snapshot, with the position they cover, instead of applying
  // the log up to there: the follower then catches up from `position`. Only an empty model
  // (nothing applied, no log) can take them; false otherwise, and nothing changes.
  bool Restore(std::unique_ptr<EventColumns> columns, const LogPosition& position);
  // True from Restore until Reset: the model started from a snapshot (not from sequence 0).
  bool restored() const;

  // Returns once the model has applied `sequence`, or UNAVAILABLE at `deadline`.
  absl::Status WaitForSequence(int64_t sequence, absl::Time deadline) const;

  // Runs fn(columns, applied_sequence) while no change can be applied.
  template <typename Fn>
  auto Read(Fn&& fn) const {
    absl::ReaderMutexLock lock(&mu_);
    return fn(static_cast<const EventColumns&>(*columns_), applied_sequence_);
  }
  // Runs fn(columns, position) while no change can be applied: an answer labelled with the
  // position describes exactly those columns, even across a Reset.
  template <typename Fn>
  auto ReadAt(Fn&& fn) const {
    absl::ReaderMutexLock lock(&mu_);
    return fn(static_cast<const EventColumns&>(*columns_),
              LogPosition{change_log_id_, applied_sequence_, applied_etag_});
  }

  // Changes skipped because their event could not be stored (see EventColumns::Upsert).
  int64_t rejected_changes() const;

 private:
  void ApplyLocked(const lookout::event::v1::WatchEventsResponse& change)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  // Behind a pointer so Reset can start afresh (the columns cannot be moved or cleared).
  std::unique_ptr<EventColumns> columns_ ABSL_GUARDED_BY(mu_) = std::make_unique<EventColumns>();
  int64_t applied_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  std::string change_log_id_ ABSL_GUARDED_BY(mu_);
  std::string applied_etag_ ABSL_GUARDED_BY(mu_);
  bool caught_up_ ABSL_GUARDED_BY(mu_) = false;
  bool restored_ ABSL_GUARDED_BY(mu_) = false;
  int64_t rejected_changes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_READ_MODEL_H_
