package membership

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"
)

// DefaultBindAddr is where a node gossips unless told otherwise: every interface, port 26503.
const DefaultBindAddr = "0.0.0.0:26503"

// maxNameLen bounds node names: they travel in every gossip message about the node.
const maxNameLen = 128

// ErrInvalidConfig is wrapped by every configuration error Join returns.
var ErrInvalidConfig = errors.New("invalid membership config")

// Config describes the local node and how it joins the cluster. Only Name (for a gateway)
// and Kind are required; the rest has defaults.
type Config struct {
	// Name is the node's unique name in the cluster. It defaults to "broker-<NodeID>" for a
	// broker and must be set for a gateway. A broker that restarts must keep its name, so
	// the others recognise it.
	Name string
	// Kind says whether the node is a broker or a gateway.
	Kind Kind
	// NodeID is a broker's node id (0..ClusterSize-1). It is ignored for a gateway, which
	// announces -1.
	NodeID int32
	// Version is the software version announced to the others.
	Version string

	// BindAddr is the host:port to gossip on (UDP and TCP). Port 0 picks a free port; Addr
	// tells which. Defaults to DefaultBindAddr.
	BindAddr string
	// AdvertiseAddr is the host:port the others should use to reach this node, when it
	// differs from BindAddr (NAT, containers, binding to 0.0.0.0). A port of 0 or no port
	// means the bound port.
	AdvertiseAddr string
	// Seeds are gossip addresses (host:port) of nodes to join through. Join retries them
	// until one answers or its context ends. No seeds starts a cluster of one. The node's
	// own address may be listed; it is skipped, so every node can share one seed list.
	Seeds []string
	// ClusterName, when set, keeps clusters apart: nodes only talk to nodes with the same
	// cluster name.
	ClusterName string

	// InternalAddr is announced as Member.InternalAddr.
	InternalAddr string
	// RaftAddr is announced as Member.RaftAddr.
	RaftAddr string
	// GatewayAddr is announced as Member.GatewayAddr.
	GatewayAddr string
	// ClusterSize is announced as Member.ClusterSize, so gateways learn it.
	ClusterSize int32
	// PartitionsCount is announced as Member.PartitionsCount, so gateways learn it.
	PartitionsCount int32
	// ReplicationFactor is announced as Member.ReplicationFactor, so gateways learn it.
	ReplicationFactor int32

	// Logger receives the node's logs and the gossip library's, at Debug for its chatter.
	// Defaults to slog.Default().
	Logger *slog.Logger
	// Timing tunes failure detection and dissemination. Zero fields take DefaultTiming's.
	Timing Timing
}

// Timing holds the gossip timings. The defaults suit a LAN; tests use far shorter ones.
type Timing struct {
	// ProbeInterval is how often a node probes a random other node for liveness.
	ProbeInterval time.Duration
	// ProbeTimeout is how long a probe waits for an answer before asking others to probe.
	ProbeTimeout time.Duration
	// SuspicionMult scales how long a node stays suspected before it is declared failed:
	// SuspicionMult * max(1, log10(cluster size)) * ProbeInterval at least.
	SuspicionMult int
	// SuspicionMaxTimeoutMult bounds the suspicion time: it starts at this many times the
	// minimum and shrinks as other nodes confirm the suspicion.
	SuspicionMaxTimeoutMult int
	// GossipInterval is how often a node gossips queued messages (partition state changes,
	// membership changes) to GossipNodes random nodes.
	GossipInterval time.Duration
	// GossipNodes is how many nodes receive each gossip round.
	GossipNodes int
	// RetransmitMult scales how many times a message is gossiped: RetransmitMult *
	// ceil(log10(cluster size + 1)).
	RetransmitMult int
	// PushPullInterval is how often a node exchanges its full state with a random node over
	// TCP. It repairs whatever gossip missed.
	PushPullInterval time.Duration
	// TCPTimeout bounds TCP connections: joins, push/pull, and direct sends of partition
	// states too large for one UDP packet.
	TCPTimeout time.Duration
	// DeadNodeReclaimTime is how long after a node was declared failed another node may take
	// over its name from a different address (a restarted broker with a new IP).
	DeadNodeReclaimTime time.Duration
	// FailedMemberRetention is how long a failed member stays in Members, not alive.
	FailedMemberRetention time.Duration
	// JoinRetryInterval is the first pause between join attempts; it doubles up to 5s.
	JoinRetryInterval time.Duration
}

// DefaultTiming returns timings for a LAN. A broker that stops answering is declared failed
// at least SuspicionMult * ProbeInterval (4s) later, and up to SuspicionMaxTimeoutMult times
// that when few other nodes confirm the suspicion; partition state changes reach every node
// within a few gossip rounds.
func DefaultTiming() Timing {
	return Timing{
		ProbeInterval:           time.Second,
		ProbeTimeout:            500 * time.Millisecond,
		SuspicionMult:           4,
		SuspicionMaxTimeoutMult: 6,
		GossipInterval:          200 * time.Millisecond,
		GossipNodes:             3,
		RetransmitMult:          4,
		// Memberlist's LAN default is 30s. Partition leadership is what routing depends on,
		// so repair faster; the cost is one small TCP exchange per node per interval.
		PushPullInterval:      10 * time.Second,
		TCPTimeout:            10 * time.Second,
		DeadNodeReclaimTime:   5 * time.Second,
		FailedMemberRetention: time.Minute,
		JoinRetryInterval:     250 * time.Millisecond,
	}
}

func (t Timing) withDefaults() Timing {
	d := DefaultTiming()
	set := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setInt := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	set(&t.ProbeInterval, d.ProbeInterval)
	set(&t.ProbeTimeout, d.ProbeTimeout)
	setInt(&t.SuspicionMult, d.SuspicionMult)
	setInt(&t.SuspicionMaxTimeoutMult, d.SuspicionMaxTimeoutMult)
	set(&t.GossipInterval, d.GossipInterval)
	setInt(&t.GossipNodes, d.GossipNodes)
	setInt(&t.RetransmitMult, d.RetransmitMult)
	set(&t.PushPullInterval, d.PushPullInterval)
	set(&t.TCPTimeout, d.TCPTimeout)
	set(&t.DeadNodeReclaimTime, d.DeadNodeReclaimTime)
	set(&t.FailedMemberRetention, d.FailedMemberRetention)
	set(&t.JoinRetryInterval, d.JoinRetryInterval)
	return t
}

func (t Timing) validate() error {
	durations := []struct {
		name string
		v    time.Duration
	}{
		{"Timing.ProbeInterval", t.ProbeInterval},
		{"Timing.ProbeTimeout", t.ProbeTimeout},
		{"Timing.GossipInterval", t.GossipInterval},
		{"Timing.PushPullInterval", t.PushPullInterval},
		{"Timing.TCPTimeout", t.TCPTimeout},
		{"Timing.DeadNodeReclaimTime", t.DeadNodeReclaimTime},
		{"Timing.FailedMemberRetention", t.FailedMemberRetention},
		{"Timing.JoinRetryInterval", t.JoinRetryInterval},
	}
	for _, d := range durations {
		if d.v < 0 {
			return fmt.Errorf("%w: %s %v: must not be negative", ErrInvalidConfig, d.name, d.v)
		}
	}
	ints := []struct {
		name string
		v    int
	}{
		{"Timing.SuspicionMult", t.SuspicionMult},
		{"Timing.SuspicionMaxTimeoutMult", t.SuspicionMaxTimeoutMult},
		{"Timing.GossipNodes", t.GossipNodes},
		{"Timing.RetransmitMult", t.RetransmitMult},
	}
	for _, i := range ints {
		if i.v < 0 {
			return fmt.Errorf("%w: %s %d: must not be negative", ErrInvalidConfig, i.name, i.v)
		}
	}
	if t.ProbeTimeout > t.ProbeInterval {
		return fmt.Errorf("%w: Timing.ProbeTimeout %v: must not exceed Timing.ProbeInterval %v",
			ErrInvalidConfig, t.ProbeTimeout, t.ProbeInterval)
	}
	return nil
}

// withDefaults fills in defaults and checks the result. Errors name the setting.
func (c Config) withDefaults() (Config, error) {
	if !c.Kind.valid() {
		return c, fmt.Errorf("%w: Kind %d: must be Broker or Gateway", ErrInvalidConfig, c.Kind)
	}
	if c.Kind == Gateway {
		c.NodeID = -1
	} else if c.NodeID < 0 {
		return c, fmt.Errorf("%w: NodeID %d: a broker's node id must not be negative", ErrInvalidConfig, c.NodeID)
	}
	if c.Name == "" {
		if c.Kind == Gateway {
			return c, fmt.Errorf("%w: Name: a gateway needs a name", ErrInvalidConfig)
		}
		c.Name = "broker-" + strconv.Itoa(int(c.NodeID))
	}
	if len(c.Name) > maxNameLen {
		return c, fmt.Errorf("%w: Name %q: longer than %d bytes", ErrInvalidConfig, c.Name, maxNameLen)
	}
	if c.BindAddr == "" {
		c.BindAddr = DefaultBindAddr
	}
	if _, _, err := parseBindAddr(c.BindAddr); err != nil {
		return c, fmt.Errorf("%w: BindAddr %q: %v", ErrInvalidConfig, c.BindAddr, err)
	}
	if c.AdvertiseAddr != "" {
		if _, _, err := parseAdvertiseAddr(c.AdvertiseAddr); err != nil {
			return c, fmt.Errorf("%w: AdvertiseAddr %q: %v", ErrInvalidConfig, c.AdvertiseAddr, err)
		}
	}
	for _, s := range c.Seeds {
		if _, _, err := net.SplitHostPort(s); err != nil {
			return c, fmt.Errorf("%w: Seeds: %q: %v", ErrInvalidConfig, s, err)
		}
	}
	for _, f := range []struct {
		name string
		v    int32
	}{{"ClusterSize", c.ClusterSize}, {"PartitionsCount", c.PartitionsCount}, {"ReplicationFactor", c.ReplicationFactor}} {
		if f.v < 0 {
			return c, fmt.Errorf("%w: %s %d: must not be negative", ErrInvalidConfig, f.name, f.v)
		}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Timing = c.Timing.withDefaults()
	if err := c.Timing.validate(); err != nil {
		return c, err
	}
	return c, nil
}

// parseBindAddr splits "ip:port". The gossip transport binds to IP literals only.
func parseBindAddr(addr string) (string, int, error) {
	host, port, err := splitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	if host == "" {
		host = "0.0.0.0"
	}
	if net.ParseIP(host) == nil {
		return "", 0, fmt.Errorf("host %q: not an IP address", host)
	}
	return host, port, nil
}

// parseAdvertiseAddr splits "host:port" or a bare host (port 0: the bound port).
func parseAdvertiseAddr(addr string) (string, int, error) {
	if net.ParseIP(addr) != nil {
		return addr, 0, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		// A bare host name.
		return addr, 0, nil
	}
	host, port, err := splitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	if host == "" {
		return "", 0, errors.New("missing host")
	}
	return host, port, nil
}

// splitHostPort splits "host:port" with a numeric port.
func splitHostPort(addr string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("port %q: not a number from 0 to 65535", portStr)
	}
	return host, int(port), nil
}
