#include "cli/testing/backend_processes.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/testing/redis_server.h"

namespace lookout::cli::cli_testing {

pid_t BackendProcesses::Spawn(const std::vector<std::string>& argv, const std::string& log) {
  // Built before fork: between fork and exec only async-signal-safe calls (the test has threads,
  // and a malloc lock held by one of them at the fork would never be released in the child).
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // A test that crashes takes its services with it: orphans would keep serving, and keep the
    // test's output pipe open, so ctest would wait for them until its timeout.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

absl::Status BackendProcesses::Start(const std::string& data_dir,
                                     const std::vector<std::string>& event_flags) {
  actor_addr_ = absl::StrCat("127.0.0.1:", lookout::testing::PickFreePort());
  event_addr_ = absl::StrCat("127.0.0.1:", lookout::testing::PickFreePort());
  const std::string actor_port = actor_addr_.substr(actor_addr_.rfind(':') + 1);
  const std::string event_port = event_addr_.substr(event_addr_.rfind(':') + 1);
  pids_.push_back(
      Spawn({bin_dir_ + "/actor/lookout-actor", "--port=" + actor_port, "--metrics_port=-1",
             "--data_dir=" + data_dir, "--internal_token=" + token_, "--drain_grace_seconds=1"},
            data_dir + "/actor.log"));
  std::vector<std::string> event_argv = {bin_dir_ + "/event/lookout-event",
                                         "--port=" + event_port,
                                         "--metrics_port=-1",
                                         "--data_dir=" + data_dir,
                                         "--internal_token=" + token_,
                                         "--actor_addr=" + actor_addr_,
                                         "--redis_addr=",
                                         "--drain_grace_seconds=1"};
  event_argv.insert(event_argv.end(), event_flags.begin(), event_flags.end());
  pids_.push_back(Spawn(event_argv, data_dir + "/event.log"));
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    // A new channel each time: a channel that failed once waits longer and longer to retry.
    ApiClient client(DirectConfig());
    actor::v1::ListActorsResponse actors;
    event::v1::ListEventsResponse events;
    grpc::Status a = client.Unary([&](grpc::ClientContext* context) {
      return client.actors()->ListActors(context, actor::v1::ListActorsRequest(), &actors);
    });
    grpc::Status e = client.Unary([&](grpc::ClientContext* context) {
      return client.events()->ListEvents(context, event::v1::ListEventsRequest(), &events);
    });
    if (a.ok() && e.ok()) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::string logs;
  for (const char* name : {"/actor.log", "/event.log"}) {
    std::ifstream log(data_dir + name);
    std::string line;
    while (std::getline(log, line)) absl::StrAppend(&logs, name, ": ", line, "\n");
  }
  return absl::UnavailableError(absl::StrCat("the services did not start:\n", logs));
}

void BackendProcesses::Stop() {
  for (pid_t pid : pids_) kill(pid, SIGTERM);
  for (pid_t pid : pids_) waitpid(pid, nullptr, 0);
  pids_.clear();
}

ClientConfig BackendProcesses::DirectConfig() const {
  ClientConfig config;
  config.addr = event_addr_;
  config.event_addr = event_addr_;
  config.actor_addr = actor_addr_;
  config.internal_token = token_;
  config.timeout = absl::Seconds(20);
  return config;
}

}  // namespace lookout::cli::cli_testing
