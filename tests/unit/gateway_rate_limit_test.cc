// The GCRA maths (shared in spirit with the Lua script, exercised against Redis in the
// integration tests), the in-process fallback with an injected clock, and limit parsing.
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/gateway/access/local_gcra.h"
#include "services/gateway/access/rate_limit.h"
#include "services/gateway/access/rate_limiter.h"

namespace lookout::gateway {
namespace {

TEST(GcraTest, BurstThenRefusedThenOneMorePerInterval) {
  RateLimit limit{10, 5};  // 100 ms per token, 5 at once
  GcraState state;
  int64_t now = 1'000'000'000;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(GcraTake(&state, limit, now).allowed) << i;
  RateDecision refused = GcraTake(&state, limit, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, absl::Milliseconds(100));
  // A refusal costs nothing: the wait does not grow.
  EXPECT_EQ(GcraTake(&state, limit, now).retry_after, absl::Milliseconds(100));
  EXPECT_FALSE(GcraTake(&state, limit, now + 99'999).allowed);
  EXPECT_TRUE(GcraTake(&state, limit, now + 100'000).allowed);
  EXPECT_FALSE(GcraTake(&state, limit, now + 100'000).allowed);
  // After a long pause the bucket is full again, never fuller.
  now += 10'000'000;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(GcraTake(&state, limit, now).allowed) << i;
  EXPECT_FALSE(GcraTake(&state, limit, now).allowed);
}

TEST(GcraTest, SustainedRateIsTheConfiguredRate) {
  RateLimit limit{50, 1};
  GcraState state;
  int allowed = 0;
  // One attempt per millisecond for 10 seconds.
  for (int64_t t = 0; t < 10'000'000; t += 1000) allowed += GcraTake(&state, limit, t).allowed;
  EXPECT_EQ(allowed, 500);
}

TEST(LocalGcraTest, KeysAreIndependentAndPruned) {
  absl::Time now = absl::FromUnixSeconds(1000);
  LocalGcra gcra([&now] { return now; });
  RateLimit limit{1, 2};
  EXPECT_TRUE(gcra.Take("a", limit).allowed);
  EXPECT_TRUE(gcra.Take("a", limit).allowed);
  EXPECT_FALSE(gcra.Take("a", limit).allowed);
  EXPECT_TRUE(gcra.Take("b", limit).allowed);
  now += absl::Seconds(1);
  EXPECT_TRUE(gcra.Take("a", limit).allowed);
  EXPECT_FALSE(gcra.Take("a", limit).allowed);
  now += absl::Minutes(1);
  gcra.Prune();
  EXPECT_TRUE(gcra.Take("a", limit).allowed);
  EXPECT_TRUE(gcra.Take("a", limit).allowed);
}

TEST(RateLimitTest, ParsesAndValidates) {
  auto limit = ParseRateLimit("2.5:7");
  ASSERT_TRUE(limit.ok());
  EXPECT_EQ(limit->per_second, 2.5);
  EXPECT_EQ(limit->burst, 7);
  EXPECT_EQ(limit->interval_us(), 400000);
  EXPECT_EQ(ParseRateLimit("1000000:1")->interval_us(), 1);
  for (const char* bad : {"", "5", "0:1", "-1:5", "5:0", "x:y", "2000000:1"}) {
    EXPECT_FALSE(ParseRateLimit(bad).ok()) << bad;
  }
}

// A keys-file line written by FormatApiKeyLine must read back as the same limit (six significant
// digits did not: fuzz/regressions/gateway/rate-limit-format-loses-digits).
TEST(RateLimitTest, FormatReadsBackAsTheSameLimit) {
  EXPECT_EQ(FormatRateLimit(RateLimit{50, 100}), "50:100");
  EXPECT_EQ(FormatRateLimit(RateLimit{2.5, 7}), "2.5:7");
  EXPECT_EQ(FormatRateLimit(RateLimit{1234567 / 2.0, 3}), "617283.5:3");
  for (const char* text :
       {"1.2345678:5", "999999.99:1", "0.1:1", "1e-7:2", "0.3333333333333333:4"}) {
    auto limit = ParseRateLimit(text);
    ASSERT_TRUE(limit.ok()) << text;
    auto again = ParseRateLimit(FormatRateLimit(*limit));
    ASSERT_TRUE(again.ok()) << text;
    EXPECT_EQ(*again, *limit) << text << " -> " << FormatRateLimit(*limit);
  }
}

TEST(RateLimitTest, RoleLimitsKeepDefaultsForRolesNotNamed) {
  RoleRateLimits limits;
  RateLimit editor_default = limits.For(v1::ROLE_EDITOR);
  ASSERT_TRUE(limits.Parse("reader=1:2, ADMIN=3:4").ok());
  EXPECT_EQ(limits.For(v1::ROLE_READER), (RateLimit{1, 2}));
  EXPECT_EQ(limits.For(v1::ROLE_ADMIN), (RateLimit{3, 4}));
  EXPECT_EQ(limits.For(v1::ROLE_EDITOR), editor_default);
  EXPECT_FALSE(limits.Parse("ROOT=1:2").ok());
  EXPECT_FALSE(limits.Parse("READER=fast").ok());
}

// Issue 16.2: the import budget's defaults and its flag.
TEST(RateLimitTest, ImportLimitsHaveTheirOwnDefaultsAndRefuseReaders) {
  RoleRateLimits imports(Budget::kImports);
  EXPECT_EQ(imports.For(v1::ROLE_EDITOR), (RateLimit{25000, 250000}));
  EXPECT_EQ(imports.For(v1::ROLE_ADMIN), (RateLimit{50000, 500000}));
  ASSERT_TRUE(imports.Parse("EDITOR=100:200").ok());
  EXPECT_EQ(imports.For(v1::ROLE_EDITOR), (RateLimit{100, 200}));
  EXPECT_EQ(imports.For(v1::ROLE_ADMIN), (RateLimit{50000, 500000})) << "not named: default";

  absl::Status reader = imports.Parse("READER=10:10");
  EXPECT_EQ(reader.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(reader.message(), "READER cannot import")) << reader;
  for (const char* bad : {"ROOT=1:2", "EDITOR=fast", "EDITOR=10", "EDITOR=0:5", "EDITOR=5:0"}) {
    RoleRateLimits fresh(Budget::kImports);
    EXPECT_FALSE(fresh.Parse(bad).ok()) << bad;
  }
  EXPECT_TRUE(RoleRateLimits().Parse("READER=10:10").ok()) << "calls: readers have a limit";
  EXPECT_EQ(RoleRateLimits().For(v1::ROLE_EDITOR), (RateLimit{50, 100})) << "calls unchanged";
}

TEST(RateLimitTest, ImportChunksAreASixteenthOfTheBurstWithinBounds) {
  EXPECT_EQ(ImportChunkRows(RateLimit{25000, 250000}), kMaxImportChunkRows);
  EXPECT_EQ(ImportChunkRows(RateLimit{100, 100}), 6);
  EXPECT_EQ(ImportChunkRows(RateLimit{1, 5}), 1);
}

TEST(GcraTest, ACostOfSeveralTokensIsAllOrNothing) {
  GcraState state;
  RateLimit limit{10, 10};  // 100 ms per token
  int64_t now = 1'000'000'000;
  EXPECT_TRUE(GcraTake(&state, limit, now, 7).allowed);
  RateDecision refused = GcraTake(&state, limit, now, 4);
  EXPECT_FALSE(refused.allowed) << "3 left, 4 asked";
  EXPECT_EQ(refused.retry_after, absl::Milliseconds(100)) << "until the fourth is back";
  EXPECT_TRUE(GcraTake(&state, limit, now, 3).allowed);
  now += 1'000'000;  // a full bucket again
  EXPECT_TRUE(GcraTake(&state, limit, now, 50).allowed) << "above the burst: charged the burst";
  EXPECT_FALSE(GcraTake(&state, limit, now, 1).allowed);
}

TEST(RateLimiterTest, WithoutRedisCostsComeOffTheLocalBucket) {
  BlockingPool pool(1);
  RateLimiter limiter(nullptr, &pool);
  RateLimit limit{1, 10};
  std::vector<bool> allowed;
  for (int64_t cost : {4, 4, 4, 2}) {
    limiter.Acquire("k", limit, cost, [&](RateDecision d) { allowed.push_back(d.allowed); });
  }
  EXPECT_EQ(allowed, (std::vector<bool>{true, true, false, true}));
}

TEST(RateLimitTest, MessageNamesKeyLimitAndWait) {
  std::string message = RateLimitedMessage("alice", RateLimit{2, 5}, absl::Microseconds(499200));
  EXPECT_TRUE(absl::StrContains(message, "\"alice\"")) << message;
  EXPECT_TRUE(absl::StrContains(message, "2 calls per second, burst 5")) << message;
  EXPECT_TRUE(absl::StrContains(message, "retry in 0.500s")) << message;
}

TEST(RateLimiterTest, WithoutRedisLimitsLocally) {
  BlockingPool pool(1);
  RateLimiter limiter(nullptr, &pool);
  RateLimit limit{1, 3};
  int allowed = 0;
  for (int i = 0; i < 5; ++i) {
    limiter.Acquire("k", limit, [&](RateDecision d) { allowed += d.allowed; });
  }
  EXPECT_EQ(allowed, 3);
  EXPECT_EQ(limiter.local_decisions(), 5);
  EXPECT_EQ(limiter.redis_trips(), 0);
}

// Issue 14.6: without Redis, N replicas each allowing the whole limit allowed N times it.
TEST(RateLimiterTest, WithoutRedisEachReplicaAllowsItsShare) {
  EXPECT_EQ(LocalShare(RateLimit{10, 20}, 1), (RateLimit{10, 20}));
  EXPECT_EQ(LocalShare(RateLimit{10, 20}, 4), (RateLimit{2.5, 5}));
  EXPECT_EQ(LocalShare(RateLimit{10, 3}, 4), (RateLimit{2.5, 1})) << "never below one call";

  BlockingPool pool(1);
  RateLimiterOptions options;
  options.replicas = 3;
  RateLimiter limiter(nullptr, &pool, options);
  int allowed = 0;
  for (int i = 0; i < 10; ++i) {
    limiter.Acquire("k", RateLimit{1, 6}, [&](RateDecision d) { allowed += d.allowed; });
  }
  EXPECT_EQ(allowed, 2) << "a third of the burst of 6";
}

}  // namespace
}  // namespace lookout::gateway
