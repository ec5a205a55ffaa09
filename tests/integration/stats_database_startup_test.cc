// The lookout-stats binary on PostgreSQL: started while its database server is down, it waits
// (logging each try) instead of exiting, serves once the server is back, and never writes the
// password to its log; a SIGTERM while it waits ends it promptly and cleanly.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/call_context.h"
#include "gtest/gtest.h"
#include "lookout/stats/v1/stats_service.grpc.pb.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/stats_observations.h"
#include "tests/testing/temp_dir.h"

extern char** environ;

namespace lookout::stats {
namespace {

constexpr char kToken[] = "startup-test-token";
constexpr char kPassword[] = "pw-never-logged-7f3a";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int Count(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// lookout-stats as a child process, its output in `log`; killed at the end if still running.
class StatsProcess {
 public:
  StatsProcess(const std::vector<std::string>& flags, const std::string& log) {
    std::vector<std::string> argv = {LOOKOUT_STATS_BINARY};
    argv.insert(argv.end(), flags.begin(), flags.end());
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    EXPECT_EQ(posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~StatsProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Sends SIGTERM; the exit code, or -1 when the process is still running after `timeout`.
  int Terminate(absl::Duration timeout) {
    kill(pid_, SIGTERM);
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

class StatsDatabaseStartupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    url_ = server_.CreateDatabase("lookout");
    std::ofstream(dir_.File("password")) << kPassword << "\n";
    port_ = lookout::testing::PickFreePort();
  }

  std::vector<std::string> Flags() const {
    return {"--host=127.0.0.1", absl::StrCat("--port=", port_),
            absl::StrCat("--internal_token=", kToken),
            absl::StrCat("--data_dir=", dir_.File("data")), "--metrics_port=-1", "--redis_addr=",
            // No event service: the observations do not need one.
            absl::StrCat("--event_addr=127.0.0.1:", lookout::testing::PickFreePort()),
            absl::StrCat("--database_url=", url_),
            absl::StrCat("--database_password_file=", dir_.File("password")),
            "--database_timeout_ms=1000"};
  }

  // Waits until the log holds `count` lines saying the database was unavailable.
  bool WaitRetries(int count, absl::Duration timeout) const {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (Count(ReadFile(log_), "observation database unavailable") >= count) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  lookout::testing::TempDir dir_;
  lookout::testing::PostgresServer server_;
  std::string url_;
  std::string log_ = dir_.File("stats.log");
  int port_ = 0;
};

TEST_F(StatsDatabaseStartupTest, WaitsForTheDatabaseThenServes) {
  server_.Pause();
  StatsProcess stats(Flags(), log_);
  ASSERT_TRUE(WaitRetries(2, absl::Seconds(20))) << ReadFile(log_);
  server_.Resume();

  auto stub = v1::StatsService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  v1::RecordObservationRequest request;
  *request.mutable_observation() = testing::Killed("BINUH", 1100);
  request.set_request_id("req-startup");
  v1::RecordObservationResponse recorded;
  grpc::Status status;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  do {
    grpc::ClientContext context;
    context.AddMetadata(kInternalTokenHeader, kToken);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    status = stub->RecordObservation(&context, request, &recorded);
    if (!status.ok()) absl::SleepFor(absl::Milliseconds(100));
  } while (!status.ok() && absl::Now() < deadline);
  ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << ReadFile(log_);

  grpc::ClientContext context;
  context.AddMetadata(kInternalTokenHeader, kToken);
  v1::GetObservationRequest get;
  get.set_id(recorded.observation().id());
  v1::GetObservationResponse got;
  ASSERT_TRUE(stub->GetObservation(&context, get, &got).ok());
  EXPECT_EQ(got.observation().SerializeAsString(), recorded.observation().SerializeAsString());

  EXPECT_EQ(stats.Terminate(absl::Seconds(20)), 0);
  const std::string log = ReadFile(log_);
  EXPECT_TRUE(absl::StrContains(log, "dbname=lookout")) << log;
  EXPECT_FALSE(absl::StrContains(log, kPassword)) << log;
  // Observations live in the database, not in data_dir.
  EXPECT_FALSE(std::ifstream(dir_.File("data/stats.db")).good());
}

TEST_F(StatsDatabaseStartupTest, StopsPromptlyWhileWaitingForTheDatabase) {
  server_.Pause();
  StatsProcess stats(Flags(), log_);
  ASSERT_TRUE(WaitRetries(1, absl::Seconds(20))) << ReadFile(log_);
  const absl::Time sigterm = absl::Now();
  EXPECT_EQ(stats.Terminate(absl::Seconds(10)), 0) << ReadFile(log_);
  EXPECT_LT(absl::Now() - sigterm, absl::Seconds(2));
  EXPECT_FALSE(absl::StrContains(ReadFile(log_), kPassword));
}

}  // namespace
}  // namespace lookout::stats
