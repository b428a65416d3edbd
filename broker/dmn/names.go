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
//
// Names are indexed by their first word, so quoting costs a map lookup per
// word of the source however many names the model has. A scope's own
// names sit in a set whose parent holds the model's.
type nameSet struct {
	parent *nameSet
	// byFirst holds the names by their first word, longest first.
	byFirst map[string][]string
	seen    map[string]bool
}

func newNameSet() *nameSet {
	return &nameSet{byFirst: map[string][]string{}, seen: map[string]bool{}}
}

// child returns an empty set that also matches the names of s.
func (s *nameSet) child() *nameSet {
	c := newNameSet()
	c.parent = s
	return c
}

// add records name when FEEL needs it quoted.
func (s *nameSet) add(name string) {
	name = strings.TrimSpace(name)
	if name == "" || s.seen[name] || !needsQuoting(name) || strings.ContainsAny(name, "`\"") {
		return
	}
	s.seen[name] = true
	w := firstWord(name)
	s.byFirst[w] = append(s.byFirst[w], name)
}

// seal orders the names so that the longest match wins.
func (s *nameSet) seal() {
	for _, names := range s.byFirst {
		sort.SliceStable(names, func(i, j int) bool {
			if len(names[i]) != len(names[j]) {
				return len(names[i]) > len(names[j])
			}
			return names[i] < names[j]
		})
	}
}

// firstWord returns the leading run of name characters of s.
func firstWord(s string) string {
	for i, r := range s {
		if !isNameRune(r) {
			return s[:i]
		}
	}
	return s
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
	if s == nil || s.empty() {
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

// empty reports whether s and its parents hold no names.
func (s *nameSet) empty() bool {
	for c := s; c != nil; c = c.parent {
		if len(c.seen) > 0 {
			return false
		}
	}
	return true
}

// match returns the length in text of the longest known name at its start,
// where a space in a name matches any run of white space.
func (s *nameSet) match(text string) (int, string) {
	w := firstWord(text)
	best, bestName := 0, ""
	for c := s; c != nil; c = c.parent {
		for _, key := range []string{w, ""} {
			if key == "" && w != "" && len(c.byFirst[""]) == 0 {
				continue
			}
			for _, name := range c.byFirst[key] {
				if len(name) <= best {
					break
				}
				if n := matchName(text, name); n > 0 {
					best, bestName = n, name
					break
				}
			}
		}
	}
	return best, bestName
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
