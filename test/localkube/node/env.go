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
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// envBuilder resolves a container's environment; it caches the Secrets and
// ConfigMaps it reads for the duration of one container start.
type envBuilder struct {
	w       *podWorker
	secrets map[string]*corev1.Secret
	cms     map[string]*corev1.ConfigMap
}

// containerEnv returns the container's environment as KEY=VALUE pairs, in
// Kubernetes order (envFrom, then env; later wins), with $(VAR) expanded.
func (w *podWorker) containerEnv(ctx context.Context, c *corev1.Container) ([]string, map[string]string, error) {
	b := &envBuilder{w: w, secrets: map[string]*corev1.Secret{}, cms: map[string]*corev1.ConfigMap{}}
	pod := w.podView()
	vars := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	set("PATH", defaultPath)
	set("HOSTNAME", podHostname(pod))
	set("HOME", "/root")
	if uid := runAsUser(pod, c); uid != nil && *uid != 0 {
		set("HOME", "/")
	}
	set("KUBERNETES_SERVICE_HOST", w.n.sh.APIServerHost)
	set("KUBERNETES_SERVICE_PORT", strconv.Itoa(w.n.sh.APIServerPort))
	set("KUBERNETES_SERVICE_PORT_HTTPS", strconv.Itoa(w.n.sh.APIServerPort))
	for _, ef := range c.EnvFrom {
		kv, err := b.envFrom(ctx, pod.Namespace, ef)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range kv {
			set(ef.Prefix+p[0], p[1])
		}
	}
	for _, e := range c.Env {
		v, err := b.value(ctx, pod, c, e)
		if err != nil {
			return nil, nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		set(e.Name, expand(v, vars))
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+vars[k])
	}
	return out, vars, nil
}

func (b *envBuilder) envFrom(ctx context.Context, ns string, ef corev1.EnvFromSource) ([][2]string, error) {
	var data map[string]string
	switch {
	case ef.ConfigMapRef != nil:
		cm, err := b.configMap(ctx, ns, ef.ConfigMapRef.Name)
		if err != nil {
			return nil, optional(err, ef.ConfigMapRef.Optional)
		}
		data = cm.Data
	case ef.SecretRef != nil:
		s, err := b.secret(ctx, ns, ef.SecretRef.Name)
		if err != nil {
			return nil, optional(err, ef.SecretRef.Optional)
		}
		data = map[string]string{}
		for k, v := range s.Data {
			data[k] = string(v)
		}
	}
	out := make([][2]string, 0, len(data))
	for k, v := range data {
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

func (b *envBuilder) value(ctx context.Context, pod *corev1.Pod, c *corev1.Container, e corev1.EnvVar) (string, error) {
	vf := e.ValueFrom
	switch {
	case vf == nil:
		return e.Value, nil
	case vf.FieldRef != nil:
		return fieldValue(pod, vf.FieldRef.FieldPath)
	case vf.ResourceFieldRef != nil:
		return resourceValue(c, vf.ResourceFieldRef), nil
	case vf.SecretKeyRef != nil:
		s, err := b.secret(ctx, pod.Namespace, vf.SecretKeyRef.Name)
		if err != nil {
			return "", optional(err, vf.SecretKeyRef.Optional)
		}
		v, ok := s.Data[vf.SecretKeyRef.Key]
		if !ok && !isTrue(vf.SecretKeyRef.Optional) {
			return "", fmt.Errorf("key %q not in secret %s", vf.SecretKeyRef.Key, s.Name)
		}
		return string(v), nil
	case vf.ConfigMapKeyRef != nil:
		cm, err := b.configMap(ctx, pod.Namespace, vf.ConfigMapKeyRef.Name)
		if err != nil {
			return "", optional(err, vf.ConfigMapKeyRef.Optional)
		}
		v, ok := cm.Data[vf.ConfigMapKeyRef.Key]
		if !ok && !isTrue(vf.ConfigMapKeyRef.Optional) {
			return "", fmt.Errorf("key %q not in configmap %s", vf.ConfigMapKeyRef.Key, cm.Name)
		}
		return v, nil
	}
	return "", nil
}

func (b *envBuilder) secret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	if s, ok := b.secrets[name]; ok {
		return s, nil
	}
	s, err := b.w.n.sh.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading secret %s/%s: %w", ns, name, err)
	}
	b.secrets[name] = s
	return s, nil
}

func (b *envBuilder) configMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error) {
	if cm, ok := b.cms[name]; ok {
		return cm, nil
	}
	cm, err := b.w.n.sh.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading configmap %s/%s: %w", ns, name, err)
	}
	b.cms[name] = cm
	return cm, nil
}

// optional turns a not-found error into "no value" when the ref is optional.
func optional(err error, opt *bool) error {
	if isTrue(opt) && apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func isTrue(b *bool) bool { return b != nil && *b }

// fieldValue implements the downward API's fieldRef paths.
func fieldValue(pod *corev1.Pod, path string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP", "status.podIPs":
		return pod.Status.PodIP, nil
	case "status.hostIP", "status.hostIPs":
		return pod.Status.HostIP, nil
	case "metadata.labels", "metadata.annotations":
		m := pod.Labels
		if path == "metadata.annotations" {
			m = pod.Annotations
		}
		return formatMap(m), nil
	}
	for prefix, m := range map[string]map[string]string{"metadata.labels": pod.Labels, "metadata.annotations": pod.Annotations} {
		if rest, ok := strings.CutPrefix(path, prefix+"['"); ok {
			return m[strings.TrimSuffix(rest, "']")], nil
		}
	}
	return "", fmt.Errorf("unsupported fieldRef %q", path)
}

func formatMap(m map[string]string) string {
	lines := make([]string, 0, len(m))
	for k, v := range m {
		lines = append(lines, k+"="+strconv.Quote(v))
	}
	sortStrings(lines)
	return strings.Join(lines, "\n")
}

// resourceValue reports limits (or requests) in the divisor's unit; with no
// limit set it reports the node's capacity, as the kubelet does.
func resourceValue(c *corev1.Container, r *corev1.ResourceFieldSelector) string {
	name := corev1.ResourceName(strings.TrimPrefix(strings.TrimPrefix(r.Resource, "limits."), "requests."))
	q, ok := c.Resources.Limits[name]
	if strings.HasPrefix(r.Resource, "requests.") {
		q, ok = c.Resources.Requests[name]
	}
	if !ok {
		if name == corev1.ResourceCPU {
			return "4"
		}
		return strconv.FormatInt(8<<30, 10)
	}
	div := r.Divisor
	if div.IsZero() {
		return strconv.FormatInt(q.Value(), 10)
	}
	return strconv.FormatInt((q.MilliValue()+div.MilliValue()-1)/div.MilliValue(), 10)
}

// expand implements Kubernetes' $(VAR) references: defined names are
// replaced, $$ escapes, anything else is left as written.
func expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '(':
			if end := strings.IndexByte(s[i+2:], ')'); end >= 0 {
				name := s[i+2 : i+2+end]
				if v, ok := vars[name]; ok {
					b.WriteString(v)
					i += 2 + end
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// expandAll expands command and args with the container's environment.
func expandAll(args []string, vars map[string]string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = expand(a, vars)
	}
	return out
}
