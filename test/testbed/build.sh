#!/usr/bin/env bash
# Builds (once) the test bed's binaries and images into a cache outside the tracked tree, and prints the
# cache's bin directory:
# - from the Go module proxy: Kubernetes (apiserver, controller manager, scheduler, kubelet, kubectl, and
#   the test bed's own registrar, podreset and pause programs), etcd, MinIO, fake-gcs-server, the CSI sidecars
#   (external-provisioner, external-snapshotter's snapshot-controller and csi-snapshotter), and the test bed's
#   TCP forwarder (pods reach the loopback-bound API servers and MinIO through it);
# - csi-driver-host-path from its vendored source tarball;
# - from Debian's packages: containerd, runc, CNI plugins, busybox, umoci, skopeo, iptables, chromium;
# - images (no registry here): pause, busybox, and Lifeboat itself (Node 24 and the project).
# A component is rebuilt only when what it is built from changes. Independent builds run side by side.
#   LIFEBOAT_TESTBED_CACHE   cache root (default: ~/.cache/lifeboat-testbed)
#   LIFEBOAT_TESTBED_VENDOR  folder holding csi-driver-host-path-*.tar.gz (default: test/testbed/vendor)
#   build.sh --only NAME...  builds only these components (etcd, forward, fake-gcs, minio, kube, hostpath,
#                            provisioner, snapshotter, images, lifeboat, velero), prints nothing
#   build.sh --velero        also builds Velero and its AWS plugin (optional: `testbed up --velero`) and links
#                            them into the bin directory as velero and velero-plugins/
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${LIFEBOAT_TESTBED_CACHE:-$HOME/.cache/lifeboat-testbed}"
vendor="${LIFEBOAT_TESTBED_VENDOR:-$here/vendor}"
mkdir -p "$cache"

KUBE_VERSION=v1.35.4
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c  # newest source of github.com/minio/minio on the proxy
FAKE_GCS_VERSION=v1.56.1
HOSTPATH_TARBALL=csi-driver-host-path-1f2b2e64-src.tar.gz HOSTPATH_VERSION=v1.18.0
PROVISIONER_VERSION=v6.4.0
SNAPSHOTTER_VERSION=v8.7.0
VELERO_VERSION=v1.18.3 VELERO_AWS_VERSION=v1.14.3  # the AWS plugin's README pairs v1.14 with Velero 1.18
NODE_PACKAGES=(containerd runc containernetworking-plugins busybox-static umoci skopeo iptables)

export CGO_ENABLED=0 GOFLAGS=-buildvcs=false
log() { echo "testbed build: $*" >&2; }

# stamp NAME INPUT... — a key that changes whenever what NAME is built from changes.
stamp() { local name=$1; shift; printf '%s\n' "$@" | sha256sum | cut -c1-16 | sed "s/^/$name-/"; }

# build_into DIR CMD... — runs CMD with $out set to a temp dir, then publishes it atomically as DIR.
build_into() {
  local dir=$1; shift
  [[ -d "$dir" ]] && return 0
  local out; out="$(mktemp -d "$cache/.build.XXXXXX")"
  local start=$SECONDS
  # Once more after a failure: a download from the module proxy fails now and then (seen for fake-gcs).
  if ! out="$out" "$@"; then
    log "$(basename "$dir") failed after $((SECONDS - start)) s (its messages are above): trying once more"
    rm -rf "$out"; out="$(mktemp -d "$cache/.build.XXXXXX")"
    if ! out="$out" "$@"; then rm -rf "$out"; log "FAILED: $dir"; return 1; fi
  fi
  mv -T "$out" "$dir"
  log "built $(basename "$dir") in $((SECONDS - start)) s"
}

# apt_install WHAT PACKAGE... — installs Debian packages when missing and we may (as root with apt-get).
apt_install() {
  local what=$1; shift
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing Debian's ${missing[*]} ($what)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive nice -n 19 apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2
  else
    log "FAILED: missing Debian packages for $what: sudo apt-get install ${missing[*]}"
    return 1
  fi
}

# module_copy MODULE VERSION — a writable copy of a module's source (from the module cache) in $out/src.
module_copy() {
  local dir; dir="$(go mod download -json "$1@$2" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$dir" ]] || { log "FAILED: go mod download $1@$2"; return 1; }
  cp -r "$dir" "$out/src" && chmod -R u+w "$out/src"
}

kube() {
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  local v=k8s.io/component-base/version cv=k8s.io/client-go/pkg/version
  local ld="-s -w"
  for p in $v $cv; do
    ld+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  log "building Kubernetes $KUBE_VERSION (a cold build takes 10–25 minutes on 2 cores)"
  (cd "$here/go/kube" && go build -trimpath -ldflags "$ld" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet ./registrar ./podreset ./pause)
}

forward() {
  log "building the test bed's forwarder"
  (cd "$here/go/forward" && go build -trimpath -ldflags "-s -w" -o "$out/forward" .)
}

etcd() {
  log "building etcd"
  (cd "$here/go/etcd" && go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3)
}

minio() {
  log "building MinIO $MINIO_VERSION"
  GOBIN="$out" go install -trimpath -ldflags "-s -w" "github.com/minio/minio@$MINIO_VERSION"
}

fakegcs() {
  log "building fake-gcs-server $FAKE_GCS_VERSION"
  GOBIN="$out" go install -trimpath -ldflags "-s -w" "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION"
}

# csi-driver-host-path is not on the module proxy: its own source comes as a tarball (without vendor/);
# its dependencies come from the module proxy, pinned by its go.sum.
hostpath() {
  log "building csi-driver-host-path $HOSTPATH_VERSION"
  mkdir "$out/src" && tar xzf "$vendor/$HOSTPATH_TARBALL" -C "$out/src" --strip-components=1
  # Without a version csi-provisioner exits on "Driver is missing version".
  (cd "$out/src" && GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags "-s -w -X main.version=$HOSTPATH_VERSION" \
    -o "$out/hostpathplugin" ./cmd/hostpathplugin)
  rm -rf "$out/src"
}

# The sidecars' go.mod files carry replace directives, so `go install @version` refuses them: build a copy.
provisioner() {
  log "building external-provisioner $PROVISIONER_VERSION (a cold build takes about 15 minutes)"
  module_copy github.com/kubernetes-csi/external-provisioner/v6 "$PROVISIONER_VERSION"
  (cd "$out/src" && go build -trimpath -ldflags "-s -w -X main.version=$PROVISIONER_VERSION" \
    -o "$out/csi-provisioner" ./cmd/csi-provisioner)
  rm -rf "$out/src"
}

snapshotter() {
  log "building external-snapshotter $SNAPSHOTTER_VERSION (a cold build takes about 15 minutes)"
  local client=github.com/kubernetes-csi/external-snapshotter/client/v8
  module_copy github.com/kubernetes-csi/external-snapshotter/v8 "$SNAPSHOTTER_VERSION"
  # It replaces its client module with ./client, which the module zip lacks: use the published one.
  (cd "$out/src" && go mod edit -dropreplace="$client" -require="$client@$SNAPSHOTTER_VERSION" &&
    GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags "-s -w -X main.version=$SNAPSHOTTER_VERSION" \
      -o "$out/" ./cmd/snapshot-controller ./cmd/csi-snapshotter)
  local crds; crds="$(go mod download -json "$client@$SNAPSHOTTER_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  mkdir "$out/crds" && cp "$crds"/config/crd/snapshot.storage.k8s.io_*.yaml "$out/crds/"
  rm -rf "$out/src"
}

# Velero (CLI and server are one binary) from a wrapper of its own module (see go/velero/go.mod), and its AWS
# object-store plugin, which builds unchanged, in plugins/ (what `velero server --plugin-dir` reads).
# Without DefaultBindAddress=0 controller-runtime's metrics server binds :8080 (two servers would collide).
velero() {
  log "building Velero $VELERO_VERSION and velero-plugin-for-aws $VELERO_AWS_VERSION (a cold build takes about 15 minutes)"
  local pkg=github.com/vmware-tanzu/velero
  local ld="-s -w -X $pkg/pkg/buildinfo.Version=$VELERO_VERSION -X $pkg/pkg/buildinfo.GitTreeState=clean"
  ld+=" -X sigs.k8s.io/controller-runtime/pkg/metrics/server.DefaultBindAddress=0"
  mkdir "$out/plugins"
  (cd "$here/go/velero" && go build -trimpath -ldflags "$ld" -o "$out/velero" "$pkg/cmd/velero") & local server=$!
  GOBIN="$out/plugins" go install -trimpath -ldflags "-s -w" \
    "github.com/vmware-tanzu/velero-plugin-for-aws/velero-plugin-for-aws@$VELERO_AWS_VERSION" || { wait $server; return 1; }
  wait $server || return 1
  # Its CRDs, as `velero install` would create them (up applies them before starting the servers).
  KUBECONFIG=/dev/null "$out/velero" install --crds-only --dry-run -o json >"$out/crds.json"
}

# oci_image NAME ROOTFS CONFIG... — packs ROOTFS as image NAME:testbed into $out/NAME.tar (docker archive).
oci_image() {
  local name=$1 rootfs=$2; shift 2
  local layout="$out/$name-oci"
  umoci init --layout "$layout" >&2
  umoci new --image "$layout:testbed" >&2
  umoci unpack --rootless --image "$layout:testbed" "$out/$name-bundle" >&2
  cp -a "$rootfs/." "$out/$name-bundle/rootfs/"
  umoci repack --image "$layout:testbed" "$out/$name-bundle" >&2
  umoci config --image "$layout:testbed" --os linux --architecture amd64 "$@" >&2
  skopeo copy --quiet "oci:$layout:testbed" "docker-archive:$out/$name.tar:lifeboat.test/$name:testbed" >&2
  rm -rf "$layout" "$out/$name-bundle"
}

# pause and busybox images: the sandbox image every pod needs, and a shell for test pods.
images() {
  log "building the pause and busybox images"
  local rootfs="$out/rootfs"
  mkdir -p "$rootfs/pause"
  cp "$kube_dir/pause" "$rootfs/pause/pause"
  oci_image pause "$rootfs/pause" --config.entrypoint /pause
  busybox_rootfs "$rootfs/busybox"
  oci_image busybox "$rootfs/busybox" --config.cmd sh --config.env PATH=/bin
  rm -rf "$rootfs"
}

# A busybox root filesystem (the busybox image's, and the base of Lifeboat's).
busybox_rootfs() {
  mkdir -p "$1/bin" "$1/tmp" "$1/etc"
  cp /bin/busybox "$1/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox ]] || ln -s busybox "$1/bin/$applet"
  done
}

# Lifeboat's image, in two parts so a change of the project's code rebuilds only a small layer:
# a base (busybox, Node 24 with its libraries, the production node_modules; keyed on Node and the lockfile)
# and per version of the code an OCI layout adding src/, bin/ and package.json, imported by `testbed up`.
lifeboat_base() {
  log "building the base of Lifeboat's image (Node and production node_modules)"
  local rootfs="$out/rootfs" node="$root/node_modules/node/bin/node" lib path
  busybox_rootfs "$rootfs"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/app/node_modules"
  cp "$node" "$rootfs/usr/local/bin/node"
  for lib in $(ldd "$node" | grep -o '/[^ ]*'); do cp --parents -L "$lib" "$rootfs/"; done
  # Production packages only: the lockfile marks the rest "dev".
  "$node" -e 'const lock = require(process.argv[1] + "/package-lock.json");
    const paths = Object.entries(lock.packages).filter(([p, v]) => p && !v.dev && !v.link).map(([p]) => p);
    for (const p of paths) if (!paths.some((q) => p.startsWith(q + "/"))) console.log(p);' "$root" |
    while read -r path; do
      if [[ -e "$root/$path" ]]; then (cd "$root" && cp -a --parents "$path" "$rootfs/app/"); fi
    done
  local layout="$out/oci"
  umoci init --layout "$layout" >&2
  umoci new --image "$layout:base" >&2
  umoci unpack --rootless --image "$layout:base" "$out/bundle" >&2
  cp -a "$rootfs/." "$out/bundle/rootfs/"
  umoci repack --image "$layout:base" "$out/bundle" >&2
  rm -rf "$rootfs" "$out/bundle"
}

lifeboat_image() {
  log "building Lifeboat's image for the current code"
  local layout="$out/oci" layer="$out/app"
  mkdir -p "$layout" "$layer/app"
  cp "$lifeboat_base_dir/oci/oci-layout" "$lifeboat_base_dir/oci/index.json" "$layout/"
  cp -al "$lifeboat_base_dir/oci/blobs" "$layout/blobs"
  (cd "$root" && cp -a --parents package.json src bin "$layer/app/")
  tar -C "$layer" --sort=name --owner=0 --group=0 --numeric-owner -cf "$out/app.tar" app
  umoci raw add-layer --image "$layout:base" --tag testbed "$out/app.tar" >&2
  umoci rm --image "$layout:base" >&2
  umoci config --image "$layout:testbed" --os linux --architecture amd64 --config.workingdir /app \
    --config.env PATH=/usr/local/bin:/bin --config.env NODE_ENV=production \
    --config.entrypoint /usr/local/bin/node --config.entrypoint --max-semi-space-size=4 \
    --config.entrypoint /app/bin/lifeboat.js >&2
  umoci gc --layout "$layout" >&2
  rm -rf "$layer" "$out/app.tar"
}

kube_dir="$cache/$(stamp kube "$KUBE_VERSION" "$(cat "$here/go/kube/go.mod" "$here/go/kube/go.sum" "$here"/go/kube/*/*.go)")"
forward_dir="$cache/$(stamp forward "$(cat "$here/go/forward/go.mod" "$here/go/forward/main.go")")"
etcd_dir="$cache/$(stamp etcd "$(cat "$here/go/etcd/go.mod" "$here/go/etcd/go.sum")")"
minio_dir="$cache/$(stamp minio "$MINIO_VERSION")"
gcs_dir="$cache/$(stamp fake-gcs "$FAKE_GCS_VERSION")"
hostpath_dir="$cache/$(stamp hostpath "$HOSTPATH_TARBALL" "$HOSTPATH_VERSION")"
provisioner_dir="$cache/$(stamp provisioner "$PROVISIONER_VERSION")"
snapshotter_dir="$cache/$(stamp snapshotter "$SNAPSHOTTER_VERSION")"
velero_dir="$cache/$(stamp velero "$VELERO_VERSION" "$VELERO_AWS_VERSION" \
  "$(cat "$here/go/velero/go.mod" "$here/go/velero/go.sum")" "$(declare -f velero)")"
lifeboat_base_dir="$cache/$(stamp lifeboat-base "$(sha256sum "$root/node_modules/node/bin/node" "$root/package-lock.json")" \
  "$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null)" "$(declare -f lifeboat_base busybox_rootfs)")"
lifeboat_dir="$cache/$(stamp lifeboat "$lifeboat_base_dir" "$(declare -f lifeboat_image)" \
  "$(cd "$root" && find package.json src bin -type f -print0 | sort -z | xargs -0 sha256sum)")"
images_dir="$cache/$(stamp images "$kube_dir" "$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null)" \
  "$(declare -f images oci_image busybox_rootfs)")"

build() {
  case $1 in
    etcd) build_into "$etcd_dir" etcd ;;
    forward) build_into "$forward_dir" forward ;;
    fake-gcs) build_into "$gcs_dir" fakegcs ;;
    minio) build_into "$minio_dir" minio ;;
    kube) build_into "$kube_dir" kube ;;
    hostpath)
      [[ -f "$vendor/$HOSTPATH_TARBALL" ]] || {
        log "FAILED: $vendor/$HOSTPATH_TARBALL is missing (csi-driver-host-path's source; set LIFEBOAT_TESTBED_VENDOR)"
        return 1
      }
      build_into "$hostpath_dir" hostpath ;;
    provisioner) build_into "$provisioner_dir" provisioner ;;
    snapshotter) build_into "$snapshotter_dir" snapshotter ;;
    velero) build_into "$velero_dir" velero ;;
    images) apt_install "node images" busybox-static umoci skopeo && build_into "$images_dir" images ;;
    lifeboat)
      apt_install "node images" busybox-static umoci && build_into "$lifeboat_base_dir" lifeboat_base &&
        build_into "$lifeboat_dir" lifeboat_image && prune lifeboat- 3 ;;
    *) log "FAILED: unknown component $1"; return 1 ;;
  esac
}

# prune NAME N — keeps the N newest builds of NAME (Lifeboat's image has one per version of the code).
prune() {
  local old
  for old in $(ls -dt "$cache/$1"* 2>/dev/null | grep -E "/$1[0-9a-f]{16}\$" | tail -n +$(($2 + 1))); do
    rm -rf "$old"
  done
}

# build_all NAME... — builds components side by side; fails (after all finished) if any failed.
build_all() {
  local pids=() name failed=0
  for name in "$@"; do build "$name" & pids+=($!); done
  for name in "${pids[@]}"; do wait "$name" || failed=1; done
  return $failed
}

if [[ ${1:-} == --only ]]; then shift; build_all "$@"; exit; fi
with_velero=0
if [[ ${1:-} == --velero ]]; then with_velero=1; shift; fi
[[ $# -eq 0 ]] || { log "FAILED: unknown arguments $*"; exit 2; }

# Four lanes (five with --velero), none sharing packages with another: Kubernetes (then the images that need
# its pause program, then Lifeboat's), each CSI sidecar, the small builds one after another, and Velero. Go
# parallelises each build over the cores already; the lanes overlap downloads, links and the longest builds.
apt_install "nodes" "${NODE_PACKAGES[@]}"
small() { local name; for name in etcd forward fake-gcs minio hostpath; do build "$name" || return 1; done; }
lanes=()
small & lanes+=($!)
build provisioner & lanes+=($!)
build snapshotter & lanes+=($!)
if [[ $with_velero -eq 1 ]]; then build velero & lanes+=($!); fi
failed=0
{ build kube && build images && build lifeboat; } || failed=1
for lane in "${lanes[@]}"; do wait "$lane" || failed=1; done
[[ $failed -eq 0 ]] || { log "FAILED: see the messages above"; exit 1; }

# Chromium for the console's browser tests comes from Debian's package (installed when missing and we may).
apt_install "browser tests" chromium

# One bin directory of symlinks: what `testbed up` uses.
bin="$cache/bin"; tmp="$(mktemp -d "$cache/.bin.XXXXXX")"
ln -s "$kube_dir"/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,kubectl,registrar,podreset} \
  "$etcd_dir/etcd" "$forward_dir/forward" "$minio_dir/minio" "$gcs_dir/fake-gcs-server" "$hostpath_dir/hostpathplugin" \
  "$provisioner_dir/csi-provisioner" "$snapshotter_dir"/{snapshot-controller,csi-snapshotter} "$tmp/"
ln -s "$snapshotter_dir/crds" "$tmp/snapshot-crds"
ln -s "$images_dir/pause.tar" "$images_dir/busybox.tar" "$tmp/"
ln -s "$lifeboat_dir/oci" "$tmp/lifeboat-image"
# Velero's folder: velero (CLI and server), plugins/, crds.json.
if [[ $with_velero -eq 1 ]]; then ln -s "$velero_dir" "$tmp/velero-build"; fi
for command in chromium containerd containerd-shim-runc-v2 ctr runc iptables; do
  ln -s "$(command -v "$command")" "$tmp/"
done
rm -rf "$bin.old"; [[ -e "$bin" ]] && mv -T "$bin" "$bin.old"; mv -T "$tmp" "$bin"; rm -rf "$bin.old"
echo "$bin"
