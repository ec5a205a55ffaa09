# Deployment checks (deploy/): no cluster and no Docker engine needed. Label "deploy" selects
# them all; the manifest checks are also "unit", the end-to-end runs also "e2e".
# Python is Debian's (/usr/bin/python3: python3-yaml, python3-jsonschema); exit 77 means skipped
# (kubectl missing).
set(LOOKOUT_DEPLOY_PYTHON /usr/bin/python3)

# Render every overlay (dev, small, prod on PostgreSQL, and with the optional components) with
# kubectl kustomize; validate against the 1.32 strict schemas and the CloudNativePG schemas in
# tests/deploy/schemas/crds; policy (replicas, disruption budgets, database network paths).
add_test(NAME deploy.manifests
  COMMAND ${LOOKOUT_DEPLOY_PYTHON} ${PROJECT_SOURCE_DIR}/tests/deploy/check_manifests.py overlays)
# Every negative fixture fails exactly the check it names; the good ones pass.
add_test(NAME deploy.policy_fixtures
  COMMAND ${LOOKOUT_DEPLOY_PYTHON} ${PROJECT_SOURCE_DIR}/tests/deploy/check_manifests.py fixtures)
# The documented command that creates the Secrets, against a stand-in kubectl.
add_test(NAME deploy.create_secrets
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/deploy/create_secrets_test.sh)
set_tests_properties(deploy.manifests deploy.policy_fixtures deploy.create_secrets PROPERTIES
  LABELS "deploy;unit" TIMEOUT 120 SKIP_RETURN_CODE 77)

# The runtime images' file lists: deploy/docker/build.sh stages each built service's binary and
# shared libraries as the Dockerfile copies them, then check-runtime.sh proves ldd finds every
# library among the staged files. --skip-build: scripts/setup.sh has built the binaries already,
# and a second ninja must not run on the same tree while tests run.
add_test(NAME deploy.runtime_files
  COMMAND bash ${PROJECT_SOURCE_DIR}/deploy/docker/build.sh --skip-build
    --build-dir ${CMAKE_BINARY_DIR} --out ${CMAKE_BINARY_DIR}/deploy-stage)
# check-runtime.sh fails on a stage missing a library or its loader, or holding extra files.
add_test(NAME deploy.runtime_files_negative
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/deploy/check_runtime_negative.sh
    ${CMAKE_BINARY_DIR}/deploy-stage)
set_tests_properties(deploy.runtime_files PROPERTIES
  LABELS "deploy;unit" TIMEOUT 300 FIXTURES_SETUP deploy_stage)
set_tests_properties(deploy.runtime_files_negative PROPERTIES
  LABELS "deploy;unit" TIMEOUT 300 FIXTURES_REQUIRED deploy_stage)
# The staged event, actor and stats images, each in a chroot as uid 65532, open their stores on
# the run's PostgreSQL server with the settings components/postgres gives (skipped unless root).
add_test(NAME deploy.runtime_postgres
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/deploy/runtime_postgres_test.sh
    ${CMAKE_BINARY_DIR}/deploy-stage ${LOOKOUT_TEST_POSTGRES_STATE})
set_tests_properties(deploy.runtime_postgres PROPERTIES
  LABELS "deploy;integration" TIMEOUT 300 SKIP_RETURN_CODE 77
  FIXTURES_REQUIRED "deploy_stage;postgres")

# The four binaries started with exactly the environment the rendered ConfigMaps and the Secrets
# from deploy/scripts/create-secrets.sh define; every probe and flag checked against them.
# dev and small (the SQLite layouts); prod needs a PostgreSQL server standing in for the
# operator's cluster and its Secrets (lookout-postgres-app, -ca), which the test does not make.
foreach(overlay dev small)
  add_test(NAME deploy.e2e_manifest_env_${overlay}
    COMMAND ${LOOKOUT_DEPLOY_PYTHON} ${PROJECT_SOURCE_DIR}/tests/e2e/deploy_manifest_env_test.py
      --overlay ${overlay} --build-dir ${CMAKE_BINARY_DIR})
  set_tests_properties(deploy.e2e_manifest_env_${overlay} PROPERTIES
    LABELS "deploy;e2e" TIMEOUT 300 SKIP_RETURN_CODE 77)
endforeach()

# The real binaries started by scripts/run.sh and scraped: every metric name the monitoring
# component's alerts and Grafana dashboard read is exported (deploy/k8s/components/monitoring).
add_test(NAME deploy.e2e_metrics_scrape
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/e2e/metrics_scrape_test.sh)
set_tests_properties(deploy.e2e_metrics_scrape PROPERTIES
  LABELS "deploy;e2e;metrics" TIMEOUT 300
  ENVIRONMENT "LOOKOUT_BUILD_DIR=${CMAKE_BINARY_DIR}")
