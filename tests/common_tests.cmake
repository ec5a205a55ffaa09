lookout_test(common_unit_test LABEL unit
  SOURCES unit/validation_test.cc unit/page_token_test.cc unit/config_test.cc
    unit/random_id_test.cc unit/startup_retry_test.cc unit/replica_target_test.cc
    unit/change_history_test.cc
  LIBS lookout_common)
lookout_test(sqlite_db_test LABEL integration
  SOURCES integration/sqlite_db_test.cc
  LIBS lookout_common)
lookout_test(sqlite_wal_buffer_test LABEL integration
  SOURCES integration/sqlite_wal_buffer_test.cc
  LIBS lookout_common)
lookout_test(pg_pool_test LABEL integration
  SOURCES integration/pg_pool_test.cc
  LIBS lookout_pg)
