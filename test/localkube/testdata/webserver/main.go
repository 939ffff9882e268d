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

// Command webserver is localkube's test workload: an HTTP server on
// $POD_IP:$PORT that reports its pod name and a counter kept in $DATA_DIR,
// and is ready only while $DATA_DIR/unready does not exist.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	dir := os.Getenv("DATA_DIR")
	boots := 0
	if b, err := os.ReadFile(filepath.Join(dir, "boots")); err == nil {
		boots, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	boots++
	if err := os.WriteFile(filepath.Join(dir, "boots"), []byte(strconv.Itoa(boots)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "writing boots:", err)
		os.Exit(1)
	}
	host, _ := os.Hostname()
	fmt.Printf("webserver %s starting, boot %d\n", host, boots)
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%s %d\n", host, boots)
	})
	http.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) {
		if _, err := os.Stat(filepath.Join(dir, "unready")); err == nil {
			http.Error(w, "unready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	addr := net.JoinHostPort(os.Getenv("POD_IP"), os.Getenv("PORT"))
	fmt.Println("listening on", addr)
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
