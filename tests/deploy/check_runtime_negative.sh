#!/usr/bin/env bash
# Proves deploy/docker/check-runtime.sh fails when a staged runtime is incomplete or padded: each
# case breaks a copy of one staged service (from build.sh) and expects its specific complaint.
#   tests/deploy/check_runtime_negative.sh STAGE_ROOT   (e.g. build/deploy-stage)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHECK=$ROOT/deploy/docker/check-runtime.sh
STAGE_ROOT=${1:?usage: $0 STAGE_ROOT}
service=""
for s in gateway event actor stats; do
  [ -f "$STAGE_ROOT/$s/runtime-files.txt" ] && { service=$s; break; }
done
[ -n "$service" ] || { echo "FAIL: nothing staged in $STAGE_ROOT (run deploy/docker/build.sh)"; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

# expect_failure NAME MESSAGE SETUP...: copies the stage, runs SETUP on it, expects a failing
# check whose output contains MESSAGE.
expect_failure() {
  local name=$1 message=$2 dir=$WORK/$1/$service
  shift 2
  mkdir -p "$WORK/$name" && cp -a "$STAGE_ROOT/$service" "$dir"
  (cd "$dir" && "$@") || { echo "FAIL: $name: setup failed"; failed=$((failed + 1)); return; }
  local output status
  output=$("$CHECK" "$dir" 2>&1)
  status=$?
  if [ "$status" -ne 0 ] && grep -qF -- "$message" <<<"$output"; then
    echo "ok: $name: check-runtime fails with \"$message\""
    passed=$((passed + 1))
  else
    echo "FAIL: $name: expected a failure mentioning \"$message\" (exit $status):"
    echo "$output" | sed 's/^/  /'
    failed=$((failed + 1))
  fi
}

# A library removed from the tree and from the list: only the ldd check can notice.
drop_library() {
  local lib
  lib=$(grep -m1 'libgrpc++\.so' runtime-files.txt || grep -m1 '/usr/lib/.*\.so' runtime-files.txt)
  rm "rootfs$lib" && grep -vxF "$lib" runtime-files.txt >list && mv list runtime-files.txt
}
# A host library the binary does not need, added to the tree and the list.
add_library() {
  local candidate
  for candidate in libutil.so.1 libanl.so.1 libBrokenLocale.so.1 libnsl.so.2; do
    local host=/lib/$(gcc -print-multiarch)/$candidate
    if [ -f "$host" ] && ! grep -q "/$candidate\$" runtime-files.txt; then
      cp -L "$host" "rootfs/usr/lib/$(gcc -print-multiarch)/$candidate"
      echo "/usr/lib/$(gcc -print-multiarch)/$candidate" >>runtime-files.txt
      return 0
    fi
  done
  return 1
}
unlisted_file() { echo x >rootfs/usr/local/bin/stray; }
# A second command (as the stores carry lookout-backup) needing a library nothing staged: the
# host's sqlite3 shell, which needs libreadline.
command_missing_library() {
  cp /usr/bin/sqlite3 rootfs/usr/local/bin/sqlite3 && echo /usr/local/bin/sqlite3 >>runtime-files.txt &&
    LC_ALL=C sort -o runtime-files.txt runtime-files.txt
}
drop_interpreter() {
  local interp
  interp=$(grep -m1 '/ld-linux' runtime-files.txt)
  rm "rootfs$interp" && grep -vxF "$interp" runtime-files.txt >list && mv list runtime-files.txt
}

"$CHECK" "$STAGE_ROOT/$service" >/dev/null 2>&1 &&
  { echo "ok: the unbroken $service stage passes"; passed=$((passed + 1)); } ||
  { echo "FAIL: the unbroken $service stage does not pass"; failed=$((failed + 1)); }
expect_failure missing-library "found only on the host" drop_library
expect_failure extra-library "staged but not needed" add_library
expect_failure unlisted-file "runtime-files.txt and rootfs differ" unlisted_file
expect_failure missing-interpreter "interpreter" drop_interpreter
expect_failure command-missing-library "/usr/local/bin/sqlite3 needs libreadline" command_missing_library
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
