# The services' fuzz targets (included by services/CMakeLists.txt): each feeds arbitrary requests
# to one service's handlers in-process (fuzz/service_fuzz.h). With -DLOOKOUT_FUZZ=ON and clang
# (fuzz/run_fuzzers.sh makes that build) they are libFuzzer binaries; in the regular build each is
# linked with a replay driver instead, and CTest replays its seeds, its corpus (fuzz/corpus/) and
# every input kept in fuzz/regressions/ through it.
set(LOOKOUT_SERVICE_FUZZ_TARGETS event actor stats gateway)
set(LOOKOUT_SERVICE_FUZZ_LIBS_event event_service_lib)
set(LOOKOUT_SERVICE_FUZZ_LIBS_actor actor_service_lib)
set(LOOKOUT_SERVICE_FUZZ_LIBS_stats stats_service_lib)
set(LOOKOUT_SERVICE_FUZZ_LIBS_gateway gateway_lib)
foreach(service ${LOOKOUT_SERVICE_FUZZ_TARGETS})
  if(NOT TARGET ${LOOKOUT_SERVICE_FUZZ_LIBS_${service}})
    continue()
  endif()
  if(LOOKOUT_FUZZ)
    add_executable(${service}_fuzzer ${PROJECT_SOURCE_DIR}/fuzz/${service}_fuzzer.cc)
    target_compile_options(${service}_fuzzer PRIVATE -fsanitize=fuzzer,address)
    target_link_options(${service}_fuzzer PRIVATE -fsanitize=fuzzer,address)
    target_link_libraries(${service}_fuzzer PRIVATE ${LOOKOUT_SERVICE_FUZZ_LIBS_${service}})
  else()
    add_executable(${service}_fuzz_replay ${PROJECT_SOURCE_DIR}/fuzz/${service}_fuzzer.cc
      ${PROJECT_SOURCE_DIR}/fuzz/service_replay_main.cc)
    target_compile_options(${service}_fuzz_replay PRIVATE ${LOOKOUT_WARNINGS})
    target_link_libraries(${service}_fuzz_replay PRIVATE ${LOOKOUT_SERVICE_FUZZ_LIBS_${service}})
    add_test(NAME fuzz_regressions.${service}
      COMMAND ${service}_fuzz_replay ${PROJECT_SOURCE_DIR}/fuzz/corpus/${service}
        ${PROJECT_SOURCE_DIR}/fuzz/regressions/${service})
    set_tests_properties(fuzz_regressions.${service} PROPERTIES LABELS unit TIMEOUT 120)
    set_property(GLOBAL APPEND PROPERTY LOOKOUT_TEST_BINARIES ${service}_fuzz_replay)
  endif()
endforeach()
