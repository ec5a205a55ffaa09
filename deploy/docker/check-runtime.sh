#!/usr/bin/env bash
# Checks what deploy/docker/build.sh staged for runtime images, one staging directory per
# service (OUT/<service>), so a missing shared library fails CI instead of a pod at start-up:
#
#   1. runtime-files.txt lists exactly the files and symlinks of rootfs/ (what the Dockerfile copies);
#   2. the binary usr/local/bin/lookout-<service> and the entrypoint symlink are there;
#   3. the program interpreter the binary asks for is there;
#   4. with only rootfs's library directories on the library path, ldd resolves every library the
#      binary needs, directly or through other libraries, to a staged file: nothing "not found",
#      nothing taken from the host; likewise for every other command in usr/local/bin (the
#      stores' lookout-backup);
#   5. every staged library is one these binaries need (nothing extra in the image);
#   6. when run as root: each of them starts inside a chroot of rootfs as user 65532 (the loader
#      finds everything in the image's own filesystem) and prints its flags.
#
#   deploy/docker/check-runtime.sh OUT/gateway OUT/event ...
set -uo pipefail

failures=0
fail() { echo "check-runtime: FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "check-runtime: ok: $*"; }

is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

check_stage() {
  local stage service rootfs list binary interp libpath line path name
  stage=$(cd "$1" 2>/dev/null && pwd) || { fail "$1: no such directory"; return; }
  service=$(basename "$stage")
  rootfs=$stage/rootfs
  list=$stage/runtime-files.txt
  binary=/usr/local/bin/lookout-$service
  if [ ! -d "$rootfs" ] || [ ! -f "$list" ]; then
    fail "$service: $rootfs or $list is missing (run deploy/docker/build.sh)"
    return
  fi

  # 1. The list and the tree agree.
  local actual
  actual=$(cd "$rootfs" && find . \( -type f -o -type l \) -printf '/%P\n' | LC_ALL=C sort)
  if diff <(LC_ALL=C sort "$list") <(echo "$actual") >/dev/null; then
    ok "$service: runtime-files.txt matches rootfs ($(wc -l <"$list") files)"
  else
    fail "$service: runtime-files.txt and rootfs differ (< listed only, > present only):"
    diff <(LC_ALL=C sort "$list") <(echo "$actual") | grep '^[<>]' >&2
  fi

  # 2. The binary and the entrypoint.
  if [ -x "$rootfs$binary" ] && is_elf "$rootfs$binary"; then
    ok "$service: $binary present"
  else
    fail "$service: $binary missing or not an executable ELF file"
    return
  fi
  if [ "$(readlink "$rootfs/usr/local/bin/lookout-service")" = "lookout-$service" ]; then
    ok "$service: entrypoint /usr/local/bin/lookout-service -> lookout-$service"
  else
    fail "$service: /usr/local/bin/lookout-service is not a symlink to lookout-$service"
  fi

  # 3. The dynamic loader.
  interp=$(readelf -l "$rootfs$binary" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
  if [ -n "$interp" ] && [ -f "$rootfs$interp" ]; then
    ok "$service: interpreter $interp present"
  else
    fail "$service: interpreter '$interp' not staged"
  fi

  # 4. Every library resolves to a staged file. The library path holds only rootfs's own
  # library directories; a library resolved anywhere else would be missing in the image. ldd
  # lists the whole closure (libraries of libraries too).
  libpath=$(cd "$rootfs" && find . -name '*.so*' -type f -printf '%h\n' | sort -u |
    sed "s#^\.#$rootfs#" | paste -sd:)
  local needed="" program programs=("$binary")
  local pattern='^[[:space:]]*([^[:space:]]+) => (/[^[:space:]]+) '
  # The other commands the image carries (regular files; the entrypoint is a symlink).
  while IFS= read -r program; do
    [ "$program" = "$binary" ] || programs+=("$program")
  done < <(cd "$rootfs" && find usr/local/bin -maxdepth 1 -type f -printf '/%p\n' | LC_ALL=C sort)
  for program in "${programs[@]}"; do
    local missing=0 resolved=0
    while IFS= read -r line; do
      if [[ $line == *"not found"* ]]; then
        fail "$service: $program needs $(sed 's/^[[:space:]]*//; s/ .*//' <<<"$line"), not staged"
        missing=1
      elif [[ $line =~ $pattern ]]; then
        name=${BASH_REMATCH[1]}
        path=${BASH_REMATCH[2]}
        resolved=$((resolved + 1))
        if [[ $path != "$rootfs"/* ]]; then
          fail "$service: $program needs $name, found only on the host at $path"
          missing=1
        fi
        needed+="$name"$'\n'
      fi
    done < <(env -i LD_LIBRARY_PATH="$libpath" ldd "$rootfs$program" 2>&1)
    if [ "$missing" = 0 ] && [ "$resolved" -gt 0 ]; then
      ok "$service: ldd finds all $resolved libraries of $program among the staged files"
    elif [ "$resolved" = 0 ]; then
      fail "$service: ldd resolved no library of $program at all"
    fi
  done

  # 5. Nothing extra.
  local staged extra
  staged=$(grep -E '\.so(\.|$)' "$list" | grep -vxF "$interp" | sed 's#.*/##' | LC_ALL=C sort)
  extra=$(comm -23 <(echo "$staged") <(echo -n "$needed" | LC_ALL=C sort -u))
  if [ -z "$extra" ]; then
    ok "$service: every staged library is needed ($(echo "$staged" | grep -c .) libraries)"
  else
    fail "$service: staged but not needed: $(echo $extra)"
  fi

  # 6. It starts in its own filesystem, as the unprivileged image user.
  local chroot_bin
  chroot_bin=$(command -v chroot || true)
  if [ "$(id -u)" = 0 ] && [ -n "$chroot_bin" ]; then
    local output status
    output=$(env -i "$chroot_bin" --userspec=65532:65532 "$rootfs" "$binary" --helpfull 2>&1)
    status=$?
    if grep -q -- '--port' <<<"$output"; then
      ok "$service: starts in a chroot of rootfs as uid 65532 (--helpfull, exit $status)"
    else
      fail "$service: does not start in a chroot of rootfs (exit $status): $(head -c 300 <<<"$output")"
    fi
    for program in "${programs[@]:1}"; do
      output=$(env -i "$chroot_bin" --userspec=65532:65532 "$rootfs" "$program" --helpfull 2>&1)
      status=$?
      if grep -q -- 'Flags from' <<<"$output"; then
        ok "$service: $program starts in a chroot of rootfs as uid 65532 (exit $status)"
      else
        fail "$service: $program does not start in a chroot of rootfs (exit $status): $(head -c 300 <<<"$output")"
      fi
    done
  else
    echo "check-runtime: note: $service: not root, chroot start-up check skipped"
  fi
}

(($#)) || { echo "usage: $0 STAGE_DIR..." >&2; exit 2; }
for stage in "$@"; do check_stage "$stage"; done
if ((failures)); then
  echo "check-runtime: $failures problem(s)" >&2
  exit 1
fi
echo "check-runtime: all staged runtimes complete"
