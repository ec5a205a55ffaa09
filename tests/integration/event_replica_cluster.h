// Several real lookout-event processes sharing one PostgreSQL database (a fresh one on the
// run's test server), with a real lookout-actor (SQLite) behind them and, on demand, a real
// lookout-stats following one of the replicas. Each process runs on a free loopback port and
// logs to a file in the cluster's temporary folder.
#ifndef LOOKOUT_TESTS_INTEGRATION_EVENT_REPLICA_CLUSTER_H_
#define LOOKOUT_TESTS_INTEGRATION_EVENT_REPLICA_CLUSTER_H_

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "lookout/stats/v1/stats_service.grpc.pb.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace lookout::event::testing {

class EventReplicaCluster {
 public:
  EventReplicaCluster() = default;
  ~EventReplicaCluster();

  // Starts the actor service and `replicas` event services on one new database; fails the
  // test (fatally) when one does not serve within 30 s.
  void Start(int replicas);
  // Starts lookout-stats following replica `replica` and waits until it serves (caught up).
  void StartStats(int replica);

  // kill -9, as a crash or the loss of its node would.
  void KillEvent(int replica) { event_processes_[replica]->Stop(SIGKILL); }
  // Stops every thread of replica `replica` (SIGSTOP): its connections stay open and nothing
  // answers, as with a host lost behind a firewall or a long pause ...
  void FreezeEvent(int replica) { event_processes_[replica]->Signal(SIGSTOP); }
  // ... and lets it go on.
  void ThawEvent(int replica) { event_processes_[replica]->Signal(SIGCONT); }

  int replicas() const { return static_cast<int>(events_.size()); }
  v1::EventService::Stub& event(int replica) { return *events_[replica]; }
  actor::v1::ActorService::Stub& actors() { return *actor_stub_; }
  stats::v1::StatsService::Stub& stats() { return *stats_stub_; }

  // A context carrying the internal token, with a deadline.
  static std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout = absl::Seconds(30));

  // The whole change log as `replica` serves it: WatchEvents from 0 without follow.
  std::vector<v1::WatchEventsResponse> ReadLog(int replica);
  // Creates an actor and returns its id.
  std::string CreateActor(const std::string& name);
  // The number of live events, as ListEvents counts them on `replica`.
  int64_t LiveEvents(int replica);

  // Stops the event replicas and returns how many transactions the database rolled back, as
  // PostgreSQL's statistics count them once the replicas' connections have ended: a write that
  // lost a race inside the database (a request_id or an etag another replica committed first)
  // is one. Lets a race test check that its rounds did race there, not only in the services.
  int64_t StopEventsAndCountRollbacks();

 private:
  std::string Log(const std::string& name) const { return dir_.File(name + ".log"); }

  lookout::testing::TempDir dir_;
  std::string database_url_;
  std::string actor_addr_;
  lookout::testing::ChildProcess actor_;
  std::unique_ptr<actor::v1::ActorService::Stub> actor_stub_;
  std::vector<std::unique_ptr<lookout::testing::ChildProcess>> event_processes_;
  std::vector<std::string> event_addrs_;
  std::vector<std::unique_ptr<v1::EventService::Stub>> events_;
  lookout::testing::ChildProcess stats_;
  std::unique_ptr<stats::v1::StatsService::Stub> stats_stub_;
};

// A valid event that needs no actor (callers add the rest).
v1::Event MinimalEvent(const std::string& date = "2024-03-01");

}  // namespace lookout::event::testing

#endif  // LOOKOUT_TESTS_INTEGRATION_EVENT_REPLICA_CLUSTER_H_
