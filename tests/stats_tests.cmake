# The stats service's tests (included by tests/CMakeLists.txt).
lookout_test(stats_unit_test LABEL unit
  SOURCES
    unit/stats_time_buckets_test.cc
    unit/stats_compiled_filter_test.cc
    unit/stats_aggregate_query_test.cc
    unit/stats_aggregate_rows_test.cc
    unit/stats_read_model_test.cc
    unit/stats_snapshot_test.cc
    unit/stats_event_columns_test.cc
    unit/stats_period_summary_test.cc
    unit/stats_source_dimensions_test.cc
    unit/stats_source_key_column_test.cc
    unit/stats_metric_summary_test.cc
    unit/stats_observation_validation_test.cc
  LIBS stats_service_lib)
# Aggregations against an independent SQLite GROUP BY over the same events.
lookout_test(stats_aggregation_test LABEL unit
  SOURCES unit/stats_aggregation_test.cc
  LIBS stats_service_lib)
# The observation store itself under concurrency and outages, on SQLite and PostgreSQL.
lookout_test(stats_observation_store_test LABEL integration
  SOURCES integration/stats_observation_store_test.cc
  LIBS stats_service_lib)
# The stats service in-process, its observations on SQLite and on PostgreSQL.
lookout_test(stats_observations_test LABEL integration
  SOURCES integration/stats_observations_test.cc integration/stats_cluster.cc
  LIBS stats_service_lib event_service_lib actor_service_lib)
# The stats service against the real event and actor services, in-process.
lookout_test(stats_service_test LABEL integration
  SOURCES integration/stats_service_test.cc integration/stats_cluster.cc
  LIBS stats_service_lib event_service_lib actor_service_lib)
# A replica forwarding observations (--observations_addr) to the stats service that owns them.
lookout_test(stats_replica_test LABEL integration
  SOURCES integration/stats_replica_test.cc integration/stats_cluster.cc
  LIBS stats_service_lib event_service_lib actor_service_lib)
lookout_test(stats_feed_test LABEL integration
  SOURCES integration/stats_feed_test.cc integration/stats_cluster.cc
  LIBS stats_service_lib event_service_lib actor_service_lib)
# The read-model snapshot: restarts from it, bad files, snapshots the event store no longer
# matches.
lookout_test(stats_snapshot_test LABEL integration
  SOURCES integration/stats_snapshot_test.cc integration/stats_cluster.cc
  LIBS stats_service_lib event_service_lib actor_service_lib)
lookout_test(stats_ucdp_test LABEL integration
  SOURCES integration/stats_ucdp_test.cc integration/stats_cluster.cc
  LIBS stats_service_lib event_service_lib actor_service_lib)
target_compile_definitions(stats_ucdp_test PRIVATE
  LOOKOUT_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data")

# The real binaries (run.sh for Redis, actor and event; lookout-stats beside them), called with
# buf curl through reflection.
add_test(NAME e2e.stats_binary
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/stats_e2e_test.sh)
set_tests_properties(e2e.stats_binary PROPERTIES
  LABELS e2e TIMEOUT 300
  ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")

# The lookout-stats binary started while its PostgreSQL server is down.
lookout_test(stats_database_startup_test LABEL integration
  SOURCES integration/stats_database_startup_test.cc
  LIBS lookout_proto lookout_common)
target_compile_definitions(stats_database_startup_test PRIVATE
  LOOKOUT_STATS_BINARY="$<TARGET_FILE:lookout-stats>")
add_dependencies(stats_database_startup_test lookout-stats)
