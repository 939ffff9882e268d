//go:build envtest

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

package envtest

import (
	"context"
	"encoding/json"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// writeCounter counts writes per namespace, so parallel specs do not see each other's writes.
type writeCounter struct {
	mu sync.Mutex
	n  map[string]int64
}

func (w *writeCounter) add(ns string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == nil {
		w.n = map[string]int64{}
	}
	w.n[ns]++
}

// Load returns the writes made so far in namespace ns.
func (w *writeCounter) Load(ns string) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n[ns]
}

// namespaceOf reads metadata.namespace of an object or an apply configuration.
func namespaceOf(obj any) string {
	if o, ok := obj.(client.Object); ok {
		return o.GetNamespace()
	}
	b, _ := json.Marshal(obj)
	var m struct {
		Metadata struct{ Namespace string } `json:"metadata"`
	}
	_ = json.Unmarshal(b, &m)
	return m.Metadata.Namespace
}

// countingClient counts every write the operator sends to the API server.
type countingClient struct {
	client.Client
	writes *writeCounter
}

func (c countingClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	c.writes.add(namespaceOf(obj))
	return c.Client.Create(ctx, obj, opts...)
}

func (c countingClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	c.writes.add(namespaceOf(obj))
	return c.Client.Update(ctx, obj, opts...)
}

func (c countingClient) Patch(ctx context.Context, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
	c.writes.add(namespaceOf(obj))
	return c.Client.Patch(ctx, obj, p, opts...)
}

func (c countingClient) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
	c.writes.add(namespaceOf(obj))
	return c.Client.Apply(ctx, obj, opts...)
}

func (c countingClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	c.writes.add(namespaceOf(obj))
	return c.Client.Delete(ctx, obj, opts...)
}

func (c countingClient) DeleteAllOf(ctx context.Context, obj client.Object, opts ...client.DeleteAllOfOption) error {
	c.writes.add(namespaceOf(obj))
	return c.Client.DeleteAllOf(ctx, obj, opts...)
}

func (c countingClient) Status() client.SubResourceWriter {
	return countingStatus{SubResourceWriter: c.Client.Status(), writes: c.writes}
}

// countingStatus counts writes to the status subresource.
type countingStatus struct {
	client.SubResourceWriter
	writes *writeCounter
}

func (s countingStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	s.writes.add(namespaceOf(obj))
	return s.SubResourceWriter.Update(ctx, obj, opts...)
}

func (s countingStatus) Patch(ctx context.Context, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
	s.writes.add(namespaceOf(obj))
	return s.SubResourceWriter.Patch(ctx, obj, p, opts...)
}

func (s countingStatus) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
	s.writes.add(namespaceOf(obj))
	return s.SubResourceWriter.Apply(ctx, obj, opts...)
}
