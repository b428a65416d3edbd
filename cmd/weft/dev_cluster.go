package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
)

// devCluster is `weft dev --brokers N`: N brokers in this process on loopback ports,
// with the gateway embedded in broker 0, to try a cluster in one command.
type devCluster struct {
	brokers []*brokerServer
}

// freeLoopbackPort returns 127.0.0.1:port with a port that was free a moment ago.
func freeLoopbackPort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startDevCluster starts the brokers together: each waits for the members of its
// partitions to join before it opens them. Broker 0 is everyone's gossip seed and
// serves the gateway on cfg.gatewayAddr.
func startDevCluster(ctx context.Context, cfg devConfig, log *slog.Logger) (*devCluster, error) {
	n := cfg.brokers
	gossip := make([]string, n)
	for i := range gossip {
		addr, err := freeLoopbackPort()
		if err != nil {
			return nil, err
		}
		gossip[i] = addr
	}
	brokers := make([]*brokerServer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		bcfg := brokerConfig{
			nodeID: i, clusterSize: n, partitions: cfg.partitions, replicationFactor: cfg.replicationFactor,
			dataDir: filepath.Join(cfg.dataDir, fmt.Sprintf("broker-%d", i)), internalAddr: "127.0.0.1:0",
			raftAddr: "127.0.0.1:0", gossipAddr: gossip[i], httpAddr: "127.0.0.1:0",
		}
		if i > 0 {
			bcfg.join = gossip[0]
		} else {
			bcfg.gatewayAddr = cfg.gatewayAddr
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			brokers[i], errs[i] = startBroker(ctx, bcfg, log.With("broker", i))
		}()
	}
	wg.Wait()
	c := &devCluster{brokers: brokers}
	if err := errors.Join(errs...); err != nil {
		c.Close()
		return nil, err
	}
	log.Info("weft dev cluster started", "brokers", n, "partitions", cfg.partitions, "replication", cfg.replicationFactor,
		"gateway", brokers[0].gateway.Addr())
	return c, nil
}

// GatewayAddr returns the address of the gateway.
func (c *devCluster) GatewayAddr() string { return c.brokers[0].gateway.Addr() }

// Close stops every broker.
func (c *devCluster) Close() error {
	var errs []error
	for _, b := range c.brokers {
		if b != nil {
			errs = append(errs, b.Close())
		}
	}
	return errors.Join(errs...)
}
