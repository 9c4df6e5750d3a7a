package main

import (
	"strings"
	"testing"
)

func TestEscaper(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"OKText", "Forsøk på 8. trinn\n\tNordre Follo", "Forsøk på 8. trinn\n\tNordre Follo"},
		{"ErrESC", "tittel\x1b[2J\x1b]0;pwned\x07", `tittel\u001b[2J\u001b]0;pwned\u0007`},
		{"ErrCR", "godkjent\rAVSLÅTT", `godkjent\u000dAVSLÅTT`},
		{"ErrNUL", "a\x00b", `a\u0000b`},
		{"ErrDEL", "a\x7fb", `a\u007fb`},
		{"ErrC1", "a\u009bb", `a\u009bb`},
		{"ErrBidiOverride", "abc\u202edef", `abc\u202edef`},
		{"ErrInvalidUTF8", "a\xffb", "a\uFFFDb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			w := escaping(&b)
			// Byte by byte too: a character split between writes is still one.
			for i := range len(tc.in) {
				if _, err := w.Write([]byte(tc.in[i : i+1])); err != nil {
					t.Fatal(err)
				}
			}
			if got := b.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
