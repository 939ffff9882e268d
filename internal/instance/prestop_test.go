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

package instance

import (
	"context"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/fake"
)

func testPreStop(db *fake.Instance, timeout time.Duration) *PreStop {
	return &PreStop{DB: db, Log: discardLog(), Timeout: timeout, Poll: 10 * time.Millisecond,
		Settle: 50 * time.Millisecond, Unanswered: 100 * time.Millisecond}
}

// timedWait runs the hook's wait and says what it returned and how long it took.
func timedWait(p *PreStop) (PreStopOutcome, time.Duration) {
	t0 := time.Now()
	out := p.Wait(context.Background())
	return out, time.Since(t0)
}

func TestPreStopWait(t *testing.T) {
	ctx := context.Background()
	for _, flavor := range []mysql.Flavor{mysql.MariaDB, mysql.MySQL} {
		db := fake.NewCluster(flavor).Add("127.10.0.1:3306", 1) // read-only, as every server starts
		if out, took := timedWait(testPreStop(db, 5*time.Second)); out != PreStopNotPrimary || took > time.Second {
			t.Errorf("%s replica: %s after %v, want %s at once", flavor.Name(), out, took, PreStopNotPrimary)
		}
		if err := db.SetReadOnly(ctx, false); err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(300 * time.Millisecond)
			_ = db.SetReadOnly(ctx, true) // the operator fences it
		}()
		out, took := timedWait(testPreStop(db, 5*time.Second))
		if out != PreStopSwitched || took < 300*time.Millisecond || took > 1500*time.Millisecond {
			t.Errorf("%s primary fenced after 300ms: %s after %v", flavor.Name(), out, took)
		}
	}
}

func TestPreStopBounded(t *testing.T) {
	db := fake.NewCluster(mysql.MariaDB).Add("127.10.0.1:3306", 1)
	if err := db.SetReadOnly(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if out, took := timedWait(testPreStop(db, 400*time.Millisecond)); out != PreStopTimedOut || took < 400*time.Millisecond || took > 1500*time.Millisecond {
		t.Errorf("never fenced: %s after %v, want %s after 400ms", out, took, PreStopTimedOut)
	}
	// The server goes away while the hook waits: the hook ends after Unanswered, not at the timeout.
	go func() {
		time.Sleep(200 * time.Millisecond)
		db.SetUnreachable(true)
	}()
	if out, took := timedWait(testPreStop(db, 10*time.Second)); out != PreStopUnreachable || took > 2*time.Second {
		t.Errorf("server gone while waiting: %s after %v", out, took)
	}
	if out, took := timedWait(testPreStop(db, 10*time.Second)); out != PreStopUnreachable || took > time.Second {
		t.Errorf("server not answering: %s after %v", out, took)
	}
}

func TestPreStopArgs(t *testing.T) {
	if d, err := parsePreStopArgs(nil); err != nil || d != fallbackPreStopTimeout {
		t.Errorf("no arguments: %v, %v", d, err)
	}
	if d, err := parsePreStopArgs([]string{"--timeout=45s"}); err != nil || d != 45*time.Second {
		t.Errorf("--timeout=45s: %v, %v", d, err)
	}
	for _, bad := range [][]string{{"--timeout=0s"}, {"--timeout=x"}, {"extra"}, {"--wait=1s"}} {
		if _, err := parsePreStopArgs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// Without the pod's environment the hook gives up at once, and still exits 0.
	t.Setenv("POD_NAME", "")
	if err := PreStopMain([]string{"--timeout=1s"}); err != nil {
		t.Errorf("PreStopMain = %v, want nil whatever happens", err)
	}
}
