#!/usr/bin/env bash
# Checks that the deploy files start a collector that is safe on a network: the systemd unit's
# ExecStart and the Containerfile's ENTRYPOINT, run as written (credentials from
# deploy/make-credentials.sh, ports 0, a scratch database), must start actiscope-server with
# gRPC and HTTPS on 0.0.0.0 behind TLS and tokens: the `actiscope` CLI trusting the CA lists runs
# with the read token, and is refused without a token and without the CA; curl trusting the CA
# gets the page's API with the read token and 401 without, and plain HTTP gets nothing.
# Dropping the TLS flags from the same command line must make the server refuse to start.
#   tests/check_deploy.sh BUILD_DIR
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:?usage: tests/check_deploy.sh BUILD_DIR}" && pwd)"
server="$build/server/actiscope-server"
cli="$build/cli/actiscope"
scratch="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$scratch"' EXIT
pid=""
"$repo/deploy/make-credentials.sh" "$scratch/creds" 127.0.0.1 localhost > /dev/null

# The argument lists of both files, one argument per line, with the files' own paths mapped to
# the scratch credentials and database, and both ports set to 0.
/usr/bin/python3 - "$repo" "$scratch" <<'PY'
import json, re, shlex, sys
repo, scratch = sys.argv[1], sys.argv[2]
creds = scratch + "/creds"
def rewrite(args):
    out = []
    for a in args[1:]:
        a = a.replace("${CREDENTIALS_DIRECTORY}/auth_tokens", creds + "/tokens")
        a = a.replace("${CREDENTIALS_DIRECTORY}/tls_cert", creds + "/server.pem")
        a = a.replace("${CREDENTIALS_DIRECTORY}/tls_key", creds + "/server.key")
        a = a.replace("/etc/actiscope/", creds + "/")
        a = re.sub(r"^(--(grpc|http)_addr=0\.0\.0\.0):\d+$", r"\1:0", a)
        if a.startswith("--db="): a = "--db=" + scratch + "/deploy.db"
        if a.startswith("--web_root="): a = "--web_root=" + repo + "/web"
        out.append(a)
    return out
unit = open(repo + "/deploy/systemd/actiscope-server.service").read()
exec_start = re.search(r"^ExecStart=((?:.*\\\n)*.*)$", unit, re.M).group(1).replace("\\\n", " ")
container = open(repo + "/deploy/Containerfile").read()
entry = re.search(r"^ENTRYPOINT (\[(?:.*\\\n)*.*\])$", container, re.M).group(1).replace("\\\n", " ")
for name, args in (("systemd", shlex.split(exec_start)), ("container", json.loads(entry))):
    open(f"{scratch}/{name}.args", "w").write("\n".join(rewrite(args)) + "\n")
PY

check() {
  local name="$1"
  mapfile -t args < "$scratch/$name.args"
  for a in "${args[@]}"; do
    case "$a" in --grpc_addr=0.0.0.0:0|--http_addr=0.0.0.0:0) ;; --grpc_addr=*|--http_addr=*)
      echo "check_deploy: $name binds $a, expected gRPC and HTTP on 0.0.0.0" >&2
      exit 1;; esac
  done
  rm -f "$scratch/ports"
  "$server" "${args[@]}" --port_file="$scratch/ports" 2> "$scratch/$name.log" &
  pid=$!
  for _ in $(seq 1 100); do [ -s "$scratch/ports" ] && break; sleep 0.1; done
  [ -s "$scratch/ports" ] || { echo "check_deploy: $name: server did not start:" >&2; cat "$scratch/$name.log" >&2; exit 1; }
  read -r grpc_port http_port < "$scratch/ports"
  local target="--server=grpcs://127.0.0.1:$grpc_port" ca="--tls_ca=$scratch/creds/ca.pem"
  "$cli" "$target" "$ca" --token_file="$scratch/creds/read.token" runs > /dev/null ||
    { echo "check_deploy: $name: actiscope runs with the CA and the read token failed" >&2; exit 1; }
  if "$cli" "$target" "$ca" runs > /dev/null 2>&1; then
    echo "check_deploy: $name: a call without a token was not refused" >&2; exit 1
  fi
  if "$cli" "$target" --token_file="$scratch/creds/read.token" --timeout=3s runs > /dev/null 2>&1; then
    echo "check_deploy: $name: a client without the CA was not refused" >&2; exit 1
  fi
  local page="https://127.0.0.1:$http_port/api/runs" code
  code="$(curl -sS --cacert "$scratch/creds/ca.pem" -o /dev/null -w '%{http_code}' \
          -H "Authorization: Bearer $(cat "$scratch/creds/read.token")" "$page")"
  [ "$code" = 200 ] || { echo "check_deploy: $name: HTTPS API with the read token -> $code" >&2; exit 1; }
  code="$(curl -sS --cacert "$scratch/creds/ca.pem" -o /dev/null -w '%{http_code}' "$page")"
  [ "$code" = 401 ] || { echo "check_deploy: $name: HTTPS API without a token -> $code" >&2; exit 1; }
  if curl -sS -o /dev/null --max-time 3 "http://127.0.0.1:$http_port/healthz" 2>/dev/null; then
    echo "check_deploy: $name: the page answered plain HTTP" >&2; exit 1
  fi
  kill "$pid"; wait "$pid" || true; pid=""

  local insecure=()
  for a in "${args[@]}"; do case "$a" in --tls_cert=*|--tls_key=*) ;; *) insecure+=("$a");; esac; done
  local rc=0
  timeout 10 "$server" "${insecure[@]}" --port_file="$scratch/ports.insecure" \
    2> "$scratch/$name.insecure.log" || rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
    echo "check_deploy: $name without TLS started on 0.0.0.0" >&2; exit 1
  fi
  [ "$(wc -l < "$scratch/$name.insecure.log")" -le 2 ] ||
    { echo "check_deploy: $name: the refusal should be one line:" >&2; cat "$scratch/$name.insecure.log" >&2; exit 1; }
  echo "check_deploy: $name: gRPC and HTTPS with TLS + tokens on 0.0.0.0 ok; without TLS refused: $(tail -1 "$scratch/$name.insecure.log")"
}
check systemd
check container
