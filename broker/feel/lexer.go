package feel

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokenKind uint8

const (
	tokEOF tokenKind = iota
	tokNumber
	tokString
	tokName
	tokLParen
	tokRParen
	tokLBracket
	tokRBracket
	tokLBrace
	tokRBrace
	tokComma
	tokColon
	tokDot
	tokDotDot
	tokPlus
	tokMinus
	tokStar
	tokStarStar
	tokSlash
	tokEq
	tokNe
	tokLt
	tokLe
	tokGt
	tokGe
	tokTemporal
)

var tokenNames = [...]string{
	tokEOF:      "end of expression",
	tokNumber:   "number",
	tokString:   "string",
	tokName:     "name",
	tokLParen:   "'('",
	tokRParen:   "')'",
	tokLBracket: "'['",
	tokRBracket: "']'",
	tokLBrace:   "'{'",
	tokRBrace:   "'}'",
	tokComma:    "','",
	tokColon:    "':'",
	tokDot:      "'.'",
	tokDotDot:   "'..'",
	tokPlus:     "'+'",
	tokMinus:    "'-'",
	tokStar:     "'*'",
	tokStarStar: "'**'",
	tokSlash:    "'/'",
	tokEq:       "'='",
	tokNe:       "'!='",
	tokLt:       "'<'",
	tokLe:       "'<='",
	tokGt:       "'>'",
	tokGe:       "'>='",
	tokTemporal: "temporal literal",
}

func (k tokenKind) String() string { return tokenNames[k] }

// token is one lexical unit. For names, text is the name (without backticks
// for an escaped name); for strings, text is the decoded value; for numbers,
// the literal digits.
type token struct {
	kind    tokenKind
	pos     int
	text    string
	escaped bool // a `backtick` name: never a keyword
}

// describe names the token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tokName:
		return "'" + t.text + "'"
	case tokNumber:
		return "number " + t.text
	case tokString:
		return "string " + quoteFEEL(t.text)
	}
	return t.kind.String()
}

// lex splits src into tokens, ending with tokEOF.
func lex(src string, d Dialect) ([]token, *SyntaxError) {
	var toks []token
	i := 0
	for {
		var err *SyntaxError
		i, err = skipSpaceAndComments(src, i)
		if err != nil {
			return nil, err
		}
		if i >= len(src) {
			return append(toks, token{kind: tokEOF, pos: len(src)}), nil
		}
		start := i
		c := src[i]
		switch {
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			i = scanNumber(src, i, d == DMN)
			toks = append(toks, token{kind: tokNumber, pos: start, text: src[start:i]})
			continue
		case c == '"':
			text, end, err := scanString(src, i)
			if err != nil {
				return nil, err
			}
			i = end
			toks = append(toks, token{kind: tokString, pos: start, text: text})
			continue
		case c == '`':
			end := strings.IndexByte(src[i+1:], '`')
			if end < 0 {
				return nil, newSyntaxError(src, start, "unterminated `name`")
			}
			if end == 0 {
				return nil, newSyntaxError(src, start, "empty `name`")
			}
			toks = append(toks, token{kind: tokName, pos: start, text: src[i+1 : i+1+end], escaped: true})
			i += end + 2
			continue
		case c == '@':
			if i+1 >= len(src) || src[i+1] != '"' {
				return nil, newSyntaxError(src, start, "expected a string after '@'")
			}
			text, end, err := scanString(src, i+1)
			if err != nil {
				return nil, err
			}
			i = end
			toks = append(toks, token{kind: tokTemporal, pos: start, text: text})
			continue
		case c == '?':
			toks = append(toks, token{kind: tokName, pos: start, text: "?"})
			i++
			continue
		}
		if kind, size := punctuation(src[i:]); size > 0 {
			toks = append(toks, token{kind: kind, pos: start})
			i += size
			continue
		}
		r, size := utf8.DecodeRuneInString(src[i:])
		if isNameStart(r) || (d == DMN && isSupplementaryNameStart(r)) {
			i += size
			for i < len(src) {
				r, size := utf8.DecodeRuneInString(src[i:])
				if !isNamePart(r) && (d != DMN || !isSupplementaryNameStart(r)) {
					break
				}
				i += size
			}
			toks = append(toks, token{kind: tokName, pos: start, text: src[start:i]})
			continue
		}
		if r == utf8.RuneError && size == 1 {
			return nil, newSyntaxError(src, start, "invalid UTF-8")
		}
		return nil, newSyntaxError(src, start, "unexpected character %s", strconv.QuoteRune(r))
	}
}

func punctuation(s string) (tokenKind, int) {
	two := ""
	if len(s) >= 2 {
		two = s[:2]
	}
	switch two {
	case "**":
		return tokStarStar, 2
	case "!=":
		return tokNe, 2
	case "<=":
		return tokLe, 2
	case ">=":
		return tokGe, 2
	case "..":
		return tokDotDot, 2
	}
	switch s[0] {
	case '(':
		return tokLParen, 1
	case ')':
		return tokRParen, 1
	case '[':
		return tokLBracket, 1
	case ']':
		return tokRBracket, 1
	case '{':
		return tokLBrace, 1
	case '}':
		return tokRBrace, 1
	case ',':
		return tokComma, 1
	case ':':
		return tokColon, 1
	case '.':
		return tokDot, 1
	case '+':
		return tokPlus, 1
	case '-':
		return tokMinus, 1
	case '*':
		return tokStar, 1
	case '/':
		return tokSlash, 1
	case '=':
		return tokEq, 1
	case '<':
		return tokLt, 1
	case '>':
		return tokGt, 1
	}
	return tokEOF, 0
}

func skipSpaceAndComments(src string, i int) (int, *SyntaxError) {
	for i < len(src) {
		switch {
		case strings.HasPrefix(src[i:], "//"):
			end := strings.IndexByte(src[i:], '\n')
			if end < 0 {
				return len(src), nil
			}
			i += end + 1
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return 0, newSyntaxError(src, i, "unterminated comment")
			}
			i += end + 4
		default:
			r, size := utf8.DecodeRuneInString(src[i:])
			if !unicode.IsSpace(r) {
				return i, nil
			}
			i += size
		}
	}
	return i, nil
}

// scanNumber reads digits ["." digits] or "." digits, and with exponent an
// exponent "e" ["+" | "-"] digits (DMN 1.5). A dot not followed by a digit
// is left for the path operator (or a range's "..").
func scanNumber(src string, i int, exponent bool) int {
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	if i+1 < len(src) && src[i] == '.' && isDigit(src[i+1]) {
		i++
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	if exponent && i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			i = j
		}
	}
	return i
}

// scanString reads a double-quoted string starting at src[i] and decodes its
// escapes: \" \' \\ \n \r \t \uXXXX and \UXXXXXX. Any other backslash is kept
// as written, so regular expressions such as "\d+" survive.
func scanString(src string, i int) (string, int, *SyntaxError) {
	start := i
	i++
	var b strings.Builder
	for i < len(src) {
		c := src[i]
		switch c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(src) {
				return "", 0, newSyntaxError(src, start, "unterminated string")
			}
			if r, n, ok := decodeEscape(src[i+1:]); ok {
				b.WriteRune(r)
				i += 1 + n
				continue
			}
			// Unknown escape: keep the backslash and read the next
			// character normally.
			b.WriteByte('\\')
			i++
		default:
			r, size := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && size == 1 {
				return "", 0, newSyntaxError(src, i, "invalid UTF-8 in string")
			}
			b.WriteString(src[i : i+size])
			i += size
		}
	}
	return "", 0, newSyntaxError(src, start, "unterminated string")
}

// decodeEscape decodes the escape after a backslash, returning the rune and
// how many bytes it used.
func decodeEscape(s string) (rune, int, bool) {
	switch s[0] {
	case '"':
		return '"', 1, true
	case '\'':
		return '\'', 1, true
	case '\\':
		return '\\', 1, true
	case 'n':
		return '\n', 1, true
	case 'r':
		return '\r', 1, true
	case 't':
		return '\t', 1, true
	case 'u':
		r, ok := parseHex(s[1:], 4)
		if !ok {
			return 0, 0, false
		}
		if utf16IsHighSurrogate(r) && len(s) >= 11 && s[5] == '\\' && s[6] == 'u' {
			if low, ok := parseHex(s[7:], 4); ok && utf16IsLowSurrogate(low) {
				return (r-0xD800)<<10 + (low - 0xDC00) + 0x10000, 11, true
			}
		}
		if !utf8.ValidRune(r) {
			r = utf8.RuneError // a lone surrogate
		}
		return r, 5, true
	case 'U':
		r, ok := parseHex(s[1:], 6)
		if !ok {
			return 0, 0, false
		}
		if !utf8.ValidRune(r) {
			r = utf8.RuneError
		}
		return r, 7, true
	}
	return 0, 0, false
}

func parseHex(s string, n int) (rune, bool) {
	if len(s) < n {
		return 0, false
	}
	v, err := strconv.ParseUint(s[:n], 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(v), true
}

func utf16IsHighSurrogate(r rune) bool { return r >= 0xD800 && r < 0xDC00 }
func utf16IsLowSurrogate(r rune) bool  { return r >= 0xDC00 && r < 0xE000 }

// isNameStart and isNamePart follow Java's identifier rules, which feel-scala
// uses for names: letters, '_', '$' and currency signs start a name; digits,
// combining marks and connectors may follow.
func isNameStart(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r) ||
		unicode.Is(unicode.Sc, r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Pc, r)
}

// isSupplementaryNameStart admits the characters beyond U+FFFF that DMN's
// name grammar allows (emoji among them), which Java identifiers do not.
func isSupplementaryNameStart(r rune) bool { return r >= 0x10000 && r <= 0xEFFFF }

func isNamePart(r rune) bool {
	return isNameStart(r) || unicode.IsDigit(r) ||
		unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}
