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

package topology

import "testing"

// Modifiers for TLS: the pod mounts the certificates; the replication connection uses TLS.
func (m Member) tls() Member          { m.ServesTLS = true; return m }
func (m Member) replTLS() Member      { m.ReplicationTLS = true; return m }
func (s Snapshot) tlsOn() Snapshot    { s.TLS = true; return s }
func (s Snapshot) required() Snapshot { s.AccountsRequireTLS = true; return s }

// B.7's TLS rules: replicas follow spec.tls, and the accounts refuse plain connections only once
// TLS reaches every member, and accept them again before anyone goes plain.
func TestDecideTLS(t *testing.T) {
	p := primary("mysql-0", "a:1-10").semi(true, 2).tls()
	r1, r2 := replica("mysql-1", "a:1-10").tls(), replica("mysql-2", "a:1-10").tls()
	runRows(t, []row{
		{name: "TLS on, every member serves it and replicates over it, accounts already require it: settled",
			s:    cluster("mysql-0", p, r1.replTLS(), r2.replTLS()).tlsOn().required(),
			kind: Wait, rule: "settled"},
		{name: "TLS on, a replica still replicates in plain: configure it over TLS",
			s:    cluster("mysql-0", p, r1.replTLS(), r2).tlsOn(),
			kind: ConfigureReplica, target: "mysql-2", source: "mysql-0", rule: "encryptReplication", reason: "configuring it over TLS"},
		{name: "TLS on, every replica over TLS: the accounts now refuse plain connections",
			s:    cluster("mysql-0", p, r1.replTLS(), r2.replTLS()).tlsOn(),
			kind: RequireAccountTLS, target: "mysql-0", rule: "requireAccountTLS"},
		{name: "TLS turned on, a member still runs without certificates (not restarted yet): it replicates in plain, accounts unchanged",
			s:    cluster("mysql-0", p, r1.replTLS(), replica("mysql-2", "a:1-10").outdated()).tlsOn(),
			kind: Restart, target: "mysql-2", rule: "rollingRestart"},
		{name: "TLS turned on, the primary still runs without certificates: replicas stay plain",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10").semi(true, 2), r1, r2).tlsOn(),
			kind: Wait, rule: "settled"},
		{name: "TLS on, a replica down: the accounts wait for it",
			s:    cluster("mysql-0", p, r1.replTLS(), lost("mysql-2", "a:1-10").tls()).tlsOn(),
			kind: Wait},
		{name: "TLS on, a new cluster whose other members have no pod yet: the accounts wait (their change would need a seed of each)",
			s:    cluster("mysql-0", p.semi(true, 0)).replicas(3).tlsOn(),
			kind: Wait},
		{name: "TLS on, every replica over TLS but none acknowledging yet: the accounts wait (the change would wait for an ack)",
			s:    cluster("mysql-0", p.semi(true, 0), r1.replTLS(), r2.replTLS()).tlsOn(),
			kind: Wait},
		{name: "TLS turned off while the accounts require it: relax them before anything else goes plain",
			s:    cluster("mysql-0", p, r1.replTLS(), r2.replTLS().outdated()).required(),
			kind: RelaxAccountTLS, target: "mysql-0", rule: "relaxAccountTLS"},
		{name: "TLS off, accounts relaxed: replicas are configured without TLS",
			s:    cluster("mysql-0", p, r1.replTLS(), r2.replTLS()),
			kind: ConfigureReplica, target: "mysql-1", rule: "encryptReplication", reason: "configuring it without TLS"},
		{name: "TLS off, a replica over TLS while the accounts still require it (a primary that does not answer writable): left as is",
			s:    cluster("mysql-0", p.fenced(), r1.replTLS(), r2.replTLS()).required(),
			kind: MakeWritable, target: "mysql-0"},
	})
}
