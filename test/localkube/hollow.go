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

package localkube

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/ordinal-dev/ordinal/test/localkube/node"
)

// MaxHollowNodes is how many hollow nodes one cluster can have: each takes
// an eighth of the upper half of the pod CIDR (4,064 pod IPs of a /16).
const MaxHollowNodes = 8

// HollowNode is a hollow node run by this process and joined to a running
// cluster: see [node.Hollow].
type HollowNode struct {
	*node.Hollow
	cancel context.CancelFunc
	done   chan struct{}
}

// StartHollowNode registers hollow-INDEX (1..MaxHollowNodes), with InternalIP
// 127.0.2.INDEX and room for maxPods pods, and runs it until Stop. Its pod
// IPs come from block INDEX of the upper half of the pod CIDR (for
// 127.10.0.0/16: 127.10.128.0/20 for hollow-1), which the process nodes,
// allocating from the bottom, never reach.
func (c *Cluster) StartHollowNode(ctx context.Context, index, maxPods int, log *slog.Logger) (*HollowNode, error) {
	block, err := hollowBlock(c.o.PodCIDR, index)
	if err != nil {
		return nil, err
	}
	ipam, err := node.NewIPAM(block.String())
	if err != nil {
		return nil, err
	}
	cfg, err := c.RESTConfig()
	if err != nil {
		return nil, err
	}
	// Thousands of pods: client-go's default 5 requests/s would delay pod
	// status by minutes.
	cfg.QPS, cfg.Burst = 200, 400
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	h := node.NewHollow(node.HollowConfig{Name: "hollow-" + strconv.Itoa(index), IP: "127.0.2." + strconv.Itoa(index),
		MaxPods: maxPods, IPAM: ipam, Client: cs, KubeletVersion: kubeVersion, Log: log})
	runCtx, cancel := context.WithCancel(context.Background())
	hn := &HollowNode{Hollow: h, cancel: cancel, done: make(chan struct{})}
	registered := make(chan error, 1)
	go func() {
		defer close(hn.done)
		registered <- h.Run(runCtx)
	}()
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 10*time.Minute,
		informers.WithTweakListOptions(func(lo *metav1.ListOptions) {
			lo.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", h.Name()).String()
		}))
	if err := watchHollowPods(factory, h); err != nil {
		cancel()
		return nil, err
	}
	factory.Start(runCtx.Done())
	if err := waitRegistered(ctx, hn, registered); err != nil {
		cancel()
		return nil, err
	}
	if !cache.WaitForCacheSync(ctx.Done(), factory.Core().V1().Pods().Informer().HasSynced) {
		cancel()
		return nil, fmt.Errorf("hollow node %s: pod cache did not sync", h.Name())
	}
	return hn, nil
}

// waitRegistered waits (at most 30 s) until the Node reports Ready.
func waitRegistered(ctx context.Context, hn *HollowNode, runErr chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-runErr:
			return fmt.Errorf("hollow node %s stopped: %v", hn.Name(), err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if hn.Ready(ctx) {
			return nil
		}
	}
	return fmt.Errorf("hollow node %s not Ready after 30 s", hn.Name())
}

func watchHollowPods(factory informers.SharedInformerFactory, h *node.Hollow) error {
	pod := func(obj any) *corev1.Pod {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		p, _ := obj.(*corev1.Pod)
		return p
	}
	_, err := factory.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if p := pod(obj); p != nil {
				h.Sync(p)
			}
		},
		UpdateFunc: func(_, obj any) {
			if p := pod(obj); p != nil {
				h.Sync(p)
			}
		},
		DeleteFunc: func(obj any) {
			if p := pod(obj); p != nil {
				h.Forget(p)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("watching hollow pods: %w", err)
	}
	return nil
}

// Stop ends the heartbeats and deletes the Node object (the pod garbage
// collector then deletes pods still bound to it).
func (h *HollowNode) Stop(ctx context.Context) error {
	h.cancel()
	<-h.done
	return h.Deregister(ctx)
}

// hollowBlock is hollow node index's share of the pod CIDR: block index-1
// of 8 in the upper half.
func hollowBlock(podCIDR string, index int) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(podCIDR)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("pod CIDR: %w", err)
	}
	if index < 1 || index > MaxHollowNodes {
		return netip.Prefix{}, fmt.Errorf("hollow node index %d: want 1..%d", index, MaxHollowNodes)
	}
	bits := p.Bits() + 4 // upper half (+1), then 8 blocks (+3)
	if !p.Addr().Is4() || bits > 24 {
		return netip.Prefix{}, fmt.Errorf("pod CIDR %s is too small for hollow nodes (want /20 or larger)", podCIDR)
	}
	a := p.Masked().Addr().As4()
	base := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	base += 1 << (32 - p.Bits() - 1)       // upper half
	base += uint32(index-1) << (32 - bits) // the index's block
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(base >> 24), byte(base >> 16), byte(base >> 8), byte(base)}), bits), nil
}
