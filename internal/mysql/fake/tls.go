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

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// requireTLSStatements is how many transactions the real RequireTLS commits (CREATE USER IF NOT
// EXISTS, GRANT, two ALTER USER), each with a GTID of the member's own.
const requireTLSStatements = 4

// RequireTLS sets whether the accounts require TLS and commits the member's own transactions as
// the real statements do (ignoring the fence, as the operator's account may write through
// MariaDB's). Replicas applying them take the member's setting (Cluster.Replicate). The call is
// recorded as RequireTLS(on), without the password (RequireTLSPassword has it).
func (in *Instance) RequireTLS(ctx context.Context, on bool, operatorPassword string) error {
	defer in.end()
	if err := in.begin(ctx, "RequireTLS", on); err != nil {
		return err
	}
	if operatorPassword == "" {
		return &mysql.StatementError{Addr: in.addr, Statement: "RequireTLS", Err: errors.New("no operator password")}
	}
	in.tlsPassword = operatorPassword
	for range requireTLSStatements {
		if err := in.commitAckedLocked("RequireTLS"); err != nil {
			return err
		}
	}
	in.requireTLS = on
	return nil
}

// AccountsRequireTLS reports the member's setting (RequireTLS, SetAccountsRequireTLS).
func (in *Instance) AccountsRequireTLS(ctx context.Context) (bool, error) {
	defer in.end()
	if err := in.begin(ctx, "AccountsRequireTLS"); err != nil {
		return false, err
	}
	return in.requireTLS, nil
}

// SetAccountsRequireTLS sets what AccountsRequireTLS reports, without a transaction (e.g. a
// member restored with accounts that already require TLS).
func (in *Instance) SetAccountsRequireTLS(v bool) { in.with(func() { in.requireTLS = v }) }

// RequireTLSPassword is the operator password the last RequireTLS call passed ("" before any).
func (in *Instance) RequireTLSPassword() string {
	in.c.mu.Lock()
	defer in.c.mu.Unlock()
	return in.tlsPassword
}
