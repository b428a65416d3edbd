// Package brokerapi is the broker's internal gRPC API (BrokerAPI in
// proto/weft/broker/v1): the server a broker runs on its internal address, and the client
// a gateway uses to reach the leader of each partition.
package brokerapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/broker/partition"
	"github.com/weftlabs/weft/proto/gen/brokerpb"
)

// Reasons carried in the ErrorInfo of UNAVAILABLE answers.
const (
	// ReasonNotLeader: the broker does not lead the partition; the command was not
	// proposed, so the client may send it to the leader.
	ReasonNotLeader = "NOT_LEADER"
	// ReasonLeadershipLost: the command was proposed, then the broker lost leadership;
	// its outcome is unknown and the client must not resend it blindly.
	ReasonLeadershipLost = "LEADERSHIP_LOST"
	// ReasonNotHosted: the partition has no replica on this broker.
	ReasonNotHosted = "PARTITION_NOT_HOSTED"
	// ReasonBackpressure (RESOURCE_EXHAUSTED): the leader has too many commands in
	// flight; the command was not proposed.
	ReasonBackpressure = "BACKPRESSURE"
	// ReasonDiskFull (RESOURCE_EXHAUSTED): the leader's free disk space is below its
	// watermark; the command was not proposed.
	ReasonDiskFull = "DISK_FULL"
)

const errorDomain = "weft.broker"

// leaderHintKey is the ErrorInfo metadata key of a NOT_LEADER answer that names the
// internal address of the broker the refusing replica takes for the leader.
const leaderHintKey = "leader"

// Server serves BrokerAPI over the partitions of one broker.
type Server struct {
	brokerpb.UnimplementedBrokerAPIServer
	partitions map[int32]*partition.Partition
	log        *slog.Logger
	// addrOf maps a Raft server id to the internal address of its broker, for leader
	// hints; nil gives none.
	addrOf func(serverID string) (addr string, ok bool)
}

// NewServer returns a server for the broker's partition replicas.
func NewServer(partitions []*partition.Partition, log *slog.Logger) *Server {
	m := make(map[int32]*partition.Partition, len(partitions))
	for _, p := range partitions {
		m[p.ID()] = p
	}
	return &Server{partitions: m, log: log}
}

// HintLeaders makes NOT_LEADER answers name the broker that the replica takes for the
// partition's Raft leader, at the internal address addrOf gives for its server id, so a
// client can go there before gossip tells it. Call it before serving.
func (s *Server) HintLeaders(addrOf func(serverID string) (addr string, ok bool)) *Server {
	s.addrOf = addrOf
	return s
}

// Register registers the server on g.
func (s *Server) Register(g *grpc.Server) { brokerpb.RegisterBrokerAPIServer(g, s) }

func unavailable(reason, msg string) error {
	return unavailableWith(reason, msg, nil)
}

func exhausted(reason, msg string) error {
	st, err := status.New(codes.ResourceExhausted, msg).WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: errorDomain})
	if err != nil {
		return status.Error(codes.ResourceExhausted, msg)
	}
	return st.Err()
}

func unavailableWith(reason, msg string, metadata map[string]string) error {
	st, err := status.New(codes.Unavailable, msg).WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: errorDomain, Metadata: metadata})
	if err != nil {
		return status.Error(codes.Unavailable, msg)
	}
	return st.Err()
}

// Reason returns the ErrorInfo reason of a BrokerAPI error, or "".
func Reason(err error) string { return errorInfo(err).GetReason() }

// LeaderHint returns the internal address of the leader that a NOT_LEADER answer names,
// or "".
func LeaderHint(err error) string { return errorInfo(err).GetMetadata()[leaderHintKey] }

func errorInfo(err error) *errdetails.ErrorInfo {
	st, ok := status.FromError(err)
	if !ok {
		return nil
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetDomain() == errorDomain {
			return info
		}
	}
	return nil
}

// notLeader is the NOT_LEADER answer for partition p, with a hint of its leader when the
// replica knows one.
func (s *Server) notLeader(p *partition.Partition) error {
	msg := fmt.Sprintf("this broker does not lead partition %d", p.ID())
	if s.addrOf != nil {
		if id := p.RaftLeader(); id != "" {
			if addr, ok := s.addrOf(id); ok {
				return unavailableWith(ReasonNotLeader, msg, map[string]string{leaderHintKey: addr})
			}
		}
	}
	return unavailable(ReasonNotLeader, msg)
}

// Execute runs one command on a partition this broker leads.
func (s *Server) Execute(ctx context.Context, req *brokerpb.ExecuteRequest) (*brokerpb.ExecuteResponse, error) {
	p, ok := s.partitions[req.GetPartitionId()]
	if !ok {
		return nil, unavailable(ReasonNotHosted, fmt.Sprintf("partition %d has no replica on this broker", req.GetPartitionId()))
	}
	if req.GetCommand() == nil {
		return nil, status.Error(codes.InvalidArgument, "Expected a command, but the request has none")
	}
	rec, err := p.Execute(ctx, req.GetCommand())
	switch {
	case err == nil:
		return &brokerpb.ExecuteResponse{Record: rec}, nil
	case errors.Is(err, partition.ErrNotLeader), errors.Is(err, partition.ErrClosed):
		return nil, s.notLeader(p)
	case errors.Is(err, partition.ErrLeadershipLost):
		return nil, unavailable(ReasonLeadershipLost, fmt.Sprintf("the leader of partition %d changed before the command was committed; its outcome is unknown", p.ID()))
	case errors.Is(err, partition.ErrDiskFull):
		return nil, exhausted(ReasonDiskFull, fmt.Sprintf("partition %d refuses commands: the broker's free disk space is below its watermark", p.ID()))
	case errors.Is(err, partition.ErrBackpressure):
		return nil, exhausted(ReasonBackpressure, fmt.Sprintf("partition %d has too many requests in flight", p.ID()))
	case errors.Is(err, context.DeadlineExceeded):
		return nil, status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return nil, status.Error(codes.Canceled, err.Error())
	}
	return nil, status.Error(codes.Internal, err.Error())
}

// WatchJobs streams a notice whenever jobs of the type may have become activatable on
// one of this broker's partitions. It ends when the client goes away.
func (s *Server) WatchJobs(req *brokerpb.WatchJobsRequest, stream brokerpb.BrokerAPI_WatchJobsServer) error {
	if req.GetJobType() == "" {
		return status.Error(codes.InvalidArgument, "Expected a job type to watch, but it was empty")
	}
	ctx := stream.Context()
	notices := make(chan int32, len(s.partitions))
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for id, p := range s.partitions {
		ch, stop := p.WatchJobs(req.GetJobType())
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-ch:
					select {
					case notices <- id:
					default: // a notice for this partition is already queued
					}
				}
			}
		}()
	}
	// An empty first message tells the client the watch is in place.
	if err := stream.Send(&brokerpb.JobsAvailable{}); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case id := <-notices:
			if err := stream.Send(&brokerpb.JobsAvailable{PartitionId: id}); err != nil {
				return err
			}
		}
	}
}
