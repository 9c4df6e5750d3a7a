package trial

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Filter is a parsed list filter.
type Filter struct {
	// States is nil for any state, else the states a case may be in.
	States []State
	// Applicant is an applicant's organisation number, or "".
	Applicant string
}

// ParseFilter parses the AIP-160 subset ListApplications accepts: comparisons
// `state = SUBMITTED` and `applicant = 940931002` joined by AND, where a parenthesised
// group may OR comparisons of the state: `(state = SUBMITTED OR state = IN_REVIEW) AND
// applicant = 940931002`. Values may be quoted.
func ParseFilter(s string) (Filter, error) {
	p := &filterParser{tokens: tokenize(s)}
	var f Filter
	if len(p.tokens) == 0 {
		return f, nil
	}
	for {
		if err := p.clause(&f); err != nil {
			return Filter{}, Invalid([]Violation{{Field: "filter", Reason: "FILTER_INVALID",
				Description: err.Error() + `; write e.g. state = SUBMITTED AND applicant = 940931002, or (state = APPROVED OR state = ACTIVE)`}})
		}
		if p.done() {
			return f, nil
		}
		if !p.accept("AND") {
			return Filter{}, Invalid([]Violation{{Field: "filter", Reason: "FILTER_INVALID",
				Description: fmt.Sprintf("expected AND, found %q", p.peek())}})
		}
	}
}

type filterParser struct {
	tokens []string
	pos    int
}

func (p *filterParser) done() bool { return p.pos >= len(p.tokens) }

func (p *filterParser) peek() string {
	if p.done() {
		return ""
	}
	return p.tokens[p.pos]
}

func (p *filterParser) accept(tok string) bool {
	if p.peek() == tok {
		p.pos++
		return true
	}
	return false
}

func (p *filterParser) clause(f *Filter) error {
	if !p.accept("(") {
		field, value, err := p.comparison()
		if err != nil {
			return err
		}
		return f.and(field, []string{value})
	}
	var field string
	var values []string
	for {
		fd, v, err := p.comparison()
		if err != nil {
			return err
		}
		if field != "" && fd != field {
			return fmt.Errorf("OR joins comparisons of one field, found %s and %s", field, fd)
		}
		field, values = fd, append(values, v)
		if p.accept(")") {
			return f.and(field, values)
		}
		if !p.accept("OR") {
			return fmt.Errorf("expected OR or ), found %q", p.peek())
		}
	}
}

func (p *filterParser) comparison() (field, value string, err error) {
	field = p.peek()
	p.pos++
	if field != "state" && field != "applicant" {
		return "", "", fmt.Errorf("unknown field %q: filter on state or applicant", field)
	}
	if !p.accept("=") {
		return "", "", fmt.Errorf("expected = after %s, found %q", field, p.peek())
	}
	value = strings.Trim(p.peek(), `"`)
	if value == "" || value == "(" || value == ")" {
		return "", "", fmt.Errorf("expected a value after %s =", field)
	}
	p.pos++
	return field, value, nil
}

// and narrows the filter by field IN values.
func (f *Filter) and(field string, values []string) error {
	switch field {
	case "state":
		var states []State
		for _, v := range values {
			s := State(v)
			if !slices.Contains(States, s) {
				return fmt.Errorf("unknown state %q", v)
			}
			states = append(states, s)
		}
		if f.States != nil {
			states = slices.DeleteFunc(states, func(s State) bool { return !slices.Contains(f.States, s) })
		}
		f.States = states
		if f.States == nil {
			f.States = []State{}
		}
	case "applicant":
		if len(values) != 1 {
			return fmt.Errorf("filter on one applicant at a time")
		}
		if !ValidOrganisationNumber(values[0]) {
			return fmt.Errorf("applicant %q is not a valid organisation number", values[0])
		}
		if f.Applicant != "" && f.Applicant != values[0] {
			return fmt.Errorf("a case is filtered on one applicant at a time")
		}
		f.Applicant = values[0]
	}
	return nil
}

// tokenize splits a filter into words, quoted strings, "=", "(" and ")".
func tokenize(s string) []string {
	var tokens []string
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(' || c == ')' || c == '=':
			tokens = append(tokens, string(c))
			i++
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				tokens = append(tokens, s[i:])
				return tokens
			}
			tokens = append(tokens, s[i:i+j+2])
			i += j + 2
		default:
			j := i
			for j < len(s) && !unicode.IsSpace(rune(s[j])) && !strings.ContainsRune("()=\"", rune(s[j])) {
				j++
			}
			tokens = append(tokens, s[i:j])
			i = j
		}
	}
	return tokens
}
