#!/usr/bin/env bash
# Regenerates the committed inputs of ironkube's protobuf codec (apiserver/src/protobuf):
#
#   k8s-v1.37.2.desc         the FileDescriptorSet of every upstream generated.proto that built-in kinds
#                            use (k8s.io/api, apimachinery, apiextensions-apiserver, kube-aggregator at
#                            v0.37.2), compiled by protoc with their imports;
#   k8s-v1.37.2-shapes.json  how Go's encoding/json writes the Go type behind each message (JSON names,
#                            omitempty, pointers, inlined fields) and which message each kind uses, read
#                            by reflection from upstream's Go types (testdata/protobuf-gen -shapes).
#
# Run from anywhere: apiserver/proto/generate.sh. It needs protoc and go; the Go modules come from
# the module cache (GOFLAGS=-mod=mod lets go fetch any that are missing). The output depends only on
# those module versions and the protoc version (libprotoc 3.21.12 here), so rerunning it gives
# byte-identical files. To move to a new Kubernetes version, change VERSION and KUBE here, the
# versions in testdata/protobuf-gen/go.mod and the file names src/protobuf/schema.rs includes, rerun
# this, and then, in testdata/protobuf-gen, `go run . -golden ../protobuf.json -fuzz
# ../protobuf-fuzz.json` for the tests' golden data.
set -euo pipefail

VERSION=v0.37.2
KUBE=v1.37.2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gen="$here/../testdata/protobuf-gen"

cd "$gen"
export GOFLAGS=-mod=mod
for module in api apimachinery apiextensions-apiserver kube-aggregator; do
	go mod download "k8s.io/$module@$VERSION"
done
modcache="$(go env GOMODCACHE)"

# protoc resolves imports such as "k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto" against an
# include root, so lay the modules out under k8s.io/ in a scratch directory.
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/k8s.io"
for module in api apimachinery apiextensions-apiserver kube-aggregator; do
	ln -s "$modcache/k8s.io/$module@$VERSION" "$root/k8s.io/$module"
done

cd "$root"
# Every generated.proto except apimachinery's test group; sorted so the set's order is stable.
mapfile -t protos < <(find -L k8s.io -name generated.proto -not -path '*/testapigroup/*' -not -path '*/testdata/*' | LC_ALL=C sort)
protoc -I "$root" --include_imports --descriptor_set_out="$here/k8s-$KUBE.desc" "${protos[@]}"

cd "$gen"
go run . -shapes "$here/k8s-$KUBE-shapes.json"
echo "wrote $here/k8s-$KUBE.desc (${#protos[@]} files) and $here/k8s-$KUBE-shapes.json"
