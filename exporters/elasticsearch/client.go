package elasticsearch

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	es "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// errTooManyRequests is a bulk request that Elasticsearch refused with 429: it is
// overloaded, and the exporter backs off.
var errTooManyRequests = errors.New("elasticsearch is overloaded (429 Too Many Requests)")

// ndjson is the content type of a bulk request body.
const ndjson = "application/x-ndjson"

// client is the part of the Elasticsearch API the exporter uses.
type client struct {
	es        *es.Client
	transport *http.Transport
	timeout   time.Duration
}

func newClient(c config) (*client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.insecureSkipVerify, RootCAs: c.roots} //nolint:gosec // only when insecure-skip-verify=true
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConfig
	transport.MaxIdleConnsPerHost = 4
	ec, err := es.NewClient(es.Config{
		Addresses: c.urls,
		Username:  c.username,
		Password:  c.password,
		APIKey:    c.apiKey,
		Transport: transport,
		// The exporter retries whole bulks with its own back-off; the client only
		// moves to another node on a connection error or a 502, 503 or 504.
		MaxRetries: 2,
	})
	if err != nil {
		return nil, fmt.Errorf("elasticsearch client: %w", err)
	}
	return &client{es: ec, transport: transport, timeout: c.requestTimeout}, nil
}

func (c *client) close() {
	_ = c.es.Close(context.Background()) // no request is in flight: calls run on the exporter's goroutine
	c.transport.CloseIdleConnections()
}

// do runs req with the request timeout and returns the response body of a 2xx answer,
// or an error that carries Elasticsearch's error type and reason.
func (c *client) do(ctx context.Context, what string, req esapi.Request) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := req.Do(ctx, c.es)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: read response: %w", what, err)
	}
	if res.StatusCode == http.StatusTooManyRequests {
		return nil, fmt.Errorf("%s: %w: %s", what, errTooManyRequests, errorReason(body))
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, fmt.Errorf("%s: status %d: %s", what, res.StatusCode, errorReason(body))
	}
	return body, nil
}

// errorReason is "type: reason" of an Elasticsearch error body, or the start of the body.
func errorReason(body []byte) string {
	var e struct {
		Error esError `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Type != "" {
		return e.Error.Type + ": " + e.Error.Reason
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strconv.Quote(s)
}

// version returns the version number of the cluster behind the first reachable URL.
func (c *client) version(ctx context.Context) (string, error) {
	body, err := c.do(ctx, "get cluster info", esapi.InfoRequest{})
	if err != nil {
		return "", err
	}
	var info struct {
		Version struct {
			Number string `json:"number"`
		} `json:"version"`
	}
	if err := json.Unmarshal(body, &info); err != nil || info.Version.Number == "" {
		return "", fmt.Errorf("get cluster info: no version number in %s", errorReason(body))
	}
	return info.Version.Number, nil
}

func (c *client) putComponentTemplate(ctx context.Context, name string, body []byte) error {
	_, err := c.do(ctx, "put component template "+name,
		esapi.ClusterPutComponentTemplateRequest{Name: name, Body: bytes.NewReader(body)})
	return err
}

func (c *client) putIndexTemplate(ctx context.Context, name string, body []byte) error {
	_, err := c.do(ctx, "put index template "+name,
		esapi.IndicesPutIndexTemplateRequest{Name: name, Body: bytes.NewReader(body)})
	return err
}

// esError is the error of an Elasticsearch response or bulk item.
type esError struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// bulkItem is one item of a bulk response.
type bulkItem struct {
	Index  string   `json:"_index"`
	ID     string   `json:"_id"`
	Status int      `json:"status"`
	Error  *esError `json:"error"`
}

// itemError is a bulk request that Elasticsearch answered with at least one failed
// item: the first one, and how many failed.
type itemError struct {
	first  bulkItem
	failed int
}

func (e *itemError) Error() string {
	return fmt.Sprintf("bulk: %d items failed, first %s/%s: status %d: %s: %s",
		e.failed, e.first.Index, e.first.ID, e.first.Status, e.first.Error.Type, e.first.Error.Reason)
}

// bulk sends an NDJSON bulk body of count index actions, and fails unless every item
// succeeded.
func (c *client) bulk(ctx context.Context, body []byte, count int) error {
	resBody, err := c.do(ctx, "bulk", esapi.BulkRequest{
		Body:   bytes.NewReader(body),
		Header: http.Header{"Content-Type": []string{ndjson}},
	})
	if err != nil {
		return err
	}
	var res struct {
		Errors bool                  `json:"errors"`
		Items  []map[string]bulkItem `json:"items"`
	}
	if err := json.Unmarshal(resBody, &res); err != nil {
		return fmt.Errorf("bulk: response is not a bulk response: %s", errorReason(resBody))
	}
	if len(res.Items) != count {
		return fmt.Errorf("bulk: %d items in the response to %d actions", len(res.Items), count)
	}
	var ie *itemError
	for _, item := range res.Items {
		it, ok := item["index"]
		if !ok {
			return errors.New("bulk: response item is not an index result")
		}
		if it.Error == nil && it.Status >= 200 && it.Status <= 299 {
			continue
		}
		if it.Error == nil {
			it.Error = &esError{Type: "status", Reason: http.StatusText(it.Status)}
		}
		if ie == nil {
			ie = &itemError{first: it}
		}
		ie.failed++
	}
	if ie != nil {
		return ie
	}
	if res.Errors {
		return errors.New("bulk: response says errors but no item failed")
	}
	return nil
}
