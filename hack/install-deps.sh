#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build and test Ordinal: MariaDB (the server, its
# backup tool and client: integration and e2e tiers run real servers), iptables (localkube's
# network faults), and redis-server and git (the e2e suite runs Argo CD, which caches in Redis and
# reads a git repository served by git daemon), and btrfs-progs (localkube's CSI volumes are btrfs
# subvolumes, so snapshots and clones are atomic). Go comes with the machine. Safe to re-run.
set -euo pipefail
packages=(mariadb-server mariadb-backup mariadb-client iptables redis-server git btrfs-progs)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Debian starts the packaged server on install; tests run their own servers, so keep it off
  # for the install (and leave an existing policy alone).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
fi
