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

package manager

import (
	"context"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// reviewing answers SelfSubjectAccessReviews: allowed unless the resource and verb are denied.
func reviewing(denied string) client.Client {
	return fake.NewClientBuilder().WithScheme(Scheme()).WithInterceptorFuncs(interceptor.Funcs{
		Create: func(_ context.Context, _ client.WithWatch, obj client.Object, _ ...client.CreateOption) error {
			r := obj.(*authorizationv1.SelfSubjectAccessReview)
			a := r.Spec.ResourceAttributes
			r.Status.Allowed = a.Verb+" "+a.Resource != denied
			return nil
		},
	}).Build()
}

func TestMembersAreMovedApartOnlyWithTheAccessItNeeds(t *testing.T) {
	if !mayPlaceMembers(reviewing("")) {
		t.Error("every access allowed: members are not moved apart")
	}
	for _, denied := range []string{"list nodes", "watch nodes", "get persistentvolumes"} {
		if mayPlaceMembers(reviewing(denied)) {
			t.Errorf("%s denied: members are moved apart anyway (a node watch that cannot sync stops the manager)", denied)
		}
	}
}
