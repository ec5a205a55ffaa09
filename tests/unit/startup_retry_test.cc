// RetryWhileUnavailable: what it retries, what it gives back at once, the backoff, and a stop
// signal ending the wait.
#include "common/startup_retry.h"

#include <pthread.h>
#include <signal.h>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace lookout {
namespace {

StartupRetryOptions Fast() {
  StartupRetryOptions options;
  options.first_backoff = absl::Milliseconds(10);
  options.max_backoff = absl::Milliseconds(40);
  return options;
}

TEST(StartupRetryTest, RetriesUnavailableUntilItSucceeds) {
  int tries = 0;
  const absl::Time start = absl::Now();
  absl::Status status = RetryWhileUnavailable(
      "test dependency",
      [&] { return ++tries < 5 ? absl::UnavailableError("down") : absl::OkStatus(); }, Fast());
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(tries, 5);
  // 10 + 20 + 40 + 40 ms of backoff, capped at 40.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(100));
}

TEST(StartupRetryTest, OtherErrorsComeBackAtOnce) {
  int tries = 0;
  absl::Status status = RetryWhileUnavailable(
      "test dependency",
      [&] {
        ++tries;
        return absl::InvalidArgumentError("bad schema name");
      },
      Fast());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tries, 1);
}

TEST(StartupRetryTest, AStopSignalEndsTheWait) {
  // As InstallProcessSignalHandling leaves it: SIGTERM blocked, so it stays pending until taken.
  sigset_t set, previous;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &set, &previous), 0);
  int tries = 0;
  StartupRetryOptions slow;
  slow.first_backoff = absl::Seconds(30);
  const absl::Time start = absl::Now();
  absl::Status status = RetryWhileUnavailable(
      "test dependency",
      [&] {
        if (++tries == 1) pthread_kill(pthread_self(), SIGTERM);
        return absl::UnavailableError("down");
      },
      slow);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_EQ(tries, 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace lookout
