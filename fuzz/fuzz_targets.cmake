# The row parsers' fuzz targets (included by cli/CMakeLists.txt). With -DLOOKOUT_FUZZ=ON and
# clang (fuzz/run_fuzzers.sh makes that build) they are libFuzzer binaries; in the regular build
# each is linked with a replay driver instead, and CTest replays the fixtures and every input
# kept in fuzz/regressions/ through it.
set(LOOKOUT_FUZZ_TARGETS acled ucdp gdelt jsonl)
foreach(format ${LOOKOUT_FUZZ_TARGETS})
  if(LOOKOUT_FUZZ)
    add_executable(${format}_fuzzer ${PROJECT_SOURCE_DIR}/fuzz/${format}_fuzzer.cc)
    target_compile_options(${format}_fuzzer PRIVATE -fsanitize=fuzzer,address)
    target_link_options(${format}_fuzzer PRIVATE -fsanitize=fuzzer,address)
    target_link_libraries(${format}_fuzzer PRIVATE lookout_import)
  else()
    add_executable(${format}_fuzz_replay
      ${PROJECT_SOURCE_DIR}/fuzz/${format}_fuzzer.cc ${PROJECT_SOURCE_DIR}/fuzz/replay_main.cc)
    target_compile_options(${format}_fuzz_replay PRIVATE ${LOOKOUT_WARNINGS})
    target_link_libraries(${format}_fuzz_replay PRIVATE lookout_import)
    add_test(NAME cli.fuzz_regressions.${format}
      COMMAND ${format}_fuzz_replay
        ${PROJECT_SOURCE_DIR}/tests/fixtures/${format} ${PROJECT_SOURCE_DIR}/fuzz/regressions/${format})
    set_tests_properties(cli.fuzz_regressions.${format} PROPERTIES LABELS unit TIMEOUT 120)
    set_property(GLOBAL APPEND PROPERTY LOOKOUT_TEST_BINARIES ${format}_fuzz_replay)
  endif()
endforeach()
