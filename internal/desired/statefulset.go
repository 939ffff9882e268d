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
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// terminationGracePeriod is the pod's: the database container's preStop hook (at most
// preStopTimeout), then a clean InnoDB shutdown, which flushes the buffer pool (SIGKILL at the end
// of the period means crash recovery at the next start).
const terminationGracePeriod = 60 * time.Second

// preStopTimeout bounds "ordinal prestop", the hook that keeps a terminating primary serving until
// the operator has switched over. The rest of the grace period is the server's to shut down.
const preStopTimeout = 45 * time.Second

// StatefulSet is NAME, one pod per member (docs/pod.md). restartConfig (RestartConfig) goes into
// the pod template, so a change of a setting that needs a restart alters the template; settings the
// servers take at run time do not (the operator applies them live). The
// update strategy is OnDelete: the operator alone decides when and in which order members restart.
func StatefulSet(c *v1alpha1.MySQLCluster, opts Options, restartConfig string) *appsv1.StatefulSet {
	replicas := c.DesiredReplicas()
	policy := appsv1.PodManagementPolicyType(c.Spec.PodManagementPolicy)
	if policy == "" {
		policy = appsv1.OrderedReadyPodManagement
	}
	template := podTemplate(c, opts, restartConfig)
	meta := objectMeta(c, c.StatefulSetName())
	meta.Annotations = inheritedAnnotations(c, map[string]string{
		v1alpha1.AnnotationTemplateHash:   templateHash(template),
		v1alpha1.AnnotationSpecGeneration: strconv.FormatInt(c.Generation, 10),
	})
	return &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: meta,
		Spec: appsv1.StatefulSetSpec{
			Replicas:                             &replicas,
			Selector:                             &metav1.LabelSelector{MatchLabels: SelectorLabels(c)},
			ServiceName:                          c.HeadlessServiceName(),
			PodManagementPolicy:                  policy,
			UpdateStrategy:                       appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType},
			PersistentVolumeClaimRetentionPolicy: retentionPolicy(c.Spec.PersistentVolumeClaimRetentionPolicy),
			Template:                             template,
			VolumeClaimTemplates:                 []corev1.PersistentVolumeClaim{claimTemplate(c)},
		},
	}
}

func retentionPolicy(p v1alpha1.PVCRetentionPolicy) *appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy {
	or := func(s string) appsv1.PersistentVolumeClaimRetentionPolicyType {
		if s == "" {
			return appsv1.RetainPersistentVolumeClaimRetentionPolicyType
		}
		return appsv1.PersistentVolumeClaimRetentionPolicyType(s)
	}
	return &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
		WhenDeleted: or(p.WhenDeleted),
		WhenScaled:  or(p.WhenScaled),
	}
}

// claimTemplate is the "data" claim: the user's template with size and class from spec.storage
// taking precedence, ReadWriteOnce unless the user chose access modes, and the selector labels
// (only those: claim templates are immutable, so no label that may change belongs here).
func claimTemplate(c *v1alpha1.MySQLCluster) corev1.PersistentVolumeClaim {
	var user v1alpha1.ClaimTemplate
	if t := c.Spec.Storage.VolumeClaimTemplate; t != nil {
		user = *t.DeepCopy()
	}
	spec := user.Spec
	if len(spec.AccessModes) == 0 {
		spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	if spec.VolumeMode == nil {
		// The apiserver's default, set here because the claim templates are an atomic list: a
		// defaulted field there would look like drift on every reconcile.
		mode := corev1.PersistentVolumeFilesystem
		spec.VolumeMode = &mode
	}
	if spec.Resources.Requests == nil {
		spec.Resources.Requests = corev1.ResourceList{}
	}
	spec.Resources.Requests[corev1.ResourceStorage] = c.StorageSize()
	if c.Spec.Storage.StorageClassName != nil {
		class := *c.Spec.Storage.StorageClassName
		spec.StorageClassName = &class
	}
	return corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name:        VolumeData,
			Labels:      inheritedLabels(c, merged(user.Metadata.Labels, SelectorLabels(c))),
			Annotations: inheritedAnnotations(c, merged(user.Metadata.Annotations, nil)),
		},
		Spec: spec,
	}
}

// podTemplate carries Labels plus the user's pod labels (ours win) and the restart-only settings.
func podTemplate(c *v1alpha1.MySQLCluster, opts Options, restartConfig string) corev1.PodTemplateSpec {
	p := c.Spec.Pod
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      inheritedLabels(c, merged(p.Labels, Labels(c))),
			Annotations: inheritedAnnotations(c, merged(p.Annotations, map[string]string{v1alpha1.AnnotationRestartConfig: restartConfig})),
		},
		Spec: podSpec(c, opts),
	}
}

func podSpec(c *v1alpha1.MySQLCluster, opts Options) corev1.PodSpec {
	p := c.Spec.Pod.DeepCopy()
	no := false
	grace := int64(terminationGracePeriod / time.Second)
	return corev1.PodSpec{
		ServiceAccountName:            c.ServiceAccountName(),
		AutomountServiceAccountToken:  &no,
		EnableServiceLinks:            &no, // a Service named mysql would inject MYSQL_* variables
		TerminationGracePeriodSeconds: &grace,
		SecurityContext:               podSecurityContext(),
		InitContainers:                []corev1.Container{toolsContainer(c, opts), initContainer(c)},
		Containers:                    []corev1.Container{mysqlContainer(c), agentContainer(c)},
		Volumes:                       volumes(c),
		Affinity:                      affinity(c, p.Affinity),
		Tolerations:                   p.Tolerations,
		NodeSelector:                  p.NodeSelector,
		TopologySpreadConstraints:     p.TopologySpreadConstraints,
		PriorityClassName:             p.PriorityClassName,
		ImagePullSecrets:              p.ImagePullSecrets,
	}
}

// affinity is the user's, else a preference (never a requirement, so a small cluster still
// schedules) for members on different nodes and, less strongly, different zones.
func affinity(c *v1alpha1.MySQLCluster, user *corev1.Affinity) *corev1.Affinity {
	if user != nil {
		return user
	}
	term := func(weight int32, key string) corev1.WeightedPodAffinityTerm {
		return corev1.WeightedPodAffinityTerm{Weight: weight, PodAffinityTerm: corev1.PodAffinityTerm{
			LabelSelector: &metav1.LabelSelector{MatchLabels: SelectorLabels(c)},
			TopologyKey:   key,
		}}
	}
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{
			term(100, corev1.LabelHostname),
			term(50, corev1.LabelTopologyZone),
		},
	}}
}

func volumes(c *v1alpha1.MySQLCluster) []corev1.Volume {
	empty := func(name string) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	}
	vols := []corev1.Volume{
		{Name: VolumeConfig, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: c.ConfigMapName()},
		}}},
		empty(VolumeRun),
		empty(VolumeTmp),
		empty(VolumeTools),
	}
	if v, ok := initSQLVolume(c); ok {
		vols = append(vols, v)
	}
	if c.TLSEnabled() {
		vols = append(vols, tlsVolume(c))
	}
	return vols
}

// tlsVolume is the Secret NAME-tls, readable by the containers' group (the key is not world-readable);
// the kubelet refreshes its files when the Secret changes, and the servers reload them live.
func tlsVolume(c *v1alpha1.MySQLCluster) corev1.Volume {
	mode := int32(0o440)
	return corev1.Volume{Name: VolumeTLS, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName:  c.ServingTLSSecretName(),
		DefaultMode: &mode,
	}}}
}
