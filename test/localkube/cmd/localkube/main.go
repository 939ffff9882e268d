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

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ordinal-dev/ordinal/test/localkube"
	"github.com/ordinal-dev/ordinal/test/localkube/containerinit"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	// The helper modes come first: they run in a fresh namespace and must
	// not touch flags or anything else.
	switch os.Args[1] {
	case "container-init":
		die(containerinit.Run(os.Args[2]))
	case "enter":
		die(containerinit.Enter(os.Args[2], os.Args[3:]))
	}
	cmd := os.Args[1]
	fs := flag.NewFlagSet("localkube "+cmd, flag.ExitOnError)
	op := bindFlags(fs)
	_ = fs.Parse(os.Args[2:])
	o := *op
	var err error
	switch cmd {
	case "up":
		err = up(o)
	case "run":
		err = run(o)
	case "down":
		err = localkube.Down(o, 2*time.Minute)
		if err == nil {
			fmt.Println("localkube is down")
		}
	case "status":
		err = status(o)
	case "kubeconfig":
		err = printKubeconfig(o)
	case "fault":
		err = fault(o, fs.Args())
	case "hollow":
		err = hollow(o, fs.Args())
	default:
		usage()
	}
	die(err)
}

func bindFlags(fs *flag.FlagSet) *localkube.Options {
	o := &localkube.Options{}
	fs.StringVar(&o.Dir, "dir", "", "state directory (default <repo>/.localkube)")
	fs.StringVar(&o.BinDir, "bin-dir", "", "directory with etcd and the kube-* binaries (default <repo>/bin)")
	fs.IntVar(&o.Nodes, "nodes", 3, "number of process nodes")
	fs.IntVar(&o.EtcdPort, "etcd-port", localkube.DefaultEtcdPort, "etcd client port")
	fs.IntVar(&o.EtcdPeerPort, "etcd-peer-port", localkube.DefaultEtcdPeerPort, "etcd peer port")
	fs.IntVar(&o.APIServerPort, "apiserver-port", localkube.DefaultAPIServerPort, "kube-apiserver port")
	fs.IntVar(&o.ControllerManagerPort, "controller-manager-port", localkube.DefaultControllerManagerPort, "kube-controller-manager port")
	fs.IntVar(&o.SchedulerPort, "scheduler-port", localkube.DefaultSchedulerPort, "kube-scheduler port")
	fs.IntVar(&o.KubeletPort, "kubelet-port", localkube.DefaultKubeletPort, "kubelet API port on each node IP (127.0.1.N)")
	fs.StringVar(&o.PodCIDR, "pod-cidr", localkube.DefaultPodCIDR, "loopback range for pod IPs")
	fs.StringVar(&o.ServiceCIDR, "service-cidr", localkube.DefaultServiceCIDR, "loopback range for Service ClusterIPs")
	fs.StringVar(&o.Helper, "helper", "", "localkube binary used as the container helper (default: this binary, copied into the state dir)")
	return o
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: localkube up|down|status|kubeconfig [flags]
       localkube fault kill NAMESPACE POD CONTAINER
       localkube fault freeze|thaw|cut|uncut NAMESPACE POD
       localkube fault lose NODE [freeze|kill]
       localkube fault restore NODE
       localkube hollow [INDEX [MAX_PODS]]   # runs hollow-INDEX (default 1, 5000 pods) until interrupted`)
	os.Exit(2)
}

func die(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "localkube:", strings.TrimPrefix(err.Error(), "localkube: "))
		os.Exit(1)
	}
	os.Exit(0)
}

// run is the supervisor itself, in the foreground, until SIGTERM/SIGINT.
func run(o localkube.Options) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if o.Helper == "" {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		o.Helper = self
	}
	return localkube.Run(ctx, o, func() {
		fmt.Println("localkube is ready; kubeconfig:", o.Kubeconfig())
	})
}
