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

package localkube_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordinal-dev/ordinal/test/localkube"
)

// TestCluster starts a whole localkube (its own state dir, ports and
// address ranges, so a developer's "localkube up" can keep running) and
// runs a StatefulSet through it. It needs bin/ from hack/build-kube.sh and
// root (namespaces, cgroups, iptables); it fails, not skips, without them.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Kubernetes control plane")
	}
	root, err := localkube.FindRepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	o := localkube.Options{RepoRoot: root, Dir: filepath.Join(root, ".localkube", "test-cluster"),
		EtcdPort: 18479, EtcdPeerPort: 18480, APIServerPort: 18543, ControllerManagerPort: 18357, SchedulerPort: 18359,
		KubeletPort: 18350, PodCIDR: "127.11.0.0/16", ServiceCIDR: "127.97.0.0/16", BackoffBase: time.Second}
	o, _ = localkube.Resolve(o)
	if err := o.CheckBinaries(); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		t.Fatal("localkube needs root (mount namespaces, cgroups, iptables)")
	}
	// A run that died left its CSI filesystem mounted: unmount it before removing.
	_ = exec.Command("umount", filepath.Join(o.Dir, "volumes", "csi")).Run()
	_ = os.RemoveAll(o.Dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	began := time.Now()
	c, err := localkube.Start(ctx, o)
	if err != nil {
		t.Fatalf("starting localkube: %v", err)
	}
	t.Logf("localkube started in %s", time.Since(began).Round(time.Millisecond))
	stopped := false
	defer func() {
		if !stopped {
			_ = c.Stop()
		}
	}()
	cs, url := deployWeb(t, ctx, c)

	t.Run("ordered start, probe-gated readiness, spread", func(t *testing.T) { orderedStart(t, cs) })
	t.Run("names in /etc/hosts", func(t *testing.T) { names(t, c) })
	t.Run("service reaches only ready endpoints", func(t *testing.T) { readyOnly(t, c, cs, url) })
	t.Run("logs and exec", func(t *testing.T) { logsAndExec(t, c, cs) })
	t.Run("deleted pod returns with its volume", func(t *testing.T) { deletedPodReturns(t, c, cs) })
	t.Run("killed container restarts", func(t *testing.T) { killedContainer(t, c, cs) })
	t.Run("lost node", func(t *testing.T) { lostNode(t, c, cs, url) })
	t.Run("cut pod", func(t *testing.T) { cutPod(t, c, cs) })
	t.Run("unknown image", func(t *testing.T) { unknownImage(t, cs) })
	t.Run("hollow node", func(t *testing.T) { hollowNode(t, c, cs) })
	t.Run("snapshot storage", func(t *testing.T) { snapshotStorage(t, c, cs) })

	stopped = true
	if err := c.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if left := processesMentioning(o.Dir); len(left) > 0 {
		t.Fatalf("processes left after Stop: %v", left)
	}
}

// deployWeb creates the test namespace, Services and StatefulSet; it returns
// a client and the ClusterIP Service's URL.
func deployWeb(t *testing.T, ctx context.Context, c *localkube.Cluster) (kubernetes.Interface, string) {
	cs, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	web := buildWebserver(t, c.Options())
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	headless, readySvc, sts := webObjects(web, c.Options().Dir)
	for _, s := range []*corev1.Service{headless, readySvc} {
		if _, err := cs.CoreV1().Services(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.AppsV1().StatefulSets(ns).Create(ctx, sts, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc, err := cs.CoreV1().Services(ns).Get(ctx, "web-ready", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + svc.Spec.ClusterIP + ":80/"

	return cs, url
}

func orderedStart(t *testing.T, cs kubernetes.Interface) {
	eventually(t, 2*time.Minute, "3 ready pods", func() error {
		s, err := cs.AppsV1().StatefulSets(ns).Get(context.Background(), "web", metav1.GetOptions{})
		if err != nil || s.Status.ReadyReplicas != 3 {
			return fmt.Errorf("ready replicas: %v %v", s.Status.ReadyReplicas, err)
		}
		return nil
	})
	nodes := map[string]bool{}
	for i := 0; i < 3; i++ {
		p := pod(t, cs, fmt.Sprintf("web-%d", i))
		nodes[p.Spec.NodeName] = true
		started := p.Status.ContainerStatuses[0].State.Running.StartedAt.Time
		readyAt := readyCondition(p).LastTransitionTime.Time
		// initialDelaySeconds is 2: Ready before then means the probe was not waited for.
		if readyAt.Sub(started) < time.Second {
			t.Errorf("%s Ready %s after its container started: the readiness probe did not gate it", p.Name, readyAt.Sub(started))
		}
		if i > 0 {
			prev := pod(t, cs, fmt.Sprintf("web-%d", i-1))
			if p.CreationTimestamp.Before(&readyCondition(prev).LastTransitionTime) {
				t.Errorf("%s created at %s, before %s was Ready at %s", p.Name, p.CreationTimestamp, prev.Name, readyCondition(prev).LastTransitionTime)
			}
		}
	}
	if len(nodes) != 3 {
		t.Errorf("pods landed on nodes %v, want 3 different nodes", nodes)
	}
}

func names(t *testing.T, c *localkube.Cluster) {
	out, err := kubectl(t, c, "exec", "web-0", "--", "cat", "/etc/hosts")
	if err != nil {
		t.Fatalf("exec: %v: %s", err, out)
	}
	for _, want := range []string{"web-1.web.lk-test.svc.cluster.local", "web-2.web.lk-test.svc web-2.web.lk-test web-2.web", "web-ready.lk-test.svc.cluster.local"} {
		if !strings.Contains(out, want) {
			t.Errorf("/etc/hosts of web-0 lacks %q:\n%s", want, out)
		}
	}
	out, err = kubectl(t, c, "exec", "web-0", "--", "curl", "-sS", "--max-time", "3", "http://web-2.web:8080/")
	if err != nil || !strings.HasPrefix(out, "web-2 ") {
		t.Errorf("web-0 reaching web-2.web: %v: %s", err, out)
	}
}

func readyOnly(t *testing.T, c *localkube.Cluster, cs kubernetes.Interface, url string) {
	if out, err := kubectl(t, c, "exec", "web-1", "--", "touch", "/data/unready"); err != nil {
		t.Fatalf("exec: %v: %s", err, out)
	}
	eventually(t, 30*time.Second, "web-1 not ready", func() error {
		if isReady(pod(t, cs, "web-1")) {
			return fmt.Errorf("still ready")
		}
		return nil
	})
	eventually(t, 30*time.Second, "web-0 and web-2 ready", func() error {
		if !isReady(pod(t, cs, "web-0")) || !isReady(pod(t, cs, "web-2")) {
			return fmt.Errorf("not ready")
		}
		return nil
	})
	time.Sleep(500 * time.Millisecond) // the proxy's view follows the pod watch
	seen := map[string]int{}
	for i := 0; i < 30; i++ {
		out, err := get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		seen[strings.Fields(out)[0]]++
	}
	if seen["web-1"] > 0 || seen["web-0"] == 0 || seen["web-2"] == 0 {
		t.Errorf("30 requests through the Service reached %v; want web-0 and web-2 only", seen)
	}
	if out, err := kubectl(t, c, "exec", "web-1", "--", "rm", "/data/unready"); err != nil {
		t.Fatalf("exec: %v: %s", err, out)
	}
	eventually(t, 30*time.Second, "web-1 ready again", func() error {
		if !isReady(pod(t, cs, "web-1")) {
			return fmt.Errorf("not ready")
		}
		return nil
	})
}
