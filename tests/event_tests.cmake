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
# that moves between replicas, a stats service, a replica lost mid-run (event_replicas_test), and
# conflicting requests racing across replicas (event_replica_races_test).
if(TARGET lookout-event AND TARGET lookout-actor AND TARGET lookout-stats)
  add_library(event_replica_testing STATIC
    integration/event_replica_changes.cc integration/event_replica_cluster.cc)
  target_compile_options(event_replica_testing PRIVATE ${LOOKOUT_WARNINGS})
  target_link_libraries(event_replica_testing PUBLIC lookout_testing lookout_proto)
  target_compile_definitions(event_replica_testing PRIVATE
    LOOKOUT_ACTOR_BINARY="$<TARGET_FILE:lookout-actor>"
    LOOKOUT_EVENT_BINARY="$<TARGET_FILE:lookout-event>"
    LOOKOUT_STATS_BINARY="$<TARGET_FILE:lookout-stats>")
  add_dependencies(event_replica_testing lookout-event lookout-actor lookout-stats)
  lookout_test(event_replicas_test LABEL integration
    SOURCES integration/event_replicas_test.cc
    LIBS event_replica_testing)
  lookout_test(event_replica_races_test LABEL integration
    SOURCES integration/event_replica_races_test.cc
    LIBS event_replica_testing)
endif()

# The EventStore interface's promises, on the store itself, on SQLite and on PostgreSQL.
lookout_test(event_store_contract_test LABEL integration
  SOURCES integration/event_store_contract_test.cc
  LIBS event_service_lib)

# Power cuts under concurrent creates, updates, deletes and imports, with a VFS that drops what
# no sync covered (testing/power_cut_vfs.cc, linked here only: it replaces fsync and fdatasync
# for the binary).
lookout_test(event_store_power_cut_test LABEL integration
  SOURCES integration/event_store_power_cut_test.cc testing/power_cut_vfs.cc
  LIBS event_service_lib actor_service_lib)

# History and provenance (issue 26): authors and reasons in the change log, revisions, as-of
# reads against a replay of the change feed, compaction; on both backends.
lookout_test(event_history_test LABEL integration
  SOURCES integration/event_history_test.cc
  LIBS event_service_lib)
