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
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// volumeDirs prepares every volume of the pod and returns, per volume name,
// the host path that is bind-mounted for it. Content volumes (ConfigMap,
// Secret, projected, downward API) are (re)written on each call.
func (w *podWorker) prepareVolumes(ctx context.Context) (map[string]string, error) {
	pod := w.podView()
	out := map[string]string{}
	fsGroup := podFSGroup(pod)
	for _, v := range pod.Spec.Volumes {
		dir, err := w.prepareVolume(ctx, pod, v)
		if err != nil {
			return nil, fmt.Errorf("volume %s: %w", v.Name, err)
		}
		if fsGroup != nil && v.HostPath == nil {
			if err := applyFSGroup(dir, *fsGroup); err != nil {
				return nil, fmt.Errorf("volume %s: applying fsGroup: %w", v.Name, err)
			}
		}
		out[v.Name] = dir
	}
	return out, nil
}

func (w *podWorker) prepareVolume(ctx context.Context, pod *corev1.Pod, v corev1.Volume) (string, error) {
	dir := filepath.Join(w.dir, "volumes", v.Name)
	switch {
	case v.EmptyDir != nil:
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return "", err
		}
		return dir, os.Chmod(dir, 0o777)
	case v.HostPath != nil:
		p := w.n.sh.hostPath(v.HostPath.Path)
		if t := v.HostPath.Type; t != nil && *t == corev1.HostPathDirectoryOrCreate {
			return p, os.MkdirAll(p, 0o755)
		}
		return p, nil
	case v.PersistentVolumeClaim != nil:
		return w.claimPath(ctx, pod.Namespace, v.PersistentVolumeClaim.ClaimName, dir)
	}
	files, err := w.volumeFiles(ctx, pod, v)
	if err != nil {
		return "", err
	}
	return dir, writeFiles(dir, files)
}

// claimPath follows a PVC to its bound PV's hostPath or local directory, or
// publishes its CSI volume at target.
func (w *podWorker) claimPath(ctx context.Context, ns, name, target string) (string, error) {
	c := w.n.sh.Client.CoreV1()
	pvc, err := c.PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("reading PVC %s: %w", name, err)
	}
	if pvc.Spec.VolumeName == "" || pvc.Status.Phase != corev1.ClaimBound {
		return "", fmt.Errorf("PVC %s is not bound yet", name)
	}
	pv, err := c.PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("reading PV %s of PVC %s: %w", pvc.Spec.VolumeName, name, err)
	}
	var p string
	switch {
	case pv.Spec.HostPath != nil:
		p = pv.Spec.HostPath.Path
	case pv.Spec.Local != nil:
		p = pv.Spec.Local.Path
	case pv.Spec.CSI != nil:
		return w.publishCSI(ctx, pv, target)
	default:
		return "", fmt.Errorf("PV %s is neither hostPath, local nor CSI", pv.Name)
	}
	p = w.n.sh.hostPath(p)
	return p, os.MkdirAll(p, 0o755)
}

func (w *podWorker) publishCSI(ctx context.Context, pv *corev1.PersistentVolume, target string) (string, error) {
	d, ok := w.n.sh.CSIDrivers[pv.Spec.CSI.Driver]
	if !ok {
		return "", fmt.Errorf("PV %s: no CSI driver %q on this node", pv.Name, pv.Spec.CSI.Driver)
	}
	return d.Publish(ctx, pv.Spec.CSI.VolumeHandle, target)
}

// volumeFile is one file of a content volume.
type volumeFile struct {
	data []byte
	mode os.FileMode
}

// writeFiles writes each file atomically (rename inside the directory, which
// the bind mount shows) and removes files no longer present.
func writeFiles(dir string, files map[string]volumeFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, f := range files {
		p := filepath.Join(dir, name)
		if old, err := os.ReadFile(p); err == nil && string(old) == string(f.data) {
			_ = os.Chmod(p, f.mode)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		tmp := filepath.Join(filepath.Dir(p), ".tmp-"+filepath.Base(p))
		if err := os.WriteFile(tmp, f.data, f.mode); err != nil {
			return err
		}
		if err := os.Chmod(tmp, f.mode); err != nil {
			return err
		}
		if err := os.Rename(tmp, p); err != nil {
			return err
		}
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if _, ok := files[rel]; !ok {
			return os.Remove(p)
		}
		return nil
	})
}

// applyFSGroup gives the group fsGroup ownership and rw access, as the
// kubelet does, walking the tree only when the root does not match yet.
func applyFSGroup(dir string, gid int64) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int64(sys.Gid) == gid && st.Mode()&0o070 == 0o070 {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		if err := os.Lchown(p, -1, int(gid)); err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode()
		if d.IsDir() {
			return os.Chmod(p, mode.Perm()|0o070|os.ModeSetgid)
		}
		return os.Chmod(p, mode.Perm()|0o060)
	})
}
