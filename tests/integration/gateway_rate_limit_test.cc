// Rate limits against a real Redis: the Lua script's exactness and leases, two gateway
// processes sharing one limit (N allowed, then refused with the wait, then allowed again after
// the interval), the same with Redis stopped (each gateway limits locally), and leases keeping
// Redis off most calls.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/redis_cache.h"
#include "gtest/gtest.h"
#include "lookout/gateway/v1/gateway_service.grpc.pb.h"
#include "services/gateway/access/rate_limiter.h"
#include "services/gateway/access/redis_gcra.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

using testing::AnnouncedWait;
using testing::KeyContext;

// Nothing listens here: WhoAmI needs no backend, and no test in this file calls one.
const BackendAddresses kNoBackends{"127.0.0.1:1", "127.0.0.1:1", "127.0.0.1:1"};

grpc::Status WhoAmI(const std::shared_ptr<grpc::Channel>& channel, const std::string& key) {
  v1::WhoAmIResponse response;
  auto context = KeyContext(key);
  return v1::GatewayService::NewStub(channel)->WhoAmI(context.get(), v1::WhoAmIRequest(),
                                                      &response);
}

class RedisGcraTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.Start();
    RedisOptions options;
    options.port = redis_.port();
    cache_ = std::make_unique<RedisCache>(options);
    gcra_ = std::make_unique<RedisGcra>(cache_.get());
  }
  lookout::testing::RedisServer redis_;
  std::unique_ptr<RedisCache> cache_;
  std::unique_ptr<RedisGcra> gcra_;
};

TEST_F(RedisGcraTest, OneAtATimeIsExact) {
  RateLimit limit{2, 5};
  LeasePolicy single{1, 1};
  for (int i = 0; i < 5; ++i) {
    auto grant = gcra_->Take("k", limit, 1, single);
    ASSERT_TRUE(grant.ok()) << grant.status();
    EXPECT_EQ(grant->granted, 1) << i;
  }
  auto refused = gcra_->Take("k", limit, 1, single);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->granted, 0);
  EXPECT_GT(refused->retry_after, absl::Milliseconds(400));
  EXPECT_LE(refused->retry_after, absl::Milliseconds(500));
  absl::SleepFor(refused->retry_after + absl::Milliseconds(5));
  EXPECT_EQ(gcra_->Take("k", limit, 1, single)->granted, 1);
  EXPECT_EQ(gcra_->Take("k", limit, 1, single)->granted, 0);
}

TEST_F(RedisGcraTest, LeasesAreAFractionOfWhatIsLeftAndComeBack) {
  RateLimit limit{1, 1000};
  LeasePolicy policy{64, 16};
  EXPECT_EQ(gcra_->Take("k", limit, 1, policy)->granted, 62);    // floor(1000 / 16)
  EXPECT_EQ(gcra_->Take("k", limit, 1, policy)->granted, 58);    // floor(938 / 16)
  EXPECT_EQ(gcra_->Take("k", limit, 100, policy)->granted, 64);  // waiters beyond the cap wait
  ASSERT_TRUE(gcra_->Give("k", limit, 184).ok());
  EXPECT_EQ(gcra_->Take("k", limit, 1, policy)->granted, 62);
  // Near empty, every trip takes just what was asked for.
  RateLimit small{1, 20};
  for (int i = 0; i < 20; ++i) EXPECT_EQ(gcra_->Take("s", small, 1, policy)->granted, 1) << i;
  EXPECT_EQ(gcra_->Take("s", small, 1, policy)->granted, 0);
}

// Issue 16.2: a take of several tokens (an import's chunk, a ResolveActors' names) is all or
// nothing, may exceed the lease cap, and its wait is until all of them are there.
TEST_F(RedisGcraTest, ATakeWithANeedIsAllOrNothing) {
  RateLimit limit{10, 10};  // 100 ms per token
  LeasePolicy policy{4, 16};
  auto first = gcra_->Take("k", limit, 7, policy, 7);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->granted, 7) << "beyond the lease cap of 4";
  auto refused = gcra_->Take("k", limit, 4, policy, 4);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->granted, 0) << "3 left, 4 needed: nothing taken";
  EXPECT_GT(refused->retry_after, absl::Milliseconds(50));
  EXPECT_LE(refused->retry_after, absl::Milliseconds(100));
  EXPECT_EQ(gcra_->Take("k", limit, 3, policy, 3)->granted, 3) << "the 3 were left in place";
  EXPECT_EQ(gcra_->Take("k", limit, 1, policy, 1)->granted, 0);
  // A need above the burst is charged the burst, so it can pass at all.
  EXPECT_EQ(gcra_->Take("big", limit, 50, policy, 50)->granted, 10);
}

TEST_F(RedisGcraTest, SurvivesAScriptFlush) {
  RateLimit limit{1, 3};
  ASSERT_EQ(gcra_->Take("k", limit, 1, {})->granted, 1);
  ASSERT_TRUE(cache_->Command({"SCRIPT", "FLUSH"}).ok());
  EXPECT_EQ(gcra_->Take("k", limit, 1, {})->granted, 1);
}

TEST_F(RedisGcraTest, UnavailableWhenRedisIsDown) {
  redis_.Stop();
  EXPECT_EQ(gcra_->Take("k", RateLimit{1, 3}, 1, {}).status().code(),
            absl::StatusCode::kUnavailable);
}

class GatewayRateLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.Start();
    keys_ = testing::MakeTestKeys();
    keys_file_ = dir_.File("keys");
    // The reader key: 2 calls per second, 5 at once.
    testing::WriteFile(keys_file_, keys_.FileText("2:5"));
  }

  // Calls alternately through `channels` until one is refused; returns the refusal.
  static grpc::Status BurstUntilRefused(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                                        const std::string& key, int* allowed) {
    *allowed = 0;
    for (int i = 0; i < 100; ++i) {
      grpc::Status status = WhoAmI(channels[i % channels.size()], key);
      if (!status.ok()) return status;
      ++*allowed;
    }
    return grpc::Status::OK;
  }

  static void ExpectExactBurst(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                               const std::string& key) {
    int allowed = 0;
    grpc::Status refused = BurstUntilRefused(channels, key, &allowed);
    EXPECT_EQ(allowed, 5) << "the burst";
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_TRUE(absl::StrContains(refused.error_message(), "2 calls per second, burst 5"))
        << refused.error_message();
    EXPECT_FALSE(refused.error_details().empty()) << "google.rpc.RetryInfo travels along";
    absl::Duration wait = AnnouncedWait(refused.error_message());
    EXPECT_GT(wait, absl::Milliseconds(400)) << refused.error_message();
    EXPECT_LE(wait, absl::Milliseconds(500)) << refused.error_message();

    // Still refused on every gateway until the interval has passed...
    for (const auto& channel : channels) {
      EXPECT_EQ(WhoAmI(channel, key).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    }
    // ...then exactly one more call fits, wherever it lands.
    absl::SleepFor(wait + absl::Milliseconds(20));
    EXPECT_TRUE(WhoAmI(channels.back(), key).ok());
    EXPECT_EQ(WhoAmI(channels.front(), key).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    // Other keys have their own buckets.
    EXPECT_TRUE(WhoAmI(channels.front(), keys_editor_).ok());
  }

  lookout::testing::RedisServer redis_;
  lookout::testing::TempDir dir_;
  testing::TestKeys keys_;
  std::string keys_file_;
  static std::string keys_editor_;
};

std::string GatewayRateLimitTest::keys_editor_;

TEST_F(GatewayRateLimitTest, TwoGatewayProcessesShareOneLimitInRedis) {
  keys_editor_ = keys_.editor;
  testing::GatewayProcess first(kNoBackends, keys_file_, redis_.port(), dir_.File("gw1.log"));
  testing::GatewayProcess second(kNoBackends, keys_file_, redis_.port(), dir_.File("gw2.log"));
  ExpectExactBurst({testing::Connect(first.address()), testing::Connect(second.address())},
                   keys_.reader);
}

TEST_F(GatewayRateLimitTest, WithRedisStoppedEachGatewayLimitsLocally) {
  keys_editor_ = keys_.editor;
  auto gateway =
      GatewayServer::Start(testing::TestGatewayConfig(kNoBackends, keys_file_, redis_.port()));
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  redis_.Stop();
  ExpectExactBurst({testing::Connect(absl::StrCat("127.0.0.1:", (*gateway)->port()))},
                   keys_.reader);
  EXPECT_GT((*gateway)->rate_limiter().local_decisions(), 0);
}

TEST_F(GatewayRateLimitTest, RoleLimitsApplyToKeysWithoutTheirOwn) {
  GatewayConfig config = testing::TestGatewayConfig(kNoBackends, keys_file_, redis_.port());
  ASSERT_TRUE(config.role_limits.Parse("ADMIN=1:2").ok());
  auto gateway = GatewayServer::Start(std::move(config));
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  auto channel = testing::Connect(absl::StrCat("127.0.0.1:", (*gateway)->port()));
  EXPECT_TRUE(WhoAmI(channel, keys_.admin).ok());
  EXPECT_TRUE(WhoAmI(channel, keys_.admin).ok());
  grpc::Status refused = WhoAmI(channel, keys_.admin);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "\"admin\"")) << refused.error_message();
}

TEST_F(GatewayRateLimitTest, LeasesKeepRedisOffMostCalls) {
  testing::WriteFile(keys_file_, keys_.FileText("1000:2000"));
  auto gateway =
      GatewayServer::Start(testing::TestGatewayConfig(kNoBackends, keys_file_, redis_.port()));
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  auto channel = testing::Connect(absl::StrCat("127.0.0.1:", (*gateway)->port()));
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(WhoAmI(channel, keys_.reader).ok()) << i;
  int64_t trips = (*gateway)->rate_limiter().redis_trips();
  EXPECT_GT(trips, 0);
  EXPECT_LE(trips, 15) << "300 calls, leases of up to 64 tokens";
  EXPECT_EQ((*gateway)->rate_limiter().local_decisions(), 0);
}

// Calls WhoAmI with `key` from `threads` threads per channel until `stop`; counts the calls
// allowed and refused.
class Hammer {
 public:
  Hammer(const std::vector<std::shared_ptr<grpc::Channel>>& channels, const std::string& key,
         int threads) {
    for (const auto& channel : channels) {
      for (int i = 0; i < threads; ++i) {
        threads_.emplace_back([this, channel, key] {
          while (!stop_) {
            grpc::Status status = WhoAmI(channel, key);
            if (status.ok()) {
              ++allowed_;
            } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
              ++refused_;
            } else {
              ++failed_;
            }
          }
        });
      }
    }
  }
  ~Hammer() { Stop(); }
  void Stop() {
    stop_ = true;
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  int allowed() const { return allowed_; }
  int refused() const { return refused_; }
  int failed() const { return failed_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> allowed_{0};
  std::atomic<int> refused_{0};
  std::atomic<int> failed_{0};
  std::vector<std::thread> threads_;
};

// Issue 14.6: a 200 ms Redis pause sent both gateways to their local limiters for a second and
// admitted 87 calls where 60 were allowed. A stall shorter than the limiter's time budget (500 ms
// by default) now only delays calls.
TEST_F(GatewayRateLimitTest, ARedisStallShorterThanTheBudgetKeepsTheSharedLimit) {
  // The reader key: 20 calls per second, 20 at once.
  testing::WriteFile(keys_file_, keys_.FileText("20:20"));
  testing::GatewayProcess first(kNoBackends, keys_file_, redis_.port(), dir_.File("gw1.log"));
  testing::GatewayProcess second(kNoBackends, keys_file_, redis_.port(), dir_.File("gw2.log"));
  std::vector<std::shared_ptr<grpc::Channel>> channels = {testing::Connect(first.address()),
                                                          testing::Connect(second.address())};
  for (const auto& channel : channels) ASSERT_TRUE(WhoAmI(channel, keys_.editor).ok());
  RedisOptions options;
  options.port = redis_.port();
  RedisCache admin(options);

  const absl::Time start = absl::Now();
  Hammer hammer(channels, keys_.reader, 2);
  absl::SleepFor(absl::Milliseconds(500));
  auto paused = admin.Command({"CLIENT", "PAUSE", "200"});
  ASSERT_TRUE(paused.ok()) << paused.status();
  absl::SleepFor(absl::Milliseconds(1000));
  hammer.Stop();
  const absl::Duration elapsed = absl::Now() - start;

  // Redis's bucket allows the burst plus the rate over the time the calls were decided in.
  const double limit = 20 + 20 * absl::ToDoubleSeconds(elapsed);
  std::cout << "under a 200 ms Redis pause: " << hammer.allowed() << " calls allowed in " << elapsed
            << " where the limit allows " << limit << "; " << hammer.refused() << " refused\n";
  EXPECT_LE(hammer.allowed(), std::floor(limit));
  EXPECT_GE(hammer.allowed(), 20) << "the burst at least";
  EXPECT_GT(hammer.refused(), 0);
  EXPECT_EQ(hammer.failed(), 0);
}

// Issue 14.6: with Redis down each gateway allowed the whole limit, N replicas N times it. With
// --replicas=N each allows 1/N of the burst and rate.
TEST_F(GatewayRateLimitTest, WithRedisDownReplicasShareTheLimit) {
  keys_editor_ = keys_.editor;
  redis_.Stop();
  testing::GatewayProcess first(kNoBackends, keys_file_, redis_.port(), dir_.File("gw1.log"),
                                {"--replicas=2"});
  testing::GatewayProcess second(kNoBackends, keys_file_, redis_.port(), dir_.File("gw2.log"),
                                 {"--replicas=2"});
  std::vector<std::shared_ptr<grpc::Channel>> channels = {testing::Connect(first.address()),
                                                          testing::Connect(second.address())};
  int allowed = 0;
  for (int i = 0; i < 20; ++i) allowed += WhoAmI(channels[i % 2], keys_.reader).ok();
  std::cout << "Redis down, 2 replicas: " << allowed << " of 20 calls allowed (burst 5)\n";
  EXPECT_LE(allowed, 5) << "together at most the shared burst";
  EXPECT_GE(allowed, 4) << "each replica allows floor(5 / 2)";
}

// Issue 14.6, with an autoscaler: the replicas count themselves in Redis while it answers, and
// the last count holds when it stops.
TEST_F(GatewayRateLimitTest, ReplicasCountThemselvesInRedisForTheOutage) {
  testing::GatewayProcess first(kNoBackends, keys_file_, redis_.port(), dir_.File("gw1.log"));
  testing::GatewayProcess second(kNoBackends, keys_file_, redis_.port(), dir_.File("gw2.log"));
  // A heartbeat a second each, the first soon after start: two rounds see both.
  absl::SleepFor(absl::Milliseconds(2500));
  redis_.Stop();
  std::vector<std::shared_ptr<grpc::Channel>> channels = {testing::Connect(first.address()),
                                                          testing::Connect(second.address())};
  int allowed = 0;
  for (int i = 0; i < 20; ++i) allowed += WhoAmI(channels[i % 2], keys_.reader).ok();
  std::cout << "Redis down after 2 replicas counted themselves: " << allowed
            << " of 20 calls allowed (burst 5)\n";
  EXPECT_LE(allowed, 5) << "together at most the shared burst";
  EXPECT_GE(allowed, 4);
}

// Issue 24.10: a rate-limit fetch looped on a pool thread while calls for its key kept coming, so
// two busy keys held both of the pool's threads and a third key waited without end.
TEST_F(RedisGcraTest, BusyKeysNearTheirLimitsDoNotStarveAnotherKey) {
  auto pool = std::make_unique<BlockingPool>(2);  // as the gateway's
  RateLimiter limiter(gcra_.get(), pool.get());
  // A bucket of one token refilled every microsecond: each round trip grants one token, while
  // the other calls of the key wait for the next trip.
  const RateLimit busy_limit{1e6, 1};
  std::atomic<bool> stop{false};
  std::atomic<int> busy_allowed{0};
  // Each decided call is replaced at once by a new one, so every busy key always has calls
  // waiting.
  std::function<void(const std::string&)> call = [&](const std::string& key) {
    limiter.Acquire(key, busy_limit, [&, key](RateDecision decision) {
      busy_allowed += decision.allowed;
      if (!stop) call(key);
    });
  };
  for (int i = 0; i < 8; ++i) {
    call("busy-a");
    call("busy-b");
  }
  absl::SleepFor(absl::Milliseconds(200));

  absl::Notification served;
  std::atomic<int64_t> trips_meanwhile{-1};
  const int64_t trips_before = limiter.redis_trips();
  limiter.Acquire("quiet", RateLimit{10, 10}, [&](RateDecision decision) {
    EXPECT_TRUE(decision.allowed);
    trips_meanwhile = limiter.redis_trips() - trips_before;
    served.Notify();
  });
  // The quiet key must be decided while the busy keys are still busy.
  const bool served_while_busy = served.WaitForNotificationWithTimeout(absl::Seconds(5));
  stop = true;
  served.WaitForNotification();
  pool.reset();  // runs what is queued (the busy keys' last calls), then joins
  std::cout << "a third key was decided after " << trips_meanwhile
            << " round trips, beside two busy keys (" << busy_allowed << " of their calls)\n";
  EXPECT_TRUE(served_while_busy);
  // One trip per task, then the back of the queue: the quiet key waits for the busy keys' trips
  // already running or queued (a handful, counting those the other thread starts meanwhile),
  // not for as long as their calls keep coming (tens of thousands before the fix).
  EXPECT_LE(trips_meanwhile, 20);
  EXPECT_GT(busy_allowed, 0);
}

}  // namespace
}  // namespace lookout::gateway
