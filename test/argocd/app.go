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
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// refreshAnnotation asks the controller to compare an Application with git now; a git webhook
// does the same in an install. The controller removes it once it has.
const refreshAnnotation = "argocd.argoproj.io/refresh"

// AppOptions describes an Application that syncs one folder of the environment's repository into
// one namespace, automatically.
type AppOptions struct {
	Name      string
	Path      string // folder in the repository
	Namespace string // destination namespace, created by the sync
	// ServerSideApply syncs with ServerSideApply=true instead of Argo CD's default client-side apply.
	ServerSideApply bool
}

// App is the part of an Application's status the tests read.
type App struct {
	Metadata struct {
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Status AppStatus `json:"status"`
}

// AppStatus is an Application's status.
type AppStatus struct {
	Sync struct {
		Status   string `json:"status"`
		Revision string `json:"revision"`
	} `json:"sync"`
	Health         HealthStatus      `json:"health"`
	ReconciledAt   time.Time         `json:"reconciledAt"`
	OperationState *OperationState   `json:"operationState"`
	Resources      []ResourceStatus  `json:"resources"`
	Conditions     []AppCondition    `json:"conditions"`
	History        []json.RawMessage `json:"history"`
}

// OperationState is the last sync operation.
type OperationState struct {
	Phase     string `json:"phase"`
	Message   string `json:"message"`
	Operation struct {
		Sync struct {
			Revision string `json:"revision"`
		} `json:"sync"`
	} `json:"operation"`
	SyncResult *struct {
		Revision  string `json:"revision"`
		Resources []struct {
			Kind    string `json:"kind"`
			Name    string `json:"name"`
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"resources"`
	} `json:"syncResult"`
}

// ResourceStatus is one managed resource as the Application last compared it.
type ResourceStatus struct {
	Kind      string        `json:"kind"`
	Name      string        `json:"name"`
	Namespace string        `json:"namespace"`
	Status    string        `json:"status"`
	Health    *HealthStatus `json:"health"`
}

// AppCondition is an Application condition, e.g. SyncError or ComparisonError.
type AppCondition struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// Condition is the message of the Application condition of that type, "" when there is none.
func (s AppStatus) Condition(typ string) string {
	for _, c := range s.Conditions {
		if c.Type == typ {
			return c.Message
		}
	}
	return ""
}

// Resource is the managed resource of that kind and name, or nil.
func (s AppStatus) Resource(kind, name string) *ResourceStatus {
	for i := range s.Resources {
		if s.Resources[i].Kind == kind && s.Resources[i].Name == name {
			return &s.Resources[i]
		}
	}
	return nil
}

// CreateApp creates (or updates) an Application in the argocd namespace.
func (e *Env) CreateApp(ctx context.Context, o AppOptions) error {
	syncOptions := []any{"CreateNamespace=true"}
	if o.ServerSideApply {
		syncOptions = append(syncOptions, "ServerSideApply=true")
	}
	app := map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": map[string]any{"name": o.Name, "namespace": Namespace},
		"spec": map[string]any{
			"project": "default",
			"source":  map[string]any{"repoURL": e.RepoURL, "targetRevision": "main", "path": o.Path},
			"destination": map[string]any{
				"server": "https://kubernetes.default.svc", "namespace": o.Namespace,
			},
			"syncPolicy": map[string]any{
				"automated": map[string]any{}, "syncOptions": syncOptions,
				// A failed automated sync is retried (5 times by default); refresh makes the retry
				// take the latest commit, so a fix committed after a refused spec ends it. A short
				// first backoff keeps the suite's wait for that retry short.
				"retry": map[string]any{"limit": 5, "refresh": true,
					"backoff": map[string]any{"duration": "5s", "factor": 2, "maxDuration": "1m"}},
			},
		},
	}
	if err := e.apply(ctx, app); err != nil {
		return fmt.Errorf("create Application %s: %w", o.Name, err)
	}
	return nil
}

// GetApp reads an Application.
func (e *Env) GetApp(ctx context.Context, name string) (*App, error) {
	out, err := e.Kubectl(ctx, "", "-n", Namespace, "get", "application", name, "-o", "json")
	if err != nil {
		return nil, err
	}
	app := &App{}
	if err := json.Unmarshal([]byte(out), app); err != nil {
		return nil, fmt.Errorf("decode Application %s: %w", name, err)
	}
	return app, nil
}

// Refresh asks the controller to compare the Application with git now (as a git webhook would)
// and waits, up to timeout, until it has.
func (e *Env) Refresh(ctx context.Context, name string, timeout time.Duration) error {
	if _, err := e.Kubectl(ctx, "", "-n", Namespace, "annotate", "application", name,
		refreshAnnotation+"=normal", "--overwrite"); err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for attempt := 0; attempt < int(timeout/(250*time.Millisecond))+1; attempt++ {
		app, err := e.GetApp(ctx, name)
		if err == nil && app.Metadata.Annotations[refreshAnnotation] == "" {
			return nil
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("Application %s was not refreshed within %s", name, timeout)
}

// DeleteApp deletes an Application without cascading: the namespace it synced into is the
// test's to delete.
func (e *Env) DeleteApp(ctx context.Context, name string) error {
	_, err := e.Kubectl(ctx, "", "-n", Namespace, "delete", "application", name, "--ignore-not-found", "--wait=false")
	return err
}
