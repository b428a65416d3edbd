package gateway

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/proto/gen/gatewaypb"
)

// DeleteResource is not implemented yet: it answers UNIMPLEMENTED.
func (s *Server) DeleteResource(context.Context, *gatewaypb.DeleteResourceRequest) (*gatewaypb.DeleteResourceResponse, error) {
	return nil, notImplemented("DeleteResource")
}

func notImplemented(rpc string) error {
	return status.Errorf(codes.Unimplemented, "%s is not implemented yet", rpc)
}
