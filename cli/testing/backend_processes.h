// Test support: the real actor and event service binaries as child processes on free ports
// with a private data directory, for tests that drive the lookout client against them directly
// (with the internal token, as the gateway would).
#ifndef LOOKOUT_CLI_TESTING_BACKEND_PROCESSES_H_
#define LOOKOUT_CLI_TESTING_BACKEND_PROCESSES_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/app/api_client.h"

namespace lookout::cli::cli_testing {

class BackendProcesses {
 public:
  // `bin_dir` holds actor/lookout-actor and event/lookout-event.
  explicit BackendProcesses(std::string bin_dir) : bin_dir_(std::move(bin_dir)) {}
  ~BackendProcesses() { Stop(); }
  BackendProcesses(const BackendProcesses&) = delete;
  BackendProcesses& operator=(const BackendProcesses&) = delete;

  // Starts both in `data_dir` and waits until they answer (at most 20 s). `event_flags` go to the
  // event service as well ("--database_url=..." for PostgreSQL; none for its SQLite file).
  absl::Status Start(const std::string& data_dir, const std::vector<std::string>& event_flags = {});
  // SIGTERM, then wait.
  void Stop();

  // A client configuration that calls the two services directly.
  ClientConfig DirectConfig() const;
  const std::string& event_addr() const { return event_addr_; }
  const std::string& actor_addr() const { return actor_addr_; }
  const std::string& token() const { return token_; }

 private:
  pid_t Spawn(const std::vector<std::string>& argv, const std::string& log);

  std::string bin_dir_;
  std::string token_ = "cli-test-internal-token";
  std::string event_addr_;
  std::string actor_addr_;
  std::vector<pid_t> pids_;
};

// A loopback TCP port that was free a moment ago.
int FreePort();

}  // namespace lookout::cli::cli_testing

#endif  // LOOKOUT_CLI_TESTING_BACKEND_PROCESSES_H_
