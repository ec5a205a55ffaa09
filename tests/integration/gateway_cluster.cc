#include "tests/integration/gateway_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/call_context.h"
#include "common/crypto.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/redis_server.h"

namespace lookout::gateway::testing {

std::string TestKeys::FileText(const std::string& reader_limit, const std::string& editor_limit,
                               const std::string& admin_limit) const {
  return absl::StrCat("# test keys\n",                                               //
                      "reader READER ", Sha256Hex(reader), " ", reader_limit, "\n",  //
                      "editor EDITOR ", Sha256Hex(editor), " ", editor_limit, "\n",  //
                      "admin ADMIN ", Sha256Hex(admin), " ", admin_limit, "\n");
}

TestKeys MakeTestKeys() {
  return TestKeys{absl::StrCat("lk_reader_", RandomHex(8)),
                  absl::StrCat("lk_editor_", RandomHex(8)),
                  absl::StrCat("lk_admin_", RandomHex(8))};
}

bool MakeSelfSignedCertificate(const std::string& cert_file, const std::string& key_file) {
  const std::string command = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost -keyout ",
      key_file, " -out ", cert_file, " >/dev/null 2>&1");
  return std::system(command.c_str()) == 0;
}

absl::Duration AnnouncedWait(const std::string& message) {
  std::smatch match;
  const std::regex pattern("retry in ([0-9.]+)s");
  double seconds = -1;
  if (std::regex_search(message, match, pattern)) absl::SimpleAtod(match[1].str(), &seconds);
  return absl::Seconds(seconds);
}

void WriteFile(const std::string& path, const std::string& text) {
  // Written aside and renamed, so a reloading gateway never reads half a file.
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
  }
  std::rename(temp.c_str(), path.c_str());
}

void ChildProcess::Start(const std::vector<std::string>& argv, const std::string& log_path) {
  ASSERT_FALSE(running());
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    // Only async-signal-safe calls between fork and exec (the test has threads).
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  ASSERT_GT(pid_, 0) << "fork failed";
}

int ChildProcess::Kill(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

bool WaitServing(const std::string& address, absl::Duration timeout, const std::string& service) {
  // A short reconnect back-off: the default grows past a second while the server starts.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  auto health = grpc::health::v1::Health::NewStub(channel);
  absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    context.set_wait_for_ready(true);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    if (health->Check(&context, request, &response).ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

BackendProcesses::BackendProcesses(std::string dir, int redis_port)
    : dir_(std::move(dir)),
      redis_port_(redis_port),
      actor_port_(lookout::testing::PickFreePort()),
      event_port_(lookout::testing::PickFreePort()) {}

std::string BackendProcesses::actor_addr() const { return absl::StrCat("127.0.0.1:", actor_port_); }
std::string BackendProcesses::event_addr() const { return absl::StrCat("127.0.0.1:", event_port_); }

void BackendProcesses::StartActor() {
  actor_.Start({LOOKOUT_ACTOR_BINARY, absl::StrCat("--port=", actor_port_),
                absl::StrCat("--data_dir=", dir_, "/actor"),
                absl::StrCat("--internal_token=", kInternalToken), "--metrics_port=-1",
                "--drain_grace_seconds=1"},
               dir_ + "/actor.log");
  // By the service's name: a server of another test that took the port between PickFreePort and
  // the child's bind answers the overall check too, and the calls then meet UNIMPLEMENTED.
  ASSERT_TRUE(WaitServing(actor_addr(), absl::Seconds(20), "lookout.actor.v1.ActorService"))
      << "actor service did not start";
}

void BackendProcesses::StartEvent() {
  event_.Start({LOOKOUT_EVENT_BINARY, absl::StrCat("--port=", event_port_),
                absl::StrCat("--data_dir=", dir_, "/event"),
                absl::StrCat("--internal_token=", kInternalToken),
                absl::StrCat("--actor_addr=", actor_addr()),
                redis_port_ > 0 ? absl::StrCat("--redis_addr=127.0.0.1:", redis_port_)
                                : std::string("--redis_addr="),
                "--metrics_port=-1", "--drain_grace_seconds=1"},
               dir_ + "/event.log");
  ASSERT_TRUE(WaitServing(event_addr(), absl::Seconds(20), "lookout.event.v1.EventService"))
      << "event service did not start";
}

GatewayOverBackends::GatewayOverBackends()
    : keys_(MakeTestKeys()),
      keys_file_(dir_.File("keys")),
      backends_(std::make_unique<BackendProcesses>(dir_.path(), 0)) {
  backends_->StartActor();
  backends_->StartEvent();
  WriteFile(keys_file_, keys_.FileText());
  addresses_ = {backends_->event_addr(), backends_->actor_addr(), "127.0.0.1:1"};
  auto gateway = GatewayServer::Start(TestGatewayConfig(addresses_, keys_file_, 0));
  if (!gateway.ok()) {
    status_ = gateway.status();
    return;
  }
  gateway_ = std::move(*gateway);
}

std::string GatewayOverBackends::address() const {
  return absl::StrCat("127.0.0.1:", gateway_->port());
}

GatewayConfig TestGatewayConfig(const BackendAddresses& backends, const std::string& keys_file,
                                int redis_port) {
  GatewayConfig config;
  config.server.host = "127.0.0.1";
  config.server.port = 0;
  config.server.metrics_port = -1;
  config.server.drain_grace = absl::Seconds(1);
  config.backends = backends;
  config.internal_token = kInternalToken;
  config.api_keys_file = keys_file;
  config.keys_reload_interval = absl::Milliseconds(100);
  if (redis_port > 0) {
    config.redis_port = redis_port;
  } else {
    config.redis_host.clear();
  }
  return config;
}

std::vector<std::string> GatewayFlags(const BackendAddresses& backends,
                                      const std::string& keys_file, int port, int redis_port) {
  return {"--host=127.0.0.1",
          absl::StrCat("--port=", port),
          "--metrics_port=-1",
          "--http_port=-1",  // tests that want it pass --http_port=0 or use an in-process one
          "--drain_grace_seconds=1",
          absl::StrCat("--event_addr=", backends.event),
          absl::StrCat("--actor_addr=", backends.actor),
          absl::StrCat("--stats_addr=", backends.stats),
          absl::StrCat("--internal_token=", kInternalToken),
          absl::StrCat("--api_keys_file=", keys_file),
          redis_port > 0 ? absl::StrCat("--redis_addr=127.0.0.1:", redis_port)
                         : std::string("--redis_addr=")};
}

GatewayProcess::GatewayProcess(const BackendAddresses& backends, const std::string& keys_file,
                               int redis_port, const std::string& log_path,
                               std::vector<std::string> extra_flags) {
  int port = lookout::testing::PickFreePort();
  address_ = absl::StrCat("127.0.0.1:", port);
  std::vector<std::string> argv = {LOOKOUT_GATEWAY_BINARY};
  for (std::string& flag : GatewayFlags(backends, keys_file, port, redis_port)) {
    argv.push_back(std::move(flag));
  }
  argv.push_back("--keys_reload_ms=100");
  for (std::string& flag : extra_flags) argv.push_back(std::move(flag));
  process_.Start(argv, log_path);
  EXPECT_TRUE(WaitServing(address_, absl::Seconds(20))) << "gateway process did not start";
}

std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

std::unique_ptr<grpc::ClientContext> KeyContext(const std::string& key, absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!key.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", key));
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  return context;
}

grpc::Status RawUnary(grpc::GenericStub& stub, grpc::ClientContext* context,
                      const std::string& path, const grpc::ByteBuffer& request,
                      grpc::ByteBuffer* response) {
  absl::Notification done;
  grpc::Status result;
  stub.UnaryCall(context, path, grpc::StubOptions(), &request, response, [&](grpc::Status status) {
    result = std::move(status);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

namespace {

// Writes every request, half-closes, and reads until the stream ends.
class RawStreamCall final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  RawStreamCall(const std::vector<grpc::ByteBuffer>* requests,
                std::vector<grpc::ByteBuffer>* responses)
      : requests_(requests), responses_(responses) {}

  void Go() {
    AddHold();  // released when the writes are done
    StartRead(&incoming_);
    WriteNext();
    StartCall();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      RemoveHold();
      return;
    }
    WriteNext();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    responses_->push_back(incoming_);
    StartRead(&incoming_);
  }
  void OnDone(const grpc::Status& status) override {
    status_ = status;
    done_.Notify();
  }
  grpc::Status Wait() {
    done_.WaitForNotification();
    return status_;
  }

 private:
  void WriteNext() {
    if (next_ < requests_->size()) {
      StartWrite(&(*requests_)[next_++]);
      return;
    }
    StartWritesDone();
    RemoveHold();
  }

  const std::vector<grpc::ByteBuffer>* requests_;
  std::vector<grpc::ByteBuffer>* responses_;
  size_t next_ = 0;
  grpc::ByteBuffer incoming_;
  grpc::Status status_;
  absl::Notification done_;
};

}  // namespace

grpc::Status RawStream(grpc::GenericStub& stub, grpc::ClientContext* context,
                       const std::string& path, const std::vector<grpc::ByteBuffer>& requests,
                       std::vector<grpc::ByteBuffer>* responses) {
  RawStreamCall call(&requests, responses);
  stub.PrepareBidiStreamingCall(context, path, grpc::StubOptions(), &call);
  call.Go();
  return call.Wait();
}

int64_t ResidentBytes(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    long long kb = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %lld kB", &kb) == 1) return kb * 1024;
  }
  return -1;
}

grpc::ByteBuffer ToBytes(const google::protobuf::Message& message) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

bool FromBytes(const grpc::ByteBuffer& bytes, google::protobuf::Message* message) {
  grpc::Slice slice;
  if (!bytes.DumpToSingleSlice(&slice).ok()) return false;
  return message->ParseFromArray(slice.begin(), static_cast<int>(slice.size()));
}

}  // namespace lookout::gateway::testing
