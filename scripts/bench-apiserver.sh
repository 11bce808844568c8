#!/usr/bin/env bash
# Benchmarks B2 and B3 (DESIGN §6): ironkube's API server and upstream kube-apiserver v1.37.2
# (built from Go modules by testutil/upstream/build.sh, cached) one after the other on the same
# etcd 3.6 (built from Go modules by testutil/etcd-versions.sh, cached), printed as a markdown
# table with ratios. Arguments go to apiserver-bench (e.g. `--full` for the 10k-pod LIST).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
etcd_bins="$(testutil/etcd-versions.sh)"
etcd_bin="${etcd_bins##*:}"
cargo build --release --locked -p ironkube -p ironkube-apiserver-bench
exec ./target/release/apiserver-bench --ironkube-bin ./target/release/ironkube --etcd-bin "$etcd_bin" "$@"
