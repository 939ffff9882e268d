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

// Command argocd is the part of upstream Argo CD that Ordinal's e2e suite runs
// as host processes against localkube: the application controller, the repo
// server and the git credential helper the repo server re-invokes. Like
// upstream's multi-call cmd/main.go it dispatches on the name it runs under
// (argv[0], or ARGOCD_BINARY_NAME), so hack/build-argocd.sh builds one binary
// and symlinks the others to it. It leaves out the API server, the CLI, Dex and
// the other controllers, which the suite does not run and which would only
// lengthen a build that already takes minutes.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	_ "unsafe" // for go:linkname

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	appcontroller "github.com/argoproj/argo-cd/v3/cmd/argocd-application-controller/commands"
	gitaskpass "github.com/argoproj/argo-cd/v3/cmd/argocd-git-ask-pass/commands"
	reposerver "github.com/argoproj/argo-cd/v3/cmd/argocd-repo-server/commands"
	"github.com/argoproj/argo-cd/v3/common"
	"github.com/argoproj/argo-cd/v3/util/log"
)

// binaryNameEnv overrides argv[0]: the repo server sets it to
// argocd-git-ask-pass when it runs "argocd" as git's GIT_ASKPASS.
const binaryNameEnv = "ARGOCD_BINARY_NAME"

// grpcSRVLookups is gRPC's internal switch for DNS SRV (grpclb) lookups, which
// Argo CD turns off (argo-cd issues 29857, 29989). Upstream's main calls
// util/grpc.DisableSRVLookups, which panics unless the switch was on: it is
// turned on by the grpclb balancer's init, which upstream's full binary links
// and this one does not. Setting it off directly holds either way.
//
//go:linkname grpcSRVLookups google.golang.org/grpc/internal/resolver/dns.EnableSRVLookups
var grpcSRVLookups bool

func init() {
	// As upstream: klog follows Argo CD's log level and format.
	klog.SetLogger(log.NewLogrusLogger(log.NewWithCurrentConfig()))
}

// command picks the cobra command for the name this binary runs under.
func command(name string) (*cobra.Command, error) {
	switch name {
	case common.CommandApplicationController:
		return appcontroller.NewCommand(), nil
	case common.CommandRepoServer:
		return reposerver.NewCommand(), nil
	case common.CommandGitAskPass, "argocd":
		// The repo server's askpass environment names the binary "argocd" and
		// sets ARGOCD_BINARY_NAME; plain "argocd" is only ever that helper here.
		return gitaskpass.NewCommand(), nil
	}
	return nil, fmt.Errorf("unknown Argo CD command %q: run this binary as %s or %s",
		name, common.CommandApplicationController, common.CommandRepoServer)
}

func main() {
	grpcSRVLookups = false
	name := filepath.Base(os.Args[0])
	if val := os.Getenv(binaryNameEnv); val != "" {
		name = val
	}
	cmd, err := command(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := cmd.Execute(); err != nil {
		os.Exit(1)
	}
}
