// The actor service on PostgreSQL where it differs from one SQLite process: several replicas on
// one database taking conflicting writes at the same moment (one actor per name, one winner per
// etag, one result per request id), an outage (UNAVAILABLE within the deadline, recovery by
// itself), and a server whose default collation is not byte order (the same order as SQLite).
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/call_context.h"
#include "common/pg_pool.h"
#include "common/server_runner.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "services/actor/actor_manager.h"
#include "services/actor/actor_service.h"
#include "services/actor/actor_store_factory.h"
#include "tests/integration/actor_replica.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::actor {
namespace {

// An actor service (tests/integration/actor_replica.h) with the create these tests repeat.
class Replica : public testing::ActorReplica {
 public:
  using ActorReplica::ActorReplica;

  v1::Actor MustCreate(const std::string& name, const std::string& request_id = "") {
    v1::CreateActorRequest request;
    request.mutable_actor()->set_name(name);
    request.mutable_actor()->set_type(v1::ACTOR_TYPE_OTHER);
    request.set_request_id(request_id);
    v1::CreateActorResponse response;
    grpc::Status status = Call(&v1::ActorService::Stub::CreateActor, request, &response);
    EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
    return response.actor();
  }
};

StoreLocation PostgresLocation(const std::string& url) {
  StoreLocation location;
  pg::PoolOptions options;
  options.conninfo = url;
  options.schema = "actor";
  options.size = 8;
  options.application_name = "lookout-test";
  location.postgres = options;
  return location;
}

// Runs `body(thread_index)` on `threads` threads at once and waits for them all.
template <typename Body>
void RunTogether(int threads, Body body) {
  std::atomic<int> ready{0};
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      ++ready;
      while (ready.load() < threads) std::this_thread::yield();
      body(t);
    });
  }
  for (std::thread& thread : running) thread.join();
}

TEST(ActorPostgresTest, ReplicasStartingTogetherShareOneSchemaAndPageTokenSecret) {
  const StoreLocation location = PostgresLocation(lookout::testing::NewTestDatabase());
  constexpr int kReplicas = 4;
  std::vector<std::unique_ptr<ActorStore>> stores(kReplicas);
  RunTogether(kReplicas, [&](int t) {
    auto store = OpenActorStore(location);
    ASSERT_TRUE(store.ok()) << store.status();
    stores[t] = std::move(*store);
  });
  for (const auto& store : stores) ASSERT_NE(store, nullptr);
  for (const auto& store : stores) {
    EXPECT_EQ(store->page_token_secret(), stores[0]->page_token_secret());
  }
  EXPECT_EQ(stores[0]->page_token_secret().size(), 64u);
  stores.clear();

  // So a page token one replica issued is good on another.
  Replica first(location);
  Replica second(location);
  ASSERT_TRUE(first.ok() && second.ok());
  for (int i = 0; i < 5; ++i) first.MustCreate(absl::StrCat("Listed ", i));
  v1::ListActorsRequest request;
  request.set_page_size(2);
  v1::ListActorsResponse page;
  ASSERT_TRUE(first.Call(&v1::ActorService::Stub::ListActors, request, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_page_token(page.next_page_token());
  grpc::Status status = second.Call(&v1::ActorService::Stub::ListActors, request, &page);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(page.actors_size(), 2);
  EXPECT_EQ(page.actors(0).name(), "Listed 2");
}

TEST(ActorPostgresTest, TwoReplicasResolvingTheSameNewNamesCreateOneActorPerName) {
  const StoreLocation location = PostgresLocation(lookout::testing::NewTestDatabase());
  Replica first(location);
  Replica second(location);
  ASSERT_TRUE(first.ok() && second.ok());
  Replica* replicas[] = {&first, &second};

  std::vector<std::string> names;
  for (int i = 0; i < 24; ++i) names.push_back(absl::StrCat("Armed Group ", i));
  constexpr int kThreads = 16;
  constexpr int kRounds = 3;
  absl::Mutex mu;
  // Normalized name -> every actor id a call answered with.
  std::map<std::string, std::set<std::string>> answers;
  std::atomic<int> failures{0};
  std::atomic<int> created{0};
  for (int round = 0; round < kRounds; ++round) {
    RunTogether(kThreads, [&](int t) {
      // Each call names every new name of its round in an order of its own, some spelled
      // differently, so the creates interleave in every way.
      std::vector<std::string> order(names.begin() + round * 8, names.begin() + round * 8 + 8);
      std::shuffle(order.begin(), order.end(), std::mt19937(round * 100 + t));
      v1::ResolveActorsRequest request;
      request.set_create_missing(true);
      for (const std::string& name : order) {
        request.add_names(t % 2 == 0 ? name : absl::AsciiStrToUpper(name));
      }
      v1::ResolveActorsResponse response;
      grpc::Status status = replicas[t % 2]->Resolve(request, &response);
      if (!status.ok()) {
        ++failures;
        ADD_FAILURE() << status.error_code() << ": " << status.error_message();
        return;
      }
      absl::MutexLock lock(&mu);
      for (const v1::Resolution& resolution : response.resolutions()) {
        if (resolution.match() == v1::RESOLUTION_MATCH_CREATED) ++created;
        EXPECT_NE(resolution.match(), v1::RESOLUTION_MATCH_NONE);
        answers[absl::AsciiStrToLower(resolution.name())].insert(resolution.actor_id());
      }
    });
  }
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(answers.size(), names.size());
  for (const auto& [name, ids] : answers) {
    EXPECT_EQ(ids.size(), 1u) << name << " resolved to several actors";
  }
  // Exactly one call created each name, and the store holds exactly those actors.
  EXPECT_EQ(created.load(), static_cast<int>(names.size()));
  EXPECT_EQ(first.ActorCount(), static_cast<int64_t>(names.size()));
  EXPECT_EQ(second.ActorCount(), static_cast<int64_t>(names.size()));
}

TEST(ActorPostgresTest, ConflictingUpdatesOnTwoReplicasHaveOneWinnerPerEtag) {
  const StoreLocation location = PostgresLocation(lookout::testing::NewTestDatabase());
  Replica first(location);
  Replica second(location);
  ASSERT_TRUE(first.ok() && second.ok());
  Replica* replicas[] = {&first, &second};
  // Several rounds, one actor each: a race lost only now and then still shows.
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const v1::Actor actor = first.MustCreate(absl::StrCat("Contested ", round));
    constexpr int kThreads = 12;
    std::atomic<int> won{0};
    std::atomic<int> aborted{0};
    absl::Mutex mu;
    std::string winner_description;
    RunTogether(kThreads, [&](int t) {
      v1::UpdateActorRequest request;
      *request.mutable_actor() = actor;  // the etag read before any update
      request.mutable_actor()->set_description(absl::StrCat("writer ", t));
      request.mutable_update_mask()->add_paths("description");
      v1::UpdateActorResponse response;
      grpc::Status status =
          replicas[t % 2]->Call(&v1::ActorService::Stub::UpdateActor, request, &response);
      if (status.ok()) {
        ++won;
        absl::MutexLock lock(&mu);
        winner_description = response.actor().description();
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
        EXPECT_NE(status.error_message().find("etag"), std::string::npos) << status.error_message();
        ++aborted;
      }
    });
    EXPECT_EQ(won.load(), 1);
    EXPECT_EQ(aborted.load(), kThreads - 1);
    v1::GetActorRequest get;
    get.set_id(actor.id());
    v1::GetActorResponse fetched;
    ASSERT_TRUE(second.Call(&v1::ActorService::Stub::GetActor, get, &fetched).ok());
    EXPECT_EQ(fetched.actor().description(), winner_description);
  }
}

TEST(ActorPostgresTest, OneRequestIdOnTwoReplicasAtOnceCreatesOnce) {
  const StoreLocation location = PostgresLocation(lookout::testing::NewTestDatabase());
  Replica first(location);
  Replica second(location);
  ASSERT_TRUE(first.ok() && second.ok());
  Replica* replicas[] = {&first, &second};

  constexpr int kThreads = 12;
  constexpr int kRounds = 6;  // a race lost only now and then still shows
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    auto request = [round] {
      v1::CreateActorRequest request;
      request.set_request_id(absl::StrCat("same-request-", round));
      request.mutable_actor()->set_name(absl::StrCat("Only Once ", round));
      request.mutable_actor()->set_type(v1::ACTOR_TYPE_OTHER);
      return request;
    };
    absl::Mutex mu;
    std::set<std::string> ids;
    RunTogether(kThreads, [&](int t) {
      v1::CreateActorResponse response;
      grpc::Status status =
          replicas[t % 2]->Call(&v1::ActorService::Stub::CreateActor, request(), &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
      absl::MutexLock lock(&mu);
      ids.insert(response.actor().id());
    });
    EXPECT_EQ(ids.size(), 1u);
    EXPECT_EQ(first.ActorCount(), round + 1);

    // Another payload under the same id, on either replica: refused, nothing written.
    for (Replica* replica : replicas) {
      v1::CreateActorRequest other = request();
      other.mutable_actor()->set_name("Something Else");
      v1::CreateActorResponse response;
      grpc::Status status = replica->Call(&v1::ActorService::Stub::CreateActor, other, &response);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS) << status.error_message();
      EXPECT_NE(status.error_message().find("request_id"), std::string::npos);
    }
    EXPECT_EQ(second.ActorCount(), round + 1);
  }
}

TEST(ActorPostgresTest, DeletingAParentWhileAChildIsCreatedOnAnotherReplicaLeavesNoOrphan) {
  const StoreLocation location = PostgresLocation(lookout::testing::NewTestDatabase());
  Replica first(location);
  Replica second(location);
  ASSERT_TRUE(first.ok() && second.ok());
  int deleted = 0;
  int adopted = 0;
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const v1::Actor parent = first.MustCreate(absl::StrCat("Parent ", round));
    grpc::Status removed, created;
    RunTogether(2, [&](int t) {
      if (t == 0) {
        v1::DeleteActorRequest request;
        request.set_id(parent.id());
        v1::DeleteActorResponse response;
        removed = first.Call(&v1::ActorService::Stub::DeleteActor, request, &response);
      } else {
        v1::CreateActorRequest request;
        request.mutable_actor()->set_name(absl::StrCat("Child ", round));
        request.mutable_actor()->set_type(v1::ACTOR_TYPE_OTHER);
        request.mutable_actor()->set_parent_id(parent.id());
        v1::CreateActorResponse response;
        created = second.Call(&v1::ActorService::Stub::CreateActor, request, &response);
      }
    });
    // Exactly one of them wins, and the loser gets the contract's code.
    if (removed.ok()) {
      ++deleted;
      EXPECT_EQ(created.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << created.error_message();
      EXPECT_NE(created.error_message().find("actor.parent_id"), std::string::npos);
    } else {
      ++adopted;
      EXPECT_EQ(removed.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
          << removed.error_message();
      EXPECT_TRUE(created.ok()) << created.error_message();
    }
  }
  EXPECT_EQ(deleted + adopted, 10);
  // Whatever the interleaving: every stored child's parent exists.
  v1::ListActorsRequest list;
  list.set_page_size(1000);
  v1::ListActorsResponse all;
  ASSERT_TRUE(first.Call(&v1::ActorService::Stub::ListActors, list, &all).ok());
  std::set<std::string> ids;
  for (const v1::Actor& actor : all.actors()) ids.insert(actor.id());
  for (const v1::Actor& actor : all.actors()) {
    if (!actor.parent_id().empty()) {
      EXPECT_EQ(ids.count(actor.parent_id()), 1u) << actor.name();
    }
  }
}

TEST(ActorPostgresTest, DeletingAnActorWhileARelationshipToItIsCreatedLeavesNoDanglingSide) {
  const StoreLocation location = PostgresLocation(lookout::testing::NewTestDatabase());
  Replica first(location);
  Replica second(location);
  ASSERT_TRUE(first.ok() && second.ok());
  const v1::Actor hub = first.MustCreate("Hub");
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const v1::Actor doomed = first.MustCreate(absl::StrCat("Doomed ", round));
    grpc::Status removed, related;
    RunTogether(2, [&](int t) {
      if (t == 0) {
        v1::DeleteActorRequest request;
        request.set_id(doomed.id());
        v1::DeleteActorResponse response;
        removed = first.Call(&v1::ActorService::Stub::DeleteActor, request, &response);
      } else {
        v1::CreateRelationshipRequest request;
        request.mutable_relationship()->set_subject_id(doomed.id());
        request.mutable_relationship()->set_object_id(hub.id());
        request.mutable_relationship()->set_type(v1::RELATIONSHIP_TYPE_MEMBER_OF);
        v1::CreateRelationshipResponse response;
        related = second.Call(&v1::ActorService::Stub::CreateRelationship, request, &response);
      }
    });
    EXPECT_TRUE(removed.ok()) << removed.error_message();
    if (!related.ok()) {
      EXPECT_EQ(related.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << related.error_message();
      EXPECT_NE(related.error_message().find("relationship.subject_id"), std::string::npos);
    }
  }
  // A relationship created before the delete went with it; none created after it exists.
  v1::ListRelationshipsRequest list;
  list.set_page_size(1000);
  v1::ListRelationshipsResponse all;
  ASSERT_TRUE(second.Call(&v1::ActorService::Stub::ListRelationships, list, &all).ok());
  EXPECT_EQ(all.relationships_size(), 0);
}

TEST(ActorPostgresTest, AnOutageIsUnavailableWithinTheDeadlineAndTheServiceRecovers) {
  lookout::testing::PostgresServer server;
  server.Start();
  Replica replica(PostgresLocation(server.Url()));
  ASSERT_TRUE(replica.ok());
  const v1::Actor before = replica.MustCreate("Before the outage");

  server.Pause();
  for (int call = 0; call < 3; ++call) {  // a pooled connection and fresh ones alike
    v1::CreateActorRequest request;
    request.mutable_actor()->set_name(absl::StrCat("During the outage ", call));
    request.mutable_actor()->set_type(v1::ACTOR_TYPE_OTHER);
    v1::CreateActorResponse response;
    const absl::Time start = absl::Now();
    grpc::Status status =
        replica.Call(&v1::ActorService::Stub::CreateActor, request, &response, absl::Seconds(5));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    EXPECT_LT(absl::Now() - start, absl::Seconds(5));
    v1::GetActorRequest get;
    get.set_id(before.id());
    v1::GetActorResponse fetched;
    status = replica.Call(&v1::ActorService::Stub::GetActor, get, &fetched, absl::Seconds(5));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  }

  server.Resume();
  // Connections that died with the server are replaced as calls find them broken.
  grpc::Status status;
  v1::CreateActorResponse response;
  for (int attempt = 0; attempt < 10; ++attempt) {
    v1::CreateActorRequest request;
    request.mutable_actor()->set_name("After the outage");
    request.mutable_actor()->set_type(v1::ACTOR_TYPE_OTHER);
    status = replica.Call(&v1::ActorService::Stub::CreateActor, request, &response);
    if (status.ok()) break;
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE(status.ok()) << status.error_message();
  // Nothing the failed calls tried was written; what was there before still is.
  EXPECT_EQ(replica.ActorCount(), 2);
  v1::GetActorRequest get;
  get.set_id(before.id());
  v1::GetActorResponse fetched;
  ASSERT_TRUE(replica.Call(&v1::ActorService::Stub::GetActor, get, &fetched).ok());
  EXPECT_EQ(fetched.actor().name(), "Before the outage");
}

TEST(ActorPostgresTest, OnceTheDatabaseIsBackNoCallFailsOnAConnectionLostInTheOutage) {
  lookout::testing::PostgresServer server;
  server.Start();
  Replica replica(PostgresLocation(server.Url()));
  ASSERT_TRUE(replica.ok());
  const v1::Actor before = replica.MustCreate("Before the restart");
  // Calls at once, so the pool holds several open connections.
  RunTogether(8, [&](int) {
    v1::ListActorsResponse response;
    EXPECT_TRUE(
        replica.Call(&v1::ActorService::Stub::ListActors, v1::ListActorsRequest(), &response).ok());
  });

  // A restart nobody called through: every pooled connection died with the old server.
  server.Pause();
  server.Resume();
  for (int call = 0; call < 12; ++call) {
    v1::GetActorRequest get;
    get.set_id(before.id());
    v1::GetActorResponse fetched;
    grpc::Status status = replica.Call(&v1::ActorService::Stub::GetActor, get, &fetched);
    EXPECT_TRUE(status.ok()) << "call " << call << ": " << status.error_message();
  }
}

TEST(ActorPostgresTest, ADatabaseThatStopsAnsweringCostsTheDeadlineNotAHang) {
  lookout::testing::PostgresServer server;
  server.Start();
  Replica replica(PostgresLocation(server.Url()));
  ASSERT_TRUE(replica.ok());
  const v1::Actor before = replica.MustCreate("Before the freeze");

  // Connections stay open and nothing answers, as with a host lost behind a firewall.
  server.Freeze();
  v1::GetActorRequest get;
  get.set_id(before.id());
  v1::GetActorResponse fetched;
  const absl::Time start = absl::Now();
  grpc::Status status =
      replica.Call(&v1::ActorService::Stub::GetActor, get, &fetched, absl::Seconds(1));
  const absl::Duration took = absl::Now() - start;
  server.Thaw();
  // The server gives up at the call's deadline: the client sees its deadline pass or the
  // server's UNAVAILABLE, whichever arrives first, and never waits much longer.
  EXPECT_TRUE(status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
              status.error_code() == grpc::StatusCode::UNAVAILABLE)
      << status.error_code() << ": " << status.error_message();
  EXPECT_LT(took, absl::Seconds(3));

  for (int attempt = 0; attempt < 10; ++attempt) {
    fetched.Clear();
    status = replica.Call(&v1::ActorService::Stub::GetActor, get, &fetched);
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(fetched.actor().name(), "Before the freeze");
}

// A database whose default collation is ICU's English: there "a_b" sorts before "a1" and "a{"
// before "ab", the reverse of byte order. Listing must still come out in SQLite's order.
TEST(ActorPostgresTest, ListingIsInByteOrderWhateverTheDatabaseCollation) {
  const std::string admin_url = lookout::testing::NewTestDatabase();
  const std::string database = absl::StrCat("icu_", absl::ToUnixNanos(absl::Now()) % 1000000000);
  {
    pg::PoolOptions admin;
    admin.conninfo = admin_url;
    admin.schema = "public";
    auto pool = pg::Pool::Create(admin);
    ASSERT_TRUE(pool.ok()) << pool.status();
    absl::Status created = (*pool)->Run([&](pg::Session& session) {
      return session.ExecScript(absl::StrCat("CREATE DATABASE ", database,
                                             " TEMPLATE template0 LOCALE_PROVIDER icu"
                                             " ICU_LOCALE 'en-US' LOCALE 'C'"));
    });
    ASSERT_TRUE(created.ok()) << created;
  }
  const std::string url = admin_url.substr(0, admin_url.rfind('/') + 1) + database;

  lookout::testing::TempDir dir;
  Replica on_postgres(PostgresLocation(url));
  Replica on_sqlite(lookout::testing::TestStoreLocation(lookout::testing::StoreBackend::kSqlite,
                                                        dir.File("actor.db"), "actor"));
  ASSERT_TRUE(on_postgres.ok() && on_sqlite.ok());
  const std::vector<std::string> names = {"ab",  "a_b",  "a1",   "a{", "a b", "a-b", "a~", "ab1",
                                          "a.b", "aB c", "Ab d", "b",  "_b",  "1b",  "ж",  "z"};
  for (const std::string& name : names) {
    on_postgres.MustCreate(name);
    on_sqlite.MustCreate(name);
  }
  // Page by page (size 3), so the keyset condition is compared in the same order too.
  auto listed = [](Replica& replica) {
    std::vector<std::string> out;
    v1::ListActorsRequest request;
    request.set_page_size(3);
    for (int pages = 0; pages < 100; ++pages) {
      v1::ListActorsResponse response;
      grpc::Status status = replica.Call(&v1::ActorService::Stub::ListActors, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      for (const v1::Actor& actor : response.actors()) out.push_back(actor.name());
      if (!status.ok() || response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return out;
  };
  const std::vector<std::string> sqlite_order = listed(on_sqlite);
  EXPECT_EQ(listed(on_postgres), sqlite_order);
  ASSERT_EQ(sqlite_order.size(), names.size());
  // And that order is by bytes of the lower-cased names (the name keys here).
  std::vector<std::string> keys;
  for (const std::string& name : sqlite_order) keys.push_back(absl::AsciiStrToLower(name));
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_LT(std::find(sqlite_order.begin(), sqlite_order.end(), "a1"),
            std::find(sqlite_order.begin(), sqlite_order.end(), "a_b"));
}

}  // namespace
}  // namespace lookout::actor
