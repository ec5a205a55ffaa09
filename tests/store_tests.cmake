# The SQLite stores' statements planned by SQLite: each must use the index meant for it.
lookout_test(store_query_plan_test LABEL integration
  SOURCES integration/store_query_plan_test.cc
  LIBS event_service_lib actor_service_lib stats_service_lib)

# lookout-backup: an online backup of the real event service under CreateEvent load, restored
# under a fresh one (every acknowledged write found, a change log without gaps); bad input to the
# command exits 2 and writes nothing.
lookout_test(sqlite_backup_test LABEL integration
  SOURCES integration/sqlite_backup_test.cc
  LIBS gateway_testing)
target_compile_definitions(sqlite_backup_test PRIVATE
  LOOKOUT_BACKUP_BINARY="$<TARGET_FILE:lookout-backup>")
add_dependencies(sqlite_backup_test lookout-backup lookout-event)
