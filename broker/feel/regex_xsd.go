package feel

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Regular expressions under the DMN dialect follow XML Schema with XPath's
// additions (anchors, reluctant quantifiers, flags s, m, i, x, q), as DMN
// 1.5 specifies. They are translated to Go's RE2: '.' excludes \r as well
// as \n, \d \s \w are XML Schema's, \p{IsBlock} names a Unicode block, and a
// class may subtract another ([A-Z-[OI]], for classes of characters and
// ranges). Back-references, which RE2 lacks, make the pattern invalid: null.

var errXSDPattern = errors.New("not a supported XML Schema regular expression")

// xsdCompile translates pattern with flags and compiles it; unknown flags
// or an invalid pattern give nil.
func xsdCompile(pattern, flags Value) *regexp.Regexp {
	p, ok := pattern.(String)
	if !ok {
		return nil
	}
	f := ""
	switch x := flags.(type) {
	case String:
		f = string(x)
	case Null:
	default:
		return nil
	}
	var dotAll, multi, fold, extended, literal bool
	for _, c := range f {
		switch c {
		case 's':
			dotAll = true
		case 'm':
			multi = true
		case 'i':
			fold = true
		case 'x':
			extended = true
		case 'q':
			literal = true
		default:
			return nil
		}
	}
	src := string(p)
	if literal {
		src = regexp.QuoteMeta(src)
	} else {
		if extended {
			src = stripRegexSpace(src)
		}
		var err error
		if src, err = translateXSD(src, dotAll); err != nil {
			return nil
		}
	}
	prefix := ""
	if multi {
		prefix += "m"
	}
	if fold {
		prefix += "i"
	}
	if prefix != "" {
		src = "(?" + prefix + ")" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil
	}
	return re
}

// stripRegexSpace removes the whitespace of flag x outside character
// classes.
func stripRegexSpace(s string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			// The escaped character may follow white space that goes.
			b.WriteByte(c)
			i++
			for depth == 0 && i+1 < len(s) && isRegexSpace(s[i]) {
				i++
			}
			c = s[i]
		case c == '[':
			depth++
		case c == ']' && depth > 0:
			depth--
		case depth == 0 && isRegexSpace(c):
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// translateXSD rewrites an XML Schema pattern in RE2 syntax.
func translateXSD(s string, dotAll bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '\\':
			esc, n, err := xsdEscape(s[i:], false)
			if err != nil {
				return "", err
			}
			b.WriteString(esc)
			i += n
		case '.':
			if dotAll {
				b.WriteString(`(?s:.)`)
			} else {
				b.WriteString(`[^\n\r]`)
			}
			i++
		case '[':
			class, n, err := xsdClass(s[i:], false)
			if err != nil {
				return "", err
			}
			b.WriteString(class)
			i += n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// xsdEscape translates the escape at the start of s; inClass selects the
// form that fits inside brackets. It returns the RE2 text and the bytes read.
func xsdEscape(s string, inClass bool) (string, int, error) {
	if len(s) < 2 {
		return "", 0, errXSDPattern
	}
	c := s[1]
	switch c {
	case 'd':
		return `\p{Nd}`, 2, nil
	case 'D':
		if inClass {
			return "", 0, errXSDPattern
		}
		return `\P{Nd}`, 2, nil
	case 's':
		if inClass {
			return ` \t\n\r`, 2, nil
		}
		return `[ \t\n\r]`, 2, nil
	case 'S':
		if inClass {
			return "", 0, errXSDPattern
		}
		return `[^ \t\n\r]`, 2, nil
	case 'w':
		if inClass {
			return `\p{L}\p{M}\p{N}\p{S}`, 2, nil
		}
		return `[\p{L}\p{M}\p{N}\p{S}]`, 2, nil
	case 'W':
		if inClass {
			return `\p{P}\p{Z}\p{C}`, 2, nil
		}
		return `[\p{P}\p{Z}\p{C}]`, 2, nil
	case 'p', 'P':
		end := strings.IndexByte(s, '}')
		if len(s) < 4 || s[2] != '{' || end < 0 {
			return "", 0, errXSDPattern
		}
		name := s[3:end]
		if strings.HasPrefix(name, "Is") {
			lo, hi, ok := unicodeBlock(name[2:])
			if !ok {
				return "", 0, errXSDPattern
			}
			r := `\x{` + strconv.FormatInt(int64(lo), 16) + `}-\x{` + strconv.FormatInt(int64(hi), 16) + `}`
			switch {
			case c == 'p' && inClass:
				return r, end + 1, nil
			case c == 'p':
				return "[" + r + "]", end + 1, nil
			case inClass:
				return "", 0, errXSDPattern
			}
			return "[^" + r + "]", end + 1, nil
		}
		if !validCategory(name) {
			return "", 0, errXSDPattern
		}
		return s[:end+1], end + 1, nil
	case 'n', 'r', 't', '\\', '|', '.', '?', '*', '+', '(', ')', '{', '}', '-', '[', ']', '^', '$':
		return s[:2], 2, nil
	}
	// Back-references (\1), \0 and escapes XML Schema does not define.
	return "", 0, errXSDPattern
}

// validCategory accepts the Unicode general categories XML Schema names.
func validCategory(name string) bool {
	switch name {
	case "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
		"P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Z", "Zs", "Zl", "Zp",
		"S", "Sm", "Sc", "Sk", "So", "C", "Cc", "Cf", "Co", "Cn":
		return true
	}
	return false
}

// xsdClass translates the character class at the start of s, with an
// optional subtraction "-[...]" before its closing bracket.
func xsdClass(s string, inner bool) (string, int, error) {
	i := 1
	negated := false
	if i < len(s) && s[i] == '^' {
		negated = true
		i++
	}
	var body strings.Builder
	var ranges [][2]rune
	plain := true // only characters and ranges: the class can be subtracted from
	first := true
	for {
		if i >= len(s) {
			return "", 0, errXSDPattern
		}
		c := s[i]
		if c == ']' && !first {
			i++
			break
		}
		if c == '-' && i+1 < len(s) && s[i+1] == '[' {
			if inner {
				return "", 0, errXSDPattern // one level of subtraction
			}
			sub, n, err := xsdClassRanges(s[i+1:])
			if err != nil || !plain || i+1+n >= len(s) || s[i+1+n] != ']' {
				return "", 0, errXSDPattern
			}
			i += 1 + n + 1
			ranges = subtractRanges(ranges, sub)
			if negated {
				return "", 0, errXSDPattern
			}
			return rangesClass(ranges), i, nil
		}
		first = false
		lo, n, isChar, text, err := classAtom(s[i:])
		if err != nil {
			return "", 0, err
		}
		i += n
		if !isChar {
			plain = false
			body.WriteString(text)
			continue
		}
		hi := lo
		if i+1 < len(s) && s[i] == '-' && s[i+1] != ']' && s[i+1] != '[' {
			h, m, isChar2, _, err := classAtom(s[i+1:])
			if err != nil || !isChar2 || h < lo {
				return "", 0, errXSDPattern
			}
			hi = h
			i += 1 + m
		}
		ranges = append(ranges, [2]rune{lo, hi})
		body.WriteString(classRune(lo))
		if hi != lo {
			body.WriteByte('-')
			body.WriteString(classRune(hi))
		}
	}
	if negated {
		return "[^" + body.String() + "]", i, nil
	}
	return "[" + body.String() + "]", i, nil
}

// xsdClassRanges reads a class of characters and ranges only, for a
// subtraction.
func xsdClassRanges(s string) ([][2]rune, int, error) {
	_, n, err := xsdClass(s, true)
	if err != nil {
		return nil, 0, err
	}
	var out [][2]rune
	i := 1
	if s[i] == '^' {
		return nil, 0, errXSDPattern
	}
	for i < n-1 {
		lo, m, isChar, _, err := classAtom(s[i:])
		if err != nil || !isChar {
			return nil, 0, errXSDPattern
		}
		i += m
		hi := lo
		if i+1 < n-1 && s[i] == '-' {
			h, m2, isChar2, _, err := classAtom(s[i+1:])
			if err != nil || !isChar2 || h < lo {
				return nil, 0, errXSDPattern
			}
			hi = h
			i += 1 + m2
		}
		out = append(out, [2]rune{lo, hi})
	}
	return out, n, nil
}

// classAtom reads one character of a class, or an escape standing for a
// set of characters (isChar false, text its RE2 form).
func classAtom(s string) (r rune, n int, isChar bool, text string, err error) {
	if s[0] != '\\' {
		r, n = utf8.DecodeRuneInString(s)
		if s[0] == '[' {
			return 0, 0, false, "", errXSDPattern
		}
		return r, n, true, "", nil
	}
	if len(s) < 2 {
		return 0, 0, false, "", errXSDPattern
	}
	switch s[1] {
	case 'n':
		return '\n', 2, true, "", nil
	case 'r':
		return '\r', 2, true, "", nil
	case 't':
		return '\t', 2, true, "", nil
	case '\\', '|', '.', '?', '*', '+', '(', ')', '{', '}', '-', '[', ']', '^', '$':
		return rune(s[1]), 2, true, "", nil
	}
	text, n, err = xsdEscape(s, true)
	return 0, n, false, text, err
}

// classRune writes r so that it stands for itself inside brackets.
func classRune(r rune) string {
	if r < 0x80 && strings.ContainsRune(`\]^-[`, r) || r < 0x20 {
		return `\x{` + strconv.FormatInt(int64(r), 16) + `}`
	}
	return string(r)
}

// subtractRanges removes the ranges of sub from set.
func subtractRanges(set, sub [][2]rune) [][2]rune {
	for _, s := range sub {
		var out [][2]rune
		for _, r := range set {
			if s[1] < r[0] || s[0] > r[1] {
				out = append(out, r)
				continue
			}
			if s[0] > r[0] {
				out = append(out, [2]rune{r[0], s[0] - 1})
			}
			if s[1] < r[1] {
				out = append(out, [2]rune{s[1] + 1, r[1]})
			}
		}
		set = out
	}
	return set
}

// rangesClass writes ranges as an RE2 class; an empty set matches nothing.
func rangesClass(ranges [][2]rune) string {
	if len(ranges) == 0 {
		return `[^\x00-\x{10FFFF}]`
	}
	var b strings.Builder
	b.WriteByte('[')
	for _, r := range ranges {
		b.WriteString(classRune(r[0]))
		if r[1] != r[0] {
			b.WriteByte('-')
			b.WriteString(classRune(r[1]))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// unicodeBlock returns the code points of a Unicode block by its XML
// Schema name (the block name without spaces).
func unicodeBlock(name string) (rune, rune, bool) {
	b, ok := unicodeBlocks[name]
	return b[0], b[1], ok
}

var unicodeBlocks = map[string][2]rune{
	"BasicLatin": {0x0000, 0x007F}, "Latin-1Supplement": {0x0080, 0x00FF},
	"LatinExtended-A": {0x0100, 0x017F}, "LatinExtended-B": {0x0180, 0x024F},
	"IPAExtensions": {0x0250, 0x02AF}, "SpacingModifierLetters": {0x02B0, 0x02FF},
	"CombiningDiacriticalMarks": {0x0300, 0x036F}, "Greek": {0x0370, 0x03FF},
	"GreekandCoptic": {0x0370, 0x03FF}, "Cyrillic": {0x0400, 0x04FF},
	"Armenian": {0x0530, 0x058F}, "Hebrew": {0x0590, 0x05FF}, "Arabic": {0x0600, 0x06FF},
	"Devanagari": {0x0900, 0x097F}, "Thai": {0x0E00, 0x0E7F},
	"LatinExtendedAdditional": {0x1E00, 0x1EFF}, "GreekExtended": {0x1F00, 0x1FFF},
	"GeneralPunctuation": {0x2000, 0x206F}, "CurrencySymbols": {0x20A0, 0x20CF},
	"LetterlikeSymbols": {0x2100, 0x214F}, "NumberForms": {0x2150, 0x218F},
	"Arrows": {0x2190, 0x21FF}, "MathematicalOperators": {0x2200, 0x22FF},
	"BoxDrawing": {0x2500, 0x257F}, "GeometricShapes": {0x25A0, 0x25FF},
	"MiscellaneousSymbols": {0x2600, 0x26FF}, "Dingbats": {0x2700, 0x27BF},
	"CJKSymbolsandPunctuation": {0x3000, 0x303F}, "Hiragana": {0x3040, 0x309F},
	"Katakana": {0x30A0, 0x30FF}, "CJKUnifiedIdeographs": {0x4E00, 0x9FFF},
	"HangulSyllables": {0xAC00, 0xD7AF}, "PrivateUse": {0xE000, 0xF8FF},
	"AlphabeticPresentationForms": {0xFB00, 0xFB4F}, "HalfwidthandFullwidthForms": {0xFF00, 0xFFEF},
	"Specials": {0xFFF0, 0xFFFF},
}

func xsdMatches(input, pattern, flags Value) Value {
	s, ok := input.(String)
	re := xsdCompile(pattern, flags)
	if !ok || re == nil {
		return Null{}
	}
	return Bool(re.MatchString(string(s)))
}

func xsdReplace(input, pattern, replacement, flags Value) Value {
	s, ok := input.(String)
	r, ok2 := replacement.(String)
	re := xsdCompile(pattern, flags)
	if !ok || !ok2 || re == nil {
		return Null{}
	}
	tmpl, ok := xsdReplacement(string(r), re.NumSubexp())
	if !ok {
		return Null{}
	}
	return String(re.ReplaceAllString(string(s), tmpl))
}

// xsdReplacement turns an XPath replacement ($N for group N, \$ and \\ for
// the characters) into a Go template. $N takes as many digits as name an
// existing group; any other '$' or '\' is invalid.
func xsdReplacement(r string, groups int) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch c {
		case '\\':
			if i+1 >= len(r) || (r[i+1] != '\\' && r[i+1] != '$') {
				return "", false
			}
			i++
			if r[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte('\\')
			}
		case '$':
			if i+1 >= len(r) || !isDigit(r[i+1]) {
				return "", false
			}
			n := int(r[i+1] - '0')
			i++
			for i+1 < len(r) && isDigit(r[i+1]) && n*10+int(r[i+1]-'0') <= groups {
				n = n*10 + int(r[i+1]-'0')
				i++
			}
			b.WriteString("${" + strconv.Itoa(n) + "}")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

func isRegexSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
