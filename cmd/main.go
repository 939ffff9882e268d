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

// Command ordinal is Ordinal's single binary: the operator (manager) and the programs that run
// in every database pod (install-tools, init, agent and the prestop hook).
package main

import (
	"fmt"
	"os"

	"github.com/ordinal-dev/ordinal/internal/instance"
	"github.com/ordinal-dev/ordinal/internal/manager"
)

const usage = `usage: ordinal <command> [flags]

commands:
  manager        run the operator
  install-tools  copy this binary into DIR (first init container of a database pod)
  init           prepare a database pod's datadir (second init container)
  agent          run the database pod's sidecar (health, seeding)
  prestop        the database container's preStop hook: a terminating primary keeps serving
                 until the operator has fenced it (switchover), at most --timeout; always exits 0
  verify-backup  restore the backup ORDINAL_RESTORE names into scratch space and check its tables;
                 prints one JSON line, exits 0 only when the backup is verified (MariaDB)
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "manager":
		err = manager.Main(args)
	case "install-tools":
		err = instance.InstallToolsMain(args)
	case "init":
		err = instance.InitMain(args)
	case "agent":
		err = instance.AgentMain(args)
	case "prestop":
		err = instance.PreStopMain(args)
	case "verify-backup":
		err = instance.VerifyMain(args)
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		err = fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ordinal:", err)
		os.Exit(1)
	}
}
