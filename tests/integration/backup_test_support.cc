#include "tests/integration/backup_test_support.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "gtest/gtest.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "tests/integration/gateway_cluster.h"

extern char** environ;

namespace lookout::backup_testing {

using ::lookout::event::v1::EventService;

std::unique_ptr<grpc::ClientContext> Internal() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata(kInternalTokenHeader, gateway::testing::kInternalToken);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

int RunCommand(const std::vector<std::string>& argv, const std::string& log, int stdout_fd) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (stdout_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
  } else {
    posix_spawn_file_actions_adddup2(&actions, 2, 1);
  }
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

WriteLoad::WriteLoad(const std::string& address, int threads) {
  for (int t = 0; t < threads; ++t) {
    threads_.emplace_back([this, address, t] { Write(address, t); });
  }
}

void WriteLoad::Write(const std::string& address, int thread) {
  auto stub =
      EventService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  event::v1::Event last;  // the event this thread created last, as acknowledged
  for (int i = 0; !stop_.load(); ++i) {
    const bool after_snapshot = snapshot_taken_.load();
    const bool update = i % 3 == 2 && !last.id().empty();
    grpc::Status status;
    event::v1::Event written;
    if (update) {
      event::v1::UpdateEventRequest request;
      request.mutable_event()->set_id(last.id());
      request.mutable_event()->set_etag(last.etag());
      request.mutable_event()->set_notes(absl::StrCat("writer ", thread, " update ", i));
      request.mutable_update_mask()->add_paths("notes");
      event::v1::UpdateEventResponse response;
      status = stub->UpdateEvent(Internal().get(), request, &response);
      written = response.event();
    } else {
      event::v1::CreateEventRequest request;
      request.set_request_id(absl::StrCat("backup-test-", thread, "-", i));
      event::v1::Event* e = request.mutable_event();
      e->set_event_date("2024-03-02");
      e->set_event_type(event::v1::EVENT_TYPE_BATTLES);
      e->set_sub_event_type("Armed clash");
      e->mutable_location()->set_country_code("HTI");
      e->set_notes(absl::StrCat("writer ", thread, " write ", i));
      event::v1::CreateEventResponse response;
      status = stub->CreateEvent(Internal().get(), request, &response);
      written = response.event();
    }
    absl::MutexLock lock(&mu_);
    if (!status.ok()) {
      failures_.push_back(absl::StrCat(update ? "update " : "create ", status.error_code(), " ",
                                       status.error_message()));
      continue;
    }
    last = written;
    const Ack ack{written.id(), written.sequence(), written.etag()};
    acked_.push_back(ack);
    if (update) ++updates_;
    if (after_snapshot) sent_after_snapshot_.push_back(ack);
  }
}

void WriteLoad::Stop() {
  stop_ = true;
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

size_t WriteLoad::AckedCount() {
  absl::MutexLock lock(&mu_);
  return acked_.size();
}

bool WriteLoad::WaitForAcks(size_t count, absl::Duration timeout) {
  auto reached = [this, count]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return acked_.size() >= count; };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

std::vector<Ack> WriteLoad::Acked() {
  absl::MutexLock lock(&mu_);
  return acked_;
}

std::vector<Ack> WriteLoad::SentAfterSnapshot() {
  absl::MutexLock lock(&mu_);
  return sent_after_snapshot_;
}

std::vector<std::string> WriteLoad::Failures() {
  absl::MutexLock lock(&mu_);
  return failures_;
}

size_t WriteLoad::UpdateCount() {
  absl::MutexLock lock(&mu_);
  return updates_;
}

ChangeLog ReadChangeLog(const std::string& address) {
  auto stub =
      EventService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  event::v1::WatchEventsRequest request;
  request.set_after_sequence(0);
  auto context = Internal();
  auto reader = stub->WatchEvents(context.get(), request);
  ChangeLog log;
  event::v1::WatchEventsResponse change;
  while (reader->Read(&change)) {
    if (!change.change_log_id().empty()) log.change_log_id = change.change_log_id();
    log.changes.push_back(Ack{change.event().id(), change.sequence(), change.event().etag()});
  }
  const grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  return log;
}

void CheckCopyAgainstLive(const ChangeLog& copy, const ChangeLog& live,
                          const std::vector<Ack>& before,
                          const std::vector<Ack>& sent_after_snapshot) {
  EXPECT_EQ(copy.change_log_id, live.change_log_id) << "a restored copy keeps its change log id";
  // No gaps: sequences 1..head.
  for (size_t i = 0; i < copy.changes.size(); ++i) {
    ASSERT_EQ(copy.changes[i].sequence, static_cast<int64_t>(i) + 1) << "gap at change " << i;
  }
  // The copy's log is the live log up to the copy's head: nothing the live service did not
  // acknowledge, nothing changed.
  ASSERT_LE(copy.changes.size(), live.changes.size());
  for (size_t i = 0; i < copy.changes.size(); ++i) {
    ASSERT_EQ(copy.changes[i].id, live.changes[i].id) << "sequence " << i + 1;
    ASSERT_EQ(copy.changes[i].etag, live.changes[i].etag) << "sequence " << i + 1;
  }
  // Every write acknowledged before the backup began is in it, at its sequence.
  for (const Ack& ack : before) {
    ASSERT_GE(ack.sequence, 1);
    ASSERT_LE(ack.sequence, static_cast<int64_t>(copy.changes.size()))
        << ack.id << " was acknowledged before the backup began but is not in it";
    EXPECT_EQ(copy.changes[ack.sequence - 1].id, ack.id);
    EXPECT_EQ(copy.changes[ack.sequence - 1].etag, ack.etag);
  }
  // A write sent after the snapshot was fixed is not (by its change: an update's event is).
  std::set<int64_t> in_copy;
  for (const Ack& change : copy.changes) in_copy.insert(change.sequence);
  for (const Ack& ack : sent_after_snapshot) {
    EXPECT_EQ(in_copy.count(ack.sequence), 0u)
        << ack.id << " at " << ack.sequence << " was sent after the snapshot";
  }
}

namespace {

struct Watched {
  grpc::Status status;
  std::vector<Ack> changes;
};

// One WatchEvents call without follow, as the stats service's follower resumes: the log id it
// holds, the last sequence it applied and that change's etag.
Watched Resume(EventService::Stub& stub, const std::string& change_log_id, const Ack& applied) {
  event::v1::WatchEventsRequest request;
  request.set_change_log_id(change_log_id);
  request.set_after_sequence(applied.sequence);
  request.set_after_etag(applied.etag);
  auto context = Internal();
  auto reader = stub.WatchEvents(context.get(), request);
  Watched watched;
  event::v1::WatchEventsResponse change;
  while (reader->Read(&change)) {
    watched.changes.push_back(Ack{change.event().id(), change.sequence(), change.event().etag()});
  }
  watched.status = reader->Finish();
  return watched;
}

void ExpectRebuildDemanded(const Watched& watched, const std::string& field) {
  EXPECT_EQ(watched.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << watched.status.error_message();
  EXPECT_TRUE(absl::StartsWith(watched.status.error_message(), field + ": "))
      << watched.status.error_message();
  EXPECT_TRUE(watched.changes.empty()) << "a refused follower was sent changes";
}

}  // namespace

void CheckFollowersOfRestoredCopy(const std::string& restored_address, const ChangeLog& copy,
                                  const ChangeLog& live) {
  ASSERT_FALSE(copy.changes.empty());
  ASSERT_LT(copy.changes.size(), live.changes.size())
      << "the live service must have gone on past the backup";
  auto stub = EventService::NewStub(
      grpc::CreateChannel(restored_address, grpc::InsecureChannelCredentials()));
  const Ack& copy_head = copy.changes.back();
  // Followers of the live log that had applied changes the copy does not hold: the first past
  // the copy's head, and the live head.
  const std::vector<Ack> past = {live.changes[copy.changes.size()], live.changes.back()};

  Watched at_head = Resume(*stub, live.change_log_id, copy_head);
  EXPECT_TRUE(at_head.status.ok()) << at_head.status.error_message();
  EXPECT_TRUE(at_head.changes.empty());
  for (const Ack& applied : past) {
    SCOPED_TRACE(absl::StrCat("follower at ", applied.sequence));
    ExpectRebuildDemanded(Resume(*stub, live.change_log_id, applied), "after_sequence");
  }

  // New writes, enough for the restored head to pass the live one: they continue the copy's
  // log at head + 1 and take the sequences the live log had given to other changes.
  const size_t new_writes = live.changes.size() - copy.changes.size() + 1;
  std::vector<Ack> written;
  for (size_t i = 0; i < new_writes; ++i) {
    event::v1::CreateEventRequest request;
    request.mutable_event()->set_event_date("2024-03-03");
    request.mutable_event()->set_event_type(event::v1::EVENT_TYPE_PROTESTS);
    request.mutable_event()->set_sub_event_type("Peaceful protest");
    request.mutable_event()->mutable_location()->set_country_code("HTI");
    event::v1::CreateEventResponse response;
    const grpc::Status status = stub->CreateEvent(Internal().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.event().sequence(), copy_head.sequence + 1 + static_cast<int64_t>(i));
    written.push_back(
        Ack{response.event().id(), response.event().sequence(), response.event().etag()});
  }

  for (const Ack& applied : past) {
    SCOPED_TRACE(absl::StrCat("follower at ", applied.sequence, " after new writes"));
    ExpectRebuildDemanded(Resume(*stub, live.change_log_id, applied), "after_etag");
  }
  at_head = Resume(*stub, live.change_log_id, copy_head);
  ASSERT_TRUE(at_head.status.ok()) << at_head.status.error_message();
  ASSERT_EQ(at_head.changes.size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(at_head.changes[i].sequence, written[i].sequence);
    EXPECT_EQ(at_head.changes[i].id, written[i].id);
    EXPECT_EQ(at_head.changes[i].etag, written[i].etag);
  }
}

}  // namespace lookout::backup_testing
