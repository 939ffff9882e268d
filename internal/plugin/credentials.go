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

package plugin

import (
	"context"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// RootUser is the database account the credentials Secret holds a password for.
const RootUser = "root"

// Credentials is what `credentials -o json|yaml` prints (kind Credentials). Password is only
// filled with --show-password.
type Credentials struct {
	metav1.TypeMeta `json:",inline"`
	Cluster         string `json:"cluster"`
	Namespace       string `json:"namespace"`
	// Host is the read/write Service; ReadOnlyHost load-balances over the serving replicas.
	Host         string `json:"host"`
	ReadOnlyHost string `json:"readOnlyHost"`
	Port         int32  `json:"port"`
	User         string `json:"user"`
	Password     string `json:"password,omitempty"`
	Database     string `json:"database,omitempty"`
	// Secret and SecretKey say where the password is kept.
	Secret    string `json:"secret"`
	SecretKey string `json:"secretKey"`
}

// DeepCopyObject makes Credentials a runtime.Object for cli-runtime's printers.
func (c *Credentials) DeepCopyObject() runtime.Object { return deepCopyJSON(c) }

// loadCredentials finds user's password: root's in the credentials Secret, the application
// user's (spec.user) in its Secret (spec.user.passwordSecretName or the generated NAME-app).
func loadCredentials(ctx context.Context, c client.Client, mc *v1alpha1.MySQLCluster, user string) (*Credentials, error) {
	cr := &Credentials{
		TypeMeta: metav1.TypeMeta{APIVersion: OutputAPIVersion, Kind: "Credentials"},
		Cluster:  mc.Name, Namespace: mc.Namespace, User: user,
		Host:         fmt.Sprintf("%s.%s.svc", mc.PrimaryServiceName(), mc.Namespace),
		ReadOnlyHost: fmt.Sprintf("%s.%s.svc", mc.ReplicasServiceName(), mc.Namespace),
		Port:         primaryPort(ctx, c, mc),
	}
	switch {
	case user == RootUser:
		cr.Secret, cr.SecretKey = mc.CredentialsSecretName(), v1alpha1.SecretKeyRootPassword
	case mc.Spec.User != nil && mc.Spec.User.Name == user:
		cr.Secret, cr.SecretKey, cr.Database = mc.AppSecretName(), v1alpha1.AppSecretKeyPassword, mc.Spec.Database
	default:
		return nil, fmt.Errorf("%s has no account %q with a Secret: use --user root%s", mc.Name, user, appUserHint(mc))
	}
	s := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: mc.Namespace, Name: cr.Secret}, s); err != nil {
		return nil, fmt.Errorf("read Secret %s: %w", cr.Secret, err)
	}
	pw, ok := s.Data[cr.SecretKey]
	if !ok {
		return nil, fmt.Errorf("Secret %s has no key %s", cr.Secret, cr.SecretKey)
	}
	cr.Password = string(pw)
	return cr, nil
}

func appUserHint(mc *v1alpha1.MySQLCluster) string {
	if mc.Spec.User == nil {
		return " (spec.user is not set)"
	}
	return " or --user " + mc.Spec.User.Name
}

// primaryPort is the primary Service's MySQL port, or the default when it cannot be read.
func primaryPort(ctx context.Context, c client.Client, mc *v1alpha1.MySQLCluster) int32 {
	svc := &corev1.Service{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: mc.Namespace, Name: mc.PrimaryServiceName()}, svc); err == nil {
		for _, p := range svc.Spec.Ports {
			if p.Name == desired.PortNameMySQL {
				return p.Port
			}
		}
	}
	return desired.PortMySQL
}

// PrintCredentials writes the connection details; the password only when show is set.
func PrintCredentials(cr *Credentials, show bool, out io.Writer) error {
	w := printers.GetNewTabWriter(out)
	fmt.Fprintf(w, "Host:\t%s\t(read/write)\n", cr.Host)
	fmt.Fprintf(w, "Read-only host:\t%s\t(serving replicas)\n", cr.ReadOnlyHost)
	fmt.Fprintf(w, "Port:\t%d\n", cr.Port)
	fmt.Fprintf(w, "User:\t%s\n", cr.User)
	if cr.Database != "" {
		fmt.Fprintf(w, "Database:\t%s\n", cr.Database)
	}
	if show {
		fmt.Fprintf(w, "Password:\t%s\n", cr.Password)
	} else {
		fmt.Fprintf(w, "Password:\t%s\t(--show-password prints it)\n", strings.Repeat("*", 8))
	}
	fmt.Fprintf(w, "Secret:\t%s\t(key %s)\n", cr.Secret, cr.SecretKey)
	return w.Flush()
}
