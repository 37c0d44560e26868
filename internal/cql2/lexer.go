package cql2

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind is what a token of the text encoding is.
type tokenKind int

const (
	tEOF    tokenKind = iota
	tIdent            // a bare word: a keyword, a function or a property
	tQuoted           // a "double-quoted" property name
	tString           // a 'single-quoted' character literal
	tNumber           // a numeric literal, sign included
	tOp               // = <> < <= > >= + - * / ^ %
	tLParen
	tRParen
	tLBracket
	tRBracket
	tComma
)

// token is one lexeme and where it starts (in bytes).
type token struct {
	kind tokenKind
	text string
	pos  int
}

// SyntaxError is a filter that does not parse: where and what.
type SyntaxError struct {
	Pos     int
	Message string
}

// Error says what is wrong, and where.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s (at character %d)", e.Message, e.Pos+1)
}

func syntaxErr(pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Pos: pos, Message: fmt.Sprintf(format, args...)}
}

// lex splits a text filter into tokens.
func lex(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && w == 1:
			return nil, syntaxErr(i, "The filter is not valid UTF-8")
		case unicode.IsSpace(r):
			i += w
		case r == '(':
			out = append(out, token{tLParen, "(", i})
			i++
		case r == ')':
			out = append(out, token{tRParen, ")", i})
			i++
		case r == '[':
			out = append(out, token{tLBracket, "[", i})
			i++
		case r == ']':
			out = append(out, token{tRBracket, "]", i})
			i++
		case r == ',':
			out = append(out, token{tComma, ",", i})
			i++
		case r == '\'':
			v, n, err := lexString(s, i)
			if err != nil {
				return nil, err
			}
			out = append(out, token{tString, v, i})
			i += n
		case r == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, syntaxErr(i, "A quoted property name is not closed with \"")
			}
			out = append(out, token{tQuoted, s[i+1 : i+1+end], i})
			i += end + 2
		case r == '<':
			if strings.HasPrefix(s[i:], "<>") || strings.HasPrefix(s[i:], "<=") {
				out = append(out, token{tOp, s[i : i+2], i})
				i += 2
			} else {
				out = append(out, token{tOp, "<", i})
				i++
			}
		case r == '>':
			if strings.HasPrefix(s[i:], ">=") {
				out = append(out, token{tOp, ">=", i})
				i += 2
			} else {
				out = append(out, token{tOp, ">", i})
				i++
			}
		case r == '!' && strings.HasPrefix(s[i:], "!="):
			return nil, syntaxErr(i, "CQL2 writes \"not equal\" as <>, not !=")
		case r == '=':
			out = append(out, token{tOp, "=", i})
			i++
		case r == '-' || r == '+' || r == '.' || (r >= '0' && r <= '9'):
			if n := numberLen(s[i:]); n > 0 {
				out = append(out, token{tNumber, s[i : i+n], i})
				i += n
				continue
			}
			out = append(out, token{tOp, string(r), i})
			i++
		case strings.ContainsRune("*/^%", r):
			out = append(out, token{tOp, string(r), i})
			i++
		case identStart(r):
			j := i + w
			for j < len(s) {
				r2, w2 := utf8.DecodeRuneInString(s[j:])
				if !identPart(r2) {
					break
				}
				j += w2
			}
			out = append(out, token{tIdent, s[i:j], i})
			i = j
		default:
			return nil, syntaxErr(i, "Unexpected character %q", r)
		}
	}
	out = append(out, token{tEOF, "", len(s)})
	return out, nil
}

// lexString reads a character literal at s[i] (a quote): ” and \' are a
// quote inside it, \\ a backslash; every other character stands for
// itself. It returns the value and the literal's length.
func lexString(s string, i int) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for j < len(s) {
		c := s[j]
		switch {
		case c == '\'' && j+1 < len(s) && s[j+1] == '\'':
			b.WriteByte('\'')
			j += 2
		case c == '\'':
			return b.String(), j + 1 - i, nil
		case c == '\\' && j+1 < len(s) && (s[j+1] == '\'' || s[j+1] == '\\'):
			// Kept escaped for LIKE patterns, where \ escapes; a plain
			// string unescapes it in unescapeString.
			b.WriteByte('\\')
			b.WriteByte(s[j+1])
			j += 2
		default:
			b.WriteByte(c)
			j++
		}
	}
	return "", 0, syntaxErr(i, "A character literal is not closed with '")
}

// unescapeString turns the \' and \\ a literal keeps into ' and \.
func unescapeString(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// numberLen is the length of the numeric literal s starts with, 0 if none:
// [sign] digits [. digits] or . digits, then an optional exponent.
func numberLen(s string) int {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	return i
}

// identStart and identPart follow the CQL2 grammar's identifier: letters
// of any script, _ and :, then also digits and periods.
func identStart(r rune) bool {
	return r == '_' || r == ':' || unicode.IsLetter(r)
}

func identPart(r rune) bool {
	return identStart(r) || r == '.' || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}
