#!/usr/bin/env bash
# Builds, offline, the conformance suite's test images that can be built here, as OCI archives
# under the names the suite expects (`e2e.test --list-images` of the same version), and imports
# them into containerd:
#   - agnhost from Go modules (k8s.io/kubernetes/test/images/agnhost, static), on a busybox
#     userland (upstream's image is alpine with a shell: tests exec `sh -c` in it);
#   - busybox from Debian's busybox-static;
#   - pause from upstream's pause.c in the k8s.io/kubernetes module, built static with gcc.
# Every other image the suite lists is reported as not buildable here.
#
#   conformance/images.sh [--address /run/containerd/containerd.sock] [--namespace k8s.io]
#                         [--no-import] [--out DIR]
#
# Needs e2e.test (conformance/build.sh), go, gcc, tar, sha256sum, jq; installs busybox-static
# (Debian) when missing. Without --no-import, `ctr` imports into the containerd at --address.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=v1.37.2
cache=${IRONKUBE_CACHE:-$HOME/.cache/ironkube}
suite_dir=${IRONKUBE_CONFORMANCE_DIR:-$cache/conformance/$version}
out=$suite_dir/images
address=/run/containerd/containerd.sock
namespace=k8s.io
import=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --address) address=$2; shift 2 ;;
    --namespace) namespace=$2; shift 2 ;;
    --no-import) import=0; shift ;;
    --out) out=$2; shift 2 ;;
    *) echo "images.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

e2e=$suite_dir/e2e.test
if [[ ! -x $e2e ]]; then
  echo "images.sh: $e2e not found; run conformance/build.sh first" >&2
  exit 1
fi
if [[ ! -x /bin/busybox ]]; then
  echo "installing busybox-static" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >&2
fi
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t listed < <("$e2e" --list-images | sort -u)
images_for() { # every listed registry.k8s.io image whose repository ends in /$1
  local name=$1 image found=1
  for image in "${listed[@]}"; do
    local repo=${image%:*}
    if [[ $repo == registry.k8s.io/*/$name || $repo == registry.k8s.io/$name ]]; then
      echo "$image"; found=0
    fi
  done
  return $found
}

# A root filesystem with busybox and a link for each of its applets.
busybox_rootfs() {
  local root=$1
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
  done
  echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
  echo "root:x:0:" >"$root/etc/group"
  chmod 1777 "$root/tmp"
}

# Writes an OCI archive of `root` named `name`, with entrypoint and cmd as JSON arrays.
oci_archive() {
  local name=$1 root=$2 entrypoint=$3 cmd=$4 archive=$5
  local layout=$work/layout-$RANDOM
  mkdir -p "$layout/blobs/sha256"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$work/layer.tar" .
  local diff_id; diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  gzip -n -c "$work/layer.tar" >"$work/layer.tar.gz"
  local layer; layer=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
  local layer_size; layer_size=$(stat -c %s "$work/layer.tar.gz")
  mv "$work/layer.tar.gz" "$layout/blobs/sha256/$layer"
  jq -cn --arg diff "sha256:$diff_id" --argjson entrypoint "$entrypoint" --argjson cmd "$cmd" '{
      architecture: "amd64", os: "linux",
      config: {Entrypoint: $entrypoint, Cmd: $cmd, Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
      rootfs: {type: "layers", diff_ids: [$diff]}, history: [{created_by: "ironkube conformance/images.sh"}]
    }' >"$work/config.json"
  local config; config=$(sha256sum "$work/config.json" | cut -d' ' -f1)
  local config_size; config_size=$(stat -c %s "$work/config.json")
  mv "$work/config.json" "$layout/blobs/sha256/$config"
  jq -cn --arg config "sha256:$config" --argjson config_size "$config_size" \
    --arg layer "sha256:$layer" --argjson layer_size "$layer_size" '{
      schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $config, size: $config_size},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $layer, size: $layer_size}]
    }' >"$work/manifest.json"
  local manifest; manifest=$(sha256sum "$work/manifest.json" | cut -d' ' -f1)
  local manifest_size; manifest_size=$(stat -c %s "$work/manifest.json")
  mv "$work/manifest.json" "$layout/blobs/sha256/$manifest"
  echo '{"imageLayoutVersion": "1.0.0"}' >"$layout/oci-layout"
  jq -cn --arg digest "sha256:$manifest" --argjson size "$manifest_size" --arg name "$name" '{
      schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $digest, size: $size,
                   annotations: {"io.containerd.image.name": $name, "org.opencontainers.image.ref.name": $name}}]
    }' >"$layout/index.json"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$layout" -cf "$archive" .
}

built=()
declare -A archive_of first_of
build() { # build <short name> <function>: one archive, named by every listed tag
  local short=$1 make=$2 images
  if ! images=$(images_for "$short"); then
    echo "the suite lists no $short image; skipped" >&2
    return 0
  fi
  local first=${images%%$'\n'*}
  local archive=$out/${short}.oci.tar
  echo "building $first (also tagged: $(echo "$images" | tail -n +2 | tr '\n' ' '))" >&2
  "$make" "$first" "$archive"
  local image
  while read -r image; do
    built+=("$image")
    archive_of[$image]=$archive
    first_of[$image]=$first
  done <<<"$images"
}

make_busybox() {
  local root=$work/busybox-root
  busybox_rootfs "$root"
  oci_archive "$1" "$root" 'null' '["sh"]' "$2"
}

make_pause() {
  local root=$work/pause-root
  mkdir -p "$root"
  local source; source=$(go env GOMODCACHE)/k8s.io/kubernetes@$version/build/pause/linux/pause.c
  if [[ ! -f $source ]]; then
    (cd "$here/suite" && go mod download k8s.io/kubernetes)
  fi
  gcc -Os -static -DVERSION="\"$version-ironkube\"" -o "$root/pause" "$source"
  oci_archive "$1" "$root" '["/pause"]' 'null' "$2"
}

make_agnhost() {
  local root=$work/agnhost-root
  busybox_rootfs "$root"
  (cd "$here/suite" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$root/agnhost" \
    k8s.io/kubernetes/test/images/agnhost)
  oci_archive "$1" "$root" '["/agnhost"]' '["pause"]' "$2"
}

build busybox make_busybox
build pause make_pause
build agnhost make_agnhost

if [[ $import == 1 ]]; then
  for image in "${built[@]}"; do
    first=${first_of[$image]}
    if [[ $image == "$first" ]]; then
      ctr --address "$address" -n "$namespace" images import "${archive_of[$image]}" >&2
    else
      ctr --address "$address" -n "$namespace" images tag --force "$first" "$image" >&2
    fi
  done
  echo "imported into $address (namespace $namespace):" >&2
fi
for image in "${built[@]}"; do echo "built: $image (${archive_of[$image]})"; done
for image in "${listed[@]}"; do
  found=0
  for b in "${built[@]}"; do [[ $b == "$image" ]] && found=1; done
  [[ $found == 1 ]] || echo "not buildable here: $image"
done
