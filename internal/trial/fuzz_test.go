package trial_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// FuzzParseFilter: ParseFilter never panics; a refusal is INVALID_ARGUMENT with one
// violation on "filter"; an accepted filter is a well-formed tree that prints as a
// filter which parses back to the same tree.
func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{
		"", "state = SUBMITTED", `state = "IN_REVIEW" AND applicant = 940931002`,
		"(state = SUBMITTED OR state = IN_REVIEW) AND NOT municipality = 3118",
		"-ministry = KD OR law = LOV-2023-06-09-30 AND category != ORGANISATION",
		`create_time >= "2026-01-01T00:00:00Z" AND update_time < 2026-02-01`,
		`case_number = "2026/42" OR flag = NEEDS_INTERIM_REPLY`,
		"ends_within_days = 90 OR evaluation_due_within_days = 30",
		"update_time = 2026-03-29", "create_time != 2026-10-25",
		`ministry = "A\"ND"`, "((((state = DRAFT))))", "state = DRAFT)", "NOT NOT state = DRAFT",
	} {
		f.Add(seed)
	}
	oslo := fuzzOslo(f)
	today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	keys := trial.ListKeysOf(trialtest.Application(), nil)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := trial.ParseFilter(s, oslo)
		if err != nil {
			var e *trial.Error
			if !errors.As(err, &e) || e.Code != trial.CodeInvalidArgument || len(e.Violations) != 1 ||
				e.Violations[0].Field != "filter" || e.Violations[0].Reason != "FILTER_INVALID" || e.Violations[0].Description == "" {
				t.Fatalf("ParseFilter(%q): got %#v, want INVALID_ARGUMENT with one violation on filter", s, err)
			}
			if got != nil {
				t.Fatalf("ParseFilter(%q): got %q with the error, want nil", s, got)
			}
			return
		}
		if got == nil {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("ParseFilter(%q): got no filter, want one", s)
			}
			return
		}
		checkTree(t, s, got, "")
		text := got.String()
		again, err := trial.ParseFilter(text, oslo)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("ParseFilter(%q) printed %q, which parses to %v, %v; want the same tree", s, text, again, err)
		}
		// The calendar is resolved: another one reads the printed form the same way.
		if utc, err := trial.ParseFilter(text, time.UTC); err != nil || !reflect.DeepEqual(utc, got) {
			t.Fatalf("ParseFilter(%q) in UTC: got %v, %v; want the tree read in Oslo", text, utc, err)
		}
		_ = got.Match(keys, today)
	})
}

// checkTree checks the shape ParseFilter promises: AND and OR with two or more
// children, none of its own operator; NOT with one; comparisons of known fields.
func checkTree(t *testing.T, input string, f *trial.Filter, parent trial.FilterOp) {
	t.Helper()
	switch f.Op {
	case trial.FilterAnd, trial.FilterOr:
		if len(f.Args) < 2 || f.Op == parent {
			t.Fatalf("ParseFilter(%q): %s node with %d children under %q", input, f.Op, len(f.Args), parent)
		}
	case trial.FilterNot:
		if len(f.Args) != 1 {
			t.Fatalf("ParseFilter(%q): NOT with %d children", input, len(f.Args))
		}
	default:
		if len(f.Args) != 0 || f.Field == "" || f.Value == "" {
			t.Fatalf("ParseFilter(%q): malformed comparison %#v", input, f)
		}
		if (f.Field == trial.FilterFieldCreateTime || f.Field == trial.FilterFieldUpdateTime) && f.TimeValue().IsZero() {
			t.Fatalf("ParseFilter(%q): time comparison with value %q", input, f.Value)
		}
	}
	for _, a := range f.Args {
		checkTree(t, input, a, f.Op)
	}
}

func fuzzOslo(tb testing.TB) *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// chooser draws choices from fuzz input; when the input runs out every choice is the
// first.
type chooser struct{ data []byte }

func (c *chooser) byte() byte {
	if len(c.data) == 0 {
		return 0
	}
	b := c.data[0]
	c.data = c.data[1:]
	return b
}

func (c *chooser) intn(n int) int { return int(c.byte()) % n }
func (c *chooser) bool() bool     { return c.byte()&1 == 1 }

func choose[T any](c *chooser, vs ...T) T { return vs[c.intn(len(vs))] }

// text is a text from the pool, or raw bytes of the input (which may be invalid UTF-8).
func (c *chooser) text(pool ...string) string {
	if n := c.intn(len(pool) + 2); n < len(pool) {
		return pool[n]
	} else if n == len(pool) {
		// Around the length limits, in characters (å is two bytes).
		return strings.Repeat("å", choose(c, trial.MaxShortTextLength, trial.MaxShortTextLength+1, trial.MaxTextLength+1))
	}
	n := min(c.intn(40), len(c.data))
	s := string(c.data[:n])
	c.data = c.data[n:]
	return s
}

func (c *chooser) date() string {
	if c.bool() {
		return choose(c, "", "2026-08-01", "2029-07-31", "2030-07-31", "2026-02-30", "2026-8-1", "0000-01-01",
			"9999-12-31", "2025-06-12", "2026-03-02", "2027-02-28", "2024-02-29")
	}
	return time.Date(2024+c.intn(12), time.Month(1+c.intn(12)), 1+c.intn(31), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

func (c *chooser) org() string {
	return choose(c, "940931002", "940802652", "964518009", "972417858", "999990134", "940931003", "123", "")
}

func (c *chooser) council() *trial.CouncilDecision {
	if c.bool() {
		return nil
	}
	return &trial.CouncilDecision{Body: c.text("Kommunestyret", ""), CaseReference: c.text("2025/311", ""), MeetingDate: c.date()}
}

func (c *chooser) ministry(ref *trial.Reference) string {
	if c.intn(4) == 0 {
		return choose(c, "", "XX", "kd", "KDD")
	}
	return ref.Ministries[c.intn(len(ref.Ministries))].Code
}

// application returns a random case: any state, and fields valid, missing or malformed.
func (c *chooser) application(ref *trial.Reference) *trial.Application {
	app := &trial.Application{
		ID: "2026-000001", State: choose(c, trial.States...), CaseNumber: choose(c, "", "2026/1"),
		Title: c.text("Forsøk", "", " "), Summary: c.text("Sammendrag", ""),
		Category:     choose(c, trial.CategoryOrganisation, trial.CategoryTaskDivision, trial.CategoryStateControl, trial.CategoryUnitaryCounty, "", "OTHER"),
		PlannedStart: c.date(), PlannedEnd: c.date(),
		EvaluationPlan: c.text("Plan", ""), EmployeeInvolvement: c.text("Drøftet", ""), DraftRegulation: c.text("Forskrift", ""),
		EvaluationDue: c.date(),
	}
	for range c.intn(4) {
		app.Purposes = append(app.Purposes, choose(c, trial.PurposeServiceQuality, trial.PurposeResourceUse, "", "OTHER"))
	}
	for i := range c.intn(5) {
		app.Applicants = append(app.Applicants, trial.Applicant{
			OrganisationNumber: c.org(), Name: c.text("Kommune", ""),
			Kind:               choose(c, trial.KindKommune, trial.KindFylkeskommune, "", "OTHER"),
			MunicipalityNumber: choose(c, "3118", "3112", "0301", "3000", "", "31"),
			CountyNumber:       choose(c, "", "31", "46", "30"),
			CouncilDecision:    c.council(), Lead: i == 0 || c.intn(4) == 0, ParticipationConfirmed: c.bool(),
		})
	}
	laws := []string{"LOV-2023-06-09-30", "LOV-2008-06-27-71", "bad", ""}
	for _, l := range append(ref.BlockedLaws, ref.FlaggedLaws...) {
		laws = append(laws, l.LawID)
	}
	for range c.intn(5) {
		app.Exemptions = append(app.Exemptions, trial.Exemption{
			LawID: choose(c, laws...), Section: c.text("§ 15-4", ""), CurrentRule: c.text("Regel", ""),
			ProposedRule: c.text("Ny regel", ""), OwningMinistry: c.ministry(ref), RestrictsRights: c.bool(),
			Justification: c.text("", "Begrunnelse"),
		})
	}
	if c.bool() {
		app.Decision = &trial.Decision{
			Approved: c.bool(), ApprovedStart: c.date(), ApprovedEnd: c.date(),
			RegulationID: choose(c, "", "FOR-2026-06-20-1234", "LOV-2026-06-20-1"), PublicationReference: c.text("", "Norsk Lovtidend"),
		}
	}
	for range c.intn(3) {
		app.Extensions = append(app.Extensions, trial.Extension{
			RequestedEnd: c.date(), State: choose(c, trial.ExtensionRequested, trial.ExtensionGranted, trial.ExtensionDenied, ""),
			ApprovedEnd: c.date(), CouncilDecision: c.council(), ReformReference: c.text("", "Prop. 1 L"), ReformInForce: c.date(),
		})
	}
	if c.bool() {
		app.EvaluationReport = &trial.EvaluationReport{ReportReference: c.text("Rapport", ""), Summary: c.text("Bra", "")}
	}
	return app
}

func (c *chooser) consultations(ref *trial.Reference) []*trial.Consultation {
	var cons []*trial.Consultation
	for i := range c.intn(4) {
		con := &trial.Consultation{
			ApplicationID: "2026-000001", ID: string(rune('1' + i)), Ministry: c.ministry(ref), DueDate: c.date(),
			State: choose(c, trial.ConsultationRequested, trial.ConsultationAnswered, trial.ConsultationCancelled),
		}
		if con.State == trial.ConsultationAnswered || c.intn(4) == 0 {
			con.Response = &trial.ConsultationResponse{Position: choose(c, trial.PositionSupports, trial.PositionSupportsWithConditions, trial.PositionObjects, trial.PositionNoComment, "")}
		}
		cons = append(cons, con)
	}
	return cons
}

// FuzzGuards runs the legal guards and the field validation on random cases and inputs:
// none may panic, every guard violation names its rule, the field and a reason, and
// every field violation names the field and a reason.
func FuzzGuards(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("the quick brown fox jumps over the lazy dog, again and again and again"))
	f.Add([]byte{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 37, 39, 41, 43, 45, 47})
	ref := trial.DefaultReference()
	f.Fuzz(func(t *testing.T, data []byte) { checkGuards(t, ref, data) })
}

func checkGuards(t testing.TB, ref *trial.Reference, data []byte) {
	{
		c := &chooser{data: data}
		app := c.application(ref)
		cons := c.consultations(ref)
		today := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).AddDate(0, 0, c.intn(256)*20)
		approve := trial.ApproveInput{ApprovedStart: c.date(), ApprovedEnd: c.date(), Reasons: c.text("Begrunnelse", ""),
			ObjectionResponse: c.text("", "Svar"), RegulationID: choose(c, "", "FOR-2026-06-20-1234", "x"), PublicationReference: c.text("", "NL")}
		extension := trial.ExtensionRequestInput{RequestedEnd: c.date(), CouncilDecision: c.council(), ReformReference: c.text("", "Prop."), ReformInForce: c.date()}
		decision := trial.ExtensionDecisionInput{Grant: c.bool(), ApprovedEnd: c.date(), AmendingRegulationID: choose(c, "", "FOR-2029-01-01-1", "x"), Reasons: c.text("Ja", "")}
		closing := trial.CloseInput{Outcome: choose(c, trial.OutcomeMadePermanent, trial.OutcomeDiscontinued, "", "X"), Reasons: c.text("", "Slutt"), WithoutEvaluation: c.bool()}
		terminate := trial.TerminateInput{Reasons: c.text("Ulovlig", ""), RepealingInstrument: choose(c, "", "FOR-2030-01-01-2", "x")}
		consult := trial.ConsultationInput{Ministry: c.ministry(ref), Question: c.text("Støtter dere?", ""), DueDate: c.date(), DueWorkingDays: c.intn(300) - 20}
		participate := trial.ParticipationInput{OrganisationNumber: c.org(), CouncilDecision: c.council()}

		guards := map[string][]trial.Violation{
			"SubmitGuards":           trial.SubmitGuards(app, ref, today),
			"ApproveGuards":          trial.ApproveGuards(app, cons, approve, ref, today),
			"ActivateGuards":         trial.ActivateGuards(app, today),
			"RequestExtensionGuards": trial.RequestExtensionGuards(app, extension, today),
			"DecideExtensionGuards":  trial.DecideExtensionGuards(app, decision),
			"EndPeriodGuards":        trial.EndPeriodGuards(app, today),
			"CloseGuards":            trial.CloseGuards(app, closing, today),
			"TerminateGuards":        trial.TerminateGuards(app, terminate),
			"ConsultationGuards":     trial.ConsultationGuards(app, cons, consult, ref, today),
			"ParticipationGuards":    trial.ParticipationGuards(app, participate, today),
		}
		for name, vs := range guards {
			for _, v := range vs {
				if v.Rule == "" || v.Field == "" || v.Reason == "" || v.Description == "" {
					t.Fatalf("%s: violation %+v lacks a rule, field, reason or description", name, v)
				}
			}
		}
		fields := map[string][]trial.Violation{
			"ValidateDraft":                   trial.ValidateDraft(app, ref),
			"ApproveInput.Validate":           approve.Validate(),
			"ExtensionRequestInput.Validate":  extension.Validate(),
			"ExtensionDecisionInput.Validate": decision.Validate(),
			"CloseInput.Validate":             closing.Validate(),
			"TerminateInput.Validate":         terminate.Validate(),
			"ConsultationInput.Validate":      consult.Validate(ref),
			"ParticipationInput.Validate":     participate.Validate(),
		}
		for name, vs := range fields {
			for _, v := range vs {
				if v.Field == "" || v.Reason == "" || v.Description == "" {
					t.Fatalf("%s: violation %+v lacks a field, reason or description", name, v)
				}
			}
			if err := trial.Invalid(vs); len(vs) > 0 && trial.ErrorCode(err) != trial.CodeInvalidArgument {
				t.Fatalf("%s: Invalid gave %v, want INVALID_ARGUMENT", name, err)
			}
		}
	}
}
