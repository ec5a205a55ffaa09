// The stats service with the real actor and event services, all in-process on loopback ports,
// each with its own SQLite file under one directory (the observations may live in PostgreSQL
// instead: StatsOptions::observation_store). Each service can be stopped and started
// again (the event service on the same port, with the same database), as a process restart
// would, so tests can cut the change feed and check that the stats service resumes exactly.
#ifndef LOOKOUT_TESTS_INTEGRATION_STATS_CLUSTER_H_
#define LOOKOUT_TESTS_INTEGRATION_STATS_CLUSTER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>

#include "common/store_location.h"
#include "absl/time/time.h"
#include "common/store_location.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "lookout/stats/v1/stats_service.grpc.pb.h"
#include "services/stats/feed_follower.h"
#include "services/stats/read_model.h"
#include "services/stats/read_model_snapshot.h"
#include "tests/testing/stats_observations.h"

namespace lookout::stats::testing {

inline constexpr char kToken[] = "stats-test-token";

struct StatsOptions {
  // 0: no Redis cache.
  int redis_port = 0;
  absl::Duration sequence_wait = absl::Seconds(2);
  // Short, so tests that cut the feed do not wait long for it to come back.
  absl::Duration feed_max_backoff = absl::Milliseconds(500);
  // Connect to the event service at all (false: a stats service with observations only).
  bool with_events = true;
  // Another cluster's event service to follow (0: this cluster's own).
  int event_port = 0;
  // Non-empty: a replica that keeps no observations and forwards them to this lookout-stats
  // (as --observations_addr), with `observations_timeout` as the forwarded calls' cap.
  std::string observations_addr;
  absl::Duration observations_timeout = absl::Seconds(3);
  // The page size a replica's SummarizeMetric reads the owner's observations with.
  int observations_page_size = 1000;
  // Where the observations live (unset: stats.db in the cluster's directory). Ignored with
  // `observations_addr`.
  std::optional<StoreLocation> observation_store;
  // Non-empty: the read model snapshot file (as data_dir/read_model.snapshot): loaded before
  // the feed starts, written after each catch-up and when the stats service stops.
  std::string snapshot_path;
};

class StatsCluster {
 public:
  // `dir` holds the databases; it must outlive the cluster.
  explicit StatsCluster(std::string dir);
  ~StatsCluster();

  void StartActor();
  // Where the event service keeps its store (by default an SQLite file in `dir`). Call before
  // StartEvent.
  void SetEventStore(StoreLocation location) { event_location_ = std::move(location); }
  // Starts the event service; after a stop, on the same port with the same database.
  void StartEvent();
  void StopEvent();
  // Starts a stats service with an empty read model, as a freshly started process would have.
  void StartStats(StatsOptions options = {});
  void StopStats();
  // Waits until the stats service's health says SERVING; false after `timeout`.
  bool WaitStatsServing(absl::Duration timeout = absl::Seconds(20));

  lookout::actor::v1::ActorService::Stub& actors() { return *actor_stub_; }
  lookout::event::v1::EventService::Stub& events() { return *event_stub_; }
  lookout::stats::v1::StatsService::Stub& stats() { return *stats_stub_; }
  grpc::health::v1::Health::Stub& stats_health() { return *stats_health_; }
  ReadModel& model();
  FeedFollower& follower();
  int actor_port() const { return actor_port_; }
  // What loading StatsOptions::snapshot_path gave (NOT_FOUND without a path).
  const absl::StatusOr<SnapshotInfo>& snapshot_load() const;
  int event_port() const { return event_port_; }
  int stats_port() const { return stats_port_; }

  // A client context with the internal token and a deadline.
  static std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout = absl::Seconds(10));

  // Creates an actor and returns its id (fails the test otherwise).
  std::string CreateActor(const std::string& name);
  // Creates an event and returns it as stored (fails the test otherwise).
  lookout::event::v1::Event CreateEvent(const lookout::event::v1::Event& event);
  // The event service's change log head, as the newest event's sequence (0 when empty).
  int64_t Head();

 private:
  struct ActorServer;
  struct EventServer;
  struct StatsServer;

  const std::string dir_;
  StoreLocation event_location_;
  std::unique_ptr<ActorServer> actor_;
  std::unique_ptr<EventServer> event_;
  std::unique_ptr<StatsServer> stats_;
  int actor_port_ = 0;
  int event_port_ = 0;
  int stats_port_ = 0;
  std::unique_ptr<lookout::actor::v1::ActorService::Stub> actor_stub_;
  std::unique_ptr<lookout::event::v1::EventService::Stub> event_stub_;
  std::unique_ptr<lookout::stats::v1::StatsService::Stub> stats_stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> stats_health_;
};

// A minimal valid event (callers add participants, casualties and the rest).
lookout::event::v1::Event BasicEvent(const std::string& date, const std::string& country = "HTI");

// What SummarizeMetric reconciles against: events in Haiti in January 2024 with 300 + 400
// killed (and a tenth as many injured); one in February and one in Kenya that do not count.
void CreateReconciliationEvents(StatsCluster& cluster);

}  // namespace lookout::stats::testing

#endif  // LOOKOUT_TESTS_INTEGRATION_STATS_CLUSTER_H_
