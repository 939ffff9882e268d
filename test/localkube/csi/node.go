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
	"os"
	"path/filepath"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

type nodeService struct {
	csi.UnimplementedNodeServer
	d *Driver
}

func (n nodeService) NodeGetInfo(context.Context, *csi.NodeGetInfoRequest) (*csi.NodeGetInfoResponse, error) {
	return &csi.NodeGetInfoResponse{NodeId: n.d.NodeID}, nil
}

func (n nodeService) NodeGetCapabilities(context.Context, *csi.NodeGetCapabilitiesRequest) (*csi.NodeGetCapabilitiesResponse, error) {
	return &csi.NodeGetCapabilitiesResponse{}, nil
}

// NodePublishVolume links the target path to the volume's subvolume. A
// symlink rather than a bind mount: the node bind-mounts what it resolves to
// into the container, and nothing is left mounted when a pod's directory goes.
func (n nodeService) NodePublishVolume(_ context.Context, req *csi.NodePublishVolumeRequest) (*csi.NodePublishVolumeResponse, error) {
	if err := validID("volume ID", req.GetVolumeId()); err != nil {
		return nil, err
	}
	target := req.GetTargetPath()
	if !filepath.IsAbs(target) {
		return nil, status.Errorf(codes.InvalidArgument, "target path %q is not absolute", target)
	}
	src := n.d.FS.volumePath(req.GetVolumeId())
	if !exists(src) {
		return nil, status.Errorf(codes.NotFound, "volume %s does not exist", req.GetVolumeId())
	}
	if cur, err := os.Readlink(target); err == nil && cur == src {
		return &csi.NodePublishVolumeResponse{}, nil
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return nil, grpcError(err)
	}
	if err := removeLink(target); err != nil {
		return nil, grpcError(err)
	}
	return &csi.NodePublishVolumeResponse{}, grpcError(os.Symlink(src, target))
}

func (n nodeService) NodeUnpublishVolume(_ context.Context, req *csi.NodeUnpublishVolumeRequest) (*csi.NodeUnpublishVolumeResponse, error) {
	return &csi.NodeUnpublishVolumeResponse{}, grpcError(removeLink(req.GetTargetPath()))
}

// removeLink removes a symlink or an empty directory at path, and nothing else.
func removeLink(path string) error {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case st.Mode()&os.ModeSymlink == 0 && !st.IsDir():
		return fmt.Errorf("%s is neither a link nor a directory", path)
	}
	return os.Remove(path)
}

// Client is what a process node holds to publish CSI volumes, as the kubelet
// does: real NodePublishVolume and NodeUnpublishVolume calls on the socket.
type Client struct {
	conn *grpc.ClientConn
	node csi.NodeClient
}

// Dial connects to the driver's socket; the connection is made lazily.
func Dial(socket string) (*Client, error) {
	conn, err := grpc.NewClient("unix://"+socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("dialing CSI socket %s: %w", socket, err)
	}
	return &Client{conn: conn, node: csi.NewNodeClient(conn)}, nil
}

// Publish makes volumeID available at target and returns the directory to
// bind-mount into the pod.
func (c *Client) Publish(ctx context.Context, volumeID, target string) (string, error) {
	_, err := c.node.NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{
		VolumeId: volumeID, TargetPath: target,
		VolumeCapability: &csi.VolumeCapability{
			AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{}},
			AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER},
		},
	})
	if err != nil {
		return "", fmt.Errorf("NodePublishVolume %s: %w", volumeID, err)
	}
	return filepath.EvalSymlinks(target)
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
