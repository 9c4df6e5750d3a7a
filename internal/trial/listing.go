package trial

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ListKeys are the values of a case that ListApplications filters and orders on: what a
// store indexes. ListKeysOf derives them, so a store and the reference semantics here
// (Filter.Match) cannot disagree about what a case's values are.
type ListKeys struct {
	State      State
	Category   Category
	CaseNumber string // "" before the first submission
	// Applicants, Municipalities, Laws, Flags and Ministries are sorted and without
	// duplicates or empty values.
	Applicants     []string // organisation numbers
	Municipalities []string // the kommune applicants' municipality numbers
	Laws           []string // Lovdata ids of the exempted laws
	Flags          []CaseFlag
	Ministries     []string // ministries with a consultation on the case, in any state
	Counties       []string // the applicants' county numbers (Applicant.County)
	TitleWords     []string // the title's words (TitleWords)
	CreateTime     time.Time
	UpdateTime     time.Time
	// PeriodEnd is the current last day of a running trial (ACTIVE or
	// EXTENSION_REQUESTED); "" otherwise.
	PeriodEnd string
	// EvaluationDue is the report's due date of an evaluating case without its report;
	// "" otherwise.
	EvaluationDue string
	// Call is the id of the case's call for applications, "" for a direct application;
	// Stage its stage (StageOf: FINAL when unset).
	Call  string
	Stage Stage
}

// ListKeysOf returns the list keys of the case with its consultations.
func ListKeysOf(app *Application, cons []*Consultation) ListKeys {
	k := ListKeys{
		State: app.State, Category: app.Category, CaseNumber: app.CaseNumber,
		Flags: sortedSet(app.Flags), CreateTime: app.CreateTime, UpdateTime: app.UpdateTime,
		Call: app.Call, Stage: StageOf(app),
	}
	var orgs, municipalities, laws, ministries, counties []string
	for _, a := range app.Applicants {
		orgs = append(orgs, a.OrganisationNumber)
		municipalities = append(municipalities, a.MunicipalityNumber)
		counties = append(counties, a.County())
	}
	k.Counties, k.TitleWords = sortedSet(counties), TitleWords(app.Title)
	for _, e := range app.Exemptions {
		laws = append(laws, e.LawID)
	}
	for _, c := range cons {
		ministries = append(ministries, c.Ministry)
	}
	k.Applicants, k.Municipalities, k.Laws, k.Ministries = sortedSet(orgs), sortedSet(municipalities), sortedSet(laws), sortedSet(ministries)
	if app.State == StateActive || app.State == StateExtensionRequested {
		k.PeriodEnd = CurrentEnd(app)
	}
	if app.State == StateEvaluating && app.EvaluationReport == nil {
		k.EvaluationDue = app.EvaluationDue
	}
	return k
}

// sortedSet returns the distinct non-empty values of vs, sorted; nil when there are none.
func sortedSet[T ~string](vs []T) []T {
	var out []T
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Match reports whether a case with the keys k matches the filter, today being the date
// the *_within_days fields count from (as ParseDate returns it). It is the meaning of a
// filter; a store evaluates filters from its indexes and must agree with it.
func (f *Filter) Match(k ListKeys, today time.Time) bool {
	if f == nil {
		return true
	}
	switch f.Op {
	case FilterAnd:
		for _, a := range f.Args {
			if !a.Match(k, today) {
				return false
			}
		}
		return true
	case FilterOr:
		for _, a := range f.Args {
			if a.Match(k, today) {
				return true
			}
		}
		return false
	case FilterNot:
		return len(f.Args) == 1 && !f.Args[0].Match(k, today)
	}
	switch f.Field {
	case FilterFieldCreateTime:
		return compareTime(k.CreateTime, f.Op, f.TimeValue())
	case FilterFieldUpdateTime:
		return compareTime(k.UpdateTime, f.Op, f.TimeValue())
	case FilterFieldEndsWithinDays:
		return k.PeriodEnd != "" && k.PeriodEnd <= FormatDate(today.AddDate(0, 0, f.DaysValue()))
	case FilterFieldEvaluationDueWithinDays:
		return k.EvaluationDue != "" && k.EvaluationDue <= FormatDate(today.AddDate(0, 0, f.DaysValue()))
	}
	var has bool
	switch f.Field {
	case FilterFieldState:
		has = string(k.State) == f.Value
	case FilterFieldCategory:
		has = string(k.Category) == f.Value
	case FilterFieldCaseNumber:
		has = k.CaseNumber == f.Value
	case FilterFieldApplicant:
		has = slices.Contains(k.Applicants, f.Value)
	case FilterFieldMunicipality:
		has = slices.Contains(k.Municipalities, f.Value)
	case FilterFieldLaw:
		has = slices.Contains(k.Laws, f.Value)
	case FilterFieldMinistry:
		has = slices.Contains(k.Ministries, f.Value)
	case FilterFieldFlag:
		has = slices.Contains(k.Flags, CaseFlag(f.Value))
	case FilterFieldCall:
		has = k.Call == f.Value
	case FilterFieldStage:
		has = string(k.Stage) == f.Value
	case FilterFieldCounty:
		has = slices.Contains(k.Counties, f.Value)
	case FilterFieldTitle:
		has = slices.Contains(k.TitleWords, f.Value)
	}
	return has == (f.Op == FilterEq)
}

func compareTime(t time.Time, op FilterOp, v time.Time) bool {
	c := t.Compare(v)
	switch op {
	case FilterEq:
		return c == 0
	case FilterNe:
		return c != 0
	case FilterLt:
		return c < 0
	case FilterLe:
		return c <= 0
	case FilterGt:
		return c > 0
	case FilterGe:
		return c >= 0
	}
	return false
}

// Match reports whether a case with the keys k is in the query's result: it passes the
// visibility restrictions and the filter.
func (q *Query) Match(k ListKeys) bool {
	if len(q.States) > 0 && !slices.Contains(q.States, k.State) {
		return false
	}
	if q.ApplicantOrganisation != "" && !slices.Contains(k.Applicants, q.ApplicantOrganisation) {
		return false
	}
	if q.ConsultedMinistry != "" && !slices.Contains(k.Ministries, q.ConsultedMinistry) {
		return false
	}
	return q.Filter.Match(k, q.Today)
}

// The fields ListApplications orders by (AIP-132).
const (
	// OrderCreateTime is creation order, which is application id order: ids are
	// allocated as cases are created. The default.
	OrderCreateTime = "create_time"
	// OrderUpdateTime is the time of the last change, ties in id order.
	OrderUpdateTime = "update_time"
	// OrderCaseNumber is case number order (year, then number). A case without a number
	// (a draft never submitted) sorts as if its number were higher than any: after the
	// numbered ones ascending, before them descending, among themselves in id order.
	OrderCaseNumber = "case_number"
)

// Order is a ListApplications ordering: one field, ascending unless Desc. The zero Order
// is the default, create_time ascending.
type Order struct {
	Field string
	Desc  bool
}

// ParseOrderBy parses an AIP-132 order_by of one field, optionally followed by "desc"
// (or "asc"): "update_time desc". "name" orders by the resource name, which is the same
// as create_time. Errors are CodeInvalidArgument on the field "order_by".
//
// It is not go.einride.tech/aip/ordering's parser: that one parses a list of fields
// and answers every malformed order_by with "invalid format", where each of the errors
// here says what is wrong ("update_time sideways": not a direction; "a, b": one field at
// a time) and lists the fields one may order by. Parsing one field and a direction is
// a strings.Fields; the messages are the part worth keeping.
func ParseOrderBy(s string) (Order, error) {
	words := strings.Fields(s)
	fail := func(description string) (Order, error) {
		return Order{}, Invalid([]Violation{{Field: "order_by", Reason: "ORDER_BY_INVALID", Description: description +
			fmt.Sprintf("; order by one of %s, %s, %s, optionally followed by desc, as in \"update_time desc\"", OrderCreateTime, OrderUpdateTime, OrderCaseNumber)}})
	}
	switch {
	case len(words) == 0:
		return Order{Field: OrderCreateTime}, nil
	case strings.Contains(s, ","):
		return fail("cases are ordered by one field at a time")
	case len(words) > 2:
		return fail(fmt.Sprintf("%q has more than a field and a direction", s))
	}
	o := Order{Field: words[0]}
	switch o.Field {
	case "name":
		o.Field = OrderCreateTime
	case OrderCreateTime, OrderUpdateTime, OrderCaseNumber:
	default:
		return fail(fmt.Sprintf("cannot order by %q", words[0]))
	}
	if len(words) == 2 {
		switch words[1] {
		case "desc":
			o.Desc = true
		case "asc":
		default:
			return fail(fmt.Sprintf("%q is not a direction: write desc, or nothing for ascending", words[1]))
		}
	}
	return o, nil
}

// String returns the canonical order_by: "create_time", "update_time desc".
func (o Order) String() string {
	f := o.Field
	if f == "" {
		f = OrderCreateTime
	}
	if o.Desc {
		return f + " desc"
	}
	return f
}

// Query selects and orders cases for a list. Empty fields do not restrict. The Service
// fills the visibility fields (States, ApplicantOrganisation, ConsultedMinistry) from the
// caller, so a store never returns what the caller may not see; the caller's own filter
// is ANDed with them. Match is what the query means.
type Query struct {
	// States restricts to cases in one of these states (nil or empty: any state).
	States []State
	// ApplicantOrganisation restricts to cases with this applicant.
	ApplicantOrganisation string
	// ConsultedMinistry restricts to cases with a consultation of this ministry.
	ConsultedMinistry string
	// Filter is the caller's filter (ParseFilter); nil matches every case.
	Filter *Filter
	// Order is the order of the list; the zero Order is create_time ascending.
	Order Order
	// Today is the date the filter's *_within_days fields count from, as ParseDate
	// returns it. It is not part of what a page token pins: a list paged across midnight
	// counts the later pages from the new day.
	Today time.Time
	// PageSize is the most cases in one page (0: the store's default).
	PageSize int
	// PageToken is a token the store returned for the same query ("": the first page).
	PageToken string
}
