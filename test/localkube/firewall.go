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

package localkube

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"sync"
)

// firewall cuts pods off with iptables DROP rules in a chain of our own,
// jumped to from OUTPUT (all loopback traffic is locally generated).
type firewall struct {
	chain string
	mu    sync.Mutex
	rules map[string][][]string // pod key -> rule specs
	made  bool
}

func newFirewall(dir string) *firewall {
	sum := sha256.Sum256([]byte(dir))
	return &firewall{chain: "LOCALKUBE-" + strings.ToUpper(hex.EncodeToString(sum[:4])), rules: map[string][][]string{}}
}

func iptables(args ...string) error {
	out, err := exec.Command("iptables", append([]string{"-w"}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("iptables %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// cut drops every packet to or from ip, and everything the pod's processes
// send (cgroup match: their outgoing connections use 127.0.0.1 as source).
func (f *firewall) cut(key, ip, cgroup string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.rules[key]; ok {
		return nil
	}
	if !f.made {
		_ = iptables("-N", f.chain)
		if iptables("-C", "OUTPUT", "-j", f.chain) != nil {
			if err := iptables("-I", "OUTPUT", "-j", f.chain); err != nil {
				return err
			}
		}
		f.made = true
	}
	specs := [][]string{{"-d", ip, "-j", "DROP"}, {"-s", ip, "-j", "DROP"}}
	if cgroup != "" {
		specs = append(specs, []string{"-m", "cgroup", "--path", cgroup, "-j", "DROP"})
	}
	for _, r := range specs {
		if err := iptables(append([]string{"-A", f.chain}, r...)...); err != nil {
			return err
		}
	}
	f.rules[key] = specs
	return nil
}

// restore removes a pod's rules.
func (f *firewall) restore(key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules[key] {
		if err := iptables(append([]string{"-D", f.chain}, r...)...); err != nil {
			return err
		}
	}
	delete(f.rules, key)
	return nil
}

// cleanup removes the chain and its jump (also left over from a crash).
func (f *firewall) cleanup() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if iptables("-n", "-L", f.chain) != nil {
		return nil
	}
	for i := 0; i < 10 && iptables("-D", "OUTPUT", "-j", f.chain) == nil; i++ {
	}
	f.rules, f.made = map[string][][]string{}, false
	if err := iptables("-F", f.chain); err != nil {
		return err
	}
	return iptables("-X", f.chain)
}
