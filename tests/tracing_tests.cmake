# Request tracing (W3C traceparent): the parsing and generation rules, and one situation report
# followed by its trace id through the logs of the real binaries.
lookout_test(trace_context_test LABEL unit
  SOURCES unit/trace_context_test.cc
  LIBS lookout_common)

add_test(NAME e2e.trace_situation_report
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/trace_e2e_test.sh)
set_tests_properties(e2e.trace_situation_report PROPERTIES
  LABELS e2e TIMEOUT 300
  ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")
