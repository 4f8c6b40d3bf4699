#!/usr/bin/env bash
# Makes what a network-facing actiscope-server needs, with Debian's openssl, into DIR:
#   ca.pem, ca.key          a private certificate authority (keep ca.key offline)
#   server.pem, server.key  the collector's certificate for the names and addresses given
#   tokens                  the --auth_tokens file: one ingest, one read and one admin token
#   ingest.token, read.token, admin.token   each token alone, for clients' --token_file
# Files holding secrets are mode 0600. An existing CA in DIR is reused, so running it again for
# a new host name signs a new server certificate with the same CA (clients keep their --tls_ca).
#
#   deploy/make-credentials.sh DIR NAME_OR_IP...
#   deploy/make-credentials.sh /etc/actiscope collector.lab.example 10.0.0.5
# Then: actiscope-server --auth_tokens=DIR/tokens --tls_cert=DIR/server.pem --tls_key=DIR/server.key
# and on each client: --server=grpcs://collector.lab.example:50051 --tls_ca=DIR/ca.pem
#                     --token_file=ingest.token (trainers) or read.token (people, the CLI)
set -euo pipefail
if [ "$#" -lt 2 ]; then
  echo "usage: $0 DIR NAME_OR_IP... (the names and addresses clients will use to reach the server)" >&2
  exit 2
fi
dir="$1"
shift
command -v openssl >/dev/null || { echo "$0: openssl is missing: apt-get install openssl" >&2; exit 1; }
mkdir -p "$dir"
umask 077

san=""
for name in "$@"; do
  if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then entry="IP:$name"; else entry="DNS:$name"; fi
  san="${san:+$san,}$entry"
done

if [ ! -f "$dir/ca.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=actiscope CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
fi
printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
  "$san" > "$dir/server.ext"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$1" \
  -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 825 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
rm -f "$dir/server.csr" "$dir/server.ext"
chmod 0644 "$dir/ca.pem" "$dir/server.pem"

if [ ! -f "$dir/tokens" ]; then
  {
    echo "# actiscope-server --auth_tokens file: TOKEN ROLE NAME (roles: ingest, read, admin)"
    for role in ingest read admin; do
      token="$(openssl rand -hex 32)"
      printf '%s\n' "$token" > "$dir/$role.token"
      echo "$token $role $role-1"
    done
  } > "$dir/tokens"
fi
echo "$0: wrote $dir/{ca.pem,server.pem,server.key,tokens,ingest.token,read.token,admin.token} for $san"
