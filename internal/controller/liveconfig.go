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

package controller

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// applyLiveConfig brings every answering member's running server to the cluster's live settings
// (those of spec.config and the defaults that a server takes with SET GLOBAL) and records on the
// pod what it applied, so the next pass writes nothing. It runs on every pass, like routing: a
// member restarted meanwhile has no record and is brought up to date again. The rendered config
// holds the same values, so a restart keeps them. Refusals are reported in w.configRejected.
func (r *ClusterReconciler) applyLiveConfig(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) {
	live, err := desired.LiveConfig(c)
	if err != nil {
		return // an invalid config is reported by the apply of the ConfigMap
	}
	want := mycnf.Digest(live)
	var rejected []string
	for _, m := range w.members {
		if m.pod == nil || m.pod.DeletionTimestamp != nil || m.status == nil || m.conn == nil {
			continue
		}
		have, recorded := m.pod.Annotations[v1alpha1.AnnotationLiveConfig]
		if have == want {
			continue
		}
		changed, err := r.setLive(ctx, m, live, have, want)
		if err != nil {
			rejected = append(rejected, fmt.Sprintf("%s: %v", m.name, err))
			continue
		}
		if recorded && len(changed) > 0 {
			r.Recorder.Eventf(c, nil, corev1.EventTypeNormal, "ConfigAppliedLive", "SetGlobal",
				"%s now runs with %s, without a restart", m.name, strings.Join(changed, ", "))
		}
	}
	w.configRejected = strings.Join(rejected, "; ")
	if w.configRejected != "" && w.configRejected != rejectedBefore(w) {
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "ConfigRejected", "SetGlobal",
			"a server refused a setting of spec.config: %s", w.configRejected)
	}
}

// setLive applies to member m the live settings that changed since the digest have, then records
// want on its pod. It returns the names of the settings it changed.
func (r *ClusterReconciler) setLive(ctx context.Context, m *member, live map[string]string, have, want string) ([]string, error) {
	changed := mycnf.Changed(have, want)
	settings, err := liveChanges(live, changed)
	if err != nil {
		return nil, err
	}
	if err := m.conn.SetGlobals(ctx, settings); err != nil {
		return nil, err
	}
	patch := client.MergeFrom(m.pod.DeepCopy())
	if m.pod.Annotations == nil {
		m.pod.Annotations = map[string]string{}
	}
	m.pod.Annotations[v1alpha1.AnnotationLiveConfig] = want
	if err := r.Patch(ctx, m.pod, patch); client.IgnoreNotFound(err) != nil {
		return nil, fmt.Errorf("record the applied settings on pod %s: %w", m.name, err)
	}
	logf(ctx)("Applied settings live", "pod", m.name, "settings", changed)
	return changed, nil
}

// liveChanges are the SET GLOBALs for the changed keys: a key still in live gets its value, one
// no longer there (the user removed it) goes back to the server's default.
func liveChanges(live map[string]string, changed []string) ([]mysql.GlobalSetting, error) {
	out := make([]mysql.GlobalSetting, 0, len(changed))
	for _, k := range changed {
		v, ok := live[k]
		if !ok {
			out = append(out, mysql.GlobalSetting{Name: k, Default: true})
			continue
		}
		sqlValue, quoted, err := mycnf.SQLValue(v)
		if err != nil {
			return nil, fmt.Errorf("config key %s: %w", k, err)
		}
		out = append(out, mysql.GlobalSetting{Name: k, Value: sqlValue, Quoted: quoted})
	}
	return out, nil
}

// rejectedBefore is what the last written status said was rejected.
func rejectedBefore(w *world) string {
	if w.written == nil || w.written.Status.Config == nil {
		return ""
	}
	return w.written.Status.Config.Rejected
}

// configStatus says which restart-only settings some member does not run with yet (its pod was
// created from an older template) and which settings a server refused at run time.
func configStatus(c *v1alpha1.MySQLCluster, w *world) *v1alpha1.ConfigStatus {
	want, err := desired.RestartConfig(c)
	s := &v1alpha1.ConfigStatus{Rejected: w.configRejected}
	if err == nil {
		pending := map[string]bool{}
		for i := range w.pods {
			p := &w.pods[i]
			have := p.Annotations[v1alpha1.AnnotationRestartConfig]
			if have == want {
				continue
			}
			s.MembersPendingRestart = append(s.MembersPendingRestart, p.Name)
			for _, k := range mycnf.Changed(have, want) {
				pending[k] = true
			}
		}
		for k := range pending {
			s.PendingRestart = append(s.PendingRestart, k)
		}
		slices.Sort(s.PendingRestart)
	}
	if len(s.PendingRestart) == 0 && len(s.MembersPendingRestart) == 0 && s.Rejected == "" {
		return nil
	}
	return s
}
