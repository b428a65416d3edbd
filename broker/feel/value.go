package feel

import (
	"strings"
)

// Kind names the type of a FEEL value. New kinds (dates, times, durations,
// ranges, functions) are added after the existing ones, so stored Kind values
// keep their meaning.
type Kind uint8

// The kinds of FEEL values.
const (
	KindNull Kind = iota
	KindBoolean
	KindNumber
	KindString
	KindList
	KindContext
	KindDate
	KindTime
	KindDateTime
	KindDaysTimeDuration
	KindYearsMonthsDuration
	KindRange
	KindFunction
)

var kindNames = [...]string{
	KindNull:                "null",
	KindBoolean:             "boolean",
	KindNumber:              "number",
	KindString:              "string",
	KindList:                "list",
	KindContext:             "context",
	KindDate:                "date",
	KindTime:                "time",
	KindDateTime:            "date and time",
	KindDaysTimeDuration:    "days and time duration",
	KindYearsMonthsDuration: "years and months duration",
	KindRange:               "range",
	KindFunction:            "function",
}

// String returns FEEL's name for the kind, as `instance of` uses it.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Value is a FEEL value. The implementations are the types of this package:
// Null, Bool, Number, String, List, *Context, Date, Time, DateTime,
// DaysTimeDuration, YearsMonthsDuration, Range and *Function. Values are immutable once
// built, and a Value held in a List or Context is never a nil interface.
// Inspect a Value with a type switch or Kind, not with ==: a List is a slice
// and does not compare.
type Value interface {
	// Kind tells the value's type.
	Kind() Kind
	// String renders the value in FEEL notation, the form the string()
	// function returns for non-string values.
	String() string
	isValue()
}

// Null is FEEL's null.
type Null struct{}

// Kind returns KindNull.
func (Null) Kind() Kind { return KindNull }

// String returns "null".
func (Null) String() string { return "null" }

func (Null) isValue() {}

// Bool is a FEEL boolean.
type Bool bool

// Kind returns KindBoolean.
func (Bool) Kind() Kind { return KindBoolean }

// String returns "true" or "false".
func (b Bool) String() string {
	if b {
		return "true"
	}
	return "false"
}

func (Bool) isValue() {}

// String is a FEEL string.
type String string

// Kind returns KindString.
func (String) Kind() Kind { return KindString }

// String returns the string as a quoted FEEL literal ("a\"b"), like the
// other values' String methods. Convert with string(s) for the text itself.
func (s String) String() string { return quoteFEEL(string(s)) }

func (String) isValue() {}

// List is a FEEL list. FEEL indexes lists from 1.
type List []Value

// Kind returns KindList.
func (List) Kind() Kind { return KindList }

// String renders the list as "[1, 2, 3]".
func (l List) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range l {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(display(v))
	}
	b.WriteByte(']')
	return b.String()
}

func (List) isValue() {}

// Entry is one key and value of a Context.
type Entry struct {
	Key   string
	Value Value
}

// Context is a FEEL context: string keys with values, like a JSON object. It
// keeps its keys in insertion order, which is the order its JSON lists them;
// nothing about it depends on Go's map order. A nil *Context is empty.
type Context struct {
	entries []Entry
	index   map[string]int
}

// NewContext builds a context from entries in order. A repeated key keeps its
// first position and takes its last value, as a JSON object does.
func NewContext(entries ...Entry) *Context {
	c := &Context{}
	for _, e := range entries {
		c.put(e.Key, e.Value)
	}
	return c
}

// put sets key to v. It is for building a context; a context handed out as a
// Value is never changed again.
func (c *Context) put(key string, v Value) {
	if v == nil {
		v = Null{}
	}
	if i, ok := c.index[key]; ok {
		c.entries[i].Value = v
		return
	}
	if c.index == nil {
		c.index = make(map[string]int)
	}
	c.index[key] = len(c.entries)
	c.entries = append(c.entries, Entry{Key: key, Value: v})
}

// Kind returns KindContext.
func (*Context) Kind() Kind { return KindContext }

// Len returns the number of entries.
func (c *Context) Len() int {
	if c == nil {
		return 0
	}
	return len(c.entries)
}

// Get returns the value of key.
func (c *Context) Get(key string) (Value, bool) {
	if c == nil {
		return nil, false
	}
	i, ok := c.index[key]
	if !ok {
		return nil, false
	}
	return c.entries[i].Value, true
}

// Keys returns the keys in insertion order.
func (c *Context) Keys() []string {
	keys := make([]string, c.Len())
	for i := range keys {
		keys[i] = c.entries[i].Key
	}
	return keys
}

// Entries returns a copy of the entries in insertion order.
func (c *Context) Entries() []Entry {
	if c == nil {
		return nil
	}
	return append([]Entry(nil), c.entries...)
}

// String renders the context as `{a:1, b:"x"}`.
func (c *Context) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < c.Len(); i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.entries[i].Key)
		b.WriteByte(':')
		b.WriteString(display(c.entries[i].Value))
	}
	b.WriteByte('}')
	return b.String()
}

func (*Context) isValue() {}

// IsTrue reports whether v is exactly the boolean true. A condition that is
// null or not a boolean is not true.
func IsTrue(v Value) bool {
	b, ok := v.(Bool)
	return ok && bool(b)
}

// display renders a possibly nil value.
func display(v Value) string {
	if v == nil {
		return "null"
	}
	return v.String()
}

// quoteFEEL writes s as a FEEL string literal, escaping what the parser
// unescapes.
func quoteFEEL(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
