package gateway

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
)

// Topology describes the cluster as the Broker sees it, with the gateway's version.
func (s *Server) Topology(ctx context.Context, _ *gatewaypb.TopologyRequest) (*gatewaypb.TopologyResponse, error) {
	topo, err := s.broker.Topology(ctx)
	if err != nil {
		return nil, topologyStatus(ctx, err)
	}
	if topo == nil {
		topo = &Topology{}
	}
	resp := &gatewaypb.TopologyResponse{
		ClusterSize:       topo.ClusterSize,
		PartitionsCount:   topo.PartitionsCount,
		ReplicationFactor: topo.ReplicationFactor,
		GatewayVersion:    s.opts.Version,
	}
	for _, b := range topo.Brokers {
		info := &gatewaypb.BrokerInfo{NodeId: b.NodeID, Host: b.Host, Port: b.Port, Version: b.Version}
		for _, p := range b.Partitions {
			part := &gatewaypb.Partition{
				PartitionId: p.PartitionID,
				Role:        gatewaypb.Partition_FOLLOWER,
				Health:      gatewaypb.Partition_UNHEALTHY,
			}
			if p.Leader {
				part.Role = gatewaypb.Partition_LEADER
			}
			if p.Healthy {
				part.Health = gatewaypb.Partition_HEALTHY
			}
			info.Partitions = append(info.Partitions, part)
		}
		resp.Brokers = append(resp.Brokers, info)
	}
	return resp, nil
}

func topologyStatus(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return contextStatus(ctx)
	}
	if st, ok := status.FromError(err); ok && st.Code() != codes.Unknown {
		return st.Err()
	}
	return status.Errorf(codes.Unavailable, "Expected to learn the cluster topology, but could not: %v", err)
}
