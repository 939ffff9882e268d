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
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// validKey is the API's rule for option names (letters, digits, '_', '-', '.').
var validKey = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// Render returns the cluster-wide option file for a flavor: the operator's defaults merged with the
// user's overrides (which win, except that plugin_load_add and ignore_db_dirs are extended rather
// than replaced), one key=value line per setting in key order (ignore_db_dirs may have two). An
// empty value renders as a bare flag ("key").
func Render(flavor v1alpha1.Flavor, overrides map[string]string) ([]byte, error) {
	settings, err := Settings(flavor, overrides)
	if err != nil {
		return nil, err
	}
	return Format(flavor, settings)
}

// Format writes merged settings (Settings, WithTLS) as the option file Render describes.
func Format(flavor v1alpha1.Flavor, settings map[string]string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Rendered by the ordinal operator for flavor %s; do not edit.\n", flavor)
	b.WriteString("# ordinal init appends the member's own settings (server_id, report_host, bind_address).\n")
	b.WriteString("[mysqld]\n")
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		values := []string{settings[k]}
		if k == ignoreDBDirs {
			values = strings.Split(settings[k], "\n") // merge joined the operator's and the user's
		}
		for _, v := range values {
			line, err := formatLine(k, v)
			if err != nil {
				return nil, err
			}
			b.WriteString(line)
		}
	}
	return b.Bytes(), nil
}

// merge folds overrides into settings under their canonical names, refusing owned keys, malformed
// names and two spellings of the same key (which of them wins would otherwise be arbitrary).
func merge(settings, overrides map[string]string) error {
	seen := make(map[string]string, len(overrides))
	for _, raw := range slices.Sorted(maps.Keys(overrides)) {
		if !validKey.MatchString(raw) {
			return fmt.Errorf("config key %q: option names are letters, digits, '_', '-' and '.'", raw)
		}
		k := Normalize(raw)
		if IsOwned(k) {
			return fmt.Errorf("config key %q: %s is set by the operator and cannot be overridden", raw, k)
		}
		if prev, dup := seen[k]; dup {
			return fmt.Errorf("config keys %q and %q are the same setting %s", prev, raw, k)
		}
		seen[k] = raw
		v, err := extend(k, settings[k], overrides[raw])
		if err != nil {
			return fmt.Errorf("config key %q: %w", raw, err)
		}
		settings[k] = v
	}
	return nil
}

// extend returns the value of key k once the user's value v is merged with the default d.
func extend(k, d, v string) (string, error) {
	switch {
	case d == "":
		return v, nil
	case k == pluginLoadAdd && v != "":
		return d + ";" + v, nil
	case k == ignoreDBDirs && (v == "" || strings.ContainsAny(v, "\n\r\x00")):
		// An empty ignore_db_dirs resets the list, which would show the quarantine as a database.
		return "", fmt.Errorf("%s needs one directory name (the operator keeps %s)", k, d)
	case k == ignoreDBDirs:
		return d + "\n" + v, nil
	}
	return v, nil
}

// formatLine renders one setting. Values are quoted when the option-file parser would otherwise
// change them ('#' starts a comment, surrounding blanks are trimmed) and backslashes are escaped.
func formatLine(key, value string) (string, error) {
	if strings.ContainsAny(value, "\n\r\x00") {
		return "", fmt.Errorf("config key %s: value must be a single line", key)
	}
	if value == "" {
		return key + "\n", nil
	}
	v := strings.ReplaceAll(value, "\\", "\\\\")
	if strings.ContainsAny(v, "#'\"") || strings.TrimSpace(v) != v {
		switch {
		case !strings.Contains(v, "\""):
			v = "\"" + v + "\""
		case !strings.Contains(v, "'"):
			v = "'" + v + "'"
		default:
			return "", fmt.Errorf("config key %s: value cannot contain both ' and \"", key)
		}
	}
	return key + "=" + v + "\n", nil
}
