# The actor service's tests (included by tests/CMakeLists.txt).
lookout_test(actor_name_normalizer_test LABEL unit
  SOURCES unit/actor_name_normalizer_test.cc
  LIBS actor_service_lib)
lookout_test(actor_validation_test LABEL unit
  SOURCES unit/actor_validation_test.cc
  LIBS actor_service_lib)
lookout_test(actor_service_test LABEL integration
  SOURCES integration/actor_service_test.cc integration/actor_replica.cc
  LIBS actor_service_lib)
# PostgreSQL only: replicas racing on one database, an outage, a non-byte-order collation.
lookout_test(actor_postgres_test LABEL integration
  SOURCES integration/actor_postgres_test.cc integration/actor_replica.cc
  LIBS actor_service_lib)
# The lookout-actor binary on PostgreSQL: waits for the database at start-up, logs no password.
lookout_test(actor_binary_postgres_test LABEL integration
  SOURCES integration/actor_binary_postgres_test.cc
  LIBS actor_service_lib)
target_compile_definitions(actor_binary_postgres_test PRIVATE
  LOOKOUT_ACTOR_BINARY="$<TARGET_FILE:lookout-actor>")
add_dependencies(actor_binary_postgres_test lookout-actor)
# ResolveActors in bulk on both backends: names and actors together, bad input, and two callers
# (two replicas on PostgreSQL) creating the same names at once.
lookout_test(actor_resolve_test LABEL integration
  SOURCES integration/actor_resolve_test.cc integration/actor_replica.cc
  LIBS actor_service_lib)
# History and provenance (issue 26) on both backends: who, when, why and which fields for every
# change of an actor or a relationship; pages; bad input; and the upgrade from store version 1.
lookout_test(actor_history_test LABEL integration
  SOURCES integration/actor_history_test.cc integration/actor_replica.cc
  LIBS actor_service_lib)
lookout_test(actor_store_migration_test LABEL integration
  SOURCES integration/actor_store_migration_test.cc integration/actor_replica.cc
  LIBS actor_service_lib)
