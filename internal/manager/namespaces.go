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
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// namespaceList is the --watch-namespaces flag: a comma-separated list of namespaces.
type namespaceList []string

func (l *namespaceList) String() string { return strings.Join(*l, ",") }

// Set parses a comma-separated list. Each name is checked here so that a typo stops the operator
// at start instead of leaving it watching a namespace that cannot exist.
func (l *namespaceList) Set(v string) error {
	var out []string
	seen := map[string]bool{}
	for _, ns := range strings.Split(v, ",") {
		ns = strings.TrimSpace(ns)
		if ns == "" || seen[ns] {
			continue
		}
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return fmt.Errorf("namespace %q: %s", ns, strings.Join(errs, "; "))
		}
		seen[ns] = true
		out = append(out, ns)
	}
	*l = out
	return nil
}

// cacheOptions restricts the cache to member pods and, when namespaces are given, to those
// namespaces: with a Role per namespace (the Helm chart's watchNamespaces) the operator may not
// list or watch anything cluster-wide, so an unrestricted cache would fail to sync. Empty means
// every namespace.
func cacheOptions(namespaces []string, memberPods labels.Selector) cache.Options {
	o := cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.Pod{}: {Label: memberPods},
	}}
	if len(namespaces) > 0 {
		o.DefaultNamespaces = make(map[string]cache.Config, len(namespaces))
		for _, ns := range namespaces {
			o.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return o
}
