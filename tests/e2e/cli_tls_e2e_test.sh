#!/usr/bin/env bash
# The lookout command against a gateway serving TLS with a self-signed certificate for
# "localhost" (made here by openssl): --ca-cert, LOOKOUT_CA_CERT, --tls-server-name and an
# https:// address get through, commands and an import stream included; a plaintext client, the
# system's roots, another CA and a name the certificate does not carry each exit 3 with one line
# naming the fix; an unreadable or non-PEM CA file exits 2.
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
CERT_DIR=$(mktemp -d /tmp/lookout-cli-tls-XXXXXX)
trap 'stop_system; rm -rf "$CERT_DIR"' EXIT

make_cert() {  # name
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$CERT_DIR/$1.key" -out "$CERT_DIR/$1.pem" \
    >/dev/null 2>&1
}
make_cert gateway || { echo "FAIL: openssl could not make a certificate" >&2; exit 1; }
make_cert other || { echo "FAIL: openssl could not make a certificate" >&2; exit 1; }
CA=$CERT_DIR/gateway.pem
CLI_TEST_TLS_CERT=$CA CLI_TEST_TLS_KEY=$CERT_DIR/gateway.key start_system || exit 1
ADDR=127.0.0.1:$GATEWAY_PORT
HOST_ADDR=localhost:$GATEWAY_PORT

# --- through TLS ------------------------------------------------------------------------------
run_lookout --addr "$HOST_ADDR" --ca-cert "$CA" whoami
expect_eq "$CODE" 0 "--ca-cert: whoami exits 0"
expect_eq "$OUT" "e2e-editor (EDITOR)" "--ca-cert: whoami answers"

run_lookout --ca-cert "$CA" --tls-server-name localhost --api-key "$READER_KEY" whoami
expect_eq "$CODE" 0 "--tls-server-name for an IP address exits 0"
expect_eq "$OUT" "e2e-reader (READER)" "--tls-server-name: whoami answers"

LOOKOUT_CA_CERT=$CA LOOKOUT_TLS_SERVER_NAME=localhost run_lookout actors list
expect_eq "$CODE" 0 "LOOKOUT_CA_CERT and LOOKOUT_TLS_SERVER_NAME: actors list exits 0"
expect_eq "$OUT" "No actors match." "actors list over TLS on an empty system"

LOOKOUT_CA_CERT=$CA run_lookout --addr "https://$HOST_ADDR" import gdelt \
  "$FIXTURES/gdelt/gdelt_valid.tsv"
expect_eq "$CODE" 0 "an https:// address: an import stream over TLS exits 0"
expect_eq "$(head -n1 <<<"$OUT")" \
  "$FIXTURES/gdelt/gdelt_valid.tsv: read 5, created 5, updated 0, unchanged 0, rejected 0" \
  "the import over TLS created every row"

run_lookout --addr "$HOST_ADDR" --ca-cert "$CA" figures add --metric killed --value 4 \
  --from 2024-05-01 --country HTI --source "TLS test"
expect_eq "$CODE" 0 "figures add over TLS exits 0"
id=${OUT#recorded }
run_lookout --addr "$HOST_ADDR" --ca-cert "$CA" figures get "$id" -o csv
expect_eq "$OUT" "id,metric,value,unit,period,country,source
$id,KILLED,4,persons,2024-05-01,HTI,TLS test" "figures get over TLS"

# --- TLS on one side only, or not trusted: exit 3, one line naming the fix --------------------
run_lookout events list
expect_eq "$CODE" 3 "plaintext against the TLS gateway exits 3"
expect_eq "$ERR" "lookout: the server at $ADDR closed the connection; if it serves TLS, use --tls or --ca-cert FILE (LOOKOUT_TLS, LOOKOUT_CA_CERT)" \
  "plaintext against the TLS gateway: the message hints at --tls and --ca-cert"

run_lookout --addr "$HOST_ADDR" --tls whoami
expect_eq "$CODE" 3 "--tls with the system's roots exits 3 for a self-signed certificate"
expect_eq "$ERR" "lookout: the TLS handshake with $HOST_ADDR failed: its certificate is not trusted; pass the CA that signed it with --ca-cert FILE or LOOKOUT_CA_CERT" \
  "--tls with the system's roots: the message"

run_lookout --addr "$HOST_ADDR" --ca-cert "$CERT_DIR/other.pem" whoami
expect_eq "$CODE" 3 "another CA exits 3"
expect_eq "$ERR" "lookout: the TLS handshake with $HOST_ADDR failed: its certificate is not trusted; pass the CA that signed it with --ca-cert FILE or LOOKOUT_CA_CERT" \
  "another CA: the message"

run_lookout --ca-cert "$CA" whoami
expect_eq "$CODE" 3 "an IP address the certificate does not name exits 3"
expect_eq "$ERR" "lookout: the TLS handshake with $ADDR failed: its certificate is not for 127.0.0.1; set --tls-server-name to a name it carries" \
  "an IP address the certificate does not name: the message"

LOOKOUT_CA_CERT=$CA run_lookout --addr "$HOST_ADDR" --tls=false whoami
expect_eq "$CODE" 3 "--tls=false wins over LOOKOUT_CA_CERT (plaintext, exit 3)"
expect_contains "$ERR" "closed the connection; if it serves TLS" "--tls=false: plaintext message"

# --- the CA file itself: exit 2 ---------------------------------------------------------------
run_lookout --ca-cert "$CERT_DIR/missing.pem" whoami
expect_eq "$CODE" 2 "a missing CA file exits 2"
expect_eq "$ERR" "lookout: --ca-cert: cannot read $CERT_DIR/missing.pem: No such file or directory" \
  "a missing CA file: the message"

LOOKOUT_CA_CERT=$CERT_DIR/missing.pem run_lookout whoami
expect_eq "$CODE" 2 "a missing LOOKOUT_CA_CERT exits 2"
expect_eq "$ERR" "lookout: LOOKOUT_CA_CERT: cannot read $CERT_DIR/missing.pem: No such file or directory" \
  "a missing LOOKOUT_CA_CERT: the message"

run_lookout --ca-cert "$CERT_DIR/gateway.key" whoami
expect_eq "$CODE" 2 "a CA file without a certificate exits 2"
expect_eq "$ERR" "lookout: --ca-cert: $CERT_DIR/gateway.key holds no PEM certificate (-----BEGIN CERTIFICATE-----)" \
  "a CA file without a certificate: the message"

finish
