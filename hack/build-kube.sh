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

# Builds the Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl) from the pinned upstream Go
# modules in hack/tools/{etcd,kube} into bin/. These machines cannot download
# release binaries, so envtest and localkube use these instead.
#
# Usage: hack/build-kube.sh [-f|--force] [--print-dir] [BINARY...]
#   BINARY       any of: etcd kube-apiserver kube-controller-manager
#                kube-scheduler kubectl (default: all of them)
#   -f, --force  rebuild even if bin/ already holds a matching binary
#   --print-dir  print only the assets directory on stdout (progress goes to
#                stderr), e.g. KUBEBUILDER_ASSETS=$(hack/build-kube.sh --print-dir)
#
# Environment:
#   KUBEBUILDER_ASSETS  if set and it holds etcd and kube-apiserver, nothing is
#                       built and that directory is used
#   BIN_DIR             output directory (default: <repo>/bin)
#   KUBE_GIT_COMMIT     value reported as gitCommit (default: the module's
#                       go.sum hash, since a module zip carries no git commit)
#
# A binary is rebuilt only when it is missing or its line in bin/.kube-version
# (version + fingerprint of Go version, go.mod and go.sum) differs. A cold
# build of everything takes about 6-7 minutes on 2 cores.
set -euo pipefail

readonly KUBE_VERSION=v1.37.2
readonly ETCD_VERSION=v3.6.16
readonly KUBE_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${BIN_DIR:-$ROOT/bin}
STAMP_FILE=$BIN_DIR/.kube-version
FORCE=0
PRINT_DIR=0
WANTED=()

log() { echo "build-kube: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { sed -n '/^# Usage:/,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; }

parse_args() {
	local arg
	for arg in "$@"; do
		case $arg in
		-f | --force) FORCE=1 ;;
		--print-dir) PRINT_DIR=1 ;;
		-h | --help) usage; exit 0 ;;
		etcd | kube-apiserver | kube-controller-manager | kube-scheduler | kubectl) WANTED+=("$arg") ;;
		*) usage; die "unknown argument: $arg" ;;
		esac
	done
	[[ ${#WANTED[@]} -gt 0 ]] || WANTED=(etcd "${KUBE_CMDS[@]}")
}

# done_with prints the assets directory if asked to, then exits.
done_with() {
	[[ $PRINT_DIR -eq 0 ]] || echo "$1"
	exit 0
}

# prebuilt_assets reports whether KUBEBUILDER_ASSETS already points at a
# usable control plane, so a developer's own binaries win over a build.
prebuilt_assets() {
	local dir=${KUBEBUILDER_ASSETS:-}
	[[ -n $dir && -x $dir/etcd && -x $dir/kube-apiserver ]]
}

# fingerprint identifies everything a binary's bytes depend on besides the
# pinned version: the Go toolchain and the tool module's dependency graph.
fingerprint() {
	local mod_dir=$1
	{ go version; cat "$mod_dir/go.mod" "$mod_dir/go.sum"; } | sha256sum | cut -c1-16
}

stamp_of() {
	[[ -f $STAMP_FILE ]] || return 0
	awk -v n="$1" '$1 == n { print $2 " " $3 }' "$STAMP_FILE"
}

record_stamp() {
	local name=$1 stamp=$2 tmp
	tmp=$(mktemp "$STAMP_FILE.XXXXXX")
	{ [[ ! -f $STAMP_FILE ]] || awk -v n="$name" '$1 != n' "$STAMP_FILE"; echo "$name $stamp"; } >"$tmp"
	chmod 644 "$tmp"
	mv "$tmp" "$STAMP_FILE"
}

# needs_build reports whether bin/NAME is missing or stamped differently.
needs_build() {
	local name=$1 stamp=$2
	[[ $FORCE -eq 1 || ! -x $BIN_DIR/$name || "$(stamp_of "$name")" != "$stamp" ]]
}

kube_ldflags() {
	local mod_dir=$ROOT/hack/tools/kube minor date commit flags="-s -w" pkg
	minor=${KUBE_VERSION#v1.}
	minor=${minor%%.*}
	date=$(cd "$mod_dir" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes 2>/dev/null) ||
		date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	commit=${KUBE_GIT_COMMIT:-$(awk -v v="$KUBE_VERSION" '$1 == "k8s.io/kubernetes" && $2 == v { print $3 }' "$mod_dir/go.sum")}
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		flags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
		flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date -X $pkg.gitCommit=$commit"
	done
	echo "$flags"
}

# go_build builds packages of one tool module into BIN_DIR and times it;
# WHAT names the binaries for the log.
go_build() {
	local what=$1 mod_dir=$2 ldflags=$3 start
	shift 3
	log "building $what from ${mod_dir#"$ROOT"/} (a cold build takes minutes)"
	start=$SECONDS
	(cd "$mod_dir" && go build -trimpath -ldflags "$ldflags" -o "$BIN_DIR/" "$@")
	log "built $what in $((SECONDS - start))s"
}

# check_version runs BIN ARGS... and fails unless its first line holds WANT,
# which catches a build whose version ldflags did not take.
check_version() {
	local want=$1 bin=$2 out got
	shift 2
	# The whole output first: piping into head would kill a command that prints a second line
	# (kubectl's Kustomize version) with SIGPIPE, which pipefail reports as a failure.
	out=$("$BIN_DIR/$bin" "$@" 2>&1) || die "$bin $* failed: $out"
	got=${out%%$'\n'*}
	[[ $got == *"$want"* ]] || die "$bin $* printed '$got', want '$want'"
	log "$bin: $got"
}

build_etcd() {
	local mod_dir=$ROOT/hack/tools/etcd stamp
	stamp="$ETCD_VERSION $(fingerprint "$mod_dir")"
	if ! needs_build etcd "$stamp"; then
		log "etcd $ETCD_VERSION is up to date"
		return
	fi
	go_build "etcd $ETCD_VERSION" "$mod_dir" "-s -w" .
	check_version "etcd Version: ${ETCD_VERSION#v}" etcd --version
	record_stamp etcd "$stamp"
}

build_kube() {
	local mod_dir=$ROOT/hack/tools/kube stamp name pkgs=() names=()
	stamp="$KUBE_VERSION $(fingerprint "$mod_dir")"
	for name in "$@"; do
		if needs_build "$name" "$stamp"; then
			pkgs+=("k8s.io/kubernetes/cmd/$name")
			names+=("$name")
		else
			log "$name $KUBE_VERSION is up to date"
		fi
	done
	[[ ${#pkgs[@]} -gt 0 ]] || return 0
	# One go build for all commands lets Go compile shared packages once.
	go_build "${names[*]} $KUBE_VERSION" "$mod_dir" "$(kube_ldflags)" "${pkgs[@]}"
	for name in "${names[@]}"; do
		if [[ $name == kubectl ]]; then
			check_version "Client Version: $KUBE_VERSION" kubectl version --client
		else
			check_version "Kubernetes $KUBE_VERSION" "$name" --version
		fi
		record_stamp "$name" "$stamp"
	done
}

main() {
	parse_args "$@"
	if prebuilt_assets; then
		log "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS (holds etcd and kube-apiserver); nothing to build"
		done_with "$KUBEBUILDER_ASSETS"
	fi
	command -v go >/dev/null || die "go is not on PATH"
	mkdir -p "$BIN_DIR"
	# Serialise concurrent callers (e.g. two make targets) on the same bin/.
	exec 9>"$BIN_DIR/.build-kube.lock"
	flock 9
	export CGO_ENABLED=0 GOWORK=off GOFLAGS="-mod=mod -buildvcs=false ${GOFLAGS:-}"
	local start=$SECONDS name kube=()
	for name in "${WANTED[@]}"; do
		if [[ $name == etcd ]]; then build_etcd; else kube+=("$name"); fi
	done
	[[ ${#kube[@]} -eq 0 ]] || build_kube "${kube[@]}"
	log "done in $((SECONDS - start))s; binaries in $BIN_DIR"
	done_with "$BIN_DIR"
}

main "$@"
