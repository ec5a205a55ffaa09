// Integration tests for RedisCache against a real redis-server that each test
// starts on a free port (and kills, to test failure handling), so the tests
// share nothing with any other Redis on the machine.

#include "common/redis_cache.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lookout {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

const char* RedisServerPath() {
  const char* env = std::getenv("REDIS_SERVER");
  return env != nullptr ? env : "/usr/bin/redis-server";
}

// Asks the kernel for a free port. Another process could take it before
// redis-server binds, which is unlikely enough for a test.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool Pings(int port) {
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port,
                                            absl::ToTimeval(absl::Seconds(1)));
  bool ok = false;
  if (c != nullptr && c->err == 0) {
    auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
    ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS &&
         std::string(reply->str, reply->len) == "PONG";
    if (reply != nullptr) freeReplyObject(reply);
  }
  if (c != nullptr) redisFree(c);
  return ok;
}

// A redis-server child process on a fixed port.
class RedisProcess {
 public:
  explicit RedisProcess(int port) : port_(port) {}
  ~RedisProcess() { Kill(); }

  // Starts redis-server and waits until it answers PING.
  ::testing::AssertionResult Start() {
    const std::string port = absl::StrCat(port_);
    pid_ = fork();
    if (pid_ < 0) return ::testing::AssertionFailure() << "fork failed";
    if (pid_ == 0) {
      // Die with the test, even if it crashes before TearDown.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      // Keep redis-server's start-up banner out of the test log.
      const int devnull = open("/dev/null", O_WRONLY);
      if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
      const char* path = RedisServerPath();
      execl(path, path, "--port", port.c_str(), "--bind", "127.0.0.1", "--save",
            "", "--appendonly", "no", "--loglevel", "warning",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (Pings(port_)) return ::testing::AssertionSuccess();
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return ::testing::AssertionFailure()
               << RedisServerPath() << " exited early on port " << port_;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return ::testing::AssertionFailure()
           << "redis-server did not answer PING on port " << port_;
  }

  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  const int port_;
  pid_t pid_ = -1;
};

class RedisCacheTest : public ::testing::Test {
 protected:
  // A Redis socket closed under us must not kill the test with SIGPIPE.
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    port_ = FreePort();
    redis_ = std::make_unique<RedisProcess>(port_);
    ASSERT_TRUE(redis_->Start());
  }

  // Generous timeouts: the machine is shared and loaded; the failure tests
  // rely on refused connections and EOFs, not on timeouts.
  RedisOptions Options() const {
    RedisOptions options;
    options.port = port_;
    options.connect_timeout = absl::Seconds(2);
    options.command_timeout = absl::Seconds(2);
    options.cache_name = "test";
    return options;
  }

  int port_ = 0;
  std::unique_ptr<RedisProcess> redis_;
};

TEST_F(RedisCacheTest, SetGetMissDelete) {
  RedisCache cache(Options());
  EXPECT_TRUE(cache.enabled());
  ASSERT_TRUE(cache.Set("k1", "v1", absl::Seconds(60)).ok());
  ASSERT_TRUE(cache.Set("k2", "v2", absl::Seconds(60)).ok());

  auto hit = cache.Get("k1");
  ASSERT_TRUE(hit.ok()) << hit.status();
  EXPECT_THAT(*hit, Optional(std::string("v1")));

  auto miss = cache.Get("absent");
  ASSERT_TRUE(miss.ok()) << miss.status();
  EXPECT_EQ(*miss, std::nullopt);

  ASSERT_TRUE(cache.Delete({"k1", "k2", "never-set"}).ok());
  EXPECT_EQ(*cache.Get("k1"), std::nullopt);
  EXPECT_EQ(*cache.Get("k2"), std::nullopt);
  EXPECT_TRUE(cache.Delete({}).ok());
  EXPECT_TRUE(cache.healthy());
}

TEST_F(RedisCacheTest, MGetKeepsOrderAndMisses) {
  RedisCache cache(Options());
  ASSERT_TRUE(cache.Set("a", "1", absl::Seconds(60)).ok());
  ASSERT_TRUE(cache.Set("c", "3", absl::Seconds(60)).ok());
  auto values = cache.MGet({"a", "b", "c", "a"});
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_EQ(values->size(), 4u);
  EXPECT_THAT((*values)[0], Optional(std::string("1")));
  EXPECT_EQ((*values)[1], std::nullopt);
  EXPECT_THAT((*values)[2], Optional(std::string("3")));
  EXPECT_THAT((*values)[3], Optional(std::string("1")));

  auto none = cache.MGet({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(RedisCacheTest, TtlExpires) {
  RedisCache cache(Options());
  ASSERT_TRUE(cache.Set("short", "v", absl::Milliseconds(200)).ok());
  auto pttl = cache.Command({"PTTL", "short"});
  ASSERT_TRUE(pttl.ok()) << pttl.status();
  ASSERT_EQ(pttl->type, RedisReply::Type::kInteger);
  EXPECT_GT(pttl->integer, 0);
  EXPECT_LE(pttl->integer, 200);

  absl::SleepFor(absl::Milliseconds(400));
  auto gone = cache.Get("short");
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(*gone, std::nullopt);
}

TEST_F(RedisCacheTest, TtlEdgeCases) {
  RedisCache cache(Options());
  EXPECT_EQ(cache.Set("k", "v", absl::ZeroDuration()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.Set("k", "v", -absl::Seconds(1)).code(),
            absl::StatusCode::kInvalidArgument);
  // Sub-millisecond rounds up to PX 1 instead of the invalid PX 0.
  EXPECT_TRUE(cache.Set("k", "v", absl::Microseconds(10)).ok());
  ASSERT_TRUE(cache.Set("forever", "v", absl::InfiniteDuration()).ok());
  auto pttl = cache.Command({"PTTL", "forever"});
  ASSERT_TRUE(pttl.ok());
  EXPECT_EQ(pttl->integer, -1);  // no expiry
}

TEST_F(RedisCacheTest, BinarySafeKeysAndValues) {
  RedisCache cache(Options());
  const std::string key("k\0ey\r\n", 6);
  const std::string value("\0v\xff\r\n\0 %s %b", 13);
  ASSERT_TRUE(cache.Set(key, value, absl::Seconds(60)).ok());
  auto got = cache.Get(key);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, value);
  EXPECT_EQ((*got)->size(), 13u);
  // The prefix before the NUL is a different key.
  EXPECT_EQ(*cache.Get(std::string("k")), std::nullopt);

  auto many = cache.MGet({key});
  ASSERT_TRUE(many.ok());
  EXPECT_THAT((*many)[0], Optional(value));
}

TEST_F(RedisCacheTest, CommandConvertsEveryReplyType) {
  RedisCache cache(Options());
  auto integer = cache.Command({"EVAL", "return 42", "0"});
  ASSERT_TRUE(integer.ok()) << integer.status();
  EXPECT_EQ(integer->type, RedisReply::Type::kInteger);
  EXPECT_EQ(integer->integer, 42);

  auto array = cache.Command(
      {"EVAL", "return {1, ARGV[1], {KEYS[1]}}", "1", "key", "two"});
  ASSERT_TRUE(array.ok()) << array.status();
  ASSERT_EQ(array->type, RedisReply::Type::kArray);
  ASSERT_EQ(array->elements.size(), 3u);
  EXPECT_EQ(array->elements[0].type, RedisReply::Type::kInteger);
  EXPECT_EQ(array->elements[0].integer, 1);
  EXPECT_EQ(array->elements[1].type, RedisReply::Type::kString);
  EXPECT_EQ(array->elements[1].str, "two");
  ASSERT_EQ(array->elements[2].type, RedisReply::Type::kArray);
  ASSERT_EQ(array->elements[2].elements.size(), 1u);
  EXPECT_EQ(array->elements[2].elements[0].str, "key");

  auto status = cache.Command({"PING"});
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->type, RedisReply::Type::kStatus);
  EXPECT_EQ(status->str, "PONG");

  auto nil = cache.Command({"GET", "absent"});
  ASSERT_TRUE(nil.ok());
  EXPECT_EQ(nil->type, RedisReply::Type::kNil);

  // An error reply is data (the rate limiter falls back from EVALSHA to
  // EVAL on NOSCRIPT), not a failure, and does not trip the back-off.
  auto error = cache.Command(
      {"EVALSHA", "0000000000000000000000000000000000000000", "0"});
  ASSERT_TRUE(error.ok()) << error.status();
  EXPECT_EQ(error->type, RedisReply::Type::kError);
  EXPECT_THAT(error->str, HasSubstr("NOSCRIPT"));
  EXPECT_TRUE(cache.healthy());

  EXPECT_EQ(cache.Command({}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RedisCacheTest, WrongTypeIsInternalButKeepsConnection) {
  RedisCache cache(Options());
  ASSERT_TRUE(cache.Command({"RPUSH", "list", "x"}).ok());
  EXPECT_EQ(cache.Get("list").status().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(cache.healthy());
  const int64_t attempts = cache.connect_attempts();
  EXPECT_TRUE(cache.Get("other").ok());
  EXPECT_EQ(cache.connect_attempts(), attempts);  // connection was reused
}

TEST_F(RedisCacheTest, RedisDownBacksOffWithoutTouchingTheNetwork) {
  RedisOptions options = Options();
  options.failure_backoff = absl::Minutes(10);  // stays in back-off throughout
  RedisCache cache(options);
  ASSERT_TRUE(cache.Set("k", "v", absl::Seconds(60)).ok());

  redis_->Kill();
  auto first = cache.Get("k");
  EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable)
      << first.status();
  EXPECT_FALSE(cache.healthy());

  const int64_t attempts = cache.connect_attempts();
  EXPECT_EQ(cache.Get("k").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(cache.MGet({"k"}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(cache.Set("k", "v", absl::Seconds(1)).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(cache.Delete({"k"}).code(), absl::StatusCode::kUnavailable);
  auto command = cache.Command({"PING"});
  EXPECT_EQ(command.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(command.status().message(), HasSubstr("back-off"));
  EXPECT_EQ(cache.connect_attempts(), attempts);
}

TEST_F(RedisCacheTest, RetriesAfterBackoffAndRecoversOnRestart) {
  RedisOptions options = Options();
  options.failure_backoff = absl::Milliseconds(200);
  options.pool_size = 4;
  RedisCache cache(options);
  // Fill the pool with several connections, all of which die with the server.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&cache, i] {
      for (int j = 0; j < 50; ++j) {
        EXPECT_TRUE(
            cache.Set(absl::StrCat("k", i), "v", absl::Seconds(60)).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();

  redis_->Kill();
  EXPECT_EQ(cache.Get("k0").status().code(), absl::StatusCode::kUnavailable);

  // Back-off over, server still down: exactly one new connection attempt.
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_TRUE(cache.healthy());
  const int64_t attempts = cache.connect_attempts();
  EXPECT_EQ(cache.Get("k0").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(cache.connect_attempts(), attempts + 1);

  ASSERT_TRUE(redis_->Start());
  absl::SleepFor(absl::Milliseconds(400));
  // The stale pooled connections were dropped: the first call succeeds.
  auto after = cache.Get("k0");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, std::nullopt);  // a fresh server has no data
  ASSERT_TRUE(cache.Set("k0", "again", absl::Seconds(60)).ok());
  EXPECT_THAT(*cache.Get("k0"), Optional(std::string("again")));
  EXPECT_TRUE(cache.healthy());
}

TEST_F(RedisCacheTest, PoolUnderConcurrency) {
  RedisOptions options = Options();
  options.pool_size = 4;  // fewer connections than threads: borrowers wait
  RedisCache cache(options);
  constexpr int kThreads = 8;
  constexpr int kOps = 500;
  std::atomic<int> failures{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOps; ++i) {
        const std::string key = absl::StrCat("t", t, ":", i % 50);
        const std::string value = absl::StrCat("v", t, ":", i);
        if (!cache.Set(key, value, absl::Seconds(60)).ok()) {
          ++failures;
          continue;
        }
        // Every fifth read goes through MGet to exercise it under load too.
        absl::StatusOr<std::optional<std::string>> got;
        if (i % 5 == 0) {
          auto many = cache.MGet({key});
          if (many.ok()) {
            got = (*many)[0];
          } else {
            got = many.status();
          }
        } else {
          got = cache.Get(key);
        }
        if (!got.ok()) {
          ++failures;
        } else if (*got != std::optional<std::string>(value)) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.connect_attempts(), 4);  // never more than pool_size open
  EXPECT_TRUE(cache.healthy());
}

TEST_F(RedisCacheTest, DisabledNeverConnects) {
  RedisOptions options = Options();
  options.enabled = false;
  MetricsRegistry metrics;
  RedisCache cache(options, &metrics);
  EXPECT_FALSE(cache.enabled());
  EXPECT_FALSE(cache.healthy());
  EXPECT_EQ(cache.Get("k").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(cache.MGet({"k"}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(cache.Set("k", "v", absl::Seconds(1)).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(cache.Delete({"k"}).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(cache.Command({"PING"}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(cache.connect_attempts(), 0);
  // Switched off on purpose: not reported as cache errors.
  EXPECT_THAT(metrics.RenderText(),
              ::testing::Not(HasSubstr("lookout_cache_requests_total{")));
}

TEST_F(RedisCacheTest, CountsHitsMissesAndErrors) {
  RedisOptions options = Options();
  options.failure_backoff = absl::Minutes(10);
  MetricsRegistry metrics;
  RedisCache cache(options, &metrics);
  ASSERT_TRUE(cache.Set("a", "1", absl::Seconds(60)).ok());
  ASSERT_TRUE(cache.Get("a").ok());               // hit
  ASSERT_TRUE(cache.Get("b").ok());               // miss
  ASSERT_TRUE(cache.MGet({"a", "b", "c"}).ok());  // 1 hit, 2 misses
  redis_->Kill();
  EXPECT_FALSE(cache.Get("a").ok());          // error
  EXPECT_FALSE(cache.MGet({"a", "b"}).ok());  // 2 errors (back-off)

  const std::string text = metrics.RenderText();
  EXPECT_THAT(text, HasSubstr("lookout_cache_requests_total{cache=\"test\","
                              "outcome=\"hit\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("lookout_cache_requests_total{cache=\"test\","
                              "outcome=\"miss\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("lookout_cache_requests_total{cache=\"test\","
                              "outcome=\"error\"} 3\n"));
  // The pool's state, read at the scrape: the failure started a back-off (up 0), and the
  // second call skipped Redis and fell back.
  EXPECT_THAT(text, HasSubstr("lookout_redis_up{cache=\"test\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("lookout_redis_failures_total{cache=\"test\",kind=\"error\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("lookout_redis_failures_total{cache=\"test\",kind=\"timeout\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("lookout_redis_fallbacks_total{cache=\"test\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("lookout_redis_pool_connections{cache=\"test\",state=\"in_use\"} 0\n"));
}

// A Redis that does not answer in time counts as a timeout, not an error.
TEST_F(RedisCacheTest, ATimeoutIsCountedAsOne) {
  RedisOptions options = Options();
  options.command_timeout = absl::Milliseconds(100);
  options.failure_backoff = absl::Minutes(10);
  MetricsRegistry metrics;
  RedisCache cache(options, &metrics);
  ASSERT_TRUE(cache.Set("a", "1", absl::Seconds(60)).ok());
  EXPECT_THAT(metrics.RenderText(), HasSubstr("lookout_redis_up{cache=\"test\"} 1\n"));
  EXPECT_THAT(metrics.RenderText(),
              HasSubstr("lookout_redis_pool_connections{cache=\"test\",state=\"idle\"} 1\n"));
  // A BLPOP on an empty list holds the reply for 1 s, past the 100 ms command timeout.
  EXPECT_FALSE(cache.Command({"BLPOP", "lookout:test:empty", "1"}).ok());
  const std::string text = metrics.RenderText();
  EXPECT_THAT(text,
              HasSubstr("lookout_redis_failures_total{cache=\"test\",kind=\"timeout\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("lookout_redis_failures_total{cache=\"test\",kind=\"error\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("lookout_redis_up{cache=\"test\"} 0\n"));
}

TEST(JitteredTtlTest, StaysWithinBoundsAndVaries) {
  const absl::Duration base = absl::Milliseconds(100);
  absl::Duration lo = absl::InfiniteDuration();
  absl::Duration hi = -absl::InfiniteDuration();
  for (int i = 0; i < 2000; ++i) {
    const absl::Duration ttl = JitteredTtl(base, 0.1);
    ASSERT_GE(ttl, absl::Milliseconds(90));
    ASSERT_LE(ttl, absl::Milliseconds(110));
    lo = std::min(lo, ttl);
    hi = std::max(hi, ttl);
  }
  // 2000 uniform draws cover most of the 20 ms range.
  EXPECT_LT(lo, absl::Milliseconds(92));
  EXPECT_GT(hi, absl::Milliseconds(108));
  EXPECT_EQ(JitteredTtl(base, 0), base);
  EXPECT_EQ(JitteredTtl(absl::InfiniteDuration()), absl::InfiniteDuration());
  for (int i = 0; i < 100; ++i) {
    const absl::Duration ttl = JitteredTtl(base, 5.0);  // clamped to 1
    ASSERT_GE(ttl, absl::ZeroDuration());
    ASSERT_LE(ttl, absl::Milliseconds(200));
  }
}

}  // namespace
}  // namespace lookout
