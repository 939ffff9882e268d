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
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/manager"
)

// A refused switchover fails with the operator's reason and withdraws its request.
func TestSwitchoverRefusedWithdraws(t *testing.T) {
	mc := sampleCluster()
	mc.Annotations = nil
	mc.Status.Conditions = append(mc.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionStalled,
		Status: metav1.ConditionTrue, Reason: "Refused", Message: "switchover to mysql-1 refused: mysql-1 does not answer"})
	c := fake.NewClientBuilder().WithScheme(manager.Scheme()).WithObjects(mc).WithStatusSubresource(mc).Build()
	var out, errOut bytes.Buffer
	o := &Options{Flags: NewOptions(genericiooptions.IOStreams{}).Flags,
		Streams:   genericiooptions.IOStreams{Out: &out, ErrOut: &errOut},
		NewClient: func() (client.Client, error) { return c, nil }}
	ns := "shop"
	o.Flags.Namespace = &ns
	so := &switchoverOptions{Options: o, to: "mysql-1", timeout: 10 * time.Second}
	err := so.run(context.Background(), "mysql")
	if err == nil || !strings.Contains(err.Error(), "mysql-1 does not answer") {
		t.Fatalf("run = %v, want the operator's refusal", err)
	}
	got := &v1alpha1.MySQLCluster{}
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(mc), got); err != nil {
		t.Fatal(err)
	}
	if v, ok := got.Annotations[v1alpha1.AnnotationSwitchoverTo]; ok {
		t.Errorf("the refused request is still there: %s=%s", v1alpha1.AnnotationSwitchoverTo, v)
	}
	if !strings.Contains(errOut.String(), "Withdrew") {
		t.Errorf("stderr does not say the request was withdrawn:\n%s", errOut.String())
	}
}

func TestLoadCredentials(t *testing.T) {
	mc := sampleCluster()
	mc.Spec.Database, mc.Spec.User = "shop", &v1alpha1.ApplicationUser{Name: "app"}
	secret := func(name, key, value string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}, Data: map[string][]byte{key: []byte(value)}}
	}
	c := fake.NewClientBuilder().WithScheme(manager.Scheme()).WithObjects(mc,
		secret("mysql-credentials", v1alpha1.SecretKeyRootPassword, "rootpw"),
		secret("mysql-app", v1alpha1.AppSecretKeyPassword, "apppw")).Build()
	ctx := context.Background()
	root, err := loadCredentials(ctx, c, mc, "root")
	if err != nil || root.Password != "rootpw" || root.Host != "mysql-primary.shop.svc" || root.Port != 3306 {
		t.Errorf("root = %+v, %v", root, err)
	}
	app, err := loadCredentials(ctx, c, mc, "app")
	if err != nil || app.Password != "apppw" || app.Secret != "mysql-app" || app.Database != "shop" {
		t.Errorf("app = %+v, %v", app, err)
	}
	if _, err := loadCredentials(ctx, c, mc, "repl"); err == nil || !strings.Contains(err.Error(), "--user app") {
		t.Errorf("an account without a Secret is refused with the choices, got %v", err)
	}
}
