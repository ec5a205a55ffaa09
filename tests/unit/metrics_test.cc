// Tests for MetricsRegistry (prometheus-cpp underneath: families, scraped gauges, process
// series), the /metrics exposer (over a raw socket, as Prometheus talks to it) and the gRPC
// interceptors (over an in-process server with a raw service registered by name and a generic
// service for unknown methods, so no protos needed).

#include "common/callback_sequence.h"
#include "common/metrics.h"

#include <arpa/inet.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/metrics_exposer.h"
#include "common/metrics_interceptor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lookout {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// True if `line` is one whole line of `text`.
bool HasLine(const std::string& text, absl::string_view line) {
  for (const std::string& l : Lines(text)) {
    if (l == line) return true;
  }
  return false;
}

// The value of the one series whose line starts with `series` followed by a space, or -1.
double Value(const std::string& text, absl::string_view series) {
  for (absl::string_view line : Lines(text)) {
    if (absl::StartsWith(line, series) && line.size() > series.size() &&
        line[series.size()] == ' ') {
      double value = -1;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
    }
  }
  return -1;
}

// --- Registry ----------------------------------------------------------------

TEST(MetricsRegistryTest, CacheCounters) {
  MetricsRegistry registry;
  registry.RecordCache("event", CacheOutcome::kHit);
  registry.RecordCache("event", CacheOutcome::kHit);
  registry.RecordCache("event", CacheOutcome::kMiss);
  registry.RecordCache("event", CacheOutcome::kError, 3);
  registry.RecordCache("actor", CacheOutcome::kMiss, 0);  // counts nothing
  const std::string text = registry.RenderText();
  EXPECT_TRUE(HasLine(text, "# TYPE lookout_cache_requests_total counter")) << text;
  EXPECT_TRUE(HasLine(text, "lookout_cache_requests_total{cache=\"event\",outcome=\"hit\"} 2"))
      << text;
  EXPECT_TRUE(HasLine(text, "lookout_cache_requests_total{cache=\"event\",outcome=\"miss\"} 1"));
  EXPECT_TRUE(HasLine(text, "lookout_cache_requests_total{cache=\"event\",outcome=\"error\"} 3"));
  EXPECT_THAT(text, Not(HasSubstr("cache=\"actor\"")));
}

TEST(MetricsRegistryTest, NamedCountersAndGauges) {
  MetricsRegistry registry;
  registry.AddToCounter("lookout_test_errors_total", "Errors.", {{"reason", "empty"}});
  registry.AddToCounter("lookout_test_errors_total", "Errors.", {{"reason", "bad_line"}}, 3);
  registry.SetGauge("lookout_test_keys", "Keys.", {}, 4);
  registry.SetGauge("lookout_test_keys", "Keys.", {}, 2);
  const std::string text = registry.RenderText();
  EXPECT_TRUE(HasLine(text, "# HELP lookout_test_errors_total Errors.")) << text;
  EXPECT_TRUE(HasLine(text, "# TYPE lookout_test_errors_total counter"));
  EXPECT_TRUE(HasLine(text, "lookout_test_errors_total{reason=\"bad_line\"} 3"));
  EXPECT_TRUE(HasLine(text, "lookout_test_errors_total{reason=\"empty\"} 1"));
  EXPECT_TRUE(HasLine(text, "# TYPE lookout_test_keys gauge"));
  EXPECT_TRUE(HasLine(text, "lookout_test_keys 2")) << text;
}

TEST(MetricsRegistryTest, LatencyHistogramBucketsAreLessOrEqual) {
  MetricsRegistry registry;
  auto& family = registry.Histogram("lookout_test_seconds", "Latency.");
  auto& histogram = family.Add({{"op", "get"}}, LatencyBucketsSeconds());
  // Binary-exact values so _sum prints exactly; 0.5 sits on a bound and lands in le="0.5".
  histogram.Observe(0.0078125);
  histogram.Observe(0.5);
  histogram.Observe(16);
  const std::string text = registry.RenderText();
  const std::vector<std::pair<std::string, int>> expected = {
      {"0.005", 0}, {"0.01", 1}, {"0.25", 1}, {"0.5", 2}, {"10", 2}, {"+Inf", 3}};
  for (const auto& [le, count] : expected) {
    EXPECT_TRUE(HasLine(
        text, absl::StrCat("lookout_test_seconds_bucket{op=\"get\",le=\"", le, "\"} ", count)))
        << "le=" << le << "\n"
        << text;
  }
  EXPECT_TRUE(HasLine(text, "lookout_test_seconds_sum{op=\"get\"} 16.5078125")) << text;
  EXPECT_TRUE(HasLine(text, "lookout_test_seconds_count{op=\"get\"} 3")) << text;
}

TEST(MetricsRegistryTest, EscapesLabelValues) {
  MetricsRegistry registry;
  registry.AddToCounter("lookout_test_total", "T.", {{"name", "we\"ird\\x\ntwo"}});
  EXPECT_TRUE(HasLine(registry.RenderText(), "lookout_test_total{name=\"we\\\"ird\\\\x\\ntwo\"} 1"))
      << registry.RenderText();
}

TEST(MetricsRegistryTest, ScrapedGaugesAreReadAtEachScrapeUntilTheHandleGoes) {
  MetricsRegistry registry;
  std::atomic<int> size{10};
  auto wal = registry.AddScrapedGauge("lookout_test_file_bytes", "File size.", {{"file", "wal"}},
                                      [&size] { return size.load(); });
  auto db = registry.AddScrapedGauge("lookout_test_file_bytes", "File size.", {{"file", "db"}},
                                     [] { return 4096; });
  std::string text = registry.RenderText();
  EXPECT_TRUE(HasLine(text, "# TYPE lookout_test_file_bytes gauge")) << text;
  EXPECT_TRUE(HasLine(text, "lookout_test_file_bytes{file=\"wal\"} 10")) << text;
  EXPECT_TRUE(HasLine(text, "lookout_test_file_bytes{file=\"db\"} 4096")) << text;
  size = 20;
  EXPECT_TRUE(HasLine(registry.RenderText(), "lookout_test_file_bytes{file=\"wal\"} 20"));
  wal.reset();
  text = registry.RenderText();
  EXPECT_THAT(text, Not(HasSubstr("file=\"wal\"")));
  EXPECT_TRUE(HasLine(text, "lookout_test_file_bytes{file=\"db\"} 4096"));
  db.reset();
  EXPECT_THAT(registry.RenderText(), Not(HasSubstr("lookout_test_file_bytes")));
}

TEST(MetricsRegistryTest, ProcessSeries) {
  const std::string text = MetricsRegistry().RenderText();
  EXPECT_TRUE(HasLine(text, "# TYPE process_cpu_seconds_total counter")) << text;
  EXPECT_GT(Value(text, "process_resident_memory_bytes"), 1 << 20) << text;
  EXPECT_GT(Value(text, "process_virtual_memory_bytes"), 1 << 20) << text;
  EXPECT_GE(Value(text, "process_cpu_seconds_total"), 0) << text;
  EXPECT_GE(Value(text, "process_threads"), 1) << text;
  EXPECT_GE(Value(text, "process_open_fds"), 3) << text;
  EXPECT_GE(Value(text, "process_max_fds"), Value(text, "process_open_fds")) << text;
  // Started within the last day, not at the epoch.
  EXPECT_GT(Value(text, "process_start_time_seconds"),
            absl::ToUnixSeconds(absl::Now() - absl::Hours(24)))
      << text;
}

TEST(MetricsRegistryTest, GlobalIsASingleton) {
  EXPECT_EQ(&MetricsRegistry::Global(), &MetricsRegistry::Global());
}

// --- gRPC interceptors ---------------------------------------------------------

// A service registered by name with raw (byte) methods, so no protos are needed: "Echo" echoes
// one message, "Bad" fails with INVALID_ARGUMENT before reading anything.
class EchoReactor : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  explicit EchoReactor(bool echo) {
    if (echo) {
      StartRead(&message_);
    } else {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no"));
    }
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "no message"));
      return;
    }
    StartWriteAndFinish(&message_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer message_;
};

class TestService : public grpc::Service {
 public:
  TestService() {
    int index = 0;
    for (const char* path :
         {"/lookout.test.v1.TestService/Echo", "/lookout.test.v1.TestService/Bad"}) {
      const bool echo = absl::EndsWith(path, "/Echo");
      AddMethod(new grpc::internal::RpcServiceMethod(
          path, grpc::internal::RpcMethod::BIDI_STREAMING, nullptr));
      MarkMethodRawCallback(
          index++, new grpc::internal::CallbackBidiHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
                       [echo](grpc::CallbackServerContext*) { return new EchoReactor(echo); }));
    }
  }
};

// Every method no service registers: UNIMPLEMENTED, as the gateway answers them.
class UnknownMethods : public grpc::CallbackGenericService {
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      Reactor() { Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "unknown")); }
      void OnDone() override { delete this; }
    };
    return new Reactor();
  }
};

grpc::Status CallUnary(grpc::GenericStub& stub, const std::string& method) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice slice(std::string("ping"));
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  // The callback runs on a gRPC thread, after UnaryCall started the call: an order made inside
  // libgrpc, which ThreadSanitizer cannot see (common/callback_sequence.h).
  CallbackSequence handoff;
  handoff.Release();
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&done, &handoff](grpc::Status s) {
                   handoff.Acquire();
                   done.set_value(std::move(s));
                 });
  return done.get_future().get();
}

class MetricsInterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.RegisterService(&service_);
    builder.RegisterCallbackGenericService(&unknown_);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
    factories.push_back(std::make_unique<MetricsInterceptorFactory>(&server_metrics_));
    builder.experimental().SetInterceptorCreators(std::move(factories));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    stub_ = std::make_unique<grpc::GenericStub>(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_->Shutdown();
    server_->Wait();
  }

  int port_ = 0;
  MetricsRegistry server_metrics_;
  TestService service_;
  UnknownMethods unknown_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::GenericStub> stub_;
};

TEST_F(MetricsInterceptorTest, RecordsEveryRpcUnderTheGrpcNames) {
  EXPECT_TRUE(CallUnary(*stub_, "/lookout.test.v1.TestService/Echo").ok());
  EXPECT_TRUE(CallUnary(*stub_, "/lookout.test.v1.TestService/Echo").ok());
  EXPECT_EQ(CallUnary(*stub_, "/lookout.test.v1.TestService/Bad").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  server_->Shutdown();
  server_->Wait();

  const std::string text = server_metrics_.RenderText();
  const std::string echo =
      "grpc_method=\"Echo\",grpc_service=\"lookout.test.v1.TestService\",grpc_type=\"bidi_stream\"";
  const std::string bad =
      "grpc_method=\"Bad\",grpc_service=\"lookout.test.v1.TestService\",grpc_type=\"bidi_stream\"";
  EXPECT_TRUE(HasLine(text, "# TYPE grpc_server_started_total counter")) << text;
  EXPECT_TRUE(HasLine(text, "# TYPE grpc_server_handled_total counter")) << text;
  EXPECT_TRUE(HasLine(text, "# TYPE grpc_server_handling_seconds histogram")) << text;
  EXPECT_TRUE(HasLine(text, "grpc_server_started_total{" + echo + "} 2")) << text;
  EXPECT_TRUE(HasLine(text, "grpc_server_handled_total{grpc_code=\"OK\"," + echo + "} 2")) << text;
  EXPECT_TRUE(
      HasLine(text, "grpc_server_handled_total{grpc_code=\"InvalidArgument\"," + bad + "} 1"))
      << text;
  EXPECT_TRUE(HasLine(text, "grpc_server_handling_seconds_count{" + echo + "} 2")) << text;
  EXPECT_TRUE(HasLine(text, "grpc_server_handling_seconds_bucket{" + echo + ",le=\"+Inf\"} 2"))
      << text;
}

// Issue 24.6: each unknown path a client sent added a counter and a histogram for good (20,000
// calls to distinct 4 KB paths took a gateway from 17 MB to 188 MB).
TEST_F(MetricsInterceptorTest, UnknownPathsShareOneLabel) {
  for (int i = 0; i < 500; ++i) {
    const std::string path = absl::StrCat("/junk", i, ".v1.S/", std::string(4000, 'm'));
    ASSERT_EQ(CallUnary(*stub_, path).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  server_->Shutdown();
  server_->Wait();
  const std::string text = server_metrics_.RenderText();
  EXPECT_TRUE(
      HasLine(text,
              "grpc_server_handled_total{grpc_code=\"Unimplemented\",grpc_method=\"unknown\","
              "grpc_service=\"unknown\",grpc_type=\"unknown\"} 500"))
      << text.substr(0, 4000);
  EXPECT_THAT(text, Not(HasSubstr("junk")));
  EXPECT_LT(text.size(), 12000u) << "one series per family, plus the process series";
}

// The client side: a channel made with the client interceptor counts the calls it makes, with
// the status it received, whether the server answered or the call never reached one.
TEST_F(MetricsInterceptorTest, ClientInterceptorCountsCallsAndStatuses) {
  MetricsRegistry client_metrics;
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<ClientMetricsInterceptorFactory>(&client_metrics));
  grpc::GenericStub stub(grpc::experimental::CreateCustomChannelWithInterceptors(
      absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials(),
      grpc::ChannelArguments(), std::move(creators)));
  EXPECT_TRUE(CallUnary(stub, "/lookout.test.v1.TestService/Echo").ok());
  EXPECT_EQ(CallUnary(stub, "/lookout.test.v1.TestService/Bad").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  server_->Shutdown();
  server_->Wait();
  EXPECT_EQ(CallUnary(stub, "/lookout.test.v1.TestService/Echo").error_code(),
            grpc::StatusCode::UNAVAILABLE);

  const std::string text = client_metrics.RenderText();
  // A generic stub's call is unary from the client's side, whatever the server registered.
  const std::string echo =
      "grpc_method=\"Echo\",grpc_service=\"lookout.test.v1.TestService\",grpc_type=\"unary\"";
  EXPECT_TRUE(HasLine(text, "grpc_client_started_total{" + echo + "} 2")) << text;
  EXPECT_TRUE(HasLine(text, "grpc_client_handled_total{grpc_code=\"OK\"," + echo + "} 1")) << text;
  EXPECT_TRUE(HasLine(text, "grpc_client_handled_total{grpc_code=\"Unavailable\"," + echo + "} 1"))
      << text;
  EXPECT_THAT(text, HasSubstr("grpc_client_handled_total{grpc_code=\"InvalidArgument\""));
  EXPECT_TRUE(HasLine(text, "grpc_client_handling_seconds_count{" + echo + "} 2")) << text;
  EXPECT_THAT(text, Not(HasSubstr("grpc_server_"))) << "the client registry has no server series";
}

TEST(StatusCodeNameTest, AllSeventeenCodes) {
  const std::vector<std::string> names = {"OK",
                                          "CANCELLED",
                                          "UNKNOWN",
                                          "INVALID_ARGUMENT",
                                          "DEADLINE_EXCEEDED",
                                          "NOT_FOUND",
                                          "ALREADY_EXISTS",
                                          "PERMISSION_DENIED",
                                          "RESOURCE_EXHAUSTED",
                                          "FAILED_PRECONDITION",
                                          "ABORTED",
                                          "OUT_OF_RANGE",
                                          "UNIMPLEMENTED",
                                          "INTERNAL",
                                          "UNAVAILABLE",
                                          "DATA_LOSS",
                                          "UNAUTHENTICATED"};
  for (int code = 0; code < 17; ++code) {
    EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(code)), names[code]);
  }
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(99)), "UNKNOWN");
}

TEST(GrpcCodeLabelTest, SpelledAsGrpcDashboardsKnowThem) {
  const std::vector<std::string> names = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  for (int code = 0; code < 17; ++code) {
    EXPECT_EQ(GrpcCodeLabel(static_cast<grpc::StatusCode>(code)), names[code]);
  }
  EXPECT_EQ(GrpcCodeLabel(static_cast<grpc::StatusCode>(99)), "Unknown");
}

TEST(SplitGrpcMethodTest, SplitsServiceAndMethod) {
  auto [service, method] = SplitGrpcMethod("/lookout.event.v1.EventService/GetEvent");
  EXPECT_EQ(service, "lookout.event.v1.EventService");
  EXPECT_EQ(method, "GetEvent");
  auto [no_service, bare] = SplitGrpcMethod("Bare");
  EXPECT_EQ(no_service, "");
  EXPECT_EQ(bare, "Bare");
}

// --- Exposer ------------------------------------------------------------------

struct HttpReply {
  std::string status_line;
  std::string headers;
  std::string body;
};

// Sends `request` raw and reads until the server closes the connection.
HttpReply RawExchange(int port, const std::string& request) {
  HttpReply reply;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ADD_FAILURE() << "connect failed";
    close(fd);
    return reply;
  }
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) raw.append(buf, n);
  close(fd);
  const size_t line_end = raw.find("\r\n");
  const size_t head_end = raw.find("\r\n\r\n");
  if (line_end == std::string::npos || head_end == std::string::npos) {
    reply.status_line = raw;
    return reply;
  }
  reply.status_line = raw.substr(0, line_end);
  reply.headers = raw.substr(line_end + 2, head_end - line_end - 2);
  reply.body = raw.substr(head_end + 4);
  return reply;
}

HttpReply Get(int port, const std::string& path) {
  return RawExchange(port, absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: x\r\n\r\n"));
}

TEST(MetricsExposerTest, ServesTheRegistryOverHttp) {
  MetricsRegistry registry;
  registry.RecordCache("c", CacheOutcome::kMiss);
  auto exposer = MetricsExposer::Start("127.0.0.1", 0, &registry);
  ASSERT_TRUE(exposer.ok()) << exposer.status();
  ASSERT_GT((*exposer)->port(), 0);
  HttpReply reply = Get((*exposer)->port(), "/metrics");
  EXPECT_THAT(reply.status_line, HasSubstr("200")) << reply.status_line;
  EXPECT_THAT(reply.headers, HasSubstr("text/plain")) << reply.headers;
  EXPECT_TRUE(HasLine(reply.body, "lookout_cache_requests_total{cache=\"c\",outcome=\"miss\"} 1"))
      << reply.body;
  EXPECT_THAT(reply.body, HasSubstr("process_resident_memory_bytes "));
  // A scrape sees values as they are now.
  registry.RecordCache("c", CacheOutcome::kMiss);
  EXPECT_TRUE(HasLine(Get((*exposer)->port(), "/metrics").body,
                      "lookout_cache_requests_total{cache=\"c\",outcome=\"miss\"} 2"));
  EXPECT_THAT(Get((*exposer)->port(), "/other").status_line, HasSubstr("404"));
}

TEST(MetricsExposerTest, SurvivesGarbage) {
  MetricsRegistry registry;
  auto exposer = MetricsExposer::Start("127.0.0.1", 0, &registry);
  ASSERT_TRUE(exposer.ok()) << exposer.status();
  for (const std::string& junk :
       {std::string("\r\n\r\n"), std::string("GARBAGE\r\n\r\n"),
        absl::StrCat("GET /", std::string(20000, 'a'), " HTTP/1.1\r\n\r\n")}) {
    RawExchange((*exposer)->port(), junk);
  }
  EXPECT_THAT(Get((*exposer)->port(), "/metrics").status_line, HasSubstr("200"));
}

TEST(MetricsExposerTest, BusyPortIsAnErrorNamingTheAddress) {
  MetricsRegistry registry;
  auto first = MetricsExposer::Start("127.0.0.1", 0, &registry);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = MetricsExposer::Start("127.0.0.1", (*first)->port(), &registry);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr(absl::StrCat("127.0.0.1:", (*first)->port())));
}

TEST(MetricsExposerTest, AnAddressTheHostLacksIsAnError) {
  MetricsRegistry registry;
  auto exposer = MetricsExposer::Start("192.0.2.1", 0, &registry);  // TEST-NET-1
  ASSERT_FALSE(exposer.ok());
  EXPECT_THAT(exposer.status().message(), HasSubstr("192.0.2.1"));
}

}  // namespace
}  // namespace lookout
