package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
)

// devCluster is `weft dev --brokers N`: N brokers in this process on loopback ports,
// with the gateway embedded in broker 0, to try a cluster in one command.
type devCluster struct {
	log     *slog.Logger
	cfgs    []brokerConfig
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
	cfg, err := cfg.withReadModel()
	if err != nil {
		return nil, err
	}
	n := cfg.brokers
	// Every address is chosen up front, so that a broker restarts where its peers
	// expect it.
	cfgs := make([]brokerConfig, n)
	for i := range cfgs {
		var addrs [4]string
		for j := range addrs {
			a, err := freeLoopbackPort()
			if err != nil {
				return nil, err
			}
			addrs[j] = a
		}
		cfgs[i] = brokerConfig{
			nodeID: i, clusterSize: n, partitions: cfg.partitions, replicationFactor: cfg.replicationFactor,
			dataDir: filepath.Join(cfg.dataDir, fmt.Sprintf("broker-%d", i)), internalAddr: addrs[0],
			raftAddr: addrs[1], gossipAddr: addrs[2], httpAddr: addrs[3], snapshotThreshold: cfg.snapshotThreshold,
			autoRebalance: cfg.autoRebalance, partitionFlags: cfg.partitionFlags,
		}
	}
	for i := range cfgs {
		if i > 0 {
			cfgs[i].join = cfgs[0].gossipAddr
		} else {
			cfgs[i].gatewayAddr = cfg.gatewayAddr
			// Broker 0 embeds the gateway; its HTTP server (health, metrics, REST) is
			// weft dev's --http-addr.
			if cfg.httpAddr != "" {
				cfgs[i].httpAddr = cfg.httpAddr
			}
		}
	}
	brokers := make([]*brokerServer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			brokers[i], errs[i] = startBroker(ctx, cfgs[i], log.With("broker", i))
		}()
	}
	wg.Wait()
	c := &devCluster{log: log, cfgs: cfgs, brokers: brokers}
	if err := errors.Join(errs...); err != nil {
		c.Close()
		return nil, err
	}
	log.Info("weft dev cluster started", "brokers", n, "partitions", cfg.partitions, "replication", cfg.replicationFactor,
		"gateway", brokers[0].gateway.Addr())
	return c, nil
}

// restart stops broker i and starts it again with the same settings; with wipe, its data
// directory is deleted in between, as on a broker that lost its disk.
func (c *devCluster) restart(ctx context.Context, i int, wipe bool) error {
	if err := c.stop(i); err != nil {
		return err
	}
	if wipe {
		if err := os.RemoveAll(c.cfgs[i].dataDir); err != nil {
			return err
		}
	}
	return c.start(ctx, i)
}

// stop stops broker i, as if its machine went down; start brings it back.
func (c *devCluster) stop(i int) error {
	err := c.brokers[i].Close()
	c.brokers[i] = nil
	return err
}

// start starts the stopped broker i again with its settings and data.
func (c *devCluster) start(ctx context.Context, i int) error {
	cfg := c.cfgs[i]
	cfg.join = c.cfgs[(i+1)%len(c.cfgs)].gossipAddr
	b, err := startBroker(ctx, cfg, c.log.With("broker", i))
	if err != nil {
		return err
	}
	c.brokers[i] = b
	return nil
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
