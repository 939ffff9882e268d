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
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// AgentMain is "ordinal agent": the sidecar's HTTP endpoints on the pod IP.
func AgentMain(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("agent takes no arguments, got %v", args)
	}
	env, err := LoadEnv(osEnv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	srv := &http.Server{
		Addr:              net.JoinHostPort(env.PodIP, strconv.Itoa(AgentPort)),
		Handler:           agentHandler(Socket),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve agent: %w", err)
	}
	return nil
}

// agentHandler serves /livez (the agent runs) and /readyz (the server accepts connections).
func agentHandler(socket string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/livez", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		d := net.Dialer{Timeout: 2 * time.Second}
		c, err := d.DialContext(r.Context(), "unix", socket)
		if err != nil {
			http.Error(w, "server not answering: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_ = c.Close()
		fmt.Fprintln(w, "ok")
	})
	return mux
}
