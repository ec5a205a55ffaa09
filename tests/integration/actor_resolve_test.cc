// ResolveActors in bulk, through a real gRPC server on loopback over a real store, on an SQLite
// file and on a fresh PostgreSQL database (tests/testing/store_backend.h): `names` and `actors`
// in one call, the exact list of resolutions, the type and country of what a call creates, bad
// input that creates nothing, and two callers creating the same 500 names at the same moment
// (on PostgreSQL two replicas on one database, on SQLite two threads on one service).
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
#include "common/call_context.h"
#include "common/server_runner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "services/actor/actor_manager.h"
#include "services/actor/actor_service.h"
#include "services/actor/actor_store_factory.h"
#include "tests/integration/actor_replica.h"
#include "services/actor/name_normalizer.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::actor {
namespace {

using lookout::testing::StoreBackend;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

// An actor service (tests/integration/actor_replica.h) with the calls these tests repeat.
class Replica : public testing::ActorReplica {
 public:
  using ActorReplica::ActorReplica;

  v1::Actor MustCreate(const std::string& name, v1::ActorType type, const std::string& country,
                       const std::vector<std::string>& aliases = {}) {
    v1::CreateActorRequest request;
    request.mutable_actor()->set_name(name);
    request.mutable_actor()->set_type(type);
    request.mutable_actor()->set_country_code(country);
    for (const std::string& alias : aliases) request.mutable_actor()->add_aliases(alias);
    v1::CreateActorResponse response;
    grpc::Status status = Call(&v1::ActorService::Stub::CreateActor, request, &response);
    EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
    return response.actor();
  }

  v1::Actor MustGet(const std::string& id) {
    v1::GetActorRequest request;
    request.set_id(id);
    v1::GetActorResponse response;
    grpc::Status status = Call(&v1::ActorService::Stub::GetActor, request, &response);
    EXPECT_TRUE(status.ok()) << id << ": " << status.error_message();
    return response.actor();
  }
};

v1::ActorToResolve Entry(const std::string& name, v1::ActorType type = v1::ACTOR_TYPE_UNSPECIFIED,
                         const std::string& country = "") {
  v1::ActorToResolve entry;
  entry.set_name(name);
  entry.set_type(type);
  entry.set_country_code(country);
  return entry;
}

class ActorResolveTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    location_ = lookout::testing::TestStoreLocation(GetParam(), dir_.File("actor.db"), "actor");
    replica_ = std::make_unique<Replica>(location_);
    ASSERT_TRUE(replica_->ok());
  }

  lookout::testing::TempDir dir_;
  StoreLocation location_;
  std::unique_ptr<Replica> replica_;
};

// An expected resolution: the name as sent, the actor (empty for NONE) and how it matched.
struct Expected {
  std::string name;
  std::string actor_id;
  v1::ResolutionMatch match;
};

void ExpectResolutions(const v1::ResolveActorsResponse& response,
                       const std::vector<Expected>& expected) {
  ASSERT_EQ(response.resolutions_size(), static_cast<int>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    const v1::Resolution& got = response.resolutions(static_cast<int>(i));
    EXPECT_EQ(got.name(), expected[i].name) << i;
    EXPECT_EQ(got.actor_id(), expected[i].actor_id) << i << " " << got.name();
    EXPECT_EQ(v1::ResolutionMatch_Name(got.match()), v1::ResolutionMatch_Name(expected[i].match))
        << i << " " << got.name();
  }
}

TEST_P(ActorResolveTest, NamesAndActorsResolveInOrderAndCreateWithTheirOwnTypeAndCountry) {
  Replica& r = *replica_;
  const v1::Actor kraze = r.MustCreate("Kraze Baryè", v1::ACTOR_TYPE_POLITICAL_MILITIA, "HTI");
  const v1::Actor government =
      r.MustCreate("Gouvernement d'Haïti", v1::ACTOR_TYPE_GOVERNMENT, "HTI", {"GoH"});
  ASSERT_EQ(r.ActorCount(), 2);

  v1::ResolveActorsRequest request;
  request.set_create_missing(true);
  request.set_default_type(v1::ACTOR_TYPE_CRIMINAL_GROUP);
  request.set_default_country_code("HTI");
  request.add_names("kraze barye");  // exists by its exact name
  request.add_names("Gran Grif");    // new, with the defaults
  request.add_names("goh");          // exists by alias
  *request.add_actors() = Entry("Police Nationale d'Haïti", v1::ACTOR_TYPE_STATE_FORCES, "HTI");
  *request.add_actors() = Entry("UN BINUH", v1::ACTOR_TYPE_INTERGOVERNMENTAL_ORGANIZATION, "USA");
  // Asked again: the same answer, and the actor takes its first entry's (the bare name's) type
  // and country, not this one's.
  *request.add_actors() = Entry("  GRAN GRIF ", v1::ACTOR_TYPE_REBEL_GROUP, "DOM");
  // Type UNSPECIFIED and no country: the defaults.
  *request.add_actors() = Entry("Village de Dieu");
  // A type of its own and no country: the default country.
  *request.add_actors() = Entry("Médecins Sans Frontières", v1::ACTOR_TYPE_NGO);
  // No type and a country of its own: the default type.
  *request.add_actors() = Entry("Dominican Army", v1::ACTOR_TYPE_UNSPECIFIED, "DOM");
  *request.add_actors() = Entry("KRAZE BARYÈ", v1::ACTOR_TYPE_NGO, "FRA");  // exists: unchanged
  *request.add_actors() = Entry("Government of Haiti ", v1::ACTOR_TYPE_GOVERNMENT, "HTI");
  *request.add_actors() = Entry("un binuh");  // repeats an actor entry

  v1::ResolveActorsResponse response;
  grpc::Status status = r.Resolve(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.resolutions_size(), 12);
  auto id = [&](int i) { return response.resolutions(i).actor_id(); };
  for (int i = 0; i < 12; ++i) EXPECT_THAT(id(i), MatchesRegex("act_[0-9a-f]{16}")) << i;
  const auto created = v1::RESOLUTION_MATCH_CREATED;
  ExpectResolutions(response, {
                                  {"kraze barye", kraze.id(), v1::RESOLUTION_MATCH_EXACT},
                                  {"Gran Grif", id(1), created},
                                  {"goh", government.id(), v1::RESOLUTION_MATCH_ALIAS},
                                  {"Police Nationale d'Haïti", id(3), created},
                                  {"UN BINUH", id(4), created},
                                  {"  GRAN GRIF ", id(1), created},
                                  {"Village de Dieu", id(6), created},
                                  {"Médecins Sans Frontières", id(7), created},
                                  {"Dominican Army", id(8), created},
                                  {"KRAZE BARYÈ", kraze.id(), v1::RESOLUTION_MATCH_EXACT},
                                  {"Government of Haiti ", id(10), created},
                                  {"un binuh", id(4), created},
                              });
  // Seven distinct new names, seven actors.
  std::set<std::string> new_ids = {id(1), id(3), id(4), id(6), id(7), id(8), id(10)};
  EXPECT_EQ(new_ids.size(), 7u);
  EXPECT_EQ(r.ActorCount(), 2 + 7);

  struct Made {
    int index;
    std::string name;
    v1::ActorType type;
    std::string country;
  };
  for (const Made& made : std::vector<Made>{
           {1, "Gran Grif", v1::ACTOR_TYPE_CRIMINAL_GROUP, "HTI"},
           {3, "Police Nationale d'Haïti", v1::ACTOR_TYPE_STATE_FORCES, "HTI"},
           {4, "UN BINUH", v1::ACTOR_TYPE_INTERGOVERNMENTAL_ORGANIZATION, "USA"},
           {6, "Village de Dieu", v1::ACTOR_TYPE_CRIMINAL_GROUP, "HTI"},
           {7, "Médecins Sans Frontières", v1::ACTOR_TYPE_NGO, "HTI"},
           {8, "Dominican Army", v1::ACTOR_TYPE_CRIMINAL_GROUP, "DOM"},
           // Stored trimmed, as every name is.
           {10, "Government of Haiti", v1::ACTOR_TYPE_GOVERNMENT, "HTI"},
       }) {
    const v1::Actor actor = r.MustGet(id(made.index));
    EXPECT_EQ(actor.name(), made.name) << made.index;
    EXPECT_EQ(v1::ActorType_Name(actor.type()), v1::ActorType_Name(made.type)) << made.name;
    EXPECT_EQ(actor.country_code(), made.country) << made.name;
    EXPECT_FALSE(actor.etag().empty()) << made.name;
  }
  // What existed is untouched.
  EXPECT_EQ(r.MustGet(kraze.id()).etag(), kraze.etag());
  EXPECT_EQ(r.MustGet(government.id()).etag(), government.etag());

  // The same call again creates nothing and finds every name, now by its exact name.
  ASSERT_TRUE(r.Resolve(request, &response).ok());
  ASSERT_EQ(response.resolutions_size(), 12);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(response.resolutions(i).match(),
              i == 2 ? v1::RESOLUTION_MATCH_ALIAS : v1::RESOLUTION_MATCH_EXACT)
        << i;
  }
  EXPECT_EQ(r.ActorCount(), 2 + 7);

  // With no default type, an actor of UNSPECIFIED type is OTHER, and with no default country it
  // has none.
  v1::ResolveActorsRequest plain;
  plain.set_create_missing(true);
  *plain.add_actors() = Entry("Somebody New");
  ASSERT_TRUE(r.Resolve(plain, &response).ok());
  ASSERT_EQ(response.resolutions_size(), 1);
  EXPECT_EQ(response.resolutions(0).match(), v1::RESOLUTION_MATCH_CREATED);
  const v1::Actor somebody = r.MustGet(response.resolutions(0).actor_id());
  EXPECT_EQ(somebody.type(), v1::ACTOR_TYPE_OTHER);
  EXPECT_EQ(somebody.country_code(), "");
}

TEST_P(ActorResolveTest, BadActorsAreRefusedNamingTheFieldAndNothingIsCreated) {
  Replica& r = *replica_;
  r.MustCreate("Existing", v1::ACTOR_TYPE_OTHER, "");
  const int64_t before = r.ActorCount();

  // Every request below also holds good new names: a refusal must create none of them.
  auto base = [] {
    v1::ResolveActorsRequest request;
    request.set_create_missing(true);
    request.add_names("Good New Name");
    *request.add_actors() = Entry("Another Good One", v1::ACTOR_TYPE_NGO, "HTI");
    *request.add_actors() = Entry("Third Good One");
    return request;
  };
  struct Case {
    std::string what;
    v1::ResolveActorsRequest request;
    std::string message_start;
  };
  std::vector<Case> cases;
  {
    v1::ResolveActorsRequest request = base();
    for (int i = 0; i < 599; ++i) request.add_names(absl::StrCat("name ", i));
    for (int i = 0; i < 598; ++i) *request.add_actors() = Entry(absl::StrCat("actor ", i));
    cases.push_back({"1200 entries", request,
                     "actors: names and actors together must have at most 1000 entries, got "
                     "1200"});
  }
  {
    v1::ResolveActorsRequest request = base();
    request.mutable_actors(1)->set_name(" \t ");
    cases.push_back({"a blank name", request, "actors[1].name: "});
  }
  {
    v1::ResolveActorsRequest request = base();
    request.mutable_actors(1)->set_name(std::string(201, 'n'));
    cases.push_back({"a long name", request, "actors[1].name: "});
  }
  {
    v1::ResolveActorsRequest request = base();
    request.mutable_actors(0)->set_type(static_cast<v1::ActorType>(999));
    cases.push_back({"an unknown type", request, "actors[0].type: is not a known value (999)"});
  }
  {
    v1::ResolveActorsRequest request = base();
    request.mutable_actors(1)->set_country_code("Haiti");
    cases.push_back({"a bad country", request, "actors[1].country_code: must be an ISO 3166-1"});
  }
  {
    v1::ResolveActorsRequest request = base();
    request.mutable_actors(0)->set_country_code("hti");
    cases.push_back({"a lower-case country", request, "actors[0].country_code: "});
  }
  for (const Case& c : cases) {
    v1::ResolveActorsResponse response;
    grpc::Status status = r.Resolve(c.request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.what << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), StartsWith(c.message_start)) << c.what;
    EXPECT_EQ(response.resolutions_size(), 0) << c.what;
  }
  EXPECT_EQ(r.ActorCount(), before);

  // 1000 entries in all is within the bound.
  v1::ResolveActorsRequest full;
  for (int i = 0; i < 500; ++i) full.add_names(absl::StrCat("name ", i));
  for (int i = 0; i < 500; ++i) *full.add_actors() = Entry(absl::StrCat("actor ", i));
  v1::ResolveActorsResponse response;
  ASSERT_TRUE(r.Resolve(full, &response).ok());
  EXPECT_EQ(response.resolutions_size(), 1000);
  EXPECT_EQ(r.ActorCount(), before);  // create_missing is false
}

TEST_P(ActorResolveTest, WithoutCreateMissingUnknownActorsAreNoneAndNothingIsCreated) {
  Replica& r = *replica_;
  const v1::Actor pnh =
      r.MustCreate("Police Nationale d'Haïti", v1::ACTOR_TYPE_STATE_FORCES, "HTI", {"PNH"});
  const int64_t before = r.ActorCount();
  v1::ResolveActorsRequest request;
  request.add_names("Nobody Known");
  *request.add_actors() = Entry("pnh", v1::ACTOR_TYPE_NGO, "FRA");
  *request.add_actors() = Entry("Unknown Gang", v1::ACTOR_TYPE_CRIMINAL_GROUP, "HTI");
  *request.add_actors() = Entry("POLICE NATIONALE D'HAITI");
  *request.add_actors() = Entry("nobody known", v1::ACTOR_TYPE_PERSON);
  v1::ResolveActorsResponse response;
  grpc::Status status = r.Resolve(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ExpectResolutions(response,
                    {
                        {"Nobody Known", "", v1::RESOLUTION_MATCH_NONE},
                        {"pnh", pnh.id(), v1::RESOLUTION_MATCH_ALIAS},
                        {"Unknown Gang", "", v1::RESOLUTION_MATCH_NONE},
                        {"POLICE NATIONALE D'HAITI", pnh.id(), v1::RESOLUTION_MATCH_EXACT},
                        {"nobody known", "", v1::RESOLUTION_MATCH_NONE},
                    });
  EXPECT_EQ(r.ActorCount(), before);
  EXPECT_EQ(r.MustGet(pnh.id()).etag(), pnh.etag());
}

// Many keys go to the store at once (on PostgreSQL as one array parameter): names with the
// characters of array syntax, an alias two actors share (the earlier created wins), and an
// exact name that wins over another actor's alias, all in one call of many names.
TEST_P(ActorResolveTest, ManyNamesAtOnceMatchAsOneByOneWould) {
  Replica& r = *replica_;
  const v1::Actor first = r.MustCreate("First Coalition", v1::ACTOR_TYPE_OTHER, "", {"Coalition"});
  const v1::Actor second =
      r.MustCreate("Second Coalition", v1::ACTOR_TYPE_OTHER, "", {"Coalition", "Fantom 509"});
  const v1::Actor fantom = r.MustCreate("Fantom 509", v1::ACTOR_TYPE_CRIMINAL_GROUP, "HTI");
  const std::vector<std::string> odd = {
      "Group \"A\", {B}", "back\\slash", "NULL", "{}", "comma, inside", "semi;colon 'q'",
  };
  v1::ResolveActorsRequest request;
  request.set_create_missing(true);
  for (int i = 0; i < 300; ++i) request.add_names(absl::StrCat("Filler ", i));
  for (const std::string& name : odd) *request.add_actors() = Entry(name);
  *request.add_actors() = Entry("coalition");
  *request.add_actors() = Entry("FANTOM 509");
  v1::ResolveActorsResponse created;
  grpc::Status status = r.Resolve(request, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(created.resolutions_size(), 308);
  for (int i = 0; i < 306; ++i) {
    EXPECT_EQ(created.resolutions(i).match(), v1::RESOLUTION_MATCH_CREATED) << i;
  }
  EXPECT_EQ(created.resolutions(306).actor_id(), first.id());
  EXPECT_EQ(created.resolutions(306).match(), v1::RESOLUTION_MATCH_ALIAS);
  EXPECT_EQ(created.resolutions(307).actor_id(), fantom.id());
  EXPECT_EQ(created.resolutions(307).match(), v1::RESOLUTION_MATCH_EXACT);
  for (size_t i = 0; i < odd.size(); ++i) {
    EXPECT_EQ(r.MustGet(created.resolutions(300 + i).actor_id()).name(), odd[i]);
  }

  // Asked again, each is found under its own key, as the one it was created as.
  v1::ResolveActorsResponse found;
  ASSERT_TRUE(r.Resolve(request, &found).ok());
  ASSERT_EQ(found.resolutions_size(), 308);
  for (int i = 0; i < 306; ++i) {
    EXPECT_EQ(found.resolutions(i).actor_id(), created.resolutions(i).actor_id()) << i;
    EXPECT_EQ(found.resolutions(i).match(), v1::RESOLUTION_MATCH_EXACT) << i;
  }
  EXPECT_EQ(found.resolutions(306).actor_id(), first.id());
  EXPECT_EQ(r.ActorCount(), 3 + 306);
  EXPECT_NE(second.id(), first.id());
}

// Two callers resolve the same 500 new names at the same moment, each in an order and spelling
// of its own, for several rounds: every name ends as exactly one actor, both callers get its id,
// and exactly one of them reports it CREATED. On PostgreSQL the callers are two replicas (two
// stores, two pools) on one database, so only the database keeps them apart; on SQLite they are
// two threads calling one service.
TEST_P(ActorResolveTest, TwoCallersCreatingTheSameNamesAtOnceMakeOneActorPerName) {
  std::unique_ptr<Replica> second_replica;
  Replica* callers[2] = {replica_.get(), replica_.get()};
  if (GetParam() == StoreBackend::kPostgres) {
    second_replica = std::make_unique<Replica>(lookout::testing::SameDatabase(location_, "actor"));
    ASSERT_TRUE(second_replica->ok());
    callers[1] = second_replica.get();
  }
  constexpr int kNames = 500;
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::string> names;
    for (int i = 0; i < kNames; ++i) names.push_back(absl::StrCat("Round ", round, " Group ", i));
    v1::ResolveActorsRequest requests[2];
    for (int t = 0; t < 2; ++t) {
      std::vector<std::string> order = names;
      std::shuffle(order.begin(), order.end(), std::mt19937(round * 10 + t));
      requests[t].set_create_missing(true);
      for (const std::string& name : order) {
        if (t == 0) {
          *requests[t].add_actors() = Entry(name, v1::ACTOR_TYPE_CRIMINAL_GROUP, "HTI");
        } else {
          requests[t].add_names(absl::AsciiStrToUpper(name));
        }
      }
    }
    v1::ResolveActorsResponse responses[2];
    grpc::Status statuses[2];
    std::atomic<int> arrived{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        // A barrier: both calls leave together.
        ++arrived;
        while (arrived.load() < 2) std::this_thread::yield();
        statuses[t] = callers[t]->Resolve(requests[t], &responses[t]);
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (int t = 0; t < 2; ++t) {
      ASSERT_TRUE(statuses[t].ok())
          << "round " << round << " caller " << t << ": " << statuses[t].error_code() << " "
          << statuses[t].error_message();
      ASSERT_EQ(responses[t].resolutions_size(), kNames);
    }
    // Key -> each caller's answer.
    std::map<std::string, const v1::Resolution*> answers[2];
    for (int t = 0; t < 2; ++t) {
      for (const v1::Resolution& resolution : responses[t].resolutions()) {
        answers[t][NormalizeName(resolution.name())] = &resolution;
      }
      ASSERT_EQ(answers[t].size(), static_cast<size_t>(kNames));
    }
    std::set<std::string> ids;
    for (const auto& [key, first] : answers[0]) {
      const v1::Resolution* second = answers[1][key];
      ASSERT_NE(second, nullptr) << key;
      EXPECT_EQ(first->actor_id(), second->actor_id()) << "round " << round << ": " << key;
      const int creators = (first->match() == v1::RESOLUTION_MATCH_CREATED) +
                           (second->match() == v1::RESOLUTION_MATCH_CREATED);
      EXPECT_EQ(creators, 1) << "round " << round << ": " << key;
      ids.insert(first->actor_id());
    }
    EXPECT_EQ(ids.size(), static_cast<size_t>(kNames));
    for (Replica* caller : callers) {
      EXPECT_EQ(caller->ActorCount(), static_cast<int64_t>(kNames) * (round + 1));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ActorResolveTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::actor
