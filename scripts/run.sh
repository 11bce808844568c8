#!/usr/bin/env bash
# Sets this machine up and runs a working cluster on it: `ironkube server` on the embedded store,
# serving the Kubernetes API on https://127.0.0.1:6443 until Ctrl-C. It writes
# <data-dir>/admin.kubeconfig and prints how to use it. Arguments go to `ironkube server`
# (e.g. `--data-dir /tmp/ik --secure-port 7443`; `--etcd-servers` to run on etcd instead).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo build --release --locked -p ironkube
exec ./target/release/ironkube server "$@"
