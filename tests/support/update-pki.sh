#!/usr/bin/env bash
# Throwaway PKIs for the update tests: tests/support/update-pki.sh DIR makes, in DIR,
#   ca.cert.pem, signing.{cert,key}.pem           the CA the test images trust, and a key it signed
#   other-ca.cert.pem, other-signing.{cert,key}.pem  a CA they don't, with its own signing key
# Never used for anything but tests; nothing here is committed (tests/.tmp is ignored).
set -euo pipefail
dir=${1:?usage: update-pki.sh DIR}
mkdir -p "$dir"
cd "$dir"

ca() { # NAME SUBJECT
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/O=camera-appliance tests/CN=$2" -keyout "$1.key.pem" -out "$1.cert.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
signing() { # NAME CA SUBJECT
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/O=camera-appliance tests/CN=$3" -keyout "$1.key.pem" -out "$1.csr" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.cert.pem" -CAkey "$2.key.pem" -CAcreateserial \
    -days 3650 -extfile "$1.ext" -out "$1.cert.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca "update test CA"
signing signing ca "update test signer"
ca other-ca "some other CA"
signing other-signing other-ca "some other signer"
chmod 0600 ./*.key.pem
