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

package mycnf

import (
	"reflect"
	"slices"
	"testing"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// The operator's own settings are never changed at run time by a user's config: they are owned
// (refused) or fixed in the defaults.
func TestLiveKeysExcludeOwnedSettings(t *testing.T) {
	for _, f := range []v1alpha1.Flavor{v1alpha1.FlavorMariaDB, v1alpha1.FlavorMySQL} {
		keys := LiveKeys(f)
		if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
			t.Errorf("%s: live keys not sorted and unique: %v", f, keys)
		}
		for _, k := range keys {
			if IsOwned(k) || Normalize(k) != k {
				t.Errorf("%s: %s is owned or not canonical", f, k)
			}
		}
	}
	if slices.Contains(LiveKeys(v1alpha1.FlavorMySQL), "max_statement_time") || slices.Contains(LiveKeys(v1alpha1.FlavorMariaDB), "max_execution_time") {
		t.Error("an engine-specific setting is listed for the other engine")
	}
}

func TestSplitKeepsBareFlagsAndUnknownSettingsForRestart(t *testing.T) {
	s, err := Settings(v1alpha1.FlavorMariaDB, map[string]string{
		"max-connections": "300", "slow_query_log": "", "back_log": "90", "loose_max_connections": "5",
	})
	if err != nil {
		t.Fatal(err)
	}
	live, restart := Split(v1alpha1.FlavorMariaDB, s)
	if live["max_connections"] != "300" || live["sync_binlog"] != "1" {
		t.Errorf("live = %v: want the user's max_connections and the default sync_binlog", live)
	}
	for _, k := range []string{"slow_query_log", "back_log", "loose_max_connections", "log_bin", "read_only"} {
		if _, ok := restart[k]; !ok {
			t.Errorf("%s is not in the restart part: %v", k, restart)
		}
	}
	if len(live)+len(restart) != len(s) {
		t.Error("split lost or duplicated settings")
	}
}

func TestDigestAndChanged(t *testing.T) {
	a := Digest(map[string]string{"a": "1", "b": "2", "c": "3"})
	b := Digest(map[string]string{"a": "1", "b": "20", "d": "4"})
	if a != Digest(map[string]string{"c": "3", "a": "1", "b": "2"}) {
		t.Error("digest depends on map order")
	}
	if got := Changed(a, b); !reflect.DeepEqual(got, []string{"b", "c", "d"}) {
		t.Errorf("Changed = %v, want b (value), c (removed), d (added)", got)
	}
	if got := Changed("", a); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("Changed from nothing = %v, want every key", got)
	}
	if Changed(a, a) != nil {
		t.Error("a digest differs from itself")
	}
}

func TestSQLValue(t *testing.T) {
	for in, want := range map[string]struct {
		v      string
		quoted bool
	}{
		"300": {"300", false}, "-1": {"-1", false}, "0.5": {"0.5", false},
		"64M": {"67108864", false}, "1g": {"1073741824", false}, "2K": {"2048", false},
		"ON": {"ON", true}, "STRICT_ALL_TABLES,NO_ZERO_DATE": {"STRICT_ALL_TABLES,NO_ZERO_DATE", true},
		"1e3": {"1e3", true}, "0x10": {"0x10", true}, "utf8mb4": {"utf8mb4", true},
	} {
		v, quoted, err := SQLValue(in)
		if err != nil || v != want.v || quoted != want.quoted {
			t.Errorf("SQLValue(%q) = %q, %v, %v; want %q, %v", in, v, quoted, err, want.v, want.quoted)
		}
	}
	if _, _, err := SQLValue("99999999999T"); err == nil {
		t.Error("an overflowing size was accepted")
	}
}
