/*
Copyright 2026 The Ordinal Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package manager

import (
	"flag"
	"os"

	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/version"
)

// DefaultImage is the operator image the database pods' tools container runs when no --image is
// given: this build's own version, pinned (never :latest, which would let a re-created pod run
// another agent than its siblings).
func DefaultImage() string { return "ghcr.io/ordinal-dev/ordinal:" + version.Version }

// Scheme knows every kind the operator reads or writes.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

type flags struct {
	metricsAddr, probeAddr, image string
	pprofAddr                     string
	leaderElect, metricsSecure    bool
	watchNamespaces               namespaceList
	apiQPS                        float64
	apiBurst                      int
	zap                           zap.Options
}

func parse(args []string) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.StringVar(&f.metricsAddr, "metrics-bind-address", ":8443", "address of the metrics endpoint; 0 disables it")
	fs.BoolVar(&f.metricsSecure, "metrics-secure", true,
		"serve metrics over HTTPS to authenticated and authorized clients only; false serves plain HTTP to anyone (local development)")
	fs.StringVar(&f.probeAddr, "health-probe-bind-address", ":8081", "address of the health and readiness endpoints")
	fs.StringVar(&f.pprofAddr, "pprof-bind-address", "", "address of Go's profiling endpoints (/debug/pprof); empty disables them")
	fs.BoolVar(&f.leaderElect, "leader-elect", false, "elect a leader, so only one replica of the operator acts")
	fs.StringVar(&f.image, "image", envOr("ORDINAL_IMAGE", DefaultImage()), "the operator image, run by each pod's init container")
	fs.Var(&f.watchNamespaces, "watch-namespaces", "comma-separated namespaces to watch; empty watches every namespace")
	// controller-runtime's default (20/s, burst 30) makes a restart with 1,000 clusters wait
	// minutes on the client side; the API server's priority and fairness protects it instead.
	fs.Float64Var(&f.apiQPS, "kube-api-qps", 500, "requests per second to the API server, sustained")
	fs.IntVar(&f.apiBurst, "kube-api-burst", 1000, "requests to the API server in a burst")
	// Log times to the nanosecond (--zap-time-encoding overrides): a failover's steps, and a new
	// leader's first pass, fall within the same second.
	f.zap.TimeEncoder = zapcore.RFC3339NanoTimeEncoder
	f.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return f, nil
}

// Main runs the operator until it is signalled to stop.
func Main(args []string) error {
	f, err := parse(args)
	if err != nil {
		return err
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&f.zap)))
	if soft := setMemoryLimit(cgroupMemoryMax); soft > 0 {
		ctrl.Log.Info("Set Go's soft memory limit below the container's", "bytes", soft)
	}
	cfg := ctrl.GetConfigOrDie()
	cfg.QPS, cfg.Burst = float32(f.apiQPS), f.apiBurst
	// The operator runs beside its API server: gzip would cost both sides CPU on every list and
	// watch, and each of the cache's watches would hold a decompressor (megabytes at a thousand
	// clusters) to save bandwidth a cluster network does not lack.
	cfg.DisableCompression = true
	opts := Options{
		MetricsAddr: f.metricsAddr, MetricsSecure: f.metricsSecure, ProbeAddr: f.probeAddr, PprofAddr: f.pprofAddr, LeaderElect: f.leaderElect, Image: f.image,
		WatchNamespaces: f.watchNamespaces,
	}
	ctrl.Log.Info("Starting operator", "version", version.Version, "image", f.image)
	return Run(ctrl.SetupSignalHandler(), func(again bool) (ctrl.Manager, error) {
		opts.Again = again
		return New(cfg, opts)
	})
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
