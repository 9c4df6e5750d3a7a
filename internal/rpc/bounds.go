package rpc

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/forsok/forsok/internal/trial"
)

// An answer's size does not follow from the request's: however many elements a request
// gets wrong, and however long the values it quotes, an error names at most
// MaxViolationsShown violations (and how many there were), each with a field and a
// description of bounded length, under a short message. So a small bad request cannot
// cost megabytes of answer, nor an error's trailer outgrow what an HTTP/2 peer accepts.
const (
	// MaxViolationsShown is the most violations one error lists.
	MaxViolationsShown = 20
	// maxMessageBytes bounds a status message; maxDescriptionBytes and maxFieldBytes a
	// violation's description and field path.
	maxMessageBytes     = 1024
	maxDescriptionBytes = 400
	maxFieldBytes       = 200
)

// bounded returns e with at most MaxViolationsShown violations, each shortened, and the
// number there were in all.
func bounded(e *trial.Error) (*trial.Error, int) {
	total := len(e.Violations)
	c := &trial.Error{Code: e.Code, Message: shorten(e.Message, maxMessageBytes/2)}
	for _, v := range e.Violations[:min(total, MaxViolationsShown)] {
		v.Field = shorten(v.Field, maxFieldBytes)
		v.Description = shorten(v.Description, maxDescriptionBytes)
		v.Rule, v.Reason = shorten(v.Rule, 40), shorten(v.Reason, 80)
		c.Violations = append(c.Violations, v)
	}
	return c, total
}

// statusMessage is the status message of a bounded error: the message and the
// violations shown, cut at maxMessageBytes, with the count of those left out.
func statusMessage(e *trial.Error, total int) string {
	msg := e.Error()
	suffix := ""
	if total > len(e.Violations) {
		suffix = fmt.Sprintf(" (the first %d of %d violations)", len(e.Violations), total)
	}
	return shorten(msg, maxMessageBytes-len(suffix)) + suffix
}

// shorten cuts s to at most n bytes of valid UTF-8, marking a cut with "…".
func shorten(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	cut := s[:max(0, n-len("…"))]
	for len(cut) > 0 && !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	return strings.ToValidUTF8(cut, "\uFFFD") + "…"
}
