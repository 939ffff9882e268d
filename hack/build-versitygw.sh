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

# Builds Versity's S3 gateway (versitygw) from the pinned upstream Go module into
# bin/versitygw. Its posix backend serves a plain directory over the S3 API, so the
# integration tests of internal/objstore (and of whatever stores backups through it)
# run against a real S3 server on 127.0.0.1 (internal/objstore/s3test). It is pure
# Go: nothing beyond the Go toolchain is needed.
#
# Usage: hack/build-versitygw.sh [-f|--force]
#   -f, --force  rebuild even if bin/versitygw already matches
#
# Environment:
#   BIN_DIR  output directory (default: <repo>/bin)
#
# bin/versitygw is rebuilt only when it is missing or bin/.versitygw-version (version +
# fingerprint of the Go version) differs, so a second run returns at once. Measured on 2
# cores: about 2.5 min from an empty build cache (4 CPU-minutes), about 1 s with a warm one.
set -euo pipefail

readonly VGW_MODULE=github.com/versity/versitygw
readonly VGW_VERSION=v1.8.0

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${BIN_DIR:-$ROOT/bin}
STAMP_FILE=$BIN_DIR/.versitygw-version
# log, die, usage, parse_args and FORCE.
source "$ROOT/hack/lib/tool-build.sh"

# stamp identifies what bin/versitygw's bytes depend on: `go install module@version` builds
# with the module's own go.sum, so the pinned version and the Go toolchain are all of it.
stamp() {
	local sum
	sum=$(go version | sha256sum | cut -c1-16)
	echo "$VGW_VERSION $sum"
}

up_to_date() {
	[[ $FORCE -eq 0 && -x $BIN_DIR/versitygw && -f $STAMP_FILE && "$(cat "$STAMP_FILE")" == "$1" ]]
}

# check_version fails unless bin/versitygw reports the pinned version, which catches a build
# whose version ldflags did not take.
check_version() {
	local out
	out=$("$BIN_DIR/versitygw" --version 2>&1) || die "versitygw --version failed: $out"
	[[ $out == *"Version  : $VGW_VERSION"* ]] || die "versitygw --version printed '$out', want $VGW_VERSION"
	log "versitygw: $VGW_VERSION"
}

main() {
	parse_args "$@"
	command -v go >/dev/null || die "go is not on PATH"
	mkdir -p "$BIN_DIR"
	# Serialise concurrent callers (two make targets, two engineers) on the same bin/.
	exec 9>"$BIN_DIR/.build-versitygw.lock"
	flock 9
	# module@version installs ignore the repo's go.mod; GOWORK=off keeps a go.work out too.
	export CGO_ENABLED=0 GOWORK=off GOBIN=$BIN_DIR GOFLAGS="-buildvcs=false ${GOFLAGS:-}"
	local want start=$SECONDS
	want=$(stamp)
	if up_to_date "$want"; then
		log "versitygw $VGW_VERSION is up to date"
		return
	fi
	log "building versitygw $VGW_VERSION (a cold build takes minutes)"
	# The module zip carries no git commit; upstream's Makefile sets these three the same way.
	(cd "$ROOT" && go install -trimpath \
		-ldflags "-s -w -X=main.Version=$VGW_VERSION -X=main.Build=$VGW_VERSION -X=main.BuildTime=none" \
		"$VGW_MODULE/cmd/versitygw@$VGW_VERSION")
	check_version
	echo "$want" >"$STAMP_FILE"
	log "built versitygw in $((SECONDS - start))s"
}

main "$@"
