#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "common/crypto.h"

namespace lookout {
namespace {

bool IsLowerHex(const std::string& text) {
  return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(RandomIdHexTest, IsHexOfTheAskedLength) {
  for (int bytes : {1, 8, 16}) {
    const std::string id = RandomIdHex(bytes);
    EXPECT_EQ(id.size(), static_cast<size_t>(2 * bytes));
    EXPECT_TRUE(IsLowerHex(id)) << id;
  }
}

// Threads seed their generators apart: ids made at once on many threads do not repeat.
TEST(RandomIdHexTest, IdsFromManyThreadsDoNotRepeat) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5000;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kPerThread; ++i) made[t].push_back(RandomIdHex(8));
    });
  }
  for (std::thread& thread : threads) thread.join();
  absl::flat_hash_set<std::string> seen;
  for (const auto& ids : made) seen.insert(ids.begin(), ids.end());
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace lookout
