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

package csi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DriverName is the CSI driver name: the StorageClass's provisioner and the
// VolumeSnapshotClass's driver.
const DriverName = "csi.localkube.ordinal.dev"

// Driver serves the CSI services for the volumes of one Filesystem.
type Driver struct {
	FS Filesystem
	// NodeID is what NodeGetInfo reports: one identity for every process
	// node, since they all see the same filesystem.
	NodeID string
	Log    *slog.Logger
	// mu serialises every operation, which keeps idempotency simple.
	mu sync.Mutex
}

// Serve listens on the Unix socket and serves until ctx ends.
func (d *Driver) Serve(ctx context.Context, socket string) error {
	if err := os.MkdirAll(filepath.Dir(socket), 0o755); err != nil {
		return err
	}
	if err := os.Remove(socket); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing stale socket: %w", err)
	}
	lis, err := net.Listen("unix", socket)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", socket, err)
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(d.logCalls))
	csi.RegisterIdentityServer(srv, identity{})
	csi.RegisterControllerServer(srv, controller{d: d})
	csi.RegisterNodeServer(srv, nodeService{d: d})
	go func() {
		<-ctx.Done()
		srv.Stop()
	}()
	go func() { _ = srv.Serve(lis) }()
	return nil
}

// logCalls logs each call that fails, with its gRPC code.
func (d *Driver) logCalls(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	resp, err := h(ctx, req)
	if err != nil && d.Log != nil {
		d.Log.Warn("CSI call failed", "method", info.FullMethod, "err", err)
	}
	return resp, err
}

// grpcError maps the filesystem's errors onto the codes the sidecars act on.
func grpcError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, errConflict):
		return status.Error(codes.AlreadyExists, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}

// validID refuses IDs that are not one plain path element.
func validID(kind, id string) error {
	if id == "" || id == "." || id == ".." || filepath.Base(id) != id || id[0] == '.' {
		return status.Errorf(codes.InvalidArgument, "invalid %s %q", kind, id)
	}
	return nil
}

type identity struct {
	csi.UnimplementedIdentityServer
}

func (identity) GetPluginInfo(context.Context, *csi.GetPluginInfoRequest) (*csi.GetPluginInfoResponse, error) {
	return &csi.GetPluginInfoResponse{Name: DriverName, VendorVersion: "v1"}, nil
}

func (identity) GetPluginCapabilities(context.Context, *csi.GetPluginCapabilitiesRequest) (*csi.GetPluginCapabilitiesResponse, error) {
	return &csi.GetPluginCapabilitiesResponse{Capabilities: []*csi.PluginCapability{{
		Type: &csi.PluginCapability_Service_{Service: &csi.PluginCapability_Service{Type: csi.PluginCapability_Service_CONTROLLER_SERVICE}},
	}}}, nil
}

func (identity) Probe(context.Context, *csi.ProbeRequest) (*csi.ProbeResponse, error) {
	return &csi.ProbeResponse{}, nil
}
