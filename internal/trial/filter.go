package trial

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The AIP-160 filter parser is this package's own, not go.einride.tech/aip/filtering
// (which forsok uses nowhere): aip-go parses the full AIP-160 grammar into CEL
// expressions that a caller must then type-check against declarations and evaluate, and
// it would change what works today. Its lexer refuses the documented
// `create_time <= 2026-01-31` (a date standing for the whole day in Oslo: "unexpected
// trailing token -"), it knows no canonical values (nine-digit organisation numbers,
// case numbers, days), and its errors are parser traces ("^ expression (1:1) … ^ parse
// token (1:8)") where ours say what to fix. The subset here, its meanings (Filter.Match,
// which the store and the fuzz targets are checked against) and its messages are the
// contract.

// FilterOp is the operator of a Filter node.
type FilterOp string

// The operators. AND and OR join two or more filters, NOT negates one; the others
// compare a field with a value.
const (
	FilterAnd FilterOp = "AND"
	FilterOr  FilterOp = "OR"
	FilterNot FilterOp = "NOT"
	FilterEq  FilterOp = "="
	FilterNe  FilterOp = "!="
	FilterLt  FilterOp = "<"
	FilterLe  FilterOp = "<="
	FilterGt  FilterOp = ">"
	FilterGe  FilterOp = ">="
)

// The fields a ListApplications filter compares.
const (
	FilterFieldState        = "state"
	FilterFieldApplicant    = "applicant"    // an applicant's organisation number
	FilterFieldMunicipality = "municipality" // an applicant's municipality number
	FilterFieldMinistry     = "ministry"     // a consulted ministry's code
	FilterFieldCategory     = "category"
	FilterFieldLaw          = "law" // the Lovdata id of an exempted law
	FilterFieldFlag         = "flag"
	FilterFieldCaseNumber   = "case_number"
	FilterFieldCreateTime   = "create_time"
	FilterFieldUpdateTime   = "update_time"
	// FilterFieldEndsWithinDays = N: a running trial (ACTIVE, EXTENSION_REQUESTED) whose
	// current period ends within N days of today, or has ended.
	FilterFieldEndsWithinDays = "ends_within_days"
	// FilterFieldEvaluationDueWithinDays = N: an evaluating case without its report,
	// the report due within N days of today, or overdue.
	FilterFieldEvaluationDueWithinDays = "evaluation_due_within_days"
	// FilterFieldCounty is an applicant's county number: a fylkeskommune's own, a
	// kommune's the first two digits of its municipality number.
	FilterFieldCounty = "county"
	// FilterFieldTitle = "word": the title has the word (TitleWords: case and accents
	// folded, whole words).
	FilterFieldTitle = "title"
	// FilterFieldCall = 2027-01: applications to that call for applications (R20).
	FilterFieldCall = "call"
	// FilterFieldStage = PRELIMINARY or FINAL (R20; a direct application is FINAL).
	FilterFieldStage = "stage"
)

// Limits of a filter, so that one request cannot make the store merge thousands of index
// scans or the parser recurse without end.
const (
	MaxFilterLength      = 4096 // bytes
	MaxFilterComparisons = 50
	MaxFilterDepth       = 16 // nested parentheses and NOTs
	// MaxFilterDays is the largest number of days *_within_days takes.
	MaxFilterDays = 3660
)

type fieldKind int

const (
	kindEnum fieldKind = iota // one value per case: = and !=
	kindSet                   // any number of values per case: = (has) and != (has not)
	kindTime                  // an instant: every comparison
	kindDays                  // days from today: = only
)

var filterFieldKinds = map[string]fieldKind{
	FilterFieldState: kindEnum, FilterFieldApplicant: kindSet, FilterFieldMunicipality: kindSet,
	FilterFieldMinistry: kindSet, FilterFieldCategory: kindEnum, FilterFieldLaw: kindSet,
	FilterFieldFlag: kindSet, FilterFieldCaseNumber: kindEnum, FilterFieldCreateTime: kindTime,
	FilterFieldUpdateTime: kindTime, FilterFieldEndsWithinDays: kindDays,
	FilterFieldEvaluationDueWithinDays: kindDays,
	FilterFieldCounty:                  kindSet, FilterFieldTitle: kindSet,
	FilterFieldCall: kindEnum, FilterFieldStage: kindEnum,
}

// filterFieldList is the fields in the order error messages name them.
var filterFieldList = []string{
	FilterFieldState, FilterFieldApplicant, FilterFieldMunicipality, FilterFieldMinistry,
	FilterFieldCategory, FilterFieldLaw, FilterFieldFlag, FilterFieldCaseNumber,
	FilterFieldCreateTime, FilterFieldUpdateTime, FilterFieldEndsWithinDays,
	FilterFieldEvaluationDueWithinDays, FilterFieldCounty, FilterFieldTitle, FilterFieldCall, FilterFieldStage,
}

// Filter is a parsed ListApplications filter: an expression tree. AND and OR nodes have
// two or more Args (never a child of their own operator: the parser flattens them), NOT
// has one, and a comparison has Field, Op and Value and no Args. A nil *Filter matches
// every case.
//
// Values are canonical: an organisation number's nine digits, an enum's name, a case
// number "2026/42", a number of days without leading zeros, and an instant as RFC 3339
// in UTC ("2026-01-01T00:00:00Z"): dates in the filter have been resolved to instants in
// the calendar ParseFilter was given. So String prints a filter that parses back to the
// same tree, in any calendar.
type Filter struct {
	Op    FilterOp
	Args  []*Filter
	Field string
	Value string
}

// ParseFilter parses the AIP-160 subset ListApplications accepts, resolving dates in
// loc (nil: UTC). An empty or blank filter is nil. The grammar, with OR binding tighter
// than AND as AIP-160 has it (`a AND b OR c` is `a AND (b OR c)`):
//
//	filter     = [ expression ]
//	expression = factor { "AND" factor }
//	factor     = term { "OR" term }
//	term       = [ "NOT" | "-" ] simple
//	simple     = "(" expression ")" | comparison
//	comparison = field operator value
//
// Fields: state, category, case_number (= and !=); applicant, municipality, ministry,
// law, flag (= matches a case with that value among its several, != one without);
// create_time and update_time (=, !=, <, <=, >, >= with an RFC 3339 instant or a date,
// which stands for the whole day in loc: `create_time <= 2026-01-31` includes that day);
// ends_within_days and evaluation_due_within_days (= a number of days). Values may be
// written in double quotes, with \" and \\ inside. Keywords are upper case.
//
// Errors are CodeInvalidArgument on the field "filter", saying where and what to fix.
func ParseFilter(s string, loc *time.Location) (*Filter, error) {
	if loc == nil {
		loc = time.UTC
	}
	if len(s) > MaxFilterLength {
		return nil, filterError(fmt.Sprintf("the filter has %d bytes; shorten it to at most %d", len(s), MaxFilterLength))
	}
	tokens, err := tokenize(s)
	if err != nil {
		return nil, filterError(err.Error())
	}
	p := &filterParser{tokens: tokens, loc: loc}
	if p.peek().kind == tokEOF {
		return nil, nil
	}
	f, err := p.expression(0)
	if err == nil && p.peek().kind != tokEOF {
		t := p.peek()
		if t.kind == tokRParen {
			err = p.errorf(t, "unmatched ): remove it or open the group with (")
		} else {
			err = p.errorf(t, "expected AND or OR before %s: join comparisons with AND or OR", t)
		}
	}
	if err != nil {
		return nil, filterError(err.Error())
	}
	return f, nil
}

func filterError(description string) error {
	return Invalid([]Violation{{Field: "filter", Reason: "FILTER_INVALID", Description: description +
		`; for example: state = SUBMITTED AND (applicant = 940931002 OR municipality = 3118) AND create_time >= 2026-01-01`}})
}

type filterParser struct {
	tokens      []token
	pos         int
	loc         *time.Location
	comparisons int
}

func (p *filterParser) peek() token { return p.tokens[p.pos] }

func (p *filterParser) next() token {
	t := p.tokens[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

// keyword consumes the unquoted keyword kw if it comes next.
func (p *filterParser) keyword(kw string) bool {
	if t := p.peek(); t.kind == tokWord && t.text == kw {
		p.pos++
		return true
	}
	return false
}

func (p *filterParser) errorf(t token, format string, args ...any) error {
	return fmt.Errorf("at character %d: %s", t.pos+1, fmt.Sprintf(format, args...))
}

func (p *filterParser) expression(depth int) (*Filter, error) {
	var args []*Filter
	for {
		f, err := p.factor(depth)
		if err != nil {
			return nil, err
		}
		args = append(args, f)
		if !p.keyword("AND") {
			return join(FilterAnd, args), nil
		}
	}
}

func (p *filterParser) factor(depth int) (*Filter, error) {
	var args []*Filter
	for {
		f, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		args = append(args, f)
		if !p.keyword("OR") {
			return join(FilterOr, args), nil
		}
	}
}

func (p *filterParser) term(depth int) (*Filter, error) {
	t := p.peek()
	negate := false
	switch {
	case t.kind == tokWord && (t.text == "NOT" || t.text == "-"):
		p.pos++
		negate = true
	case t.kind == tokWord && len(t.text) > 1 && t.text[0] == '-':
		// "-state = DRAFT": AIP-160's short NOT. Split the minus off the field.
		p.tokens[p.pos] = token{tokWord, t.text[1:], t.pos + 1}
		negate = true
	}
	if !negate {
		return p.simple(depth)
	}
	if depth+1 > MaxFilterDepth {
		return nil, p.errorf(t, "the filter nests deeper than %d levels of parentheses and NOT; simplify it", MaxFilterDepth)
	}
	f, err := p.simple(depth + 1)
	if err != nil {
		return nil, err
	}
	return &Filter{Op: FilterNot, Args: []*Filter{f}}, nil
}

func (p *filterParser) simple(depth int) (*Filter, error) {
	t := p.peek()
	if t.kind != tokLParen {
		return p.comparison()
	}
	if depth+1 > MaxFilterDepth {
		return nil, p.errorf(t, "the filter nests deeper than %d levels of parentheses and NOT; simplify it", MaxFilterDepth)
	}
	p.pos++
	f, err := p.expression(depth + 1)
	if err != nil {
		return nil, err
	}
	if end := p.next(); end.kind != tokRParen {
		return nil, p.errorf(end, "expected ) to close the ( at character %d, found %s", t.pos+1, end)
	}
	return f, nil
}

func (p *filterParser) comparison() (*Filter, error) {
	ft := p.next()
	switch {
	case ft.kind == tokEOF:
		return nil, p.errorf(ft, "expected a comparison such as state = SUBMITTED, found the end of the filter")
	case ft.kind != tokWord || ft.text == "AND" || ft.text == "OR" || ft.text == "NOT":
		return nil, p.errorf(ft, "expected a field name, found %s: filter on %s", ft, strings.Join(filterFieldList, ", "))
	}
	field := ft.text
	kind, ok := filterFieldKinds[field]
	if !ok {
		return nil, p.errorf(ft, "unknown field %q: filter on %s", field, strings.Join(filterFieldList, ", "))
	}
	ot := p.next()
	if ot.kind != tokOp {
		return nil, p.errorf(ot, "expected an operator such as = after %s, found %s", field, ot)
	}
	op := FilterOp(ot.text)
	switch {
	case kind == kindDays && op != FilterEq:
		return nil, p.errorf(ot, "%s takes =, as in %s = 30", field, field)
	case (kind == kindEnum || kind == kindSet) && op != FilterEq && op != FilterNe:
		return nil, p.errorf(ot, "%s takes = or !=, not %s", field, op)
	}
	vt := p.next()
	if vt.kind != tokWord && vt.kind != tokString {
		return nil, p.errorf(vt, "expected a value after %s %s, found %s", field, op, vt)
	}
	p.comparisons++
	if p.comparisons > MaxFilterComparisons {
		return nil, p.errorf(ft, "the filter has more than %d comparisons; split the question into several lists", MaxFilterComparisons)
	}
	if kind == kindTime {
		return p.timeComparison(field, op, vt)
	}
	value, err := canonicalValue(field, vt.text)
	if err != nil {
		return nil, p.errorf(vt, "%v", err)
	}
	return &Filter{Op: op, Field: field, Value: value}, nil
}

// canonicalValue checks a value of a field other than the times and returns its
// canonical form.
func canonicalValue(field, v string) (string, error) {
	switch field {
	case FilterFieldState:
		if !slices.Contains(States, State(v)) {
			return "", fmt.Errorf("unknown state %q: use one of %s", v, joinNames(States))
		}
	case FilterFieldCategory:
		if !knownCategory(Category(v)) {
			return "", fmt.Errorf("unknown category %q: use one of %s", v, joinNames(categories))
		}
	case FilterFieldFlag:
		if !slices.Contains(CaseFlags, CaseFlag(v)) {
			return "", fmt.Errorf("unknown flag %q: use one of %s", v, joinNames(CaseFlags))
		}
	case FilterFieldApplicant:
		if !ValidOrganisationNumber(v) {
			return "", fmt.Errorf("applicant %q is not an organisation number: give the nine digits, as in applicant = 940931002", v)
		}
	case FilterFieldMunicipality:
		if !ValidMunicipalityNumber(v) {
			return "", fmt.Errorf("municipality %q is not a municipality number in force: give its four digits, as in municipality = 3118", v)
		}
	case FilterFieldMinistry:
		if !validMinistryCode(v) {
			return "", fmt.Errorf("ministry %q is not a ministry code: give the code in capitals, as in ministry = KD", v)
		}
	case FilterFieldCounty:
		if !ValidCountyNumber(v) {
			return "", fmt.Errorf("county %q is not a county number in force: give its two digits, as in county = 46", v)
		}
	case FilterFieldTitle:
		words := TitleWords(v)
		if len(words) != 1 {
			return "", fmt.Errorf("title takes one word, as in title = karakter; AND several to find titles with all of them")
		}
		return words[0], nil
	case FilterFieldLaw:
		if !ValidLovdataID(v) {
			return "", fmt.Errorf("law %q is not a Lovdata id: write it as in law = LOV-2023-06-09-30", v)
		}
	case FilterFieldCaseNumber:
		year, n, ok := ParseCaseNumber(v)
		if !ok {
			return "", fmt.Errorf("case_number %q is not a case number: write it as in case_number = \"2026/42\"", v)
		}
		return FormatCaseNumber(year, n), nil
	case FilterFieldCall:
		id := strings.TrimPrefix(v, "calls/")
		if !ValidCallID(id) {
			return "", fmt.Errorf("call %q is not a call's id: write it as in call = 2027-01", v)
		}
		return id, nil
	case FilterFieldStage:
		if v != string(StagePreliminary) && v != string(StageFinal) {
			return "", fmt.Errorf("unknown stage %q: use PRELIMINARY or FINAL", v)
		}
	case FilterFieldEndsWithinDays, FilterFieldEvaluationDueWithinDays:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxFilterDays {
			return "", fmt.Errorf("%s takes a number of days from 0 to %d, not %q", field, MaxFilterDays, v)
		}
		return strconv.Itoa(n), nil
	}
	return v, nil
}

// The instants a filter may compare with: those a stored time can be, as Unix
// nanoseconds in an int64, from 1970.
var (
	minFilterTime = time.Unix(0, 0).UTC()
	maxFilterTime = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)

// timeComparison parses an instant or a date. A date stands for its whole day in the
// parser's calendar, so comparisons with it become comparisons with the day's first
// instant and the next day's: `<= D` is `< D+1`, `= D` is `>= D AND < D+1`.
func (p *filterParser) timeComparison(field string, op FilterOp, vt token) (*Filter, error) {
	cmp := func(op FilterOp, t time.Time) *Filter {
		return &Filter{Op: op, Field: field, Value: formatFilterTime(t)}
	}
	inRange := func(t time.Time) bool { return !t.Before(minFilterTime) && t.Before(maxFilterTime) }
	if day, err := ParseDate(vt.text); err == nil {
		start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, p.loc)
		end := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, p.loc)
		if !inRange(start) || !inRange(end) {
			return nil, p.errorf(vt, "%s %s: give a date from 1970 to 2261", field, vt.text)
		}
		switch op {
		case FilterLt, FilterGe:
			return cmp(op, start), nil
		case FilterLe:
			return cmp(FilterLt, end), nil
		case FilterGt:
			return cmp(FilterGe, end), nil
		case FilterEq:
			return &Filter{Op: FilterAnd, Args: []*Filter{cmp(FilterGe, start), cmp(FilterLt, end)}}, nil
		default: // FilterNe
			return &Filter{Op: FilterOr, Args: []*Filter{cmp(FilterLt, start), cmp(FilterGe, end)}}, nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, vt.text)
	if err != nil {
		return nil, p.errorf(vt, "%s takes an RFC 3339 time such as \"2026-01-01T00:00:00Z\" or a date such as 2026-01-01, not %q", field, vt.text)
	}
	if !inRange(t) {
		return nil, p.errorf(vt, "%s %s: give a time from 1970 to 2261", field, vt.text)
	}
	return cmp(op, t), nil
}

func formatFilterTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// TimeValue returns the instant a create_time or update_time comparison compares with;
// the zero time for another node.
func (f *Filter) TimeValue() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, f.Value)
	return t
}

// DaysValue returns the number of days of a *_within_days comparison; 0 for another node.
func (f *Filter) DaysValue() int {
	n, _ := strconv.Atoi(f.Value)
	return n
}

// join makes args one node of op, flattening children of the same op; one arg is itself.
func join(op FilterOp, args []*Filter) *Filter {
	if len(args) == 1 {
		return args[0]
	}
	out := &Filter{Op: op}
	for _, a := range args {
		if a.Op == op {
			out.Args = append(out.Args, a.Args...)
		} else {
			out.Args = append(out.Args, a)
		}
	}
	return out
}

// String prints the filter in the grammar ParseFilter reads, canonically: ParseFilter
// of the result is the same tree. Groups are parenthesised wherever they are nested, so
// the reader need not remember that OR binds tighter than AND.
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	var b strings.Builder
	f.write(&b, false)
	return b.String()
}

func (f *Filter) write(b *strings.Builder, nested bool) {
	switch f.Op {
	case FilterAnd, FilterOr:
		if nested {
			b.WriteByte('(')
		}
		for i, a := range f.Args {
			if i > 0 {
				b.WriteString(" " + string(f.Op) + " ")
			}
			a.write(b, true)
		}
		if nested {
			b.WriteByte(')')
		}
	case FilterNot:
		b.WriteString("NOT ")
		if len(f.Args) == 1 {
			f.Args[0].write(b, true)
		}
	default:
		b.WriteString(f.Field + " " + string(f.Op) + " " + quoteFilterValue(f.Value))
	}
}

// quoteFilterValue leaves a value bare when the tokenizer reads it back as one word.
func quoteFilterValue(v string) string {
	bare := v != "" && v[0] != '-' && v != "AND" && v != "OR" && v != "NOT"
	for i := 0; i < len(v) && bare; i++ {
		c := v[i]
		bare = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_-./:+", c) >= 0
	}
	if bare {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(v) + `"`
}

// Comparisons returns the filter's comparisons, depth first.
func (f *Filter) Comparisons() []*Filter {
	if f == nil {
		return nil
	}
	if len(f.Args) == 0 {
		return []*Filter{f}
	}
	var out []*Filter
	for _, a := range f.Args {
		out = append(out, a.Comparisons()...)
	}
	return out
}

var categories = []Category{CategoryOrganisation, CategoryTaskDivision, CategoryStateControl, CategoryUnitaryCounty}

// validMinistryCode reports whether s has the shape of a ministry code, "KD", "HOD";
// whether the ministry exists is the reference data's to say.
func validMinistryCode(s string) bool {
	if len(s) < 2 || len(s) > 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func joinNames[T ~string](names []T) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}
