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

package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// Users the operator relies on (created by ordinal init).
const (
	OperatorUser    = "ordinal"
	ReplicationUser = "repl"
)

// actTimeout bounds one step; WaitApplied inside Promote is the slowest part.
const actTimeout = 60 * time.Second

// actor executes one topology step against the members observed in this reconcile.
type actor struct {
	r       *ClusterReconciler
	c       *v1alpha1.MySQLCluster
	members map[string]*member
	secret  *corev1.Secret
}

// run executes step. It returns whether the step made the target the primary.
func (a actor) run(ctx context.Context, step topology.Step) (promoted bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, actTimeout)
	defer cancel()
	switch step.Kind {
	case topology.Wait, topology.Refuse:
		return false, nil
	case topology.Restart:
		return false, a.deletePod(ctx, step.Target)
	case topology.Seed:
		return false, a.seed(ctx, step)
	}
	conn, err := a.conn(step.Target)
	if err != nil {
		return false, err
	}
	switch step.Kind {
	case topology.Bootstrap, topology.Promote:
		return true, promote(ctx, conn)
	case topology.MakeWritable:
		return false, makeWritable(ctx, conn)
	case topology.Fence:
		return false, fence(ctx, conn)
	case topology.StopReplicaIO:
		return false, conn.StopReplicationIO(ctx)
	case topology.ConfigureReplica:
		return false, a.configureReplica(ctx, conn, step.Source)
	case topology.StartReplication:
		return false, conn.StartReplication(ctx)
	case topology.EnableSemiSync, topology.DisableSemiSync:
		return false, conn.SetSemiSyncSource(ctx, step.Kind == topology.EnableSemiSync)
	}
	return false, fmt.Errorf("unknown step %q", step.Kind)
}

func (a actor) conn(name string) (mysql.Instance, error) {
	m := a.members[name]
	if m == nil || m.conn == nil {
		return nil, fmt.Errorf("member %s is not connected", name)
	}
	return m.conn, nil
}

// promote makes a member the primary: its IO thread stops, its relay log is applied, its
// replication is forgotten, and only then is its fence cleared.
func promote(ctx context.Context, conn mysql.Instance) error {
	st, err := conn.Status(ctx)
	if err != nil {
		return err
	}
	if st.Replication != nil {
		if err := conn.StopReplicationIO(ctx); err != nil {
			return err
		}
		if err := conn.WaitApplied(ctx, st.Received); err != nil {
			return fmt.Errorf("apply relay log before promotion: %w", err)
		}
		if err := conn.ResetReplication(ctx); err != nil {
			return err
		}
	}
	if err := conn.SetSemiSyncSource(ctx, false); err != nil {
		return err
	}
	return conn.SetReadOnly(ctx, false)
}

// makeWritable clears the fence of the recorded primary, after forgetting any replication.
func makeWritable(ctx context.Context, conn mysql.Instance) error {
	st, err := conn.Status(ctx)
	if err != nil {
		return err
	}
	if st.Replication != nil {
		if err := conn.ResetReplication(ctx); err != nil {
			return err
		}
	}
	return conn.SetReadOnly(ctx, false)
}

// fence raises the read-only fence, then ends the sessions that could still write.
func fence(ctx context.Context, conn mysql.Instance) error {
	if err := conn.SetReadOnly(ctx, true); err != nil {
		return err
	}
	_, err := conn.KillClientConnections(ctx, OperatorUser, ReplicationUser)
	return err
}

func (a actor) configureReplica(ctx context.Context, conn mysql.Instance, source string) error {
	src := a.members[source]
	if src == nil {
		return fmt.Errorf("source %s is not a member", source)
	}
	err := conn.ConfigureReplica(ctx, mysql.Source{
		Host: a.c.PodHost(src.ordinal), Port: desired.PortMySQL,
		User: ReplicationUser, Password: string(a.secret.Data[v1alpha1.SecretKeyReplicationPassword]),
	})
	if err != nil {
		return err
	}
	semi := a.c.ReplicationMode() == v1alpha1.ReplicationSemiSync
	if err := conn.SetSemiSyncReplica(ctx, semi); err != nil {
		return err
	}
	return conn.StartReplication(ctx)
}

// seed asks the target's agent to re-create its datadir from the donor on its next start, then
// deletes the pod so the StatefulSet starts it again.
func (a actor) seed(ctx context.Context, step topology.Step) error {
	target, donor := a.members[step.Target], a.members[step.Source]
	if target == nil || target.pod == nil || target.pod.Status.PodIP == "" || donor == nil {
		return fmt.Errorf("seed %s from %s: target or donor has no pod", step.Target, step.Source)
	}
	body, _ := json.Marshal(map[string]string{
		"donor": net.JoinHostPort(a.c.PodHost(donor.ordinal), strconv.Itoa(desired.PortAgent)),
	})
	url := "http://" + net.JoinHostPort(target.pod.Status.PodIP, strconv.Itoa(desired.PortAgent)) + "/seed"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("seed %s: %w", step.Target, err)
	}
	req.SetBasicAuth(OperatorUser, string(a.secret.Data[v1alpha1.SecretKeyOperatorPassword]))
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("ask agent of %s to seed: %w", step.Target, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("agent of %s refused to seed: %s", step.Target, resp.Status)
	}
	return a.deletePod(ctx, step.Target)
}

func (a actor) deletePod(ctx context.Context, name string) error {
	m := a.members[name]
	if m == nil || m.pod == nil {
		return nil
	}
	if err := a.r.Delete(ctx, m.pod, client.Preconditions{UID: &m.pod.UID}); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete pod %s: %w", name, err)
	}
	return nil
}
