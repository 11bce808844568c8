#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (`.ci/run` calls this script).
# Installs what the tests need (scripts/setup.sh), builds newer etcd releases from Go modules for
# the etcd backend's version matrix, then checks formatting and lints and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

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
echo "test: cargo test"
cargo test --workspace --locked
