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
	"testing"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

func TestGolden(t *testing.T) {
	for name, c := range map[string]*v1alpha1.MySQLCluster{
		"mariadb":   mariadbCluster(),
		"mysql":     mysqlCluster(),
		"overrides": overridesCluster(),
	} {
		t.Run(name, func(t *testing.T) {
			golden(t, name+".golden.yaml", toYAML(t, allObjects(t, c)...))
		})
	}
}
