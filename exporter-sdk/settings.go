package exportersdk

import (
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Settings are an exporter's key=value settings. The getters note which keys were
// read and remember the first problem with each; after Configure the broker refuses
// settings that no getter read (a misspelt key) and reports every problem by key, so
// an exporter needs no error handling of its own for plain values.
type Settings struct {
	values map[string]string
	read   map[string]bool
	errs   []error
}

// NewSettings returns settings holding values (copied).
func NewSettings(values map[string]string) *Settings {
	return &Settings{values: maps.Clone(values), read: map[string]bool{}}
}

// ParseSettings reads "key=value,key=value". A comma splits settings only where a key
// and '=' follow it, so a value may hold commas: "brokers=a:9092,b:9092,topic=t" is two
// settings.
func ParseSettings(s string) (*Settings, error) {
	values := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return NewSettings(values), nil
	}
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && startsSetting(s[i+1:]) {
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	parts = append(parts, s[start:])
	for _, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if !ok || !validKey(k) {
			return nil, fmt.Errorf("setting %q: want key=value", p)
		}
		if _, dup := values[k]; dup {
			return nil, fmt.Errorf("setting %q given twice", k)
		}
		values[k] = v
	}
	return NewSettings(values), nil
}

func startsSetting(s string) bool {
	k, _, ok := strings.Cut(s, "=")
	return ok && validKey(k)
}

func validKey(k string) bool {
	if k == "" || !(k[0] >= 'a' && k[0] <= 'z' || k[0] >= 'A' && k[0] <= 'Z') {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Has reports whether key is set.
func (s *Settings) Has(key string) bool {
	_, ok := s.values[key]
	return ok
}

// Keys returns the keys set, sorted.
func (s *Settings) Keys() []string { return slices.Sorted(maps.Keys(s.values)) }

// Raw returns a copy of every setting.
func (s *Settings) Raw() map[string]string { return maps.Clone(s.values) }

func (s *Settings) get(key string) (string, bool) {
	s.read[key] = true
	v, ok := s.values[key]
	return v, ok
}

// Fail records a problem with a setting; Err reports it.
func (s *Settings) Fail(key string, err error) {
	s.errs = append(s.errs, fmt.Errorf("setting %s: %w", key, err))
}

// String returns the setting, or def when it is not set.
func (s *Settings) String(key, def string) string {
	if v, ok := s.get(key); ok {
		return v
	}
	return def
}

// Required returns the setting, and records a problem when it is missing or empty.
func (s *Settings) Required(key string) string {
	v, ok := s.get(key)
	if !ok || v == "" {
		s.Fail(key, errors.New("is required"))
	}
	return v
}

// List returns a comma-separated setting as its trimmed, non-empty parts.
func (s *Settings) List(key string, def []string) []string {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Int returns an integer setting, or def.
func (s *Settings) Int(key string, def int) int {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		s.Fail(key, fmt.Errorf("%q is not an integer", v))
		return def
	}
	return n
}

// Bytes returns a size setting: a number of bytes with an optional unit (KB, MB, GB,
// KiB, MiB, GiB), or def.
func (s *Settings) Bytes(key string, def int64) int64 {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	n, err := parseBytes(v)
	if err != nil {
		s.Fail(key, err)
		return def
	}
	return n
}

func parseBytes(v string) (int64, error) {
	t := strings.TrimSpace(v)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			mult, t = u.mult, strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size (bytes, or with KB, MB, GB, KiB, MiB, GiB)", v)
	}
	return n * mult, nil
}

// Duration returns a duration setting ("5s", "250ms"), or def.
func (s *Settings) Duration(key string, def time.Duration) time.Duration {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d < 0 {
		s.Fail(key, fmt.Errorf("%q is not a duration (like 5s or 250ms)", v))
		return def
	}
	return d
}

// Bool returns a boolean setting (true, false, 1, 0), or def.
func (s *Settings) Bool(key string, def bool) bool {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		s.Fail(key, fmt.Errorf("%q is not true or false", v))
		return def
	}
	return b
}

// CertPool reads the PEM certificates of the file a setting names (a ca-file), for
// TLS. It returns nil when the setting is not set, and records a problem when the file
// cannot be read or holds no certificate.
func (s *Settings) CertPool(key string) *x509.CertPool {
	path, ok := s.get(key)
	if !ok || path == "" {
		return nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		s.Fail(key, err)
		return nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		s.Fail(key, fmt.Errorf("%s holds no PEM certificate", path))
		return nil
	}
	return pool
}

// Err reports every problem recorded so far and every setting that no getter read,
// or nil.
func (s *Settings) Err() error {
	errs := slices.Clone(s.errs)
	for _, k := range s.Keys() {
		if !s.read[k] {
			errs = append(errs, fmt.Errorf("unknown setting %q", k))
		}
	}
	return errors.Join(errs...)
}
