//go:build e2e && bench

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

package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ordinal-dev/ordinal/internal/instance"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// copies are the local copies of the primary's datadir (cp -a to a directory beside it).
type copies struct {
	asIs     time.Duration // the page cache as the seed left it
	fromDisk time.Duration // the datadir's pages evicted first: read from the disk, as mariadb-backup reads them
	synced   time.Duration // fromDisk, then fsync of every copied file
	bytes    int64
}

// backupAloneScript runs mariadb-backup as the agent runs it for a seed, its stream counted and
// thrown away, and prints the stream's bytes and the tool's time in nanoseconds.
var backupAloneScript = fmt.Sprintf(`w=$(mktemp -d) || exit 1
s=$(date +%%s%%N)
n=$(mariadb-backup --defaults-file=%s --backup --stream=xbstream --user=%s --password="$ROOT_PASSWORD" --socket=%s --target-dir="$w" 2>"$w.err" | wc -c)
e=$(date +%%s%%N)
tail -n 3 "$w.err"
rm -rf "$w" "$w.err"
echo "$n $((e - s))"`, instance.DefaultPaths().MemberConfig(), mysql.AccountRoot, instance.DefaultPaths().Socket())

// backupAlone times the donor's backup tool alone, in its agent container, with nothing else
// running there: the fastest any streamed seed from that donor could be.
func backupAlone(ctx context.Context, ns, pod string) (time.Duration, int64) {
	GinkgoHelper()
	out, err := kubectlOut(ctx, "-n", ns, "exec", pod, "-c", "agent", "--", "sh", "-c", backupAloneScript)
	Expect(err).NotTo(HaveOccurred(), out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var n, nanos int64
	_, err = fmt.Sscan(lines[len(lines)-1], &n, &nanos)
	Expect(err).NotTo(HaveOccurred(), out)
	return time.Duration(nanos), n
}

// dirBytes sums the sizes of the regular files under dir.
func dirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	return n, err
}

// localCopies times cp -a of dir to a directory beside it on the same disk: first with the page
// cache as the seed left it, then with dir's pages evicted (mariadb-backup reads the datadir with
// O_DIRECT, from the disk whatever is cached) and once more with an fsync of every copied file
// (a copy on disk, as the seed's datadir is once prepared).
func localCopies(ctx context.Context, dir string) copies {
	GinkgoHelper()
	var cs copies
	cs.asIs, _, cs.bytes = timedCopy(ctx, dir, false)
	Expect(evictPageCache(dir)).To(Succeed())
	cs.fromDisk, cs.synced, _ = timedCopy(ctx, dir, true)
	return cs
}

// timedCopy copies dir with cp -a beside it, then (with sync) fsyncs every copied file; it removes
// the copy and lets the disk settle. It returns the copy's time, the copy's and fsync's time, and
// the bytes copied.
func timedCopy(ctx context.Context, dir string, sync bool) (time.Duration, time.Duration, int64) {
	GinkgoHelper()
	dst, err := os.MkdirTemp(filepath.Dir(dir), "bench-copy-")
	Expect(err).NotTo(HaveOccurred())
	defer settle(ctx)
	defer os.RemoveAll(dst)
	cctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	start := time.Now()
	// --reflink=never: a plain copy of every byte. On storage that clones files (btrfs, as
	// localkube's CSI volumes are), cp's default would share the blocks instead, itself a
	// storage-side copy, in milliseconds.
	out, err := exec.CommandContext(cctx, "cp", "-a", "--reflink=never", dir, filepath.Join(dst, "data")).CombinedOutput()
	took := time.Since(start)
	Expect(err).NotTo(HaveOccurred(), string(out))
	if sync {
		Expect(fsyncAll(filepath.Join(dst, "data"))).To(Succeed())
	}
	synced := time.Since(start)
	n, err := dirBytes(filepath.Join(dst, "data"))
	Expect(err).NotTo(HaveOccurred())
	return took, synced, n
}

// fsyncAll fsyncs every regular file under dir (only these files: not the whole file system).
func fsyncAll(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
}
