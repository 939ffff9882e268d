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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// MemberSettings are the settings that differ between members of one cluster.
type MemberSettings struct {
	// ServerID is SERVER_ID_BASE + ordinal.
	ServerID uint32
	// ReportHost is the member's stable DNS name, shown to the primary and other replicas.
	ReportHost string
	// BindAddress is the pod IP: the server never listens on 0.0.0.0.
	BindAddress string
}

// Member returns base (a Render result) with the member's own settings appended to its [mysqld]
// section. Empty ReportHost or BindAddress are left out rather than rendered empty.
func Member(base []byte, m MemberSettings) []byte {
	var b bytes.Buffer
	b.Write(base)
	if len(base) > 0 && base[len(base)-1] != '\n' {
		b.WriteByte('\n')
	}
	b.WriteString("# Member settings written by ordinal init.\n")
	if m.BindAddress != "" {
		fmt.Fprintf(&b, "bind_address=%s\n", m.BindAddress)
	}
	if m.ReportHost != "" {
		fmt.Fprintf(&b, "report_host=%s\n", m.ReportHost)
	}
	fmt.Fprintf(&b, "report_port=%d\n", Port)
	fmt.Fprintf(&b, "server_id=%d\n", m.ServerID)
	return b.Bytes()
}

// Hash is a short stable digest of a rendered file (the first 16 hex digits of its SHA-256), used as
// the pod template's config-hash annotation.
func Hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}
