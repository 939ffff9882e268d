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

package desired

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// Day-one settings in the pod and the children (docs/applications.md).
const (
	// VolumeInitSQL projects spec.initSQL's keys into the init container.
	VolumeInitSQL = "init-sql"
	// InitSQLDir holds the scripts as 000.sql, 001.sql, … in spec order.
	InitSQLDir = "/etc/ordinal/init-sql"
	// EnvInitSQL lists the scripts' sources ("configMap NAME key KEY;…"), for init's messages; its
	// presence tells init that the first member of a new cluster runs them.
	EnvInitSQL = "ORDINAL_INIT_SQL"
	// EnvTimeZone (spec.timeZone) tells init to load the time zone tables into a new datadir.
	EnvTimeZone = "ORDINAL_TIME_ZONE"
	// ConfigKeyBootstrapped in the ConfigMap (mounted in init) says the cluster has had a primary:
	// a first member whose datadir is initialised again must not run spec.initSQL again.
	ConfigKeyBootstrapped = "bootstrapped"
)

// withBootstrapped adds ConfigKeyBootstrapped to the ConfigMap's data of a cluster with initSQL
// once it has had a primary. The key is outside the config hash: it restarts nothing.
func withBootstrapped(c *v1alpha1.MySQLCluster, data map[string]string) map[string]string {
	if len(c.Spec.InitSQL) > 0 && c.Status.CurrentPrimary != "" {
		data[ConfigKeyBootstrapped] = "true"
	}
	return data
}

// InitSQLFile is the file name of the i-th initSQL script.
func InitSQLFile(i int) string { return fmt.Sprintf("%03d.sql", i) }

// inheritedLabels overlays ours on spec.inheritedMetadata.labels (ours win).
func inheritedLabels(c *v1alpha1.MySQLCluster, ours map[string]string) map[string]string {
	if m := c.Spec.InheritedMetadata; m != nil {
		return merged(m.Labels, ours)
	}
	return merged(nil, ours)
}

// inheritedAnnotations overlays ours on spec.inheritedMetadata.annotations (ours win).
func inheritedAnnotations(c *v1alpha1.MySQLCluster, ours map[string]string) map[string]string {
	if m := c.Spec.InheritedMetadata; m != nil {
		return merged(m.Annotations, ours)
	}
	return merged(nil, ours)
}

// withInherited adds spec.inheritedMetadata to metadata a builder made (its entries win).
func withInherited(c *v1alpha1.MySQLCluster, meta metav1.ObjectMeta) metav1.ObjectMeta {
	meta.Labels = inheritedLabels(c, meta.Labels)
	meta.Annotations = inheritedAnnotations(c, meta.Annotations)
	return meta
}

// Inherit adds spec.inheritedMetadata to metadata built outside this package (the scheduled
// MySQLBackups); meta's own entries win.
func Inherit(c *v1alpha1.MySQLCluster, meta metav1.ObjectMeta) metav1.ObjectMeta {
	return withInherited(c, meta)
}

// dbImagePolicy is spec.engine.imagePullPolicy for the containers of the database image.
func dbImagePolicy(c *v1alpha1.MySQLCluster) corev1.PullPolicy { return c.ImagePullPolicy() }

// agentResources are spec.pod.agentResources, or nil for the defaults.
func agentResources(c *v1alpha1.MySQLCluster) *corev1.ResourceRequirements {
	if r := c.Spec.Pod.AgentResources; r != nil {
		return r.DeepCopy()
	}
	return nil
}

// dayOneEnv is init's environment for spec.timeZone and spec.initSQL (nothing when unset, so
// clusters without them keep their pod template).
func dayOneEnv(c *v1alpha1.MySQLCluster) []corev1.EnvVar {
	var out []corev1.EnvVar
	if c.Spec.TimeZone != "" {
		out = append(out, corev1.EnvVar{Name: EnvTimeZone, Value: c.Spec.TimeZone})
	}
	if len(c.Spec.InitSQL) > 0 {
		out = append(out, corev1.EnvVar{Name: EnvInitSQL, Value: initSQLSources(c)})
	}
	return out
}

func initSQLSources(c *v1alpha1.MySQLCluster) string {
	parts := make([]string, 0, len(c.Spec.InitSQL))
	for _, s := range c.Spec.InitSQL {
		if r := s.ConfigMapKeyRef; r != nil {
			parts = append(parts, "configMap "+r.Name+" key "+r.Key)
		} else if r := s.SecretKeyRef; r != nil {
			parts = append(parts, "secret "+r.Name+" key "+r.Key)
		}
	}
	return strings.Join(parts, ";")
}

// initSQLVolume projects every script into one directory. The sources are optional so that a
// ConfigMap deleted after bootstrap never keeps a pod from starting; init refuses a missing
// script when it would run them.
func initSQLVolume(c *v1alpha1.MySQLCluster) (corev1.Volume, bool) {
	if len(c.Spec.InitSQL) == 0 {
		return corev1.Volume{}, false
	}
	yes := true
	var sources []corev1.VolumeProjection
	for i, s := range c.Spec.InitSQL {
		item := func(key string) []corev1.KeyToPath { return []corev1.KeyToPath{{Key: key, Path: InitSQLFile(i)}} }
		if r := s.ConfigMapKeyRef; r != nil {
			sources = append(sources, corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{
				LocalObjectReference: corev1.LocalObjectReference{Name: r.Name}, Items: item(r.Key), Optional: &yes}})
		} else if r := s.SecretKeyRef; r != nil {
			sources = append(sources, corev1.VolumeProjection{Secret: &corev1.SecretProjection{
				LocalObjectReference: corev1.LocalObjectReference{Name: r.Name}, Items: item(r.Key), Optional: &yes}})
		}
	}
	return corev1.Volume{Name: VolumeInitSQL, VolumeSource: corev1.VolumeSource{
		Projected: &corev1.ProjectedVolumeSource{Sources: sources}}}, true
}

// AppSecret is a freshly generated NAME-app with the application user's connection settings and a
// password read from rand. The caller creates it only when spec.user is set without
// passwordSecretName and the Secret does not exist: it is never overwritten.
func AppSecret(c *v1alpha1.MySQLCluster, rand io.Reader) (*corev1.Secret, error) {
	p, err := password(rand, PasswordLength)
	if err != nil {
		return nil, fmt.Errorf("generate the application password of MySQLCluster %s/%s: %w", c.Namespace, c.Name, err)
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: objectMeta(c, c.GeneratedAppSecretName()),
		Type:       corev1.SecretTypeOpaque,
		Data:       AppConnection(c, string(p)),
	}, nil
}

// AppConnection are the keys of NAME-app for password: username, password, database, host (the
// primary Service), port, uri (mysql://…) and jdbc-url.
func AppConnection(c *v1alpha1.MySQLCluster, password string) map[string][]byte {
	host := c.PrimaryServiceName() + "." + c.Namespace + ".svc"
	port := strconv.Itoa(int(PortMySQL))
	user, db := c.Spec.User.Name, c.Spec.Database
	uri := url.URL{Scheme: "mysql", User: url.UserPassword(user, password), Host: net.JoinHostPort(host, port), Path: "/" + db}
	jdbc := "jdbc:" + string(c.Flavor()) + "://" + net.JoinHostPort(host, port) + "/" + db
	out := map[string][]byte{
		v1alpha1.AppSecretKeyUsername: []byte(user),
		v1alpha1.AppSecretKeyPassword: []byte(password),
		v1alpha1.AppSecretKeyDatabase: []byte(db),
		v1alpha1.AppSecretKeyHost:     []byte(host),
		v1alpha1.AppSecretKeyPort:     []byte(port),
		v1alpha1.AppSecretKeyURI:      []byte(uri.String()),
		v1alpha1.AppSecretKeyJDBCURL:  []byte(jdbc),
	}
	return out
}
