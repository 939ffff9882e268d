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
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordinal-dev/ordinal/test/localkube"
)

func logsAndExec(t *testing.T, c *localkube.Cluster, cs kubernetes.Interface) {
	b, err := cs.CoreV1().Pods(ns).GetLogs("web-0", &corev1.PodLogOptions{Container: "web"}).DoRaw(context.Background())
	if err != nil || !strings.Contains(string(b), "listening on 127.11.") {
		t.Errorf("logs of web-0: %v: %q", err, b)
	}
	out, err := kubectl(t, c, "logs", "web-0", "--tail=1")
	if err != nil || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("kubectl logs --tail=1: %v: %q", err, out)
	}
	out, err = kubectl(t, c, "exec", "web-0", "--", "sh", "-c", "id -u; hostname; echo $POD_IP")
	if err != nil {
		t.Fatalf("exec: %v: %s", err, out)
	}
	p := pod(t, cs, "web-0")
	if want := "999\nweb-0\n" + p.Status.PodIP + "\n"; out != want {
		t.Errorf("exec printed %q, want %q", out, want)
	}
	if _, err := kubectl(t, c, "exec", "web-0", "--", "sh", "-c", "exit 7"); err == nil || !strings.Contains(err.Error(), "exit status 7") {
		t.Errorf("exec exit 7: err = %v", err)
	}
	out, err = kubectl(t, c, "exec", "-i", "web-0", "--", "cat")
	if err != nil || out != "" {
		t.Errorf("exec -i with empty stdin: %v %q", err, out)
	}
}

func deletedPodReturns(t *testing.T, c *localkube.Cluster, cs kubernetes.Interface) {
	if out, err := kubectl(t, c, "exec", "web-1", "--", "sh", "-c", "echo keep-me > /data/marker"); err != nil {
		t.Fatalf("exec: %v: %s", err, out)
	}
	old := pod(t, cs, "web-1")
	if err := cs.CoreV1().Pods(ns).Delete(context.Background(), "web-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 90*time.Second, "web-1 back and ready", func() error {
		p, err := cs.CoreV1().Pods(ns).Get(context.Background(), "web-1", metav1.GetOptions{})
		if err != nil || p.UID == old.UID || !isReady(p) {
			return fmt.Errorf("not yet: %v", err)
		}
		return nil
	})
	out, err := kubectl(t, c, "exec", "web-1", "--", "cat", "/data/marker")
	if err != nil || out != "keep-me\n" {
		t.Errorf("marker after re-creation: %v %q", err, out)
	}
}

func killedContainer(t *testing.T, c *localkube.Cluster, cs kubernetes.Interface) {
	before := pod(t, cs, "web-0").Status.ContainerStatuses[0].RestartCount
	if err := c.KillContainer(ns, "web-0", "web"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "web-0 restarted and ready", func() error {
		p := pod(t, cs, "web-0")
		st := p.Status.ContainerStatuses[0]
		if st.RestartCount != before+1 || !isReady(p) || st.LastTerminationState.Terminated == nil {
			return fmt.Errorf("restarts %d, ready %v", st.RestartCount, isReady(p))
		}
		return nil
	})
	out, err := kubectl(t, c, "logs", "web-0", "--previous")
	if err != nil || !strings.Contains(out, "listening on") {
		t.Errorf("logs --previous: %v %q", err, out)
	}
}

func lostNode(t *testing.T, c *localkube.Cluster, cs kubernetes.Interface, url string) {
	victim := pod(t, cs, "web-2").Spec.NodeName
	if err := c.LoseNode(victim, localkube.LoseFreeze); err != nil {
		t.Fatal(err)
	}
	eventually(t, 90*time.Second, victim+" NotReady", func() error {
		n, err := cs.CoreV1().Nodes().Get(context.Background(), victim, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status != corev1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("still Ready")
	})
	// The node controller marks web-2 not ready; the others keep serving.
	eventually(t, 30*time.Second, "service answers from other nodes only", func() error {
		for i := 0; i < 10; i++ {
			out, err := get(url)
			if err != nil || strings.HasPrefix(out, "web-2") {
				return fmt.Errorf("request %d: %v %q", i, err, out)
			}
		}
		return nil
	})
	if err := c.RestoreNode(victim); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "web-2 ready again", func() error {
		if !isReady(pod(t, cs, "web-2")) {
			return fmt.Errorf("not ready")
		}
		return nil
	})
}

func cutPod(t *testing.T, c *localkube.Cluster, cs kubernetes.Interface) {
	ip := pod(t, cs, "web-0").Status.PodIP
	if _, err := get("http://" + ip + ":8080/"); err != nil {
		t.Fatalf("web-0 unreachable before the cut: %v", err)
	}
	if err := c.CutPod(ns, "web-0"); err != nil {
		t.Fatal(err)
	}
	if out, err := get("http://" + ip + ":8080/"); err == nil {
		t.Errorf("web-0 answered through the cut: %q", out)
	}
	if err := c.RestorePod(ns, "web-0"); err != nil {
		t.Fatal(err)
	}
	if _, err := get("http://" + ip + ":8080/"); err != nil {
		t.Errorf("web-0 unreachable after restoring: %v", err)
	}
}

func unknownImage(t *testing.T, cs kubernetes.Interface) {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "nginx", Namespace: ns}, Spec: corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever,
		Containers:    []corev1.Container{{Name: "nginx", Image: "nginx:1.27", Command: []string{"nginx"}}}}}
	if _, err := cs.CoreV1().Pods(ns).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "nginx waiting with ErrImagePull", func() error {
		p := pod(t, cs, "nginx")
		if len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Waiting == nil ||
			p.Status.ContainerStatuses[0].State.Waiting.Reason != "ErrImagePull" {
			return fmt.Errorf("status %+v", p.Status.ContainerStatuses)
		}
		if p.Status.Phase != corev1.PodPending {
			return fmt.Errorf("phase %s, want Pending", p.Status.Phase)
		}
		return nil
	})
}
