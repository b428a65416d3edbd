package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"
	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/exporters/postgres"
	"github.com/weftlabs/weft/exporters/sqlite"
	"github.com/weftlabs/weft/internal/pgtest"
)

// instanceStates counts the read model's process instances by state.
type instanceStates func(ctx context.Context) (map[string]int, error)

// runReadModelScenario starts weft dev with args, creates three instances of the order
// process, completes the job of one, and waits until the read model shows it.
func runReadModelScenario(t *testing.T, args []string, states func(cfg devConfig) instanceStates) {
	dir := t.TempDir()
	args = append([]string{"--data-dir", filepath.Join(dir, "data"),
		"--gateway-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--monitor-addr", "127.0.0.1:0"}, args...)
	cfg, err := parseDevFlags(args, func(string) (string, bool) { return "", false }, io.Discard)
	require.NoError(t, err)
	dev, err := startDev(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer dev.Close()
	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: dev.GatewayAddr(), UsePlaintextConnection: true})
	require.NoError(t, err)
	defer client.Close()
	ctx := t.Context()
	_, err = client.NewDeployResourceCommand().AddResourceFile("testdata/order.bpmn").Send(ctx)
	require.NoError(t, err)
	for range 3 {
		_, err := client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().Send(ctx)
		require.NoError(t, err)
	}
	jobs, err := client.NewActivateJobsCommand().JobType("charge-card").MaxJobsToActivate(1).Timeout(time.Minute).Send(ctx)
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	_, err = client.NewCompleteJobCommand().JobKey(jobs[0].Key).Send(ctx)
	require.NoError(t, err)

	count := states(cfg)
	var got map[string]int
	eventually(t, 20*time.Second, func() bool {
		got, err = count(ctx)
		return err == nil && got["ACTIVE"] == 2 && got["COMPLETED"] == 1
	}, "read model instances by state: %v (err %v)", got, err)
	// The read model acknowledged what it wrote: those records left the log.
	db := dev.parts[0].State()
	eventually(t, 20*time.Second, func() bool {
		c, err := db.CompactedTo()
		require.NoError(t, err)
		return c > 0
	}, "the log is compacted behind the read model")
}

func countStates(rows *sql.Rows, err error) (map[string]int, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, rows.Err()
}

const statesQuery = `SELECT state, count(*) FROM process_instances GROUP BY state`

// weft dev keeps a SQLite read model in its data directory by default.
func TestDevReadModelIsSQLiteByDefault(t *testing.T) {
	runReadModelScenario(t, nil, func(cfg devConfig) instanceStates {
		require.Equal(t, "sqlite", cfg.readModel)
		return func(ctx context.Context) (map[string]int, error) {
			db, err := sqlite.Open(ctx, cfg.readModelPath())
			if err != nil {
				return nil, err
			}
			defer db.Close()
			return countStates(db.QueryContext(ctx, statesQuery))
		}
	})
}

// weft dev --postgres-url keeps the read model in PostgreSQL.
func TestDevReadModelInPostgres(t *testing.T) {
	url := pgtest.NewDatabase(t)
	runReadModelScenario(t, []string{"--postgres-url", url}, func(cfg devConfig) instanceStates {
		require.Equal(t, "postgres", cfg.readModel)
		return func(ctx context.Context) (map[string]int, error) {
			conn, err := postgres.Open(ctx, url)
			if err != nil {
				return nil, err
			}
			defer conn.Close(ctx)
			rows, err := conn.Query(ctx, statesQuery)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			out := map[string]int{}
			for rows.Next() {
				var state string
				var n int64
				if err := rows.Scan(&state, &n); err != nil {
					return nil, err
				}
				out[state] = int(n)
			}
			return out, rows.Err()
		}
	})
}

func TestReadModelFlags(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	_, err := parseDevFlags([]string{"--read-model", "postgres"}, noEnv, io.Discard)
	require.ErrorContains(t, err, "--read-model postgres needs --postgres-url")
	_, err = parseDevFlags([]string{"--read-model", "mongo"}, noEnv, io.Discard)
	require.ErrorContains(t, err, `--read-model (or WEFT_READ_MODEL) "mongo"`)
	cfg, err := parseDevFlags([]string{"--read-model", "none"}, noEnv, io.Discard)
	require.NoError(t, err)
	cfg, err = cfg.withReadModel()
	require.NoError(t, err)
	require.Empty(t, cfg.exporters.specs)
}

// In a cluster the read model's exporter runs on each partition's leader; when the
// leader's broker goes down, the new leader's exporter resumes from the replicated
// position: the read model ends with every instance, each once.
func TestDevClusterReadModelSurvivesFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-broker cluster; skipped with -short")
	}
	cfg := devConfig{dataDir: t.TempDir(), brokers: 3, partitions: 1, replicationFactor: 3, readModel: "sqlite"}
	c, client := startClusterClient(t, cfg, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	_, err := client.NewDeployResourceCommand().AddResourceFile("testdata/order.bpmn").Send(ctx)
	require.NoError(t, err)
	create := func(n int) {
		for range n {
			_, err := client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().Send(ctx)
			require.NoError(t, err)
		}
	}
	count := func() (int, error) {
		db, err := sqlite.Open(ctx, cfg.readModelPath())
		if err != nil {
			return 0, err
		}
		defer db.Close()
		var n int
		err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM process_instances WHERE state = 'ACTIVE'").Scan(&n)
		return n, err
	}
	create(3)
	var n int
	eventually(t, 30*time.Second, func() bool { n, err = count(); return err == nil && n == 3 }, "read model: %d instances (%v)", n, err)

	// Broker 0 holds the gateway: the partition's leader must be another broker.
	l := c.leaderOf(t, 1, -1)
	if l == 0 {
		require.NoError(t, c.brokers[0].partitionByID(1).TransferLeadership(brokerName(1), c.brokers[1].mux.Addr().String()))
		l = c.leaderOf(t, 1, 0)
	}
	// Its position is replicated before it goes.
	eventually(t, 30*time.Second, func() bool {
		for _, b := range c.brokers {
			ps, err := b.partitionByID(1).State().ExporterPositions()
			require.NoError(t, err)
			if len(ps) != 1 || ps[0].ID != "readmodel" || ps[0].Position == 0 {
				return false
			}
		}
		return true
	}, "every replica holds the read model's position")
	require.NoError(t, c.stop(l))
	c.leaderOf(t, 1, l)
	create(3)
	eventually(t, 30*time.Second, func() bool { n, err = count(); return err == nil && n == 6 }, "read model after failover: %d instances (%v)", n, err)
}
