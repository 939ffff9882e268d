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

package services

import (
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// endpoint is one pod behind a Service. localkube computes endpoints from
// Pods itself: the apiserver refuses loopback addresses in Endpoints and
// EndpointSlices, so the controllers cannot publish pods on 127.10.0.0/16.
type endpoint struct {
	pod   *corev1.Pod
	ip    string
	ready bool
}

// endpoints lists the pods a Service selects that have an IP; ready
// follows the pod's Ready condition (always true with
// publishNotReadyAddresses), and terminating pods are never ready.
func (r *Registry) endpoints(s *corev1.Service) []endpoint {
	if len(s.Spec.Selector) == 0 {
		return nil
	}
	pods, err := r.pods.Pods(s.Namespace).List(labels.SelectorFromSet(s.Spec.Selector))
	if err != nil {
		return nil
	}
	var out []endpoint
	for _, p := range pods {
		if p.Status.PodIP == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		ready := podReady(p) || s.Spec.PublishNotReadyAddresses
		if p.DeletionTimestamp != nil {
			ready = false
		}
		out = append(out, endpoint{pod: p, ip: p.Status.PodIP, ready: ready})
	}
	return out
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// hostname is the pod's DNS label under a headless Service, if it has one.
func (e endpoint) hostname(svc string) string {
	if e.pod.Spec.Hostname != "" && e.pod.Spec.Subdomain == svc {
		return e.pod.Spec.Hostname
	}
	return ""
}

// target resolves a Service port to ip:port on this endpoint's pod
// (targetPort may name a container port).
func (e endpoint) target(sp corev1.ServicePort) (string, bool) {
	port := sp.TargetPort.IntValue()
	if sp.TargetPort.StrVal != "" {
		port = 0
		for _, c := range e.pod.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == sp.TargetPort.StrVal {
					port = int(cp.ContainerPort)
				}
			}
		}
	} else if port == 0 {
		port = int(sp.Port)
	}
	if port == 0 {
		return "", false
	}
	return net.JoinHostPort(e.ip, strconv.Itoa(port)), true
}
