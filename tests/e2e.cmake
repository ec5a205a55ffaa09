# End-to-end: the real binaries started by scripts/run.sh, called with buf curl via reflection.
add_test(NAME e2e.services_run_sh
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/services_e2e_test.sh)
set_tests_properties(e2e.services_run_sh PROPERTIES
  LABELS e2e TIMEOUT 300
  ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")
