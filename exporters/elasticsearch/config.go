package elasticsearch

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
)

// Setting defaults. Bulk size, delay, prefix, shards, replicas and the request
// timeout are Zeebe 8.3's; the byte limit is lower than Zeebe's 10 MiB memory limit
// so that one bulk request stays well under Elasticsearch's default 100 MB
// http.max_content_length even with large variable documents.
const (
	defaultPrefix          = "zeebe-record"
	defaultBulkSize        = 1000
	defaultBulkBytes       = 5 * 1000 * 1000
	defaultBulkDelay       = 5 * time.Second
	defaultDatePattern     = "2006-01-02"
	defaultShards          = 3
	defaultReplicas        = 0
	defaultRequestTimeout  = 30 * time.Second
	indexNameReservedChars = `\/*?"<>| ,#:`
)

// config is the exporter's settings, validated.
type config struct {
	urls               []string
	prefix             string
	bulkSize           int
	bulkBytes          int
	bulkDelay          time.Duration
	username           string
	password           string
	apiKey             string
	roots              *x509.CertPool
	insecureSkipVerify bool
	datePattern        string
	shards             int
	replicas           int
	requestTimeout     time.Duration
}

// readConfig reads every setting the exporter knows and records each problem on s,
// by key. It opens no connection; it reads the ca-file so that a missing or bad file
// stops start-up.
func readConfig(s *exportersdk.Settings) config {
	c := config{
		urls:               s.List("url", nil),
		prefix:             s.String("prefix", defaultPrefix),
		bulkSize:           s.Int("bulk-size", defaultBulkSize),
		bulkDelay:          s.Duration("bulk-delay", defaultBulkDelay),
		username:           s.String("username", ""),
		password:           s.String("password", ""),
		apiKey:             s.String("api-key", ""),
		insecureSkipVerify: s.Bool("insecure-skip-verify", false),
		datePattern:        s.String("index-suffix-date-pattern", defaultDatePattern),
		shards:             s.Int("number-of-shards", defaultShards),
		replicas:           s.Int("number-of-replicas", defaultReplicas),
		requestTimeout:     s.Duration("request-timeout", defaultRequestTimeout),
	}
	bulkBytes := s.Bytes("bulk-bytes", defaultBulkBytes)

	if !s.Has("url") {
		s.Fail("url", errors.New("is required (like http://localhost:9200, or several separated by commas)"))
	} else if len(c.urls) == 0 {
		s.Fail("url", errors.New("is empty"))
	}
	for _, u := range c.urls {
		if err := checkURL(u); err != nil {
			s.Fail("url", err)
		}
	}
	if err := checkPrefix(c.prefix); err != nil {
		s.Fail("prefix", err)
	}
	if c.bulkSize < 1 {
		s.Fail("bulk-size", fmt.Errorf("%d: must be at least 1", c.bulkSize))
	}
	switch {
	case bulkBytes < 1:
		s.Fail("bulk-bytes", fmt.Errorf("%d: must be at least 1 byte", bulkBytes))
	case bulkBytes > 1<<30:
		s.Fail("bulk-bytes", fmt.Errorf("%d: must be at most 1GiB", bulkBytes))
	default:
		c.bulkBytes = int(bulkBytes)
	}
	if s.Has("bulk-delay") && c.bulkDelay <= 0 {
		s.Fail("bulk-delay", errors.New("must be more than zero"))
	}
	if c.username != "" && c.password == "" {
		s.Fail("password", errors.New("is required with username"))
	}
	if c.password != "" && c.username == "" {
		s.Fail("username", errors.New("is required with password"))
	}
	if c.apiKey != "" && c.username != "" {
		s.Fail("api-key", errors.New("set either api-key or username and password, not both"))
	}
	c.roots = s.CertPool("ca-file")
	if err := checkDatePattern(c.datePattern); err != nil {
		s.Fail("index-suffix-date-pattern", err)
	}
	if c.shards < 1 {
		s.Fail("number-of-shards", fmt.Errorf("%d: must be at least 1", c.shards))
	}
	if c.replicas < 0 {
		s.Fail("number-of-replicas", fmt.Errorf("%d: must not be negative", c.replicas))
	}
	if s.Has("request-timeout") && c.requestTimeout <= 0 {
		s.Fail("request-timeout", errors.New("must be more than zero"))
	}
	return c
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http or https URL (like http://localhost:9200)", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q: put credentials in username and password, not in the URL", raw)
	}
	return nil
}

// checkPrefix applies Elasticsearch's rules for index names to the prefix that starts
// every index, template and alias name.
func checkPrefix(p string) error {
	switch {
	case p == "":
		return errors.New("is empty")
	case p != strings.ToLower(p):
		return fmt.Errorf("%q: must be lower case (Elasticsearch index names are)", p)
	case strings.ContainsAny(p, indexNameReservedChars):
		return fmt.Errorf("%q: must not contain any of %q", p, indexNameReservedChars)
	case strings.ContainsAny(p[:1], "-_+"):
		return fmt.Errorf("%q: must not start with '-', '_' or '+'", p)
	case len(p) > 100:
		return fmt.Errorf("%q: must be at most 100 bytes", p)
	}
	return nil
}

// checkDatePattern checks that the Go time layout formats to a usable index name
// part, for a day with two-digit numbers and one with single-digit numbers.
func checkDatePattern(layout string) error {
	if layout == "" {
		return errors.New("is empty (a Go time layout like 2006-01-02)")
	}
	for _, t := range []time.Time{
		time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
	} {
		s := t.Format(layout)
		if s == layout {
			return fmt.Errorf("%q is not a Go time layout (like 2006-01-02)", layout)
		}
		if strings.ContainsAny(s, indexNameReservedChars) {
			return fmt.Errorf("%q formats to %q, and index names must not contain any of %q", layout, s, indexNameReservedChars)
		}
	}
	return nil
}
