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

# Builds the Helm CLI from the pinned upstream Go module in hack/tools/helm into
# bin/helm. These machines cannot download release binaries, so the chart tests,
# make demo and the e2e suite use this one.
#
# Usage: hack/build-helm.sh [-f|--force]
#   -f, --force  rebuild even if bin/helm already matches
#
# Environment:
#   BIN_DIR  output directory (default: <repo>/bin)
#
# bin/helm is rebuilt only when it is missing or its line in bin/.helm-version
# (version + fingerprint of Go version, go.mod and go.sum) differs, so a second
# run returns at once. A cold build takes about 6 CPU-minutes (20 minutes wall-clock on a busy
# 2-core machine).
set -euo pipefail

readonly HELM_VERSION=v4.3.1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${BIN_DIR:-$ROOT/bin}
MOD_DIR=$ROOT/hack/tools/helm
STAMP_FILE=$BIN_DIR/.helm-version
# log, die, usage, parse_args and FORCE.
source "$ROOT/hack/lib/tool-build.sh"

# stamp identifies everything bin/helm's bytes depend on: the pinned version, the Go toolchain
# and the tool module's dependency graph.
stamp() {
	local sum
	sum=$({ cd "$MOD_DIR" && go version && cat go.mod go.sum; } | sha256sum | cut -c1-16)
	echo "$HELM_VERSION $sum"
}

up_to_date() {
	[[ $FORCE -eq 0 && -x $BIN_DIR/helm && -f $STAMP_FILE && "$(cat "$STAMP_FILE")" == "$1" ]]
}

# ldflags set what `helm version` reports, as Helm's own Makefile does; the module zip carries
# no git commit, so the go.sum hash of the module stands in for it.
ldflags() {
	local commit pkg=helm.sh/helm/v4/internal/version
	commit=$(awk -v v="$HELM_VERSION" '$1 == "helm.sh/helm/v4" && $2 == v { print $3 }' "$MOD_DIR/go.sum")
	echo "-s -w -X $pkg.version=$HELM_VERSION -X $pkg.gitCommit=$commit -X $pkg.gitTreeState=clean"
}

# check_version fails unless bin/helm reports the pinned version, which catches a build whose
# version ldflags did not take.
check_version() {
	local out
	out=$("$BIN_DIR/helm" version --template '{{.Version}}' 2>&1) || die "helm version failed: $out"
	[[ $out == "$HELM_VERSION" ]] || die "helm version printed '$out', want '$HELM_VERSION'"
	log "helm: $out"
}

main() {
	parse_args "$@"
	command -v go >/dev/null || die "go is not on PATH"
	mkdir -p "$BIN_DIR"
	# Serialise concurrent callers (two make targets, two engineers) on the same bin/.
	exec 9>"$BIN_DIR/.build-helm.lock"
	flock 9
	export CGO_ENABLED=0 GOWORK=off GOFLAGS="-mod=mod -buildvcs=false ${GOFLAGS:-}"
	local want start=$SECONDS
	want=$(stamp)
	if up_to_date "$want"; then
		log "helm $HELM_VERSION is up to date"
		return
	fi
	log "building helm $HELM_VERSION from hack/tools/helm (a cold build takes minutes)"
	(cd "$MOD_DIR" && go build -trimpath -ldflags "$(ldflags)" -o "$BIN_DIR/helm" helm.sh/helm/v4/cmd/helm)
	check_version
	echo "$want" >"$STAMP_FILE"
	log "built helm in $((SECONDS - start))s"
}

main "$@"
