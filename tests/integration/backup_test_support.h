// What the backup tests of both backends share: a steady write load on the real event service
// that records every acknowledged write, the change log read back with WatchEvents, the checks a
// restored copy must pass against the live service, and running the backup commands.
#ifndef LOOKOUT_TESTS_INTEGRATION_BACKUP_TEST_SUPPORT_H_
#define LOOKOUT_TESTS_INTEGRATION_BACKUP_TEST_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lookout::backup_testing {

// A call context with the internal token and a 30 s deadline.
std::unique_ptr<grpc::ClientContext> Internal();

// Runs the command, its output appended to `log` (only stderr when `stdout_fd` is given: stdout
// goes there); its exit status, or -1 when it did not exit.
int RunCommand(const std::vector<std::string>& argv, const std::string& log, int stdout_fd = -1);

std::string ReadText(const std::string& path);

// One acknowledged write, or one change of the log: the event, the change's sequence and the
// etag the event had after it.
struct Ack {
  std::string id;
  int64_t sequence = 0;
  std::string etag;
};

// Writes from several threads until stopped: each thread creates events and, every third write,
// updates the one it created last (with its etag, so a lost update would fail). Records every
// acknowledged write in the order acknowledgements arrived, and the writes that were sent only
// after MarkSnapshot().
class WriteLoad {
 public:
  WriteLoad(const std::string& address, int threads);
  ~WriteLoad() { Stop(); }
  WriteLoad(const WriteLoad&) = delete;
  WriteLoad& operator=(const WriteLoad&) = delete;

  void Stop();
  void MarkSnapshot() { snapshot_taken_ = true; }
  size_t AckedCount();
  bool WaitForAcks(size_t count, absl::Duration timeout);
  std::vector<Ack> Acked();
  std::vector<Ack> SentAfterSnapshot();
  std::vector<std::string> Failures();
  // How many of the acknowledged writes were updates.
  size_t UpdateCount();

 private:
  void Write(const std::string& address, int thread);

  std::atomic<bool> stop_{false};
  std::atomic<bool> snapshot_taken_{false};
  absl::Mutex mu_;
  std::vector<Ack> acked_ ABSL_GUARDED_BY(mu_);
  std::vector<Ack> sent_after_snapshot_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
  size_t updates_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;
};

struct ChangeLog {
  std::string change_log_id;
  std::vector<Ack> changes;  // in sequence order
};

// The whole change log, read with WatchEvents from the start without following.
ChangeLog ReadChangeLog(const std::string& address);

// A restored copy, read back from the service running on it, against the live service:
// it keeps the live change_log_id; its log runs 1..head without a gap and is the live log up to
// that head (same ids and etags); every write in `before` (acknowledged before the backup
// began) is in it at its sequence with its etag; no write in `sent_after_snapshot` is.
void CheckCopyAgainstLive(const ChangeLog& copy, const ChangeLog& live,
                          const std::vector<Ack>& before,
                          const std::vector<Ack>& sent_after_snapshot);

// Followers of the live log pointed at the service running on the restored copy `copy`, whose
// head must be below the live head. A follower at the copy's head resumes without rebuilding;
// one that followed the live log past it is refused (FAILED_PRECONDITION naming after_sequence)
// and, once new writes taken by the restored service pass its sequence, still refused (naming
// after_etag), never served the new writes as if they came after what it applied. The new writes
// continue the copy's log at head + 1.
void CheckFollowersOfRestoredCopy(const std::string& restored_address, const ChangeLog& copy,
                                  const ChangeLog& live);

}  // namespace lookout::backup_testing

#endif  // LOOKOUT_TESTS_INTEGRATION_BACKUP_TEST_SUPPORT_H_
