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

package fake

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func requireTLS(t *testing.T, in *Instance) bool {
	t.Helper()
	on, err := in.AccountsRequireTLS(ctx)
	must(t, err)
	return on
}

// RequireTLS on the primary is its own transactions: replicas applying them take the setting.
func TestRequireTLSReplicates(t *testing.T) {
	c, ms := threeMembers(t)
	before := status(t, ms[0]).Executed
	must(t, ms[0].RequireTLS(ctx, true, "op-pw"))
	if !requireTLS(t, ms[0]) || requireTLS(t, ms[1]) {
		t.Errorf("before replication: primary %v, replica %v", requireTLS(t, ms[0]), requireTLS(t, ms[1]))
	}
	if n := status(t, ms[0]).Executed.Subtract(before).Count(); n != requireTLSStatements {
		t.Errorf("RequireTLS committed %d transactions, want %d", n, requireTLSStatements)
	}
	c.Replicate()
	for _, r := range ms[1:] {
		if !requireTLS(t, r) || !status(t, r).Executed.Equal(status(t, ms[0]).Executed) {
			t.Errorf("%s after replication: require TLS %v, executed %v", r.Addr(), requireTLS(t, r), status(t, r).Executed)
		}
	}
	if calls := ms[0].Calls(); !slices.Contains(calls, "RequireTLS(true)") || !slices.Contains(calls, "AccountsRequireTLS()") {
		t.Errorf("calls %q", calls)
	}
	if ms[0].RequireTLSPassword() != "op-pw" {
		t.Errorf("password %q", ms[0].RequireTLSPassword())
	}
	must(t, ms[0].RequireTLS(ctx, false, "op-pw"))
	c.Replicate()
	if requireTLS(t, ms[0]) || requireTLS(t, ms[2]) {
		t.Error("RequireTLS(false) did not revert")
	}
	ms[2].SetAccountsRequireTLS(true)
	if !requireTLS(t, ms[2]) {
		t.Error("SetAccountsRequireTLS")
	}
}

func TestRequireTLSFails(t *testing.T) {
	_, ms := threeMembers(t)
	if err := ms[0].RequireTLS(ctx, true, ""); err == nil || requireTLS(t, ms[0]) {
		t.Errorf("an empty password: %v", err)
	}
	boom := errors.New("boom")
	ms[0].FailOn("AccountsRequireTLS", boom)
	if _, err := ms[0].AccountsRequireTLS(ctx); !errors.Is(err, boom) {
		t.Errorf("FailOn: %v", err)
	}
	// The semi-sync wait on and no acker: the first statement's commit never returns.
	for _, r := range ms[1:] {
		must(t, r.StopReplication(ctx))
	}
	must(t, ms[0].SetSemiSyncSource(ctx, true))
	if err := ms[0].RequireTLS(ctx, true, "op-pw"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("without an acker: %v", err)
	}
	ms[0].FailOn("AccountsRequireTLS", nil)
	if requireTLS(t, ms[0]) {
		t.Error("a RequireTLS stuck on its first commit changed the accounts")
	}
}
