package elasticsearch

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeES is an in-test HTTP server that implements the part of the Elasticsearch API
// the exporter uses (GET /, PUT /_component_template/{name}, PUT
// /_index_template/{name}, POST /_bulk) and checks the requests strictly: a request
// it does not expect, or a bulk body that breaks the protocol, fails the test. It
// stores documents by index and id as Elasticsearch does, and can be told to fail.
type fakeES struct {
	t   testing.TB
	srv *httptest.Server
	// auth is the Authorization header every request must carry, if not empty.
	auth string
	// discard drops documents after checking them (for benchmarks).
	discard bool
	// noProductHeader leaves out X-Elastic-Product, as a server that is not
	// Elasticsearch would.
	noProductHeader bool
	// version is the version number GET / answers, 8.9.0 if empty.
	version string

	mu         sync.Mutex
	docs       map[string]map[string]*storedDoc // index -> id -> document
	components map[string]json.RawMessage
	templates  map[string][]string // index template -> index patterns
	bulks      []bulkCall
	once       []fault       // failures for the next bulk requests, one each
	always     *fault        // failure for every bulk request while set
	failPut    int           // status for template requests, 0 for success
	received   chan struct{} // a signal for each bulk request received, while there is room
	gate       chan struct{} // when set, a bulk request waits for it before answering
	problems   []string
}

// storedDoc is a document as indexed.
type storedDoc struct {
	routing string
	source  []byte
	version int
}

// bulkCall is a bulk request as received: its document ids in order, its body size,
// the size of each item (action and source lines), and the status it was answered.
type bulkCall struct {
	ids    []string
	bytes  int
	items  []int
	status int
}

// fault is a failure of a bulk request: status for the whole request (429, 500), or
// itemAt >= 0 for a failed item (a mapping error) while the others are indexed.
type fault struct {
	status int
	itemAt int
}

func newFakeES(t testing.TB) *fakeES {
	f := &fakeES{t: t, docs: map[string]map[string]*storedDoc{}, components: map[string]json.RawMessage{},
		templates: map[string][]string{}, received: make(chan struct{}, 1000)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.close)
	return f
}

func newFakeTLSES(t testing.TB) *fakeES {
	f := &fakeES{t: t, docs: map[string]map[string]*storedDoc{}, components: map[string]json.RawMessage{},
		templates: map[string][]string{}, received: make(chan struct{}, 1000)}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	// Handshakes that the tests make fail on purpose are not worth a log line.
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.StartTLS()
	t.Cleanup(f.close)
	return f
}

func (f *fakeES) close() {
	f.srv.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.problems {
		f.t.Errorf("elasticsearch server: %s", p)
	}
}

// caFile writes the TLS server's certificate as a PEM file and returns its path.
func (f *fakeES) caFile(t testing.TB) string {
	path := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// settings are the exporter settings pointing at the server, with extra ones.
func (f *fakeES) settings(extra map[string]string) map[string]string {
	s := map[string]string{"url": f.srv.URL}
	for k, v := range extra {
		s[k] = v
	}
	return s
}

func (f *fakeES) problem(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

func (f *fakeES) reply(w http.ResponseWriter, status int, body any) {
	if !f.noProductHeader {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func esErrorBody(status int, typ, reason string) map[string]any {
	return map[string]any{"error": map[string]any{"type": typ, "reason": reason}, "status": status}
}

func (f *fakeES) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.problem("%s %s: read body: %v", r.Method, r.URL, err)
		return
	}
	if f.auth != "" && !sameAuth(r.Header.Get("Authorization"), f.auth) {
		f.reply(w, http.StatusUnauthorized, esErrorBody(401, "security_exception", "missing authentication credentials"))
		return
	}
	path := r.URL.Path
	switch {
	case r.Method == http.MethodGet && path == "/":
		version := f.version
		if version == "" {
			version = "8.9.0"
		}
		f.reply(w, http.StatusOK, map[string]any{"name": "node-1", "cluster_name": "test",
			"version": map[string]any{"number": version}, "tagline": "You Know, for Search"})
	case r.Method == http.MethodPut && strings.HasPrefix(path, "/_component_template/"):
		f.putComponent(w, strings.TrimPrefix(path, "/_component_template/"), body)
	case r.Method == http.MethodPut && strings.HasPrefix(path, "/_index_template/"):
		f.putIndexTemplate(w, strings.TrimPrefix(path, "/_index_template/"), body)
	case r.Method == http.MethodPost && path == "/_bulk":
		f.bulk(w, r, body)
	default:
		f.problem("unexpected request %s %s", r.Method, r.URL)
		f.reply(w, http.StatusNotFound, esErrorBody(404, "not_found", "no handler"))
	}
}

// sameAuth compares Authorization headers as servers do: the scheme ignoring case
// (RFC 9110: "ApiKey" and "APIKey" are the same), the credentials exactly.
func sameAuth(got, want string) bool {
	gs, gc, _ := strings.Cut(got, " ")
	ws, wc, _ := strings.Cut(want, " ")
	return strings.EqualFold(gs, ws) && gc == wc
}

func (f *fakeES) putComponent(w http.ResponseWriter, name string, body []byte) {
	var t struct {
		Template struct {
			Settings map[string]any `json:"settings"`
			Mappings struct {
				Properties map[string]struct {
					Type   string `json:"type"`
					Format string `json:"format"`
				} `json:"properties"`
			} `json:"mappings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(body, &t); err != nil {
		f.problem("component template %s: %v", name, err)
		f.reply(w, 400, esErrorBody(400, "parse_exception", err.Error()))
		return
	}
	ts := t.Template.Mappings.Properties["timestamp"]
	if ts.Type != "date" || ts.Format != "epoch_millis" || t.Template.Mappings.Properties["key"].Type != "long" ||
		t.Template.Mappings.Properties["position"].Type != "long" || t.Template.Mappings.Properties["intent"].Type != "keyword" {
		f.problem("component template %s: record mapping is wrong: %s", name, body)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failPut != 0 {
		f.reply(w, f.failPut, esErrorBody(f.failPut, "cluster_block_exception", "injected"))
		return
	}
	f.components[name] = body
	f.reply(w, 200, map[string]any{"acknowledged": true})
}

func (f *fakeES) putIndexTemplate(w http.ResponseWriter, name string, body []byte) {
	var t struct {
		IndexPatterns []string `json:"index_patterns"`
		ComposedOf    []string `json:"composed_of"`
		Priority      int      `json:"priority"`
	}
	if err := json.Unmarshal(body, &t); err != nil || len(t.IndexPatterns) == 0 {
		f.problem("index template %s: no index patterns: %s", name, body)
		f.reply(w, 400, esErrorBody(400, "parse_exception", "index_patterns"))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failPut != 0 {
		f.reply(w, f.failPut, esErrorBody(f.failPut, "cluster_block_exception", "injected"))
		return
	}
	for _, c := range t.ComposedOf {
		if _, ok := f.components[c]; !ok {
			f.reply(w, 400, esErrorBody(400, "invalid_index_template_exception", "component template "+c+" not found"))
			return
		}
	}
	f.templates[name] = t.IndexPatterns
	f.reply(w, 200, map[string]any{"acknowledged": true})
}

// bulkAction is one parsed action line and its source.
type bulkAction struct {
	index, id, routing string
	source             []byte
	size               int
}

func (f *fakeES) bulk(w http.ResponseWriter, r *http.Request, body []byte) {
	if ct := r.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		f.problem("bulk: Content-Type %q, want application/x-ndjson", ct)
	}
	if len(r.URL.RawQuery) > 0 {
		f.problem("bulk: unexpected query %q", r.URL.RawQuery)
	}
	actions, err := parseBulk(body)
	if err != nil {
		f.problem("bulk: %v", err)
		f.reply(w, 400, esErrorBody(400, "illegal_argument_exception", err.Error()))
		return
	}
	f.mu.Lock()
	for _, a := range actions {
		if !f.templateFor(a.index) {
			f.problem("bulk: document %s into index %s, which no index template matches", a.id, a.index)
		}
	}
	call := bulkCall{bytes: len(body), status: 200}
	for _, a := range actions {
		call.ids = append(call.ids, a.id)
		call.items = append(call.items, a.size)
	}
	var ft *fault
	if len(f.once) > 0 {
		first := f.once[0]
		ft, f.once = &first, f.once[1:]
	} else if f.always != nil {
		ft = f.always
	}
	if ft != nil && ft.status != 0 {
		call.status = ft.status
	}
	f.bulks = append(f.bulks, call)
	gate := f.gate
	f.mu.Unlock()
	select {
	case f.received <- struct{}{}:
	default:
	}
	if gate != nil {
		<-gate
	}
	if ft != nil && ft.status != 0 {
		typ := "es_rejected_execution_exception"
		if ft.status != http.StatusTooManyRequests {
			typ = "internal_server_error"
		}
		f.reply(w, ft.status, esErrorBody(ft.status, typ, "injected"))
		return
	}
	items := make([]any, len(actions))
	failed := false
	f.mu.Lock()
	for i, a := range actions {
		if ft != nil && ft.itemAt == i {
			failed = true
			items[i] = map[string]any{"index": map[string]any{"_index": a.index, "_id": a.id, "status": 400,
				"error": map[string]any{"type": "document_parsing_exception", "reason": "injected item failure"}}}
			continue
		}
		items[i] = map[string]any{"index": f.store(a)}
	}
	f.mu.Unlock()
	f.reply(w, 200, map[string]any{"took": 1, "errors": failed, "items": items})
}

// store indexes a document (f.mu held) and returns its item result.
func (f *fakeES) store(a bulkAction) map[string]any {
	result, status, version := "created", 201, 1
	if !f.discard {
		idx := f.docs[a.index]
		if idx == nil {
			idx = map[string]*storedDoc{}
			f.docs[a.index] = idx
		}
		if d := idx[a.id]; d != nil {
			if d.routing != a.routing {
				f.problems = append(f.problems, fmt.Sprintf("document %s/%s routed by %s, before by %s", a.index, a.id, a.routing, d.routing))
			}
			result, status, version = "updated", 200, d.version+1
		}
		idx[a.id] = &storedDoc{routing: a.routing, source: a.source, version: version}
	}
	return map[string]any{"_index": a.index, "_id": a.id, "_version": version, "result": result, "status": status}
}

func (f *fakeES) templateFor(index string) bool {
	for _, patterns := range f.templates {
		for _, p := range patterns {
			if strings.HasSuffix(p, "*") && strings.HasPrefix(index, strings.TrimSuffix(p, "*")) {
				return true
			}
		}
	}
	return false
}

// parseBulk reads an NDJSON bulk body of index actions strictly: pairs of an action
// line {"index":{"_index":...,"_id":...,"routing":...}} and a JSON object source
// line, each line ending with a newline; the id must be "{partitionId}-{position}"
// of the source and the routing its partition id.
func parseBulk(body []byte) ([]bulkAction, error) {
	if len(body) == 0 || body[len(body)-1] != '\n' {
		return nil, fmt.Errorf("body does not end with a newline")
	}
	lines := bytes.Split(body[:len(body)-1], []byte("\n"))
	if len(lines)%2 != 0 {
		return nil, fmt.Errorf("%d lines, want pairs of action and source", len(lines))
	}
	var out []bulkAction
	for i := 0; i < len(lines); i += 2 {
		var action map[string]map[string]json.RawMessage
		if err := json.Unmarshal(lines[i], &action); err != nil {
			return nil, fmt.Errorf("line %d: action: %v", i+1, err)
		}
		meta, ok := action["index"]
		if len(action) != 1 || !ok {
			return nil, fmt.Errorf("line %d: want one index action, got %s", i+1, lines[i])
		}
		fields := map[string]string{}
		for k, raw := range meta {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil || s == "" {
				return nil, fmt.Errorf("line %d: %s is not a non-empty string", i+1, k)
			}
			fields[k] = s
		}
		keys := slices.Sorted(maps.Keys(fields))
		if !slices.Equal(keys, []string{"_id", "_index", "routing"}) {
			return nil, fmt.Errorf("line %d: action fields %v, want _id, _index, routing", i+1, keys)
		}
		if idx := fields["_index"]; idx != strings.ToLower(idx) || strings.ContainsAny(idx, `\/*?"<>| ,#:`) {
			return nil, fmt.Errorf("line %d: invalid index name %q", i+1, idx)
		}
		src := lines[i+1]
		var rec struct {
			PartitionID *int32 `json:"partitionId"`
			Position    *int64 `json:"position"`
		}
		if !json.Valid(src) || json.Unmarshal(src, &rec) != nil || rec.PartitionID == nil || rec.Position == nil {
			return nil, fmt.Errorf("line %d: source is not a record: %.100s", i+2, src)
		}
		part := strconv.Itoa(int(*rec.PartitionID))
		if want := part + "-" + strconv.FormatInt(*rec.Position, 10); fields["_id"] != want {
			return nil, fmt.Errorf("line %d: _id %q, want %q", i+1, fields["_id"], want)
		}
		if fields["routing"] != part {
			return nil, fmt.Errorf("line %d: routing %q, want %q", i+1, fields["routing"], part)
		}
		out = append(out, bulkAction{index: fields["_index"], id: fields["_id"], routing: fields["routing"],
			source: bytes.Clone(src), size: len(lines[i]) + len(src) + 2})
	}
	return out, nil
}

// calls returns the bulk requests received so far.
func (f *fakeES) calls() []bulkCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.bulks)
}

// doc returns the document with id in index, or nil.
func (f *fakeES) doc(index, id string) *storedDoc {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.docs[index][id]
}

// docCount is the number of documents stored.
func (f *fakeES) docCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, idx := range f.docs {
		n += len(idx)
	}
	return n
}

// templatePatterns returns the index patterns of an index template.
func (f *fakeES) templatePatterns(name string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.templates[name]
}

func (f *fakeES) setAlways(ft *fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.always = ft
}

func (f *fakeES) failNext(fs ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.once = append(f.once, fs...)
}
