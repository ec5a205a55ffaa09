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

# The EventStore interface's promises, on the store itself, on SQLite and on PostgreSQL.
lookout_test(event_store_contract_test LABEL integration
  SOURCES integration/event_store_contract_test.cc
  LIBS event_service_lib)
