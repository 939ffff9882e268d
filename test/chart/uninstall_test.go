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

package chart

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestUninstallKeepsCRDAndClusters: helm uninstall removes the operator but keeps the CRD and
// every MySQLCluster (and so their PVCs and data); installing again adopts the kept CRD.
func TestUninstallKeepsCRDAndClusters(t *testing.T) {
	reset(t)
	system, apps := newNamespace(t, "uninstall-system"), newNamespace(t, "uninstall-apps")
	helm(t, "install", "ordinal", chartDir(), "-n", system)
	crd := established(t)
	if _, err := apply(mysqlCluster(apps, "mysql", false)); err != nil {
		t.Fatal(err)
	}
	cluster := getCluster(t, apps, "mysql")

	out := helm(t, "uninstall", "ordinal", "-n", system, "--wait")
	for _, name := range crdNames {
		if !strings.Contains(out, name) {
			t.Errorf("helm uninstall does not say it kept the CRD %s:\n%s", name, out)
		}
	}
	if err := absent(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: system, Name: "ordinal-controller-manager"}}); err != nil {
		t.Errorf("operator Deployment after uninstall: %v", err)
	}
	if err := absent(&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "ordinal-manager-role"}}); err != nil {
		t.Errorf("operator ClusterRole after uninstall: %v", err)
	}
	if kept := established(t); kept.UID != crd.UID {
		t.Errorf("CRD replaced on uninstall: UID %s → %s", crd.UID, kept.UID)
	}
	untouched(t, cluster, getCluster(t, apps, "mysql"))

	// The kept CRD still carries this release's ownership, so installing it again just works.
	helm(t, "install", "ordinal", chartDir(), "-n", system)
	if again := established(t); again.UID != crd.UID {
		t.Errorf("reinstall replaced the CRD: UID %s → %s", crd.UID, again.UID)
	}
	untouched(t, cluster, getCluster(t, apps, "mysql"))
}

// TestUninstallWithoutKeepDeletesCRD: with crds.keep=false the CRD goes with the release, and
// with it every MySQLCluster.
func TestUninstallWithoutKeepDeletesCRD(t *testing.T) {
	reset(t)
	system, apps := newNamespace(t, "nokeep-system"), newNamespace(t, "nokeep-apps")
	helm(t, "install", "ordinal", chartDir(), "-n", system, "--set", "crds.keep=false")
	crd := established(t)
	if crd.Annotations["helm.sh/resource-policy"] != "" {
		t.Fatalf("crds.keep=false installed the CRD with annotations %v", crd.Annotations)
	}
	if _, err := apply(mysqlCluster(apps, "mysql", false)); err != nil {
		t.Fatal(err)
	}
	helm(t, "uninstall", "ordinal", "-n", system, "--wait")
	for _, name := range crdNames {
		eventually(t, "CRD "+name+" deleted by helm uninstall", func() error {
			return absent(&apiextensionsv1.CustomResourceDefinition{ObjectMeta: metav1.ObjectMeta{Name: name}})
		})
	}
}

// TestInstallAcceptsEveryObject: the apiserver accepts every object the chart renders, with the
// default values and with watchNamespaces, and helm records them all in the release.
func TestInstallAcceptsEveryObject(t *testing.T) {
	for name, watch := range map[string]bool{"cluster-wide": false, "watchNamespaces": true} {
		t.Run(name, func(t *testing.T) {
			reset(t)
			system := newNamespace(t, "install-system")
			args := []string{"-n", system}
			if watch {
				args = append(args, "--set", "watchNamespaces={"+newNamespace(t, "team-a")+","+newNamespace(t, "team-b")+"}")
			}
			helm(t, append([]string{"install", "ordinal", chartDir()}, args...)...)
			objs, err := decode(helm(t, "get", "manifest", "ordinal", "-n", system))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := decode(helm(t, append([]string{"template", "ordinal", chartDir()}, args...)...))
			if len(objs) == 0 || len(objs) != len(want) {
				t.Fatalf("release holds %d objects, the chart renders %d", len(objs), len(want))
			}
			for _, o := range objs {
				exists(t, o)
			}
		})
	}
}

// exists checks that a rendered object is on the apiserver.
func exists(t *testing.T, o *unstructured.Unstructured) {
	t.Helper()
	got := &unstructured.Unstructured{}
	got.SetGroupVersionKind(o.GroupVersionKind())
	ns := o.GetNamespace()
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: o.GetName()}, got); err != nil {
		t.Errorf("%s %s/%s: %v", o.GetKind(), ns, o.GetName(), err)
	}
}
