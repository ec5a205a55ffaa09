// How the servers start, stop and hold connections, against the real binaries where the issue was
// seen: a SIGTERM with follow streams open (NOT_SERVING at once, still serving for the shutdown
// delay, follow streams ended with UNAVAILABLE, a prompt exit), through the gateway too; the
// threads and the cap of open watchers; and the connection timeouts of every server (in-process
// ServerRunner with short settings).
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/call_context.h"
#include "common/server_runner.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/temp_dir.h"

namespace lookout {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::lookout::event::v1::EventService;
using ::lookout::event::v1::WatchEventsRequest;
using ::lookout::event::v1::WatchEventsResponse;
using ::lookout::gateway::testing::ChildProcess;
using ::lookout::gateway::testing::kInternalToken;
using ::lookout::gateway::testing::WaitServing;

// A fresh connection each time (no subchannel sharing): proves the port still accepts.
std::shared_ptr<grpc::Channel> NewConnection(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

std::unique_ptr<grpc::ClientContext> Internal(absl::Duration timeout = absl::Seconds(10)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata(kInternalTokenHeader, kInternalToken);
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  return context;
}

// The overall health status on a fresh connection; UNKNOWN when the call failed.
HealthCheckResponse::ServingStatus HealthOf(const std::string& address) {
  auto stub = Health::NewStub(NewConnection(address));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  HealthCheckResponse response;
  if (!stub->Check(&context, HealthCheckRequest(), &response).ok()) {
    return HealthCheckResponse::UNKNOWN;
  }
  return response.status();
}

// The health a server reports once it has taken a signal sent just before: the signal reaches
// the process's handler a moment later (on a loaded machine, tens of milliseconds), so this
// asks until NOT_SERVING or `within` passes, well inside the shutdown delay.
HealthCheckResponse::ServingStatus HealthAfterSignal(const std::string& address,
                                                     absl::Duration within = absl::Seconds(1)) {
  const absl::Time until = absl::Now() + within;
  HealthCheckResponse::ServingStatus status = HealthOf(address);
  while (status != HealthCheckResponse::NOT_SERVING && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(20));
    status = HealthOf(address);
  }
  return status;
}

grpc::Status CreateEvent(EventService::Stub& stub, int day, int64_t* sequence = nullptr) {
  event::v1::CreateEventRequest request;
  event::v1::Event* e = request.mutable_event();
  e->set_event_date(absl::StrCat("2024-03-", day < 10 ? "0" : "", day));
  e->set_event_type(event::v1::EVENT_TYPE_BATTLES);
  e->set_sub_event_type("Armed clash");
  e->mutable_location()->set_country_code("HTI");
  event::v1::CreateEventResponse response;
  grpc::Status status = stub.CreateEvent(Internal().get(), request, &response);
  if (sequence != nullptr) *sequence = response.event().sequence();
  return status;
}

// Threads of a process, from /proc.
int ThreadsOf(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    int threads = 0;
    if (absl::StartsWith(line, "Threads:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(8)), &threads)) {
      return threads;
    }
  }
  return -1;
}

// Waits up to `timeout` for the process to exit, leaving it to be reaped by its ChildProcess: its
// exit code, 128 + the signal that killed it, or -1 while it still runs.
int WaitExit(pid_t pid, absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    siginfo_t info{};
    if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
      return info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return -1;
}

// A follow stream read on its own thread; remembers what arrived and how it ended.
class Follower {
 public:
  Follower(std::shared_ptr<grpc::Channel> channel, std::unique_ptr<grpc::ClientContext> context,
           int64_t after = 0)
      : channel_(std::move(channel)), context_(std::move(context)) {
    WatchEventsRequest request;
    request.set_after_sequence(after);
    request.set_follow(true);
    thread_ = std::thread([this, request] {
      auto stub = EventService::NewStub(channel_);
      auto reader = stub->WatchEvents(context_.get(), request);
      WatchEventsResponse change;
      while (reader->Read(&change)) {
        absl::MutexLock lock(&mu_);
        sequences_.push_back(change.sequence());
      }
      grpc::Status status = reader->Finish();
      absl::MutexLock lock(&mu_);
      status_ = status;
      ended_at_ = absl::Now();
      ended_.Notify();
    });
  }
  ~Follower() {
    context_->TryCancel();
    thread_.join();
  }

  // Waits until a change with `sequence` arrived.
  bool WaitFor(int64_t sequence, absl::Duration timeout) {
    auto seen = [this, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !sequences_.empty() && sequences_.back() >= sequence;
    };
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
  }
  bool WaitEnded(absl::Duration timeout) { return ended_.WaitForNotificationWithTimeout(timeout); }
  grpc::Status status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }
  absl::Time ended_at() {
    absl::MutexLock lock(&mu_);
    return ended_at_;
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::ClientContext> context_;
  absl::Mutex mu_;
  std::vector<int64_t> sequences_ ABSL_GUARDED_BY(mu_);
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  absl::Time ended_at_ ABSL_GUARDED_BY(mu_);
  absl::Notification ended_;
  std::thread thread_;
};

// The actor and event binaries on free ports, with flags of the test's choosing.
class BinariesTest : public ::testing::Test {
 protected:
  void StartActor(const std::vector<std::string>& extra = {}) {
    actor_port_ = testing::PickFreePort();
    std::vector<std::string> argv = {LOOKOUT_ACTOR_BINARY,
                                     "--host=127.0.0.1",
                                     absl::StrCat("--port=", actor_port_),
                                     absl::StrCat("--data_dir=", dir_.path(), "/actor"),
                                     absl::StrCat("--internal_token=", kInternalToken),
                                     "--metrics_port=-1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    actor_.Start(argv, dir_.File("actor.log"));
    ASSERT_TRUE(WaitServing(actor_addr(), absl::Seconds(20))) << "actor service did not start";
  }

  void StartEvent(const std::vector<std::string>& extra) {
    if (event_port_ == 0) event_port_ = testing::PickFreePort();
    std::vector<std::string> argv = {LOOKOUT_EVENT_BINARY,
                                     "--host=127.0.0.1",
                                     absl::StrCat("--port=", event_port_),
                                     absl::StrCat("--data_dir=", dir_.path(), "/event"),
                                     absl::StrCat("--internal_token=", kInternalToken),
                                     absl::StrCat("--actor_addr=", actor_addr()),
                                     "--redis_addr=",
                                     "--metrics_port=-1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    event_.Start(argv, dir_.File("event.log"));
    ASSERT_TRUE(WaitServing(event_addr(), absl::Seconds(20))) << "event service did not start";
    event_stub_ = EventService::NewStub(NewConnection(event_addr()));
  }

  std::string actor_addr() const { return absl::StrCat("127.0.0.1:", actor_port_); }
  std::string event_addr() const { return absl::StrCat("127.0.0.1:", event_port_); }

  testing::TempDir dir_;
  int actor_port_ = 0;
  int event_port_ = 0;
  ChildProcess actor_;
  ChildProcess event_;
  std::unique_ptr<EventService::Stub> event_stub_;
};

// Issue 14.3: SIGTERM with a follow stream open used to take the whole grace period plus a poll
// (11 s by default), with the port closed all along. Now: NOT_SERVING at once, new connections
// and calls still served for the shutdown delay (the follower still gets live changes), then the
// follow stream ends with UNAVAILABLE and the process exits long before the grace is up.
TEST_F(BinariesTest, EventServiceStopsPromptlyWithAFollowStreamOpen) {
  StartActor();
  // A long grace: a process that waits for its follow streams would wait it out.
  StartEvent({"--drain_grace_seconds=60", "--shutdown_delay_seconds=2"});
  int64_t first = 0;
  ASSERT_TRUE(CreateEvent(*event_stub_, 1, &first).ok());
  Follower follower(NewConnection(event_addr()), Internal(absl::Hours(1)));
  ASSERT_TRUE(follower.WaitFor(first, absl::Seconds(10)));

  const absl::Time sigterm = absl::Now();
  ASSERT_EQ(kill(event_.pid(), SIGTERM), 0);
  // Within the delay: NOT_SERVING, yet a new connection is accepted and a write is served, and
  // the open follower still receives it.
  EXPECT_EQ(HealthAfterSignal(event_addr()), HealthCheckResponse::NOT_SERVING);
  auto late_stub = EventService::NewStub(NewConnection(event_addr()));
  int64_t during_delay = 0;
  grpc::Status created = CreateEvent(*late_stub, 2, &during_delay);
  EXPECT_TRUE(created.ok()) << "a call during the shutdown delay failed: "
                            << created.error_message();
  if (created.ok()) {
    EXPECT_TRUE(follower.WaitFor(during_delay, absl::Seconds(5)));
  }

  ASSERT_TRUE(follower.WaitEnded(absl::Seconds(30))) << "the follow stream was not ended";
  EXPECT_EQ(follower.status().error_code(), grpc::StatusCode::UNAVAILABLE)
      << follower.status().error_message();
  const int status = WaitExit(event_.pid(), absl::Seconds(30));
  const absl::Duration took = absl::Now() - sigterm;
  ASSERT_NE(status, -1) << "still running 30 s after SIGTERM (grace 60 s)";
  EXPECT_EQ(status, 0);
  std::cout << "SIGTERM to exit with a follow stream open: " << absl::FormatDuration(took)
            << " (shutdown delay 2 s, grace 60 s); stream ended "
            << absl::FormatDuration(follower.ended_at() - sigterm) << " after SIGTERM\n";
}

// Every binary shares the runner: the actor service too reports NOT_SERVING at once, keeps
// serving through the delay and exits.
TEST_F(BinariesTest, ActorServiceServesThroughTheShutdownDelay) {
  StartActor({"--drain_grace_seconds=60", "--shutdown_delay_seconds=2"});
  ASSERT_EQ(kill(actor_.pid(), SIGTERM), 0);
  EXPECT_EQ(HealthAfterSignal(actor_addr()), HealthCheckResponse::NOT_SERVING);
  const int status = WaitExit(actor_.pid(), absl::Seconds(30));
  ASSERT_NE(status, -1);
  EXPECT_EQ(status, 0);
}

// Issue 14.8: a follow watcher used to hold one of the server's threads (218 threads after 200
// watchers). Now the count does not grow with the watchers, and each still gets live changes.
TEST_F(BinariesTest, WatchersDoNotHoldThreads) {
  constexpr int kWatchers = 200;
  StartActor();
  StartEvent({"--drain_grace_seconds=1", "--shutdown_delay_seconds=0"});
  int64_t first = 0;
  ASSERT_TRUE(CreateEvent(*event_stub_, 1, &first).ok());
  const int before = ThreadsOf(event_.pid());

  // Asynchronous clients: the test process needs no thread per stream either.
  grpc::CompletionQueue cq;
  auto stub = EventService::NewStub(NewConnection(event_addr()));
  struct Watch {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientAsyncReader<WatchEventsResponse>> reader;
    WatchEventsResponse change;
    grpc::Status status;
  };
  std::vector<Watch> watches(kWatchers);
  WatchEventsRequest request;
  request.set_follow(true);
  request.set_after_sequence(first);  // only what comes next
  for (int i = 0; i < kWatchers; ++i) {
    watches[i].context = Internal(absl::Minutes(5));
    watches[i].reader = stub->AsyncWatchEvents(watches[i].context.get(), request, &cq,
                                               reinterpret_cast<void*>(2 * i));
  }
  auto next = [&cq](void** tag, bool* ok) {
    return cq.AsyncNext(tag, ok, std::chrono::system_clock::now() + std::chrono::seconds(30)) ==
           grpc::CompletionQueue::GOT_EVENT;
  };
  void* tag = nullptr;
  bool ok = false;
  for (int started = 0; started < kWatchers; ++started) {
    ASSERT_TRUE(next(&tag, &ok));
    ASSERT_TRUE(ok);
    Watch& watch = watches[reinterpret_cast<intptr_t>(tag) / 2];
    watch.reader->Read(&watch.change, reinterpret_cast<void*>(reinterpret_cast<intptr_t>(tag) + 1));
  }
  // Every stream open on the server: a change reaches them all.
  int64_t sequence = 0;
  ASSERT_TRUE(CreateEvent(*event_stub_, 2, &sequence).ok());
  for (int received = 0; received < kWatchers; ++received) {
    ASSERT_TRUE(next(&tag, &ok));
    ASSERT_TRUE(ok) << "a watcher ended early";
    EXPECT_EQ(watches[reinterpret_cast<intptr_t>(tag) / 2].change.sequence(), sequence);
  }
  const int with_watchers = ThreadsOf(event_.pid());
  std::cout << "event service threads: " << before << " with no watcher, " << with_watchers
            << " with " << kWatchers << " follow watchers\n";
  EXPECT_LT(with_watchers - before, kWatchers / 4);

  for (Watch& watch : watches) watch.context->TryCancel();
  for (int i = 0; i < kWatchers; ++i) {
    watches[i].reader->Finish(&watches[i].status, reinterpret_cast<void*>(2 * i));
  }
  for (int i = 0; i < kWatchers; ++i) ASSERT_TRUE(next(&tag, &ok));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

// Issue 14.8: a per-process cap on open watchers, answered RESOURCE_EXHAUSTED beyond it, naming
// the setting; a freed slot is taken again.
TEST_F(BinariesTest, WatchersBeyondTheCapAreResourceExhausted) {
  StartActor();
  StartEvent({"--max_watchers=3", "--drain_grace_seconds=1", "--shutdown_delay_seconds=0"});
  std::vector<std::unique_ptr<Follower>> open;
  int64_t sequence = 0;
  ASSERT_TRUE(CreateEvent(*event_stub_, 1, &sequence).ok());
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<Follower>(NewConnection(event_addr()), Internal()));
    ASSERT_TRUE(open.back()->WaitFor(sequence, absl::Seconds(10)));
  }
  Follower refused(NewConnection(event_addr()), Internal());
  ASSERT_TRUE(refused.WaitEnded(absl::Seconds(10)));
  EXPECT_EQ(refused.status().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(refused.status().error_message(), "--max_watchers"))
      << refused.status().error_message();

  open.pop_back();  // cancels one; its slot frees once the server has seen it go
  grpc::Status status;
  for (int attempt = 0; attempt < 50; ++attempt) {
    WatchEventsRequest request;  // without follow: the backlog, then OK
    auto context = Internal();
    auto reader = event_stub_->WatchEvents(context.get(), request);
    WatchEventsResponse change;
    while (reader->Read(&change)) {
    }
    status = reader->Finish();
    if (status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// The gateway in front of the event service (both real binaries).
class GatewayStopTest : public BinariesTest {
 protected:
  void StartGateway(std::vector<std::string> extra) {
    keys_ = gateway::testing::MakeTestKeys();
    gateway::testing::WriteFile(dir_.File("keys"), keys_.FileText());
    gateway::BackendAddresses backends{event_addr(), actor_addr(), "127.0.0.1:1"};
    gateway_ = std::make_unique<gateway::testing::GatewayProcess>(
        backends, dir_.File("keys"), /*redis_port=*/0, dir_.File("gateway.log"), std::move(extra));
  }
  std::unique_ptr<grpc::ClientContext> KeyContext() {
    return gateway::testing::KeyContext(keys_.reader, absl::Hours(1));
  }

  gateway::testing::TestKeys keys_;
  std::unique_ptr<gateway::testing::GatewayProcess> gateway_;
};

// The event service stopping ends its follow streams UNAVAILABLE; through the gateway the client
// sees exactly that, and resumes from its last sequence once the service is back.
TEST_F(GatewayStopTest, EventServiceStopReachesTheClientAsUnavailable) {
  StartActor();
  StartEvent({"--drain_grace_seconds=60", "--shutdown_delay_seconds=0"});
  StartGateway({});
  int64_t first = 0;
  ASSERT_TRUE(CreateEvent(*event_stub_, 1, &first).ok());
  Follower follower(NewConnection(gateway_->address()), KeyContext());
  ASSERT_TRUE(follower.WaitFor(first, absl::Seconds(10)));

  ASSERT_EQ(kill(event_.pid(), SIGTERM), 0);
  ASSERT_TRUE(follower.WaitEnded(absl::Seconds(30)));
  EXPECT_EQ(follower.status().error_code(), grpc::StatusCode::UNAVAILABLE)
      << follower.status().error_message();
  ASSERT_NE(WaitExit(event_.pid(), absl::Seconds(30)), -1);
  event_.Kill();  // reaps it

  StartEvent({"--drain_grace_seconds=1", "--shutdown_delay_seconds=0"});
  int64_t second = 0;
  ASSERT_TRUE(CreateEvent(*event_stub_, 2, &second).ok());
  // As a client does: reconnect (again while the gateway's own reconnect is under way) and
  // resume after the last sequence received.
  bool resumed = false;
  for (int attempt = 0; attempt < 20 && !resumed; ++attempt) {
    Follower follower(NewConnection(gateway_->address()), KeyContext(), /*after=*/first);
    resumed = follower.WaitFor(second, absl::Seconds(1));
  }
  EXPECT_TRUE(resumed);
}

// The gateway's own stop ends the streams it forwards with UNAVAILABLE and exits promptly,
// instead of holding them (and itself) for the whole grace period.
TEST_F(GatewayStopTest, GatewayStopEndsForwardedFollowStreams) {
  StartActor();
  StartEvent({"--drain_grace_seconds=1", "--shutdown_delay_seconds=0"});
  StartGateway({"--drain_grace_seconds=60", "--shutdown_delay_seconds=1"});
  int64_t first = 0;
  ASSERT_TRUE(CreateEvent(*event_stub_, 1, &first).ok());
  Follower follower(NewConnection(gateway_->address()), KeyContext());
  ASSERT_TRUE(follower.WaitFor(first, absl::Seconds(10)));

  const absl::Time sigterm = absl::Now();
  ASSERT_EQ(kill(gateway_->pid(), SIGTERM), 0);
  ASSERT_TRUE(follower.WaitEnded(absl::Seconds(30)));
  EXPECT_EQ(follower.status().error_code(), grpc::StatusCode::UNAVAILABLE)
      << follower.status().error_message();
  const int status = WaitExit(gateway_->pid(), absl::Seconds(30));
  ASSERT_NE(status, -1) << "the gateway still runs 30 s after SIGTERM (grace 60 s)";
  EXPECT_EQ(status, 0);
  std::cout << "gateway SIGTERM to exit with a forwarded follow stream: "
            << absl::FormatDuration(absl::Now() - sigterm) << " (shutdown delay 1 s)\n";
}

// The gateway has its own cap on the WatchEvents streams it forwards.
TEST_F(GatewayStopTest, GatewayCapsTheStreamsItForwards) {
  StartActor();
  StartEvent({"--drain_grace_seconds=1", "--shutdown_delay_seconds=0"});
  StartGateway({"--max_watchers=1", "--shutdown_delay_seconds=0"});
  int64_t first = 0;
  ASSERT_TRUE(CreateEvent(*event_stub_, 1, &first).ok());
  Follower open(NewConnection(gateway_->address()), KeyContext());
  ASSERT_TRUE(open.WaitFor(first, absl::Seconds(10)));
  Follower refused(NewConnection(gateway_->address()), KeyContext());
  ASSERT_TRUE(refused.WaitEnded(absl::Seconds(10)));
  EXPECT_EQ(refused.status().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(refused.status().error_message(), "--max_watchers"))
      << refused.status().error_message();
}

// Issue 14.8: connections that would otherwise be held for as long as the process runs.
class ConnectionLimitsTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.metrics_port = -1;
    options.reflection = false;
    options.drain_grace = absl::Milliseconds(100);
    runner_ = std::make_unique<ServerRunner>(options);
    ASSERT_TRUE(runner_->Start().ok());
  }

  // A raw TCP connection to the server.
  int Connect() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(runner_->port()));
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    return fd;
  }

  // True when the server closes `fd` within `timeout` (whatever it sent before is read and
  // dropped); the socket is closed either way.
  static bool ClosedByServer(int fd, absl::Duration timeout) {
    const absl::Time end = absl::Now() + timeout;
    bool closed = false;
    while (!closed && absl::Now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buffer[4096];
      closed = recv(fd, buffer, sizeof(buffer), 0) <= 0;
    }
    close(fd);
    return closed;
  }

  std::unique_ptr<ServerRunner> runner_;
};

TEST_F(ConnectionLimitsTest, DropsAConnectionThatNeverHandshakes) {
  ServerOptions options;
  options.handshake_timeout = absl::Milliseconds(300);
  Start(options);
  EXPECT_TRUE(ClosedByServer(Connect(), absl::Seconds(10)));
}

TEST_F(ConnectionLimitsTest, ClosesAHalfOpenConnection) {
  ServerOptions options;
  options.keepalive_time = absl::Milliseconds(300);
  options.keepalive_timeout = absl::Milliseconds(300);
  options.max_connection_idle = absl::Hours(1);  // only keepalive may close it here
  Start(options);
  const int fd = Connect();
  // The HTTP/2 preface and an empty SETTINGS frame, then silence: the peer never answers the
  // server's pings, as one that vanished without closing its socket would not.
  const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  const unsigned char settings[] = {0, 0, 0, 4, 0, 0, 0, 0, 0};
  ASSERT_EQ(send(fd, preface, sizeof(preface) - 1, 0), static_cast<ssize_t>(sizeof(preface) - 1));
  ASSERT_EQ(send(fd, settings, sizeof(settings), 0), static_cast<ssize_t>(sizeof(settings)));
  EXPECT_TRUE(ClosedByServer(fd, absl::Seconds(10)));
}

TEST_F(ConnectionLimitsTest, ClosesAnIdleConnection) {
  ServerOptions options;
  options.max_connection_idle = absl::Milliseconds(300);
  Start(options);
  auto channel = NewConnection(absl::StrCat("127.0.0.1:", runner_->port()));
  EXPECT_EQ(HealthCheckResponse::SERVING, [&] {
    auto stub = Health::NewStub(channel);
    grpc::ClientContext context;
    HealthCheckResponse response;
    stub->Check(&context, HealthCheckRequest(), &response);
    return response.status();
  }());
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  // The server's GOAWAY takes the channel out of READY.
  EXPECT_TRUE(channel->WaitForStateChange(
      GRPC_CHANNEL_READY, std::chrono::system_clock::now() + std::chrono::seconds(10)));
  EXPECT_NE(channel->GetState(false), GRPC_CHANNEL_READY);
}

}  // namespace
}  // namespace lookout
