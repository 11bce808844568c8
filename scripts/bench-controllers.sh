#!/usr/bin/env bash
# The controller benchmark (issue 5): 1,000 Deployments of 3 replicas reconciled to Available by
# `ironkube controller-manager` and by upstream kube-controller-manager v1.37.2 (built from Go
# modules by testutil/upstream/build.sh, cached), each against a fresh `ironkube server` with a
# hollow kubelet marking pods Running; prints time to all Available, the controller manager's
# CPU seconds and peak RSS, and the ratios. Arguments go to controller-bench (e.g.
# `--deployments 100`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo build --release --locked -p ironkube -p ironkube-controller-bench
exec ./target/release/controller-bench --ironkube-bin ./target/release/ironkube "$@"
