package brokerapi_test

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/weftlabs/weft/proto/gen/brokerpb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func insecureCreds() credentials.TransportCredentials { return insecure.NewCredentials() }

func brokerpbClient(conn *grpc.ClientConn) brokerpb.BrokerAPIClient {
	return brokerpb.NewBrokerAPIClient(conn)
}

func executeReq(partition int32, cmd *recordpb.Record) *brokerpb.ExecuteRequest {
	return &brokerpb.ExecuteRequest{PartitionId: partition, Command: cmd}
}
