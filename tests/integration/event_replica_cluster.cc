#include "tests/integration/event_replica_cluster.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "common/pg_connection.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/redis_server.h"

namespace lookout::event::testing {
namespace {

constexpr char kToken[] = "event-replicas-test-token";

std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

std::string LocalAddress() { return absl::StrCat("127.0.0.1:", lookout::testing::PickFreePort()); }

std::string PortOf(const std::string& address) { return address.substr(address.rfind(':') + 1); }

// Flags every service takes: loopback, no metrics port, quick shutdown.
std::vector<std::string> CommonFlags(const std::string& binary, const std::string& address) {
  return {binary,
          "--host=127.0.0.1",
          absl::StrCat("--port=", PortOf(address)),
          "--metrics_port=-1",
          absl::StrCat("--internal_token=", kToken),
          "--drain_grace_seconds=1",
          "--shutdown_delay_seconds=0"};
}

}  // namespace

EventReplicaCluster::~EventReplicaCluster() {
  stats_.Stop(9);
  for (auto& process : event_processes_) process->Stop(9);
  actor_.Stop(9);
}

void EventReplicaCluster::Start(int replicas) {
  database_url_ = lookout::testing::NewTestDatabase();
  actor_addr_ = LocalAddress();
  std::vector<std::string> actor_flags = CommonFlags(LOOKOUT_ACTOR_BINARY, actor_addr_);
  actor_flags.push_back(absl::StrCat("--data_dir=", dir_.File("actor")));
  actor_.Start(actor_flags, Log("actor"));
  actor_stub_ = actor::v1::ActorService::NewStub(Channel(actor_addr_));

  // Started together, as replicas rolled out at once are: their migrations race too.
  for (int i = 0; i < replicas; ++i) {
    const std::string address = LocalAddress();
    std::vector<std::string> flags = CommonFlags(LOOKOUT_EVENT_BINARY, address);
    flags.push_back(absl::StrCat("--data_dir=", dir_.File(absl::StrCat("event", i))));
    flags.push_back(absl::StrCat("--actor_addr=", actor_addr_));
    flags.push_back("--redis_addr=");
    flags.push_back(absl::StrCat("--database_url=", database_url_));
    event_processes_.push_back(std::make_unique<lookout::testing::ChildProcess>());
    event_processes_.back()->Start(flags, Log(absl::StrCat("event", i)));
    event_addrs_.push_back(address);
    events_.push_back(v1::EventService::NewStub(Channel(address)));
  }
  ASSERT_TRUE(lookout::testing::WaitServing(actor_addr_, "lookout.actor.v1.ActorService",
                                            absl::Seconds(30)))
      << "lookout-actor did not serve:\n"
      << lookout::testing::TailOfFile(Log("actor"));
  for (int i = 0; i < replicas; ++i) {
    ASSERT_TRUE(lookout::testing::WaitServing(event_addrs_[i], "lookout.event.v1.EventService",
                                              absl::Seconds(30)))
        << "event replica " << i << " did not serve:\n"
        << lookout::testing::TailOfFile(Log(absl::StrCat("event", i)));
  }
}

void EventReplicaCluster::StartStats(int replica) {
  const std::string address = LocalAddress();
  std::vector<std::string> flags = CommonFlags(LOOKOUT_STATS_BINARY, address);
  flags.push_back(absl::StrCat("--data_dir=", dir_.File("stats")));
  flags.push_back(absl::StrCat("--event_addr=", event_addrs_[replica]));
  flags.push_back("--redis_addr=");
  stats_.Start(flags, Log("stats"));
  stats_stub_ = stats::v1::StatsService::NewStub(Channel(address));
  // SERVING once the read model caught up with the change log.
  ASSERT_TRUE(
      lookout::testing::WaitServing(address, "lookout.stats.v1.StatsService", absl::Seconds(30)))
      << "lookout-stats did not serve:\n"
      << lookout::testing::TailOfFile(Log("stats"));
}

std::unique_ptr<grpc::ClientContext> EventReplicaCluster::Context(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata(kInternalTokenHeader, kToken);
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  return context;
}

std::vector<v1::WatchEventsResponse> EventReplicaCluster::ReadLog(int replica) {
  v1::WatchEventsRequest request;
  auto context = Context(absl::Seconds(60));
  auto reader = event(replica).WatchEvents(context.get(), request);
  std::vector<v1::WatchEventsResponse> log;
  v1::WatchEventsResponse change;
  while (reader->Read(&change)) log.push_back(change);
  const grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << "WatchEvents on replica " << replica << ": "
                           << status.error_message();
  return log;
}

std::string EventReplicaCluster::CreateActor(const std::string& name) {
  actor::v1::CreateActorRequest request;
  request.mutable_actor()->set_name(name);
  request.mutable_actor()->set_type(actor::v1::ACTOR_TYPE_POLITICAL_MILITIA);
  request.mutable_actor()->set_country_code("HTI");
  actor::v1::CreateActorResponse response;
  const grpc::Status status = actors().CreateActor(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.actor().id();
}

int64_t EventReplicaCluster::LiveEvents(int replica) {
  v1::ListEventsRequest request;
  request.set_page_size(1);
  v1::ListEventsResponse response;
  const grpc::Status status = event(replica).ListEvents(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.total_size();
}

int64_t EventReplicaCluster::StopEventsAndCountRollbacks() {
  for (auto& process : event_processes_) process->Stop(SIGTERM);
  auto connection = pg::Connection::Open(database_url_, {}, absl::Now() + absl::Seconds(10));
  EXPECT_TRUE(connection.ok()) << connection.status();
  if (!connection.ok()) return -1;
  // A server process reports its counts as it exits: read them once every server process the
  // replicas used has gone (and a moment later, as the exit also unlists it).
  auto read = [&]() -> std::optional<std::pair<int64_t, int64_t>> {
    // Outside a transaction, each read takes a fresh snapshot of the statistics.
    auto rows = (*connection)
                    ->Exec(
                        "SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND pid <> pg_backend_pid()), (SELECT "
                        "xact_rollback FROM pg_stat_database WHERE datname = "
                        "current_database())",
                        absl::Now() + absl::Seconds(5));
    EXPECT_TRUE(rows.ok()) << rows.status();
    if (!rows.ok()) return std::nullopt;
    return std::make_pair(rows->Int64(0, 0), rows->Int64(0, 1));
  };
  int64_t rollbacks = -1;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(20); absl::Now() < deadline;) {
    auto counts = read();
    if (!counts.has_value()) return -1;
    if (counts->first == 0) {
      absl::SleepFor(absl::Milliseconds(300));
      counts = read();
      if (counts.has_value()) rollbacks = counts->second;
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return rollbacks;
}

v1::Event MinimalEvent(const std::string& date) {
  v1::Event event;
  event.set_event_date(date);
  event.set_event_type(v1::EVENT_TYPE_BATTLES);
  event.set_sub_event_type("Armed clash");
  event.mutable_location()->set_country_code("HTI");
  event.mutable_location()->set_admin1("Ouest");
  return event;
}

}  // namespace lookout::event::testing
