# The gateway's tests (included by tests/CMakeLists.txt).
lookout_test(gateway_unit_test LABEL unit
  SOURCES
    unit/gateway_route_table_test.cc
    unit/gateway_api_keys_test.cc
    unit/gateway_rate_limit_test.cc
    unit/gateway_report_assembly_test.cc
  LIBS gateway_lib)

# Test support: real backends as processes, gateways in-process or as processes, raw clients.
add_library(gateway_testing STATIC integration/gateway_cluster.cc)
target_link_libraries(gateway_testing PUBLIC gateway_lib lookout_testing GTest::gtest)
target_compile_definitions(gateway_testing PRIVATE
  LOOKOUT_ACTOR_BINARY="$<TARGET_FILE:lookout-actor>"
  LOOKOUT_EVENT_BINARY="$<TARGET_FILE:lookout-event>"
  LOOKOUT_GATEWAY_BINARY="$<TARGET_FILE:lookout-gateway>")
add_dependencies(gateway_testing lookout-actor lookout-event lookout-gateway)

# Access control, forwarding, reflection and TLS against an echo backend.
lookout_test(gateway_access_test LABEL integration
  SOURCES integration/gateway_access_test.cc
  LIBS gateway_testing)

# Rate limits against a real Redis, with two gateway processes sharing it and with it stopped.
lookout_test(gateway_rate_limit_test LABEL integration
  SOURCES integration/gateway_rate_limit_test.cc
  LIBS gateway_testing)

# The import budget (issue 16.2) against a real Redis and the real event and actor services: a
# large import passes a tiny call budget, a runaway is still stopped, a stream over the budget
# is paced (with Redis and without), a ResolveActors over it is refused and creates nothing.
lookout_test(gateway_import_budget_test LABEL integration
  SOURCES integration/gateway_import_budget_test.cc
  LIBS gateway_testing)
target_compile_definitions(gateway_import_budget_test PRIVATE
  LOOKOUT_GATEWAY_BINARY="$<TARGET_FILE:lookout-gateway>")

# ImportEvents and WatchEvents through the gateway against the real event service.
lookout_test(gateway_streaming_test LABEL integration
  SOURCES integration/gateway_streaming_test.cc
  LIBS gateway_testing)

# Deadlines, cancellation, retries, flow control, and a backend killed mid-load.
lookout_test(gateway_failure_test LABEL integration
  SOURCES integration/gateway_failure_test.cc
  LIBS gateway_testing)

# GetSituationReport: joins, cache, and each dependency down in turn.
lookout_test(gateway_report_test LABEL integration
  SOURCES integration/gateway_report_test.cc
  LIBS gateway_testing)

# The plaintext health-only port (--health_port) beside a TLS public port: same statuses, nothing
# else served, NOT_SERVING from the start of the drain, bad values refused; in-process and binary.
lookout_test(gateway_health_port_test LABEL integration
  SOURCES integration/gateway_health_port_test.cc
  LIBS gateway_testing)
target_compile_definitions(gateway_health_port_test PRIVATE
  LOOKOUT_GATEWAY_BINARY="$<TARGET_FILE:lookout-gateway>")

# End to end: scripts/run.sh starts the gateway with the backends and the dev keys; buf curl
# through reflection, keys and roles.
add_test(NAME e2e.gateway_run_sh
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/gateway_e2e_test.sh)
set_tests_properties(e2e.gateway_run_sh PROPERTIES
  LABELS e2e TIMEOUT 300
  ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")

# Two replicas of a backend behind one address list: both get calls, a NOT_SERVING one none, a
# graceful stop under load fails no call and finishes the calls in flight.
lookout_test(gateway_replicas_test LABEL integration
  SOURCES integration/gateway_replicas_test.cc
  LIBS gateway_testing)

# The HTTP/JSON listener (issue 19): every google.api.http route, bad input, roles, deadlines, the
# watch stream and its resume, JSONL imports, static files and the limits, against the real
# actor, event and stats services in-process.
lookout_test(gateway_http_test LABEL integration
  SOURCES integration/gateway_http_test.cc integration/stats_cluster.cc
  LIBS gateway_testing stats_service_lib event_service_lib actor_service_lib)

# Provenance (issue 26): the key name each change records, never the client's metadata; for
# observations against the stats service in-process, on SQLite and PostgreSQL.
lookout_test(gateway_provenance_test LABEL integration
  SOURCES integration/gateway_provenance_test.cc integration/stats_cluster.cc
  LIBS gateway_testing stats_service_lib event_service_lib actor_service_lib)
