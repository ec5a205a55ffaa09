// The event service with its store on a full disk (a real one: a small tmpfs filled up). Writes
// are refused with RESOURCE_EXHAUSTED saying so, reads and the change stream go on, and writes
// resume by themselves once a little space is freed, with nothing of a refused write stored.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "common/metrics.h"
#include "common/server_runner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "services/event/actor_checker.h"
#include "services/event/change_feed.h"
#include "services/event/change_notifier.h"
#include "services/event/event_cache.h"
#include "services/event/event_importer.h"
#include "services/event/event_manager.h"
#include "services/event/event_service.h"
#include "services/event/sqlite_event_store.h"
#include "tests/testing/small_filesystem.h"

namespace lookout::event {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::event::v1::WatchEventsResponse;
using ::testing::HasSubstr;

constexpr char kToken[] = "test-internal-token";

// The event service wired as services/event/main.cc wires it, without Redis; the events here
// name no actors, so the actor service is never called.
struct EventServer {
  explicit EventServer(const std::string& path) {
    auto opened = SqliteEventStore::Open(path);
    EXPECT_TRUE(opened.ok()) << opened.status();
    store = std::move(*opened);
    notifier = std::make_unique<ChangeNotifier>(*store->HeadSequence());
    store->SetCommitListener([n = notifier.get()](int64_t head) { n->Publish(head); });
    actors = std::make_unique<GrpcActorChecker>(
        grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()), nullptr,
        ActorCheckerOptions{.internal_token = kToken});
    cache = std::make_unique<EventCache>(nullptr);
    manager = std::make_unique<EventManager>(store.get(), actors.get(), cache.get());
    importer = std::make_unique<EventImporter>(store.get(), actors.get(), cache.get());
    feed = std::make_unique<ChangeFeed>(store.get(), notifier.get());
    auth = std::make_unique<InternalAuth>(kToken);
    service =
        std::make_unique<EventServiceImpl>(auth.get(), manager.get(), importer.get(), feed.get());
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.reflection = false;
    options.metrics_port = -1;
    options.drain_grace = absl::Milliseconds(200);
    runner = std::make_unique<ServerRunner>(options);
    runner->AddService(service.get(), kEventServiceName);
    absl::Status started = runner->Start();
    EXPECT_TRUE(started.ok()) << started;
    stub = v1::EventService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", runner->port()), grpc::InsecureChannelCredentials()));
  }
  ~EventServer() { runner->Stop(); }

  std::unique_ptr<SqliteEventStore> store;
  std::unique_ptr<ChangeNotifier> notifier;
  std::unique_ptr<GrpcActorChecker> actors;
  std::unique_ptr<EventCache> cache;
  std::unique_ptr<EventManager> manager;
  std::unique_ptr<EventImporter> importer;
  std::unique_ptr<ChangeFeed> feed;
  std::unique_ptr<InternalAuth> auth;
  std::unique_ptr<EventServiceImpl> service;
  std::unique_ptr<ServerRunner> runner;
  std::unique_ptr<v1::EventService::Stub> stub;
};

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata(kInternalTokenHeader, kToken);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return context;
}

Event NewEvent(int i, int notes_bytes) {
  Event event;
  event.set_event_date("2024-03-01");
  event.set_event_type(v1::EVENT_TYPE_BATTLES);
  event.mutable_location()->set_country_code("HTI");
  // Notes of a few KB, so each event takes a few pages.
  event.set_notes(absl::StrCat("event ", i, " ", std::string(notes_bytes, 'n')));
  return event;
}

grpc::Status Create(EventServer& server, int i, const std::string& request_id, Event* out,
                    int notes_bytes = 3000) {
  v1::CreateEventRequest request;
  *request.mutable_event() = NewEvent(i, notes_bytes);
  request.set_request_id(request_id);
  v1::CreateEventResponse response;
  grpc::Status status = server.stub->CreateEvent(Ctx().get(), request, &response);
  if (out != nullptr) *out = response.event();
  return status;
}

TEST(EventStoreFullDiskTest, WritesAreRefusedReadsAndStreamsGoOnAndWritesResume) {
  testing::SmallFilesystem fs(4 << 20);
  ASSERT_TRUE(fs.status().ok()) << fs.status();
  EventServer server(fs.File("event.db"));
  std::vector<Event> created(3);
  for (int i = 0; i < 3; ++i) {
    grpc::Status status = Create(server, i, "", &created[i]);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  // A follower, as the stats service keeps one.
  v1::WatchEventsRequest watch;
  watch.set_follow(true);
  auto follow_context = Ctx();
  auto follower = server.stub->WatchEvents(follow_context.get(), watch);
  std::atomic<int64_t> followed{0};
  std::thread follow_thread([&] {
    WatchEventsResponse change;
    while (follower->Read(&change)) followed = change.sequence();
  });

  ASSERT_TRUE(fs.Fill().ok());
  // The longest notes there are: this event takes about twice the pages of the others.
  for (int attempt = 0; attempt < 2; ++attempt) {
    grpc::Status refused = Create(server, 10, "retry-me", nullptr, /*notes_bytes=*/9900);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << refused.error_message();
    EXPECT_THAT(refused.error_message(), HasSubstr("disk is full"));
  }
  EXPECT_THAT(MetricsRegistry::Global().RenderText(),
              HasSubstr("lookout_storage_disk_full{store=\"event\"} 1\n"));

  // Reads and streams go on.
  v1::GetEventRequest get;
  get.set_id(created[1].id());
  v1::GetEventResponse got;
  grpc::Status read = server.stub->GetEvent(Ctx().get(), get, &got);
  EXPECT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(got.event().id(), created[1].id());
  v1::ListEventsResponse listed;
  read = server.stub->ListEvents(Ctx().get(), v1::ListEventsRequest(), &listed);
  EXPECT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(listed.total_size(), 3);
  v1::WatchEventsRequest once;
  auto once_context = Ctx();
  auto stream = server.stub->WatchEvents(once_context.get(), once);
  int streamed = 0;
  WatchEventsResponse change;
  while (stream->Read(&change)) ++streamed;
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(streamed, 3);

  // Room for one smaller event (it takes about 70 KB), less than the refused one took: the next
  // write goes through at once.
  ASSERT_TRUE(fs.Free(96 << 10).ok());
  Event small;
  grpc::Status resumed = Create(server, 11, "", &small);
  ASSERT_TRUE(resumed.ok()) << resumed.error_message();
  EXPECT_EQ(small.sequence(), 4);
  // With more room the retry of the refused request (same request_id) creates its event once.
  ASSERT_TRUE(fs.Free(512 << 10).ok());
  Event retried;
  grpc::Status retry = Create(server, 10, "retry-me", &retried, /*notes_bytes=*/9900);
  ASSERT_TRUE(retry.ok()) << retry.error_message();
  EXPECT_EQ(retried.sequence(), 5);
  EXPECT_THAT(MetricsRegistry::Global().RenderText(),
              HasSubstr("lookout_storage_disk_full{store=\"event\"} 0\n"));
  for (int i = 0; i < 50 && followed.load() < 5; ++i) absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(followed.load(), 5);
  follow_context->TryCancel();
  follow_thread.join();
}

}  // namespace
}  // namespace lookout::event
