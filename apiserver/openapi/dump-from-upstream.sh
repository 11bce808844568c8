#!/usr/bin/env bash
# Fetches the OpenAPI documents a running upstream kube-apiserver v1.37.2 serves (built from Go
# modules by testutil/upstream/build.sh) and rebuilds specs.bin from them.
#
# Why not the files in the k8s.io/kubernetes module (api/openapi-spec)? Those are generated
# without the `enum` values and "Possible enum values" descriptions the running server adds,
# which `kubectl explain` prints. The served documents are the specification.
#
# It starts Debian's etcd and the upstream binary on free loopback ports in a temporary
# directory (with a throwaway PKI from openssl), downloads /openapi/v2 and every /openapi/v3
# path, stops both, and calls generate.py on the result.
#
# Usage: apiserver/openapi/dump-from-upstream.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
upstream="$("$repo/testutil/upstream/build.sh" kube-apiserver | tail -n1)"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
etcd_port="$(free_port)"; peer_port="$(free_port)"; api_port="$(free_port)"

cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj "/CN=dump-ca" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=kube-apiserver" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > san.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 -extfile san.ext 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=admin" 2>/dev/null
openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 1 2>/dev/null
openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null

etcd --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" >etcd.log 2>&1 &
pids+=($!)
"$upstream" --etcd-servers="http://127.0.0.1:$etcd_port" --secure-port="$api_port" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --endpoint-reconciler-type=none \
    --tls-cert-file=server.crt --tls-private-key-file=server.key --client-ca-file=ca.crt \
    --service-cluster-ip-range=10.96.0.0/12 --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file=sa.pub --service-account-signing-key-file=sa.key \
    --authorization-mode=RBAC --cert-dir="$work/certdir" >apiserver.log 2>&1 &
pids+=($!)

get() {
    curl -sS --fail --cacert ca.crt --cert admin.crt --key admin.key -H 'Accept: application/json' \
        "https://127.0.0.1:$api_port$1"
}
for _ in $(seq 120); do
    [ "$(get /readyz 2>/dev/null || true)" = "ok" ] && break
    sleep 1
done
[ "$(get /readyz)" = "ok" ] || { echo "upstream never became ready" >&2; tail -20 apiserver.log >&2; exit 1; }

out="$work/out/api/openapi-spec"
mkdir -p "$out/v3"
get /openapi/v2 >"$out/swagger.json"
get /openapi/v3 >root.json
python3 - "$out/v3" <<'EOF' >paths.txt
import json, sys
root = json.load(open("root.json"))
for path, entry in sorted(root["paths"].items()):
    print(path, entry["serverRelativeURL"])
EOF
while read -r path url; do
    get "$url" >"$out/v3/${path//\//__}_openapi.json"
done <paths.txt
echo "dump-from-upstream: $(wc -l <paths.txt) v3 documents and v2 from $upstream" >&2
python3 "$here/generate.py" "$work/out"
