# The SQLite stores' statements planned by SQLite: each must use the index meant for it.
lookout_test(store_query_plan_test LABEL integration
  SOURCES integration/store_query_plan_test.cc
  LIBS event_service_lib actor_service_lib stats_service_lib)
