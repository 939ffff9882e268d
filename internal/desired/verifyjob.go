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
	"crypto/sha256"
	"encoding/hex"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kptr "k8s.io/utils/ptr"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/agentapi"
)

// Bounds of a verification: one try (a failed check is a result, not a flake to retry), an hour,
// and the finished Job kept a day for its logs.
const (
	verifyDeadline = int64(3600)
	verifyTTL      = int32(86400)
)

// VerifyJobName is the Job that verifies backup: "<backup>-verify", shortened with a hash when the
// backup's name is long (a Job's name becomes a label value: at most 63 characters).
func VerifyJobName(backup string) string {
	name := backup + "-verify"
	if len(name) <= 63 {
		return name
	}
	sum := sha256.Sum256([]byte(backup))
	return backup[:46] + "-" + hex.EncodeToString(sum[:4]) + "-verify"
}

// VerifyJob restores backup into the Job's scratch volume and checks it ("ordinal verify-backup"
// in the database image, after the tools container copies the binary).
func VerifyJob(c *v1alpha1.MySQLCluster, b *v1alpha1.MySQLBackup, opts Options) *batchv1.Job {
	labels := merged(map[string]string{v1alpha1.LabelBackup: b.Name}, Labels(c))
	labels[LabelComponent] = "backup-verification"
	no := false
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: withInherited(c, metav1.ObjectMeta{Name: VerifyJobName(b.Name), Namespace: b.Namespace, Labels: labels}),
		Spec: batchv1.JobSpec{
			BackoffLimit:            kptr.To(int32(0)),
			ActiveDeadlineSeconds:   kptr.To(verifyDeadline),
			TTLSecondsAfterFinished: kptr.To(verifyTTL),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: withInherited(c, metav1.ObjectMeta{Labels: labels}),
				Spec: corev1.PodSpec{
					RestartPolicy:                corev1.RestartPolicyNever,
					AutomountServiceAccountToken: &no,
					EnableServiceLinks:           &no,
					SecurityContext:              podSecurityContext(),
					InitContainers:               []corev1.Container{toolsContainer(c, opts)},
					Containers:                   []corev1.Container{verifyContainer(c, b)},
					Volumes:                      verifyVolumes(),
					Tolerations:                  c.Spec.Pod.Tolerations,
					NodeSelector:                 c.Spec.Pod.NodeSelector,
					ImagePullSecrets:             c.Spec.Pod.ImagePullSecrets,
				},
			},
		},
	}
}

func verifyContainer(c *v1alpha1.MySQLCluster, b *v1alpha1.MySQLBackup) corev1.Container {
	s := c.Spec.Backup.Store
	src := agentapi.RestoreSource{Store: restoreStore(c, s), Backup: b.Name}
	env := append([]corev1.EnvVar{{Name: EnvFlavor, Value: string(c.Flavor())}}, sourceEnv(src, s)...)
	return corev1.Container{
		Name:                     ContainerVerify,
		Image:                    c.Image(),
		ImagePullPolicy:          dbImagePolicy(c),
		Command:                  []string{AgentBinary, "verify-backup"},
		Env:                      env,
		Resources:                *c.Spec.Resources.DeepCopy(),
		VolumeMounts:             verifyMounts(),
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext:          containerSecurityContext(),
	}
}

// verifyVolumes: the restored datadir lives in the scratch volume and goes with the pod.
func verifyVolumes() []corev1.Volume {
	empty := func(name string) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	}
	return []corev1.Volume{empty(VolumeRun), empty(VolumeTmp), empty(VolumeTools)}
}

func verifyMounts() []corev1.VolumeMount {
	return []corev1.VolumeMount{
		{Name: VolumeRun, MountPath: "/run/mysqld"},
		{Name: VolumeTmp, MountPath: TmpDir},
		{Name: VolumeTools, MountPath: ToolsDir, ReadOnly: true},
	}
}
