// The routing table against the protos: every method of every routed service has exactly one
// route with the right kind, and the roles follow API.md's access rules by method class.
#include <algorithm>

#include <google/protobuf/descriptor.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.pb.h"
#include "lookout/event/v1/event_service.pb.h"
#include "services/gateway/forwarding/forwarding_service.h"
#include "services/gateway/forwarding/request_peek.h"
#include "services/gateway/forwarding/route_table.h"

namespace lookout::gateway {
namespace {

grpc::ByteBuffer Bytes(const google::protobuf::Message& message) {
  std::string data = message.SerializeAsString();
  grpc::Slice slice(data);
  return grpc::ByteBuffer(&slice, 1);
}

class RouteTableTest : public ::testing::Test {
 protected:
  void SetUp() override { LinkApiDescriptors(); }
};

TEST_F(RouteTableTest, MatchesTheLinkedProtos) {
  EXPECT_TRUE(CheckRoutesAgainstDescriptors().ok()) << CheckRoutesAgainstDescriptors();
}

TEST_F(RouteTableTest, EveryPublicServiceIsRouted) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* name : {"lookout.event.v1.EventService", "lookout.actor.v1.ActorService",
                           "lookout.stats.v1.StatsService", "lookout.gateway.v1.GatewayService"}) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      std::string path = std::string("/") + name + "/" + service->method(i)->name();
      EXPECT_NE(FindRoute(path), nullptr) << path;
    }
  }
  EXPECT_EQ(ForwardedServices(), (std::vector<std::string>{"lookout.event.v1.EventService",
                                                           "lookout.actor.v1.ActorService",
                                                           "lookout.stats.v1.StatsService"}));
}

TEST_F(RouteTableTest, UnknownPathsHaveNoRoute) {
  EXPECT_EQ(FindRoute("/lookout.event.v1.EventService/Nope"), nullptr);
  EXPECT_EQ(FindRoute("/grpc.health.v1.Health/Check"), nullptr);
  EXPECT_EQ(FindRoute(""), nullptr);
}

// API.md: READER may Get/List/BatchGet/Resolve/Watch/Aggregate/GetTrends/Summarize/
// GetSituationReport/WhoAmI; EDITOR adds Create/Update/Delete/Import/Record; ADMIN is for
// administration (CompactEventHistory removes history for good).
TEST_F(RouteTableTest, RolesFollowTheMethodClass) {
  const std::vector<std::string> administration = {"CompactEventHistory"};
  const std::vector<std::string> reads = {
      "Get",       "List",      "BatchGet",           "Resolve", "Watch", "Aggregate",
      "GetTrends", "Summarize", "GetSituationReport", "WhoAmI"};
  const std::vector<std::string> writes = {"Create", "Update", "Delete", "Import", "Record"};
  for (const Route& route : Routes()) {
    std::string method(MethodOfPath(route.path));
    if (std::find(administration.begin(), administration.end(), method) !=
        administration.end()) {
      EXPECT_EQ(route.min_role, v1::ROLE_ADMIN) << method;
      continue;
    }
    bool is_read = false;
    bool is_write = false;
    for (const auto& prefix : reads) is_read = is_read || absl::StartsWith(method, prefix);
    for (const auto& prefix : writes) is_write = is_write || absl::StartsWith(method, prefix);
    ASSERT_NE(is_read, is_write) << method << " is in exactly one class";
    EXPECT_EQ(route.min_role, is_read ? v1::ROLE_READER : v1::ROLE_EDITOR) << method;
    // Only reads are retried; a repeated write could apply twice.
    if (is_write) {
      EXPECT_FALSE(route.idempotent) << method;
    }
  }
}

TEST_F(RouteTableTest, KindsAndBackends) {
  EXPECT_EQ(FindRoute("/lookout.event.v1.EventService/ImportEvents")->kind,
            CallKind::kClientStreaming);
  EXPECT_EQ(FindRoute("/lookout.event.v1.EventService/WatchEvents")->kind,
            CallKind::kServerStreaming);
  EXPECT_EQ(FindRoute("/lookout.event.v1.EventService/GetEvent")->backend, Backend::kEvent);
  EXPECT_EQ(FindRoute("/lookout.actor.v1.ActorService/GetActor")->backend, Backend::kActor);
  EXPECT_EQ(FindRoute("/lookout.stats.v1.StatsService/GetTrends")->backend, Backend::kStats);
  EXPECT_EQ(FindRoute("/lookout.gateway.v1.GatewayService/WhoAmI")->backend, Backend::kGateway);
  // Issue 26: an observation's history is read as the observations are.
  const Route* revisions = FindRoute("/lookout.stats.v1.StatsService/ListObservationRevisions");
  ASSERT_NE(revisions, nullptr);
  EXPECT_EQ(revisions->backend, Backend::kStats);
  EXPECT_EQ(revisions->min_role, v1::ROLE_READER);
  EXPECT_EQ(revisions->min_role,
            FindRoute("/lookout.stats.v1.StatsService/GetObservation")->min_role);
}

TEST_F(RouteTableTest, ResolveActorsNeedsEditorOnlyToCreate) {
  const Route* route = FindRoute("/lookout.actor.v1.ActorService/ResolveActors");
  ASSERT_NE(route, nullptr);
  ASSERT_NE(route->role_for_request, nullptr);
  actor::v1::ResolveActorsRequest request;
  request.add_names("Viv Ansanm");
  EXPECT_EQ(route->role_for_request(Bytes(request)), v1::ROLE_READER);
  request.set_create_missing(true);
  request.set_default_country_code("HTI");
  EXPECT_EQ(route->role_for_request(Bytes(request)), v1::ROLE_EDITOR);

  // An entry of `actors` carries a type in its own field 2; only the top-level field 2
  // (create_missing) decides.
  actor::v1::ResolveActorsRequest with_actors;
  actor::v1::ActorToResolve* entry = with_actors.add_actors();
  entry->set_name("Viv Ansanm");
  entry->set_type(actor::v1::ACTOR_TYPE_CRIMINAL_GROUP);
  EXPECT_EQ(route->role_for_request(Bytes(with_actors)), v1::ROLE_READER);
  with_actors.set_create_missing(true);
  EXPECT_EQ(route->role_for_request(Bytes(with_actors)), v1::ROLE_EDITOR);
}

// Issue 16.2: creating names draws on the import budget, one row a name; resolving does not.
TEST_F(RouteTableTest, ResolveActorsCreatingDrawsOneImportRowPerName) {
  const Route* route = FindRoute("/lookout.actor.v1.ActorService/ResolveActors");
  ASSERT_NE(route, nullptr);
  ASSERT_NE(route->import_rows, nullptr);
  actor::v1::ResolveActorsRequest request;
  for (int i = 0; i < 7; ++i) request.add_names(absl::StrCat("name ", i));
  request.add_actors()->set_name("with a type");
  request.add_actors()->set_name("another");
  EXPECT_EQ(route->import_rows(Bytes(request)), 0) << "without create_missing";
  request.set_create_missing(true);
  request.set_default_country_code("HTI");
  EXPECT_EQ(route->import_rows(Bytes(request)), 9) << "names and actors entries";
  EXPECT_FALSE(route->paced_import);

  const Route* import = FindRoute("/lookout.event.v1.EventService/ImportEvents");
  ASSERT_NE(import, nullptr);
  EXPECT_TRUE(import->paced_import);
  EXPECT_EQ(import->import_rows, nullptr);
  // No other method draws on the import budget.
  for (const Route& other : Routes()) {
    if (&other == route || &other == import) continue;
    EXPECT_EQ(other.import_rows, nullptr) << other.path;
    EXPECT_FALSE(other.paced_import) << other.path;
  }
}

TEST(RequestPeekTest, CountsFieldsAndNeverCountsGarbageAsNothing) {
  actor::v1::ResolveActorsRequest request;
  request.add_names("a");
  request.add_names("b");
  request.set_create_missing(true);
  request.add_actors()->set_name("c");
  grpc::Slice slice(request.SerializeAsString());
  EXPECT_EQ(CountFields(grpc::ByteBuffer(&slice, 1), {1}), 2);
  EXPECT_EQ(CountFields(grpc::ByteBuffer(&slice, 1), {1, 5}), 3);
  EXPECT_EQ(CountFields(grpc::ByteBuffer(&slice, 1), {3}), 0);
  grpc::Slice garbage(std::string("\x0a\x01x\x0a\xff\xff", 6));
  EXPECT_EQ(CountFields(grpc::ByteBuffer(&garbage, 1), {1}), 2) << "one read, then garbage";
  grpc::ByteBuffer empty;
  EXPECT_EQ(CountFields(empty, {1}), 0);
}

TEST(RequestPeekTest, ReadsTheLastOccurrenceAndDistrustsGarbage) {
  actor::v1::ResolveActorsRequest request;
  request.set_create_missing(true);
  std::string bytes = request.SerializeAsString();
  request.set_create_missing(false);
  request.add_names("x");
  // Concatenated messages merge: a later explicit false would not be serialized by proto3, so
  // append a raw "field 2 = 0" to check the last value wins.
  std::string with_false = bytes + std::string("\x10\x00", 2);
  grpc::Slice a(bytes), b(with_false), garbage(std::string("\x12\xff\xff", 3));
  EXPECT_TRUE(ReadBoolField(grpc::ByteBuffer(&a, 1), 2));
  EXPECT_FALSE(ReadBoolField(grpc::ByteBuffer(&b, 1), 2));
  EXPECT_TRUE(ReadBoolField(grpc::ByteBuffer(&garbage, 1), 2));
  grpc::ByteBuffer empty;
  EXPECT_FALSE(ReadBoolField(empty, 2));
}

TEST(RequestPeekTest, ARequestIdMustBeSetAndNotEmpty) {
  event::v1::CreateEventRequest request;
  request.mutable_event()->set_notes("n");
  auto bytes_of = [](const std::string& bytes) {
    grpc::Slice slice(bytes);
    return grpc::ByteBuffer(&slice, 1);
  };
  const int field = event::v1::CreateEventRequest::kRequestIdFieldNumber;
  EXPECT_FALSE(HasNonEmptyStringField(bytes_of(request.SerializeAsString()), field));
  request.set_request_id("r-1");
  const std::string with_id = request.SerializeAsString();
  EXPECT_TRUE(HasNonEmptyStringField(bytes_of(with_id), field));
  // A later empty occurrence wins, as in a parse.
  EXPECT_FALSE(HasNonEmptyStringField(bytes_of(with_id + std::string("\x12\x00", 2)), field));
  // Truncated bytes are never taken for a retry-safe write.
  EXPECT_FALSE(HasNonEmptyStringField(bytes_of(with_id.substr(0, with_id.size() - 1)), field));
  EXPECT_FALSE(HasNonEmptyStringField(grpc::ByteBuffer(), field));
}

TEST(RouteRequestIdTest, CreatesNameTheirRequestIdField) {
  for (const char* path :
       {"/lookout.event.v1.EventService/CreateEvent", "/lookout.actor.v1.ActorService/CreateActor",
        "/lookout.actor.v1.ActorService/CreateRelationship",
        "/lookout.stats.v1.StatsService/RecordObservation"}) {
    const Route* route = FindRoute(path);
    ASSERT_NE(route, nullptr) << path;
    EXPECT_FALSE(route->idempotent) << path;
    EXPECT_EQ(route->request_id_field, 2) << path;
  }
  EXPECT_EQ(FindRoute("/lookout.event.v1.EventService/UpdateEvent")->request_id_field, 0);
}

}  // namespace
}  // namespace lookout::gateway
