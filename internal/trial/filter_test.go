package trial_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

func TestParseFilter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		filter string
		want   string // the canonical form, String of the tree
	}{
		{"OKEmpty", "", ""},
		{"OKBlank", "  \t ", ""},
		{"OKState", "state = SUBMITTED", "state = SUBMITTED"},
		{"OKStateWithoutSpaces", "state=SUBMITTED", "state = SUBMITTED"},
		{"OKStateQuoted", `state = "IN_REVIEW"`, "state = IN_REVIEW"},
		{"OKStateParenthesised", "((state = APPROVED))", "state = APPROVED"},
		{"OKStateNotEqual", "state != DRAFT", "state != DRAFT"},
		{"OKStatesOred", "state = APPROVED OR state = ACTIVE OR state = CLOSED", "state = APPROVED OR state = ACTIVE OR state = CLOSED"},
		{"OKOrInGroup", "(state = SUBMITTED OR state = IN_REVIEW) AND applicant = 940931002",
			"(state = SUBMITTED OR state = IN_REVIEW) AND applicant = 940931002"},
		// AIP-160: OR binds tighter than AND.
		{"OKOrBindsTighter", "applicant = 940931002 AND state = SUBMITTED OR state = IN_REVIEW",
			"applicant = 940931002 AND (state = SUBMITTED OR state = IN_REVIEW)"},
		{"OKAndInOr", "(state = DRAFT AND applicant = 940931002) OR municipality = 3118",
			"(state = DRAFT AND applicant = 940931002) OR municipality = 3118"},
		{"OKFlattened", "state = DRAFT AND (applicant = 940931002 AND (category = ORGANISATION))",
			"state = DRAFT AND applicant = 940931002 AND category = ORGANISATION"},
		{"OKNot", "NOT state = DRAFT", "NOT state = DRAFT"},
		{"OKNotGroup", "NOT (state = DRAFT OR state = CLOSED)", "NOT (state = DRAFT OR state = CLOSED)"},
		{"OKMinus", "-state = DRAFT AND -(flag = NEEDS_INTERIM_REPLY)", "NOT state = DRAFT AND NOT flag = NEEDS_INTERIM_REPLY"},
		{"OKTwoApplicants", "applicant = 940931002 AND applicant = 940802652", "applicant = 940931002 AND applicant = 940802652"},
		{"OKMunicipality", "municipality = 3118", "municipality = 3118"},
		{"OKMinistry", "ministry = KD", "ministry = KD"},
		{"OKMinistryLikeAKeyword", `ministry = "AND"`, `ministry = "AND"`},
		{"OKCategory", "category = TASK_DIVISION", "category = TASK_DIVISION"},
		{"OKLaw", "law = LOV-2023-06-09-30", "law = LOV-2023-06-09-30"},
		{"OKCaseNumber", `case_number = "2026/42"`, "case_number = 2026/42"},
		{"OKCaseNumberUnquoted", "case_number = 2026/42", "case_number = 2026/42"},
		{"OKFlag", "flag = NEEDS_INTERIM_REPLY", "flag = NEEDS_INTERIM_REPLY"},
		{"OKEndsWithinDays", "ends_within_days = 90", "ends_within_days = 90"},
		{"OKEndsWithinDaysLeadingZero", "ends_within_days = 007", "ends_within_days = 7"},
		{"OKEvaluationDueWithinDays", "evaluation_due_within_days = 30 AND state = EVALUATING",
			"evaluation_due_within_days = 30 AND state = EVALUATING"},
		{"OKTimestamp", `create_time >= "2026-01-01T00:00:00Z"`, "create_time >= 2026-01-01T00:00:00Z"},
		{"OKTimestampUnquoted", `update_time < 2026-01-01T01:00:00+01:00`, "update_time < 2026-01-01T00:00:00Z"},
		{"OKTimestampFraction", `update_time > "2026-03-02T09:30:00.123456789Z"`, "update_time > 2026-03-02T09:30:00.123456789Z"},
		// Dates are whole days in the calendar given (here UTC).
		{"OKDateGe", "create_time >= 2026-01-01", "create_time >= 2026-01-01T00:00:00Z"},
		{"OKDateLt", "create_time < 2026-01-01", "create_time < 2026-01-01T00:00:00Z"},
		{"OKDateLe", "create_time <= 2026-01-31", "create_time < 2026-02-01T00:00:00Z"},
		{"OKDateGt", "create_time > 2026-01-31", "create_time >= 2026-02-01T00:00:00Z"},
		{"OKDateEq", "update_time = 2026-02-28", "update_time >= 2026-02-28T00:00:00Z AND update_time < 2026-03-01T00:00:00Z"},
		{"OKDateNe", "update_time != 2026-02-28", "update_time < 2026-02-28T00:00:00Z OR update_time >= 2026-03-01T00:00:00Z"},
		{"OKDateEqInAnd", "state = DRAFT AND create_time = 2026-01-01",
			"state = DRAFT AND create_time >= 2026-01-01T00:00:00Z AND create_time < 2026-01-02T00:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := trial.ParseFilter(tc.filter, nil)
			if err != nil {
				t.Fatalf("ParseFilter(%q): got error %v, want nil", tc.filter, err)
			}
			if got.String() != tc.want {
				t.Errorf("ParseFilter(%q): got %q, want %q", tc.filter, got.String(), tc.want)
			}
			again, err := trial.ParseFilter(got.String(), nil)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("ParseFilter(%q) of the canonical form: got %+v, %v; want the same tree", got.String(), again, err)
			}
		})
	}

	for _, tc := range []struct{ name, filter, contains string }{
		{"ErrUnknownField", "colour = x", `unknown field "colour"`},
		{"ErrQuotedField", `"state" = SUBMITTED`, "expected a field name"},
		{"ErrUnknownState", "state = OPEN", `unknown state "OPEN"`},
		{"ErrLowerCaseState", "state = submitted", "unknown state"},
		{"ErrMissingEquals", "state SUBMITTED", "expected an operator"},
		{"ErrBang", "state ! SUBMITTED", "! must be followed by ="},
		{"ErrStateOrdered", "state > SUBMITTED", "state takes = or !="},
		{"ErrMissingValue", "state =", "expected a value"},
		{"ErrEmptyQuotedValue", `state = ""`, "unknown state"},
		{"ErrUnterminatedQuote", `state = "SUBMITTED`, "not closed"},
		{"ErrParenthesisAsValue", "state = (", "expected a value"},
		{"ErrEmptyGroup", "()", "expected a field name"},
		{"ErrUnclosedGroup", "(state = SUBMITTED OR state = IN_REVIEW", "expected ) to close"},
		{"ErrUnopenedGroup", "state = SUBMITTED)", "unmatched )"},
		{"ErrLowerCaseAnd", "state = SUBMITTED and applicant = 940931002", "expected AND or OR"},
		{"ErrDanglingAnd", "state = SUBMITTED AND", "found the end of the filter"},
		{"ErrLeadingAnd", "AND state = SUBMITTED", "expected a field name"},
		{"ErrMissingAnd", "state = SUBMITTED applicant = 940931002", "expected AND or OR"},
		{"ErrDoubleNot", "NOT NOT state = DRAFT", "expected a field name"},
		{"ErrInvalidApplicant", "applicant = 940931003", "not an organisation number"},
		{"ErrShortApplicant", "applicant = 123", "not an organisation number"},
		{"ErrMunicipality", "municipality = 3000", "not a municipality number"},
		{"ErrMinistry", "ministry = kd", "not a ministry code"},
		{"ErrCategory", "category = OTHER", "unknown category"},
		{"ErrLaw", "law = LOV-2023-13-09-30", "not a Lovdata id"},
		{"ErrCaseNumber", "case_number = 2026/042", "not a case number"},
		{"ErrUnknownFlag", "flag = URGENT", "unknown flag"},
		{"ErrDaysNotANumber", "ends_within_days = soon", "number of days"},
		{"ErrDaysNegative", "ends_within_days = -1", "number of days"},
		{"ErrDaysTooMany", "evaluation_due_within_days = 3661", "number of days"},
		{"ErrDaysCompared", "ends_within_days < 3", "takes ="},
		{"ErrTime", "create_time >= yesterday", "RFC 3339"},
		{"ErrTimeBefore1970", "create_time >= 1969-12-31", "from 1970"},
		{"ErrTimeTooLate", `update_time < "2262-06-01T00:00:00Z"`, "from 1970"},
		{"ErrImpossibleDate", "create_time >= 2026-02-30", "RFC 3339"},
		{"ErrTooDeep", strings.Repeat("(", trial.MaxFilterDepth+1) + "state = DRAFT" + strings.Repeat(")", trial.MaxFilterDepth+1), "nests deeper"},
		{"ErrTooMany", strings.Repeat("state = DRAFT OR ", trial.MaxFilterComparisons) + "state = DRAFT", "more than 50 comparisons"},
		{"ErrTooLong", "state = DRAFT" + strings.Repeat(" ", trial.MaxFilterLength), "shorten it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := trial.ParseFilter(tc.filter, nil)
			if err == nil {
				t.Fatalf("ParseFilter(%q): got %q, want an error", tc.filter, got)
			}
			var e *trial.Error
			if !errors.As(err, &e) || e.Code != trial.CodeInvalidArgument {
				t.Fatalf("ParseFilter(%q): got %v, want INVALID_ARGUMENT", tc.filter, err)
			}
			if len(e.Violations) != 1 || e.Violations[0].Field != "filter" || e.Violations[0].Reason != "FILTER_INVALID" {
				t.Fatalf("ParseFilter(%q): got violations %+v, want one on field filter, FILTER_INVALID", tc.filter, e.Violations)
			}
			if !strings.Contains(e.Violations[0].Description, tc.contains) {
				t.Errorf("ParseFilter(%q): got %q, want it to say %q", tc.filter, e.Violations[0].Description, tc.contains)
			}
			if got != nil {
				t.Errorf("ParseFilter(%q): got filter %q with the error, want nil", tc.filter, got)
			}
		})
	}
}

func TestParseFilter_DatesInCalendar(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	f, err := trial.ParseFilter("create_time <= 2026-01-31 AND update_time >= 2026-07-01", oslo)
	if err != nil {
		t.Fatal(err)
	}
	// Midnight in Oslo is 23:00 UTC in winter and 22:00 in summer.
	if got, want := f.String(), "create_time < 2026-01-31T23:00:00Z AND update_time >= 2026-06-30T22:00:00Z"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFilter_Match(t *testing.T) {
	today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	created := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	k := trial.ListKeys{
		State: trial.StateActive, Category: trial.CategoryOrganisation, CaseNumber: "2026/42",
		Applicants: []string{"940802652", "940931002"}, Municipalities: []string{"3112", "3118"},
		Laws: []string{"LOV-2023-06-09-30"}, Flags: []trial.CaseFlag{trial.FlagPublicationMissing},
		Ministries: []string{"KD"}, CreateTime: created, UpdateTime: created.Add(time.Hour),
		PeriodEnd: "2026-08-31",
	}
	for _, tc := range []struct {
		filter string
		want   bool
	}{
		{"", true},
		{"state = ACTIVE", true},
		{"state != ACTIVE", false},
		{"applicant = 940931002 AND applicant = 940802652", true},
		{"applicant != 964518009", true},
		{"municipality = 3118 AND law = LOV-2023-06-09-30 AND ministry = KD AND category = ORGANISATION", true},
		{"ministry = HOD OR flag = PUBLICATION_MISSING", true},
		{"NOT (ministry = HOD OR flag = PUBLICATION_MISSING)", false},
		{`case_number = "2026/42"`, true},
		{`case_number = "2026/4"`, false},
		{`create_time = "2026-03-02T09:30:00Z"`, true},
		{"create_time = 2026-03-02", true},
		{"create_time > 2026-03-02", false},
		{"create_time <= 2026-03-02 AND update_time > 2026-03-01", true},
		{`update_time <= "2026-03-02T10:29:59Z"`, false},
		{"ends_within_days = 91", true},
		{"ends_within_days = 90", false},
		{"evaluation_due_within_days = 3000", false},
	} {
		f, err := trial.ParseFilter(tc.filter, nil)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tc.filter, err)
		}
		if got := f.Match(k, today); got != tc.want {
			t.Errorf("Match(%q): got %v, want %v", tc.filter, got, tc.want)
		}
	}
}

func TestListKeysOf(t *testing.T) {
	app := &trial.Application{
		State: trial.StateEvaluating, CaseNumber: "2026/7", Category: trial.CategoryTaskDivision,
		Applicants: []trial.Applicant{
			{OrganisationNumber: "940931002", MunicipalityNumber: "3118"},
			{OrganisationNumber: "940802652", MunicipalityNumber: "3112"},
			{OrganisationNumber: "940931002", MunicipalityNumber: "3118"},
			{OrganisationNumber: "921234566", CountyNumber: "31"},
		},
		Exemptions:    []trial.Exemption{{LawID: "LOV-2023-06-09-30"}, {LawID: "LOV-2008-06-27-71"}, {LawID: "LOV-2023-06-09-30"}},
		Flags:         []trial.CaseFlag{trial.FlagEvaluationOverdue},
		Decision:      &trial.Decision{ApprovedEnd: "2029-07-31"},
		EvaluationDue: "2030-01-31",
	}
	cons := []*trial.Consultation{{Ministry: "KD"}, {Ministry: "HOD"}, {Ministry: "KD"}}
	got := trial.ListKeysOf(app, cons)
	want := trial.ListKeys{
		State: trial.StateEvaluating, CaseNumber: "2026/7", Category: trial.CategoryTaskDivision,
		Applicants:     []string{"921234566", "940802652", "940931002"},
		Municipalities: []string{"3112", "3118"},
		Laws:           []string{"LOV-2008-06-27-71", "LOV-2023-06-09-30"},
		Flags:          []trial.CaseFlag{trial.FlagEvaluationOverdue},
		Ministries:     []string{"HOD", "KD"},
		Counties:       []string{"31"},
		EvaluationDue:  "2030-01-31",
		Stage:          trial.StageFinal,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	app.EvaluationReport = &trial.EvaluationReport{}
	if got := trial.ListKeysOf(app, nil).EvaluationDue; got != "" {
		t.Errorf("with the report in: got evaluation due %q, want none", got)
	}
	app.State = trial.StateExtensionRequested
	app.Extensions = []trial.Extension{{State: trial.ExtensionGranted, ApprovedEnd: "2030-07-31"}, {State: trial.ExtensionRequested}}
	if got := trial.ListKeysOf(app, nil).PeriodEnd; got != "2030-07-31" {
		t.Errorf("extended: got period end %q, want 2030-07-31", got)
	}
}

func TestParseOrderBy(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want trial.Order
	}{
		{"", trial.Order{Field: trial.OrderCreateTime}},
		{"name", trial.Order{Field: trial.OrderCreateTime}},
		{"create_time", trial.Order{Field: trial.OrderCreateTime}},
		{" update_time  desc ", trial.Order{Field: trial.OrderUpdateTime, Desc: true}},
		{"case_number asc", trial.Order{Field: trial.OrderCaseNumber}},
		{"name desc", trial.Order{Field: trial.OrderCreateTime, Desc: true}},
	} {
		got, err := trial.ParseOrderBy(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseOrderBy(%q): got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"title", "update_time DESC", "update_time desc, name", "case_number desc asc", "desc"} {
		_, err := trial.ParseOrderBy(in)
		var e *trial.Error
		if !errors.As(err, &e) || e.Code != trial.CodeInvalidArgument || len(e.Violations) != 1 || e.Violations[0].Field != "order_by" {
			t.Errorf("ParseOrderBy(%q): got %v, want INVALID_ARGUMENT on order_by", in, err)
		}
	}
}
