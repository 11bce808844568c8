#!/usr/bin/env bash
# Builds etcd server binaries of other versions from Go modules, so the storage suite can run
# against them (Debian's etcd-server is 3.4). Each version is a throwaway Go module whose main
# calls go.etcd.io/etcd/server/v3/etcdmain.Main, the same entry point etcd's own binary uses in
# 3.5 and 3.6. Binaries are cached; a second run only prints their paths.
#
# Usage:   testutil/etcd-versions.sh [VERSION ...]      (default: v3.5.35 v3.6.16)
# Output:  progress on stderr; on stdout one line, IRONKUBE_ETCD_BINS=<path>:<path>
# Then:    export "$(testutil/etcd-versions.sh)"
#          cargo test -p ironkube-storage --test kv_suite etcd_versions_from_env
# Cache:   ${IRONKUBE_CACHE:-$HOME/.cache/ironkube}/etcd-build/<version>/etcd
set -euo pipefail

if [ "$#" -gt 0 ]; then
    versions=("$@")
else
    versions=(v3.5.35 v3.6.16)
fi
cache="${IRONKUBE_CACHE:-$HOME/.cache/ironkube}/etcd-build"
command -v go >/dev/null || { echo "etcd-versions.sh: go is not installed" >&2; exit 1; }

bins=()
for version in "${versions[@]}"; do
    case "$version" in v*) ;; *) version="v$version" ;; esac
    dir="$cache/$version"
    bin="$dir/etcd"
    if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
        echo "etcd $version: cached at $bin" >&2
        bins+=("$bin")
        continue
    fi
    echo "etcd $version: building in $dir" >&2
    mkdir -p "$dir/src"
    cat >"$dir/src/main.go" <<'EOF'
// A throwaway main for building an etcd server of a given version from Go modules.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
    (
        cd "$dir/src"
        rm -f go.mod go.sum
        go mod init ironkube.invalid/etcd-build >/dev/null 2>&1
        go get "go.etcd.io/etcd/server/v3@$version" >&2
        go mod tidy >&2
        CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" . >&2
    )
    mv "$bin.tmp" "$bin"
    "$bin" --version | head -1 >&2
    bins+=("$bin")
done

(IFS=:; echo "IRONKUBE_ETCD_BINS=${bins[*]}")
