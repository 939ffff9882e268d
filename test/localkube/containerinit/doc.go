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

// Package containerinit is the child side of a localkube container: the
// localkube binary re-executes itself in a fresh mount and UTS namespace,
// and this package sets that namespace up (private propagation, volume bind
// mounts, /etc/hosts, hostname), drops to the container's user and execs
// the container's command. A multi-threaded Go program cannot unshare its
// mount namespace, which is why this runs in a re-executed child.
package containerinit
