#!/usr/bin/env bash
# Tests deploy/scripts/create-secrets.sh against a stand-in cluster: a fake kubectl that keeps
# namespaces and Secrets as files and hands everything offline (create --dry-run, label --local)
# to the real kubectl. Checks what the deployment guide promises: first run creates the namespace
# and every Secret, prod insists on TLS, keys are stored as hashes that match the keys printed,
# a second run changes nothing, --rotate-token replaces only the token, bad key lines are refused.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT=$ROOT/deploy/scripts/create-secrets.sh
REAL_KUBECTL=$(command -v kubectl) || { echo "SKIP: kubectl not found"; exit 77; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

mkdir -p "$WORK/bin"
cat >"$WORK/bin/kubectl" <<EOF
#!/usr/bin/env bash
# Fake cluster state under \$FAKE_STATE; offline subcommands go to the real kubectl.
state=\$FAKE_STATE
args=("\$@")
ns=default
for ((i = 0; i < \${#args[@]}; i++)); do
  case "\${args[i]}" in -n | --namespace) ns=\${args[i + 1]} ;; esac
done
case " \$* " in
  *" --dry-run=client "* | *" label --local "*) exec "$REAL_KUBECTL" "\$@" ;;
  *" get secret "*) name=\${*: -1}; [ -f "\$state/secret.\$ns.\$name" ] ;;
  *" get namespace "*) [ -f "\$state/namespace.\$2" ] || [ -f "\$state/namespace.\${*: -1}" ] ;;
  *" create namespace "*) touch "\$state/namespace.\${*: -1}" ;;
  *" apply "*)
    file=\${*: -1}
    kind=\$(sed -n 's/^kind: //p' "\$file" | head -1)
    name=\$(sed -n 's/^  name: //p' "\$file" | head -1)
    if [ "\$kind" = Namespace ]; then
      touch "\$state/namespace.\$name"
    else
      nsn=\$(sed -n 's/^  namespace: //p' "\$file" | head -1)
      cp "\$file" "\$state/secret.\$nsn.\$name"
    fi
    echo "\$kind/\$name \$*" >>"\$state/applied"
    ;;
  *) echo "fake kubectl: unexpected: \$*" >&2; exit 1 ;;
esac
EOF
chmod +x "$WORK/bin/kubectl"
export FAKE_STATE=$WORK/state
mkdir -p "$FAKE_STATE"
run() { PATH=$WORK/bin:$PATH "$SCRIPT" "$@"; }
secret_value() {  # secret_value NAMESPACE NAME KEY
  sed -n "s/^  $3: //p" "$FAKE_STATE/secret.$1.$2" | base64 -d
}

# Prod needs keys and a certificate before anything is applied.
out=$(run --overlay prod 2>&1) && bad "prod without keys succeeded" ||
  { grep -q "new-key" <<<"$out" && ok "prod without keys is refused, naming --new-key" || bad "message: $out"; }
out=$(run --overlay prod --new-key ops:ADMIN 2>&1) && bad "prod without TLS succeeded" ||
  { grep -q "tls-cert" <<<"$out" && ok "prod without a certificate is refused" || bad "message: $out"; }
out=$(run --overlay small --new-key ops:ADMIN 2>&1) && bad "small without TLS succeeded" ||
  { grep -q "small overlay serves TLS" <<<"$out" && ok "small (TLS too) without a certificate is refused" ||
    bad "message: $out"; }
[ ! -e "$FAKE_STATE/applied" ] && ok "nothing applied by refused runs" || bad "refused runs applied something"

# First real run.
run --overlay prod --new-key ops:ADMIN --new-key ci:READER --new-keys-out "$WORK/keys.env" \
  --self-signed-tls lookout.example.com >"$WORK/out" 2>&1 || bad "first run failed: $(cat "$WORK/out")"
[ -f "$FAKE_STATE/namespace.lookout" ] && ok "the lookout namespace is created" || bad "no namespace"
for s in lookout-internal-token lookout-gateway-api-keys lookout-gateway-tls; do
  [ -f "$FAKE_STATE/secret.lookout.$s" ] && ok "Secret $s created in lookout" || bad "Secret $s missing"
done
grep -q -- "--server-side" "$FAKE_STATE/applied" && ok "Secrets are applied server-side" ||
  bad "client-side apply (values would be copied into an annotation)"
token=$(secret_value lookout lookout-internal-token token)
[[ $token =~ ^[0-9a-f]{64}$ ]] && ok "the internal token is 32 random bytes in hex" || bad "token: $token"
keys=$(secret_value lookout lookout-gateway-api-keys api-keys)
ops_key=$(sed -n 's/^ops=//p' "$WORK/keys.env")
ops_hash=$(printf '%s' "$ops_key" | sha256sum | cut -d' ' -f1)
grep -qx "ops ADMIN $ops_hash" <<<"$keys" && ok "the keys file holds ops's SHA-256, role ADMIN" ||
  bad "keys file: $keys"
grep -q "$ops_key" <<<"$keys" && bad "a key in clear is stored" || ok "no key in clear in the Secret"
grep -q "$ops_key" "$WORK/out" && ok "the new key is shown once to the operator" || bad "key not shown"
[ "$(stat -c %a "$WORK/keys.env")" = 600 ] && ok "--new-keys-out is readable only by its owner" ||
  bad "keys.env mode $(stat -c %a "$WORK/keys.env")"

# Again with no options: nothing changes.
applied_before=$(wc -l <"$FAKE_STATE/applied")
run --overlay prod >"$WORK/out" 2>&1 || bad "second run failed: $(cat "$WORK/out")"
[ "$(wc -l <"$FAKE_STATE/applied")" = "$applied_before" ] && ok "a second run changes nothing" ||
  bad "second run applied: $(tail -n +$((applied_before + 1)) "$FAKE_STATE/applied")"
[ "$(secret_value lookout lookout-internal-token token)" = "$token" ] && ok "the token is kept" ||
  bad "token changed"

# Rotation replaces the token only.
run --overlay prod --rotate-token >"$WORK/out" 2>&1 || bad "rotation failed: $(cat "$WORK/out")"
new_token=$(secret_value lookout lookout-internal-token token)
[ "$new_token" != "$token" ] && [[ $new_token =~ ^[0-9a-f]{64}$ ]] && ok "--rotate-token makes a new token" ||
  bad "token not rotated"
[ "$(secret_value lookout lookout-gateway-api-keys api-keys)" = "$keys" ] && ok "rotation leaves the keys" ||
  bad "keys changed by rotation"

# A keys file with a key in clear instead of a hash is refused, naming the line.
printf '# name role sha256\nops ADMIN %s\nalice READER lk_0123456789abcdef\n' "$ops_hash" >"$WORK/bad-keys"
out=$(run --overlay dev --keys-file "$WORK/bad-keys" 2>&1) && bad "a clear key was accepted" ||
  { grep -q "bad-keys:3" <<<"$out" && ok "a key file line without a hash is refused (line 3)" || bad "message: $out"; }
printf '# name role sha256 [rate:burst] [import=rows:burst]\nops ADMIN %s 20:40\nloader EDITOR %s import=5000:50000\n' \
  "$ops_hash" "$(printf loader | sha256sum | cut -d' ' -f1)" >"$WORK/good-keys"
run --overlay dev --keys-file "$WORK/good-keys" >"$WORK/out" 2>&1 && ok "dev needs no certificate" ||
  bad "dev run failed: $(cat "$WORK/out")"
[ -f "$FAKE_STATE/secret.lookout-dev.lookout-gateway-api-keys" ] && [ ! -f "$FAKE_STATE/secret.lookout-dev.lookout-gateway-tls" ] &&
  ok "dev Secrets go to lookout-dev, without TLS" || bad "dev Secrets misplaced"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
