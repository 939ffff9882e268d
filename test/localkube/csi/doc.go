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

// Package csi is localkube's storage driver: a CSI plugin (Identity,
// Controller and Node services on one Unix socket) whose volumes are btrfs
// subvolumes of one loop-mounted filesystem. Snapshots are read-only btrfs
// snapshots, so they are atomic and crash-consistent like a cloud disk's, and
// a volume created from a snapshot or cloned from a volume is a writable
// snapshot: instant, whatever the size. The real external-provisioner,
// external-snapshotter sidecar and snapshot-controller drive it, so a
// VolumeSnapshot or a PVC with a dataSource behaves as on a cloud cluster.
// Publishing a volume links the node's target path to the subvolume.
package csi
