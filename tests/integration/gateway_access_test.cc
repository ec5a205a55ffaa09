// Access control and byte forwarding at an in-process gateway in front of an echo backend that
// records what reached it: every role against every routed method, missing / forged / revoked
// keys, the identity passed to backends, backend statuses passed through unchanged, unknown
// methods, health and reflection without a key, and TLS with a self-signed certificate.
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/generic/async_generic_service.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/call_context.h"
#include "common/crypto.h"
#include "common/metrics.h"
#include "common/trace_context.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.pb.h"
#include "lookout/event/v1/event_service.pb.h"
#include "lookout/gateway/v1/gateway_service.grpc.pb.h"
#include "services/gateway/forwarding/route_table.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

using testing::KeyContext;
using testing::RawStream;
using testing::RawUnary;
using testing::ToBytes;

// A request id the echo backend answers with an error carrying details and a trailer.
constexpr char kFailId[] = "evt_fail_with_details";
constexpr char kErrorDetails[] = "\x08\x05\x12\x04rich";

// What one call looked like when it reached the backend.
struct Seen {
  std::string path;
  std::string token;
  std::string principal;
  std::string role;
  std::string request_id;
  std::string traceparent;
  bool had_authorization = false;
};

// A backend for every path: unary echoes the request, client streaming answers with the count
// received, server streaming answers with three copies of the request.
class EchoBackend final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    Seen seen;
    seen.path = context->method();
    auto value = [&](const char* key) {
      auto it = context->client_metadata().find(key);
      return it == context->client_metadata().end()
                 ? std::string()
                 : std::string(it->second.data(), it->second.size());
    };
    seen.token = value(kInternalTokenHeader);
    seen.principal = value(kPrincipalHeader);
    seen.role = value(kRoleHeader);
    seen.request_id = value(kRequestIdHeader);
    seen.traceparent = value(kTraceparentHeader);
    seen.had_authorization = context->client_metadata().count("authorization") > 0;
    {
      absl::MutexLock lock(&mu_);
      seen_.push_back(seen);
    }
    return new Reactor(context);
  }

  std::vector<Seen> seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }
  size_t calls() {
    absl::MutexLock lock(&mu_);
    return seen_.size();
  }

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Reactor(grpc::GenericCallbackServerContext* context) : context_(context) {
      StartRead(&incoming_);
    }
    void OnReadDone(bool ok) override {
      if (ok) {
        received_.push_back(incoming_);
        StartRead(&incoming_);
        return;
      }
      Answer();
    }
    void OnWriteDone(bool ok) override {
      if (!ok || pending_.empty()) {
        Finish(grpc::Status::OK);
        return;
      }
      WriteNext();
    }
    void OnDone() override { delete this; }

   private:
    void Answer() {
      const Route* route = FindRoute(context_->method());
      CallKind kind = route != nullptr ? route->kind : CallKind::kUnary;
      if (kind == CallKind::kClientStreaming) {
        event::v1::ImportEventsResponse response;
        response.set_received(static_cast<int64_t>(received_.size()));
        pending_.push_back(ToBytes(response));
      } else if (!received_.empty()) {
        event::v1::GetEventRequest request;
        if (testing::FromBytes(received_[0], &request) && request.id() == kFailId) {
          context_->AddTrailingMetadata("x-backend-trailer", "kept");
          Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "event \"evt_fail\" not found",
                              std::string(kErrorDetails, sizeof(kErrorDetails) - 1)));
          return;
        }
        int copies = kind == CallKind::kServerStreaming ? 3 : 1;
        for (int i = 0; i < copies; ++i) pending_.push_back(received_[0]);
      }
      if (pending_.empty()) {
        Finish(grpc::Status::OK);
        return;
      }
      WriteNext();
    }
    void WriteNext() {
      current_ = pending_.front();
      pending_.erase(pending_.begin());
      StartWrite(&current_);
    }

    grpc::GenericCallbackServerContext* const context_;
    grpc::ByteBuffer incoming_;
    grpc::ByteBuffer current_;
    std::vector<grpc::ByteBuffer> received_;
    std::vector<grpc::ByteBuffer> pending_;
  };

  absl::Mutex mu_;
  std::vector<Seen> seen_ ABSL_GUARDED_BY(mu_);
};

class GatewayAccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    backend_ = new EchoBackend();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &backend_port_);
    builder.RegisterCallbackGenericService(backend_);
    backend_server_ = builder.BuildAndStart().release();
    dir_ = new lookout::testing::TempDir();
    keys_ = new testing::TestKeys(testing::MakeTestKeys());
    keys_file_ = dir_->File("keys");
    testing::WriteFile(keys_file_, keys_->FileText());
    std::string address = absl::StrCat("127.0.0.1:", backend_port_);
    GatewayConfig config = testing::TestGatewayConfig({address, address, address}, keys_file_, 0);
    // Every role may make many calls here; limits have their own tests.
    ASSERT_TRUE(
        config.role_limits.Parse("READER=10000:10000,EDITOR=10000:10000,ADMIN=10000:10000").ok());
    auto gateway = GatewayServer::Start(std::move(config));
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = gateway->release();
  }
  static void TearDownTestSuite() {
    delete gateway_;
    backend_server_->Shutdown();
    delete backend_server_;
    delete backend_;
    delete keys_;
    delete dir_;
  }

  void SetUp() override {
    channel_ = testing::Connect(absl::StrCat("127.0.0.1:", gateway_->port()));
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
  }

  // Calls `route` with an empty request (or `request`), as the kind of call it is.
  grpc::Status Call(const Route& route, const std::string& key,
                    const grpc::ByteBuffer& request = grpc::ByteBuffer(),
                    std::vector<grpc::ByteBuffer>* responses = nullptr) {
    std::vector<grpc::ByteBuffer> ignored;
    if (responses == nullptr) responses = &ignored;
    auto context = KeyContext(key);
    grpc::ByteBuffer body = request.Valid() ? request : ToBytes(event::v1::GetEventRequest());
    if (route.kind == CallKind::kUnary) {
      grpc::ByteBuffer response;
      grpc::Status status = RawUnary(*stub_, context.get(), route.path, body, &response);
      if (status.ok()) responses->push_back(response);
      return status;
    }
    std::vector<grpc::ByteBuffer> requests = {body};
    if (route.kind == CallKind::kClientStreaming) requests = {body, body, body, body};
    return RawStream(*stub_, context.get(), route.path, requests, responses);
  }

  static EchoBackend* backend_;
  static grpc::Server* backend_server_;
  static int backend_port_;
  static lookout::testing::TempDir* dir_;
  static testing::TestKeys* keys_;
  static std::string keys_file_;
  static GatewayServer* gateway_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
};

EchoBackend* GatewayAccessTest::backend_ = nullptr;
grpc::Server* GatewayAccessTest::backend_server_ = nullptr;
int GatewayAccessTest::backend_port_ = 0;
lookout::testing::TempDir* GatewayAccessTest::dir_ = nullptr;
testing::TestKeys* GatewayAccessTest::keys_ = nullptr;
std::string GatewayAccessTest::keys_file_;
GatewayServer* GatewayAccessTest::gateway_ = nullptr;

TEST_F(GatewayAccessTest, EveryRoleAgainstEveryForwardedMethod) {
  struct Holder {
    const char* name;
    std::string key;
    Role role;
  };
  for (const Holder& holder : {Holder{"reader", keys_->reader, v1::ROLE_READER},
                               Holder{"editor", keys_->editor, v1::ROLE_EDITOR},
                               Holder{"admin", keys_->admin, v1::ROLE_ADMIN}}) {
    for (const Route& route : Routes()) {
      if (route.backend == Backend::kGateway) continue;
      size_t before = backend_->calls();
      grpc::Status status = Call(route, holder.key);
      bool allowed = RoleSatisfies(holder.role, route.min_role);
      SCOPED_TRACE(absl::StrCat(holder.name, " ", route.path));
      if (allowed) {
        EXPECT_TRUE(status.ok()) << status.error_message();
        ASSERT_EQ(backend_->calls(), before + 1);
        Seen seen = backend_->seen().back();
        EXPECT_EQ(seen.path, route.path);
        EXPECT_EQ(seen.principal, holder.name);
        EXPECT_EQ(seen.role, RoleName(holder.role));
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        const char* needs = route.min_role == v1::ROLE_ADMIN ? "needs ADMIN" : "needs EDITOR";
        EXPECT_TRUE(absl::StrContains(status.error_message(), needs)) << status.error_message();
        EXPECT_EQ(backend_->calls(), before) << "a refused call must not reach the backend";
      }
    }
  }
}

TEST_F(GatewayAccessTest, WhoAmIForEveryRole) {
  auto stub = v1::GatewayService::NewStub(channel_);
  for (auto [key, name, role] : {std::tuple{keys_->reader, "reader", v1::ROLE_READER},
                                 std::tuple{keys_->editor, "editor", v1::ROLE_EDITOR},
                                 std::tuple{keys_->admin, "admin", v1::ROLE_ADMIN}}) {
    v1::WhoAmIResponse response;
    auto context = KeyContext(key);
    ASSERT_TRUE(stub->WhoAmI(context.get(), v1::WhoAmIRequest(), &response).ok());
    EXPECT_EQ(response.principal(), name);
    EXPECT_EQ(response.role(), role);
  }
}

TEST_F(GatewayAccessTest, ResolveActorsNeedsEditorToCreateMissing) {
  const Route& route = *FindRoute("/lookout.actor.v1.ActorService/ResolveActors");
  actor::v1::ResolveActorsRequest request;
  request.add_names("Viv Ansanm");
  EXPECT_TRUE(Call(route, keys_->reader, ToBytes(request)).ok());
  request.set_create_missing(true);
  grpc::Status denied = Call(route, keys_->reader, ToBytes(request));
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Call(route, keys_->editor, ToBytes(request)).ok());

  // Names given as `actors`: each entry's type is field 2 of a nested message, the number of
  // create_missing at the top level; only the top-level field decides the role.
  actor::v1::ResolveActorsRequest with_actors;
  actor::v1::ActorToResolve* entry = with_actors.add_actors();
  entry->set_name("Viv Ansanm");
  entry->set_type(actor::v1::ACTOR_TYPE_CRIMINAL_GROUP);
  entry->set_country_code("HTI");
  const size_t before = backend_->calls();
  EXPECT_TRUE(Call(route, keys_->reader, ToBytes(with_actors)).ok());
  with_actors.set_create_missing(true);
  denied = Call(route, keys_->reader, ToBytes(with_actors));
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Call(route, keys_->editor, ToBytes(with_actors)).ok());
  EXPECT_EQ(backend_->calls(), before + 2) << "the refused call must not reach the backend";
}

TEST_F(GatewayAccessTest, MissingForgedAndMalformedKeysLookTheSame) {
  const Route& route = *FindRoute("/lookout.event.v1.EventService/GetEvent");
  size_t before = backend_->calls();
  std::vector<grpc::Status> refused;
  refused.push_back(Call(route, ""));
  refused.push_back(Call(route, "lk_forged_0123456789"));
  refused.push_back(Call(route, keys_->reader + "x"));
  {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Basic " + keys_->reader);
    grpc::ByteBuffer response;
    refused.push_back(RawUnary(*stub_, context.get(), route.path,
                               ToBytes(event::v1::GetEventRequest()), &response));
  }
  for (const grpc::Status& status : refused) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(status.error_message(), refused[0].error_message());
  }
  EXPECT_EQ(backend_->calls(), before);
  // Streams are refused before they start as well.
  EXPECT_EQ(Call(*FindRoute("/lookout.event.v1.EventService/WatchEvents"), "").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::WhoAmIResponse who;
  auto context = KeyContext("lk_forged");
  EXPECT_EQ(v1::GatewayService::NewStub(channel_)
                ->WhoAmI(context.get(), v1::WhoAmIRequest(), &who)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayAccessTest, RevokedKeyIsRefusedWithoutRestart) {
  const Route& route = *FindRoute("/lookout.event.v1.EventService/GetEvent");
  testing::TestKeys extra = testing::MakeTestKeys();
  std::string base = keys_->FileText();
  testing::WriteFile(keys_file_, base + "temp READER " + Sha256Hex(extra.reader) + "\n");
  absl::Time end = absl::Now() + absl::Seconds(5);
  while (!Call(route, extra.reader).ok() && absl::Now() < end)
    absl::SleepFor(absl::Milliseconds(50));
  ASSERT_TRUE(Call(route, extra.reader).ok()) << "a new key line is picked up";

  testing::WriteFile(keys_file_, base);  // revoke: the line goes
  grpc::Status status;
  end = absl::Now() + absl::Seconds(5);
  do {
    status = Call(route, extra.reader);
    if (!status.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < end);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), Call(route, "lk_never_existed").error_message());
  EXPECT_TRUE(Call(route, keys_->reader).ok()) << "other keys keep working";
}

TEST_F(GatewayAccessTest, BackendsGetTheIdentityNotTheKey) {
  const Route& route = *FindRoute("/lookout.event.v1.EventService/ListEvents");
  auto context = KeyContext(keys_->editor);
  context->AddMetadata("x-request-id", "req-42");
  grpc::ByteBuffer response;
  ASSERT_TRUE(RawUnary(*stub_, context.get(), route.path, ToBytes(event::v1::ListEventsRequest()),
                       &response)
                  .ok());
  Seen seen = backend_->seen().back();
  EXPECT_EQ(seen.token, testing::kInternalToken);
  EXPECT_EQ(seen.principal, "editor");
  EXPECT_EQ(seen.role, "EDITOR");
  EXPECT_EQ(seen.request_id, "req-42");
  EXPECT_FALSE(seen.had_authorization) << "the caller's key must not travel further";
}

// Every forwarded call, unary or streaming, carries the caller's trace with a new span id of its
// own; a missing or invalid traceparent becomes a new trace, never a refusal.
TEST_F(GatewayAccessTest, ForwardedCallsCarryTheCallersTraceWithANewSpan) {
  constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
  constexpr char kCallerSpan[] = "00f067aa0ba902b7";
  const std::string traceparent = absl::StrCat("00-", kTraceId, "-", kCallerSpan, "-01");
  std::vector<std::string> parents;
  for (const char* path :
       {"/lookout.event.v1.EventService/ListEvents", "/lookout.event.v1.EventService/ListEvents",
        "/lookout.event.v1.EventService/WatchEvents",
        "/lookout.event.v1.EventService/ImportEvents"}) {
    const Route& route = *FindRoute(path);
    auto context = KeyContext(keys_->editor);
    context->AddMetadata(kTraceparentHeader, traceparent);
    grpc::ByteBuffer body = ToBytes(event::v1::ListEventsRequest());
    grpc::Status status;
    if (route.kind == CallKind::kUnary) {
      grpc::ByteBuffer response;
      status = RawUnary(*stub_, context.get(), route.path, body, &response);
    } else {
      std::vector<grpc::ByteBuffer> responses;
      status = RawStream(*stub_, context.get(), route.path, {body}, &responses);
    }
    ASSERT_TRUE(status.ok()) << path << ": " << status.error_message();
    Seen seen = backend_->seen().back();
    ASSERT_EQ(seen.path, path);
    std::optional<Traceparent> sent = ParseTraceparent(seen.traceparent);
    ASSERT_TRUE(sent.has_value()) << path << ": [" << seen.traceparent << "]";
    EXPECT_EQ(sent->trace_id, kTraceId) << path;
    EXPECT_NE(sent->parent_id, kCallerSpan) << path;
    EXPECT_EQ(sent->flags, 0x01) << path;
    parents.push_back(sent->parent_id);
  }
  std::sort(parents.begin(), parents.end());
  EXPECT_EQ(std::unique(parents.begin(), parents.end()), parents.end())
      << "every backend call has a span id of its own";

  const Route& route = *FindRoute("/lookout.event.v1.EventService/ListEvents");
  for (const std::string& value :
       {std::string(), std::string("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
        std::string("00-00000000000000000000000000000000-00f067aa0ba902b7-01")}) {
    auto context = KeyContext(keys_->reader);
    if (!value.empty()) context->AddMetadata(kTraceparentHeader, value);
    grpc::ByteBuffer response;
    ASSERT_TRUE(RawUnary(*stub_, context.get(), route.path, ToBytes(event::v1::ListEventsRequest()),
                         &response)
                    .ok())
        << "[" << value << "]";
    std::optional<Traceparent> sent = ParseTraceparent(backend_->seen().back().traceparent);
    ASSERT_TRUE(sent.has_value()) << "[" << value << "]";
    EXPECT_NE(sent->trace_id, kTraceId);
    EXPECT_NE(sent->trace_id, "00000000000000000000000000000000");
    EXPECT_EQ(sent->flags, 0x01) << "a trace the gateway starts is sampled";
    // The caller learns the new trace from the trailing metadata, with the gateway's own span.
    auto trailers = context->GetServerTrailingMetadata();
    auto told_entry = trailers.find("traceresponse");
    ASSERT_NE(told_entry, trailers.end());
    std::optional<Traceparent> told =
        ParseTraceparent(std::string(told_entry->second.data(), told_entry->second.size()));
    ASSERT_TRUE(told.has_value());
    EXPECT_EQ(told->trace_id, sent->trace_id);
    EXPECT_NE(told->parent_id, sent->parent_id);
  }
}

TEST_F(GatewayAccessTest, BytesAndStreamsPassThroughUnchanged) {
  event::v1::GetEventRequest request;
  request.set_id("evt_123");
  std::vector<grpc::ByteBuffer> responses;
  ASSERT_TRUE(Call(*FindRoute("/lookout.event.v1.EventService/GetEvent"), keys_->reader,
                   ToBytes(request), &responses)
                  .ok());
  event::v1::GetEventRequest echoed;
  ASSERT_EQ(responses.size(), 1u);
  ASSERT_TRUE(testing::FromBytes(responses[0], &echoed));
  EXPECT_EQ(echoed.id(), "evt_123");

  responses.clear();
  ASSERT_TRUE(Call(*FindRoute("/lookout.event.v1.EventService/WatchEvents"), keys_->reader,
                   ToBytes(request), &responses)
                  .ok());
  EXPECT_EQ(responses.size(), 3u);

  responses.clear();
  ASSERT_TRUE(Call(*FindRoute("/lookout.event.v1.EventService/ImportEvents"), keys_->editor,
                   ToBytes(request), &responses)
                  .ok());
  ASSERT_EQ(responses.size(), 1u);
  event::v1::ImportEventsResponse imported;
  ASSERT_TRUE(testing::FromBytes(responses[0], &imported));
  EXPECT_EQ(imported.received(), 4);
}

TEST_F(GatewayAccessTest, BackendStatusMessageDetailsAndTrailersReachTheCaller) {
  event::v1::GetEventRequest request;
  request.set_id(kFailId);
  auto context = KeyContext(keys_->reader);
  grpc::ByteBuffer response;
  grpc::Status status = RawUnary(*stub_, context.get(), "/lookout.event.v1.EventService/GetEvent",
                                 ToBytes(request), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "event \"evt_fail\" not found");
  EXPECT_EQ(status.error_details(), std::string(kErrorDetails, sizeof(kErrorDetails) - 1));
  auto trailers = context->GetServerTrailingMetadata();
  auto it = trailers.find("x-backend-trailer");
  ASSERT_NE(it, trailers.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "kept");
}

TEST_F(GatewayAccessTest, UnknownMethodsAreUnimplemented) {
  for (const char* path : {"/lookout.event.v1.EventService/NoSuchMethod", "/foo.v1.Bar/Baz"}) {
    for (const std::string& key : {std::string(), keys_->admin}) {
      auto context = KeyContext(key);
      grpc::ByteBuffer response;
      grpc::Status status =
          RawUnary(*stub_, context.get(), path, ToBytes(event::v1::GetEventRequest()), &response);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << path;
    }
  }
}

// Issue 24.6: the metrics labelled each call with the raw path sent, so unknown paths (no key
// needed) added a counter and a histogram each, for good.
TEST_F(GatewayAccessTest, UnknownPathsDoNotGrowTheMetrics) {
  const size_t before = MetricsRegistry::Global().RenderText().size();
  for (int i = 0; i < 1000; ++i) {
    auto context = KeyContext("");
    grpc::ByteBuffer response;
    const std::string path = absl::StrCat("/junk", i, ".v1.S/", std::string(4000, 'm'));
    ASSERT_EQ(
        RawUnary(*stub_, context.get(), path, ToBytes(event::v1::GetEventRequest()), &response)
            .error_code(),
        grpc::StatusCode::UNIMPLEMENTED);
  }
  const std::string text = MetricsRegistry::Global().RenderText();
  std::cout << "metrics text: " << before << " bytes before 1000 unknown 4 KB paths, "
            << text.size() << " after\n";
  EXPECT_FALSE(absl::StrContains(text, "junk"));
  EXPECT_TRUE(absl::StrContains(
      text,
      "grpc_server_handled_total{grpc_code=\"Unimplemented\",grpc_method=\"unknown\","
      "grpc_service=\"unknown\",grpc_type=\"unknown\"}"));
  EXPECT_LT(text.size(), before + 4096);
}

TEST_F(GatewayAccessTest, HealthNeedsNoKey) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (const char* service :
       {"", "lookout.event.v1.EventService", "lookout.actor.v1.ActorService",
        "lookout.stats.v1.StatsService", "lookout.gateway.v1.GatewayService"}) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, request, &response).ok()) << service;
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
}

// Server reflection v1alpha spoken by hand (its generated code lives inside libgrpc++_reflection
// and cannot be linked twice): list the services, then describe each one.
class ReflectionClient {
 public:
  explicit ReflectionClient(grpc::GenericStub* stub) : stub_(stub) {}

  std::vector<std::string> ListServices() {
    std::string request;
    Append(&request, 7, "");  // list_services
    std::vector<std::string> names;
    for (const auto& [field, value] : Ask(request)) {
      if (field != 6) continue;  // list_services_response
      for (const auto& [service_field, service] : Fields(value)) {
        if (service_field != 1) continue;
        for (const auto& [name_field, name] : Fields(service)) {
          if (name_field == 1) names.push_back(name);
        }
      }
    }
    return names;
  }

  // The file descriptors returned for a symbol; empty when reflection answered an error.
  std::vector<google::protobuf::FileDescriptorProto> FilesContaining(const std::string& symbol) {
    std::string request;
    Append(&request, 4, symbol);  // file_containing_symbol
    std::vector<google::protobuf::FileDescriptorProto> files;
    for (const auto& [field, value] : Ask(request)) {
      if (field != 4) continue;  // file_descriptor_response
      for (const auto& [file_field, bytes] : Fields(value)) {
        google::protobuf::FileDescriptorProto file;
        if (file_field == 1 && file.ParseFromString(bytes)) files.push_back(file);
      }
    }
    return files;
  }

 private:
  using Field = std::pair<int, std::string>;

  static void Append(std::string* out, int field, const std::string& value) {
    using google::protobuf::internal::WireFormatLite;
    out->push_back(static_cast<char>(
        WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)));
    uint8_t buffer[10];
    uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
        static_cast<uint32_t>(value.size()), buffer);
    out->append(reinterpret_cast<char*>(buffer), end - buffer);
    out->append(value);
  }

  // Length-delimited top-level fields of a message (others are skipped).
  static std::vector<Field> Fields(const std::string& message) {
    using google::protobuf::internal::WireFormatLite;
    google::protobuf::io::CodedInputStream input(reinterpret_cast<const uint8_t*>(message.data()),
                                                 static_cast<int>(message.size()));
    std::vector<Field> fields;
    while (uint32_t tag = input.ReadTag()) {
      if (WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
        std::string value;
        if (!WireFormatLite::ReadBytes(&input, &value)) break;
        fields.emplace_back(WireFormatLite::GetTagFieldNumber(tag), value);
      } else if (!WireFormatLite::SkipField(&input, tag)) {
        break;
      }
    }
    return fields;
  }

  std::vector<Field> Ask(const std::string& request) {
    grpc::Slice slice(request);
    std::vector<grpc::ByteBuffer> requests = {grpc::ByteBuffer(&slice, 1)};
    std::vector<grpc::ByteBuffer> responses;
    auto context = KeyContext("");
    grpc::Status status = RawStream(
        *stub_, context.get(), "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        requests, &responses);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (responses.empty()) return {};
    grpc::Slice out;
    EXPECT_TRUE(responses[0].DumpToSingleSlice(&out).ok());
    return Fields(std::string(reinterpret_cast<const char*>(out.begin()), out.size()));
  }

  grpc::GenericStub* stub_;
};

TEST_F(GatewayAccessTest, ReflectionListsAndDescribesTheWholeApiWithoutAKey) {
  ReflectionClient reflection(stub_.get());
  std::vector<std::string> services = reflection.ListServices();
  for (const char* expected : {"lookout.event.v1.EventService", "lookout.actor.v1.ActorService",
                               "lookout.stats.v1.StatsService", "lookout.gateway.v1.GatewayService",
                               "grpc.health.v1.Health"}) {
    EXPECT_NE(std::find(services.begin(), services.end(), expected), services.end()) << expected;
  }
  for (const std::string& service : services) {
    std::vector<google::protobuf::FileDescriptorProto> files = reflection.FilesContaining(service);
    ASSERT_FALSE(files.empty()) << "cannot describe " << service;
    bool found = false;
    for (const auto& file : files) {
      for (const auto& described : file.service()) {
        found = found || absl::StrCat(file.package(), ".", described.name()) == service;
      }
    }
    EXPECT_TRUE(found) << service;
  }
}

// TLS on the public port with a self-signed certificate made here by openssl.
TEST_F(GatewayAccessTest, ServesTlsWithACertificateAndKey) {
  std::string cert = dir_->File("cert.pem");
  std::string key = dir_->File("key.pem");
  ASSERT_TRUE(testing::MakeSelfSignedCertificate(cert, key)) << "openssl failed";
  std::string address = absl::StrCat("127.0.0.1:", backend_port_);
  GatewayConfig config = testing::TestGatewayConfig({address, address, address}, keys_file_, 0);
  config.server.tls_cert_file = cert;
  config.server.tls_key_file = key;
  auto gateway = GatewayServer::Start(std::move(config));
  ASSERT_TRUE(gateway.ok()) << gateway.status();

  std::ifstream in(cert);
  std::stringstream pem;
  pem << in.rdbuf();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pem.str();
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  auto secure = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", (*gateway)->port()),
                                          grpc::SslCredentials(ssl), args);
  v1::WhoAmIResponse who;
  auto context = KeyContext(keys_->reader);
  grpc::Status status =
      v1::GatewayService::NewStub(secure)->WhoAmI(context.get(), v1::WhoAmIRequest(), &who);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(who.principal(), "reader");

  // Plaintext to the TLS port does not get through.
  auto plain = testing::Connect(absl::StrCat("127.0.0.1:", (*gateway)->port()));
  auto plain_context = KeyContext(keys_->reader, absl::Seconds(2));
  EXPECT_FALSE(v1::GatewayService::NewStub(plain)
                   ->WhoAmI(plain_context.get(), v1::WhoAmIRequest(), &who)
                   .ok());
}

}  // namespace
}  // namespace lookout::gateway
