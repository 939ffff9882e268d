#!/usr/bin/env bash
# make demo: a real Kubernetes on this machine (localkube), the operator installed as a pod with
# the Helm chart in dist/chart, and the sample 3-member MariaDB cluster. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
start=$(date +%s)
repo=$PWD
kubectl="$repo/bin/kubectl"
helm="$repo/bin/helm"
export KUBECONFIG="$repo/.localkube/kubeconfig"

step() { printf '\n==> %s\n' "$*"; }

step "Installing what this machine lacks (MariaDB, iptables, btrfs-progs)"
hack/install-deps.sh

step "Building the Kubernetes control plane and Helm (first time only) and the ordinal binary"
hack/build-kube.sh
hack/build-csi.sh
hack/build-helm.sh
make --no-print-directory build

step "Starting localkube (etcd, kube-apiserver, controller-manager, scheduler, 3 process nodes)"
go run ./test/localkube/cmd/localkube up

step "Installing the operator with Helm (dist/chart)"
# An earlier demo may have installed it from config/default: then no release owns the CRD, and helm
# takes the objects over (the CRD and the clusters stay) client-side, as docs/install.md explains.
takeover=()
if [[ "$("$kubectl" get crd mysqlclusters.mysql.ordinal.dev --ignore-not-found \
  -o jsonpath='{.metadata.name}/{.metadata.annotations.meta\.helm\.sh/release-name}')" == mysqlclusters.mysql.ordinal.dev/ ]]; then
  takeover=(--take-ownership --server-side=false)
fi
"$helm" upgrade --install ordinal dist/chart -n ordinal-system --create-namespace "${takeover[@]}" \
  --reset-values --wait --timeout 5m
# A rebuilt binary is picked up by a new operator pod.
"$kubectl" -n ordinal-system rollout restart deployment/ordinal-controller-manager >/dev/null
"$kubectl" -n ordinal-system rollout status deployment/ordinal-controller-manager --timeout=180s

step "Creating the sample 3-member cluster (config/samples/mysql_v1alpha1_mysqlcluster.yaml)"
"$kubectl" apply -f config/samples/mysql_v1alpha1_mysqlcluster.yaml
"$kubectl" wait --for=condition=Ready mysqlcluster/mysql --timeout=600s
"$kubectl" get mysqlcluster mysql
"$kubectl" get pods -l mysql.ordinal.dev/cluster=mysql -L mysql.ordinal.dev/role

step "Writing a row through the primary and timing its arrival on the replicas"
sql() { "$kubectl" exec "$1" -c mysql -- sh -c "mariadb -uroot -p\"\$ROOT_PASSWORD\" -N -B -e \"$2\""; }
current_primary() { "$kubectl" get mysqlcluster mysql -o jsonpath='{.status.currentPrimary}'; }
# After demo-down, Ready may still be the status written before the stop: the first write is
# retried (bounded) until the operator has made the recorded primary writable again.
id=""
for _ in $(seq 1 120); do
  primary=$(current_primary)
  if [[ -n "$primary" ]] && id=$(sql "$primary" "CREATE DATABASE IF NOT EXISTS demo; CREATE TABLE IF NOT EXISTS demo.hello (id INT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)); INSERT INTO demo.hello () VALUES (); SELECT LAST_INSERT_ID()" 2>/dev/null); then
    break
  fi
  id=""
  sleep 1
done
[[ -n "$id" ]] || { echo "demo: no write succeeded on the primary within 120 s" >&2; exit 1; }
echo "  row $id written on the primary $primary"
for replica in $("$kubectl" get mysqlcluster mysql -o jsonpath='{.status.members[*].name}'); do
  [[ $replica == "$primary" ]] && continue
  lag=""
  for _ in $(seq 1 50); do
    lag=$(sql "$replica" "SELECT ROUND(TIMESTAMPDIFF(MICROSECOND, at, NOW(6)) / 1000) FROM demo.hello WHERE id = $id" 2>/dev/null || true)
    [[ -n "$lag" ]] && break
    sleep 0.1
  done
  echo "  row $id is on $replica (read ${lag:-?} ms after it was written, kubectl exec included)"
done

primary_ip=$("$kubectl" get service mysql-primary -o jsonpath='{.spec.clusterIP}')
cat <<MSG

Ordinal is running. It took $(( $(date +%s) - start ))s.

  export KUBECONFIG=$KUBECONFIG PATH=$repo/bin:\$PATH   # kubectl, helm, kubectl-ordinal

  kubectl get mysqlcluster                      # READY, PRIMARY, MEMBERS
  kubectl ordinal status mysql                  # roles, GTIDs, lag, semi-sync, who serves
  kubectl ordinal mysql mysql -- -e 'SELECT @@hostname, @@read_only'
  kubectl ordinal switchover mysql --to mysql-1 # planned primary change
  kubectl ordinal credentials mysql --show-password

  The read/write Service mysql-primary listens on $primary_ip:3306 (the replicas: mysql-replicas).
  Next: docs/getting-started.md (an application with its own user, metrics, a switchover under load).

  make demo-down stops everything.
MSG
