# Helpers for the end-to-end tests: a private var/ dir, free ports, buf curl calls.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUF=$ROOT/node_modules/.bin/buf
PASSED=0
FAILED=0

source "$(dirname "${BASH_SOURCE[0]}")/free_port.sh"

fail() { echo "FAIL: $*" >&2; FAILED=$((FAILED + 1)); }
pass() { echo "ok: $*"; PASSED=$((PASSED + 1)); }
expect_eq() { if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: expected [$2], got [$1]"; fi; }

# call PORT Service/Method JSON [extra buf args...]: prints the response; exit status is buf's
# (8 x the gRPC code).
call() {
  local port=$1 method=$2 data=$3
  shift 3
  "$BUF" curl --protocol grpc --http2-prior-knowledge --timeout 10s \
    -H "x-lookout-internal-token: $LOOKOUT_INTERNAL_TOKEN" "$@" \
    --data "$data" "http://127.0.0.1:$port/$method"
}

json_field() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
