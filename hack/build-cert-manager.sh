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

# Builds the cert-manager controller the e2e suite runs as a host process
# (hack/tools/cert-manager: upstream's pkg/controller with the SelfSigned and CA
# issuers) from the pinned upstream Go module into bin/, with its CRDs:
#
#   bin/cert-manager        the controller (hack/tools/cert-manager/main.go)
#   bin/cert-manager-crds/  the cert-manager.io CRDs of that version (the module's
#                           deploy/crds, plain YAML; the script refuses them if a
#                           version ever ships them Helm-templated)
#
# Upstream's cmd/controller is a module of its own that is not on the module
# proxy; the root module github.com/cert-manager/cert-manager is, and its
# pkg/controller holds every controller.
#
# Usage: hack/build-cert-manager.sh [-f|--force]
#   -f, --force  rebuild even if bin/ already holds a matching build
#
# Environment:
#   BIN_DIR  output directory (default: <repo>/bin)
#
# Nothing is rebuilt while bin/.cert-manager-version matches the version and a
# fingerprint of the toolchain, the tool module and this script. Measured on 2
# cores (2026-12-02): from an empty build cache 11 CPU-minutes (8 min user, 3 min
# system; 28 min wall at nice 19 beside a load average of 10 to 17, so about 6
# min on idle cores); about 10 s with a warm build cache, 0.3 s with nothing to do.
set -euo pipefail

readonly CM_MODULE=github.com/cert-manager/cert-manager
readonly CM_VERSION=v1.21.2
readonly CRDS=(certificaterequests certificates clusterissuers issuers)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MOD_DIR=$ROOT/hack/tools/cert-manager
BIN_DIR=${BIN_DIR:-$ROOT/bin}
STAMP_FILE=$BIN_DIR/.cert-manager-version
# log, die, usage, parse_args and FORCE.
source "$ROOT/hack/lib/tool-build.sh"

# cm_go runs the go command in the tool module, apart from the repository's.
cm_go() {
	(cd "$MOD_DIR" && GOWORK=off CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" go "$@")
}

# fingerprint identifies everything the outputs depend on besides the version.
fingerprint() {
	{
		go env GOVERSION
		cat "$MOD_DIR/go.mod" "$MOD_DIR/go.sum" "$MOD_DIR/main.go" "${BASH_SOURCE[0]}"
	} | sha256sum | cut -c1-16
}

up_to_date() {
	local stamp=$1 crd
	[[ $FORCE -eq 0 && -f $STAMP_FILE && "$(cat "$STAMP_FILE")" == "$stamp" && -x $BIN_DIR/cert-manager ]] || return 1
	for crd in "${CRDS[@]}"; do
		[[ -f $BIN_DIR/cert-manager-crds/cert-manager.io_$crd.yaml ]] || return 1
	done
}

build_binary() {
	local start=$SECONDS
	log "building cert-manager $CM_VERSION (a cold build takes minutes)"
	cm_go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/cert-manager.new" .
	mv "$BIN_DIR/cert-manager.new" "$BIN_DIR/cert-manager"
	log "built bin/cert-manager in $((SECONDS - start))s"
}

# install_crds copies the module's CRDs, which must be plain YAML (no Helm template).
install_crds() {
	local cm_dir=$1 crd file
	mkdir -p "$BIN_DIR/cert-manager-crds"
	for crd in "${CRDS[@]}"; do
		file=$cm_dir/deploy/crds/cert-manager.io_$crd.yaml
		[[ -f $file ]] || die "$file is missing"
		! grep -q '{{' "$file" || die "$file is Helm-templated: render it before installing"
		install -m 644 "$file" "$BIN_DIR/cert-manager-crds/"
	done
}

# check_build fails unless the binary records the pinned module.
check_build() {
	local info
	info=$(cm_go version -m "$BIN_DIR/cert-manager") || die "go version -m bin/cert-manager failed"
	grep -Eq "^[[:space:]]+dep[[:space:]]+$CM_MODULE[[:space:]]+$CM_VERSION([[:space:]]|$)" <<<"$info" ||
		die "bin/cert-manager does not record $CM_MODULE $CM_VERSION"
	"$BIN_DIR/cert-manager" --help >/dev/null 2>&1 || die "bin/cert-manager --help failed"
}

main() {
	parse_args "$@"
	command -v go >/dev/null || die "go is not on PATH"
	mkdir -p "$BIN_DIR"
	exec 9>"$BIN_DIR/.build-cert-manager.lock"
	flock 9
	local stamp cm_dir start=$SECONDS
	stamp="$CM_VERSION $(fingerprint)"
	if up_to_date "$stamp"; then
		log "cert-manager $CM_VERSION is up to date"
		return 0
	fi
	# The module's files (its CRDs) are in the module cache only once downloaded.
	cm_go mod download "$CM_MODULE"
	cm_dir=$(cm_go list -m -f '{{.Dir}}' "$CM_MODULE")
	[[ -n $cm_dir && -d $cm_dir/deploy/crds ]] || die "no module directory for $CM_MODULE"
	build_binary
	install_crds "$cm_dir"
	check_build
	echo "$stamp" >"$STAMP_FILE"
	log "done in $((SECONDS - start))s"
}

main "$@"
