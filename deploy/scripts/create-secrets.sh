#!/usr/bin/env bash
# Creates or updates the Secrets Lookout's manifests read, so no secret value is ever committed:
#
#   lookout-internal-token    key "token": the shared secret the backends require from the
#                             gateway and the stats service (LOOKOUT_INTERNAL_TOKEN)
#   lookout-gateway-api-keys  key "api-keys": the gateway's keys file, one "name role sha256
#                             [rate:burst] [import=rows:burst]" line per key; hashes only,
#                             never a key in clear
#   lookout-gateway-tls       (prod, small) type kubernetes.io/tls: the gateway's public certificate
#
# Usage:
#   deploy/scripts/create-secrets.sh [--overlay prod|small|dev] [--namespace NS]
#       [--keys-file FILE] [--new-key NAME:ROLE]... [--new-keys-out FILE]
#       [--tls-cert FILE --tls-key FILE | --self-signed-tls HOSTNAME]
#       [--rotate-token] [--print]
#
#   --overlay        which overlay the Secrets are for (default prod): sets the namespace
#                    (lookout for prod and small, lookout-dev for dev) and whether TLS is
#                    required (prod and small)
#   --namespace      another namespace than the overlay's
#   --keys-file      an existing keys file (lines as above, e.g. made with the gateway's
#                    key command); replaces the keys in the cluster
#   --new-key        generate a key for NAME with ROLE (READER, EDITOR or ADMIN) and add its line;
#                    the key itself is shown once on stderr and never stored in the cluster
#   --new-keys-out   also write the generated keys as NAME=KEY lines to FILE (mode 600)
#   --tls-cert/key   PEM certificate (chain) and private key for the public port
#   --self-signed-tls  generate a self-signed certificate for HOSTNAME (trying out only)
#   --rotate-token   replace the internal token even if it exists (then restart every pod:
#                    kubectl -n NS rollout restart statefulset,deployment)
#   --print          print the Secret manifests instead of applying them (for a sealed-secrets
#                    or SOPS workflow; no cluster is contacted)
#
# Without --print it needs kubectl pointing at the cluster. Existing Secrets are kept unless new
# values are given: running it again with no options changes nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
die() { echo "create-secrets: $*" >&2; exit 1; }
note() { echo "create-secrets: $*" >&2; }

OVERLAY=prod
NAMESPACE=""
KEYS_FILE=""
NEW_KEYS=()
NEW_KEYS_OUT=""
TLS_CERT=""
TLS_KEY=""
SELF_SIGNED=""
ROTATE=0
PRINT=0
while (($#)); do
  case "$1" in
    --overlay) OVERLAY=$2; shift 2 ;;
    --namespace) NAMESPACE=$2; shift 2 ;;
    --keys-file) KEYS_FILE=$2; shift 2 ;;
    --new-key) NEW_KEYS+=("$2"); shift 2 ;;
    --new-keys-out) NEW_KEYS_OUT=$2; shift 2 ;;
    --tls-cert) TLS_CERT=$2; shift 2 ;;
    --tls-key) TLS_KEY=$2; shift 2 ;;
    --self-signed-tls) SELF_SIGNED=$2; shift 2 ;;
    --rotate-token) ROTATE=1; shift ;;
    --print) PRINT=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

case "$OVERLAY" in
  prod | small) NAMESPACE=${NAMESPACE:-lookout}; TLS_REQUIRED=1 ;;
  dev) NAMESPACE=${NAMESPACE:-lookout-dev}; TLS_REQUIRED=0 ;;
  *) die "--overlay must be prod, small or dev" ;;
esac
if [ -n "$TLS_CERT$TLS_KEY" ] && { [ -z "$TLS_CERT" ] || [ -z "$TLS_KEY" ]; }; then
  die "--tls-cert and --tls-key go together"
fi
[ -z "$SELF_SIGNED" ] || [ -z "$TLS_CERT" ] || die "--self-signed-tls or --tls-cert/--tls-key, not both"
command -v kubectl >/dev/null || die "kubectl is needed (it also renders the Secrets offline)"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
chmod 700 "$WORK"
umask 077

exists() {  # exists SECRET_NAME: true when the cluster already has it (never in --print mode)
  [ "$PRINT" = 0 ] && kubectl -n "$NAMESPACE" get secret "$1" >/dev/null 2>&1
}

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

labelled() {  # a Secret manifest on stdin, with Lookout's labels
  kubectl label --local -f - -o yaml app.kubernetes.io/part-of=lookout \
    app.kubernetes.io/managed-by=create-secrets
}

MANIFESTS=()
add_manifest() { MANIFESTS+=("$1"); }

# --- internal token ------------------------------------------------------------------------------
if exists lookout-internal-token && [ "$ROTATE" = 0 ]; then
  note "lookout-internal-token exists in $NAMESPACE: kept (--rotate-token replaces it)"
else
  random_hex 32 >"$WORK/token"
  kubectl create secret generic lookout-internal-token --namespace "$NAMESPACE" \
    --from-file=token="$WORK/token" --dry-run=client -o yaml | labelled >"$WORK/internal-token.yaml"
  add_manifest "$WORK/internal-token.yaml"
fi

# --- API keys ------------------------------------------------------------------------------------
valid_key_line() {  # name role sha256 [rate:burst] [import=rows:burst]
  local s='[[:space:]]'
  [[ $1 =~ ^$s*[A-Za-z0-9_.@-]+$s+(READER|EDITOR|ADMIN)$s+[0-9a-f]{64}($s+[0-9.]+:[0-9]+)?($s+import=[0-9.]+:[0-9]+)?$s*$ ]]
}

if [ -n "$KEYS_FILE" ] || ((${#NEW_KEYS[@]})); then
  : >"$WORK/api-keys"
  if [ -n "$KEYS_FILE" ]; then
    [ -r "$KEYS_FILE" ] || die "cannot read $KEYS_FILE"
    lineno=0
    while IFS= read -r line || [ -n "$line" ]; do
      lineno=$((lineno + 1))
      if [[ $line =~ ^[[:space:]]*(#.*)?$ ]] || valid_key_line "$line"; then
        printf '%s\n' "$line" >>"$WORK/api-keys"
      else
        die "$KEYS_FILE:$lineno: expected \"name ROLE sha256-hex [rate:burst] [import=rows:burst]\" (a hash, never a key)"
      fi
    done <"$KEYS_FILE"
  fi
  [ -z "$NEW_KEYS_OUT" ] || : >"$NEW_KEYS_OUT"
  for spec in "${NEW_KEYS[@]}"; do
    name=${spec%%:*}
    role=${spec#*:}
    [[ $spec == *:* && $name =~ ^[A-Za-z0-9_.@-]+$ && $role =~ ^(READER|EDITOR|ADMIN)$ ]] ||
      die "--new-key wants NAME:ROLE with ROLE one of READER, EDITOR, ADMIN (got $spec)"
    key=lk_$(random_hex 24)
    hash=$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)
    printf '%s %s %s\n' "$name" "$role" "$hash" >>"$WORK/api-keys"
    note "new $role key for $name (shown once, only its hash is stored): $key"
    [ -z "$NEW_KEYS_OUT" ] || printf '%s=%s\n' "$name" "$key" >>"$NEW_KEYS_OUT"
  done
  grep -q '^[[:space:]]*[^#[:space:]]' "$WORK/api-keys" || die "no API key given"
  kubectl create secret generic lookout-gateway-api-keys --namespace "$NAMESPACE" \
    --from-file=api-keys="$WORK/api-keys" --dry-run=client -o yaml | labelled >"$WORK/api-keys.yaml"
  add_manifest "$WORK/api-keys.yaml"
elif exists lookout-gateway-api-keys; then
  note "lookout-gateway-api-keys exists in $NAMESPACE: kept"
else
  die "lookout-gateway-api-keys does not exist yet: give --keys-file FILE or --new-key NAME:ROLE"
fi

# --- TLS -----------------------------------------------------------------------------------------
if [ -n "$SELF_SIGNED" ]; then
  command -v openssl >/dev/null || die "--self-signed-tls needs openssl"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
    -subj "/CN=$SELF_SIGNED" -addext "subjectAltName=DNS:$SELF_SIGNED,DNS:localhost,IP:127.0.0.1" \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null || die "openssl failed"
  TLS_CERT=$WORK/tls.crt
  TLS_KEY=$WORK/tls.key
  note "self-signed certificate for $SELF_SIGNED (for trying out; use a real one in production)"
fi
if [ -n "$TLS_CERT" ]; then
  kubectl create secret tls lookout-gateway-tls --namespace "$NAMESPACE" \
    --cert="$TLS_CERT" --key="$TLS_KEY" --dry-run=client -o yaml | labelled >"$WORK/tls.yaml"
  add_manifest "$WORK/tls.yaml"
elif [ "$TLS_REQUIRED" = 1 ] && ! exists lookout-gateway-tls; then
  die "the $OVERLAY overlay serves TLS: give --tls-cert FILE --tls-key FILE (or --self-signed-tls HOST)"
fi

# --- print or apply ------------------------------------------------------------------------------
if [ "$PRINT" = 1 ]; then
  for manifest in "${MANIFESTS[@]}"; do echo "---"; cat "$manifest"; done
  exit 0
fi
((${#MANIFESTS[@]})) || { note "nothing to change"; exit 0; }
# The overlay's Namespace (with its Pod Security labels), so Secrets can come before the workloads.
if ! kubectl get namespace "$NAMESPACE" >/dev/null 2>&1; then
  if [ "$NAMESPACE" = "$( [ "$OVERLAY" = dev ] && echo lookout-dev || echo lookout)" ]; then
    kubectl apply -f "$ROOT/deploy/k8s/overlays/$OVERLAY/namespace.yaml"
  else
    kubectl create namespace "$NAMESPACE"
  fi
fi
# Server-side apply: a client-side apply would copy the values into an annotation.
for manifest in "${MANIFESTS[@]}"; do
  kubectl apply --server-side --force-conflicts --field-manager=lookout-create-secrets -f "$manifest"
done
note "done. The gateway re-reads its keys file by itself; a new internal token reaches running"
note "pods only after: kubectl -n $NAMESPACE rollout restart deployment,statefulset"
