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

package argocd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// maxWatched bounds how many versions of a cluster one Watch reads.
const maxWatched = 100000

// Capturer keeps the first MySQLCluster seen in each state (CaptureKey), as fixtures for the
// health check's unit tests: real status objects, not hand-written ones.
type Capturer struct {
	dir  string
	mu   sync.Mutex
	seen map[string]bool
}

// NewCapturer writes into dir; it is nil (capturing nothing) when dir is "".
func NewCapturer(dir string) (*Capturer, error) {
	if dir == "" {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create the capture directory: %w", err)
	}
	return &Capturer{dir: dir, seen: map[string]bool{}}, nil
}

// Observe keeps doc (a MySQLCluster as kubectl get -o yaml prints it) as PREFIX-KEY.yaml unless
// that state was kept already, and returns the key.
func (c *Capturer) Observe(prefix string, doc []byte) (string, error) {
	obj, err := DecodeObject(doc)
	if err != nil {
		return "", err
	}
	key := CaptureKey(obj)
	if c == nil {
		return key, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	name := prefix + "-" + key
	if c.seen[name] {
		return key, nil
	}
	c.seen[name] = true
	if err := os.WriteFile(filepath.Join(c.dir, name+".yaml"), doc, 0o644); err != nil {
		return "", fmt.Errorf("keep %s: %w", name, err)
	}
	return key, nil
}

// Watch keeps every state the MySQLCluster "mysql" in namespace ns goes through until ctx ends:
// it reads each version the API server sends to kubectl get --watch (polling would miss the
// moments between a spec change and the operator's status write), as YAML like kubectl get -o
// yaml prints it.
func (c *Capturer) Watch(ctx context.Context, kubectl, kubeconfig, prefix, ns string) error {
	if c == nil {
		return nil
	}
	cmd := exec.CommandContext(ctx, kubectl, "--kubeconfig", kubeconfig, "-n", ns, "get", "mysqlclusters",
		"--field-selector", "metadata.name=mysql", "--watch", "-o", "json")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("watch %s: %w", ns, err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("watch %s: %w", ns, err)
	}
	err = c.observeStream(prefix, out)
	_ = cmd.Process.Kill() // ends the watch when the stream stopped for another reason
	_ = cmd.Wait()
	if ctx.Err() != nil {
		return nil // the caller stopped the watch
	}
	return err
}

// observeStream keeps each object of a stream of JSON objects.
func (c *Capturer) observeStream(prefix string, r io.Reader) error {
	dec := json.NewDecoder(r)
	for n := 0; n < maxWatched; n++ {
		var obj json.RawMessage
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read the watch: %w", err)
		}
		doc, err := yaml.JSONToYAML(obj)
		if err != nil {
			return fmt.Errorf("convert to YAML: %w", err)
		}
		if _, err := c.Observe(prefix, doc); err != nil {
			return err
		}
	}
	return nil
}

// DecodeObject decodes a YAML or JSON object the way Argo CD holds live objects (unstructured:
// integers stay integers).
func DecodeObject(doc []byte) (map[string]any, error) {
	u := &unstructured.Unstructured{}
	if err := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(doc), 4096).Decode(u); err != nil {
		return nil, fmt.Errorf("decode object: %w", err)
	}
	return u.Object, nil
}

// CaptureKey names the state a health check tells apart: no status yet, a generation not yet
// observed, Stalled, or the Ready condition's status and reason, with, when Ready is not True, the
// Available reason when that is False and the Degraded reason when that is True.
func CaptureKey(obj map[string]any) string {
	if _, found, _ := unstructured.NestedMap(obj, "status"); !found {
		return "no-status"
	}
	generation, _, _ := unstructured.NestedInt64(obj, "metadata", "generation")
	observed, _, _ := unstructured.NestedInt64(obj, "status", "observedGeneration")
	if observed < generation {
		return "generation-not-observed"
	}
	conds, _, _ := unstructured.NestedSlice(obj, "status", "conditions")
	if st, reason := conditionOf(conds, "Stalled"); st == "True" {
		return "stalled-" + reason
	}
	st, reason := conditionOf(conds, "Ready")
	key := "ready-" + st + "-" + reason
	if st == "True" {
		return key
	}
	// Why no primary serves (none yet, read-only in a switchover, gone) tells states apart that
	// share Ready's reason.
	if ast, areason := conditionOf(conds, "Available"); ast == "False" {
		key += "-available-" + areason
	}
	if dst, dreason := conditionOf(conds, "Degraded"); dst == "True" {
		key += "-degraded-" + dreason
	}
	return key
}

// conditionOf is the status and reason of the condition of that type ("None" when absent).
func conditionOf(conds []any, typ string) (status, reason string) {
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if ok && m["type"] == typ {
			s, _ := m["status"].(string)
			r, _ := m["reason"].(string)
			return s, r
		}
	}
	return "None", "None"
}
