// Streaming through the gateway against the real event and actor services: 50,000 events
// imported with ImportEvents (client streaming) while a following WatchEvents (server streaming)
// sees every one arrive in order, then a finite watch of all of them. (Flow control against a
// stalled watcher is in gateway_failure_test, against a backend that can stream without end.)
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

using event::v1::EventService;
using testing::KeyContext;

constexpr int kEvents = 50000;

event::v1::Event MakeEvent(int i) {
  event::v1::Event event;
  event.set_event_date(absl::StrCat("2024-", (i % 12) + 1 < 10 ? "0" : "", (i % 12) + 1, "-",
                                    (i % 28) + 1 < 10 ? "0" : "", (i % 28) + 1));
  event.set_event_type(event::v1::EVENT_TYPE_BATTLES);
  event.set_sub_event_type("Armed clash");
  event.mutable_location()->set_country_code("HTI");
  event.mutable_location()->set_admin1("Ouest");
  event.set_notes(absl::StrCat("streamed event ", i));
  return event;
}

class GatewayStreamingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new lookout::testing::TempDir();
    backends_ = new testing::BackendProcesses(dir_->path(), 0);
    backends_->StartActor();
    backends_->StartEvent();
    keys_ = new testing::TestKeys(testing::MakeTestKeys());
    keys_file_ = dir_->File("keys");
    testing::WriteFile(keys_file_, keys_->FileText());
    addresses_ = {backends_->event_addr(), backends_->actor_addr(), "127.0.0.1:1"};
    auto gateway = GatewayServer::Start(testing::TestGatewayConfig(addresses_, keys_file_, 0));
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = gateway->release();
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete backends_;
    delete keys_;
    delete dir_;
  }

  static std::string GatewayAddress() { return absl::StrCat("127.0.0.1:", gateway_->port()); }

  static lookout::testing::TempDir* dir_;
  static testing::BackendProcesses* backends_;
  static testing::TestKeys* keys_;
  static std::string keys_file_;
  static BackendAddresses addresses_;
  static GatewayServer* gateway_;
};

lookout::testing::TempDir* GatewayStreamingTest::dir_ = nullptr;
testing::BackendProcesses* GatewayStreamingTest::backends_ = nullptr;
testing::TestKeys* GatewayStreamingTest::keys_ = nullptr;
std::string GatewayStreamingTest::keys_file_;
BackendAddresses GatewayStreamingTest::addresses_;
GatewayServer* GatewayStreamingTest::gateway_ = nullptr;

TEST_F(GatewayStreamingTest, ImportFiftyThousandAndWatchThemArrive) {
  auto stub = EventService::NewStub(testing::Connect(GatewayAddress()));

  // The watcher follows from the start of the log, before anything is imported.
  std::atomic<int> seen{0};
  std::atomic<bool> in_order{true};
  absl::Notification watching;
  auto watch_context = KeyContext(keys_->reader, absl::Seconds(120));
  std::thread watcher([&] {
    event::v1::WatchEventsRequest request;
    request.set_follow(true);
    auto reader = stub->WatchEvents(watch_context.get(), request);
    watching.Notify();
    event::v1::WatchEventsResponse change;
    int64_t last = 0;
    while (reader->Read(&change)) {
      if (change.sequence() <= last || change.type() != event::v1::CHANGE_TYPE_CREATED) {
        in_order = false;
      }
      last = change.sequence();
      if (++seen == kEvents) break;
    }
    watch_context->TryCancel();
    reader->Finish();
  });
  watching.WaitForNotification();

  absl::Time start = absl::Now();
  auto import_context = KeyContext(keys_->editor, absl::Seconds(120));
  event::v1::ImportEventsResponse imported;
  auto writer = stub->ImportEvents(import_context.get(), &imported);
  for (int i = 0; i < kEvents; ++i) {
    event::v1::ImportEventsRequest row;
    *row.mutable_event() = MakeEvent(i);
    ASSERT_TRUE(writer->Write(row)) << "write " << i;
  }
  ASSERT_TRUE(writer->WritesDone());
  grpc::Status status = writer->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(imported.received(), kEvents);
  EXPECT_EQ(imported.created(), kEvents);
  EXPECT_EQ(imported.rejected(), 0);

  watcher.join();
  std::cout << "imported and watched " << kEvents << " events in " << absl::Now() - start << "\n";
  EXPECT_EQ(seen.load(), kEvents);
  EXPECT_TRUE(in_order.load()) << "sequences strictly increasing, every change a create";

  // A finite watch replays all of them and ends by itself.
  start = absl::Now();
  auto replay_context = KeyContext(keys_->reader, absl::Seconds(60));
  event::v1::WatchEventsRequest request;
  auto reader = stub->WatchEvents(replay_context.get(), request);
  event::v1::WatchEventsResponse change;
  int replayed = 0;
  while (reader->Read(&change)) ++replayed;
  status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(replayed, kEvents);
  std::cout << "replayed " << replayed << " changes in " << absl::Now() - start << "\n";
}

}  // namespace
}  // namespace lookout::gateway
