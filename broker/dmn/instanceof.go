package dmn

import (
	"strings"
)

// `instance of` with the model's types.
//
// FEEL knows its own types (number, list<string>, context<a: number>...);
// DMN adds the model's item definitions, which an `x instance of tLoan`
// names. Before compiling, each item definition named in the type after
// `instance of` is replaced by the FEEL type it stands for (tLoan becomes
// context<amount: number, rate: number>). Allowed values are not part of
// the type, as the DMN TCK has it: 256 is an instance of a number type
// restricted to [0..255].

// multiWordTypes are FEEL type names with spaces, which the type after
// `instance of` may continue with.
var multiWordTypes = []string{"date and time", "days and time duration", "years and months duration"}

// resolveInstanceOf rewrites the model's type names in the types after
// `instance of` in src.
func (b *builder) resolveInstanceOf(src string) string {
	if !strings.Contains(src, "instance") || len(b.itemDefs) == 0 {
		return src
	}
	var out strings.Builder
	i := 0
	for i < len(src) {
		c := src[i]
		if c == '"' {
			end := skipString(src, i)
			out.WriteString(src[i:end])
			i = end
			continue
		}
		if strings.HasPrefix(src[i:], "instance") && (i == 0 || !isWordByte(src[i-1])) {
			j := i + len("instance")
			k := skipSpaces(src, j)
			if k > j && strings.HasPrefix(src[k:], "of") && k+2 < len(src) && !isWordByte(src[k+2]) {
				start := skipSpaces(src, k+2)
				end := typeEnd(src, start)
				out.WriteString(src[i:start])
				out.WriteString(b.rewriteTypeNames(src[start:end]))
				i = end
				continue
			}
		}
		out.WriteByte(c)
		i++
	}
	return out.String()
}

func isWordByte(c byte) bool {
	return c == '_' || c == '?' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func skipSpaces(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// typeEnd returns the end of the type starting at i: names (with the
// multi-word FEEL types), backticked names, and parameters in <...> with
// their keys, commas and arrows.
func typeEnd(src string, i int) int {
	depth := 0
	j := i
	for j < len(src) {
		c := src[j]
		switch {
		case c == '`':
			end := strings.IndexByte(src[j+1:], '`')
			if end < 0 {
				return len(src)
			}
			j += end + 2
		case isWordByte(c) || c == '.':
			j++
		case c == '<':
			depth++
			j++
		case c == '-' && j+1 < len(src) && src[j+1] == '>':
			j += 2
		case c == '>':
			if depth == 0 {
				return j
			}
			depth--
			j++
		case depth > 0 && (c == ',' || c == ':' || isSpace(c)):
			j++
		case isSpace(c):
			// Outside parameters a space ends the type, unless '<' or '->'
			// follows or the next word continues a multi-word FEEL type.
			k := skipSpaces(src, j)
			if k < len(src) && (src[k] == '<' || strings.HasPrefix(src[k:], "->")) {
				j = k
				continue
			}
			next := k
			for next < len(src) && isWordByte(src[next]) {
				next++
			}
			if next == k || !continuesMultiWordType(normalizeSpaces(src[i:j])+" "+src[k:next]) {
				return j
			}
			j = k
		default:
			return j
		}
	}
	return j
}

// continuesMultiWordType reports whether words begin a multi-word FEEL type.
func continuesMultiWordType(words string) bool {
	for _, m := range multiWordTypes {
		if strings.HasPrefix(m, words) && (len(m) == len(words) || m[len(words)] == ' ') {
			return true
		}
	}
	return false
}

func normalizeSpaces(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// rewriteTypeNames replaces the item definition names in a type. A name
// followed by ':' is a context key, not a type.
func (b *builder) rewriteTypeNames(typ string) string {
	var out strings.Builder
	i := 0
	for i < len(typ) {
		c := typ[i]
		var name string
		var end int
		switch {
		case c == '`':
			e := strings.IndexByte(typ[i+1:], '`')
			if e < 0 {
				out.WriteString(typ[i:])
				return out.String()
			}
			name, end = typ[i+1:i+1+e], i+e+2
		case isWordByte(c):
			end = i
			for end < len(typ) && (isWordByte(typ[end]) || typ[end] == '.') {
				end++
			}
			name = typ[i:end]
		default:
			out.WriteByte(c)
			i++
			continue
		}
		k := skipSpaces(typ, end)
		item, ok := b.itemDefs[name]
		if ok && (k >= len(typ) || typ[k] != ':') {
			out.WriteString(feelTypeOf(b.itemType(item, true), 0))
		} else {
			out.WriteString(typ[i:end])
		}
		i = end
	}
	return out.String()
}

// feelTypeOf writes a resolved type in FEEL's type syntax.
func feelTypeOf(t *typeInfo, depth int) string {
	if t == nil || depth > 16 {
		return "Any"
	}
	switch {
	case t.collection:
		return "list<" + feelTypeOf(t.elem, depth+1) + ">"
	case len(t.components) > 0:
		parts := make([]string, len(t.components))
		for i, c := range t.components {
			parts[i] = feelName(c.name) + ": " + feelTypeOf(c.typ, depth+1)
		}
		return "context<" + strings.Join(parts, ", ") + ">"
	case t.function:
		return "function"
	case t.kind == "":
		return "Any"
	}
	return t.kind
}
