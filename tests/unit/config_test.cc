#include "common/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "absl/flags/flag.h"

ABSL_FLAG(int, config_test_port, 1, "test flag");
ABSL_FLAG(std::string, config_test_name, "default", "test flag");

namespace lookout {
namespace {

TEST(EnvNameForFlagTest, UpperCasesWithPrefix) {
  EXPECT_EQ(EnvNameForFlag("data_dir"), "LOOKOUT_DATA_DIR");
}

TEST(ParseFlagsWithEnvTest, EnvironmentSetsFlagsAndCommandLineWins) {
  setenv("LOOKOUT_CONFIG_TEST_PORT", "4242", 1);
  setenv("LOOKOUT_CONFIG_TEST_NAME", "from-env", 1);
  char arg0[] = "test";
  char arg1[] = "--config_test_name=from-flag";
  char* argv[] = {arg0, arg1};
  ParseFlagsWithEnv(2, argv, "test");
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_port), 4242);
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_name), "from-flag");
  unsetenv("LOOKOUT_CONFIG_TEST_PORT");
  unsetenv("LOOKOUT_CONFIG_TEST_NAME");
}

TEST(ParseFlagsWithEnvDeathTest, BadEnvironmentValueExitsWithAClearLine) {
  setenv("LOOKOUT_CONFIG_TEST_PORT", "not-a-number", 1);
  char arg0[] = "test";
  char* argv[] = {arg0};
  EXPECT_EXIT(ParseFlagsWithEnv(1, argv, "test"), ::testing::ExitedWithCode(2),
              "invalid configuration: LOOKOUT_CONFIG_TEST_PORT");
  unsetenv("LOOKOUT_CONFIG_TEST_PORT");
}

TEST(ConfigErrorsDeathTest, ReportsEveryProblem) {
  ConfigErrors errors;
  errors.CheckPort("port", 70000, false);
  errors.CheckNonEmpty("internal_token", "");
  EXPECT_FALSE(errors.ok());
  EXPECT_EXIT(errors.ExitIfAny(), ::testing::ExitedWithCode(2),
              "--port \\(LOOKOUT_PORT\\): must be a port number.*\n.*--internal_token");
}

TEST(ConfigErrorsTest, ValidConfigurationPasses) {
  ConfigErrors errors;
  errors.CheckPort("port", 50052, false);
  errors.CheckPort("metrics_port", 0, true);
  errors.CheckPositive("grace", 1.5);
  EXPECT_TRUE(errors.ok());
}

}  // namespace
}  // namespace lookout
