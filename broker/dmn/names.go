package dmn

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameSet holds the names of a model that FEEL cannot read unquoted: names
// with spaces ("Applicant Age") or with characters FEEL reads as operators
// ("Pre-bureau risk"). DMN resolves such names against the names in scope;
// our FEEL parser does not know the scope, so before compiling, every
// occurrence of a known name outside string literals and comments is
// wrapped in backticks, which FEEL reads as one name.
type nameSet struct {
	names []string // longest first
	seen  map[string]bool
}

func newNameSet() *nameSet { return &nameSet{seen: map[string]bool{}} }

// clone returns a copy that can take more names.
func (s *nameSet) clone() *nameSet {
	c := &nameSet{names: append([]string(nil), s.names...), seen: make(map[string]bool, len(s.seen))}
	for k := range s.seen {
		c.seen[k] = true
	}
	return c
}

// add records name when FEEL needs it quoted.
func (s *nameSet) add(name string) {
	name = strings.TrimSpace(name)
	if name == "" || s.seen[name] || !needsQuoting(name) || strings.ContainsAny(name, "`\"") {
		return
	}
	s.seen[name] = true
	s.names = append(s.names, name)
}

// seal orders the names so that the longest match wins.
func (s *nameSet) seal() {
	sort.SliceStable(s.names, func(i, j int) bool {
		if len(s.names[i]) != len(s.names[j]) {
			return len(s.names[i]) > len(s.names[j])
		}
		return s.names[i] < s.names[j]
	})
}

// needsQuoting reports whether FEEL would read name as more than one token.
func needsQuoting(name string) bool {
	for i, r := range name {
		switch {
		case unicode.IsLetter(r) || r == '_' || r == '?':
		case unicode.IsDigit(r) && i > 0:
		default:
			return true
		}
	}
	return false
}

func isNameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '?'
}

// quote wraps the known names in src in backticks.
func (s *nameSet) quote(src string) string {
	if s == nil || len(s.names) == 0 {
		return src
	}
	var b strings.Builder
	changed := false
	prev := rune(-1)
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '"':
			end := skipString(src, i)
			b.WriteString(src[i:end])
			i = end
			prev = '"'
			continue
		case c == '`':
			end := strings.IndexByte(src[i+1:], '`')
			if end < 0 {
				b.WriteString(src[i:])
				i = len(src)
				continue
			}
			b.WriteString(src[i : i+end+2])
			i += end + 2
			prev = '`'
			continue
		case c == '/' && i+1 < len(src) && (src[i+1] == '/' || src[i+1] == '*'):
			end := skipComment(src, i)
			b.WriteString(src[i:end])
			i = end
			prev = ' '
			continue
		}
		if prev < 0 || !isNameRune(prev) {
			if n, name := s.match(src[i:]); n > 0 {
				next, _ := utf8.DecodeRuneInString(src[i+n:])
				if i+n == len(src) || !isNameRune(next) {
					b.WriteByte('`')
					b.WriteString(name)
					b.WriteByte('`')
					i += n
					prev = '`'
					changed = true
					continue
				}
			}
		}
		r, size := utf8.DecodeRuneInString(src[i:])
		b.WriteString(src[i : i+size])
		i += size
		prev = r
	}
	if !changed {
		return src
	}
	return b.String()
}

// match returns the length in s of the longest known name at its start,
// where a space in a name matches any run of white space.
func (s *nameSet) match(text string) (int, string) {
	for _, name := range s.names {
		if n := matchName(text, name); n > 0 {
			return n, name
		}
	}
	return 0, ""
}

func matchName(text, name string) int {
	i := 0
	for j := 0; j < len(name); j++ {
		if name[j] == ' ' {
			if i >= len(text) || !isSpace(text[i]) {
				return 0
			}
			for i < len(text) && isSpace(text[i]) {
				i++
			}
			for j+1 < len(name) && name[j+1] == ' ' {
				j++
			}
			continue
		}
		if i >= len(text) || text[i] != name[j] {
			return 0
		}
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipString returns the index after the string literal starting at i.
func skipString(src string, i int) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(src)
}

// skipComment returns the index after the comment starting at i.
func skipComment(src string, i int) int {
	if src[i+1] == '/' {
		if end := strings.IndexByte(src[i:], '\n'); end >= 0 {
			return i + end
		}
		return len(src)
	}
	if end := strings.Index(src[i+2:], "*/"); end >= 0 {
		return i + 2 + end + 2
	}
	return len(src)
}
