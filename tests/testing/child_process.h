// A real service binary run as a child process for a test, and a wait for it to answer.
#ifndef LOOKOUT_TESTS_TESTING_CHILD_PROCESS_H_
#define LOOKOUT_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace lookout::testing {

// A child process whose stdout and stderr go to a log file. It dies with the test (also when
// the test crashes) and is killed when this object is destroyed.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { Stop(9); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // argv[0] is the binary's path. Call it from a thread that outlives the child: the kernel's
  // parent-death signal follows the thread that forked, not the process.
  void Start(const std::vector<std::string>& argv, const std::string& log_path);
  // Sends `signal`, waits for the exit and returns the waitpid status (-1 when none ran).
  int Stop(int signal);
  // Sends `signal` without waiting (SIGSTOP and SIGCONT freeze and thaw it).
  void Signal(int signal);
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

// Waits until the gRPC server at `address` ("127.0.0.1:PORT") reports health SERVING for
// `service` ("" = the server as a whole); false after `timeout`.
bool WaitServing(const std::string& address, const std::string& service, absl::Duration timeout);

// The last `lines` lines of a log file, for a failure message.
std::string TailOfFile(const std::string& path, int lines = 20);

}  // namespace lookout::testing

#endif  // LOOKOUT_TESTS_TESTING_CHILD_PROCESS_H_
