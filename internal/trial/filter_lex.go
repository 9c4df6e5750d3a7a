package trial

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The filter's lexer: ParseFilter's text becomes tokens here, the parser in filter.go
// reads them.

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokOp
	tokLParen
	tokRParen
)

type token struct {
	kind tokKind
	text string // a word, the unquoted string, or the operator
	pos  int    // byte offset in the filter
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "the end of the filter"
	case tokString:
		return strconv.Quote(t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// wordBreaks end an unquoted word.
const wordBreaks = `()=<>!"`

// tokenize splits a filter into words, quoted strings, operators and parentheses.
func tokenize(s string) ([]token, error) {
	var tokens []token
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
		case r == '(':
			tokens = append(tokens, token{tokLParen, "(", i})
			i++
		case r == ')':
			tokens = append(tokens, token{tokRParen, ")", i})
			i++
		case r == '=':
			tokens = append(tokens, token{tokOp, "=", i})
			i++
		case r == '<' || r == '>' || r == '!':
			op := s[i : i+1]
			if i+1 < len(s) && s[i+1] == '=' {
				op = s[i : i+2]
			}
			if op == "!" {
				return nil, fmt.Errorf("at character %d: ! must be followed by = (write != for not equal, or NOT before a comparison)", i+1)
			}
			tokens = append(tokens, token{tokOp, op, i})
			i += len(op)
		case r == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("at character %d: the quoted value is not closed: end it with \"", i+1)
			}
			tokens = append(tokens, token{tokString, b.String(), i})
			i = j + 1
		default:
			j := i
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if unicode.IsSpace(r) || strings.ContainsRune(wordBreaks, r) {
					break
				}
				j += size
			}
			tokens = append(tokens, token{tokWord, s[i:j], i})
			i = j
		}
	}
	return append(tokens, token{kind: tokEOF, pos: len(s)}), nil
}
