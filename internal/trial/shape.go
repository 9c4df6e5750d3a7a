package trial

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The shape of a request: how many elements each repeated field holds and whether each
// text field is text. It is checked before anything else is done with the request's
// fields, so that a small request with a great many elements costs no more than one
// answer naming the field that is too long, and so that nothing stored can hold a
// character that drives a terminal (ESC, BEL, CR, NUL …). The transport measures the
// shape of every request of every method (RequestShape); the limits are here, and
// docs/api-limits.md lists them.

// The limits of repeated fields, by the field's proto name. A field not listed has
// DefaultMaxRepeated.
const (
	// MaxPurposes is the most purposes an application lists: § 1's five, each once.
	MaxPurposes = 5
	// MaxReasonCodes is the most reason codes a rejection gives: the five codes, each
	// once.
	MaxReasonCodes = 5
	// MaxBatchNames is the most cases one BatchTerminateTrials ends (R13's largest real
	// case, the snowmobile trails, was some 40 municipalities).
	MaxBatchNames = 100
	// MaxEventTypes is the most event types a subscription names.
	MaxEventTypes = 50
	// MaxMaskPaths is the most paths an update_mask names.
	MaxMaskPaths = 20
	// DefaultMaxRepeated bounds every other repeated field, output-only ones a client
	// may send but the service ignores included.
	DefaultMaxRepeated = 100
)

// maxRepeated are the limits of repeated fields by proto field name.
var maxRepeated = map[string]int{
	"applicants":   MaxItems,
	"exemptions":   MaxItems,
	"purposes":     MaxPurposes,
	"reason_codes": MaxReasonCodes,
	"names":        MaxBatchNames,
	"event_types":  MaxEventTypes,
	"paths":        MaxMaskPaths,
}

// MaxRepeated returns the most elements the repeated field with the proto name field
// may hold in a request.
func MaxRepeated(field string) int {
	if n, ok := maxRepeated[field]; ok {
		return n
	}
	return DefaultMaxRepeated
}

// multiLine are the text fields, by proto name, that may span lines: prose. Every other
// text field is one line.
var multiLine = map[string]bool{
	"summary": true, "current_rule": true, "proposed_rule": true, "justification": true,
	"evaluation_plan": true, "employee_involvement": true, "draft_regulation": true,
	"reasons": true, "text": true, "questions": true, "question": true, "statement": true,
	"objection_response": true, "comment": true, "reason": true, "description": true,
}

// MultiLine reports whether the text field with the proto name field may hold line
// breaks and tabs.
func MultiLine(field string) bool { return multiLine[field] }

// RequestShape is what the transport measured of a request: every repeated field it
// holds with its length, and every text field that is not acceptable text. Field paths
// are the request's proto paths ("application.applicants",
// "application.exemptions[2].current_rule").
type RequestShape struct {
	Counts []FieldCount
	Texts  []Violation
}

// FieldCount is a repeated field and its number of elements.
type FieldCount struct {
	Path  string
	Field string // the proto name, the last element of Path
	Count int
}

// TooMany reports whether the count is over its field's limit.
func (c FieldCount) TooMany() bool { return c.Count > MaxRepeated(c.Field) }

// CheckShape returns the violations of a request's shape: first each repeated field
// over its limit (and nothing else, so that the elements of an oversized list are
// never looked at), then each text field that is not text.
func CheckShape(s RequestShape) []Violation {
	var vs violations
	for _, c := range s.Counts {
		if c.TooMany() {
			vs.add("", c.Path, "TOO_MANY", fmt.Sprintf("%s has %d elements; at most %d are allowed.", c.Path, c.Count, MaxRepeated(c.Field)))
		}
	}
	if len(vs) > 0 {
		return vs
	}
	return s.Texts
}

// TextViolation checks one text field of a request, by its path and proto name: it
// must be UTF-8, at most MaxTextLength characters, and hold no control character —
// except tab and line feed in a multi-line field. It returns nil for acceptable text.
func TextViolation(path, field, value string) *Violation {
	if !utf8.ValidString(value) {
		return &Violation{Field: path, Reason: "INVALID_UTF8", Description: path + " is not valid UTF-8 text."}
	}
	if len(value) > MaxTextLength { // bytes ≥ characters: count only when it may matter
		if n := utf8.RuneCountInString(value); n > MaxTextLength {
			return &Violation{Field: path, Reason: "TOO_LONG", Description: fmt.Sprintf("%s has %d characters; no text field holds more than %d.", path, n, MaxTextLength)}
		}
	}
	if i := strings.IndexFunc(value, notText(MultiLine(field))); i >= 0 {
		r, _ := utf8.DecodeRuneInString(value[i:])
		what := "a control character"
		if MultiLine(field) {
			what += " other than tab and line feed"
		}
		return &Violation{Field: path, Reason: "CONTROL_CHARACTER",
			Description: fmt.Sprintf("%s holds %s (%U at byte %d); remove it.", path, what, r, i)}
	}
	return nil
}

// notText returns the test for a character a text field may not hold: any control
// character (C0, DEL, C1), except tab and line feed where lines are allowed.
func notText(multiLine bool) func(rune) bool {
	return func(r rune) bool {
		if multiLine && (r == '\t' || r == '\n') {
			return false
		}
		return unicode.IsControl(r)
	}
}
