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

package node

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

type cachedToken struct {
	value   string
	refresh time.Time
}

// podWorker runs one pod: volumes, init containers, containers, status.
type podWorker struct {
	n      *Node
	uid    types.UID
	dir    string
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	dirty  chan struct{}
	wg     sync.WaitGroup

	mu          sync.Mutex
	pod         *corev1.Pod
	ip          string
	startTime   time.Time
	volumes     map[string]string
	initCs      []*ctr
	appCs       []*ctr
	initialized bool
	failed      string // reason the pod failed for good, if it did
	tokens      map[string]cachedToken
	deleting    bool
	grace       time.Duration
}

func newWorker(n *Node, pod *corev1.Pod) *podWorker {
	ctx, cancel := context.WithCancel(context.Background())
	w := &podWorker{n: n, uid: pod.UID, pod: pod.DeepCopy(), ctx: ctx, cancel: cancel,
		dir: filepath.Join(n.sh.Dir, string(pod.UID)), done: make(chan struct{}), dirty: make(chan struct{}, 1),
		tokens: map[string]cachedToken{}, startTime: n.sh.now()}
	if pod.Status.StartTime != nil {
		w.startTime = pod.Status.StartTime.Time
	}
	restarts := map[string]int32{}
	for _, s := range append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...) {
		restarts[s.Name] = s.RestartCount
	}
	for _, c := range pod.Spec.InitContainers {
		w.initCs = append(w.initCs, &ctr{w: w, spec: c, init: true, restarts: restarts[c.Name], state: waiting("PodInitializing", "")})
	}
	for _, c := range pod.Spec.Containers {
		w.appCs = append(w.appCs, &ctr{w: w, spec: c, restarts: restarts[c.Name], state: waiting("ContainerCreating", "")})
	}
	return w
}

func (w *podWorker) currentPod() *corev1.Pod {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod
}

// podView is the pod as containers see it through the downward API: the
// status fields this node owns are filled even before they are pushed.
func (w *podWorker) podView() *corev1.Pod {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.pod.DeepCopy()
	p.Status.PodIP, p.Status.HostIP = w.ip, w.n.cfg.IP
	p.Status.PodIPs = []corev1.PodIP{{IP: w.ip}}
	p.Status.HostIPs = []corev1.HostIP{{IP: w.n.cfg.IP}}
	return p
}

func (w *podWorker) name() string {
	p := w.currentPod()
	return p.Namespace + "/" + p.Name
}

// update records a newer version of the pod object.
func (w *podWorker) update(pod *corev1.Pod) {
	w.mu.Lock()
	w.pod = pod.DeepCopy()
	w.mu.Unlock()
}

// terminate stops the pod: containers get SIGTERM, then SIGKILL after
// grace; with deleting set the pod object is removed afterwards.
func (w *podWorker) terminate(grace time.Duration, deleting bool) {
	w.mu.Lock()
	if deleting {
		w.deleting = true
	}
	w.grace = grace
	w.mu.Unlock()
	w.cancel()
}

func (w *podWorker) markDirty() {
	select {
	case w.dirty <- struct{}{}:
	default:
	}
}

func (w *podWorker) run() {
	defer close(w.done)
	statusCtx, stopStatus := context.WithCancel(context.Background())
	statusDone := make(chan struct{})
	go func() { defer close(statusDone); w.statusLoop(statusCtx) }()
	if w.setup() && w.runInit() {
		w.startContainers()
		w.refreshLoop()
	}
	<-w.ctx.Done()
	w.wg.Wait()
	// A lost node acts on nothing: a pod deleted meanwhile stays
	// Terminating (its processes keep running or frozen) until it returns.
	_ = w.n.gate.wait(context.Background())
	w.killAll()
	stopStatus()
	<-statusDone
	w.finish()
}

// setup allocates the IP and prepares volumes and name files, retrying
// (volumes may wait for a PVC to bind) until it works or the pod goes.
func (w *podWorker) setup() bool {
	pod := w.currentPod()
	ip, err := w.n.sh.IPAM.Allocate(string(w.uid), pod.Status.PodIP)
	if err != nil {
		w.fail("IPAllocationFailed", err)
		return false
	}
	w.mu.Lock()
	w.ip = ip
	w.mu.Unlock()
	for _, d := range []string{"logs", "volumes", "containers", "scratch"} {
		if err := os.MkdirAll(filepath.Join(w.dir, d), 0o755); err != nil {
			w.fail("SetupFailed", err)
			return false
		}
	}
	w.markDirty()
	for attempt := 0; ; attempt++ {
		err := w.prepare()
		if err == nil {
			return true
		}
		w.setWaiting("ContainerCreating", err.Error())
		if attempt%10 == 0 {
			w.n.sh.Log.Info("pod not ready to start", "pod", w.name(), "err", err)
		}
		if !sleepCtx(w.ctx, time.Second) {
			return false
		}
	}
}

func (w *podWorker) prepare() error {
	if err := w.writeNameFiles(); err != nil {
		return err
	}
	vols, err := w.prepareVolumes(w.ctx)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.volumes = vols
	w.mu.Unlock()
	return nil
}

// writeNameFiles writes the pod's hosts and resolv.conf files in place (the
// containers' bind mounts keep pointing at the same inode).
func (w *podWorker) writeNameFiles() error {
	pod := w.currentPod()
	w.mu.Lock()
	ip := w.ip
	w.mu.Unlock()
	host := podHostname(pod)
	names := host
	if pod.Spec.Subdomain != "" {
		names = fmt.Sprintf("%s.%s.%s.svc.cluster.local %s", host, pod.Spec.Subdomain, pod.Namespace, host)
	}
	var b strings.Builder
	b.WriteString("# Kubernetes-managed hosts file (localkube).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	fmt.Fprintf(&b, "%s\t%s\n", ip, names)
	if w.n.sh.Hosts != nil {
		b.WriteString(w.n.sh.Hosts(pod.Namespace))
	}
	if err := writeInPlace(filepath.Join(w.dir, "hosts"), b.String()); err != nil {
		return err
	}
	// An unused loopback resolver: names outside /etc/hosts fail fast
	// instead of leaking queries off the machine.
	resolv := fmt.Sprintf("nameserver 127.255.255.254\nsearch %s.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:1\n", pod.Namespace)
	return writeInPlace(filepath.Join(w.dir, "resolv.conf"), resolv)
}

func writeInPlace(path, content string) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == content {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.WriteString(content); err != nil {
		_ = f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// refreshLoop keeps content volumes (ConfigMaps, Secrets, tokens) current.
func (w *podWorker) refreshLoop() {
	for sleepCtx(w.ctx, 15*time.Second) {
		if _, err := w.prepareVolumes(w.ctx); err != nil && w.ctx.Err() == nil {
			w.n.sh.Log.Warn("refreshing volumes", "pod", w.name(), "err", err)
		}
	}
}

func (w *podWorker) fail(reason string, err error) {
	w.n.sh.Log.Error("pod failed", "pod", w.name(), "reason", reason, "err", err)
	w.mu.Lock()
	w.failed = reason + ": " + err.Error()
	w.mu.Unlock()
	w.markDirty()
}

func (w *podWorker) setWaiting(reason, msg string) {
	w.mu.Lock()
	for _, c := range append(append([]*ctr{}, w.initCs...), w.appCs...) {
		if c.state.Waiting != nil {
			c.state = waiting(reason, msg)
		}
	}
	w.mu.Unlock()
	w.markDirty()
}

// killAll stops every container (SIGTERM, grace, SIGKILL) in parallel.
func (w *podWorker) killAll() {
	w.mu.Lock()
	grace := w.grace
	cs := append(append([]*ctr{}, w.initCs...), w.appCs...)
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() { defer wg.Done(); c.kill(grace) }()
	}
	wg.Wait()
	if cg := w.n.sh.Cgroups; cg != nil {
		_ = cg.Remove(w.n.cfg.Name, string(w.uid))
	}
}

// finish deletes the pod object (when it is being deleted) and frees the
// pod's IP and directory.
func (w *podWorker) finish() {
	w.mu.Lock()
	deleting := w.deleting
	pod := w.pod
	w.mu.Unlock()
	if !deleting {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0), Preconditions: &metav1.Preconditions{UID: &w.uid}}
	err := w.n.sh.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, opts)
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		w.n.sh.Log.Warn("deleting pod", "pod", w.name(), "err", err)
	}
	w.n.sh.IPAM.Release(string(w.uid))
	_ = os.RemoveAll(w.dir)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func podHostname(pod *corev1.Pod) string {
	if pod.Spec.Hostname != "" {
		return pod.Spec.Hostname
	}
	return pod.Name
}

func waiting(reason, msg string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
}
