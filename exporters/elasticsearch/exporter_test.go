package elasticsearch

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const wait = 10 * time.Second

// wantIndex is the index a record belongs in, spelled out independently of the code.
func wantIndex(r *exportersdk.Record) string {
	vt := strings.ReplaceAll(strings.ToLower(r.ValueType.String()), "_", "-")
	version := r.BrokerVersion
	if version == "" {
		version = "8.3.0"
	}
	return "zeebe-record_" + vt + "_" + version + "_" + time.UnixMilli(r.Timestamp).UTC().Format("2006-01-02")
}

func wantID(r *exportersdk.Record) string { return fmt.Sprintf("%d-%d", r.PartitionID, r.Position) }

// ids lists the document ids of the records, as the bulk requests must carry them.
func ids(rs []*exportersdk.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, wantID(r))
	}
	return out
}

// checkStored fails unless every record is stored once in its index, under its id,
// routed by its partition, as its JSON, at the given version.
func checkStored(t *testing.T, f *fakeES, rs []*exportersdk.Record, version int) {
	t.Helper()
	for _, r := range rs {
		d := f.doc(wantIndex(r), wantID(r))
		if d == nil {
			t.Errorf("record %s: no document %s in %s", r, wantID(r), wantIndex(r))
			continue
		}
		if d.routing != "1" {
			t.Errorf("record %s: routing %q, want 1", r, d.routing)
		}
		if !bytes.Equal(d.source, r.AppendJSON(nil)) {
			t.Errorf("record %s: document\n%s\nwant\n%s", r, d.source, r.AppendJSON(nil))
		}
		if d.version != version {
			t.Errorf("record %s: document version %d, want %d", r, d.version, version)
		}
	}
	if n := f.docCount(); n != len(rs) {
		t.Errorf("%d documents stored, want %d", n, len(rs))
	}
}

// sentIDs is every document id of the bulk requests, in the order sent.
func sentIDs(calls []bulkCall) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.ids...)
	}
	return out
}

func TestExportIndexesEveryRecordOnce(t *testing.T) {
	f := newFakeES(t)
	rs := exportertest.SampleRecords()
	h := exportertest.Start(t, New(), f.settings(map[string]string{"bulk-size": "50", "bulk-delay": "20ms"}))
	if err := h.Export(t.Context(), rs...); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(rs[len(rs)-1].Position, wait)

	checkStored(t, f, rs, 1)
	calls := f.calls()
	if got, want := sentIDs(calls), ids(rs); !slices.Equal(got, want) {
		t.Errorf("bulk requests carried ids %v, want %v in order", got, want)
	}
	var sizes []int
	for _, c := range calls {
		sizes = append(sizes, len(c.ids))
	}
	if !slices.Equal(sizes, []int{50, 50, 22}) {
		t.Errorf("bulk sizes %v, want [50 50 22]", sizes)
	}
	for _, r := range rs {
		name := "zeebe-record_" + strings.ReplaceAll(strings.ToLower(r.ValueType.String()), "_", "-") + "_8.3.0"
		if p := f.templatePatterns(name); !slices.Equal(p, []string{name + "_*"}) {
			t.Errorf("index template %s has patterns %v, want [%s_*]", name, p, name)
		}
	}
}

func TestIndexNameHasValueTypeVersionAndDay(t *testing.T) {
	day := time.Date(2026, 11, 26, 23, 59, 0, 0, time.UTC).UnixMilli()
	r := &exportersdk.Record{PartitionID: 2, Position: 7, Key: 5, Timestamp: day, RecordType: exportersdk.Event,
		ValueType: recordpb.ValueType_PROCESS_INSTANCE, Intent: "ELEMENT_ACTIVATED", BrokerVersion: "8.3.0",
		Value: &recordpb.ProcessInstanceRecord{BpmnProcessId: "p"}}
	dev := *r
	dev.Position, dev.BrokerVersion, dev.ValueType = 8, "8.3.0-Weft-dev", recordpb.ValueType_JOB
	dev.Value = &recordpb.JobRecord{Type: "t"}

	for _, tc := range []struct {
		settings map[string]string
		want     []string
	}{
		{nil, []string{"zeebe-record_process-instance_8.3.0_2026-11-26", "zeebe-record_job_8.3.0-weft-dev_2026-11-26"}},
		{map[string]string{"prefix": "weft", "index-suffix-date-pattern": "2006.01"},
			[]string{"weft_process-instance_8.3.0_2026.11", "weft_job_8.3.0-weft-dev_2026.11"}},
	} {
		f := newFakeES(t)
		s := f.settings(tc.settings)
		s["bulk-size"] = "2"
		h := exportertest.Start(t, New(), s, exportertest.Options{PartitionID: 2})
		if err := h.Export(t.Context(), r, &dev); err != nil {
			t.Fatal(err)
		}
		h.WaitAcked(8, wait)
		for i, rec := range []*exportersdk.Record{r, &dev} {
			d := f.doc(tc.want[i], wantID(rec))
			if d == nil {
				t.Errorf("settings %v: no document %s in index %s", tc.settings, wantID(rec), tc.want[i])
				continue
			}
			if d.routing != "2" {
				t.Errorf("routing %q, want 2", d.routing)
			}
		}
	}
}

func TestReexportIsIdempotent(t *testing.T) {
	f := newFakeES(t)
	rs := exportertest.SampleRecords()
	last := rs[len(rs)-1].Position
	for i := range 2 {
		h := exportertest.Start(t, New(), f.settings(map[string]string{"bulk-delay": "10ms"}))
		if err := h.Export(t.Context(), rs...); err != nil {
			t.Fatal(err)
		}
		h.WaitAcked(last, wait)
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
		checkStored(t, f, rs, i+1) // the second export overwrites each document
	}
}

func TestAcknowledgesOnlyAfterBulkSucceeded(t *testing.T) {
	f := newFakeES(t)
	gate := make(chan struct{})
	f.gate = gate
	released := false
	t.Cleanup(func() {
		if !released {
			close(gate)
		}
	})
	rs := exportertest.SampleRecords()[:10]
	h := exportertest.Start(t, New(), f.settings(map[string]string{"bulk-size": "10", "bulk-delay": "1h"}))
	exported := make(chan error, 1)
	go func() { exported <- h.Export(t.Context(), rs...) }()
	select {
	case <-f.received:
	case <-time.After(wait):
		t.Fatal("no bulk request")
	}
	if got := h.Acked(); got != 0 {
		t.Fatalf("acknowledged %d while the bulk request is unanswered", got)
	}
	close(gate)
	released = true
	if err := <-exported; err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(10, wait)
}

func TestFailedBulkIsKeptAndRetried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault fault
	}{
		{"server error", fault{status: 500}},
		{"item error", fault{itemAt: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeES(t)
			rs := exportertest.SampleRecords()[:20]
			h := exportertest.Start(t, New(), f.settings(map[string]string{"bulk-size": "10", "bulk-delay": "1h"}))
			f.setAlways(&tc.fault)
			if err := h.Export(t.Context(), rs[:10]...); err != nil {
				t.Fatalf("records that filled the batch were not taken: %v", err)
			}
			// The batch is full and cannot be flushed: the next record is refused.
			if err := h.Export(t.Context(), rs[10]); err == nil {
				t.Fatal("record after a full batch that failed was taken")
			}
			// The exporter retries on its own, and never acknowledges a failed bulk.
			deadline := time.Now().Add(wait)
			for len(f.calls()) < 3 && time.Now().Before(deadline) {
				<-f.received
			}
			if got := h.Acked(); got != 0 {
				t.Fatalf("acknowledged %d after failed bulks", got)
			}
			f.setAlways(nil)
			h.WaitAcked(10, wait)
			// The broker offers the refused record again, then the rest.
			if err := h.Export(t.Context(), rs[10:]...); err != nil {
				t.Fatal(err)
			}
			h.WaitAcked(20, wait)

			calls := f.calls()
			if len(calls) < 4 {
				t.Fatalf("%d bulk requests, want at least 3 failed and 2 good", len(calls))
			}
			for i, c := range calls[:len(calls)-1] {
				if !slices.Equal(c.ids, ids(rs[:10])) {
					t.Errorf("bulk %d carried %v, want the first batch %v again", i, c.ids, ids(rs[:10]))
				}
			}
			if got := calls[len(calls)-1].ids; !slices.Equal(got, ids(rs[10:])) {
				t.Errorf("last bulk carried %v, want %v", got, ids(rs[10:]))
			}
			if f.docCount() != 20 {
				t.Errorf("%d documents, want 20", f.docCount())
			}
		})
	}
}

func TestTooManyRequestsThenSuccess(t *testing.T) {
	f := newFakeES(t)
	f.failNext(fault{status: 429}, fault{status: 429})
	rs := exportertest.SampleRecords()[:10]
	h := exportertest.Start(t, New(), f.settings(map[string]string{"bulk-size": "10", "bulk-delay": "1h"}))
	if err := h.Export(t.Context(), rs...); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(10, wait)
	calls := f.calls()
	if len(calls) != 3 || calls[0].status != 429 || calls[1].status != 429 || calls[2].status != 200 {
		t.Fatalf("bulk requests %+v, want two 429s and a success", calls)
	}
	for _, c := range calls {
		if !slices.Equal(c.ids, ids(rs)) {
			t.Errorf("bulk carried %v, want %v", c.ids, ids(rs))
		}
	}
	checkStored(t, f, rs, 1)
}

func TestItemErrorThenSuccess(t *testing.T) {
	f := newFakeES(t)
	f.failNext(fault{itemAt: 4})
	rs := exportertest.SampleRecords()[:10]
	h := exportertest.Start(t, New(), f.settings(map[string]string{"bulk-size": "10", "bulk-delay": "1h"}))
	if err := h.Export(t.Context(), rs...); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(10, wait)
	calls := f.calls()
	if len(calls) != 2 || !slices.Equal(calls[0].ids, calls[1].ids) {
		t.Fatalf("bulk requests %+v, want the failed bulk sent again whole", calls)
	}
	// The items that succeeded the first time are overwritten, the failed one created.
	for i, r := range rs {
		want := 2
		if i == 4 {
			want = 1
		}
		if d := f.doc(wantIndex(r), wantID(r)); d == nil || d.version != want {
			t.Errorf("record %s: document %+v, want version %d", r, d, want)
		}
	}
}

func TestRecordOfferedAgainIsNotAppendedTwice(t *testing.T) {
	f := newFakeES(t)
	rs := exportertest.SampleRecords()[:5]
	h := exportertest.Start(t, New(), f.settings(map[string]string{"bulk-delay": "30ms"}))
	for _, batch := range [][]*exportersdk.Record{rs[:3], rs[1:3], rs[2:]} {
		if err := h.Export(t.Context(), batch...); err != nil {
			t.Fatal(err)
		}
	}
	h.WaitAcked(5, wait)
	if got := sentIDs(f.calls()); !slices.Equal(got, ids(rs)) {
		t.Errorf("bulk requests carried %v, want %v", got, ids(rs))
	}
}

func TestFlushByCount(t *testing.T) {
	f := newFakeES(t)
	rs := exportertest.SampleRecords()[:12]
	h := exportertest.Start(t, New(), f.settings(map[string]string{"bulk-size": "5", "bulk-delay": "1h"}))
	if err := h.Export(t.Context(), rs...); err != nil {
		t.Fatal(err)
	}
	if got := h.Acked(); got != 10 {
		t.Errorf("acknowledged %d after two full batches, want 10", got)
	}
	if n := len(f.calls()); n != 2 {
		t.Errorf("%d bulk requests, want 2", n)
	}
	if err := h.Close(); err != nil { // Close sends the rest
		t.Fatal(err)
	}
	if got := h.Acked(); got != 12 {
		t.Errorf("acknowledged %d after close, want 12", got)
	}
	calls := f.calls()
	var sizes []int
	for _, c := range calls {
		sizes = append(sizes, len(c.ids))
	}
	if !slices.Equal(sizes, []int{5, 5, 2}) {
		t.Errorf("bulk sizes %v, want [5 5 2]", sizes)
	}
	checkStored(t, f, rs, 1)
}

func TestFlushByBytes(t *testing.T) {
	const limit = 3000
	f := newFakeES(t)
	rs := exportertest.SampleRecords()
	h := exportertest.Start(t, New(), f.settings(map[string]string{"bulk-bytes": fmt.Sprint(limit), "bulk-delay": "1h"}))
	if err := h.Export(t.Context(), rs...); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	calls := f.calls()
	if len(calls) < 10 {
		t.Fatalf("%d bulk requests, want one per %d bytes", len(calls), limit)
	}
	for i, c := range calls[:len(calls)-1] {
		last := c.items[len(c.items)-1]
		if c.bytes < limit || c.bytes-last >= limit {
			t.Errorf("bulk %d has %d bytes (last item %d): not flushed when it passed %d", i, c.bytes, last, limit)
		}
	}
	if got := sentIDs(calls); !slices.Equal(got, ids(rs)) {
		t.Errorf("bulk requests carried %v, want %v", got, ids(rs))
	}
	if got := h.Acked(); got != rs[len(rs)-1].Position {
		t.Errorf("acknowledged %d, want %d", got, rs[len(rs)-1].Position)
	}
}

func TestFlushByTime(t *testing.T) {
	f := newFakeES(t)
	rs := exportertest.SampleRecords()[:3]
	h := exportertest.Start(t, New(), f.settings(map[string]string{"bulk-delay": "30ms"}))
	if err := h.Export(t.Context(), rs...); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(3, wait)
	if calls := f.calls(); len(calls) != 1 || !slices.Equal(calls[0].ids, ids(rs)) {
		t.Errorf("bulk requests %+v, want one with %v", calls, ids(rs))
	}
	// A later record starts a new timer.
	more := exportertest.SampleRecords()[3:4]
	if err := h.Export(t.Context(), more...); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(4, wait)
}

func TestBasicAuth(t *testing.T) {
	f := newFakeES(t)
	f.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte("elastic:s3cret"))
	rs := exportertest.SampleRecords()[:3]
	h := exportertest.Start(t, New(), f.settings(map[string]string{"username": "elastic", "password": "s3cret", "bulk-size": "3"}))
	if err := h.Export(t.Context(), rs...); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(3, wait)

	_, err := exportertest.TryStart(t, New(), f.settings(map[string]string{"username": "elastic", "password": "wrong"}))
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("open with a wrong password: %v, want a 401 error", err)
	}
}

func TestAPIKey(t *testing.T) {
	f := newFakeES(t)
	f.auth = "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
	rs := exportertest.SampleRecords()[:3]
	h := exportertest.Start(t, New(), f.settings(map[string]string{
		"api-key": "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==", "bulk-size": "3"}))
	if err := h.Export(t.Context(), rs...); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(3, wait)
}

func TestTLS(t *testing.T) {
	f := newFakeTLSES(t)
	rs := exportertest.SampleRecords()[:3]
	h := exportertest.Start(t, New(), f.settings(map[string]string{"ca-file": f.caFile(t), "bulk-size": "3"}))
	if err := h.Export(t.Context(), rs...); err != nil {
		t.Fatal(err)
	}
	h.WaitAcked(3, wait)

	if _, err := exportertest.TryStart(t, New(), f.settings(nil)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("open without the CA: %v, want a certificate error", err)
	}
	if _, err := exportertest.TryStart(t, New(), f.settings(map[string]string{"insecure-skip-verify": "true"})); err != nil {
		t.Errorf("open with insecure-skip-verify: %v", err)
	}
}

func TestOpenFails(t *testing.T) {
	t.Run("templates refused", func(t *testing.T) {
		f := newFakeES(t)
		f.failPut = 503
		_, err := exportertest.TryStart(t, New(), f.settings(nil))
		if err == nil || !strings.Contains(err.Error(), "component template zeebe-record") {
			t.Errorf("open: %v, want the component template error", err)
		}
	})
	t.Run("not elasticsearch", func(t *testing.T) {
		f := newFakeES(t)
		f.noProductHeader = true
		if _, err := exportertest.TryStart(t, New(), f.settings(nil)); err == nil {
			t.Error("open against a server without X-Elastic-Product succeeded")
		}
	})
	t.Run("too old", func(t *testing.T) {
		f := newFakeES(t)
		f.version = "7.7.1"
		_, err := exportertest.TryStart(t, New(), f.settings(nil))
		if err == nil || !strings.Contains(err.Error(), "7.7.1 is too old") {
			t.Errorf("open against 7.7.1: %v, want a version error", err)
		}
		f2 := newFakeES(t)
		f2.version = "7.8.0"
		if _, err := exportertest.TryStart(t, New(), f2.settings(nil)); err != nil {
			t.Errorf("open against 7.8.0: %v", err)
		}
	})
	t.Run("nothing listening", func(t *testing.T) {
		f := newFakeES(t)
		url := f.srv.URL
		f.srv.Close()
		_, err := exportertest.TryStart(t, New(), map[string]string{"url": url, "request-timeout": "2s"})
		if err == nil || !strings.Contains(err.Error(), url) {
			t.Errorf("open: %v, want an error naming %s", err, url)
		}
	})
}

func TestBadSettingsAreRejected(t *testing.T) {
	notPEM := t.TempDir() + "/not.pem"
	writeFile(t, notPEM, "hello")
	url := "http://127.0.0.1:9200"
	for _, tc := range []struct {
		settings map[string]string
		want     string
	}{
		{map[string]string{}, "setting url: is required"},
		{map[string]string{"url": ""}, "setting url"},
		{map[string]string{"url": "localhost:9200"}, `setting url: "localhost:9200" is not an http or https URL`},
		{map[string]string{"url": "http://a:9200,ftp://b"}, `setting url: "ftp://b"`},
		{map[string]string{"url": "http://u:p@a:9200"}, "setting url"},
		{map[string]string{"url": url, "prefix": "Zeebe"}, "setting prefix"},
		{map[string]string{"url": url, "prefix": "_zeebe"}, "setting prefix"},
		{map[string]string{"url": url, "prefix": "a*b"}, "setting prefix"},
		{map[string]string{"url": url, "bulk-size": "0"}, "setting bulk-size"},
		{map[string]string{"url": url, "bulk-size": "many"}, "setting bulk-size"},
		{map[string]string{"url": url, "bulk-bytes": "lots"}, "setting bulk-bytes"},
		{map[string]string{"url": url, "bulk-bytes": "0"}, "setting bulk-bytes"},
		{map[string]string{"url": url, "bulk-delay": "0s"}, "setting bulk-delay"},
		{map[string]string{"url": url, "bulk-delay": "5"}, "setting bulk-delay"},
		{map[string]string{"url": url, "username": "elastic"}, "setting password"},
		{map[string]string{"url": url, "password": "x"}, "setting username"},
		{map[string]string{"url": url, "api-key": "k", "username": "u", "password": "p"}, "setting api-key"},
		{map[string]string{"url": url, "ca-file": t.TempDir() + "/missing.pem"}, "setting ca-file"},
		{map[string]string{"url": url, "ca-file": notPEM}, "setting ca-file"},
		{map[string]string{"url": url, "insecure-skip-verify": "maybe"}, "setting insecure-skip-verify"},
		{map[string]string{"url": url, "index-suffix-date-pattern": "daily"}, "setting index-suffix-date-pattern"},
		{map[string]string{"url": url, "index-suffix-date-pattern": "2006/01/02"}, "setting index-suffix-date-pattern"},
		{map[string]string{"url": url, "number-of-shards": "0"}, "setting number-of-shards"},
		{map[string]string{"url": url, "number-of-replicas": "-1"}, "setting number-of-replicas"},
		{map[string]string{"url": url, "request-timeout": "0s"}, "setting request-timeout"},
		{map[string]string{"url": url, "bulk.size": "10"}, `unknown setting "bulk.size"`},
	} {
		_, err := exportertest.TryStart(t, New(), tc.settings)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("settings %v: error %v, want one with %q", tc.settings, err, tc.want)
		}
	}
}

func TestAllSettingsAccepted(t *testing.T) {
	ca := newFakeTLSES(t).caFile(t)
	s := exportersdk.NewSettings(map[string]string{
		"url": "https://a:9200, https://b:9200", "prefix": "weft-record", "bulk-size": "500", "bulk-bytes": "2MiB",
		"bulk-delay": "1s", "username": "u", "password": "p", "ca-file": ca, "insecure-skip-verify": "false",
		"index-suffix-date-pattern": "2006-01", "number-of-shards": "1", "number-of-replicas": "1", "request-timeout": "10s",
	})
	e := &Exporter{}
	if err := e.Configure(&exportersdk.Config{Settings: s}); err != nil {
		t.Fatal(err)
	}
	want := config{urls: []string{"https://a:9200", "https://b:9200"}, prefix: "weft-record", bulkSize: 500,
		bulkBytes: 2 << 20, bulkDelay: time.Second, username: "u", password: "p", datePattern: "2006-01",
		shards: 1, replicas: 1, requestTimeout: 10 * time.Second}
	got := e.cfg
	if got.roots == nil {
		t.Error("ca-file not read")
	}
	got.roots = nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("config %+v, want %+v", got, want)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
