#include "common/replica_target.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace lookout {
namespace {

TEST(ReplicaTargetTest, OneAddressStaysAsWritten) {
  absl::StatusOr<ReplicaTarget> target = ParseReplicaTarget("127.0.0.1:50052");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->target, "127.0.0.1:50052");
  EXPECT_FALSE(target->replicated);
  target = ParseReplicaTarget("lookout-event:50052");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->target, "lookout-event:50052");
}

TEST(ReplicaTargetTest, AListBecomesAnAddressTarget) {
  absl::StatusOr<ReplicaTarget> target = ParseReplicaTarget("127.0.0.1:7001,127.0.0.1:7002");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->target, "ipv4:127.0.0.1:7001,127.0.0.1:7002");
  EXPECT_TRUE(target->replicated);
  target = ParseReplicaTarget("[::1]:7001,[::1]:7002");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->target, "ipv6:[::1]:7001,[::1]:7002");
}

TEST(ReplicaTargetTest, ADnsTargetNamesEveryReplica) {
  absl::StatusOr<ReplicaTarget> target = ParseReplicaTarget("dns:///lookout-event:50052");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->target, "dns:///lookout-event:50052");
  EXPECT_TRUE(target->replicated);
}

TEST(ReplicaTargetTest, MalformedValuesAreRefusedWithTheRule) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "is empty"},
      {"127.0.0.1", "has no host:port"},
      {"127.0.0.1:0", "has no port in 1..65535"},
      {"127.0.0.1:7001,", "item 2 of the list is empty"},
      {"127.0.0.1:7001,,127.0.0.1:7002", "item 2 of the list is empty"},
      {"127.0.0.1:7001,127.0.0.1:x", "item 2: \"127.0.0.1:x\" has no port in 1..65535"},
      {"127.0.0.1:7001,localhost:7002", "a list takes IP addresses only"},
      {"127.0.0.1:7001,[::1]:7002", "a list takes one address family"},
      {"127.0.0.1:7001,127.0.0.1:7001", "is listed twice"},
      {"::1:7001", "an IPv6 address goes in brackets"},
      {"dns:///lookout-event", "is not dns:///name:port"},
      {"dns:///a:1,b:2", "is not dns:///name:port"},
  };
  for (const auto& [value, rule] : cases) {
    absl::StatusOr<ReplicaTarget> target = ParseReplicaTarget(value);
    ASSERT_FALSE(target.ok()) << value;
    EXPECT_EQ(target.status().code(), absl::StatusCode::kInvalidArgument) << value;
    EXPECT_TRUE(absl::StrContains(target.status().message(), rule))
        << value << ": " << target.status().message();
  }
}

TEST(ReplicaTargetTest, ServiceConfigChecksHealthOnlyForReplicas) {
  ReplicaTarget one{"127.0.0.1:1", false};
  ReplicaTarget several{"ipv4:127.0.0.1:1,127.0.0.1:2", true};
  EXPECT_EQ(ReplicaServiceConfig(one, "svc", false),
            R"({"loadBalancingConfig":[{"round_robin":{}}]})");
  EXPECT_EQ(
      ReplicaServiceConfig(several, "svc", false),
      R"({"loadBalancingConfig":[{"round_robin":{}}],"healthCheckConfig":{"serviceName":"svc"}})");
  EXPECT_TRUE(absl::StrContains(ReplicaServiceConfig(several, "svc", true),
                                R"("retryableStatusCodes":["UNAVAILABLE"])"));
}

}  // namespace
}  // namespace lookout
