# How servers start, stop and hold connections (ServerRunner, every binary's SIGTERM, WatchEvents
# streams): the real actor, event and gateway binaries, and in-process runners.
lookout_test(server_lifecycle_test LABEL integration
  SOURCES integration/server_lifecycle_test.cc
  LIBS gateway_testing event_service_lib)
target_compile_definitions(server_lifecycle_test PRIVATE
  LOOKOUT_ACTOR_BINARY="$<TARGET_FILE:lookout-actor>"
  LOOKOUT_EVENT_BINARY="$<TARGET_FILE:lookout-event>")
lookout_test(lifecycle_unit_test LABEL unit
  SOURCES unit/open_streams_test.cc
  LIBS event_service_lib)
