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
	"fmt"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// placementAccess is what moving members apart reads beyond the operator's namespaces: the nodes
// (watched) and a member's volume (its node affinity).
var placementAccess = []authorizationv1.ResourceAttributes{
	{Resource: "nodes", Verb: "list"},
	{Resource: "nodes", Verb: "watch"},
	{Resource: "persistentvolumes", Verb: "get"},
}

// mayPlaceMembers asks the API server whether the operator may read what moving members apart
// needs. Without it the operator moves no member instead of failing: a node watch it may not
// list would never sync, and the manager would stop at start (RBAC kept from an older chart, or
// managed by hand).
func mayPlaceMembers(c client.Client) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, attrs := range placementAccess {
		if err := allowed(ctx, c, attrs); err != nil {
			ctrllog.Log.WithName("setup").Info("Members that share a node will not be moved apart", "reason", err.Error())
			return false
		}
	}
	return true
}

func allowed(ctx context.Context, c client.Client, attrs authorizationv1.ResourceAttributes) error {
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &attrs}}
	if err := c.Create(ctx, review); err != nil {
		return fmt.Errorf("asking whether it may %s %s: %w", attrs.Verb, attrs.Resource, err)
	}
	if !review.Status.Allowed {
		return fmt.Errorf("it may not %s %s (give its ClusterRole get, list and watch on nodes, get on persistentvolumes)", attrs.Verb, attrs.Resource)
	}
	return nil
}
