# The project's layout rules (included by tests/CMakeLists.txt): services meet only through
# protobuf contracts, so no service folder includes or links another's (scripts/check_includes.sh).
add_test(NAME layout.service_boundaries
  COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/check_includes.sh ${PROJECT_SOURCE_DIR})
add_test(NAME layout.check_includes_refuses
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/layout/check_includes_test.sh)
set_tests_properties(layout.service_boundaries layout.check_includes_refuses PROPERTIES
  LABELS unit TIMEOUT 60)
