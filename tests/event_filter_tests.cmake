# The EventFilter's one meaning (event_filter/), included by tests/CMakeLists.txt: the shared
# cases against the matcher and ValidateFilter, and through the real services.
lookout_test(event_filter_cases_test LABEL unit
  SOURCES unit/event_filter_cases_test.cc
  LIBS lookout_event_filter_cases)
if(TARGET stats_service_lib AND TARGET event_service_lib AND TARGET actor_service_lib)
  lookout_test(event_filter_cases_services_test LABEL integration
    SOURCES integration/event_filter_cases_test.cc integration/stats_cluster.cc
    LIBS lookout_event_filter_cases stats_service_lib event_service_lib actor_service_lib)
endif()
