package feel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/weftlabs/weft/internal/jsontext"
)

// maxJSONDepth bounds the nesting of arrays and objects that FromJSON reads.
const maxJSONDepth = 1000

// FromJSON reads one JSON value. Numbers enter as exact decimals with all
// their digits (2251799813685249 stays 2251799813685249); objects become
// contexts that keep their keys in document order. A repeated key keeps its
// first position and takes its last value.
func FromJSON(raw []byte) (Value, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := readJSONValue(dec, 0)
	if err != nil {
		return nil, fmt.Errorf("read JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("read JSON: data after the value")
	}
	return v, nil
}

func readJSONValue(dec *json.Decoder, depth int) (Value, error) {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return readJSONToken(dec, tok, depth)
}

func readJSONToken(dec *json.Decoder, tok json.Token, depth int) (Value, error) {
	switch t := tok.(type) {
	case nil:
		return Null{}, nil
	case bool:
		return Bool(t), nil
	case string:
		return String(t), nil
	case json.Number:
		n, err := ParseNumber(string(t))
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", t, err)
		}
		return n, nil
	case json.Delim:
		if depth >= maxJSONDepth {
			return nil, errors.New("nested too deeply")
		}
		switch t {
		case '[':
			list := List{}
			for dec.More() {
				v, err := readJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return list, nil
		case '{':
			ctx := &Context{}
			for dec.More() {
				keyTok, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := keyTok.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				v, err := readJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				ctx.put(key, v)
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			return ctx, nil
		}
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// ToJSON writes v as compact JSON. A whole number is written as a JSON integer
// ("3", never "3.0"), any other number as its nearest float64; a context lists
// its keys in its own insertion order. The output depends only on v, byte for
// byte. Values JSON cannot hold (none yet; later ranges and functions) are
// written as null, as Zeebe does.
func ToJSON(v Value) ([]byte, error) {
	return appendJSON(nil, v), nil
}

func appendJSON(b []byte, v Value) []byte {
	switch t := v.(type) {
	case nil, Null:
		return append(b, "null"...)
	case Bool:
		if t {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case Number:
		return t.appendJSON(b)
	case String:
		return appendJSONString(b, string(t))
	case List:
		b = append(b, '[')
		for i, item := range t {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, item)
		}
		return append(b, ']')
	case *Context:
		b = append(b, '{')
		for i := 0; i < t.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, t.entries[i].Key)
			b = append(b, ':')
			b = appendJSON(b, t.entries[i].Value)
		}
		return append(b, '}')
	default:
		if out, ok := appendTemporalJSON(b, v); ok {
			return out
		}
		return append(b, "null"...)
	}
}

// appendJSONString quotes s. Invalid UTF-8 becomes U+FFFD; <, > and & are
// left as they are (the output is data, not HTML).
func appendJSONString(b []byte, s string) []byte { return jsontext.AppendString(b, s) }
