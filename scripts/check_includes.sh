#!/usr/bin/env bash
# Services meet only through protobuf contracts: no file in one service's folder includes a file
# of another service, or links another service's library; shared code lives in common/ and
# event_filter/, which include no service at all, and neither do the cli/ client and the
# tools/ commands.
#   scripts/check_includes.sh [ROOT]     exits 1 and names each offending line
set -euo pipefail
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT"

failures=0
report() {
  echo "check_includes: $1" >&2
  failures=$((failures + 1))
}

# "services/<name>/..." in an #include, with quotes or angle brackets, any spacing.
included_services() {
  grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]services/[^/">]+/' "$@" || true
}

sources() {
  find "$@" -type f \( -name '*.h' -o -name '*.cc' -o -name '*.cpp' -o -name '*.hpp' \) \
    2>/dev/null | sort
}

for dir in services/*/; do
  service=$(basename "$dir")
  mapfile -t files < <(sources "$dir")
  [ ${#files[@]} -eq 0 ] && continue
  while IFS= read -r hit; do
    [ -z "$hit" ] && continue
    target=$(sed -E 's/.*["<]services\/([^/">]+)\/.*/\1/' <<<"$hit")
    if [ "$target" != "$service" ]; then
      report "$hit: services/$service includes a file of services/$target"
    fi
  done < <(included_services "${files[@]}")
  # Linking another service's library would bring its code in without an include.
  for cmake in $(find "$dir" -name CMakeLists.txt -o -name '*.cmake' | sort); do
    while IFS= read -r hit; do
      [ -z "$hit" ] && continue
      target=$(sed -E 's/.*\b([a-z]+)_service_lib\b.*/\1/' <<<"$hit")
      if [ "$target" != "$service" ]; then
        report "$hit: services/$service links ${target}_service_lib"
      fi
    done < <(grep -HnE '\b[a-z]+_service_lib\b' "$cmake" | grep -v '^[^:]*:[0-9]*:[[:space:]]*#' || true)
  done
done

# Shared code, the client and the operator commands include no service.
for dir in common event_filter cli tools; do
  [ -d "$dir" ] || continue
  mapfile -t files < <(sources "$dir")
  [ ${#files[@]} -eq 0 ] && continue
  while IFS= read -r hit; do
    [ -z "$hit" ] && continue
    report "$hit: $dir/ must not include a service's files"
  done < <(included_services "${files[@]}")
done

if [ "$failures" -gt 0 ]; then
  echo "check_includes: $failures cross-service include(s) or link(s); share through a proto," \
    "common/ or event_filter/ instead" >&2
  exit 1
fi
echo "check_includes: no service includes another's files"
