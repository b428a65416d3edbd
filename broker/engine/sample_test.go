package engine_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/weftlabs/weft/proto/gen/recordpb"
)

var writeExporterSample = flag.Bool("write-exporter-sample", false, "write the records of testdata/exporter-sample/sample.txt to exporter-sdk/exportertest/testdata/records.jsonl")

// TestExporterSample runs the scenario whose records exporters are tested with (real
// records of the engine, not hand-made ones) and, with -write-exporter-sample, writes them
// for the exporter SDK's test harness. Without the flag it checks that the file still
// holds exactly these records, so an engine change that alters them is noticed.
func TestExporterSample(t *testing.T) {
	s := newScenario(t)
	datadriven.RunTest(t, "testdata/exporter-sample/sample.txt", func(t *testing.T, d *datadriven.TestData) string {
		return s.run(t, d)
	})
	var b bytes.Buffer
	for _, r := range s.h.all() {
		line, err := protojson.MarshalOptions{}.Marshal(r)
		require.NoError(t, err)
		b.Write(line)
		b.WriteByte('\n')
	}
	seen := map[recordpb.ValueType]bool{}
	for _, r := range s.h.all() {
		seen[r.GetValueType()] = true
	}
	for _, vt := range []recordpb.ValueType{recordpb.ValueType_DEPLOYMENT, recordpb.ValueType_PROCESS, recordpb.ValueType_DECISION,
		recordpb.ValueType_DECISION_REQUIREMENTS, recordpb.ValueType_DECISION_EVALUATION, recordpb.ValueType_PROCESS_INSTANCE,
		recordpb.ValueType_JOB, recordpb.ValueType_JOB_BATCH, recordpb.ValueType_INCIDENT, recordpb.ValueType_VARIABLE,
		recordpb.ValueType_VARIABLE_DOCUMENT, recordpb.ValueType_MESSAGE, recordpb.ValueType_MESSAGE_SUBSCRIPTION,
		recordpb.ValueType_PROCESS_MESSAGE_SUBSCRIPTION, recordpb.ValueType_TIMER} {
		require.True(t, seen[vt], "the sample has no %s record", vt)
	}
	path := filepath.Join("..", "..", "exporter-sdk", "exportertest", "testdata", "records.jsonl")
	if *writeExporterSample {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	var got, had []string
	for _, l := range bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n")) {
		got = append(got, canonical(t, l))
	}
	for _, l := range bytes.Split(bytes.TrimSpace(want), []byte("\n")) {
		had = append(had, canonical(t, l))
	}
	require.Equal(t, had, got, "the engine's records changed: rerun with -write-exporter-sample")
}

// canonical re-encodes one protojson line, whose spacing protojson varies on purpose.
func canonical(t *testing.T, line []byte) string {
	var r recordpb.Record
	require.NoError(t, protojson.Unmarshal(line, &r))
	b, err := protojson.MarshalOptions{}.Marshal(&r)
	require.NoError(t, err)
	var c bytes.Buffer
	require.NoError(t, jsonCompact(&c, b))
	return c.String()
}

func jsonCompact(dst *bytes.Buffer, src []byte) error { return json.Compact(dst, src) }
