package main

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// escaper writes what forsokctl prints with every character a terminal would act on
// escaped: the text of a case is the applicants' and the ministries', and ESC, BEL, CR,
// a C1 control or a bidirectional override in a title must reach a case handler's
// terminal as the characters \u001b, not as a command. Line feeds and tabs, the layout
// of the output, pass; anything else not printable becomes \uXXXX (a form that stays
// valid inside JSON strings), and bytes that are not UTF-8 become U+FFFD.
type escaper struct {
	w       io.Writer
	pending []byte // the start of a character split between writes
}

// escaping returns w with escaper in front of it.
func escaping(w io.Writer) io.Writer { return &escaper{w: w} }

// Write implements io.Writer. It reports len(p) written when all of p was taken: an
// escaped character is longer than it was.
func (e *escaper) Write(p []byte) (int, error) {
	b := append(e.pending, p...)
	e.pending = nil
	var out strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			if !utf8.FullRune(b) {
				e.pending = append([]byte(nil), b...)
				break
			}
			out.WriteRune(utf8.RuneError)
			b = b[1:]
			continue
		}
		switch {
		case r == '\n' || r == '\t' || unicode.IsPrint(r):
			out.Write(b[:size])
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
		b = b[size:]
	}
	if _, err := io.WriteString(e.w, out.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}
