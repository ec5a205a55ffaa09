// Rate limits against a real Redis: the Lua script's exactness and leases, two gateway
// processes sharing one limit (N allowed, then refused with the wait, then allowed again after
// the interval), the same with Redis stopped (each gateway limits locally), and leases keeping
// Redis off most calls.
#include <grpcpp/grpcpp.h>

#include <cmath>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/redis_cache.h"
#include "gtest/gtest.h"
#include "lookout/gateway/v1/gateway_service.grpc.pb.h"
#include "services/gateway/redis_gcra.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

using testing::KeyContext;

// Nothing listens here: WhoAmI needs no backend, and no test in this file calls one.
const BackendAddresses kNoBackends{"127.0.0.1:1", "127.0.0.1:1", "127.0.0.1:1"};

grpc::Status WhoAmI(const std::shared_ptr<grpc::Channel>& channel, const std::string& key) {
  v1::WhoAmIResponse response;
  auto context = KeyContext(key);
  return v1::GatewayService::NewStub(channel)->WhoAmI(context.get(), v1::WhoAmIRequest(),
                                                      &response);
}

// The wait the message announces ("retry in 0.500s").
absl::Duration AnnouncedWait(const std::string& message) {
  std::smatch match;
  std::regex pattern("retry in ([0-9.]+)s");
  double seconds = -1;
  if (std::regex_search(message, match, pattern)) absl::SimpleAtod(match[1].str(), &seconds);
  return absl::Seconds(seconds);
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

}  // namespace
}  // namespace lookout::gateway
