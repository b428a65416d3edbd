package membership

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// ErrClosed is returned by Leave after Close.
var ErrClosed = errors.New("membership: node closed")

// udpPayload is memberlist's UDP packet size (Config.UDPBufferSize); gossiped messages share
// it with memberlist's own, so announcements up to gossipLimit are gossiped and larger ones
// are sent over TCP.
const (
	udpPayload  = 1400
	gossipSlack = 64
)

// Node is the local member of the cluster: it announces this node and keeps the view of the
// others. Create it with Join; stop it with Leave (optional) and Close.
type Node struct {
	log         *slog.Logger
	name        string
	epoch       uint64
	meta        []byte
	addr        string
	retention   time.Duration
	gossipLimit int

	ml    *memberlist.Memberlist
	queue *memberlist.TransmitLimitedQueue
	// liveCount is the number of alive members, for the broadcast queue's retransmit limit.
	liveCount atomic.Int32

	changes chan struct{}
	kick    chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup

	// lifeMu serialises Leave and Close: memberlist panics on Leave after Shutdown.
	lifeMu sync.Mutex

	mu      sync.Mutex
	members map[string]*entry
	// own is the local node's latest announcement; nil before the first SetPartitions.
	own *announcement
	// direct is the encoded own announcement waiting for the TCP sender.
	direct []byte
	// early keeps the newest announcement of each node not in the view yet (its alive
	// message is still on its way), to apply when it joins; at most maxEarly nodes.
	early  map[string]*announcement
	closed bool
}

// maxEarly bounds the announcements kept for nodes not in the view yet.
const maxEarly = 64

// entry is one member in the view.
type entry struct {
	name  string
	ip    net.IP
	port  uint16
	meta  nodeMeta
	alive bool
	// ann is the member's latest announcement of its current run (ann.epoch == meta.epoch),
	// or nil.
	ann *announcement
	// retire removes a failed member after the retention time.
	retire *time.Timer
	// leaving is set when the member said it is leaving: its coming dead message means it
	// left.
	leaving bool
}

// Join starts the local node, joins the cluster through cfg.Seeds and returns once at least
// one seed has answered, retrying until ctx ends. Without seeds (other than the node itself)
// it returns a cluster of one at once. Errors from configuration wrap ErrInvalidConfig and
// name the setting.
func Join(ctx context.Context, cfg Config) (*Node, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	n := &Node{
		log:       cfg.Logger.With("component", "membership", "node", cfg.Name),
		name:      cfg.Name,
		epoch:     newEpoch(),
		retention: cfg.Timing.FailedMemberRetention,
		changes:   make(chan struct{}, 1),
		kick:      make(chan struct{}, 1),
		done:      make(chan struct{}),
		members:   make(map[string]*entry),
		early:     make(map[string]*announcement),
	}
	n.meta = encodeMeta(nodeMeta{
		epoch:             n.epoch,
		kind:              cfg.Kind,
		nodeID:            cfg.NodeID,
		version:           cfg.Version,
		internalAddr:      cfg.InternalAddr,
		raftAddr:          cfg.RaftAddr,
		gatewayAddr:       cfg.GatewayAddr,
		clusterSize:       cfg.ClusterSize,
		partitionsCount:   cfg.PartitionsCount,
		replicationFactor: cfg.ReplicationFactor,
	})
	if len(n.meta) > metaLimit {
		return nil, fmt.Errorf("%w: Version, InternalAddr, RaftAddr and GatewayAddr take %d bytes of node metadata, over the limit of %d",
			ErrInvalidConfig, len(n.meta), metaLimit)
	}
	n.gossipLimit = udpPayload - gossipSlack - len(cfg.ClusterName)
	n.queue = &memberlist.TransmitLimitedQueue{
		NumNodes:       func() int { return int(n.liveCount.Load()) },
		RetransmitMult: cfg.Timing.RetransmitMult,
	}

	mlc, err := n.memberlistConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ml, err := memberlist.Create(mlc)
	if err != nil {
		return nil, fmt.Errorf("membership: start gossip on %s: %w", cfg.BindAddr, err)
	}
	n.ml = ml
	n.addr = ml.LocalNode().Address()
	n.log.Info("gossip started", "addr", n.addr, "kind", cfg.Kind, "node_id", cfg.NodeID)

	n.wg.Add(1)
	go n.sendLoop()

	if err := n.joinSeeds(ctx, cfg); err != nil {
		_ = n.Close()
		return nil, err
	}
	return n, nil
}

func (n *Node) memberlistConfig(ctx context.Context, cfg Config) (*memberlist.Config, error) {
	t := cfg.Timing
	mlc := memberlist.DefaultLANConfig()
	mlc.Name = cfg.Name
	mlc.Label = cfg.ClusterName
	host, port, _ := parseBindAddr(cfg.BindAddr) // checked by withDefaults
	mlc.BindAddr, mlc.BindPort = host, port
	mlc.AdvertisePort = port
	if cfg.AdvertiseAddr != "" {
		host, port, _ := parseAdvertiseAddr(cfg.AdvertiseAddr)
		ip, err := resolveIP(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("%w: AdvertiseAddr %q: %v", ErrInvalidConfig, cfg.AdvertiseAddr, err)
		}
		mlc.AdvertiseAddr = ip.String()
		if port != 0 {
			// With a BindAddr port of 0 memberlist advertises the port it bound instead.
			mlc.AdvertisePort = port
		}
	}
	mlc.ProbeInterval = t.ProbeInterval
	mlc.ProbeTimeout = t.ProbeTimeout
	mlc.SuspicionMult = t.SuspicionMult
	mlc.SuspicionMaxTimeoutMult = t.SuspicionMaxTimeoutMult
	mlc.GossipInterval = t.GossipInterval
	mlc.GossipNodes = t.GossipNodes
	mlc.RetransmitMult = t.RetransmitMult
	mlc.PushPullInterval = t.PushPullInterval
	mlc.TCPTimeout = t.TCPTimeout
	mlc.DeadNodeReclaimTime = t.DeadNodeReclaimTime
	// Keep gossiping to the dead as long as they are shown, so a falsely suspected node
	// learns of it and refutes.
	mlc.GossipToTheDeadTime = max(t.FailedMemberRetention, 2*t.PushPullInterval)
	mlc.UDPBufferSize = udpPayload
	mlc.DelegateProtocolVersion = uint8(formatVersion)
	mlc.DelegateProtocolMin = uint8(formatVersion)
	mlc.DelegateProtocolMax = uint8(formatVersion)
	mlc.Delegate = delegate{n}
	mlc.Events = events{n}
	mlc.Alive = aliveFilter{n}
	mlc.Logger = log.New(&logBridge{log: n.log}, "", 0)
	return mlc, nil
}

func resolveIP(ctx context.Context, host string) (net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		return ip, nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("no address for %q", host)
	}
	return addrs[0].IP, nil
}

// joinSeeds joins through the seeds other than the node itself, retrying with a doubling
// pause until one answers or ctx ends.
func (n *Node) joinSeeds(ctx context.Context, cfg Config) error {
	seeds := make([]string, 0, len(cfg.Seeds))
	for _, s := range cfg.Seeds {
		if s != n.addr && s != cfg.BindAddr && s != cfg.AdvertiseAddr {
			seeds = append(seeds, s)
		}
	}
	if len(seeds) == 0 {
		n.log.Info("started a new cluster: no seeds to join")
		return nil
	}
	pause := cfg.Timing.JoinRetryInterval
	for attempt := 1; ; attempt++ {
		joined, err := n.ml.Join(seeds)
		if joined > 0 {
			n.log.Info("joined the cluster", "seeds_answered", joined, "attempt", attempt)
			return nil
		}
		n.log.Debug("join attempt failed", "seeds", seeds, "attempt", attempt, "err", err)
		timer := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("membership: join through %v: %w (last error: %v)", seeds, ctx.Err(), err)
		case <-timer.C:
		}
		pause = min(2*pause, 5*time.Second)
	}
}

func newEpoch() uint64 {
	// Unique per run, not ordered: receivers compare it with the node's metadata for equality
	// only. Zero is reserved for "none".
	for {
		if e := rand.Uint64(); e != 0 {
			return e
		}
	}
}

// Addr returns the host:port the node gossips on, as the others reach it. Use it as a seed
// for other nodes.
func (n *Node) Addr() string { return n.addr }

// Name returns the node's name.
func (n *Node) Name() string { return n.name }

// Changes returns a channel that receives a value (without blocking the sender; buffered 1,
// so several changes may fold into one) whenever the view changes: a member joins, fails,
// comes back, leaves, or announces new partition states, the local node included. Read
// Members or Leader after a receive.
func (n *Node) Changes() <-chan struct{} { return n.changes }

func (n *Node) signal() {
	select {
	case n.changes <- struct{}{}:
	default:
	}
}

// SetPartitions announces the local node's partition states, replacing the previous ones.
// It does not block on the network: the announcement is gossiped (unless it is too large
// for a UDP packet) and also sent over TCP to every alive member by a background sender,
// so that a lost packet does not leave a node routing to an old leader until the next
// push/pull; it reaches every node within milliseconds to a few gossip intervals. States with ID < 1 or an unknown role are dropped; for a repeated ID the
// last one counts. Announcing the same states again is a no-op.
func (n *Node) SetPartitions(states []PartitionState) {
	parts, dropped := normalizePartitions(states)
	if dropped > 0 {
		n.log.Warn("dropped invalid or repeated partition states", "dropped", dropped)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	if n.own != nil && slices.Equal(n.own.partitions, parts) {
		return
	}
	var seq uint64 = 1
	if n.own != nil {
		seq = n.own.seq + 1
	}
	n.own = &announcement{name: n.name, epoch: n.epoch, seq: seq, partitions: parts}
	if e := n.members[n.name]; e != nil {
		e.ann = n.own
	}
	msg := encodeAnnouncement(n.own)
	if len(msg) <= n.gossipLimit {
		n.queue.QueueBroadcast(&broadcast{name: n.name, msg: msg})
	}
	// Roles change rarely (elections, restarts), and routing depends on them: send each
	// change directly too, rather than trust a few UDP retransmissions.
	n.direct = msg
	select {
	case n.kick <- struct{}{}:
	default:
	}
	n.signal()
}

// sendLoop sends the node's announcements to every other alive member over TCP, to all
// of them at once, so that a member that does not answer delays no other. Only the latest
// is sent; a newer one replaces a pending one.
func (n *Node) sendLoop() {
	defer n.wg.Done()
	for {
		select {
		case <-n.done:
			return
		case <-n.kick:
		}
		n.mu.Lock()
		msg := n.direct
		n.direct = nil
		targets := n.othersLocked()
		n.mu.Unlock()
		if msg == nil {
			continue
		}
		var wg sync.WaitGroup
		for i := range targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := n.ml.SendReliable(&targets[i], msg); err != nil {
					// Gossip and push/pull repair what this misses.
					n.log.Debug("direct send of partition states failed", "to", targets[i].Name, "err", err)
				}
			}()
		}
		wg.Wait()
	}
}

// Members returns the current view, the local node included: brokers by node id, then
// gateways by name. Failed members are included, not alive, for Timing.FailedMemberRetention.
func (n *Node) Members() []Member {
	n.mu.Lock()
	out := make([]Member, 0, len(n.members))
	for _, e := range n.members {
		out = append(out, e.member())
	}
	n.mu.Unlock()
	slices.SortFunc(out, compareMembers)
	return out
}

// Leader returns the alive broker that announces itself leader of partition with the highest
// term. A broker that still claims leadership of an older term (it has not yet noticed the
// election, or its announcement is delayed) is ignored. Equal terms, which Raft rules out,
// go to the lower node id.
func (n *Node) Leader(partition int32) (Member, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var best *entry
	var bestTerm uint64
	for _, e := range n.members {
		if !e.alive || e.meta.kind != Broker || e.ann == nil {
			continue
		}
		p, ok := findPartition(e.ann.partitions, partition)
		if !ok || p.Role != Leader {
			continue
		}
		if best == nil || p.Term > bestTerm || (p.Term == bestTerm && e.meta.nodeID < best.meta.nodeID) {
			best, bestTerm = e, p.Term
		}
	}
	if best == nil {
		return Member{}, false
	}
	return best.member(), true
}

func findPartition(ps []PartitionState, id int32) (PartitionState, bool) {
	i, ok := slices.BinarySearchFunc(ps, id, func(p PartitionState, id int32) int { return int(p.ID) - int(id) })
	if !ok {
		return PartitionState{}, false
	}
	return ps[i], true
}

func (e *entry) member() Member {
	m := Member{
		Name:              e.name,
		NodeID:            e.meta.nodeID,
		Kind:              e.meta.kind,
		Version:           e.meta.version,
		GossipAddr:        net.JoinHostPort(e.ip.String(), strconv.Itoa(int(e.port))),
		InternalAddr:      e.meta.internalAddr,
		RaftAddr:          e.meta.raftAddr,
		GatewayAddr:       e.meta.gatewayAddr,
		ClusterSize:       e.meta.clusterSize,
		PartitionsCount:   e.meta.partitionsCount,
		ReplicationFactor: e.meta.replicationFactor,
		Alive:             e.alive,
	}
	if e.ann != nil {
		m.Partitions = slices.Clone(e.ann.partitions)
	}
	return m
}

// Leave announces that the node leaves the cluster and waits up to timeout for the
// announcement to go out; the others drop the node from their views at once instead of
// detecting a failure. Call Close afterwards.
func (n *Node) Leave(timeout time.Duration) error {
	n.lifeMu.Lock()
	defer n.lifeMu.Unlock()
	deadline := time.Now().Add(timeout)

	// Tell every member first, over TCP (and by gossip for any the TCP send misses), so they
	// know the dead message that memberlist sends next means "left", not "failed".
	msg := encodeLeaving(leaving{name: n.name, epoch: n.epoch})
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return ErrClosed
	}
	targets := n.othersLocked()
	n.queue.QueueBroadcast(&broadcast{name: n.name, msg: msg})
	n.mu.Unlock()
	sent := make(chan struct{}, len(targets))
	for i := range targets {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if err := n.ml.SendReliable(&targets[i], msg); err != nil {
				n.log.Debug("sending leave notice failed", "to", targets[i].Name, "err", err)
			}
			sent <- struct{}{}
		}()
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for range targets {
		select {
		case <-sent:
		case <-timer.C:
		}
	}

	if err := n.ml.Leave(max(time.Until(deadline), time.Millisecond)); err != nil {
		return fmt.Errorf("membership: leave: %w", err)
	}
	n.log.Info("left the cluster")
	return nil
}

// othersLocked returns the gossip addresses of the other alive members. Called with n.mu
// held.
func (n *Node) othersLocked() []memberlist.Node {
	var targets []memberlist.Node
	for _, e := range n.members {
		if e.alive && e.name != n.name {
			targets = append(targets, memberlist.Node{Name: e.name, Addr: e.ip, Port: e.port})
		}
	}
	return targets
}

// Close stops the node without leaving: to the others it looks failed until they detect it.
// It waits for the node's goroutines, at most an in-flight TCP send (Timing.TCPTimeout). It
// is safe to call more than once.
func (n *Node) Close() error {
	n.lifeMu.Lock()
	defer n.lifeMu.Unlock()
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	for _, e := range n.members {
		if e.retire != nil {
			e.retire.Stop()
		}
	}
	n.mu.Unlock()
	close(n.done)
	n.wg.Wait()
	if err := n.ml.Shutdown(); err != nil {
		return fmt.Errorf("membership: shut down gossip: %w", err)
	}
	return nil
}
