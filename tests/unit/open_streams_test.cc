// OpenStreams (the cap on long-lived streams and their end on stop) and ChangeNotifier's waiters.
#include "common/open_streams.h"

#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "services/event/change_notifier.h"

namespace lookout {
namespace {

class RecordingStream : public OpenStream {
 public:
  void EndForStop(const absl::Status& status) override { ended_with.push_back(status); }
  std::vector<absl::Status> ended_with;
};

TEST(OpenStreamsTest, RefusesBeyondTheCapNamingTheSetting) {
  OpenStreams streams(2, "--max_watchers");
  RecordingStream a, b, c;
  EXPECT_TRUE(streams.Add(&a).ok());
  EXPECT_TRUE(streams.Add(&b).ok());
  absl::Status refused = streams.Add(&c);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("--max_watchers"), absl::string_view::npos) << refused;
  streams.Remove(&a);
  EXPECT_TRUE(streams.Add(&c).ok());
  EXPECT_EQ(streams.open(), 2);
}

TEST(OpenStreamsTest, ZeroMeansNoCap) {
  OpenStreams streams(0);
  std::vector<RecordingStream> many(100);
  for (RecordingStream& s : many) EXPECT_TRUE(streams.Add(&s).ok());
}

TEST(OpenStreamsTest, EndAllEndsEachOpenStreamOnceAndRefusesNewOnes) {
  OpenStreams streams;
  RecordingStream a, b, gone;
  ASSERT_TRUE(streams.Add(&a).ok());
  ASSERT_TRUE(streams.Add(&b).ok());
  ASSERT_TRUE(streams.Add(&gone).ok());
  streams.Remove(&gone);
  streams.EndAll();
  for (RecordingStream* s : {&a, &b}) {
    ASSERT_EQ(s->ended_with.size(), 1u);
    EXPECT_EQ(s->ended_with[0].code(), absl::StatusCode::kUnavailable);
  }
  EXPECT_TRUE(gone.ended_with.empty());
  RecordingStream late;
  EXPECT_EQ(streams.Add(&late).code(), absl::StatusCode::kUnavailable);
}

class CountingWaiter : public event::ChangeNotifier::Waiter {
 public:
  void OnNewerCommit() override { ++calls; }
  int calls = 0;
};

TEST(ChangeNotifierTest, TellsAWaiterOnceWhenTheHeadPassesItsSequence) {
  event::ChangeNotifier notifier(5);
  auto waiter = std::make_shared<CountingWaiter>();
  notifier.NotifyWhenNewerThan(4, waiter);  // already passed: at once
  EXPECT_EQ(waiter->calls, 1);
  notifier.NotifyWhenNewerThan(5, waiter);
  EXPECT_EQ(waiter->calls, 1);
  notifier.Publish(5);  // not newer
  EXPECT_EQ(waiter->calls, 1);
  notifier.Publish(6);
  EXPECT_EQ(waiter->calls, 2);
  notifier.Publish(7);  // told once per registration
  EXPECT_EQ(waiter->calls, 2);
  EXPECT_EQ(notifier.waiting(), 0);
}

TEST(ChangeNotifierTest, SkipsWaitersThatEndedAndSweepsThemWithoutCommits) {
  event::ChangeNotifier notifier(0);
  for (int i = 0; i < 1000; ++i) {
    auto gone = std::make_shared<CountingWaiter>();
    notifier.NotifyWhenNewerThan(0, gone);
  }  // each waiter is gone as soon as it registered
  EXPECT_LT(notifier.waiting(), 200);
  notifier.Publish(1);  // nothing to call, nothing crashes
  EXPECT_EQ(notifier.waiting(), 0);
}

}  // namespace
}  // namespace lookout
