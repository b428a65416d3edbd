package gateway

import (
	"context"
	"log/slog"
	"runtime/debug"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// recoverUnary turns a panic in a unary handler (or in the Broker it calls) into an
// INTERNAL status. A panic must not take the gateway down with every other request in it.
func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				resp, err = nil, panicStatus(log, info.FullMethod, r)
			}
		}()
		return handler(ctx, req)
	}
}

// recoverStream is recoverUnary for streaming handlers (ActivateJobs).
func recoverStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = panicStatus(log, info.FullMethod, r)
			}
		}()
		return handler(srv, ss)
	}
}

func panicStatus(log *slog.Logger, method string, r any) error {
	log.Error("gateway handler panicked", "method", method, "panic", r, "stack", string(debug.Stack()))
	return status.Errorf(codes.Internal, "Unexpected error while handling %s; the gateway logged the details", method)
}
