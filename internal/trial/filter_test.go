package trial_test

import (
	"reflect"
	"testing"

	"github.com/forsok/forsok/internal/trial"
)

func TestParseFilter(t *testing.T) {
	// none is the filter that restricts nothing.
	none := trial.Filter{EndsWithinDays: -1, EvaluationDueWithinDays: -1}
	with := func(edit func(f *trial.Filter)) trial.Filter {
		f := none
		edit(&f)
		return f
	}
	states := func(s ...trial.State) trial.Filter {
		return with(func(f *trial.Filter) { f.States = s })
	}
	for _, tc := range []struct {
		name   string
		filter string
		want   trial.Filter
	}{
		{"OKEmpty", "", none},
		{"OKBlank", "  \t ", none},
		{"OKState", "state = SUBMITTED", states(trial.StateSubmitted)},
		{"OKStateWithoutSpaces", "state=SUBMITTED", states(trial.StateSubmitted)},
		{"OKStateQuoted", `state = "IN_REVIEW"`, states(trial.StateInReview)},
		{"OKStateParenthesised", "(state = APPROVED)", states(trial.StateApproved)},
		{"OKStatesOred", "(state = APPROVED OR state = ACTIVE OR state = CLOSED)",
			states(trial.StateApproved, trial.StateActive, trial.StateClosed)},
		{"OKApplicant", "applicant = 940931002", with(func(f *trial.Filter) { f.Applicant = "940931002" })},
		{"OKApplicantQuoted", `applicant = "940931002"`, with(func(f *trial.Filter) { f.Applicant = "940931002" })},
		{"OKStatesAndApplicant", "(state = SUBMITTED OR state = IN_REVIEW) AND applicant = 940931002",
			with(func(f *trial.Filter) {
				f.States, f.Applicant = []trial.State{trial.StateSubmitted, trial.StateInReview}, "940931002"
			})},
		{"OKApplicantAndState", "applicant = 940931002 AND state = DRAFT",
			with(func(f *trial.Filter) { f.States, f.Applicant = []trial.State{trial.StateDraft}, "940931002" })},
		{"OKSameApplicantTwice", "applicant = 940931002 AND applicant = 940931002",
			with(func(f *trial.Filter) { f.Applicant = "940931002" })},
		{"OKStatesIntersected", "(state = APPROVED OR state = ACTIVE) AND (state = ACTIVE OR state = CLOSED)",
			states(trial.StateActive)},
		// No state matches: an empty, not a nil, list of states.
		{"OKStatesContradict", "state = DRAFT AND state = SUBMITTED", states([]trial.State{}...)},
		{"OKFlag", "flag = NEEDS_INTERIM_REPLY", with(func(f *trial.Filter) { f.Flag = trial.FlagNeedsInterimReply })},
		{"OKSameFlagTwice", "flag = NEEDS_INTERIM_REPLY AND flag = NEEDS_INTERIM_REPLY",
			with(func(f *trial.Filter) { f.Flag = trial.FlagNeedsInterimReply })},
		{"OKEndsWithinDays", "ends_within_days = 90", with(func(f *trial.Filter) { f.EndsWithinDays = 90 })},
		{"OKEndsWithinZeroDays", "ends_within_days = 0", with(func(f *trial.Filter) { f.EndsWithinDays = 0 })},
		{"OKEndsWithinTheStricterDays", "ends_within_days = 5 AND ends_within_days = 10",
			with(func(f *trial.Filter) { f.EndsWithinDays = 5 })},
		{"OKEvaluationDueWithinDays", "evaluation_due_within_days = 30 AND state = EVALUATING",
			with(func(f *trial.Filter) {
				f.EvaluationDueWithinDays, f.States = 30, []trial.State{trial.StateEvaluating}
			})},
		{"OKEvaluationDueWithinTheStricterDays", "evaluation_due_within_days = 3 AND evaluation_due_within_days = 30",
			with(func(f *trial.Filter) { f.EvaluationDueWithinDays = 3 })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := trial.ParseFilter(tc.filter)
			if err != nil {
				t.Fatalf("ParseFilter(%q): got error %v, want nil", tc.filter, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseFilter(%q): got %+v, want %+v", tc.filter, got, tc.want)
			}
		})
	}

	for _, tc := range []struct{ name, filter string }{
		{"ErrUnknownField", "title = x"},
		{"ErrQuotedField", `"state" = SUBMITTED`},
		{"ErrUnknownState", "state = OPEN"},
		{"ErrLowerCaseState", "state = submitted"},
		{"ErrMissingEquals", "state SUBMITTED"},
		{"ErrOtherOperator", "state != SUBMITTED"},
		{"ErrMissingValue", "state ="},
		{"ErrEmptyQuotedValue", `state = ""`},
		{"ErrUnterminatedQuote", `state = "SUBMITTED`},
		{"ErrParenthesisAsValue", "state = ("},
		{"ErrEmptyGroup", "()"},
		{"ErrUnclosedGroup", "(state = SUBMITTED OR state = IN_REVIEW"},
		{"ErrUnopenedGroup", "state = SUBMITTED)"},
		{"ErrOrOutsideGroup", "state = SUBMITTED OR state = IN_REVIEW"},
		{"ErrLowerCaseAnd", "state = SUBMITTED and applicant = 940931002"},
		{"ErrDanglingAnd", "state = SUBMITTED AND"},
		{"ErrLeadingAnd", "AND state = SUBMITTED"},
		{"ErrMissingAnd", "state = SUBMITTED applicant = 940931002"},
		{"ErrMixedFieldsInGroup", "(state = SUBMITTED OR applicant = 940931002)"},
		{"ErrInvalidApplicant", "applicant = 940931003"},
		{"ErrShortApplicant", "applicant = 123"},
		{"ErrTwoApplicants", "applicant = 940931002 AND applicant = 940802652"},
		{"ErrApplicantsOred", "(applicant = 940931002 OR applicant = 940802652)"},
		{"ErrUnknownFlag", "flag = URGENT"},
		{"ErrTwoFlags", "flag = NEEDS_INTERIM_REPLY AND flag = CONSULTATION_OVERDUE"},
		{"ErrFlagsOred", "(flag = NEEDS_INTERIM_REPLY OR flag = CONSULTATION_OVERDUE)"},
		{"ErrDaysNotANumber", "ends_within_days = soon"},
		{"ErrDaysNegative", "ends_within_days = -1"},
		{"ErrDaysTooMany", "evaluation_due_within_days = 3661"},
		{"ErrDaysOred", "(ends_within_days = 1 OR ends_within_days = 2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := trial.ParseFilter(tc.filter)
			if err == nil {
				t.Fatalf("ParseFilter(%q): got %+v, want an error", tc.filter, got)
			}
			var e *trial.Error
			if !errorsAs(err, &e) || e.Code != trial.CodeInvalidArgument {
				t.Fatalf("ParseFilter(%q): got %v, want INVALID_ARGUMENT", tc.filter, err)
			}
			if len(e.Violations) != 1 || e.Violations[0].Field != "filter" || e.Violations[0].Reason != "FILTER_INVALID" {
				t.Errorf("ParseFilter(%q): got violations %+v, want one on field filter, FILTER_INVALID", tc.filter, e.Violations)
			}
			if !reflect.DeepEqual(got, trial.Filter{}) {
				t.Errorf("ParseFilter(%q): got filter %+v with the error, want the zero Filter", tc.filter, got)
			}
		})
	}
}

// errorsAs is errors.As for a *trial.Error.
func errorsAs(err error, target **trial.Error) bool {
	e, ok := err.(*trial.Error)
	if ok {
		*target = e
	}
	return ok
}
