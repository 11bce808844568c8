#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (`.ci/run` calls this script).
# Installs what the tests need (scripts/setup.sh), builds newer etcd releases from Go modules for
# the etcd backend's version matrix, then checks formatting and lints, runs every test, and runs
# the differential test against upstream kube-apiserver v1.37.2 (built from Go modules once and
# cached), which fails on any difference not listed and explained in
# difftest/known-differences.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."

# A CI run builds once from scratch: incremental caches would only add gigabytes to the disk.
if [[ -n ${CI:-} ]]; then
  export CARGO_INCREMENTAL=0
fi

./scripts/setup.sh

# etcd 3.5 and 3.6 built from Go modules (cached between runs); the storage suite runs the etcd
# backend against each of them besides Debian's etcd 3.4.
etcd_bins="$(testutil/etcd-versions.sh)"
export "${etcd_bins?}"
echo "test: $etcd_bins"

echo "test: cargo fmt --check"
cargo fmt --all -- --check
echo "test: cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
# The upstream conformance suite (e2e.test and ginkgo) built from Go modules (cached): the
# conformance ratchet test runs the tests conformance/STATUS.md marks as passed.
echo "test: $(conformance/build.sh | tail -n 1)"
echo "test: cargo test"
# Every test binary runs even when one fails, so that one run reports every failure.
cargo test --workspace --locked --no-fail-fast

echo "test: differential test against upstream kube-apiserver"
upstream_bin="$(testutil/upstream/build.sh | tail -n 1)"
cargo build --locked -p ironkube -p ironkube-difftest
cargo run --locked -q -p ironkube-difftest --bin difftest -- \
  --upstream-bin "$upstream_bin" --known difftest/known-differences.yaml
