package brokerapi

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/proto/gen/brokerpb"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// Resolver tells the client where partitions are led. The membership view implements
// it; tests use a static one. Implementations are safe for concurrent use.
type Resolver interface {
	// Leader returns the internal address of the broker that leads the partition.
	Leader(partition int32) (addr string, ok bool)
	// Brokers returns the internal addresses of the live brokers.
	Brokers() []string
	// Changed returns a channel that is closed when the view next changes; every caller
	// waiting on it wakes.
	Changed() <-chan struct{}
}

// Client sends commands to partition leaders over BrokerAPI. It sends a command where the
// view says the partition's leader is. A broker that does not lead the partition refuses
// it without proposing it, often naming the leader Raft told it of; the client goes there
// next, before gossip brings the new leader's announcement. While the view names no
// leader, or names one that cannot be reached, the client offers the command to the live
// brokers in turn: each either leads and takes it, or refuses it unproposed. So a command
// waits out a leader change until the call's deadline. A command whose leader changed
// after it was proposed is answered UNAVAILABLE, since resending it could apply it twice.
// Errors are gRPC statuses. Safe for concurrent use.
type Client struct {
	resolver Resolver
	log      *slog.Logger

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
}

// NewClient returns a client that finds leaders through r.
func NewClient(r Resolver, log *slog.Logger) *Client {
	return &Client{resolver: r, log: log, conns: map[string]*grpc.ClientConn{}}
}

// Close closes every connection.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for addr, conn := range c.conns {
		conn.Close()
		delete(c.conns, addr)
	}
	return nil
}

func (c *Client) conn(addr string) (brokerpb.BrokerAPIClient, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conn, ok := c.conns[addr]
	if !ok {
		var err error
		conn, err = grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(8<<20), grpc.MaxCallSendMsgSize(8<<20)))
		if err != nil {
			return nil, err
		}
		c.conns[addr] = conn
	}
	return brokerpb.NewBrokerAPIClient(conn), nil
}

// Execute sends a command to the leader of a partition and returns its event or
// rejection.
func (c *Client) Execute(ctx context.Context, partition int32, cmd *recordpb.Record) (*recordpb.Record, error) {
	backoff := 20 * time.Millisecond
	var last error
	// hint is the leader a refusing broker named; unreachable the last address that could
	// not be reached, not to be asked again while the view still names it.
	var hint, unreachable string
	probe := 0
	hopped := false
	for {
		changed := c.resolver.Changed()
		addr := hint
		hint = ""
		if addr == "" {
			leader, ok := c.resolver.Leader(partition)
			switch {
			case ok && leader != unreachable:
				addr = leader
			default:
				if !ok {
					last = status.Errorf(codes.Unavailable, "partition %d has no known leader", partition)
				}
				// Ask the live brokers in turn: the leader takes the command, a follower
				// refuses it unproposed and names the leader.
				if brokers := c.resolver.Brokers(); len(brokers) > 0 {
					addr = brokers[probe%len(brokers)]
					probe++
				}
			}
		}
		if addr != "" {
			api, err := c.conn(addr)
			if err != nil {
				return nil, status.Errorf(codes.Internal, "connect to broker %s: %v", addr, err)
			}
			resp, err := api.Execute(ctx, &brokerpb.ExecuteRequest{PartitionId: partition, Command: cmd})
			if err == nil {
				return resp.GetRecord(), nil
			}
			switch {
			case Reason(err) == ReasonNotLeader:
				last = err // not proposed: try the leader it names, or the view's next
				if h := LeaderHint(err); h != "" && h != addr {
					hint = h
					if !hopped {
						// Follow a hint at once, but only one hop between waits: two
						// replicas that name each other during an election do not spin.
						hopped = true
						continue
					}
				}
			case Reason(err) == ReasonNotHosted:
				if last == nil {
					last = err
				}
			case notSent(err):
				last = err // the broker could not be reached: nothing was sent
				unreachable = addr
			default:
				return nil, err
			}
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, status.Errorf(codes.Unavailable, "no leader of partition %d took the command before the deadline: %v", partition, last)
		case <-changed:
		case <-t.C:
		}
		t.Stop()
		hopped = false
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

// WatchJobs returns a channel that receives whenever jobs of the type may have become
// activatable on any broker's partitions, and a function that stops the watch. It
// follows the brokers as they come and go.
func (c *Client) WatchJobs(jobType string) (<-chan struct{}, func()) {
	out := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		watching := map[string]context.CancelFunc{}
		var streams sync.WaitGroup
		defer func() {
			for _, stop := range watching {
				stop()
			}
			streams.Wait()
		}()
		for {
			changed := c.resolver.Changed()
			live := map[string]bool{}
			for _, addr := range c.resolver.Brokers() {
				live[addr] = true
				if _, ok := watching[addr]; ok {
					continue
				}
				sctx, stop := context.WithCancel(ctx)
				watching[addr] = stop
				streams.Add(1)
				go func() {
					defer streams.Done()
					c.watchBroker(sctx, addr, jobType, out)
				}()
			}
			for addr, stop := range watching {
				if !live[addr] {
					stop()
					delete(watching, addr)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-changed:
			}
		}
	}()
	var once sync.Once
	return out, func() {
		once.Do(func() {
			cancel()
			wg.Wait()
		})
	}
}

// watchBroker keeps one WatchJobs stream to a broker open until ctx ends, reconnecting
// with back-off; every notice (and every reconnection, which may have missed some) is
// passed on.
func (c *Client) watchBroker(ctx context.Context, addr, jobType string, out chan<- struct{}) {
	notify := func() {
		select {
		case out <- struct{}{}:
		default:
		}
	}
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		api, err := c.conn(addr)
		if err == nil {
			var stream brokerpb.BrokerAPI_WatchJobsClient
			stream, err = api.WatchJobs(ctx, &brokerpb.WatchJobsRequest{JobType: jobType})
			first := true
			for err == nil {
				_, err = stream.Recv()
				if err == nil {
					if first {
						// (Re)connected: jobs may have come while no stream was open.
						first = false
						backoff = 50 * time.Millisecond
					}
					notify()
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
		c.log.Debug("job watch stream ended", "broker", addr, "err", fmt.Sprint(err))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// notSent reports whether a call failed before it reached the broker: gRPC answers
// "connection error" when no connection to the broker could be made (refused, reset
// during the handshake), so the command was never sent and sending it elsewhere is safe.
// A connection that breaks while the call is under way fails differently ("transport is
// closing", "error reading from server"): then the outcome is unknown and the error is
// returned as it is.
func notSent(err error) bool {
	st, ok := status.FromError(err)
	return ok && st.Code() == codes.Unavailable && strings.HasPrefix(st.Message(), "connection error")
}
