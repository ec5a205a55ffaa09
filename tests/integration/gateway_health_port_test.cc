// The gateway's plaintext health-only port (--health_port / ServerOptions::health_port) next to a
// TLS public port, as Kubernetes' native gRPC probes need it: grpc.health.v1 for the same names
// and statuses as the public port, nothing else there, NOT_SERVING from the moment the drain
// begins, and start-up refusing a bad --health_port with a message naming the flag.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "lookout/event/v1/event_service.pb.h"
#include "lookout/gateway/v1/gateway_service.grpc.pb.h"
#include "common/server_runner.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using testing::KeyContext;

constexpr char kGatewayService[] = "lookout.gateway.v1.GatewayService";
// Every name the gateway's health reports: the overall "" and each service it serves.
const char* const kHealthNames[] = {"",
                                    kGatewayService,
                                    "lookout.event.v1.EventService",
                                    "lookout.actor.v1.ActorService",
                                    "lookout.stats.v1.StatsService"};
constexpr char kGetEvent[] = "/lookout.event.v1.EventService/GetEvent";
constexpr char kReflection[] = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

// A backend whose every call waits until it is cancelled: a call in flight through the gateway
// keeps its drain going for as long as the test wants.
class HangingBackend final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    arrived_.fetch_add(1);
    return new Reactor();
  }
  int arrived() const { return arrived_.load(); }

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    Reactor() { StartRead(&incoming_); }
    void OnReadDone(bool ok) override {
      if (ok) StartRead(&incoming_);
    }
    void OnCancel() override { Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled")); }
    void OnDone() override { delete this; }

   private:
    grpc::ByteBuffer incoming_;
  };

  std::atomic<int> arrived_{0};
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::shared_ptr<grpc::Channel> Plaintext(int port) {
  return testing::Connect(absl::StrCat("127.0.0.1:", port));
}

grpc::Status Check(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                   HealthCheckResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  HealthCheckRequest request;
  request.set_service(service);
  return Health::NewStub(channel)->Check(&context, request, response);
}

// list_services (field 7) in a ServerReflectionRequest, encoded by hand.
grpc::ByteBuffer ListServicesRequest() {
  static const char kBytes[] = {0x3a, 0x00};
  grpc::Slice slice(kBytes, sizeof(kBytes));
  return grpc::ByteBuffer(&slice, 1);
}

class GatewayHealthPortTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    backend_ = new HangingBackend();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &backend_port_);
    builder.RegisterCallbackGenericService(backend_);
    backend_server_ = builder.BuildAndStart().release();
    dir_ = new lookout::testing::TempDir();
    keys_ = new testing::TestKeys(testing::MakeTestKeys());
    keys_file_ = dir_->File("keys");
    testing::WriteFile(keys_file_, keys_->FileText());
    cert_ = dir_->File("cert.pem");
    key_ = dir_->File("key.pem");
    ASSERT_TRUE(testing::MakeSelfSignedCertificate(cert_, key_)) << "openssl failed";
  }
  static void TearDownTestSuite() {
    // Calls still hanging in the backend are cancelled now.
    backend_server_->Shutdown(std::chrono::system_clock::now());
    delete backend_server_;
    delete backend_;
    delete keys_;
    delete dir_;
  }

  BackendAddresses Backends() const {
    std::string address = absl::StrCat("127.0.0.1:", backend_port_);
    return {address, address, address};
  }

  // An in-process gateway: TLS on the public port, plaintext health on a port of its own.
  std::unique_ptr<GatewayServer> StartGateway(absl::Duration drain_grace = absl::Seconds(1)) {
    GatewayConfig config = testing::TestGatewayConfig(Backends(), keys_file_, 0);
    config.server.tls_cert_file = cert_;
    config.server.tls_key_file = key_;
    config.server.drain_grace = drain_grace;
    const int health_port = lookout::testing::PickFreePort();
    config.server.health_port = health_port;
    auto gateway = GatewayServer::Start(std::move(config));
    EXPECT_TRUE(gateway.ok()) << gateway.status();
    if (!gateway.ok()) return nullptr;
    EXPECT_EQ((*gateway)->health_port(), health_port);
    return std::move(*gateway);
  }

  static std::shared_ptr<grpc::Channel> Tls(int port) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadAll(cert_);
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), grpc::SslCredentials(ssl),
                                     args);
  }

  // The real binary with `flags` (and `env`, "NAME=value" words), for at most 20 s (a gateway
  // that starts when it should not is stopped: exit status 124); exit status and all it printed.
  static std::pair<int, std::string> RunGateway(const std::vector<std::string>& flags,
                                                const std::string& env = "") {
    std::string command = absl::StrCat("timeout 20 env ", env, " ", LOOKOUT_GATEWAY_BINARY);
    for (const std::string& flag : flags) absl::StrAppend(&command, " '", flag, "'");
    absl::StrAppend(&command, " 2>&1");
    FILE* pipe = popen(command.c_str(), "r");
    std::string output;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
    int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
  }

  // Flags that start a gateway as far as validation goes; `port` for --port.
  std::vector<std::string> ValidFlags(int port) const {
    std::vector<std::string> flags = testing::GatewayFlags(Backends(), keys_file_, port, 0);
    flags.push_back(absl::StrCat("--tls_cert_file=", cert_));
    flags.push_back(absl::StrCat("--tls_key_file=", key_));
    return flags;
  }

  static HangingBackend* backend_;
  static grpc::Server* backend_server_;
  static int backend_port_;
  static lookout::testing::TempDir* dir_;
  static testing::TestKeys* keys_;
  static std::string keys_file_;
  static std::string cert_;
  static std::string key_;
};

HangingBackend* GatewayHealthPortTest::backend_ = nullptr;
grpc::Server* GatewayHealthPortTest::backend_server_ = nullptr;
int GatewayHealthPortTest::backend_port_ = 0;
lookout::testing::TempDir* GatewayHealthPortTest::dir_ = nullptr;
testing::TestKeys* GatewayHealthPortTest::keys_ = nullptr;
std::string GatewayHealthPortTest::keys_file_;
std::string GatewayHealthPortTest::cert_;
std::string GatewayHealthPortTest::key_;

TEST_F(GatewayHealthPortTest, NoHealthPortUnlessAsked) {
  GatewayConfig config = testing::TestGatewayConfig(Backends(), keys_file_, 0);
  auto gateway = GatewayServer::Start(std::move(config));
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  EXPECT_EQ((*gateway)->health_port(), -1);
}

TEST_F(GatewayHealthPortTest, AnswersPlaintextForEveryNameExactlyAsTheTlsPort) {
  auto gateway = StartGateway();
  ASSERT_NE(gateway, nullptr);
  ASSERT_NE(gateway->health_port(), gateway->port());
  auto health_port = Plaintext(gateway->health_port());
  auto public_port = Tls(gateway->port());
  for (const char* name : kHealthNames) {
    SCOPED_TRACE(absl::StrCat("service \"", name, "\""));
    HealthCheckResponse plain, tls;
    grpc::Status status = Check(health_port, name, &plain);
    ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    EXPECT_EQ(plain.status(), HealthCheckResponse::SERVING);
    status = Check(public_port, name, &tls);
    ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    EXPECT_EQ(tls.status(), HealthCheckResponse::SERVING);
  }
  // A name neither port knows is NOT_FOUND on both.
  HealthCheckResponse ignored;
  EXPECT_EQ(Check(health_port, "lookout.nosuch.v1.NoSuchService", &ignored).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Check(public_port, "lookout.nosuch.v1.NoSuchService", &ignored).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // The public port really is TLS, and the health port really is plaintext.
  EXPECT_EQ(Check(Plaintext(gateway->port()), "", &ignored).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Check(Tls(gateway->health_port()), "", &ignored).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GatewayHealthPortTest, ServesNothingButHealth) {
  auto gateway = StartGateway();
  ASSERT_NE(gateway, nullptr);
  auto health_port = Plaintext(gateway->health_port());
  auto public_port = Tls(gateway->port());

  // WhoAmI with a valid key: answered on the public port, UNIMPLEMENTED on the health port.
  v1::WhoAmIResponse who;
  auto context = KeyContext(keys_->reader);
  grpc::Status status =
      v1::GatewayService::NewStub(public_port)->WhoAmI(context.get(), v1::WhoAmIRequest(), &who);
  ASSERT_TRUE(status.ok()) << status.error_message();
  context = KeyContext(keys_->reader);
  status =
      v1::GatewayService::NewStub(health_port)->WhoAmI(context.get(), v1::WhoAmIRequest(), &who);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << status.error_message();

  // Reflection: on for the public port, absent from the health port.
  grpc::GenericStub public_stub(public_port);
  grpc::GenericStub health_stub(health_port);
  std::vector<grpc::ByteBuffer> responses;
  context = KeyContext("");
  status = testing::RawStream(public_stub, context.get(), kReflection, {ListServicesRequest()},
                              &responses);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(responses.size(), 1u);
  responses.clear();
  context = KeyContext("");
  status = testing::RawStream(health_stub, context.get(), kReflection, {ListServicesRequest()},
                              &responses);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << status.error_message();
  EXPECT_TRUE(responses.empty());

  // A forwarded backend method and a made-up one: UNIMPLEMENTED, nothing reaches a backend.
  const int arrived = backend_->arrived();
  event::v1::GetEventRequest get;
  get.set_id("evt_1");
  for (const char* path : {kGetEvent, "/lookout.nosuch.v1.NoSuchService/Nothing"}) {
    grpc::ByteBuffer response;
    context = KeyContext(keys_->admin);
    status = testing::RawUnary(health_stub, context.get(), path, testing::ToBytes(get), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << path;
  }
  EXPECT_EQ(backend_->arrived(), arrived);

  // Watch is served too.
  grpc::ClientContext watch_context;
  watch_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  HealthCheckRequest request;
  request.set_service(kGatewayService);
  auto watch = Health::NewStub(health_port)->Watch(&watch_context, request);
  HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);
  watch_context.TryCancel();
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

// Stop with a call in flight: both ports report NOT_SERVING as the drain begins, the health
// port keeps answering NOT_SERVING while the call finishes, and closes when the drain is over.
TEST_F(GatewayHealthPortTest, FlipsToNotServingWhenTheDrainBegins) {
  // A long grace: the drain ends when the test ends the call in flight, not at a deadline.
  auto gateway = StartGateway(absl::Seconds(30));
  ASSERT_NE(gateway, nullptr);
  auto health_port = Plaintext(gateway->health_port());
  auto public_port = Tls(gateway->port());

  // Watches on both ports, opened before the stop.
  HealthCheckRequest request;
  request.set_service(kGatewayService);
  grpc::ClientContext health_watch_context;
  grpc::ClientContext public_watch_context;
  auto health_watch = Health::NewStub(health_port)->Watch(&health_watch_context, request);
  auto public_watch = Health::NewStub(public_port)->Watch(&public_watch_context, request);
  HealthCheckResponse update;
  ASSERT_TRUE(health_watch->Read(&update));
  ASSERT_EQ(update.status(), HealthCheckResponse::SERVING);
  ASSERT_TRUE(public_watch->Read(&update));
  ASSERT_EQ(update.status(), HealthCheckResponse::SERVING);

  // A call through the gateway that hangs in the backend holds the drain open.
  const int arrived = backend_->arrived();
  grpc::GenericStub public_stub(public_port);
  auto call_context = KeyContext(keys_->reader, absl::Seconds(60));
  event::v1::GetEventRequest get;
  get.set_id("evt_1");
  grpc::Status call_status;
  absl::Notification stopped;
  std::thread caller;
  std::thread stopper;
  // Whatever fails below, the call ends and both threads are joined.
  absl::Cleanup end_call = [&] {
    call_context->TryCancel();
    public_watch_context.TryCancel();
    if (caller.joinable()) caller.join();
    if (stopper.joinable()) stopper.join();
  };
  caller = std::thread([&] {
    grpc::ByteBuffer response;
    call_status = testing::RawUnary(public_stub, call_context.get(), kGetEvent,
                                    testing::ToBytes(get), &response);
  });
  for (int i = 0; i < 500 && backend_->arrived() == arrived; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_GT(backend_->arrived(), arrived) << "the call never reached the backend";

  stopper = std::thread([&] {
    gateway->Stop();
    stopped.Notify();
  });

  // The next update on both ports is NOT_SERVING.
  EXPECT_TRUE(health_watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  update.Clear();
  EXPECT_TRUE(public_watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  public_watch_context.TryCancel();  // an open call of its own: it must not hold the drain

  // While the drain goes on, every name is NOT_SERVING on the health port.
  for (const char* name : kHealthNames) {
    HealthCheckResponse response;
    grpc::Status status = Check(health_port, name, &response);
    EXPECT_TRUE(status.ok()) << "\"" << name << "\": " << status.error_code() << " "
                             << status.error_message();
    EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING) << "\"" << name << "\"";
  }
  EXPECT_FALSE(stopped.HasBeenNotified()) << "the drain ended before the call in flight";

  // The call ends, so does the drain, and the health port closes with it.
  call_context->TryCancel();
  caller.join();
  EXPECT_EQ(call_status.error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(stopped.WaitForNotificationWithTimeout(absl::Seconds(20)))
      << "the drain did not end with the last call";
  stopper.join();
  // The health service's own shutdown may repeat NOT_SERVING; nothing else comes, then the end.
  while (health_watch->Read(&update)) {
    EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  }
  EXPECT_EQ(health_watch->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  public_watch->Finish();
  HealthCheckResponse ignored;
  EXPECT_EQ(Check(Plaintext(gateway->health_port()), "", &ignored).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

// ServerRunner alone, as the stats service uses it: NOT_SERVING at start, SERVING when it says so,
// on both ports; once the drain has begun a late SetServing(true) flips neither port back.
TEST_F(GatewayHealthPortTest, RunnerHealthPortFollowsSetServingAndStaysDownWhileDraining) {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.metrics_port = -1;
  options.serving_at_start = false;
  options.health_port = 0;
  options.drain_grace = absl::Seconds(30);
  v1::GatewayService::Service service;  // every method UNIMPLEMENTED; only its name matters
  HangingBackend hanging;               // any other path: a call that holds the drain open
  ServerRunner runner(options);
  runner.AddService(&service, kGatewayService);
  runner.AddGenericService(&hanging);
  ASSERT_TRUE(runner.Start().ok());
  ASSERT_GT(runner.health_port(), 0);
  auto health_port = Plaintext(runner.health_port());
  auto public_port = Plaintext(runner.port());
  auto expect_everywhere = [&](HealthCheckResponse::ServingStatus want, const char* when) {
    for (const char* name : {"", kGatewayService}) {
      for (const auto& channel : {health_port, public_port}) {
        HealthCheckResponse response;
        grpc::Status status = Check(channel, name, &response);
        EXPECT_TRUE(status.ok()) << when << " \"" << name << "\": " << status.error_message();
        EXPECT_EQ(response.status(), want)
            << when << " \"" << name << "\" on " << (channel == health_port ? "health" : "public");
      }
    }
  };
  expect_everywhere(HealthCheckResponse::NOT_SERVING, "at start");
  runner.SetServing(true);
  expect_everywhere(HealthCheckResponse::SERVING, "after SetServing(true)");

  const int arrived = hanging.arrived();
  grpc::GenericStub stub(public_port);
  auto call_context = KeyContext("", absl::Seconds(60));
  std::thread caller;
  std::thread stopper;
  absl::Cleanup end_call = [&] {
    call_context->TryCancel();
    if (caller.joinable()) caller.join();
    if (stopper.joinable()) stopper.join();
  };
  caller = std::thread([&] {
    grpc::ByteBuffer response;
    testing::RawUnary(stub, call_context.get(), "/lookout.test.v1.Hang/Hang",
                      testing::ToBytes(HealthCheckRequest()), &response);
  });
  for (int i = 0; i < 500 && hanging.arrived() == arrived; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_GT(hanging.arrived(), arrived);
  stopper = std::thread([&] { runner.Stop(); });
  // Wait for the flip, then try to undo it as a late readiness callback would.
  bool flipped = false;
  for (int i = 0; i < 250 && !flipped; ++i) {
    HealthCheckResponse response;
    flipped = Check(health_port, "", &response).ok() &&
              response.status() == HealthCheckResponse::NOT_SERVING;
    if (!flipped) absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(flipped) << "the health port never reported NOT_SERVING after Stop";
  runner.SetServing(true);
  for (const char* name : {"", kGatewayService}) {
    HealthCheckResponse response;
    grpc::Status status = Check(health_port, name, &response);
    EXPECT_TRUE(status.ok()) << "\"" << name << "\": " << status.error_message();
    EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING) << "\"" << name << "\"";
  }
}

// The real binary: --health_port with TLS on the public port; SIGTERM flips it to NOT_SERVING
// and the process exits 0.
TEST_F(GatewayHealthPortTest, BinaryServesTheHealthPortAndDrainsOnSigterm) {
  const int port = lookout::testing::PickFreePort();
  const int health = lookout::testing::PickFreePort();
  std::vector<std::string> flags = ValidFlags(port);
  flags.insert(flags.begin(), LOOKOUT_GATEWAY_BINARY);
  flags.push_back(absl::StrCat("--health_port=", health));
  testing::ChildProcess process;
  process.Start(flags, dir_->File("gateway-sigterm.log"));
  const std::string health_address = absl::StrCat("127.0.0.1:", health);
  for (const char* name : kHealthNames) {
    ASSERT_TRUE(testing::WaitServing(health_address, absl::Seconds(20), name))
        << "\"" << name << "\" not SERVING on the health port\n"
        << ReadAll(dir_->File("gateway-sigterm.log"));
  }
  auto health_port = Plaintext(health);
  HealthCheckRequest request;
  grpc::ClientContext watch_context;
  auto watch = Health::NewStub(health_port)->Watch(&watch_context, request);
  HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));
  ASSERT_EQ(update.status(), HealthCheckResponse::SERVING);
  // Reflection is on for the public port (the default) and still absent here.
  grpc::GenericStub health_stub(health_port);
  std::vector<grpc::ByteBuffer> responses;
  auto context = KeyContext("");
  EXPECT_EQ(testing::RawStream(health_stub, context.get(), kReflection, {ListServicesRequest()},
                               &responses)
                .error_code(),
            grpc::StatusCode::UNIMPLEMENTED);

  ASSERT_EQ(kill(process.pid(), SIGTERM), 0);
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  const int status = process.Kill(SIGTERM);  // already stopping; waits for the exit
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "status " << status << "\n"
      << ReadAll(dir_->File("gateway-sigterm.log"));
  watch->Finish();
}

TEST_F(GatewayHealthPortTest, BinaryRefusesABadHealthPortNamingTheFlag) {
  const int port = lookout::testing::PickFreePort();
  struct Case {
    std::string flag;
    std::string env;
    std::string message;
  };
  const std::string range = "must be -1 (off) or a port number in 0..65535, got ";
  for (const Case& c :
       {Case{"--health_port=70000", "", range + "70000"},
        Case{"--health_port=-2", "", range + "-2"},
        Case{"", "LOOKOUT_HEALTH_PORT=70000", range + "70000"},
        Case{absl::StrCat("--health_port=", port), "",
             absl::StrCat("must differ from --port and --metrics_port, got ", port)}}) {
    SCOPED_TRACE(c.flag + c.env);
    std::vector<std::string> flags = ValidFlags(port);
    if (!c.flag.empty()) flags.push_back(c.flag);
    auto [code, output] = RunGateway(flags, c.env);
    EXPECT_EQ(code, 2) << output;
    EXPECT_TRUE(absl::StrContains(
        output, "invalid configuration: --health_port (LOOKOUT_HEALTH_PORT): " + c.message))
        << output;
  }
  // Control: the same flags with a good --health_port pass validation (and serve).
  testing::ChildProcess process;
  std::vector<std::string> flags = ValidFlags(port);
  flags.insert(flags.begin(), LOOKOUT_GATEWAY_BINARY);
  const int health = lookout::testing::PickFreePort();
  flags.push_back(absl::StrCat("--health_port=", health));
  process.Start(flags, dir_->File("gateway-good.log"));
  EXPECT_TRUE(testing::WaitServing(absl::StrCat("127.0.0.1:", health), absl::Seconds(20)))
      << ReadAll(dir_->File("gateway-good.log"));
}

}  // namespace
}  // namespace lookout::gateway
