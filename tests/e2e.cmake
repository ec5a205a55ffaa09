# End-to-end: the real binaries started by scripts/run.sh, called with buf curl via reflection.
add_test(NAME e2e.services_run_sh
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/services_e2e_test.sh)
set_tests_properties(e2e.services_run_sh PROPERTIES
  LABELS e2e TIMEOUT 300
  ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")

# The rollout test: two replicas of each backend on a PostgreSQL server of run.sh's own, steady
# load through the gateway while every replica restarts with SIGTERM, then one of each is killed
# with SIGKILL (tests/e2e/rollout_test.sh; prints the counts).
add_test(NAME e2e.rollout_replicas COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/rollout_test.sh)
set_tests_properties(e2e.rollout_replicas PROPERTIES
  # Alone: two replicas of three backends, PostgreSQL and the load fill both cores.
  LABELS e2e TIMEOUT 300 RUN_SERIAL TRUE
  ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")

# The chaos test: scripts/run.sh on SQLite under mixed load through the gateway while each process
# is killed with SIGKILL, Redis is stopped and the event service's disk (a tmpfs of the test's
# own; skipped without root) is filled and freed (tests/e2e/chaos_test.sh; prints the counts).
add_test(NAME e2e.chaos COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/chaos_test.sh)
set_tests_properties(e2e.chaos PROPERTIES
  # Alone: the load and four services fill both cores, and the kills must hit only this system.
  LABELS "e2e;chaos" TIMEOUT 300 RUN_SERIAL TRUE
  ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")
