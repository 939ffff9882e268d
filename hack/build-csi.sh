#!/usr/bin/env bash
# Copyright 2026 The Ordinal Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# Builds the Kubernetes CSI pieces that drive localkube's snapshot-capable
# storage (test/localkube/csi) from the pinned upstream Go modules into bin/:
#
#   bin/csi-provisioner      external-provisioner: PVCs of StorageClass localkube-csi,
#                            including those with a VolumeSnapshot or PVC dataSource
#   bin/csi-snapshotter      external-snapshotter's sidecar: VolumeSnapshotContents
#   bin/snapshot-controller  external-snapshotter's common controller: VolumeSnapshots
#   bin/csi-crds/            the snapshot.storage.k8s.io CRDs of that version
#   bin/csi-src/             the module copies they are built from
#
# Both upstream modules carry replace directives (the snapshotter's names its
# client module by a relative path that the module zip lacks), so `go install
# module@version` refuses them: each is built as the main module in a copy of the
# module cache's files, with the client module copied to where its replace points.
# Each build then uses upstream's own go.mod and go.sum unchanged.
#
# Usage: hack/build-csi.sh [-f|--force]
#   -f, --force  rebuild even if bin/ already holds a matching build
#
# Environment:
#   BIN_DIR  output directory (default: <repo>/bin)
#
# Nothing is rebuilt while bin/.csi-version matches the versions and a fingerprint
# of the toolchain and this script. Measured on 2 cores (2026-12-03): about 4 min
# for the provisioner and 4 min for both snapshotter binaries from an empty build
# cache; 0.1 s with nothing to do.
set -euo pipefail

readonly PROVISIONER_MODULE=github.com/kubernetes-csi/external-provisioner/v6
readonly PROVISIONER_VERSION=v6.4.0
readonly SNAPSHOTTER_MODULE=github.com/kubernetes-csi/external-snapshotter/v8
readonly SNAPSHOTTER_CLIENT=github.com/kubernetes-csi/external-snapshotter/client/v8
readonly SNAPSHOTTER_VERSION=v8.7.0
readonly CRDS=(volumesnapshotclasses volumesnapshotcontents volumesnapshots)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${BIN_DIR:-$ROOT/bin}
STAMP_FILE=$BIN_DIR/.csi-version
SRC_DIR=$BIN_DIR/csi-src
# log, die, usage, parse_args and FORCE.
source "$ROOT/hack/lib/tool-build.sh"

# fingerprint identifies everything the outputs depend on besides the versions.
fingerprint() {
	{
		go env GOVERSION
		cat "${BASH_SOURCE[0]}"
	} | sha256sum | cut -c1-16
}

up_to_date() {
	local stamp=$1 f
	[[ $FORCE -eq 0 && -f $STAMP_FILE && "$(cat "$STAMP_FILE")" == "$stamp" ]] || return 1
	for f in csi-provisioner csi-snapshotter snapshot-controller; do
		[[ -x $BIN_DIR/$f ]] || return 1
	done
	for f in "${CRDS[@]}"; do
		[[ -f $BIN_DIR/csi-crds/snapshot.storage.k8s.io_$f.yaml ]] || return 1
	done
}

# module_dir downloads module@version into the module cache and prints its directory.
module_dir() {
	local dir
	dir=$(cd "$SRC_DIR" && GOWORK=off GOFLAGS= go mod download -json "$1@$2" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
	[[ -n $dir && -d $dir ]] || die "no module directory for $1@$2"
	echo "$dir"
}

# writable_copy copies a module directory (read-only in the cache) to $2.
writable_copy() {
	rm -rf "$2"
	cp -r "$1" "$2"
	chmod -R u+w "$2"
}

# build_in builds the main package $2 of the module copy $1 into bin/$3.
build_in() {
	local start=$SECONDS
	log "building $3 (a cold build takes minutes)"
	(cd "$1" && GOWORK=off CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" \
		go build -trimpath -ldflags "-s -w -X main.version=$4" -o "$BIN_DIR/$3.new" "$2")
	mv "$BIN_DIR/$3.new" "$BIN_DIR/$3"
	"$BIN_DIR/$3" --help >/dev/null 2>&1 || die "bin/$3 --help failed"
	log "built bin/$3 in $((SECONDS - start))s"
}

build_all() {
	local prov snap client crd file
	prov=$(module_dir "$PROVISIONER_MODULE" "$PROVISIONER_VERSION")
	snap=$(module_dir "$SNAPSHOTTER_MODULE" "$SNAPSHOTTER_VERSION")
	client=$(module_dir "$SNAPSHOTTER_CLIENT" "$SNAPSHOTTER_VERSION")
	writable_copy "$prov" "$SRC_DIR/external-provisioner"
	writable_copy "$snap" "$SRC_DIR/external-snapshotter"
	grep -q "^replace $SNAPSHOTTER_CLIENT => ./client$" "$SRC_DIR/external-snapshotter/go.mod" ||
		die "external-snapshotter's go.mod no longer replaces its client with ./client"
	writable_copy "$client" "$SRC_DIR/external-snapshotter/client"
	build_in "$SRC_DIR/external-provisioner" ./cmd/csi-provisioner csi-provisioner "$PROVISIONER_VERSION"
	build_in "$SRC_DIR/external-snapshotter" ./cmd/csi-snapshotter csi-snapshotter "$SNAPSHOTTER_VERSION"
	build_in "$SRC_DIR/external-snapshotter" ./cmd/snapshot-controller snapshot-controller "$SNAPSHOTTER_VERSION"
	mkdir -p "$BIN_DIR/csi-crds"
	for crd in "${CRDS[@]}"; do
		file=$client/config/crd/snapshot.storage.k8s.io_$crd.yaml
		[[ -f $file ]] || die "$file is missing"
		install -m 644 "$file" "$BIN_DIR/csi-crds/"
	done
}

main() {
	parse_args "$@"
	command -v go >/dev/null || die "go is not on PATH"
	mkdir -p "$BIN_DIR" "$SRC_DIR"
	exec 9>"$BIN_DIR/.build-csi.lock"
	flock 9
	local stamp start=$SECONDS
	stamp="$PROVISIONER_VERSION $SNAPSHOTTER_VERSION $(fingerprint)"
	if up_to_date "$stamp"; then
		log "CSI sidecars $PROVISIONER_VERSION/$SNAPSHOTTER_VERSION are up to date"
		return 0
	fi
	build_all
	echo "$stamp" >"$STAMP_FILE"
	log "done in $((SECONDS - start))s"
}

main "$@"
