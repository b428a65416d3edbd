package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func TestDevFlagsDefaults(t *testing.T) {
	cfg, err := parseDevFlags(nil, env(nil), &bytes.Buffer{})
	require.NoError(t, err)
	require.Equal(t, devConfig{dataDir: "./weft-data", gatewayAddr: "0.0.0.0:26500", httpAddr: "0.0.0.0:8080", monitorAddr: "0.0.0.0:8081", logLevel: slog.LevelInfo, partitions: 1, brokers: 1, replicationFactor: 1, autoRebalance: true, readModel: "sqlite"}, cfg)
	off, err := parseDevFlags([]string{"--auto-rebalance=false"}, env(nil), &bytes.Buffer{})
	require.NoError(t, err)
	require.False(t, off.autoRebalance)
}

func TestDevFlagsFromEnvironmentAndCommandLine(t *testing.T) {
	vars := env(map[string]string{
		"WEFT_DATA_DIR": "/var/lib/weft", "WEFT_GATEWAY_ADDR": "127.0.0.1:1", "WEFT_HTTP_ADDR": "127.0.0.1:2",
		"WEFT_MONITOR_ADDR": "127.0.0.1:3", "WEFT_LOG_LEVEL": "debug",
	})
	cfg, err := parseDevFlags([]string{"--gateway-addr", "127.0.0.1:9"}, vars, &bytes.Buffer{})
	require.NoError(t, err)
	require.Equal(t, "/var/lib/weft", cfg.dataDir)
	require.Equal(t, "127.0.0.1:9", cfg.gatewayAddr, "the command line wins over the environment")
	require.Equal(t, "127.0.0.1:2", cfg.httpAddr)
	require.Equal(t, "127.0.0.1:3", cfg.monitorAddr)
	require.Equal(t, slog.LevelDebug, cfg.logLevel)
}

func TestDevFlagsBadValuesNameTheSetting(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--gateway-addr", "nonsense"}, nil, "--gateway-addr (or WEFT_GATEWAY_ADDR)"},
		{nil, map[string]string{"WEFT_HTTP_ADDR": "nope"}, "--http-addr (or WEFT_HTTP_ADDR)"},
		{nil, map[string]string{"WEFT_LOG_LEVEL": "loud"}, "WEFT_LOG_LEVEL"},
		{[]string{"--data-dir", ""}, nil, "--data-dir"},
		{[]string{"--backpressure-limit", "5000"}, nil, "--backpressure-limit"},
		{nil, map[string]string{"WEFT_BACKPRESSURE_MAX_LIMIT": "x"}, "WEFT_BACKPRESSURE_MAX_LIMIT"},
		{[]string{"--no-such-flag"}, nil, "no-such-flag"},
		{[]string{"extra"}, nil, `unexpected argument "extra"`},
	} {
		var out bytes.Buffer
		_, err := parseDevFlags(c.args, env(c.env), &out)
		require.Error(t, err, "%v %v", c.args, c.env)
		require.Contains(t, err.Error()+out.String(), c.want)
	}
}

func TestRunCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	require.NoError(t, run([]string{"version"}, &out, &errOut))
	require.True(t, strings.HasPrefix(out.String(), "weft "), out.String())
	require.Error(t, run(nil, &out, &errOut))
	require.ErrorContains(t, run([]string{"frobnicate"}, &out, &errOut), `unknown command "frobnicate"`)
	_, err := parseBenchFlags([]string{"--instances", "0"}, env(nil), &errOut)
	require.ErrorContains(t, err, "--instances")
}

// weft bench runs end to end against an in-process broker and reports its figures.
func TestBenchCommand(t *testing.T) {
	var out bytes.Buffer
	cfg, err := parseBenchFlags([]string{"--instances", "40", "--workers", "2", "--in-flight", "8", "--no-sync"}, env(nil), &out)
	require.NoError(t, err)
	require.NoError(t, runBench(t.Context(), cfg, &out, slog.New(slog.DiscardHandler)))
	for _, want := range []string{"instances      40 one-task instances", "throughput", "latency        p50"} {
		require.Contains(t, out.String(), want)
	}
}

func TestConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weft.yaml")
	require.NoError(t, os.WriteFile(path, []byte("data-dir: /srv/weft\ngateway-addr: 127.0.0.1:7000\nhttp-addr: 127.0.0.1:7001\npartitions: 2\nlog-level: warn\n"), 0o644))
	cfg, err := parseDevFlags([]string{"--config", path, "--http-addr", "127.0.0.1:9"},
		env(map[string]string{"WEFT_GATEWAY_ADDR": "127.0.0.1:8"}), &bytes.Buffer{})
	require.NoError(t, err)
	require.Equal(t, "/srv/weft", cfg.dataDir, "from the file")
	require.Equal(t, 2, cfg.partitions, "from the file")
	require.Equal(t, slog.LevelWarn, cfg.logLevel, "from the file")
	require.Equal(t, "127.0.0.1:8", cfg.gatewayAddr, "the environment wins over the file")
	require.Equal(t, "127.0.0.1:9", cfg.httpAddr, "the command line wins over both")

	// WEFT_CONFIG names the file too; a list becomes a comma-separated value.
	broker := filepath.Join(t.TempDir(), "broker.yaml")
	require.NoError(t, os.WriteFile(broker, []byte("node-id: 1\ncluster-size: 3\nreplication-factor: 3\njoin: [a:1, b:2]\n"), 0o644))
	bcfg, err := parseBrokerFlags(nil, env(map[string]string{"WEFT_CONFIG": broker}), &bytes.Buffer{})
	require.NoError(t, err)
	require.Equal(t, 1, bcfg.nodeID)
	require.Equal(t, "a:1,b:2", bcfg.join)

	for content, want := range map[string]string{
		"no-such-setting: 1\n": `unknown setting "no-such-setting"`,
		"partitions: many\n":   `setting "partitions" = many`,
		"data-dir: [\n":        "weft.yaml",
	} {
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
		_, err := parseDevFlags([]string{"--config", path}, env(nil), &bytes.Buffer{})
		require.ErrorContains(t, err, want)
	}
	_, err = parseDevFlags([]string{"--config", filepath.Join(t.TempDir(), "missing.yaml")}, env(nil), &bytes.Buffer{})
	require.ErrorContains(t, err, "--config")
}
