package main

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"
	"github.com/stretchr/testify/require"
)

// `weft dev --exporter file:...` writes every record of every partition, in order, to
// the partition's file, and the records the exporter acknowledged leave the log.
func TestDevFileExporterGetsEveryRecordAndTheLogIsCompacted(t *testing.T) {
	dir := t.TempDir()
	cfg, err := parseDevFlags([]string{
		"--data-dir", filepath.Join(dir, "data"), "--partitions", "2",
		"--gateway-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--monitor-addr", "127.0.0.1:0",
		"--exporter", "file:path=" + filepath.Join(dir, "audit", "records.jsonl") + ",flush-delay=50ms",
		"--exporter", "file:id=jobs,path=" + filepath.Join(dir, "jobs-{partition}.jsonl") + ",value-types=JOB,record-types=EVENT",
	}, func(string) (string, bool) { return "", false }, io.Discard)
	require.NoError(t, err)
	require.Len(t, cfg.exporters.specs, 2)
	dev, err := startDev(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer dev.Close()
	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: dev.GatewayAddr(), UsePlaintextConnection: true})
	require.NoError(t, err)
	defer client.Close()
	ctx := t.Context()
	_, err = client.NewDeployResourceCommand().AddResourceFile("testdata/order.bpmn").Send(ctx)
	require.NoError(t, err)
	for range 6 {
		_, err = client.NewCreateInstanceCommand().BPMNProcessId("order").LatestVersion().Send(ctx)
		require.NoError(t, err)
	}

	for _, p := range dev.parts {
		db := p.State()
		last := db.LastPosition()
		path := filepath.Join(dir, "audit", "records-"+itoa(p.ID())+".jsonl")
		eventually(t, 20*time.Second, func() bool {
			c, err := db.CompactedTo()
			require.NoError(t, err)
			return c >= last
		}, "partition %d: the log is compacted up to %d", p.ID(), last)
		var positions []int64
		for _, rec := range readJSONLines(t, path) {
			require.EqualValues(t, p.ID(), rec["partitionId"])
			positions = append(positions, int64(rec["position"].(float64)))
		}
		require.GreaterOrEqual(t, len(positions), int(last))
		for i := range last {
			require.Equal(t, i+1, positions[i], "partition %d: records in order without gaps", p.ID())
		}
		for _, rec := range readJSONLines(t, filepath.Join(dir, "jobs-"+itoa(p.ID())+".jsonl")) {
			require.Equal(t, "JOB", rec["valueType"])
			require.Equal(t, "EVENT", rec["recordType"])
		}
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func readJSONLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		out = append(out, m)
	}
	require.NoError(t, sc.Err())
	return out
}

// A bad exporter setting stops start-up with a message that names the exporter and the
// setting; so does an unknown type or a duplicate id.
func TestBadExporterSettingsStopStartUp(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--exporter", "nosuch:x=1"}, `unknown type "nosuch"`},
		{[]string{"--exporter", "file:pth=/tmp/x"}, `exporter file (file): setting path: is required`},
		{[]string{"--exporter", "file:path=/tmp/x,max-size=huge"}, `setting max-size: "huge" is not a size`},
		{[]string{"--exporter", "file:path=/tmp/x,colour=blue"}, `unknown setting "colour"`},
		{[]string{"--exporter", "file:path=/tmp/x,value-types=JOBS"}, `setting value-types: unknown value type "JOBS"`},
		{[]string{"--exporter", "file:path=/tmp/x", "--exporter", "file:path=/tmp/y"}, `exporter id "file" is configured twice`},
	} {
		_, err := parseDevFlags(tc.args, noEnv, io.Discard)
		require.ErrorContains(t, err, tc.want, "%v", tc.args)
	}
}

// Exporters come from the config file as strings or maps, and from WEFT_EXPORTER.
func TestExportersFromConfigFileAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "weft.yaml")
	require.NoError(t, os.WriteFile(conf, []byte(`exporter:
  - file:path=/tmp/a.jsonl
  - type: file
    id: audit
    path: /tmp/b.jsonl
    max-size: 10MB
`), 0o644))
	cfg, err := parseDevFlags([]string{"--config", conf}, func(string) (string, bool) { return "", false }, io.Discard)
	require.NoError(t, err)
	require.Len(t, cfg.exporters.specs, 2)
	require.Equal(t, "audit", cfg.exporters.specs[1].ID)
	require.Equal(t, map[string]string{"path": "/tmp/b.jsonl", "max-size": "10MB"}, cfg.exporters.specs[1].Settings)

	env := map[string]string{"WEFT_EXPORTER": "file:path=/tmp/c.jsonl;file:id=two,path=/tmp/d.jsonl"}
	cfg, err = parseDevFlags(nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, io.Discard)
	require.NoError(t, err)
	require.Len(t, cfg.exporters.specs, 2)
}
