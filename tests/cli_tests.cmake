# The lookout command-line client's tests (included by tests/CMakeLists.txt).
if(TARGET lookout_import)
  # Parsers on hand-written fixtures, and on the real samples in ../shared/data when present.
  lookout_test(cli_import_test LABEL unit
    SOURCES
      unit/cli_csv_reader_test.cc
      unit/cli_acled_parser_test.cc
      unit/cli_ucdp_parser_test.cc
      unit/cli_gdelt_parser_test.cc
      unit/cli_jsonl_format_test.cc
      unit/cli_mappings_test.cc
      unit/cli_real_samples_test.cc
      unit/cli_dataset_format_test.cc
    LIBS lookout_import)
  target_compile_definitions(cli_import_test PRIVATE
    LOOKOUT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    LOOKOUT_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
endif()
if(TARGET lookout_cli_lib)
  # The command's pieces without a server: arguments, output, messages, the report's page; and
  # the actor resolver against an in-process service that refuses names in ways the real one
  # cannot be made to.
  lookout_test(cli_app_test LABEL unit
    SOURCES unit/cli_app_test.cc unit/cli_report_renderer_test.cc unit/cli_actor_resolver_test.cc
      unit/cli_source_rows_test.cc
    LIBS lookout_cli_lib)
endif()
if(TARGET lookout_import AND TARGET lookout_event_filter)
  # The parsers' output against the event service's own validation and taxonomy (event_filter/).
  lookout_test(cli_service_agreement_test LABEL unit
    SOURCES unit/cli_service_agreement_test.cc
    LIBS lookout_import lookout_event_filter)
  target_compile_definitions(cli_service_agreement_test PRIVATE
    LOOKOUT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    LOOKOUT_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
endif()
if(TARGET lookout_cli_testing AND TARGET lookout-event AND TARGET lookout-actor)
  # The client against the real actor and event binaries, started as child processes.
  lookout_test(cli_import_export_test LABEL integration
    SOURCES integration/cli_import_export_test.cc
    LIBS lookout_cli_testing)
  target_compile_definitions(cli_import_export_test PRIVATE
    LOOKOUT_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures"
    LOOKOUT_BIN_DIR="${CMAKE_BINARY_DIR}/services")
  add_dependencies(cli_import_export_test lookout-event lookout-actor)
endif()
if(TARGET lookout AND TARGET lookout-gateway AND TARGET lookout-stats)
  # The lookout binary through the real gateway and services (tests/e2e/cli_e2e_test.sh).
  add_test(NAME e2e.cli COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/cli_e2e_test.sh)
  set_tests_properties(e2e.cli PROPERTIES
    LABELS e2e TIMEOUT 300
    ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")
endif()
if(TARGET lookout AND TARGET lookout-gateway AND TARGET lookout-stats)
  # The lookout binary through a gateway serving TLS (tests/e2e/cli_tls_e2e_test.sh).
  add_test(NAME e2e.cli_tls COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/cli_tls_e2e_test.sh)
  set_tests_properties(e2e.cli_tls PROPERTIES
    LABELS e2e TIMEOUT 300
    ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")
endif()
if(TARGET lookout AND TARGET lookout-gateway)
  # scripts/run.sh loads the demo dataset, idempotently (tests/e2e/cli_run_sh_demo_test.sh).
  add_test(NAME e2e.cli_run_sh_demo COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/cli_run_sh_demo_test.sh)
  set_tests_properties(e2e.cli_run_sh_demo PROPERTIES
    LABELS e2e TIMEOUT 300
    ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")
endif()
if(TARGET lookout AND TARGET lookout-gateway AND TARGET lookout_test_postgres)
  # LOOKOUT_STORE=postgres scripts/run.sh: its own PostgreSQL server, the demo served, nothing
  # left running after stop; and LOOKOUT_DATABASE_URL naming an existing server
  # (tests/e2e/cli_run_sh_postgres_demo_test.sh).
  add_test(NAME e2e.cli_run_sh_postgres_demo
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/cli_run_sh_postgres_demo_test.sh)
  set_tests_properties(e2e.cli_run_sh_postgres_demo PROPERTIES
    LABELS e2e TIMEOUT 300
    ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")
endif()
if(TARGET lookout_cli_testing AND TARGET lookout-event AND TARGET lookout-actor)
  # Import then export in each source's own format: every column back (tests/fixtures/REAL_DATA.md).
  lookout_test(cli_source_round_trip_test LABEL integration
    SOURCES integration/cli_source_round_trip_test.cc
    LIBS lookout_cli_testing)
  target_compile_definitions(cli_source_round_trip_test PRIVATE
    LOOKOUT_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures"
    LOOKOUT_BIN_DIR="${CMAKE_BINARY_DIR}/services")
  add_dependencies(cli_source_round_trip_test lookout-event lookout-actor)
endif()
