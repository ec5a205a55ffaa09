// Provenance through the gateway (issue 26), against the real event and actor binaries: the
// principal recorded with each change is the name of the key the gateway authenticated, for
// every role that may write, whatever identity headers the client sends; a reader may read
// history but not write; reasons and request ids reach the change log; the revisions route works.
#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "gtest/gtest.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

using event::v1::EventService;
using testing::KeyContext;

event::v1::Event NewEvent(const std::string& notes) {
  event::v1::Event event;
  event.set_event_date("2024-03-01");
  event.set_event_type(event::v1::EVENT_TYPE_PROTESTS);
  event.set_sub_event_type("Peaceful protest");
  event.mutable_location()->set_country_code("SEN");
  event.set_notes(notes);
  return event;
}

// A key context that also carries everything a client might send to pass as someone else.
std::unique_ptr<grpc::ClientContext> SpoofingContext(const std::string& key) {
  auto context = KeyContext(key);
  context->AddMetadata(kPrincipalHeader, "mallory");
  context->AddMetadata(kRoleHeader, "ADMIN");
  context->AddMetadata(kInternalTokenHeader, "guessed-token");
  return context;
}

class GatewayProvenanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new testing::GatewayOverBackends();
    ASSERT_TRUE(cluster_->status().ok()) << cluster_->status();
  }
  static void TearDownTestSuite() { delete cluster_; }

  void SetUp() override { stub_ = EventService::NewStub(testing::Connect(cluster_->address())); }

  std::vector<event::v1::EventRevision> Revisions(const std::string& id) {
    event::v1::ListEventRevisionsRequest request;
    request.set_id(id);
    event::v1::ListEventRevisionsResponse response;
    auto context = KeyContext(cluster_->keys().reader);
    grpc::Status status = stub_->ListEventRevisions(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.revisions().begin(), response.revisions().end()};
  }

  static testing::GatewayOverBackends* cluster_;
  std::unique_ptr<EventService::Stub> stub_;
};

testing::GatewayOverBackends* GatewayProvenanceTest::cluster_ = nullptr;

TEST_F(GatewayProvenanceTest, EachWritingRoleIsRecordedByKeyNameNeverByClientMetadata) {
  struct Writer {
    std::string key;
    std::string name;  // as the keys file names it
  };
  for (const Writer& writer :
       {Writer{cluster_->keys().editor, "editor"}, Writer{cluster_->keys().admin, "admin"}}) {
    SCOPED_TRACE(writer.name);
    event::v1::CreateEventRequest create;
    *create.mutable_event() = NewEvent("made by " + writer.name);
    create.set_reason("field report");
    event::v1::CreateEventResponse created;
    auto context = SpoofingContext(writer.key);
    context->AddMetadata(kRequestIdHeader, "req-" + writer.name);
    grpc::Status status = stub_->CreateEvent(context.get(), create, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();

    event::v1::UpdateEventRequest update;
    update.mutable_event()->set_id(created.event().id());
    update.mutable_event()->set_notes("corrected");
    update.mutable_update_mask()->add_paths("notes");
    update.set_reason("typo");
    event::v1::UpdateEventResponse updated;
    context = SpoofingContext(writer.key);
    status = stub_->UpdateEvent(context.get(), update, &updated);
    ASSERT_TRUE(status.ok()) << status.error_message();

    event::v1::DeleteEventRequest remove;
    remove.set_id(created.event().id());
    remove.set_reason("duplicate");
    event::v1::DeleteEventResponse removed;
    context = SpoofingContext(writer.key);
    status = stub_->DeleteEvent(context.get(), remove, &removed);
    ASSERT_TRUE(status.ok()) << status.error_message();

    const auto revisions = Revisions(created.event().id());
    ASSERT_EQ(revisions.size(), 3u);
    for (const auto& revision : revisions) {
      EXPECT_EQ(revision.provenance().principal(), writer.name);
      EXPECT_GT(revision.provenance().time().seconds(), 0);
      EXPECT_FALSE(revision.provenance().request_id().empty());
    }
    EXPECT_EQ(revisions[0].provenance().reason(), "duplicate");
    EXPECT_EQ(revisions[1].provenance().reason(), "typo");
    EXPECT_EQ(revisions[1].changed_paths_size(), 1);
    EXPECT_EQ(revisions[1].changed_paths(0), "notes");
    EXPECT_EQ(revisions[2].provenance().reason(), "field report");
    EXPECT_EQ(revisions[2].provenance().request_id(), "req-" + writer.name);
  }
}

TEST_F(GatewayProvenanceTest, AReaderCannotWriteButReadsHistoryAndTheWatchCarriesProvenance) {
  event::v1::CreateEventRequest create;
  *create.mutable_event() = NewEvent("reader tries");
  event::v1::CreateEventResponse created;
  auto context = SpoofingContext(cluster_->keys().reader);
  grpc::Status status = stub_->CreateEvent(context.get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  *create.mutable_event() = NewEvent("editor writes");
  context = SpoofingContext(cluster_->keys().editor);
  status = stub_->CreateEvent(context.get(), create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // The watch a reader opens carries the same provenance as the history.
  context = KeyContext(cluster_->keys().reader);
  event::v1::WatchEventsRequest watch;
  watch.set_after_sequence(created.event().sequence() - 1);
  auto reader = stub_->WatchEvents(context.get(), watch);
  event::v1::WatchEventsResponse change;
  ASSERT_TRUE(reader->Read(&change));
  EXPECT_EQ(change.sequence(), created.event().sequence());
  EXPECT_EQ(change.provenance().principal(), "editor");
  while (reader->Read(&change)) {
  }
  EXPECT_TRUE(reader->Finish().ok());

  // No key: UNAUTHENTICATED, whatever the metadata says.
  event::v1::ListEventRevisionsRequest request;
  request.set_id(created.event().id());
  event::v1::ListEventRevisionsResponse response;
  context = SpoofingContext("");
  EXPECT_EQ(stub_->ListEventRevisions(context.get(), request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayProvenanceTest, ABadReasonIsInvalidArgumentNamingItAndWritesNothing) {
  event::v1::CreateEventRequest create;
  *create.mutable_event() = NewEvent("bad reason");
  create.set_reason("two\nlines");
  event::v1::CreateEventResponse created;
  auto context = KeyContext(cluster_->keys().editor);
  grpc::Status status = stub_->CreateEvent(context.get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("reason"), std::string::npos) << status.error_message();

  // Nothing was written: a finite watch from the start has no event with these notes.
  context = KeyContext(cluster_->keys().reader);
  auto reader = stub_->WatchEvents(context.get(), event::v1::WatchEventsRequest());
  event::v1::WatchEventsResponse change;
  while (reader->Read(&change)) EXPECT_NE(change.event().notes(), "bad reason");
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(GatewayProvenanceTest, AnImportRecordsTheKeyAndItsReasonAndRefusesABadReason) {
  auto import = [&](const std::string& reason, const std::string& notes,
                    event::v1::ImportEventsResponse* response) {
    auto context = SpoofingContext(cluster_->keys().editor);
    auto writer = stub_->ImportEvents(context.get(), response);
    event::v1::ImportEventsRequest request;
    request.mutable_options()->set_reason(reason);
    *request.mutable_event() = NewEvent(notes);
    writer->Write(request);
    writer->WritesDone();
    return writer->Finish();
  };
  event::v1::ImportEventsResponse response;
  grpc::Status status = import("bad\x1b[31m", "imported badly", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("options.reason"), std::string::npos)
      << status.error_message();
  status = import("weekly ACLED batch", "imported well", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.created(), 1);

  auto context = KeyContext(cluster_->keys().reader);
  auto reader = stub_->WatchEvents(context.get(), event::v1::WatchEventsRequest());
  event::v1::WatchEventsResponse change;
  int imported = 0;
  while (reader->Read(&change)) {
    EXPECT_NE(change.event().notes(), "imported badly");
    if (change.event().notes() != "imported well") continue;
    ++imported;
    EXPECT_EQ(change.provenance().principal(), "editor");
    EXPECT_EQ(change.provenance().reason(), "weekly ACLED batch");
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(imported, 1);
}

}  // namespace
}  // namespace lookout::gateway
