package exportersdk_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	require.NoError(t, d.Decode(&m), string(b))
	return m
}

func find(t *testing.T, recs []*exportersdk.Record, vt recordpb.ValueType, intent string) *exportersdk.Record {
	t.Helper()
	for _, r := range recs {
		if r.ValueType == vt && r.Intent == intent && r.RecordType == exportersdk.Event {
			return r
		}
	}
	t.Fatalf("no %s %s event in the sample", vt, intent)
	return nil
}

// Every sample record's JSON is valid and carries Zeebe's top-level fields with exact
// 64-bit numbers.
func TestRecordJSONTopLevel(t *testing.T) {
	for _, r := range exportertest.SampleRecords() {
		b, err := json.Marshal(r)
		require.NoError(t, err)
		m := decode(t, b)
		for _, k := range []string{"partitionId", "position", "sourceRecordPosition", "key", "timestamp", "recordType",
			"valueType", "intent", "rejectionType", "rejectionReason", "brokerVersion", "recordVersion", "value"} {
			require.Contains(t, m, k, string(b))
		}
		require.Equal(t, json.Number(itoa(r.Key)), m["key"])
		require.Equal(t, json.Number(itoa(r.Position)), m["position"])
		require.Equal(t, r.ValueType.String(), m["valueType"])
		require.Equal(t, r.RecordType.String(), m["recordType"])
		require.IsType(t, map[string]any{}, m["value"])
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// Value fields follow Zeebe's JSON: camelCase names, documents as objects, custom
// headers as an object, a variable's value as JSON text, resources as base64.
func TestRecordJSONValues(t *testing.T) {
	recs := exportertest.SampleRecords()

	job := decode(t, find(t, recs, recordpb.ValueType_JOB, "CREATED").AppendJSON(nil))["value"].(map[string]any)
	require.Equal(t, "payment", job["type"])
	require.Equal(t, map[string]any{"currency": "EUR"}, job["customHeaders"])
	require.IsType(t, map[string]any{}, job["variables"])
	require.Equal(t, "shop", job["bpmnProcessId"])
	require.Contains(t, job, "processInstanceKey")
	require.Contains(t, job, "elementInstanceKey")

	v := decode(t, find(t, recs, recordpb.ValueType_VARIABLE, "CREATED").AppendJSON(nil))["value"].(map[string]any)
	require.IsType(t, "", v["value"], "a variable's value is the JSON text of the value")
	require.True(t, json.Valid([]byte(v["value"].(string))))
	require.Contains(t, v, "scopeKey")

	pr := find(t, recs, recordpb.ValueType_PROCESS, "CREATED")
	p := decode(t, pr.AppendJSON(nil))["value"].(map[string]any)
	res, err := base64.StdEncoding.DecodeString(p["resource"].(string))
	require.NoError(t, err)
	require.Equal(t, pr.Value.(*recordpb.ProcessRecord).GetResource(), res)

	pi := decode(t, find(t, recs, recordpb.ValueType_PROCESS_INSTANCE, "ELEMENT_ACTIVATED").AppendJSON(nil))["value"].(map[string]any)
	require.Equal(t, "PROCESS", pi["bpmnElementType"])
	require.Contains(t, pi, "flowScopeKey")
	require.Contains(t, pi, "parentProcessInstanceKey")

	rej := decode(t, func() []byte {
		for _, r := range recs {
			if r.RecordType == exportersdk.CommandRejection {
				return r.AppendJSON(nil)
			}
		}
		t.Fatal("no rejection in the sample")
		return nil
	}())
	require.Equal(t, "NOT_FOUND", rej["rejectionType"])
	require.Contains(t, rej["rejectionReason"], "no such job")
}

// Strings are escaped so that any text survives the round trip.
func TestRecordJSONEscapes(t *testing.T) {
	r := &exportersdk.Record{Intent: "CREATED", RejectionReason: "quote \" back \\ nl \n tab \t <tag> & \u2028 ünï \x01 \xff",
		Value: &recordpb.MessageRecord{Name: "a\"b", Variables: []byte(`{"x":"y"}`)}}
	m := decode(t, r.AppendJSON(nil))
	require.Equal(t, "quote \" back \\ nl \n tab \t <tag> & \u2028 ünï \x01 \ufffd", m["rejectionReason"])
	require.Equal(t, "a\"b", m["value"].(map[string]any)["name"])
	require.Equal(t, map[string]any{"x": "y"}, m["value"].(map[string]any)["variables"])
}

// FromProto and Proto round-trip every sample record.
func TestRecordProtoRoundTrip(t *testing.T) {
	for _, r := range exportertest.SampleRecords() {
		pb := r.Proto()
		c := *r
		c2 := exportersdk.Record{PartitionID: c.PartitionID, Position: c.Position, SourceRecordPosition: c.SourceRecordPosition,
			Key: c.Key, Timestamp: c.Timestamp, RecordType: c.RecordType, ValueType: c.ValueType, Intent: c.Intent,
			RejectionType: c.RejectionType, RejectionReason: c.RejectionReason, BrokerVersion: c.BrokerVersion, Value: c.Value}
		require.True(t, proto.Equal(pb, c2.Proto()), r.String())
	}
}

func TestFilter(t *testing.T) {
	recs := exportertest.SampleRecords()
	f := exportersdk.Filter{ValueTypes: []exportersdk.ValueType{recordpb.ValueType_JOB}, RecordTypes: []exportersdk.RecordType{exportersdk.Event}}
	n := 0
	for _, r := range recs {
		if f.Accepts(r) {
			n++
			require.Equal(t, recordpb.ValueType_JOB, r.ValueType)
			require.Equal(t, exportersdk.Event, r.RecordType)
		}
	}
	require.Positive(t, n)
	require.True(t, exportersdk.Filter{}.Accepts(recs[0]))
	rt, err := exportersdk.ParseRecordType("rejection")
	require.NoError(t, err)
	require.Equal(t, exportersdk.CommandRejection, rt)
	_, err = exportersdk.ParseValueType("nope")
	require.ErrorContains(t, err, `unknown value type "nope"`)
}

func TestSettings(t *testing.T) {
	s, err := exportersdk.ParseSettings("brokers=a:9092,b:9092,topic=t,size=5MB,delay=2s,on=true,n=7")
	require.NoError(t, err)
	require.Equal(t, []string{"a:9092", "b:9092"}, s.List("brokers", nil))
	require.Equal(t, "t", s.String("topic", ""))
	require.EqualValues(t, 5_000_000, s.Bytes("size", 0))
	require.Equal(t, "2s", s.Duration("delay", 0).String())
	require.True(t, s.Bool("on", false))
	require.Equal(t, 7, s.Int("n", 0))
	require.Equal(t, 3, s.Int("missing", 3))
	require.NoError(t, s.Err())

	s, err = exportersdk.ParseSettings("n=x,typo=1,url=postgres://u:p@h/db?a=1&b=2")
	require.NoError(t, err)
	s.Int("n", 0)
	require.Equal(t, "postgres://u:p@h/db?a=1&b=2", s.String("url", ""))
	s.Required("path")
	err = s.Err()
	require.ErrorContains(t, err, `setting n: "x" is not an integer`)
	require.ErrorContains(t, err, `setting path: is required`)
	require.ErrorContains(t, err, `unknown setting "typo"`)

	_, err = exportersdk.ParseSettings("a=1,a=2")
	require.ErrorContains(t, err, `"a" given twice`)
	_, err = exportersdk.ParseSettings("=1")
	require.ErrorContains(t, err, "want key=value")
}

func TestSettingsCertPool(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	require.NoError(t, os.WriteFile(empty, []byte("not a certificate"), 0o600))
	s := exportersdk.NewSettings(map[string]string{"ca-file": empty, "other": filepath.Join(dir, "missing.pem")})
	require.Nil(t, s.CertPool("ca-file"))
	require.Nil(t, s.CertPool("other"))
	require.Nil(t, s.CertPool("unset"))
	err := s.Err()
	require.ErrorContains(t, err, "setting ca-file: "+empty+" holds no PEM certificate")
	require.ErrorContains(t, err, "setting other: open ")
}
