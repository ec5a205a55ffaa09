// Test support for the gateway: the real actor and event binaries as child processes (so a test
// can kill -9 one and start it again on the same port and data), gateways in-process or as
// processes, known API keys, and small synchronous clients for raw (byte) calls.
#ifndef LOOKOUT_TESTS_INTEGRATION_GATEWAY_CLUSTER_H_
#define LOOKOUT_TESTS_INTEGRATION_GATEWAY_CLUSTER_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/gateway/gateway_server.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway::testing {

inline constexpr char kInternalToken[] = "gateway-test-internal-token";

// Three keys, one per role, and the keys-file text that configures them.
struct TestKeys {
  std::string reader;
  std::string editor;
  std::string admin;
  // Lines for a keys file; `reader_limit` etc. override the role limits when not empty.
  std::string FileText(const std::string& reader_limit = "", const std::string& editor_limit = "",
                       const std::string& admin_limit = "") const;
};
TestKeys MakeTestKeys();

void WriteFile(const std::string& path, const std::string& text);

// The wait a RESOURCE_EXHAUSTED message announces ("retry in 0.500s"); negative when none.
absl::Duration AnnouncedWait(const std::string& message);

// A self-signed certificate for localhost and its key, made by openssl; false when it failed.
bool MakeSelfSignedCertificate(const std::string& cert_file, const std::string& key_file);

// A child process whose stdout and stderr go to a log file; killed (SIGKILL) when destroyed.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { Kill(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void Start(const std::vector<std::string>& argv, const std::string& log_path);
  // Sends `signal` and waits for the process to exit; its waitpid status (-1 if none ran).
  int Kill(int signal = 9);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Waits until `address` answers health SERVING for `service` ("" = overall).
bool WaitServing(const std::string& address, absl::Duration timeout,
                 const std::string& service = "");

// The real actor and event services, as processes, on fixed free ports and one data dir.
class BackendProcesses {
 public:
  // `redis_port` 0: the backends run without Redis.
  BackendProcesses(std::string dir, int redis_port);
  void StartActor();
  void StartEvent();
  // kill -9, as a crash would.
  void KillEvent() { event_.Kill(9); }
  void KillActor() { actor_.Kill(9); }
  std::string actor_addr() const;
  std::string event_addr() const;
  const std::string& dir() const { return dir_; }

 private:
  const std::string dir_;
  const int redis_port_;
  const int actor_port_;
  const int event_port_;
  ChildProcess actor_;
  ChildProcess event_;
};

// An in-process gateway (no Redis) in front of the real actor and event binaries, with the three
// test keys in a keys file: the set-up of the suites that go through the gateway to real backends.
// Check status() before use.
class GatewayOverBackends {
 public:
  GatewayOverBackends();
  const absl::Status& status() const { return status_; }
  const TestKeys& keys() const { return keys_; }
  std::string address() const;
  // Rewriting this file changes the keys the running gateway accepts.
  const std::string& keys_file() const { return keys_file_; }
  const BackendAddresses& addresses() const { return addresses_; }
  GatewayServer& gateway() { return *gateway_; }

 private:
  lookout::testing::TempDir dir_;
  TestKeys keys_;
  std::string keys_file_;
  std::unique_ptr<BackendProcesses> backends_;
  BackendAddresses addresses_;
  std::unique_ptr<GatewayServer> gateway_;
  absl::Status status_;
};

// A config for an in-process gateway on a free port with test-friendly timings. `redis_port`
// 0 turns Redis off.
GatewayConfig TestGatewayConfig(const BackendAddresses& backends, const std::string& keys_file,
                                int redis_port);

// A gateway as a process (the real binary), with `extra_flags` appended.
// The flags that start a gateway on loopback `port` in front of `backends`, with the test
// token and `keys_file` (`redis_port` 0: no Redis); no binary path, no TLS.
std::vector<std::string> GatewayFlags(const BackendAddresses& backends,
                                      const std::string& keys_file, int port, int redis_port);

class GatewayProcess {
 public:
  GatewayProcess(const BackendAddresses& backends, const std::string& keys_file, int redis_port,
                 const std::string& log_path, std::vector<std::string> extra_flags = {});
  const std::string& address() const { return address_; }
  pid_t pid() const { return process_.pid(); }

 private:
  std::string address_;
  ChildProcess process_;
};

std::shared_ptr<grpc::Channel> Connect(const std::string& address);

// A client context carrying `key` (none when empty) and a deadline.
std::unique_ptr<grpc::ClientContext> KeyContext(const std::string& key,
                                                absl::Duration timeout = absl::Seconds(10));

// A unary call by path with raw bytes, synchronously.
grpc::Status RawUnary(grpc::GenericStub& stub, grpc::ClientContext* context,
                      const std::string& path, const grpc::ByteBuffer& request,
                      grpc::ByteBuffer* response);

// A streaming call by path: sends `requests`, half-closes, reads every response.
grpc::Status RawStream(grpc::GenericStub& stub, grpc::ClientContext* context,
                       const std::string& path, const std::vector<grpc::ByteBuffer>& requests,
                       std::vector<grpc::ByteBuffer>* responses);

// The resident set size of a process in bytes (from /proc), or -1.
int64_t ResidentBytes(pid_t pid);

// Serializes a message into a ByteBuffer and back.
grpc::ByteBuffer ToBytes(const google::protobuf::Message& message);
bool FromBytes(const grpc::ByteBuffer& bytes, google::protobuf::Message* message);

}  // namespace lookout::gateway::testing

#endif  // LOOKOUT_TESTS_INTEGRATION_GATEWAY_CLUSTER_H_
