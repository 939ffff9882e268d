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

package mysqltest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	driver "github.com/go-sql-driver/mysql"
)

// Credentials of the users every member has.
const (
	RootUser     = "root"
	RootPassword = "root-pw"
	ReplUser     = "repl"
	ReplPassword = "repl-pw"
	AppUser      = "app"
	AppPassword  = "app-pw"
	AppDatabase  = "app"
)

// templateRevision changes whenever the template's content does, so a stale
// cached template is not reused.
const templateRevision = "r2"

// setupSQL runs once on the template, with binary logging off.
var setupSQL = []string{
	"ALTER USER 'root'@'localhost' IDENTIFIED BY '" + RootPassword + "'",
	"CREATE USER 'root'@'127.%' IDENTIFIED BY '" + RootPassword + "'",
	"GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.%' WITH GRANT OPTION",
	"CREATE USER 'repl'@'127.%' IDENTIFIED BY '" + ReplPassword + "'",
	"GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.%'",
	"CREATE DATABASE " + AppDatabase,
	"CREATE USER 'app'@'127.%' IDENTIFIED BY '" + AppPassword + "'",
	"GRANT ALL PRIVILEGES ON " + AppDatabase + ".* TO 'app'@'127.%'",
}

// Server programs; MYSQLTEST_MARIADBD and MYSQLTEST_INSTALL_DB override.
func mariadbd() string  { return envOr("MYSQLTEST_MARIADBD", "/usr/sbin/mariadbd") }
func installDB() string { return envOr("MYSQLTEST_INSTALL_DB", "mariadb-install-db") }
func envOr(k, d string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return d
}

// smallInnoDB keeps each server's memory and files small.
var smallInnoDB = []string{"--innodb-buffer-pool-size=32M", "--innodb-log-file-size=4M"}

var template struct {
	once sync.Once
	dir  string
	err  error
}

// templateDir returns the cached template datadir, making it on first use.
func templateDir() (string, error) {
	template.once.Do(func() { template.dir, template.err = makeTemplate() })
	return template.dir, template.err
}

func makeTemplate() (string, error) {
	out, err := exec.Command(mariadbd(), "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", mariadbd(), err)
	}
	version := regexp.MustCompile(`[^A-Za-z0-9.]+`).ReplaceAllString(strings.TrimSpace(string(out)), "_")
	root := filepath.Join(os.TempDir(), "ordinal-mysqltest")
	final := filepath.Join(root, templateRevision+"-"+version)
	if _, err := os.Stat(filepath.Join(final, "mysql")); err == nil {
		return final, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(root, "building-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	data := filepath.Join(tmp, "data")
	if err := initTemplate(data); err != nil {
		return "", err
	}
	// Another test process may have won the race; either copy is good.
	if err := os.Rename(data, final); err != nil {
		if _, serr := os.Stat(filepath.Join(final, "mysql")); serr != nil {
			return "", fmt.Errorf("install template: %w", err)
		}
	}
	return final, nil
}

// initTemplate runs mariadb-install-db, then creates the users on a
// temporary server without networking or binary log.
func initTemplate(data string) error {
	args := append([]string{"--no-defaults", "--datadir=" + data, "--user=root",
		"--auth-root-authentication-method=normal", "--skip-test-db"}, smallInnoDB...)
	cmd := exec.Command(installDB(), args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mariadb-install-db: %w\n%s", err, out)
	}
	sock := filepath.Join(filepath.Dir(data), "s.sock")
	srv := exec.Command(mariadbd(), append([]string{"--no-defaults", "--datadir=" + data, "--user=root",
		"--socket=" + sock, "--skip-networking", "--skip-log-bin",
		"--log-error=" + filepath.Join(filepath.Dir(data), "error.log")}, smallInnoDB...)...)
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start template server: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	err := setupUsers(sock)
	_ = srv.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = srv.Process.Kill()
		<-done
	}
	return err
}

func setupUsers(sock string) error {
	cfg := driver.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.Timeout = "root", "unix", sock, 2*time.Second
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := waitPing(ctx, db); err != nil {
		return fmt.Errorf("template server: %w", err)
	}
	// mariadb-install-db also creates password-less root@127.0.0.1, ::1 and
	// @hostname; they would shadow root@'127.%'.
	if _, err := db.ExecContext(ctx, "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost'"); err != nil {
		return fmt.Errorf("template setup: drop extra root users: %w", err)
	}
	if _, err := db.ExecContext(ctx, "FLUSH PRIVILEGES"); err != nil {
		return fmt.Errorf("template setup: flush privileges: %w", err)
	}
	for _, q := range setupSQL {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("template setup %q: %w", q, err)
		}
	}
	return nil
}

// waitPing polls until db answers or ctx ends.
func waitPing(ctx context.Context, db *sql.DB) error {
	for {
		err := db.PingContext(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not answering: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// copyDir copies the template datadir (regular files and directories only).
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o750)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(p, to)
	})
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
