#!/usr/bin/env bash
# scripts/check_includes.sh on small trees: it passes a clean one and fails (naming the line)
# each way a service can reach into another: a quoted or angled include, a shared folder
# including a service, and a CMake link to another service's library.
set -euo pipefail
CHECK="$(cd "$(dirname "$0")/../.." && pwd)/scripts/check_includes.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

tree() {
  rm -rf "$TMP/root"
  mkdir -p "$TMP/root/services/event" "$TMP/root/services/stats" "$TMP/root/common" \
    "$TMP/root/event_filter" "$TMP/root/cli"
  printf '#include "services/event/event_store.h"\n#include "event_filter/matcher.h"\n' \
    >"$TMP/root/services/event/event_manager.cc"
  printf '#include "services/stats/read_model.h"\n#include "event_filter/matcher.h"\n' \
    >"$TMP/root/services/stats/compiled_filter.cc"
  printf 'target_link_libraries(stats_service_lib PUBLIC lookout_event_filter)\n' \
    >"$TMP/root/services/stats/CMakeLists.txt"
  printf '#include "common/errors.h"\n' >"$TMP/root/event_filter/matcher.cc"
}

expect_fail() {
  local what=$1 needle=$2
  if "$CHECK" "$TMP/root" >"$TMP/out" 2>&1; then
    echo "FAIL: $what passed the check" >&2
    exit 1
  fi
  grep -qF "$needle" "$TMP/out" || { echo "FAIL: $what: output lacks '$needle'" >&2; cat "$TMP/out" >&2; exit 1; }
  echo "ok: $what is refused"
}

tree
"$CHECK" "$TMP/root" >/dev/null || { echo "FAIL: a clean tree was refused" >&2; exit 1; }
echo "ok: a clean tree passes"

tree
echo '#include "services/event/event_validation.h"' >>"$TMP/root/services/stats/compiled_filter.cc"
expect_fail "stats including event" "services/stats includes a file of services/event"

tree
echo '# include <services/stats/grouping.h>' >"$TMP/root/services/event/x.h"
expect_fail "an angled, spaced include" "services/event includes a file of services/stats"

tree
echo '#include "services/event/event_taxonomy.h"' >>"$TMP/root/event_filter/matcher.cc"
expect_fail "event_filter including a service" "event_filter/ must not include"

tree
echo '#include "services/stats/grouping.h"' >"$TMP/root/cli/main.cc"
expect_fail "the client including a service" "cli/ must not include"

tree
mkdir -p "$TMP/root/tools"
echo '#include "services/event/sqlite_event_store.h"' >"$TMP/root/tools/lookout_backup.cc"
expect_fail "an operator command including a service" "tools/ must not include"

tree
echo 'target_link_libraries(stats_service_lib PUBLIC event_service_lib)' \
  >>"$TMP/root/services/stats/CMakeLists.txt"
expect_fail "stats linking event_service_lib" "services/stats links event_service_lib"
