#include "common/metrics_http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lookout {
namespace {

constexpr size_t kMaxRequestBytes = 8 * 1024;
constexpr int kPollMillis = 100;  // how often the threads look at stop_
// Whole-connection budget: a client that dribbles bytes cannot hold us.
constexpr absl::Duration kConnectionBudget = absl::Seconds(2);

struct Response {
  int code;
  const char* reason;
  std::string content_type;
  std::string body;
  bool head_only = false;
};

Response PlainText(int code, const char* reason, std::string body) {
  return {code, reason, "text/plain; charset=utf-8", std::move(body)};
}

// Routes a complete request head (up to the blank line).
Response Route(absl::string_view head, const MetricsRegistry& registry) {
  absl::string_view line = head.substr(0, head.find_first_of("\r\n"));
  std::vector<absl::string_view> parts =
      absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (parts.size() != 3 || !absl::StartsWith(parts[2], "HTTP/")) {
    return PlainText(400, "Bad Request", "bad request\n");
  }
  const absl::string_view method = parts[0];
  absl::string_view path = parts[1];
  path = path.substr(0, path.find('?'));
  if (path != "/metrics" && path != "/healthz") {
    return PlainText(404, "Not Found", "not found\n");
  }
  if (method != "GET" && method != "HEAD") {
    return PlainText(405, "Method Not Allowed", "method not allowed\n");
  }
  Response r =
      path == "/metrics"
          ? Response{200, "OK", "text/plain; version=0.0.4; charset=utf-8",
                     registry.RenderText()}
          : PlainText(200, "OK", "ok");
  r.head_only = method == "HEAD";
  return r;
}

// Waits until fd is ready for `events`, stop is set, or the deadline passes.
bool WaitFor(int fd, short events, absl::Time deadline,
             const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd p{fd, events, 0};
    const int ms = static_cast<int>(
        std::min<int64_t>(kPollMillis, absl::ToInt64Milliseconds(left) + 1));
    const int n = poll(&p, 1, ms);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
  return false;
}

bool SendAll(int fd, absl::string_view data, absl::Time deadline,
             const std::atomic<bool>& stop) {
  while (!data.empty()) {
    if (!WaitFor(fd, POLLOUT, deadline, stop)) return false;
    // MSG_NOSIGNAL: a client that hung up must not SIGPIPE the process.
    const ssize_t n =
        send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& host, int port, MetricsRegistry* registry) {
  if (registry == nullptr) {
    return absl::InvalidArgumentError("metrics http: null registry");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* addrs = nullptr;
  const std::string service = absl::StrCat(port);
  const int gai = getaddrinfo(host.empty() ? nullptr : host.c_str(),
                              service.c_str(), &hints, &addrs);
  if (gai != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics http: resolve ", host, ": ", gai_strerror(gai)));
  }
  std::string error = "no address";
  int fd = -1;
  for (addrinfo* a = addrs; a != nullptr; a = a->ai_next) {
    // Non-blocking listener: a connection reset between poll() and accept()
    // must not block the serving thread.
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                a->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    // Restarts must not wait for TIME_WAIT connections of the old process.
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 16) == 0) break;
    error = std::strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(addrs);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("metrics http: listen on ", host, ":", port, ": ", error));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  int bound_port = port;
  if (bound.ss_family == AF_INET) {
    bound_port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  } else if (bound.ss_family == AF_INET6) {
    bound_port = ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  }
  return std::unique_ptr<MetricsHttpServer>(
      new MetricsHttpServer(fd, bound_port, registry));
}

MetricsHttpServer::MetricsHttpServer(int listen_fd, int port,
                                     MetricsRegistry* registry)
    : listen_fd_(listen_fd), port_(port), registry_(registry) {
  thread_ = std::thread([this] { Serve(); });
}

MetricsHttpServer::~MetricsHttpServer() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
}

void MetricsHttpServer::Serve() {
  while (!stop_.load(std::memory_order_relaxed)) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, kPollMillis) <= 0) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // EAGAIN, ECONNABORTED, EMFILE: try again later
    HandleConnection(fd);
    close(fd);
  }
}

void MetricsHttpServer::HandleConnection(int fd) {
  const absl::Time deadline = absl::Now() + kConnectionBudget;
  std::string request;
  char buf[1024];
  bool complete = false;
  while (request.size() <= kMaxRequestBytes) {
    if (!WaitFor(fd, POLLIN, deadline, stop_)) break;
    const ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;  // error or the client closed before finishing
    request.append(buf, static_cast<size_t>(n));
    if (request.find("\r\n\r\n") != std::string::npos ||
        request.find("\n\n") != std::string::npos) {
      complete = true;
      break;
    }
  }
  if (stop_.load()) return;

  Response response =
      complete ? Route(request, *registry_)
      : request.size() > kMaxRequestBytes
          ? PlainText(431, "Request Header Fields Too Large", "too large\n")
          : PlainText(400, "Bad Request", "bad request\n");
  const std::string head =
      absl::StrCat("HTTP/1.1 ", response.code, " ", response.reason,
                   "\r\nContent-Type: ", response.content_type,
                   "\r\nContent-Length: ", response.body.size(),
                   "\r\nConnection: close\r\n\r\n");
  if (!SendAll(fd, head, deadline, stop_)) return;
  if (!response.head_only && !SendAll(fd, response.body, deadline, stop_)) {
    return;
  }

  // Closing with unread input makes the kernel send RST, which can destroy
  // the response before the client reads it: half-close, then drain briefly.
  shutdown(fd, SHUT_WR);
  const absl::Time drain_deadline =
      std::min(deadline, absl::Now() + absl::Milliseconds(200));
  while (WaitFor(fd, POLLIN, drain_deadline, stop_)) {
    const ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
  }
}

}  // namespace lookout
