# The event service's tests (included by tests/CMakeLists.txt).
lookout_test(event_validation_test LABEL unit
  SOURCES unit/event_validation_test.cc
  LIBS event_service_lib)
lookout_test(event_service_test LABEL integration
  SOURCES integration/event_service_test.cc
  LIBS event_service_lib actor_service_lib)
lookout_test(event_store_durability_test LABEL integration
  SOURCES integration/event_store_durability_test.cc
  LIBS event_service_lib)
lookout_test(event_store_migration_test LABEL integration
  SOURCES integration/event_store_migration_test.cc
  LIBS event_service_lib)
lookout_test(event_store_full_disk_test LABEL integration
  SOURCES integration/event_store_full_disk_test.cc
  LIBS event_service_lib)
# Three real lookout-event processes on one PostgreSQL database: concurrent writers, a follower
# that moves between replicas, a stats service, and conflicting requests racing across replicas.
if(TARGET lookout-event AND TARGET lookout-actor AND TARGET lookout-stats)
  lookout_test(event_replicas_test LABEL integration
    SOURCES integration/event_replicas_test.cc integration/event_replica_cluster.cc
    LIBS lookout_proto)
  target_compile_definitions(event_replicas_test PRIVATE
    LOOKOUT_ACTOR_BINARY="$<TARGET_FILE:lookout-actor>"
    LOOKOUT_EVENT_BINARY="$<TARGET_FILE:lookout-event>"
    LOOKOUT_STATS_BINARY="$<TARGET_FILE:lookout-stats>")
  add_dependencies(event_replicas_test lookout-event lookout-actor lookout-stats)
endif()
