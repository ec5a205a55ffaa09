# The SQLite stores' statements planned by SQLite: each must use the index meant for it.
lookout_test(store_query_plan_test LABEL integration
  SOURCES integration/store_query_plan_test.cc
  LIBS event_service_lib actor_service_lib stats_service_lib)

# What the backup tests of both backends share: a write load on the real event service, the
# change log read back, the checks of a restored copy and of its followers.
add_library(backup_testing STATIC integration/backup_test_support.cc)
target_link_libraries(backup_testing PUBLIC gateway_testing)

# lookout-backup: an online backup of the real event service under CreateEvent load, restored
# under a fresh one (every acknowledged write found, a change log without gaps); bad input to the
# command exits 2 and writes nothing.
lookout_test(sqlite_backup_test LABEL integration
  SOURCES integration/sqlite_backup_test.cc
  LIBS backup_testing)
target_compile_definitions(sqlite_backup_test PRIVATE
  LOOKOUT_BACKUP_BINARY="$<TARGET_FILE:lookout-backup>")
add_dependencies(sqlite_backup_test lookout-backup lookout-event)

# PostgreSQL's own pg_dump and pg_restore (and pg_basebackup with its WAL), run as README.md
# says, against the real event service on PostgreSQL under CreateEvent/UpdateEvent load: the
# restored database under a fresh event service holds every write acknowledged before the backup
# began and a change log without gaps; followers that went past its head are told to rebuild.
lookout_test(postgres_backup_test LABEL integration
  SOURCES integration/postgres_backup_test.cc
  LIBS backup_testing)
target_compile_definitions(postgres_backup_test PRIVATE
  LOOKOUT_EVENT_BINARY="$<TARGET_FILE:lookout-event>")
add_dependencies(postgres_backup_test lookout-event)
