# The import benchmark's direct baseline (included by cli/CMakeLists.txt; run by
# bench/cli_import_bench.sh, not by the tests).
add_executable(lookout-bench-direct-import ${PROJECT_SOURCE_DIR}/bench/cli_direct_import.cc)
target_compile_options(lookout-bench-direct-import PRIVATE ${LOOKOUT_WARNINGS})
target_link_libraries(lookout-bench-direct-import PRIVATE lookout_cli_lib absl::flags absl::flags_parse)
