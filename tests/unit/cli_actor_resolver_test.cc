// ActorResolver against an in-process ActorService that refuses some names, for what the real
// service cannot be made to do: refuse a batch with a message that names no entry (the resolver
// then halves the batch until the refused names are alone), fail outright, or answer the wrong
// number of names. The real service's refusals (naming actors[i].name) are covered end to end
// by tests/integration/cli_import_export_test.cc.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "cli/app/actor_resolver.h"
#include "cli/app/api_client.h"
#include "gtest/gtest.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"

namespace lookout::cli {
namespace {

// Names starting with "bad" are refused; everything else resolves to "id-<name>".
class RefusingActorService : public actor::v1::ActorService::Service {
 public:
  enum class Mode { kNamesTheEntry, kNamesNoEntry, kUnavailable, kAnswersNone };

  explicit RefusingActorService(Mode mode) : mode_(mode) {}

  grpc::Status ResolveActors(grpc::ServerContext*, const actor::v1::ResolveActorsRequest* request,
                             actor::v1::ResolveActorsResponse* response) override {
    absl::MutexLock lock(&mu_);
    batch_sizes_.push_back(request->actors_size());
    if (mode_ == Mode::kUnavailable) return {grpc::StatusCode::UNAVAILABLE, "down"};
    if (mode_ == Mode::kAnswersNone) return grpc::Status::OK;
    for (int i = 0; i < request->actors_size(); ++i) {
      if (!absl::StartsWith(request->actors(i).name(), "bad")) continue;
      return {grpc::StatusCode::INVALID_ARGUMENT,
              mode_ == Mode::kNamesTheEntry
                  ? absl::StrCat("actors[", i, "].name: is not allowed here")
                  : std::string("a name in this batch is not allowed here")};
    }
    for (const auto& actor : request->actors()) {
      actor::v1::Resolution* resolution = response->add_resolutions();
      resolution->set_name(actor.name());
      resolution->set_actor_id(absl::StrCat("id-", actor.name()));
      resolution->set_match(actor::v1::RESOLUTION_MATCH_CREATED);
    }
    return grpc::Status::OK;
  }

  std::vector<int> batch_sizes() {
    absl::MutexLock lock(&mu_);
    return batch_sizes_;
  }

 private:
  const Mode mode_;
  absl::Mutex mu_;
  std::vector<int> batch_sizes_ ABSL_GUARDED_BY(mu_);
};

class ActorResolverTest : public ::testing::Test {
 protected:
  void Start(RefusingActorService::Mode mode) {
    service_ = std::make_unique<RefusingActorService>(mode);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ClientConfig config;
    config.addr = absl::StrCat("127.0.0.1:", port);
    config.timeout = absl::Seconds(10);
    client_ = std::make_unique<ApiClient>(config);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  static std::vector<ActorRef> Refs(const std::vector<std::string>& names) {
    std::vector<ActorRef> refs;
    for (const std::string& name : names) refs.push_back(ActorRef{name});
    return refs;
  }

  std::unique_ptr<RefusingActorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<ApiClient> client_;
};

TEST_F(ActorResolverTest, ARefusedEntryIsTakenOutAndTheRestAskedAgain) {
  Start(RefusingActorService::Mode::kNamesTheEntry);
  ActorResolver resolver(client_.get());
  const std::vector<ActorRef> refs = Refs({"a", "bad1", "b", "c", "bad2", "d"});
  ASSERT_TRUE(resolver.Resolve(refs).ok());
  // One call per refused name, then one that answers the rest.
  EXPECT_EQ(service_->batch_sizes(), (std::vector<int>{6, 5, 4}));
  std::string why;
  EXPECT_EQ(resolver.Lookup(refs[0], &why), "id-a");
  EXPECT_EQ(resolver.Lookup(refs[5], &why), "id-d");
  EXPECT_EQ(resolver.Lookup(refs[1], &why), "");
  EXPECT_EQ(why, "refused by the actor service: name: is not allowed here");
  EXPECT_EQ(resolver.created(), 4);
  EXPECT_EQ(resolver.resolved_through(), 6u);
}

TEST_F(ActorResolverTest, WithoutAnEntryNamedTheBatchIsHalvedUntilTheRefusedNamesAreAlone) {
  Start(RefusingActorService::Mode::kNamesNoEntry);
  ActorResolver resolver(client_.get());
  const std::vector<ActorRef> refs = Refs({"a", "b", "bad1", "c", "d", "e", "f", "bad2"});
  ASSERT_TRUE(resolver.Resolve(refs).ok());
  // All 8 refused; the first 4 refused: a, b answered, bad1, c refused, so each alone; the
  // last 4 refused: d, e answered, f, bad2 refused, so each alone.
  EXPECT_EQ(service_->batch_sizes(), (std::vector<int>{8, 4, 2, 2, 1, 1, 4, 2, 2, 1, 1}));
  std::string why;
  for (const ActorRef& ref : refs) {
    why.clear();
    const std::string id = resolver.Lookup(ref, &why);
    if (absl::StartsWith(ref.name, "bad")) {
      EXPECT_EQ(id, "") << ref.name;
      EXPECT_EQ(why, "refused by the actor service: a name in this batch is not allowed here");
    } else {
      EXPECT_EQ(id, "id-" + ref.name);
    }
  }
  EXPECT_EQ(resolver.created(), 6);
}

TEST_F(ActorResolverTest, AFailedCallIsReturnedAndItsNamesStayQueued) {
  Start(RefusingActorService::Mode::kUnavailable);
  ActorResolver resolver(client_.get());
  const std::vector<ActorRef> refs = Refs({"a", "b"});
  EXPECT_EQ(resolver.Request(refs), 2u);
  absl::Status status = resolver.ResolveNext();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(resolver.HasQueued());
  EXPECT_EQ(resolver.resolved_through(), 0u);
  std::string why;
  EXPECT_EQ(resolver.Lookup(refs[0], &why), "");
  EXPECT_EQ(why, "was not resolved");
}

TEST_F(ActorResolverTest, AnAnswerForTheWrongNumberOfNamesIsAnError) {
  // What an actor service that predates ResolveActorsRequest.actors answers.
  Start(RefusingActorService::Mode::kAnswersNone);
  ActorResolver resolver(client_.get());
  absl::Status status = resolver.Resolve(Refs({"a", "b"}));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(status.message(),
            "ResolveActors answered 0 names for 2 asked (an actor service that predates "
            "ResolveActorsRequest.actors answers none: upgrade it)");
}

TEST_F(ActorResolverTest, EachNameIsAskedForOnceAndTicketsTellWhenRowsMayGoOn) {
  Start(RefusingActorService::Mode::kNamesTheEntry);
  ActorResolver resolver(client_.get(), /*create_missing=*/true, /*names_per_call=*/2);
  EXPECT_EQ(resolver.Request(Refs({"a", "b", "c"})), 3u);
  EXPECT_EQ(resolver.Request(Refs({"b"})), 2u);  // queued already: waits for its own ticket
  ActorRef by_id;
  by_id.actor_id = "act_given";
  EXPECT_EQ(resolver.Request({by_id}), 0u);  // nothing to wait for
  ASSERT_TRUE(resolver.ResolveNext().ok());
  EXPECT_EQ(resolver.resolved_through(), 2u);
  EXPECT_EQ(resolver.Request(Refs({"a", "b"})), 0u);
  ASSERT_TRUE(resolver.ResolveNext().ok());
  EXPECT_EQ(resolver.resolved_through(), 3u);
  EXPECT_FALSE(resolver.HasQueued());
  EXPECT_EQ(service_->batch_sizes(), (std::vector<int>{2, 1}));
  std::string why;
  EXPECT_EQ(resolver.Lookup(by_id, &why), "act_given");
}

}  // namespace
}  // namespace lookout::cli
