// A private redis-server process for one test fixture, on a free loopback port, so tests never
// depend on (or disturb) a shared Redis.
#ifndef LOOKOUT_TESTS_TESTING_REDIS_SERVER_H_
#define LOOKOUT_TESTS_TESTING_REDIS_SERVER_H_

#include <sys/types.h>

namespace lookout::testing {

class RedisServer {
 public:
  RedisServer() = default;
  ~RedisServer() { Stop(); }
  // Starts redis-server on a free port (or the previous one after Stop) and waits for PING.
  // Aborts the test binary with a message when it cannot.
  void Start();
  // SIGKILL and wait; the port is kept for a later Start.
  void Stop();
  // FLUSHALL.
  void Flush();
  int port() const { return port_; }
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// A TCP port that was free a moment ago, outside the kernel's ephemeral range.
int PickFreePort();

}  // namespace lookout::testing

#endif  // LOOKOUT_TESTS_TESTING_REDIS_SERVER_H_
