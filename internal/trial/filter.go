package trial

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Filter is a parsed list filter.
type Filter struct {
	// States is nil for any state, else the states a case may be in.
	States []State
	// Applicant is an applicant's organisation number, or "".
	Applicant string
	// Flag is a case flag the case must carry, or "".
	Flag CaseFlag
	// EndsWithinDays selects running trials ending within that many days; -1: no limit.
	EndsWithinDays int
	// EvaluationDueWithinDays selects evaluating cases whose report is due within that
	// many days (or overdue); -1: no limit.
	EvaluationDueWithinDays int
}

// filterFields are the fields a filter compares.
var filterFields = []string{"state", "applicant", "flag", "ends_within_days", "evaluation_due_within_days"}

// ParseFilter parses the AIP-160 subset ListApplications accepts: comparisons
// `state = SUBMITTED`, `applicant = 940931002`, `flag = NEEDS_INTERIM_REPLY`,
// `ends_within_days = 90` and `evaluation_due_within_days = 30`, joined by AND, where a
// parenthesised group may OR comparisons of the state:
// `(state = SUBMITTED OR state = IN_REVIEW) AND applicant = 940931002`. Values may be
// quoted.
func ParseFilter(s string) (Filter, error) {
	p := &filterParser{tokens: tokenize(s)}
	f := Filter{EndsWithinDays: -1, EvaluationDueWithinDays: -1}
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
	if !slices.Contains(filterFields, field) {
		return "", "", fmt.Errorf("unknown field %q: filter on %s", field, strings.Join(filterFields, ", "))
	}
	if !p.accept("=") {
		return "", "", fmt.Errorf("expected = after %s, found %q", field, p.peek())
	}
	if tok := p.peek(); strings.HasPrefix(tok, `"`) && (len(tok) < 2 || !strings.HasSuffix(tok, `"`)) {
		return "", "", fmt.Errorf("unterminated quoted value after %s =", field)
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
	case "flag":
		if len(values) != 1 || !slices.Contains(CaseFlags, CaseFlag(values[0])) {
			return fmt.Errorf("flag takes one of %v", CaseFlags)
		}
		if f.Flag != "" && f.Flag != CaseFlag(values[0]) {
			return fmt.Errorf("a case is filtered on one flag at a time")
		}
		f.Flag = CaseFlag(values[0])
	case "ends_within_days", "evaluation_due_within_days":
		n, err := strconv.Atoi(values[0])
		if len(values) != 1 || err != nil || n < 0 || n > 3660 {
			return fmt.Errorf("%s takes a number of days from 0 to 3660", field)
		}
		// AND of two bounds is the stricter one.
		bound := &f.EvaluationDueWithinDays
		if field == "ends_within_days" {
			bound = &f.EndsWithinDays
		}
		if *bound < 0 || n < *bound {
			*bound = n
		}
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
