#!/usr/bin/env bash
# Builds upstream Kubernetes binaries from Go modules (no kubernetes checkout needed) into
# ${IRONKUBE_CACHE:-~/.cache/ironkube}/upstream/<version>/ and prints the path of each one built or found, the last line
# being the last binary named. Used by apiserver-bench and by the differential and conformance tests
# that run upstream beside ironkube.
#
#   testutil/upstream/build.sh                   # kube-apiserver
#   testutil/upstream/build.sh kube-apiserver    # the same, named
#   testutil/upstream/build.sh kube-controller-manager
#
# A binary that is already there is not built again (delete it, or set IRONKUBE_UPSTREAM_REBUILD=1).
# The build follows upstream's release build (hack/lib/golang.sh): CGO off for the server binaries,
# -trimpath, -s -w, the tags selinux,notest,grpcnotrace, and the version variables set by -X as
# hack/lib/version.sh sets them, so /version answers as a released v1.37.2 does (except gitCommit,
# which the module does not carry: it keeps upstream's placeholder).
set -euo pipefail

version=v1.37.2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out_dir=${IRONKUBE_UPSTREAM_DIR:-${IRONKUBE_CACHE:-$HOME/.cache/ironkube}/upstream/$version}
binaries=("$@")
if [[ ${#binaries[@]} -eq 0 ]]; then
  binaries=(kube-apiserver)
fi

# The package of each binary this script knows how to build; its go.mod names the same as tools.
package_of() {
  case "$1" in
    kube-apiserver) echo "k8s.io/kubernetes/cmd/kube-apiserver" ;;
    kube-controller-manager) echo "k8s.io/kubernetes/cmd/kube-controller-manager" ;;
    *) echo "build.sh: no package known for '$1'" >&2; return 1 ;;
  esac
}

# The version variables upstream's release build stamps into both version packages.
major=${version#v}; major=${major%%.*}
minor=${version#v*.}; minor=${minor%%.*}
# The release date of the module (a release build stamps its own build time; the module's time is
# reproducible and close to it).
build_date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' \
  "$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$version.info" 2>/dev/null || true)
build_date=${build_date:-1970-01-01T00:00:00Z}
ldflags="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ldflags+=" -X '$pkg.gitVersion=$version'"
  ldflags+=" -X '$pkg.gitMajor=$major'"
  ldflags+=" -X '$pkg.gitMinor=$minor'"
  ldflags+=" -X '$pkg.gitTreeState=clean'"
  ldflags+=" -X '$pkg.buildDate=$build_date'"
done

mkdir -p "$out_dir"
for binary in "${binaries[@]}"; do
  package=$(package_of "$binary")
  target=$out_dir/$binary
  if [[ -x $target && -z ${IRONKUBE_UPSTREAM_REBUILD:-} ]]; then
    echo "$target"
    continue
  fi
  echo "building $package@$version into $target (this takes long on a small machine)" >&2
  started=$(date +%s)
  (
    cd "$here"
    # go.mod and go.sum pin every module (the default -mod=readonly never rewrites them); a
    # fresh machine fetches them from the module proxy.
    CGO_ENABLED=0 go build \
      -buildvcs=false -trimpath -tags selinux,notest,grpcnotrace \
      -ldflags "all=$ldflags" \
      -o "$target.tmp" "$package"
  )
  mv "$target.tmp" "$target"
  echo "built $binary in $(( $(date +%s) - started ))s" >&2
  echo "$target"
done
