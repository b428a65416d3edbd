package gateway

import (
	"errors"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
)

func TestTopology(t *testing.T) {
	b := newFakeBroker(1, 2)
	b.topology = &Topology{
		ClusterSize: 2, PartitionsCount: 2, ReplicationFactor: 2,
		Brokers: []BrokerInfo{
			{NodeID: 0, Host: "broker-0", Port: 26501, Version: "0.3.0", Partitions: []PartitionInfo{
				{PartitionID: 1, Leader: true, Healthy: true},
				{PartitionID: 2, Leader: false, Healthy: false},
			}},
			{NodeID: 1, Host: "broker-1", Port: 26501, Version: "0.3.0", Partitions: []PartitionInfo{
				{PartitionID: 1, Leader: false, Healthy: true},
				{PartitionID: 2, Leader: true, Healthy: true},
			}},
		},
	}
	client := startGateway(t, b, Options{Version: "0.3.0-gw"})

	resp, err := client.Topology(t.Context(), &gatewaypb.TopologyRequest{})
	noError(t, err)
	protoEqual(t, &gatewaypb.TopologyResponse{
		ClusterSize: 2, PartitionsCount: 2, ReplicationFactor: 2, GatewayVersion: "0.3.0-gw",
		Brokers: []*gatewaypb.BrokerInfo{
			{NodeId: 0, Host: "broker-0", Port: 26501, Version: "0.3.0", Partitions: []*gatewaypb.Partition{
				{PartitionId: 1, Role: gatewaypb.Partition_LEADER, Health: gatewaypb.Partition_HEALTHY},
				{PartitionId: 2, Role: gatewaypb.Partition_FOLLOWER, Health: gatewaypb.Partition_UNHEALTHY},
			}},
			{NodeId: 1, Host: "broker-1", Port: 26501, Version: "0.3.0", Partitions: []*gatewaypb.Partition{
				{PartitionId: 1, Role: gatewaypb.Partition_FOLLOWER, Health: gatewaypb.Partition_HEALTHY},
				{PartitionId: 2, Role: gatewaypb.Partition_LEADER, Health: gatewaypb.Partition_HEALTHY},
			}},
		},
	}, resp)
}

func TestTopologyError(t *testing.T) {
	b := newFakeBroker(1)
	b.topoErr = errors.New("gossip not joined yet")
	client := startGateway(t, b, Options{})

	_, err := client.Topology(t.Context(), &gatewaypb.TopologyRequest{})
	requireStatus(t, err, codes.Unavailable, "gossip not joined yet")
}
