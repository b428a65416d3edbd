package feel

import (
	"regexp"
	"strings"
	"unicode/utf16"
)

// String functions, as feel-scala 1.17 defines them. Positions and lengths
// count UTF-16 code units, like Java's String. Regular expressions use Go's
// RE2 syntax, not Java's: no backreferences or lookaround (such a pattern is
// invalid, so the result is null), and a replacement refers to groups as
// $1 or ${1} ("$1a" means the group named "1a"; write "${1}a").
var stringBuiltins = map[string][]builtin{
	"substring": {
		{params: []string{"string", "start position"}, invoke: func(args []Value) Value {
			s, ok := args[0].(String)
			start, ok2 := intArg(args[1])
			if !ok || !ok2 {
				return Null{}
			}
			u := utf16.Encode([]rune(string(s)))
			from := listSliceIndex(len(u), start)
			return substringUTF16(u, from, int64(len(u)))
		}},
		{params: []string{"string", "start position", "length"}, invoke: func(args []Value) Value {
			s, ok := args[0].(String)
			start, ok2 := intArg(args[1])
			length, ok3 := intArg(args[2])
			if !ok || !ok2 || !ok3 {
				return Null{}
			}
			u := utf16.Encode([]rune(string(s)))
			from := listSliceIndex(len(u), start)
			return substringUTF16(u, from, from+length)
		}},
	},
	"string length": {stringBuiltin(func(s string) Value {
		return IntNumber(int64(len(utf16.Encode([]rune(s)))))
	})},
	"upper case": {stringBuiltin(func(s string) Value { return String(strings.ToUpper(s)) })},
	"lower case": {stringBuiltin(func(s string) Value { return String(strings.ToLower(s)) })},
	"substring before": {stringMatchBuiltin(func(s, m string) Value {
		// As feel-scala: a match at the very start gives "" as no match does.
		if i := strings.Index(s, m); i > 0 {
			return String(s[:i])
		}
		return String("")
	})},
	"substring after": {stringMatchBuiltin(func(s, m string) Value {
		if i := strings.Index(s, m); i >= 0 {
			return String(s[i+len(m):])
		}
		return String("")
	})},
	"contains":    {stringMatchBuiltin(func(s, m string) Value { return Bool(strings.Contains(s, m)) })},
	"starts with": {stringMatchBuiltin(func(s, m string) Value { return Bool(strings.HasPrefix(s, m)) })},
	"ends with":   {stringMatchBuiltin(func(s, m string) Value { return Bool(strings.HasSuffix(s, m)) })},
	"matches": {
		{params: []string{"input", "pattern"}, invoke: func(args []Value) Value {
			return regexMatches(args[0], args[1], String(""))
		}},
		{params: []string{"input", "pattern", "flags"}, invoke: func(args []Value) Value {
			return regexMatches(args[0], args[1], args[2])
		}},
	},
	"replace": {
		{params: []string{"input", "pattern", "replacement"}, invoke: func(args []Value) Value {
			return regexReplace(args[0], args[1], args[2], String(""))
		}},
		{params: []string{"input", "pattern", "replacement", "flags"}, invoke: func(args []Value) Value {
			return regexReplace(args[0], args[1], args[2], args[3])
		}},
	},
	"split": {{params: []string{"string", "delimiter"}, invoke: func(args []Value) Value {
		s, ok := args[0].(String)
		d, ok2 := args[1].(String)
		if !ok || !ok2 {
			return Null{}
		}
		re, err := regexp.Compile(string(d))
		if err != nil {
			return Null{}
		}
		return splitJava(string(s), re)
	}}},
}

func stringBuiltin(f func(s string) Value) builtin {
	return builtin{params: []string{"string"}, invoke: func(args []Value) Value {
		s, ok := args[0].(String)
		if !ok {
			return Null{}
		}
		return f(string(s))
	}}
}

func stringMatchBuiltin(f func(s, m string) Value) builtin {
	return builtin{params: []string{"string", "match"}, invoke: func(args []Value) Value {
		s, ok := args[0].(String)
		m, ok2 := args[1].(String)
		if !ok || !ok2 {
			return Null{}
		}
		return f(string(s), string(m))
	}}
}

// substringUTF16 is Java's substring(from, until): out of range is null.
// A cut through a surrogate pair leaves U+FFFD, as encoding it to JSON would.
func substringUTF16(u []uint16, from, until int64) Value {
	if from < 0 || until > int64(len(u)) || from > until {
		return Null{}
	}
	return String(string(utf16.Decode(u[from:until])))
}

// compileFlags compiles pattern with FEEL's flags: s, m, i and x (x is not
// supported by Go, so a pattern using it is null).
func compileFlags(pattern, flags Value) *regexp.Regexp {
	p, ok := pattern.(String)
	f, ok2 := flags.(String)
	if !ok || !ok2 {
		return nil
	}
	prefix := ""
	for _, flag := range "smi" {
		if strings.ContainsRune(string(f), flag) {
			prefix += string(flag)
		}
	}
	if strings.ContainsRune(string(f), 'x') {
		return nil
	}
	src := string(p)
	if prefix != "" {
		src = "(?" + prefix + ")" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil
	}
	return re
}

func regexMatches(input, pattern, flags Value) Value {
	s, ok := input.(String)
	re := compileFlags(pattern, flags)
	if !ok || re == nil {
		return Null{}
	}
	return Bool(re.MatchString(string(s)))
}

func regexReplace(input, pattern, replacement, flags Value) Value {
	s, ok := input.(String)
	r, ok2 := replacement.(String)
	re := compileFlags(pattern, flags)
	if !ok || !ok2 || re == nil {
		return Null{}
	}
	return String(re.ReplaceAllString(string(s), string(r)))
}

// splitJava is Java's Pattern.split(s, -1): every piece, trailing empty ones
// included; a zero-width match at the start adds no leading empty piece.
func splitJava(s string, re *regexp.Regexp) Value {
	out := List{}
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if m[1] == 0 {
			continue // zero-width match at the start
		}
		out = append(out, String(s[last:m[0]]))
		last = m[1]
	}
	return append(out, String(s[last:]))
}
