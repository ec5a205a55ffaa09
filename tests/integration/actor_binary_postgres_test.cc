// The lookout-actor binary pointed at PostgreSQL with --database_url: started while the
// database is down it waits (logging, retrying) instead of exiting, serves once the database
// is back, names the store in its log without the password, and stops on SIGTERM even while
// it waits.
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
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/call_context.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/temp_dir.h"

extern char** environ;

namespace lookout::actor {
namespace {

constexpr char kToken[] = "binary-test-token";
constexpr char kPassword[] = "s3cret-pw-never-logged";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The actor binary as a child process, its output (the JSON log) in a file.
class ActorProcess {
 public:
  ActorProcess(const std::vector<std::string>& flags, std::string log_path)
      : log_path_(std::move(log_path)) {
    std::vector<std::string> argv = {LOOKOUT_ACTOR_BINARY};
    argv.insert(argv.end(), flags.begin(), flags.end());
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int spawned = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) pid_ = -1;
  }
  ~ActorProcess() {
    if (pid_ > 0) Stop(SIGKILL);
  }

  bool started() const { return pid_ > 0; }
  std::string log() const { return ReadAll(log_path_); }

  // Waits until the log contains `text`; false after `timeout` or when the process exited.
  bool AwaitLog(absl::string_view text, absl::Duration timeout) {
    const absl::Time until = absl::Now() + timeout;
    while (absl::Now() < until) {
      if (absl::StrContains(log(), text)) return true;
      if (!Running()) return absl::StrContains(log(), text);
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_status_ = status;
      return false;
    }
    return true;
  }

  // The port of the "serving" log line ("address":"127.0.0.1:PORT"), or 0.
  int ServingPort() const {
    const std::string text = log();
    const size_t serving = text.find("\"msg\":\"serving\"");
    if (serving == std::string::npos) return 0;
    const std::string marker = "127.0.0.1:";
    const size_t at = text.find(marker, serving);
    if (at == std::string::npos) return 0;
    const size_t begin = at + marker.size();
    size_t end = begin;
    while (end < text.size() && isdigit(static_cast<unsigned char>(text[end]))) ++end;
    int port = 0;
    return absl::SimpleAtoi(text.substr(begin, end - begin), &port) ? port : 0;
  }

  // Sends `signal` and waits (at most `timeout`) for the exit; its waitpid status, or -1.
  int Stop(int signal, absl::Duration timeout = absl::Seconds(15)) {
    if (pid_ <= 0) return exit_status_;
    kill(pid_, signal);
    const absl::Time until = absl::Now() + timeout;
    while (Running()) {
      if (absl::Now() > until) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
        return -1;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return exit_status_;
  }

 private:
  std::string log_path_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

std::vector<std::string> Flags(const std::string& database_url, const std::string& data_dir) {
  return {"--port=0",
          "--host=127.0.0.1",
          "--metrics_port=-1",
          "--shutdown_delay_seconds=0",
          "--internal_token=" + std::string(kToken),
          "--data_dir=" + data_dir,
          "--database_url=" + database_url};
}

// The server's URL with a password in it (trust authentication ignores it; the log must not
// show it all the same).
std::string UrlWithPassword(const lookout::testing::PostgresServer& server) {
  return absl::StrCat("postgresql://postgres:", kPassword, "@127.0.0.1:", server.port(),
                      "/postgres");
}

TEST(ActorBinaryPostgresTest, StartedWhileTheDatabaseIsDownItWaitsThenServes) {
  lookout::testing::PostgresServer server;
  server.Start();
  server.Pause();
  lookout::testing::TempDir dir;
  ActorProcess actor(Flags(UrlWithPassword(server), dir.path()), dir.File("actor.log"));
  ASSERT_TRUE(actor.started());

  // It tries, says so, and tries again (after a backoff) rather than exiting.
  ASSERT_TRUE(actor.AwaitLog("unavailable; trying again", absl::Seconds(10))) << actor.log();
  ASSERT_TRUE(actor.AwaitLog("\"attempt\":\"2\"", absl::Seconds(10))) << actor.log();
  EXPECT_TRUE(actor.Running()) << actor.log();
  EXPECT_FALSE(absl::StrContains(actor.log(), "\"msg\":\"serving\""));

  server.Resume();
  ASSERT_TRUE(actor.AwaitLog("\"msg\":\"serving\"", absl::Seconds(20))) << actor.log();
  const int port = actor.ServingPort();
  ASSERT_GT(port, 0) << actor.log();

  auto stub = v1::ActorService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  v1::CreateActorRequest request;
  request.mutable_actor()->set_name("Stored in PostgreSQL");
  request.mutable_actor()->set_type(v1::ACTOR_TYPE_OTHER);
  v1::CreateActorResponse response;
  grpc::ClientContext context;
  context.AddMetadata(kInternalTokenHeader, kToken);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status status = stub->CreateActor(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // In the database, not in an SQLite file.
  EXPECT_FALSE(std::ifstream(dir.File("actor.db")).good());

  const std::string log = actor.log();
  EXPECT_TRUE(absl::StrContains(log, "postgres host=127.0.0.1")) << log;
  EXPECT_FALSE(absl::StrContains(log, kPassword)) << log;
  const int exit_status = actor.Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(exit_status) && WEXITSTATUS(exit_status) == 0) << exit_status;
}

TEST(ActorBinaryPostgresTest, SigtermWhileWaitingForTheDatabaseStopsIt) {
  lookout::testing::PostgresServer server;
  server.Start();
  server.Pause();
  lookout::testing::TempDir dir;
  ActorProcess actor(Flags(UrlWithPassword(server), dir.path()), dir.File("actor.log"));
  ASSERT_TRUE(actor.started());
  ASSERT_TRUE(actor.AwaitLog("unavailable; trying again", absl::Seconds(10))) << actor.log();
  const absl::Time start = absl::Now();
  const int exit_status = actor.Stop(SIGTERM, absl::Seconds(5));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(WIFEXITED(exit_status) && WEXITSTATUS(exit_status) == 0) << exit_status;
  EXPECT_FALSE(absl::StrContains(actor.log(), kPassword)) << actor.log();
}

}  // namespace
}  // namespace lookout::actor
