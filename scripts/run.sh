#!/usr/bin/env bash
# Sets this machine up and runs ironkube. Until the API server exists, "running ironkube" is its
# storage engine: this builds it and runs the storage benchmark (embedded store, the etcd backend
# and raw etcd side by side, on this machine). Arguments are passed to the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo run --release --locked -p ironkube-storage-bench --bin storage-bench -- "$@"
