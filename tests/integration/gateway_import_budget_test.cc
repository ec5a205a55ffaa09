// Issue 16.2: the import budget against a real Redis and the real event and actor services. A
// large import (several ImportEvents streams, bulk ResolveActors creating names) passes a key
// whose call budget is tiny, while a runaway client of the same key is still refused by the call
// budget; a stream over a small import budget is slowed down, never refused, and loses no row
// (with Redis and with Redis stopped); a ResolveActors over it is refused with RetryInfo and
// creates nothing; a bad --import_rate_limits stops the binary naming the flag.
#include <grpcpp/grpcpp.h>
#include <sys/wait.h>

#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/metrics.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "lookout/gateway/v1/gateway_service.grpc.pb.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

using actor::v1::ActorService;
using event::v1::EventService;
using testing::AnnouncedWait;
using testing::KeyContext;

// Elapsed times are compared with bounds that the rule makes the least possible; the clocks
// of the test, Redis and gRPC's timers may disagree by this much.
constexpr absl::Duration kClockTolerance = absl::Milliseconds(50);

event::v1::Event MakeEvent(const std::string& tag, int i) {
  event::v1::Event event;
  event.set_event_date(absl::StrCat("2024-0", (i % 9) + 1, "-1", i % 10));
  event.set_event_type(event::v1::EVENT_TYPE_BATTLES);
  event.set_sub_event_type("Armed clash");
  event.mutable_location()->set_country_code("HTI");
  event.mutable_location()->set_admin1("Ouest");
  event.set_notes(absl::StrCat(tag, " ", i));
  return event;
}

class GatewayImportBudgetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new lookout::testing::TempDir();
    redis_ = new lookout::testing::RedisServer();
    redis_->Start();
    backends_ = new testing::BackendProcesses(dir_->path(), 0);
    backends_->StartActor();
    backends_->StartEvent();
    addresses_ = {backends_->event_addr(), backends_->actor_addr(), "127.0.0.1:1"};
  }
  static void TearDownTestSuite() {
    delete backends_;
    delete redis_;
    delete dir_;
  }

  void SetUp() override {
    if (!redis_->running()) redis_->Start();
    redis_->Flush();  // every test starts from full buckets
    keys_ = testing::MakeTestKeys();
    keys_file_ = dir_->File(absl::StrCat("keys-", ++test_number_));
  }

  // An in-process gateway in front of the real services, with `editor_limits` on the editor's
  // keys-file line and `import_flag` as --import_rate_limits.
  std::unique_ptr<GatewayServer> StartGateway(const std::string& editor_limits,
                                              const std::string& import_flag = "") {
    testing::WriteFile(keys_file_, keys_.FileText("", editor_limits));
    GatewayConfig config = testing::TestGatewayConfig(addresses_, keys_file_, redis_->port());
    EXPECT_TRUE(config.import_limits.Parse(import_flag).ok());
    auto gateway = GatewayServer::Start(std::move(config));
    EXPECT_TRUE(gateway.ok()) << gateway.status();
    return gateway.ok() ? *std::move(gateway) : nullptr;
  }

  static std::string Address(const GatewayServer& gateway) {
    return absl::StrCat("127.0.0.1:", gateway.port());
  }

  // One ImportEvents stream of `rows` rows tagged `tag`; its status and response.
  static grpc::Status Import(EventService::Stub* stub, const std::string& key,
                             const std::string& tag, int rows,
                             event::v1::ImportEventsResponse* response) {
    auto context = KeyContext(key, absl::Seconds(120));
    auto writer = stub->ImportEvents(context.get(), response);
    for (int i = 0; i < rows; ++i) {
      event::v1::ImportEventsRequest row;
      *row.mutable_event() = MakeEvent(tag, i);
      if (!writer->Write(row)) break;  // the status says why
    }
    writer->WritesDone();
    return writer->Finish();
  }

  static grpc::Status Resolve(ActorService::Stub* stub, const std::string& key,
                              const std::vector<std::string>& names, bool create,
                              actor::v1::ResolveActorsResponse* response) {
    actor::v1::ResolveActorsRequest request;
    for (const std::string& name : names) request.add_names(name);
    request.set_create_missing(create);
    request.set_default_country_code("HTI");
    auto context = KeyContext(key, absl::Seconds(60));
    return stub->ResolveActors(context.get(), request, response);
  }

  static std::vector<std::string> Names(const std::string& tag, int count) {
    std::vector<std::string> names;
    for (int i = 0; i < count; ++i) names.push_back(absl::StrCat(tag, " militia ", i));
    return names;
  }

  // 300 rows over an import budget of 100 rows/s, burst 100: the 200 beyond the burst come at
  // the budget's rate, so the stream takes at least 2 s; every row is committed.
  void ExpectPacedImport(const std::string& editor_limits, const std::string& import_flag,
                         const std::string& tag) {
    auto gateway = StartGateway(editor_limits, import_flag);
    ASSERT_NE(gateway, nullptr);
    auto stub = EventService::NewStub(testing::Connect(Address(*gateway)));
    const absl::Time start = absl::Now();
    event::v1::ImportEventsResponse imported;
    grpc::Status status = Import(stub.get(), keys_.editor, tag, 300, &imported);
    const absl::Duration elapsed = absl::Now() - start;
    std::cout << "300 rows over an import budget of 100 rows/s, burst 100: " << elapsed << "\n";
    ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    EXPECT_EQ(imported.received(), 300);
    EXPECT_EQ(imported.created(), 300);
    EXPECT_GE(elapsed, absl::Seconds(2) - kClockTolerance) << "(300 - 100) rows at 100 rows/s";
    // Paid in chunks, not row by row: far fewer decisions than rows.
    const RateLimiter& imports = gateway->import_rate_limiter();
    EXPECT_LT(imports.redis_trips() + imports.local_decisions(), 150);
  }

  static lookout::testing::TempDir* dir_;
  static lookout::testing::RedisServer* redis_;
  static testing::BackendProcesses* backends_;
  static BackendAddresses addresses_;
  static int test_number_;
  testing::TestKeys keys_;
  std::string keys_file_;
};

lookout::testing::TempDir* GatewayImportBudgetTest::dir_ = nullptr;
lookout::testing::RedisServer* GatewayImportBudgetTest::redis_ = nullptr;
testing::BackendProcesses* GatewayImportBudgetTest::backends_ = nullptr;
BackendAddresses GatewayImportBudgetTest::addresses_;
int GatewayImportBudgetTest::test_number_ = 0;

// A default EDITOR import budget with a call budget of 5 calls/s, burst 5: 3,000 names created
// by 3 ResolveActors calls and 30,000 rows over 2 concurrent ImportEvents streams (5 calls)
// pass without one RESOURCE_EXHAUSTED, every row committed; the same key making ordinary calls
// is then refused by its call budget, as before.
TEST_F(GatewayImportBudgetTest, ALargeImportPassesWhileARunawayIsStillStopped) {
  auto gateway = StartGateway("5:5");
  ASSERT_NE(gateway, nullptr);
  auto channel = testing::Connect(Address(*gateway));
  auto events = EventService::NewStub(channel);
  auto actors = ActorService::NewStub(channel);
  const absl::Time start = absl::Now();

  for (int call = 0; call < 3; ++call) {
    std::vector<std::string> names = Names(absl::StrCat("bulk ", call), 1000);
    actor::v1::ResolveActorsResponse resolved;
    grpc::Status status = Resolve(actors.get(), keys_.editor, names, true, &resolved);
    ASSERT_TRUE(status.ok()) << call << ": " << status.error_code() << " "
                             << status.error_message();
    ASSERT_EQ(resolved.resolutions_size(), 1000);
    for (const auto& resolution : resolved.resolutions()) {
      EXPECT_EQ(resolution.match(), actor::v1::RESOLUTION_MATCH_CREATED) << resolution.name();
    }
  }

  constexpr int kStreams = 2;
  constexpr int kRowsPerStream = 15000;
  std::vector<grpc::Status> statuses(kStreams);
  std::vector<event::v1::ImportEventsResponse> responses(kStreams);
  std::vector<std::thread> streams;
  for (int s = 0; s < kStreams; ++s) {
    streams.emplace_back([&, s] {
      statuses[s] = Import(events.get(), keys_.editor, absl::StrCat("large import ", s),
                           kRowsPerStream, &responses[s]);
    });
  }
  for (std::thread& stream : streams) stream.join();
  std::cout << "3,000 names and " << kStreams * kRowsPerStream << " rows in " << absl::Now() - start
            << " with a call budget of 5/s, burst 5\n";
  for (int s = 0; s < kStreams; ++s) {
    ASSERT_TRUE(statuses[s].ok()) << s << ": " << statuses[s].error_code() << " "
                                  << statuses[s].error_message();
    EXPECT_EQ(responses[s].received(), kRowsPerStream);
    EXPECT_EQ(responses[s].created(), kRowsPerStream);
    EXPECT_EQ(responses[s].rejected(), 0);
  }

  // The runaway: ordinary calls of the same key, as fast as it can.
  auto gateway_stub = v1::GatewayService::NewStub(channel);
  grpc::Status refused;
  int allowed = 0;
  for (int i = 0; i < 50 && refused.ok(); ++i) {
    v1::WhoAmIResponse who;
    auto context = KeyContext(keys_.editor);
    refused = gateway_stub->WhoAmI(context.get(), v1::WhoAmIRequest(), &who);
    allowed += refused.ok();
  }
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "5 calls per second, burst 5"))
      << refused.error_message();
  EXPECT_FALSE(refused.error_details().empty()) << "RetryInfo";
  EXPECT_LE(allowed, 5) << "at most a refilled burst";
  EXPECT_TRUE(absl::StrContains(MetricsRegistry::Global().RenderText(),
                                "lookout_gateway_rate_limit_decisions_total{budget=\"calls\","
                                "decision=\"refused\",role=\"EDITOR\"}"));
}

// Many small imports are calls like any other: the call budget stops a client opening streams
// in a loop, whatever its import budget.
TEST_F(GatewayImportBudgetTest, StreamsStillCostACallEach) {
  auto gateway = StartGateway("2:3");
  ASSERT_NE(gateway, nullptr);
  auto events = EventService::NewStub(testing::Connect(Address(*gateway)));
  int allowed = 0;
  grpc::Status refused;
  for (int i = 0; i < 20 && refused.ok(); ++i) {
    event::v1::ImportEventsResponse imported;
    refused = Import(events.get(), keys_.editor, absl::StrCat("small import ", i), 1, &imported);
    allowed += refused.ok();
  }
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "2 calls per second, burst 3"))
      << refused.error_message();
  EXPECT_GE(allowed, 3);
  EXPECT_LE(allowed, 4);
}

// The key's own import budget from its keys-file line.
TEST_F(GatewayImportBudgetTest, AStreamOverTheImportBudgetIsPacedNotRefused) {
  ExpectPacedImport("import=100:100", "", "paced import");
}

// The role's import budget from --import_rate_limits, decided in the gateway's memory while
// Redis is down.
TEST_F(GatewayImportBudgetTest, WithRedisDownTheImportBudgetIsKeptLocally) {
  redis_->Stop();
  ExpectPacedImport("", "EDITOR=100:100", "paced import without redis");
}

// The stream's deadline still runs while it is paced: an import that the budget cannot carry in
// time ends DEADLINE_EXCEEDED and commits nothing more (its last batch included), the gateway
// lets go of it, and the key goes on importing.
TEST_F(GatewayImportBudgetTest, APacedStreamPastItsDeadlineEndsAndCommitsNothingMore) {
  auto gateway = StartGateway("import=100:100");
  ASSERT_NE(gateway, nullptr);
  auto channel = testing::Connect(Address(*gateway));
  auto stub = EventService::NewStub(channel);
  // 400 rows (one batch of the event service, uncommitted until the stream ends) need 3 s at
  // this budget; the deadline is 1 s.
  auto context = KeyContext(keys_.editor, absl::Seconds(1));
  event::v1::ImportEventsResponse imported;
  auto writer = stub->ImportEvents(context.get(), &imported);
  for (int i = 0; i < 400; ++i) {
    event::v1::ImportEventsRequest row;
    *row.mutable_event() = MakeEvent("past its deadline", i);
    if (!writer->Write(row)) break;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();

  // A finite watch from the start (as the admin, whose budgets are untouched) sees none of them.
  auto watch_context = KeyContext(keys_.admin, absl::Seconds(60));
  auto reader = stub->WatchEvents(watch_context.get(), event::v1::WatchEventsRequest());
  event::v1::WatchEventsResponse change;
  int committed = 0;
  while (reader->Read(&change)) {
    committed += absl::StartsWith(change.event().notes(), "past its deadline");
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(committed, 0);

  absl::SleepFor(absl::Seconds(1));  // the bucket refills
  event::v1::ImportEventsResponse next;
  grpc::Status again = Import(stub.get(), keys_.editor, "after the deadline", 50, &next);
  EXPECT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(next.created(), 50);
}

// A ResolveActors whose names do not fit the import budget is refused as a whole with the wait,
// creates nothing, and passes once the wait is over; resolving without creating draws nothing.
TEST_F(GatewayImportBudgetTest, AResolveOverTheImportBudgetIsRefusedAndCreatesNothing) {
  auto gateway = StartGateway("import=100:100");
  ASSERT_NE(gateway, nullptr);
  auto actors = ActorService::NewStub(testing::Connect(Address(*gateway)));
  actor::v1::ResolveActorsResponse resolved;
  ASSERT_TRUE(Resolve(actors.get(), keys_.editor, Names("first", 80), true, &resolved).ok());

  const std::vector<std::string> second = Names("second", 80);
  grpc::Status refused = Resolve(actors.get(), keys_.editor, second, true, &resolved);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(refused.error_message(),
                                "import rate limit exceeded for key \"editor\" (100 rows per "
                                "second, burst 100; this request needs 80)"))
      << refused.error_message();
  EXPECT_FALSE(refused.error_details().empty()) << "RetryInfo";
  const absl::Duration wait = AnnouncedWait(refused.error_message());
  EXPECT_GT(wait, absl::Milliseconds(500)) << "60 rows short at 100 rows/s";
  EXPECT_LE(wait, absl::Milliseconds(600));
  EXPECT_TRUE(absl::StrContains(MetricsRegistry::Global().RenderText(),
                                "lookout_gateway_rate_limit_decisions_total{budget=\"imports\","
                                "decision=\"refused\",role=\"EDITOR\"}"));

  // Nothing was created: a reader's lookup (no import budget drawn) finds none of them.
  actor::v1::ResolveActorsResponse lookup;
  grpc::Status looked = Resolve(actors.get(), keys_.reader, second, false, &lookup);
  ASSERT_TRUE(looked.ok()) << looked.error_message();
  ASSERT_EQ(lookup.resolutions_size(), 80);
  for (const auto& resolution : lookup.resolutions()) {
    EXPECT_EQ(resolution.match(), actor::v1::RESOLUTION_MATCH_NONE) << resolution.name();
  }

  absl::SleepFor(wait + kClockTolerance);
  grpc::Status retried = Resolve(actors.get(), keys_.editor, second, true, &resolved);
  EXPECT_TRUE(retried.ok()) << retried.error_message();
  EXPECT_EQ(resolved.resolutions_size(), 80);
}

// The binary refuses a bad --import_rate_limits (or its environment variable) naming the flag.
TEST_F(GatewayImportBudgetTest, BinaryRefusesABadImportRateLimitNamingTheFlag) {
  testing::WriteFile(keys_file_, keys_.FileText());
  struct Case {
    std::string flag;
    std::string env;
    std::string message;
  };
  for (const Case& c :
       {Case{"--import_rate_limits=READER=10:10", "", "\"READER=10:10\": READER cannot import"},
        Case{"--import_rate_limits=EDITOR=fast", "",
             "rate limit \"fast\": the rate must be a number of rows per second"},
        Case{"--import_rate_limits=EDITOR=10:0", "",
             "rate limit \"10:0\": expected <rows per second>:<burst>, burst at least 1"},
        Case{"", "LOOKOUT_IMPORT_RATE_LIMITS=ROOT=1:1",
             "\"ROOT=1:1\": expected ROLE=<rows per second>:<burst>"}}) {
    SCOPED_TRACE(c.flag + c.env);
    std::string command = absl::StrCat("timeout 20 env ", c.env, " ", LOOKOUT_GATEWAY_BINARY);
    std::vector<std::string> flags =
        testing::GatewayFlags(addresses_, keys_file_, lookout::testing::PickFreePort(), 0);
    if (!c.flag.empty()) flags.push_back(c.flag);
    for (const std::string& flag : flags) absl::StrAppend(&command, " '", flag, "'");
    absl::StrAppend(&command, " 2>&1");
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
    const int status = pclose(pipe);
    EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 2) << output;
    EXPECT_TRUE(absl::StrContains(
        output,
        "invalid configuration: --import_rate_limits (LOOKOUT_IMPORT_RATE_LIMITS): " + c.message))
        << output;
  }
}

}  // namespace
}  // namespace lookout::gateway
