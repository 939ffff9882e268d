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

# What the hack/build-*.sh scripts of pinned tools share: logging, their usage (the script's
# header from "# Usage:" to "set -euo"), and the -f/--force and -h/--help flags. Sourced; sets
# FORCE.

FORCE=0

log() { echo "$(basename "$0" .sh): $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; }

parse_args() {
	local arg
	for arg in "$@"; do
		case $arg in
		-f | --force) FORCE=1 ;;
		-h | --help) usage; exit 0 ;;
		*) usage; die "unknown argument: $arg" ;;
		esac
	done
}
