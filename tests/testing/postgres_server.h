// Throwaway PostgreSQL servers for tests: initdb in a temporary folder, the server on a free
// loopback port, run as the unprivileged user "postgres" when the tests run as root (which
// PostgreSQL refuses), removed at the end.
//
// A ctest run shares one server between its test processes (the "postgres" fixture in
// tests/CMakeLists.txt starts it and writes its address to a file); each test takes a fresh
// database on it with NewTestDatabase(). A test binary run by hand starts a private server
// instead, on first use.
#ifndef LOOKOUT_TESTS_TESTING_POSTGRES_SERVER_H_
#define LOOKOUT_TESTS_TESTING_POSTGRES_SERVER_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace lookout::testing {

class PostgresServer {
 public:
  struct Options {
    // Off for tests (faster); on for benchmarks that compare with the engine's real rate.
    bool fsync = false;
    // Keep the server when this process exits (the ctest fixture); otherwise it dies with it.
    bool detach = false;
    std::vector<std::string> settings;  // more "-c name=value" settings
  };

  PostgresServer() = default;
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // initdb and start; aborts the test binary with a message when it cannot.
  void Start(const Options& options);
  void Start() { Start(Options()); }
  // Starts a server on a copy of the data folder `base_backup` (pg_basebackup's plain output,
  // which the server recovers to the backup's end) instead of a new one.
  void StartFromBaseBackup(const std::string& base_backup, const Options& options);
  // Immediate shutdown, folder removed.
  void Stop();
  // Stops the server, keeping its data and port (an outage) ...
  void Pause();
  // ... and starts it again.
  void Resume();
  // Stops every process of the server (SIGSTOP): connections stay open and nothing answers,
  // as with a host lost behind a firewall ...
  void Freeze();
  // ... and lets them go on.
  void Thaw();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  const std::string& folder() const { return folder_; }
  pid_t pid() const { return pid_; }
  // postgresql://postgres@127.0.0.1:PORT/DATABASE
  std::string Url(const std::string& database = "postgres") const;
  // Creates an empty database and returns its URL.
  std::string CreateDatabase(const std::string& name) const;

 private:
  void Launch();

  Options options_;
  std::string folder_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// The folder of Debian's server binaries (initdb, postgres, pg_dump...), e.g.
// /usr/lib/postgresql/15/bin; LOOKOUT_PG_BIN overrides.
std::string PostgresBinDir();

// The URL of an empty database of its own on the run's shared server (or a private one).
std::string NewTestDatabase();

// Stops the shared fixture server whose state file is `state_file` (for the fixture's cleanup).
void StopSharedServer(const std::string& state_file);
// Starts a detached server and writes its state to `state_file`.
void StartSharedServer(const std::string& state_file);

}  // namespace lookout::testing

#endif  // LOOKOUT_TESTS_TESTING_POSTGRES_SERVER_H_
