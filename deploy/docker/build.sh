#!/usr/bin/env bash
# Builds the Lookout service binaries and stages, for each service, the exact files its runtime
# image holds: the stripped binary, the dynamic loader and every shared library the loader
# resolves for it, nothing else. deploy/docker/Dockerfile runs this in its builder stage; CI runs
# it outside Docker (a Docker engine is not available there) followed by check-runtime.sh.
#
#   deploy/docker/build.sh [options] [SERVICE...]
#
# SERVICE is gateway, event, actor or stats; by default every service whose services/<name>/main.cc
# exists. Options:
#   --build-dir DIR   CMake build tree (default: $LOOKOUT_BUILD_DIR or build); configured with
#                     Ninja if it has no build.ninja yet
#   --out DIR         staging root (default: <build-dir>/deploy-stage)
#   --jobs N          ninja parallelism (default: $LOOKOUT_BUILD_JOBS or nproc)
#   --skip-build      stage what the build tree already holds (for CI, after scripts/setup.sh built
#                     everything; avoids a second ninja on a shared build tree)
#   --no-check        do not run check-runtime.sh on the result
#
# Result, per service:
#   OUT/<service>/rootfs/                 the image's filesystem (Dockerfile: COPY rootfs/ /)
#     usr/local/bin/lookout-<service>     the binary, stripped
#     usr/local/bin/lookout-service       symlink to it (the image's entrypoint)
#     usr/local/bin/lookout-backup        event, actor and stats only: the online backup of their
#                                         SQLite file, for kubectl exec (README.md, "Backup and
#                                         restore")
#     <interpreter path>                  e.g. lib64/ld-linux-x86-64.so.2
#     usr/lib/<multiarch>/<soname>        one file per library, under the name the loader looks for
#   OUT/<service>/runtime-files.txt       every file and symlink of rootfs, one absolute path per line
#   OUT/empty/                            an empty directory (the image's writable data directory)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/deploy/docker
ALL_SERVICES=(gateway event actor stats)

die() { echo "build.sh: $*" >&2; exit 1; }

BUILD_DIR=${LOOKOUT_BUILD_DIR:-build}
OUT=""
JOBS=${LOOKOUT_BUILD_JOBS:-$(nproc)}
SKIP_BUILD=0
CHECK=1
SERVICES=()
while (($#)); do
  case "$1" in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --no-check) CHECK=0; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) SERVICES+=("$1"); shift ;;
  esac
done
[[ $BUILD_DIR = /* ]] || BUILD_DIR=$ROOT/$BUILD_DIR
OUT=${OUT:-$BUILD_DIR/deploy-stage}
[[ $OUT = /* ]] || OUT=$PWD/$OUT

if ((${#SERVICES[@]} == 0)); then
  for service in "${ALL_SERVICES[@]}"; do
    [ -f "$ROOT/services/$service/main.cc" ] && SERVICES+=("$service")
  done
  ((${#SERVICES[@]})) || die "no service has a services/<name>/main.cc yet"
fi
for service in "${SERVICES[@]}"; do
  [[ " ${ALL_SERVICES[*]} " == *" $service "* ]] || die "unknown service '$service' (one of: ${ALL_SERVICES[*]})"
done

binary_of() { echo "$BUILD_DIR/services/$1/lookout-$1"; }
# The commands an image carries besides its service: the stores' images carry lookout-backup.
tools_of() { case "$1" in event | actor | stats) echo lookout-backup ;; esac; }
tool_binary() { echo "$BUILD_DIR/tools/$1"; }

# --- build ---------------------------------------------------------------------------------------
if [ "$SKIP_BUILD" = 0 ]; then
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${LOOKOUT_BUILD_TYPE:-RelWithDebInfo}"
  fi
  targets=()
  for service in "${SERVICES[@]}"; do targets+=("lookout-$service" $(tools_of "$service")); done
  mapfile -t targets < <(printf '%s\n' "${targets[@]}" | awk '!seen[$0]++')
  echo "build.sh: building ${targets[*]} (ninja -j$JOBS)"
  ninja -C "$BUILD_DIR" -j"$JOBS" "${targets[@]}"
fi

# --- stage ---------------------------------------------------------------------------------------
# Libraries go where the loader searches without an ld.so.cache: /usr/lib/<multiarch>.
MULTIARCH=$(${CXX:-g++} -print-multiarch 2>/dev/null || true)
[ -n "$MULTIARCH" ] || MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || true)
[ -n "$MULTIARCH" ] || die "cannot tell the multiarch library directory (no g++ -print-multiarch)"
LIB_DIR=/usr/lib/$MULTIARCH

interpreter_of() {
  readelf -l "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p'
}

stage_service() {
  local service=$1 binary stage rootfs interp line name path tool
  binary=$(binary_of "$service")
  [ -x "$binary" ] || die "$binary is missing: build target lookout-$service first"
  local binaries=("$binary")
  for tool in $(tools_of "$service"); do
    [ -x "$(tool_binary "$tool")" ] || die "$(tool_binary "$tool") is missing: build target $tool first"
    binaries+=("$(tool_binary "$tool")")
  done
  stage=$OUT/$service
  rootfs=$stage/rootfs
  rm -rf "$stage"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs$LIB_DIR"

  # The debug information stays in the build tree; the image gets the stripped binary.
  strip --strip-unneeded -o "$rootfs/usr/local/bin/lookout-$service" "$binary"
  chmod 0755 "$rootfs/usr/local/bin/lookout-$service"
  ln -s "lookout-$service" "$rootfs/usr/local/bin/lookout-service"
  for tool in $(tools_of "$service"); do
    strip --strip-unneeded -o "$rootfs/usr/local/bin/$tool" "$(tool_binary "$tool")"
    chmod 0755 "$rootfs/usr/local/bin/$tool"
  done

  interp=$(interpreter_of "$binary")
  [ -n "$interp" ] || die "$binary has no program interpreter (static binaries are not expected)"
  mkdir -p "$rootfs$(dirname "$interp")"
  cp -L "$interp" "$rootfs$interp"

  # ldd lists the whole closure (libraries of libraries too) as the loader resolves it here, on
  # the same Debian release as the runtime image.
  local pattern='^[[:space:]]*([^[:space:]]+) => (/[^[:space:]]+) '
  while IFS= read -r line; do
    if [[ $line == *"=> not found"* ]]; then
      die "lookout-$service: needs a library this machine lacks: ${line//[[:space:]]/ }"
    elif [[ $line =~ $pattern ]]; then
      name=${BASH_REMATCH[1]}
      path=${BASH_REMATCH[2]}
      cp -L "$path" "$rootfs$LIB_DIR/$name"
      chmod 0644 "$rootfs$LIB_DIR/$name"
    fi  # otherwise linux-vdso (in the kernel) or the interpreter line (staged above)
  done < <(for b in "${binaries[@]}"; do ldd "$b"; done)

  (cd "$rootfs" && find . \( -type f -o -type l \) -printf '/%P\n' | LC_ALL=C sort) \
    >"$stage/runtime-files.txt"
  echo "build.sh: staged lookout-$service: $(wc -l <"$stage/runtime-files.txt") files," \
    "$(du -sh "$rootfs" | cut -f1) in $rootfs"
}

mkdir -p "$OUT/empty"
for service in "${SERVICES[@]}"; do stage_service "$service"; done

if [ "$CHECK" = 1 ]; then
  stages=()
  for service in "${SERVICES[@]}"; do stages+=("$OUT/$service"); done
  "$HERE/check-runtime.sh" "${stages[@]}"
fi
