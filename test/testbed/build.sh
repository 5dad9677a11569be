#!/usr/bin/env bash
# Builds (once) the test bed's Go binaries — Kubernetes, etcd, MinIO, fake-gcs-server — from the
# Go module proxy into a cache outside the tracked tree, and prints the cache's bin directory.
# A component is rebuilt only when its pinned version (or wrapper module) changes.
#   LIFEBOAT_TESTBED_CACHE  cache root (default: ~/.cache/lifeboat-testbed)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LIFEBOAT_TESTBED_CACHE:-$HOME/.cache/lifeboat-testbed}"
mkdir -p "$cache"

KUBE_VERSION=v1.35.4
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c  # newest source of github.com/minio/minio on the proxy
FAKE_GCS_VERSION=v1.56.1

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
  if ! out="$out" "$@"; then rm -rf "$out"; log "FAILED: $dir"; return 1; fi
  mv -T "$out" "$dir"
  log "built $(basename "$dir") in $((SECONDS - start)) s"
}

kube() {
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  local v=k8s.io/component-base/version cv=k8s.io/client-go/pkg/version
  local ld="-s -w"
  for p in $v $cv; do
    ld+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  log "building Kubernetes $KUBE_VERSION (a cold build takes 10–20 minutes on 2 cores)"
  (cd "$here/go/kube" && go build -trimpath -ldflags "$ld" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl)
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

kube_dir="$cache/$(stamp kube "$KUBE_VERSION" "$(cat "$here/go/kube/go.mod" "$here/go/kube/go.sum")")"
etcd_dir="$cache/$(stamp etcd "$(cat "$here/go/etcd/go.mod" "$here/go/etcd/go.sum")")"
minio_dir="$cache/$(stamp minio "$MINIO_VERSION")"
gcs_dir="$cache/$(stamp fake-gcs "$FAKE_GCS_VERSION")"

build_into "$etcd_dir" etcd
build_into "$gcs_dir" fakegcs
build_into "$minio_dir" minio
build_into "$kube_dir" kube

# Chromium for the console's browser tests comes from Debian's package (installed when missing and we may).
chromium_path() {
  local path; path="$(command -v chromium || true)"
  if [[ -z "$path" ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
      log "installing Debian's chromium package (browser tests)"
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >&2
      path="$(command -v chromium)"
    else
      log "FAILED: chromium is missing: install Debian's chromium package (sudo apt-get install chromium)"
      return 1
    fi
  fi
  echo "$path"
}
chromium="$(chromium_path)"

# One bin directory of symlinks: what `testbed up` uses.
bin="$cache/bin"; tmp="$(mktemp -d "$cache/.bin.XXXXXX")"
ln -s "$kube_dir/kube-apiserver" "$kube_dir/kube-controller-manager" "$kube_dir/kubectl" \
  "$etcd_dir/etcd" "$minio_dir/minio" "$gcs_dir/fake-gcs-server" "$chromium" "$tmp/"
rm -rf "$bin.old"; [[ -e "$bin" ]] && mv -T "$bin" "$bin.old"; mv -T "$tmp" "$bin"; rm -rf "$bin.old"
echo "$bin"
