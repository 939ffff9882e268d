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
	"strconv"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// volumeFiles renders a ConfigMap, Secret, projected or downward API volume.
func (w *podWorker) volumeFiles(ctx context.Context, pod *corev1.Pod, v corev1.Volume) (map[string]volumeFile, error) {
	b := &envBuilder{w: w, secrets: map[string]*corev1.Secret{}, cms: map[string]*corev1.ConfigMap{}}
	files := map[string]volumeFile{}
	var err error
	switch {
	case v.ConfigMap != nil:
		err = b.configMapFiles(ctx, pod.Namespace, v.ConfigMap.LocalObjectReference.Name, v.ConfigMap.Items, v.ConfigMap.Optional, mode(v.ConfigMap.DefaultMode), files)
	case v.Secret != nil:
		err = b.secretFiles(ctx, pod.Namespace, v.Secret.SecretName, v.Secret.Items, v.Secret.Optional, mode(v.Secret.DefaultMode), files)
	case v.DownwardAPI != nil:
		err = downwardFiles(pod, v.DownwardAPI.Items, mode(v.DownwardAPI.DefaultMode), files)
	case v.Projected != nil:
		err = w.projectedFiles(ctx, b, pod, v.Projected, files)
	default:
		err = fmt.Errorf("unsupported volume type (localkube supports emptyDir, hostPath, PVC, configMap, secret, projected, downwardAPI)")
	}
	return files, err
}

func (w *podWorker) projectedFiles(ctx context.Context, b *envBuilder, pod *corev1.Pod, p *corev1.ProjectedVolumeSource, files map[string]volumeFile) error {
	def := mode(p.DefaultMode)
	for _, s := range p.Sources {
		var err error
		switch {
		case s.ConfigMap != nil:
			err = b.configMapFiles(ctx, pod.Namespace, s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional, def, files)
		case s.Secret != nil:
			err = b.secretFiles(ctx, pod.Namespace, s.Secret.Name, s.Secret.Items, s.Secret.Optional, def, files)
		case s.DownwardAPI != nil:
			err = downwardFiles(pod, s.DownwardAPI.Items, def, files)
		case s.ServiceAccountToken != nil:
			var tok string
			tok, err = w.token(ctx, pod, s.ServiceAccountToken)
			files[s.ServiceAccountToken.Path] = volumeFile{data: []byte(tok), mode: def}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func mode(m *int32) os.FileMode {
	if m == nil {
		return 0o644
	}
	return os.FileMode(*m)
}

func (b *envBuilder) configMapFiles(ctx context.Context, ns, name string, items []corev1.KeyToPath, opt *bool, def os.FileMode, files map[string]volumeFile) error {
	cm, err := b.configMap(ctx, ns, name)
	if err != nil {
		return optional(err, opt)
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keyFiles(data, items, def, files, "configmap "+name)
}

func (b *envBuilder) secretFiles(ctx context.Context, ns, name string, items []corev1.KeyToPath, opt *bool, def os.FileMode, files map[string]volumeFile) error {
	s, err := b.secret(ctx, ns, name)
	if err != nil {
		return optional(err, opt)
	}
	return keyFiles(s.Data, items, def, files, "secret "+name)
}

func keyFiles(data map[string][]byte, items []corev1.KeyToPath, def os.FileMode, files map[string]volumeFile, what string) error {
	if len(items) == 0 {
		for k, v := range data {
			files[k] = volumeFile{data: v, mode: def}
		}
		return nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			return fmt.Errorf("key %q not in %s", it.Key, what)
		}
		m := def
		if it.Mode != nil {
			m = os.FileMode(*it.Mode)
		}
		files[it.Path] = volumeFile{data: v, mode: m}
	}
	return nil
}

func downwardFiles(pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, def os.FileMode, files map[string]volumeFile) error {
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = fieldValue(pod, it.FieldRef.FieldPath)
		case it.ResourceFieldRef != nil:
			v = resourceValue(containerNamed(pod, it.ResourceFieldRef.ContainerName), it.ResourceFieldRef)
		}
		if err != nil {
			return fmt.Errorf("downward API file %s: %w", it.Path, err)
		}
		m := def
		if it.Mode != nil {
			m = os.FileMode(*it.Mode)
		}
		files[it.Path] = volumeFile{data: []byte(v), mode: m}
	}
	return nil
}

func containerNamed(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return &corev1.Container{}
}

// token returns a bound service-account token, requesting a new one when
// 80% of the previous one's lifetime has passed.
func (w *podWorker) token(ctx context.Context, pod *corev1.Pod, p *corev1.ServiceAccountTokenProjection) (string, error) {
	key := p.Audience + "/" + p.Path + "/" + strconv.FormatInt(ptr.Deref(p.ExpirationSeconds, 3607), 10)
	w.mu.Lock()
	t, ok := w.tokens[key]
	w.mu.Unlock()
	if ok && w.n.sh.now().Before(t.refresh) {
		return t.value, nil
	}
	req := &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{
		ExpirationSeconds: ptr.To(ptr.Deref(p.ExpirationSeconds, 3607)),
		BoundObjectRef:    &authv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}
	if p.Audience != "" {
		req.Spec.Audiences = []string{p.Audience}
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	res, err := w.n.sh.Client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, req, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("requesting a token for service account %s: %w", sa, err)
	}
	issued := w.n.sh.now()
	life := res.Status.ExpirationTimestamp.Sub(issued)
	w.mu.Lock()
	w.tokens[key] = cachedToken{value: res.Status.Token, refresh: issued.Add(life * 8 / 10)}
	w.mu.Unlock()
	return res.Status.Token, nil
}
