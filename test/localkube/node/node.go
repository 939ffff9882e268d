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
	"crypto/tls"
	"fmt"
	"runtime"
	"sync"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// Config describes one process node.
type Config struct {
	Name string
	// IP is the node's InternalIP and where its kubelet API listens.
	IP          string
	KubeletPort int
	CPU, Memory string
	MaxPods     int
	// TLS serves the kubelet API (a certificate valid for IP).
	TLS *tls.Config
	// KubeletVersion is reported in the Node's nodeInfo.
	KubeletVersion string
}

const heartbeat = 5 * time.Second

// Node is one process node: it owns the pods bound to it.
type Node struct {
	cfg     Config
	sh      *Shared
	gate    gate
	mu      sync.Mutex
	workers map[types.UID]*podWorker
	lostHow string
}

// New returns a node; Run registers it and keeps it alive.
func New(sh *Shared, cfg Config) *Node {
	n := &Node{cfg: cfg, sh: sh, workers: map[types.UID]*podWorker{}}
	n.gate.open()
	return n
}

// Name is the Node's name.
func (n *Node) Name() string { return n.cfg.Name }

// Run registers the Node, serves the kubelet API and heartbeats until ctx
// ends. Pods arrive through Sync.
func (n *Node) Run(ctx context.Context) error {
	if err := n.register(ctx); err != nil {
		return err
	}
	srv, err := n.serve()
	if err != nil {
		return err
	}
	defer func() { _ = srv.Close() }()
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if n.gate.isLost() {
			continue
		}
		if err := n.beat(ctx); err != nil && ctx.Err() == nil {
			n.sh.Log.Warn("node heartbeat failed", "node", n.cfg.Name, "err", err)
		}
	}
}

func (n *Node) register(ctx context.Context) error {
	c := n.sh.Client.CoreV1().Nodes()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.cfg.Name, Labels: map[string]string{
		"kubernetes.io/hostname": n.cfg.Name, "kubernetes.io/os": "linux", "kubernetes.io/arch": runtime.GOARCH,
		"localkube.ordinal.dev/node": "true",
	}}}
	_, err := c.Create(ctx, node, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("registering node %s: %w", n.cfg.Name, err)
	}
	return n.beat(ctx)
}

// beat refreshes the Node's status (Ready condition, addresses, capacity)
// and renews its Lease.
func (n *Node) beat(ctx context.Context) error {
	c := n.sh.Client.CoreV1().Nodes()
	var node *corev1.Node
	// The node controller writes a new Node too (taints, conditions): read again on a conflict.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		if node, err = c.Get(ctx, n.cfg.Name, metav1.GetOptions{}); err != nil {
			return fmt.Errorf("reading node %s: %w", n.cfg.Name, err)
		}
		n.fillStatus(&node.Status)
		if _, err := c.UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("updating node %s status: %w", n.cfg.Name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return n.renewLease(ctx, node.UID)
}

func (n *Node) fillStatus(st *corev1.NodeStatus) {
	now := metav1.NewTime(n.sh.now())
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(n.cfg.CPU),
		corev1.ResourceMemory: resource.MustParse(n.cfg.Memory),
		corev1.ResourcePods:   *resource.NewQuantity(int64(n.cfg.MaxPods), resource.DecimalSI),
		"ephemeral-storage":   resource.MustParse("100Gi"),
	}
	st.Capacity, st.Allocatable = capacity, capacity
	st.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: n.cfg.IP}, {Type: corev1.NodeHostName, Address: n.cfg.Name}}
	st.DaemonEndpoints.KubeletEndpoint.Port = int32(n.cfg.KubeletPort)
	st.NodeInfo = corev1.NodeSystemInfo{KubeletVersion: n.cfg.KubeletVersion, OperatingSystem: "linux", Architecture: runtime.GOARCH,
		ContainerRuntimeVersion: "localkube://1", OSImage: "localkube process node", MachineID: n.cfg.Name, SystemUUID: n.cfg.Name, BootID: n.cfg.Name}
	conds := []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "localkube process node is posting ready status"},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID"},
	}
	for i := range conds {
		conds[i].LastHeartbeatTime = now
		conds[i].LastTransitionTime = now
		for _, old := range st.Conditions {
			if old.Type == conds[i].Type && old.Status == conds[i].Status {
				conds[i].LastTransitionTime = old.LastTransitionTime
			}
		}
	}
	st.Conditions = conds
}

func (n *Node) renewLease(ctx context.Context, uid types.UID) error {
	c := n.sh.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NewMicroTime(n.sh.now())
	lease, err := c.Get(ctx, n.cfg.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		lease = &coordv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: n.cfg.Name, OwnerReferences: []metav1.OwnerReference{
			{APIVersion: "v1", Kind: "Node", Name: n.cfg.Name, UID: uid}}},
			Spec: coordv1.LeaseSpec{HolderIdentity: ptr.To(n.cfg.Name), LeaseDurationSeconds: ptr.To[int32](40), RenewTime: &now}}
		_, err = c.Create(ctx, lease, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return fmt.Errorf("reading lease of node %s: %w", n.cfg.Name, err)
	}
	lease.Spec.RenewTime = &now
	if _, err := c.Update(ctx, lease, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("renewing lease of node %s: %w", n.cfg.Name, err)
	}
	return nil
}

// gate is open while the node is alive; a lost node's pod loops and
// heartbeats wait on it.
type gate struct {
	mu   sync.Mutex
	lost bool
	ch   chan struct{}
}

func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lost = false
	if g.ch == nil {
		g.ch = make(chan struct{})
	}
	select {
	case <-g.ch:
	default:
		close(g.ch)
	}
}

func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.lost {
		g.lost = true
		g.ch = make(chan struct{})
	}
}

func (g *gate) isLost() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lost
}

// wait blocks while the node is lost.
func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	ch := g.ch
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
