#include "tests/testing/postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "common/pg_connection.h"
#include "tests/testing/redis_server.h"

namespace lookout::testing {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "postgres test server: %s\n", message.c_str());
  std::abort();
}

// The user the server runs as: "postgres" when we are root, ourselves otherwise.
struct ServerUser {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

ServerUser UserForServer() {
  ServerUser user;
  if (geteuid() != 0) return user;
  passwd* pw = getpwnam("postgres");
  if (pw == nullptr) Die("running as root and there is no user \"postgres\" to run the server as");
  user.switch_user = true;
  user.uid = pw->pw_uid;
  user.gid = pw->pw_gid;
  return user;
}

void BecomeServerUser(const ServerUser& user) {
  if (!user.switch_user) return;
  if (setgid(user.gid) != 0 || setuid(user.uid) != 0) {
    std::perror("setuid postgres");
    _exit(126);
  }
}

// In a forked child: stdin from /dev/null, stdout and stderr to `log`, then `argv`.
[[noreturn]] void ExecWithLog(const std::vector<std::string>& argv, const std::string& log) {
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, 0);
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  std::perror(("exec " + argv[0]).c_str());
  _exit(127);
}

// Runs `argv` as the server user, output to `log`, and returns its exit status.
int RunAs(const ServerUser& user, const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    BecomeServerUser(user);
    ExecWithLog(argv, log);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Connects(const std::string& url) {
  return pg::Connection::Open(url, {}, absl::Now() + absl::Seconds(2)).ok();
}

#ifndef LOOKOUT_TEST_POSTGRES_STATE
#define LOOKOUT_TEST_POSTGRES_STATE ""
#endif

}  // namespace

std::string PostgresBinDir() {
  if (const char* dir = std::getenv("LOOKOUT_PG_BIN"); dir != nullptr && dir[0] != '\0') {
    return dir;
  }
  for (const char* version : {"15", "16", "17", "14"}) {
    const std::string dir = absl::StrCat("/usr/lib/postgresql/", version, "/bin");
    if (std::filesystem::exists(dir + "/postgres")) return dir;
  }
  Die("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (scripts/setup.sh installs "
      "postgresql-15; LOOKOUT_PG_BIN names another folder)");
}

PostgresServer::~PostgresServer() {
  if (!options_.detach) Stop();
}

void PostgresServer::Start(const Options& options) {
  if (running()) return;
  options_ = options;
  const ServerUser user = UserForServer();
  char folder[] = "/tmp/lookout-pg-XXXXXX";
  if (mkdtemp(folder) == nullptr) Die("cannot create a temporary folder");
  folder_ = folder;
  if (user.switch_user && chown(folder, user.uid, user.gid) != 0) Die("cannot chown the folder");
  const std::string bin = PostgresBinDir();
  const int initdb = RunAs(user,
                           {bin + "/initdb", "-D", folder_ + "/data", "-A", "trust", "-U",
                            "postgres", "-E", "UTF8", "--locale=C", "--no-sync"},
                           folder_ + "/initdb.log");
  if (initdb != 0) {
    Die(absl::StrCat("initdb failed (", initdb, "): ", ReadFile(folder_ + "/initdb.log")));
  }
  port_ = PickFreePort();
  Launch();
}

void PostgresServer::StartFromBaseBackup(const std::string& base_backup, const Options& options) {
  if (running()) return;
  options_ = options;
  const ServerUser user = UserForServer();
  char folder[] = "/tmp/lookout-pg-XXXXXX";
  if (mkdtemp(folder) == nullptr) Die("cannot create a temporary folder");
  folder_ = folder;
  const std::string data = folder_ + "/data";
  std::error_code error;
  std::filesystem::copy(base_backup, data, std::filesystem::copy_options::recursive, error);
  if (error) Die(absl::StrCat("cannot copy ", base_backup, ": ", error.message()));
  // The server refuses a data folder it does not own or that others can read.
  if (chmod(data.c_str(), 0700) != 0) Die("cannot chmod the data folder");
  if (user.switch_user) {
    bool owned = chown(folder_.c_str(), user.uid, user.gid) == 0 &&
                 chown(data.c_str(), user.uid, user.gid) == 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(data)) {
      owned = owned && chown(entry.path().c_str(), user.uid, user.gid) == 0;
    }
    if (!owned) Die("cannot chown the copy of the base backup");
  }
  port_ = PickFreePort();
  Launch();
}

void PostgresServer::Launch() {
  const ServerUser user = UserForServer();
  const std::string bin = PostgresBinDir();
  std::vector<std::string> argv = {bin + "/postgres",
                                   "-D", folder_ + "/data",
                                   "-p", std::to_string(port_),
                                   "-k", folder_,
                                   "-c", "listen_addresses=127.0.0.1",
                                   "-c", "max_connections=300",
                                   "-c", options_.fsync ? "fsync=on" : "fsync=off",
                                   "-c", "log_min_messages=warning"};
  // synchronous_commit stays on: a test that stops the server must find every acknowledged
  // commit after it starts again.
  if (!options_.fsync) argv.insert(argv.end(), {"-c", "full_page_writes=off"});
  for (const std::string& setting : options_.settings) argv.insert(argv.end(), {"-c", setting});
  const std::string log = folder_ + "/server.log";
  pid_ = fork();
  if (pid_ == 0) {
    setsid();
    BecomeServerUser(user);  // clears the parent-death signal: set it after
    if (!options_.detach) {
      // Dies with the test, so a crashed test leaves no server behind (its backends notice the
      // postmaster's death and exit).
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() == 1) _exit(1);
    }
    ExecWithLog(argv, log);
  }
  for (int i = 0; i < 600; ++i) {
    if (Connects(Url())) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      Die(absl::StrCat("the server exited: ", ReadFile(log)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Die(absl::StrCat("the server did not accept connections within 30 s: ", ReadFile(log)));
}

void PostgresServer::Pause() {
  if (pid_ <= 0) return;
  // SIGQUIT: immediate shutdown, as a crash or a lost node would look to clients.
  kill(pid_, SIGQUIT);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

// The server and its children (each backend starts a session of its own, so a process group
// does not reach them).
static void SignalServer(pid_t postmaster, int signal) {
  kill(postmaster, signal);
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == postmaster) kill(std::stoi(name), signal);
  }
}

void PostgresServer::Freeze() {
  if (pid_ > 0) SignalServer(pid_, SIGSTOP);
}

void PostgresServer::Thaw() {
  if (pid_ > 0) SignalServer(pid_, SIGCONT);
}

void PostgresServer::Resume() {
  if (pid_ > 0 || folder_.empty()) return;
  Launch();
}

void PostgresServer::Stop() {
  Pause();
  if (!folder_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
    folder_.clear();
  }
}

std::string PostgresServer::Url(const std::string& database) const {
  return absl::StrCat("postgresql://postgres@127.0.0.1:", port_, "/", database);
}

std::string PostgresServer::CreateDatabase(const std::string& name) const {
  auto connection = pg::Connection::Open(Url(), {}, absl::Now() + absl::Seconds(10));
  if (!connection.ok()) Die(absl::StrCat("cannot connect: ", connection.status().ToString()));
  absl::Status created = (*connection)->ExecScript(absl::StrCat("CREATE DATABASE ", name),
                                                   absl::Now() + absl::Seconds(30));
  if (!created.ok()) Die(absl::StrCat("cannot create database: ", created.ToString()));
  return Url(name);
}

void StartSharedServer(const std::string& state_file) {
  PostgresServer server;
  PostgresServer::Options options;
  options.detach = true;
  server.Start(options);
  std::ofstream out(state_file, std::ios::trunc);
  out << server.Url() << "\n" << server.pid() << "\n" << server.folder() << "\n";
}

void StopSharedServer(const std::string& state_file) {
  std::ifstream in(state_file);
  std::string url, folder;
  pid_t pid = -1;
  if (!(in >> url >> pid >> folder)) return;
  if (pid > 0 && kill(pid, SIGQUIT) == 0) {
    // Not our child: wait for it to go.
    for (int i = 0; i < 200 && kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(folder, ignored);
  std::filesystem::remove(state_file, ignored);
}

std::string NewTestDatabase() {
  static std::mutex mu;
  static std::string base_url;  // of the server's "postgres" database
  static PostgresServer* private_server = nullptr;
  std::lock_guard<std::mutex> lock(mu);
  if (base_url.empty()) {
    const std::string state_file = LOOKOUT_TEST_POSTGRES_STATE;
    std::string shared_url;
    if (!state_file.empty()) {
      std::ifstream in(state_file);
      in >> shared_url;
    }
    if (!shared_url.empty() && Connects(shared_url)) {
      base_url = shared_url;
    } else {
      // Lives until the process exits; the server dies with it.
      private_server = new PostgresServer();
      private_server->Start();
      base_url = private_server->Url();
    }
  }
  static std::atomic<int> counter{0};
  const std::string name = absl::StrCat("t", getpid(), "_", counter++, "_", RandomHex(4));
  auto connection = pg::Connection::Open(base_url, {}, absl::Now() + absl::Seconds(10));
  if (!connection.ok()) Die(absl::StrCat("cannot connect: ", connection.status().ToString()));
  absl::Status created = (*connection)->ExecScript(absl::StrCat("CREATE DATABASE ", name),
                                                   absl::Now() + absl::Seconds(30));
  if (!created.ok()) Die(absl::StrCat("cannot create database: ", created.ToString()));
  const std::string prefix = base_url.substr(0, base_url.rfind('/') + 1);
  return prefix + name;
}

}  // namespace lookout::testing
