#include "tests/testing/redis_server.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace lookout::testing {
namespace {

bool Pings(int port) {
  timeval timeout{0, 200000};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, timeout);
  if (c == nullptr) return false;
  bool ok = false;
  if (c->err == 0) {
    auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
    ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    if (reply != nullptr) freeReplyObject(reply);
  }
  redisFree(c);
  return ok;
}

}  // namespace

int PickFreePort() {
  // Below the kernel's ephemeral range (32768 and up here), so that no client connection of a
  // parallel test is handed the port as its local end before our server binds it, and apart
  // from the e2e scripts' 20000-32767 (tests/e2e/free_port.sh). Each process starts at a place
  // of its own in 10000-19999 and walks on from there, so two tests that run at once rarely try
  // the same port, and one process never hands out a port twice.
  constexpr int kLow = 10000;
  constexpr int kCount = 10000;
  static std::atomic<int> next{static_cast<int>((getpid() * 37) % kCount)};
  for (int attempt = 0; attempt < kCount; ++attempt) {
    const int port = kLow + next.fetch_add(1) % kCount;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(port);
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (free) return port;
  }
  std::fprintf(stderr, "cannot find a free port in %d-%d\n", kLow, kLow + kCount - 1);
  std::abort();
}

void RedisServer::Start() {
  if (pid_ > 0) return;
  signal(SIGPIPE, SIG_IGN);
  if (port_ == 0) port_ = PickFreePort();
  std::string port = std::to_string(port_);
  pid_ = fork();
  if (pid_ == 0) {
    // Dies with the test: an orphaned redis-server would keep the test's output pipe open and
    // ctest would wait for it forever after a crash or a timeout.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) _exit(1);
    execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
           "--save", "", "--appendonly", "no", "--loglevel", "warning", nullptr);
    std::perror("exec redis-server");
    _exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    if (Pings(port_)) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  std::fprintf(stderr, "redis-server did not start on port %d (is it installed?)\n", port_);
  std::abort();
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void RedisServer::Flush() {
  timeval timeout{1, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, timeout);
  if (c != nullptr && c->err == 0) {
    auto* reply = static_cast<redisReply*>(redisCommand(c, "FLUSHALL"));
    if (reply != nullptr) freeReplyObject(reply);
  }
  if (c != nullptr) redisFree(c);
}

}  // namespace lookout::testing
