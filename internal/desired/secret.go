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

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// passwordAlphabet has no quotes, backslashes or shell and SQL metacharacters, so a password can be
// pasted anywhere. 62 symbols: 32 characters carry about 190 bits.
const passwordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// PasswordLength is the length of every generated password.
const PasswordLength = 32

// CredentialsSecret is a freshly generated NAME-credentials (c.GeneratedSecretName()) with the three
// passwords read from rand (crypto/rand.Reader in production). The caller creates it only when
// spec.credentialsSecretName is empty and the Secret does not exist yet: it is never overwritten,
// because the servers' users were created with these passwords.
func CredentialsSecret(c *v1alpha1.MySQLCluster, rand io.Reader) (*corev1.Secret, error) {
	data := make(map[string][]byte, 3)
	for _, key := range v1alpha1.CredentialKeys {
		p, err := password(rand, PasswordLength)
		if err != nil {
			return nil, fmt.Errorf("generate %s for MySQLCluster %s/%s: %w", key, c.Namespace, c.Name, err)
		}
		data[key] = p
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: objectMeta(c, c.GeneratedSecretName()),
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	}, nil
}

// password draws n characters uniformly from passwordAlphabet, rejecting bytes that would bias the
// modulo. The number of reads is bounded so a broken reader fails instead of looping.
func password(rand io.Reader, n int) ([]byte, error) {
	const limit = 256 - 256%len(passwordAlphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for range 16 {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, fmt.Errorf("read random bytes: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit {
				out = append(out, passwordAlphabet[int(b)%len(passwordAlphabet)])
				if len(out) == n {
					return out, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("random source produced too few usable bytes for a %d-character password", n)
}
