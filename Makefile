# Ordinal's build and test entry points. `make help` lists them.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

BIN ?= $(CURDIR)/bin
# The version stamped into the binary (internal/version); the chart's appVersion names the same.
VERSION ?= 0.2.0
IMG ?= ghcr.io/ordinal-dev/ordinal:$(VERSION)
# The real control plane built from source by hack/build-kube.sh (honours a preset KUBEBUILDER_ASSETS).
KUBEBUILDER_ASSETS ?= $(BIN)
export KUBEBUILDER_ASSETS
CONTROLLER_GEN := go tool controller-gen
GO_TEST_FLAGS ?= -count=1

.PHONY: all
all: build

.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*?##/ { printf "  %-18s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

##@ Development

.PHONY: generate
generate: ## Generate deepcopy code for the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: manifests
manifests: ## Generate the CRD and the operator's RBAC role from markers, and the chart's copies of them.
	$(CONTROLLER_GEN) crd paths="./api/..." output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=manager-role paths="./internal/controller/..." output:rbac:artifacts:config=config/rbac
	go run ./hack/chartgen # the chart's CRD and RBAC templates from the two above
	go run ./hack/apidocs # docs/reference/api.md from the API types

.PHONY: api-docs
api-docs: ## Generate the API reference docs/reference/api.md from the Go types in api/ (part of manifests).
	go run ./hack/apidocs

.PHONY: fmt
fmt: ## Format the Go code.
	go fmt ./...

.PHONY: vet
vet: ## Vet the Go code, every build tag included.
	go vet ./...
	go vet -tags integration,envtest,e2e ./...

.PHONY: build
build: plugin ## Build the ordinal binary and the kubectl plugin (bin/kubectl-ordinal) into bin/.
	CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/ordinal-dev/ordinal/internal/version.Version=$(VERSION)" -o $(BIN)/ordinal ./cmd

.PHONY: plugin
plugin: ## Build the kubectl plugin into bin/kubectl-ordinal (put bin/ on PATH: `kubectl ordinal`).
	CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/ordinal-dev/ordinal/internal/version.Version=$(VERSION)" -o $(BIN)/kubectl-ordinal ./cmd/kubectl-ordinal

.PHONY: run
run: manifests generate ## Run the operator against the cluster in ~/.kube/config (or $KUBECONFIG).
	go run ./cmd manager

.PHONY: kube-binaries
kube-binaries: ## Build etcd, the Kubernetes binaries and the CSI sidecars of localkube's snapshot storage into bin/.
	hack/build-kube.sh
	hack/build-csi.sh

.PHONY: helm
helm: ## Build the Helm CLI into bin/helm (hack/tools/helm; instant when up to date).
	hack/build-helm.sh

.PHONY: versitygw
versitygw: ## Build the versitygw S3 server (integration tests' object store) into bin/versitygw (instant when up to date).
	hack/build-versitygw.sh

.PHONY: argocd-binaries
argocd-binaries: ## Build Argo CD's application controller and repo server (for the e2e suite) into bin/.
	hack/build-argocd.sh

.PHONY: cert-manager-binaries
cert-manager-binaries: ## Build cert-manager's controller and copy its CRDs (for the e2e suite) into bin/.
	hack/build-cert-manager.sh

.PHONY: docker-build
docker-build: ## Build the operator image (needs a container engine).
	docker build -t $(IMG) .

##@ Demo

.PHONY: demo
demo: ## localkube + the operator (as a pod, installed with the chart in dist/chart) + the sample 3-member cluster.
	hack/demo.sh

.PHONY: demo-down
demo-down: ## Stop localkube and everything the demo started.
	go run ./test/localkube/cmd/localkube down

##@ Tests

.PHONY: test
test: test-unit test-integration test-envtest test-e2e test-alerts ## Every test tier: what CI runs.

.PHONY: test-unit
test-unit: ## Unit tests: pure packages, fakes, golden files (-short: no servers, no cluster).
	go test $(GO_TEST_FLAGS) -short ./...

.PHONY: test-integration
test-integration: versitygw ## internal/... against real mariadbd processes and a real S3 server (versitygw) on 127.0.0.x.
	go test $(GO_TEST_FLAGS) -tags integration -p 1 ./internal/...

.PHONY: test-envtest
test-envtest: kube-binaries test-chart ## The controller against a real kube-apiserver, etcd and kube-controller-manager.
	go test $(GO_TEST_FLAGS) -tags envtest ./internal/desired/...
	go test $(GO_TEST_FLAGS) -tags envtest -timeout 20m ./test/envtest/... -ginkgo.v

.PHONY: test-chart
test-chart: kube-binaries helm ## The Helm chart: lint, render, install, upgrade and uninstall on a real kube-apiserver; equal to config/default.
	go test $(GO_TEST_FLAGS) -tags envtest -timeout 20m ./test/chart/...

.PHONY: test-e2e
test-e2e: kube-binaries helm argocd-binaries cert-manager-binaries versitygw build ## localkube's own tests, then the whole operator on localkube (or $KUBECONFIG).
	go test $(GO_TEST_FLAGS) -timeout 15m ./test/localkube/...
	@# CI keeps only the end of the output: on failure, end with each failure's message.
	go test $(GO_TEST_FLAGS) -v -tags e2e -timeout 45m ./test/e2e/... -ginkgo.v 2>&1 | tee $(BIN)/e2e.log || \
	  { echo "=== e2e failures (whole log: bin/e2e.log) ==="; grep -a -A10 '\[FAILED\]' $(BIN)/e2e.log | grep -av -e '^\s*$$' -e '"level":' | tail -80; exit 1; }

.PHONY: test-alerts
test-alerts: ## Alert rules and dashboard: PromQL parse, metric names, alerts evaluated on the e2e scrapes (bin/e2e-metrics); own module.
	@# Under make test the e2e scrapes must exist: an alert never evaluated on real metrics is untested.
	cd test/alerts && ORDINAL_E2E_METRICS_REQUIRED="$(filter test,$(MAKECMDGOALS))" go test $(GO_TEST_FLAGS) ./...

##@ Benchmarks (not part of make test)

# Where each section writes bench/results/SECTION.json; the report reads them all.
BENCH_RESULTS ?= $(CURDIR)/bench/results
# One e2e-based section on localkube: the suite's lock, no KUBECONFIG, the spec named 'bench: SECTION'.
BENCH_E2E = env -u KUBECONFIG ORDINAL_BENCH_RESULTS=$(BENCH_RESULTS) flock -o /tmp/localkube.lock \
	go test -count=1 -v -tags e2e,bench -timeout 60m ./test/e2e/... -ginkgo.v -ginkgo.focus

.PHONY: bench
bench: bench-provisioning bench-faults bench-safety bench-backups bench-scale bench-report ## Every benchmark section on localkube (~2.5 h on 2 cores), then docs/benchmarks.md and bench/results.json.

.PHONY: bench-report
bench-report: ## Redraw docs/benchmarks.md, docs/benchmarks/*.png and bench/results.json from bench/results/*.json (own module).
	cd test/bench/report && go run . -results $(BENCH_RESULTS) -out $(CURDIR)

.PHONY: bench-provisioning
bench-provisioning: kube-binaries helm build ## 3-member cluster to Ready (p50, p95, split) and seeding one replica from 1 GiB, on localkube.
	$(BENCH_E2E) 'bench: provisioning'

.PHONY: bench-safety
bench-safety: kube-binaries helm build ## sysbench oltp_write_only: semi-sync vs async through the primary Service, and a bare mariadbd.
	command -v sysbench >/dev/null || { apt-get update -qq && apt-get install -y -qq sysbench; }
	$(BENCH_E2E) 'bench: safety'

# The fault and backup sections run longer than the others: their own go test timeout.
BENCH_E2E_LONG = env -u KUBECONFIG ORDINAL_BENCH_RESULTS=$(BENCH_RESULTS) flock -o /tmp/localkube.lock \
	go test -count=1 -tags e2e,bench -timeout 150m ./test/e2e/... -ginkgo.v -ginkgo.focus

.PHONY: bench-faults
bench-faults: kube-binaries helm build ## Write pause p50/p99/max per fault over E2E_FAULT_RUNS (10) runs each, lost writes, replicating again (~55 min).
	$(BENCH_E2E_LONG) 'bench: faults'

.PHONY: bench-backups
bench-backups: kube-binaries helm versitygw build ## Backup throughput and restore time of ~1 GiB against cp -a; binlog archiving's recovery point.
	$(BENCH_E2E_LONG) 'bench: backups'

.PHONY: bench-scale
bench-scale: kube-binaries build ## Operator with 1, 10, 100 and 1,000 clusters of SQL-simulated members on a hollow node: reconcile time, RSS, CPU, API requests by verb, queue, failover (~40 min).
	env -u KUBECONFIG flock -o /tmp/localkube.lock go run ./test/bench/scale -out $(BENCH_RESULTS) $(BENCH_SCALE_FLAGS)

.PHONY: bench-go
bench-go: ## Go micro-benchmarks.
	go test -run '^$$' -bench . -benchmem ./...
