#!/usr/bin/env bash
# Builds the upstream conformance suite from Go modules (conformance/suite: e2e.test, and the
# ginkgo CLI for parallel runs) into ${IRONKUBE_CACHE:-~/.cache/ironkube}/conformance/<version>/
# and prints the directory. A binary already there is not built again (set
# IRONKUBE_CONFORMANCE_REBUILD=1 to force). The first build takes long on a small machine (the
# suite is one large Go test binary); Go's build cache makes later ones fast.
#
#   conformance/build.sh
set -euo pipefail

version=v1.37.2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out_dir=${IRONKUBE_CONFORMANCE_DIR:-${IRONKUBE_CACHE:-$HOME/.cache/ironkube}/conformance/$version}
mkdir -p "$out_dir"
cd "$here/suite"

# The version variables a release build stamps (hack/lib/version.sh), so `e2e.test --version`
# and the suite's own version checks see the release.
major=${version#v}; major=${major%%.*}
minor=${version#v*.}; minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ldflags+=" -X '$pkg.gitVersion=$version' -X '$pkg.gitMajor=$major' -X '$pkg.gitMinor=$minor'"
  ldflags+=" -X '$pkg.gitTreeState=clean'"
done

if [[ ! -x $out_dir/e2e.test || -n ${IRONKUBE_CONFORMANCE_REBUILD:-} ]]; then
  echo "building e2e.test $version into $out_dir (the first time takes long)" >&2
  CGO_ENABLED=0 go test -c -trimpath -tags selinux,notest -ldflags "$ldflags" \
    -o "$out_dir/e2e.test.partial" .
  mv "$out_dir/e2e.test.partial" "$out_dir/e2e.test"
fi
if [[ ! -x $out_dir/ginkgo || -n ${IRONKUBE_CONFORMANCE_REBUILD:-} ]]; then
  echo "building the ginkgo CLI into $out_dir" >&2
  CGO_ENABLED=0 go build -trimpath -o "$out_dir/ginkgo.partial" github.com/onsi/ginkgo/v2/ginkgo
  mv "$out_dir/ginkgo.partial" "$out_dir/ginkgo"
fi
echo "$out_dir"
