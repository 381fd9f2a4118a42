#!/usr/bin/env bash
# Writes the TEST-ONLY certificates and keys that the AggregationService tests use for TLS and
# mTLS into Tests/AggregationServiceTests/Certificates/pem/ (they are committed there, so tests
# never run openssl). Never use them outside the tests: their private keys are public.
#
#   bash Scripts/make-test-certificates.sh
#
# It writes:
# - ca.pem, ca-key.pem: a test certificate authority;
# - server.pem, server-key.pem: a server certificate signed by that CA, for the names localhost,
#   127.0.0.1 and ::1;
# - server-name-only.pem, server-name-only-key.pem: a server certificate signed by that CA for
#   the name localhost only, with no IP address (to test the TLS server name a client checks);
# - client.pem, client-key.pem: a client certificate (extended key usage clientAuth) signed by
#   that CA, for mutual TLS;
# - other-ca.pem, other-ca-key.pem: a second, unrelated CA that signed nothing the server uses
#   (a client that trusts only it must fail to connect);
# - other-client.pem, other-client-key.pem: a client certificate signed by the unrelated CA
#   (a server that requires certificates from ca.pem must refuse it).
# Every certificate is valid for 100 years (36,500 days), so the tests do not expire. Keys are
# ECDSA P-256. Requirements: openssl 1.1.1 or later (for -addext).
set -euo pipefail
cd "$(dirname "$0")/.."

out=Tests/AggregationServiceTests/Certificates/pem
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
days=36500

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() { # name subject
  key "$work/$1-key.pem"
  openssl req -x509 -new -key "$work/$1-key.pem" -sha256 -days "$days" -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$work/$1.pem"
}

leaf() { # name subject issuer extensions-file
  key "$work/$1-key.pem"
  openssl req -new -key "$work/$1-key.pem" -subj "/CN=$2" -out "$work/$1.csr"
  openssl x509 -req -in "$work/$1.csr" -CA "$work/$3.pem" -CAkey "$work/$3-key.pem" \
    -CAcreateserial -sha256 -days "$days" -extfile "$4" -out "$work/$1.pem" 2>/dev/null
}

cat > "$work/server.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EOF
cat > "$work/server-name-only.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost
EOF
cat > "$work/client.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
EOF

ca ca "private-aggregation test CA"
ca other-ca "private-aggregation unrelated test CA"
leaf server "localhost" ca "$work/server.ext"
leaf server-name-only "localhost" ca "$work/server-name-only.ext"
leaf client "private-aggregation test client" ca "$work/client.ext"
leaf other-client "private-aggregation unrelated test client" other-ca "$work/client.ext"

for name in ca other-ca server server-name-only client other-client; do
  cp "$work/$name.pem" "$out/$name.pem"
  # PKCS#8 ("BEGIN PRIVATE KEY"), which every TLS stack reads.
  openssl pkcs8 -topk8 -nocrypt -in "$work/$name-key.pem" -out "$out/$name-key.pem"
done
openssl verify -CAfile "$out/ca.pem" "$out/server.pem" "$out/server-name-only.pem" \
  "$out/client.pem"
openssl verify -CAfile "$out/other-ca.pem" "$out/other-client.pem"
echo "wrote $out"
