# The dashboard in headless Chromium (playwright-core, /usr/bin/chromium) against scripts/run.sh
# with the Haiti demo: numbers equal the HTTP API's, a new event shows within two seconds, bad
# key and server down are shown; screenshots in <build>/test-artifacts/dashboard.
if(TARGET dashboard AND TARGET lookout-gateway AND TARGET lookout)
  add_test(NAME e2e.dashboard_browser
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/dashboard_browser_test.sh)
  set_tests_properties(e2e.dashboard_browser PROPERTIES
    LABELS e2e TIMEOUT 300
    ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")
endif()
