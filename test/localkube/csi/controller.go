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

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

type controller struct {
	csi.UnimplementedControllerServer
	d *Driver
}

func (c controller) ControllerGetCapabilities(context.Context, *csi.ControllerGetCapabilitiesRequest) (*csi.ControllerGetCapabilitiesResponse, error) {
	var caps []*csi.ControllerServiceCapability
	for _, t := range []csi.ControllerServiceCapability_RPC_Type{
		csi.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME,
		csi.ControllerServiceCapability_RPC_CREATE_DELETE_SNAPSHOT,
		csi.ControllerServiceCapability_RPC_CLONE_VOLUME,
	} {
		caps = append(caps, &csi.ControllerServiceCapability{Type: &csi.ControllerServiceCapability_Rpc{
			Rpc: &csi.ControllerServiceCapability_RPC{Type: t}}})
	}
	return &csi.ControllerGetCapabilitiesResponse{Capabilities: caps}, nil
}

// CreateVolume makes an empty subvolume, or a writable snapshot of the
// snapshot or volume the request names as its content source.
func (c controller) CreateVolume(ctx context.Context, req *csi.CreateVolumeRequest) (*csi.CreateVolumeResponse, error) {
	if err := validID("volume name", req.GetName()); err != nil {
		return nil, err
	}
	from, err := c.sourcePath(req.GetVolumeContentSource())
	if err != nil {
		return nil, err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	if err := c.d.FS.createVolume(ctx, req.GetName(), from); err != nil {
		return nil, grpcError(err)
	}
	return &csi.CreateVolumeResponse{Volume: &csi.Volume{
		VolumeId:      req.GetName(),
		CapacityBytes: req.GetCapacityRange().GetRequiredBytes(),
		ContentSource: req.GetVolumeContentSource(),
	}}, nil
}

// sourcePath is the subvolume a new volume starts from ("" for none).
func (c controller) sourcePath(src *csi.VolumeContentSource) (string, error) {
	var id, path string
	switch {
	case src == nil:
		return "", nil
	case src.GetSnapshot() != nil:
		id = src.GetSnapshot().GetSnapshotId()
		path = c.d.FS.snapshotPath(id)
	case src.GetVolume() != nil:
		id = src.GetVolume().GetVolumeId()
		path = c.d.FS.volumePath(id)
	default:
		return "", status.Error(codes.InvalidArgument, "unsupported volume content source")
	}
	if err := validID("content source", id); err != nil {
		return "", err
	}
	if !exists(path) {
		return "", status.Errorf(codes.NotFound, "content source %s does not exist", id)
	}
	return path, nil
}

func (c controller) DeleteVolume(ctx context.Context, req *csi.DeleteVolumeRequest) (*csi.DeleteVolumeResponse, error) {
	if err := validID("volume ID", req.GetVolumeId()); err != nil {
		return nil, err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	return &csi.DeleteVolumeResponse{}, grpcError(c.d.FS.deleteVolume(ctx, req.GetVolumeId()))
}

// ValidateVolumeCapabilities confirms what the node supports: a mounted
// filesystem on one node, which is every volume here.
func (c controller) ValidateVolumeCapabilities(_ context.Context, req *csi.ValidateVolumeCapabilitiesRequest) (*csi.ValidateVolumeCapabilitiesResponse, error) {
	if err := validID("volume ID", req.GetVolumeId()); err != nil {
		return nil, err
	}
	if !exists(c.d.FS.volumePath(req.GetVolumeId())) {
		return nil, status.Errorf(codes.NotFound, "volume %s does not exist", req.GetVolumeId())
	}
	for _, cap := range req.GetVolumeCapabilities() {
		if cap.GetBlock() != nil {
			return &csi.ValidateVolumeCapabilitiesResponse{Message: "block volumes are not supported"}, nil
		}
	}
	return &csi.ValidateVolumeCapabilitiesResponse{Confirmed: &csi.ValidateVolumeCapabilitiesResponse_Confirmed{
		VolumeCapabilities: req.GetVolumeCapabilities()}}, nil
}

func (c controller) CreateSnapshot(ctx context.Context, req *csi.CreateSnapshotRequest) (*csi.CreateSnapshotResponse, error) {
	if err := validID("snapshot name", req.GetName()); err != nil {
		return nil, err
	}
	if err := validID("source volume ID", req.GetSourceVolumeId()); err != nil {
		return nil, err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	info, err := c.d.FS.createSnapshot(ctx, req.GetName(), req.GetSourceVolumeId())
	if err != nil {
		return nil, grpcError(err)
	}
	return &csi.CreateSnapshotResponse{Snapshot: &csi.Snapshot{
		SnapshotId: req.GetName(), SourceVolumeId: info.Source, SizeBytes: info.Size,
		CreationTime: timestamppb.New(info.Created), ReadyToUse: true,
	}}, nil
}

func (c controller) DeleteSnapshot(ctx context.Context, req *csi.DeleteSnapshotRequest) (*csi.DeleteSnapshotResponse, error) {
	if err := validID("snapshot ID", req.GetSnapshotId()); err != nil {
		return nil, err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	return &csi.DeleteSnapshotResponse{}, grpcError(c.d.FS.deleteSnapshot(ctx, req.GetSnapshotId()))
}
