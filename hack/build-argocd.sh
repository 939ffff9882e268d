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

# Builds the parts of Argo CD that the e2e suite runs as host processes (the
# application controller and the repo server) from the pinned upstream Go module
# in hack/tools/argocd into bin/, with what they need next to them:
#
#   bin/argocd                           one multi-call binary (hack/tools/argocd/main.go)
#   bin/argocd-application-controller -> argocd
#   bin/argocd-repo-server            -> argocd
#   bin/argocd-libexec/                  the repo server's PATH additions: argocd (git's
#                                        GIT_ASKPASS helper) and git-verify-wrapper.sh
#   bin/argocd-crds/                     the Application and AppProject CRDs of that version
#   bin/argocd-config/                   its install's ConfigMaps and Secret (manifests/base/config)
#   bin/argocd-src/                      the Argo CD module the binary is built from: a copy
#                                        of the module cache's, patched (see patched_copy)
#
# Argo CD v3.6 needs Go 1.27 while Ordinal stays on Go 1.26, so only this
# module's go commands run with GOTOOLCHAIN=go1.27.3 (the go command fetches
# that toolchain from the module proxy once).
#
# Usage: hack/build-argocd.sh [-f|--force]
#   -f, --force  rebuild even if bin/ already holds a matching build
#
# Environment:
#   BIN_DIR  output directory (default: <repo>/bin)
#
# Nothing is rebuilt while bin/.argocd-version matches the version and a
# fingerprint of the toolchain, the tool module and this script. Measured on 2
# cores (docs/gitops.md): about 8 min from empty module and build caches (14
# CPU-minutes), about 15 s with a warm build cache, 0.15 s with nothing to do.
set -euo pipefail

readonly ARGOCD_MODULE=github.com/argoproj/argo-cd/v3
readonly ARGOCD_VERSION=v3.6.1
readonly ARGOCD_TOOLCHAIN=go1.27.3
readonly ROLES=(argocd-application-controller argocd-repo-server)
# An install's configuration as upstream ships it (its defaults matter: argocd-cm's
# ignoreResourceUpdates decides when a status change re-evaluates health).
readonly CONFIG_FILES=(argocd-cm.yaml argocd-rbac-cm.yaml argocd-secret.yaml argocd-cmd-params-cm.yaml)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MOD_DIR=$ROOT/hack/tools/argocd
BIN_DIR=${BIN_DIR:-$ROOT/bin}
STAMP_FILE=$BIN_DIR/.argocd-version
# The patched module copy; a fixed place because hack/tools/argocd/go.mod names it.
SRC_DIR=$ROOT/bin/argocd-src
# log, die, usage, parse_args and FORCE.
source "$ROOT/hack/lib/tool-build.sh"

# argo_go runs the go command in the tool module with Argo CD's toolchain; the
# rest of the repository never sees GOTOOLCHAIN.
argo_go() {
	(cd "$MOD_DIR" && GOTOOLCHAIN=$ARGOCD_TOOLCHAIN GOWORK=off CGO_ENABLED=0 \
		GOFLAGS="-mod=readonly -buildvcs=false" go "$@")
}

# fingerprint identifies everything the outputs depend on besides the version:
# the toolchain, the module's dependency graph and main, and this script (which
# holds the patch below).
fingerprint() {
	{
		echo "$ARGOCD_TOOLCHAIN"
		cat "$MOD_DIR/go.mod" "$MOD_DIR/go.sum" "$MOD_DIR/main.go" "${BASH_SOURCE[0]}"
	} | sha256sum | cut -c1-16
}

up_to_date() {
	local stamp=$1 role file
	[[ $FORCE -eq 0 && -f $STAMP_FILE && "$(cat "$STAMP_FILE")" == "$stamp" ]] || return 1
	[[ -x $BIN_DIR/argocd && -x $BIN_DIR/argocd-libexec/git-verify-wrapper.sh ]] || return 1
	[[ -f $BIN_DIR/argocd-crds/application-crd.yaml && -f $BIN_DIR/argocd-crds/appproject-crd.yaml ]] || return 1
	for file in "${CONFIG_FILES[@]}"; do
		[[ -f $BIN_DIR/argocd-config/$file ]] || return 1
	done
	for role in "${ROLES[@]}"; do
		[[ -L $BIN_DIR/$role ]] || return 1
	done
}

# pristine_module downloads the pinned Argo CD module and prints its directory
# in the module cache. It runs outside the tool module, whose go.mod replaces
# the module with the patched copy that does not exist yet.
pristine_module() {
	local scratch dir
	scratch=$(mktemp -d)
	dir=$(cd "$scratch" && GOTOOLCHAIN=$ARGOCD_TOOLCHAIN GOFLAGS=-mod=mod GOWORK=off \
		go mod download -json "$ARGOCD_MODULE@$ARGOCD_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	rmdir "$scratch"
	[[ -n $dir && -f $dir/go.mod ]] || die "no module directory for $ARGOCD_MODULE@$ARGOCD_VERSION"
	echo "$dir"
}

# patched_copy copies the module (without its docs and web UI, which nothing
# builds from) to SRC_DIR, the directory hack/tools/argocd/go.mod replaces it
# with, and makes the application controller's metrics server listen on
# 127.0.0.1 instead of 0.0.0.0: upstream hard-codes the address and has no flag
# for it, and nothing the suite starts may listen beyond loopback.
patched_copy() {
	local pristine=$1 file
	rm -rf "$SRC_DIR"
	mkdir -p "$SRC_DIR"
	tar -C "$pristine" --exclude=./docs --exclude=./ui -cf - . | tar -C "$SRC_DIR" -xf -
	chmod -R u+w "$SRC_DIR"
	file=$SRC_DIR/controller/appcontroller.go
	[[ $(grep -c '"0\.0\.0\.0:%d"' "$file") -eq 1 ]] ||
		die "$file no longer holds exactly one \"0.0.0.0:%d\": revisit the loopback patch"
	sed -i 's/"0\.0\.0\.0:%d"/"127.0.0.1:%d"/' "$file"
}

# ldflags sets the version Argo CD reports, with the module's publication time
# (from the module cache's .info) as its build date.
ldflags() {
	local pkg=$ARGOCD_MODULE/common info date
	info=$(go env GOMODCACHE)/cache/download/$ARGOCD_MODULE/@v/$ARGOCD_VERSION.info
	date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info")
	echo "-s -w -X $pkg.version=${ARGOCD_VERSION#v} -X $pkg.gitTag=$ARGOCD_VERSION -X $pkg.buildDate=${date:-unknown} -X $pkg.gitTreeState=clean"
}

build_binary() {
	local start
	log "building argocd $ARGOCD_VERSION with $ARGOCD_TOOLCHAIN (a cold build takes minutes)"
	start=$SECONDS
	argo_go build -trimpath -ldflags "$(ldflags)" -o "$BIN_DIR/argocd.new" .
	mv "$BIN_DIR/argocd.new" "$BIN_DIR/argocd"
	log "built bin/argocd in $((SECONDS - start))s"
}

# install_extras links the role names and copies what the repo server runs
# and what the suite applies, from the same module version.
install_extras() {
	local argo_dir=$1 role
	for role in "${ROLES[@]}"; do
		ln -sfn argocd "$BIN_DIR/$role"
	done
	mkdir -p "$BIN_DIR/argocd-libexec" "$BIN_DIR/argocd-crds" "$BIN_DIR/argocd-config"
	ln -sfn ../argocd "$BIN_DIR/argocd-libexec/argocd"
	install -m 755 "$argo_dir/hack/git-verify-wrapper.sh" "$BIN_DIR/argocd-libexec/git-verify-wrapper.sh"
	install -m 644 "$argo_dir/manifests/crds/application-crd.yaml" "$argo_dir/manifests/crds/appproject-crd.yaml" \
		"$BIN_DIR/argocd-crds/"
	install -m 644 "${CONFIG_FILES[@]/#/$argo_dir/manifests/base/config/}" "$BIN_DIR/argocd-config/"
}

# check_build fails unless the binary records the pinned Argo CD module and
# dispatches on its name.
check_build() {
	local info
	info=$(argo_go version -m "$BIN_DIR/argocd") || die "go version -m bin/argocd failed"
	grep -Eq "^[[:space:]]+dep[[:space:]]+$ARGOCD_MODULE[[:space:]]+$ARGOCD_VERSION([[:space:]]|$)" <<<"$info" ||
		die "bin/argocd does not record $ARGOCD_MODULE $ARGOCD_VERSION"
	"$BIN_DIR/argocd-repo-server" --help >/dev/null 2>&1 || die "bin/argocd-repo-server --help failed"
	"$BIN_DIR/argocd-application-controller" --help >/dev/null 2>&1 || die "bin/argocd-application-controller --help failed"
	log "bin/argocd holds $ARGOCD_MODULE $ARGOCD_VERSION"
}

main() {
	parse_args "$@"
	command -v go >/dev/null || die "go is not on PATH"
	mkdir -p "$BIN_DIR"
	# Serialise concurrent callers (e.g. two make targets) on the same bin/.
	exec 9>"$BIN_DIR/.build-argocd.lock"
	flock 9
	local stamp pristine argo_dir start=$SECONDS
	stamp="$ARGOCD_VERSION $(fingerprint)"
	if up_to_date "$stamp"; then
		log "argocd $ARGOCD_VERSION is up to date"
		return 0
	fi
	pristine=$(pristine_module)
	patched_copy "$pristine"
	# The copy is what the tool module builds: the CRDs and scripts come from it too.
	argo_dir=$(argo_go list -m -f '{{.Dir}}' "$ARGOCD_MODULE")
	[[ $argo_dir -ef $SRC_DIR ]] || die "hack/tools/argocd resolves $ARGOCD_MODULE to $argo_dir, not $SRC_DIR"
	build_binary
	install_extras "$argo_dir"
	check_build
	echo "$stamp" >"$STAMP_FILE"
	log "done in $((SECONDS - start))s; binaries in $BIN_DIR"
}

main "$@"
