package gateway

import (
	"encoding/json"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Validation happens in the gateway, before a request reaches a broker, so that a bad
// request costs no Raft round trip. Each message names the field and the value it got.

// maxJobsToActivateLimit bounds maxJobsToActivate. Zeebe has no bound; Weft refuses larger
// values because no worker can take that many jobs at once, and each partition would
// otherwise be asked for all of its jobs of the type in one batch.
const maxJobsToActivateLimit = 100_000

// maxQuotedValue bounds how much of a bad value an error message repeats.
const maxQuotedValue = 100

func invalidArgument(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, format, args...)
}

// variablesDocument checks a request's variables and returns them as the bytes of a
// command's value. An empty (or all-blank) string means no variables and gives nil;
// anything else must be one JSON object.
func variablesDocument(action, field, doc string) ([]byte, error) {
	trimmed := strings.TrimSpace(doc)
	if trimmed == "" {
		return nil, nil
	}
	if !json.Valid([]byte(trimmed)) {
		return nil, invalidArgument("Expected to %s with %s that are a JSON object, but got invalid JSON '%s'",
			action, field, quoted(doc))
	}
	if trimmed[0] != '{' {
		return nil, invalidArgument("Expected to %s with %s that are a JSON object, but got a JSON %s '%s'",
			action, field, jsonKind(trimmed[0]), quoted(doc))
	}
	return []byte(trimmed), nil
}

// jsonKind names the kind of a valid JSON document from its first byte.
func jsonKind(first byte) string {
	switch first {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// quoted shortens s for an error message, on a rune boundary.
func quoted(s string) string {
	if len(s) <= maxQuotedValue {
		return s
	}
	cut := maxQuotedValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// millis converts a request's milliseconds to a duration, saturating instead of wrapping
// around for values too large to represent (a wrapped negative duration would expire at
// once).
func millis(ms int64) time.Duration {
	if ms > int64(math.MaxInt64/time.Millisecond) {
		return math.MaxInt64
	}
	return time.Duration(ms) * time.Millisecond
}

// isBlank reports whether s is empty or only white space.
func isBlank(s string) bool { return strings.TrimSpace(s) == "" }
