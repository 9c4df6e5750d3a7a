package main

import (
	"net/http"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// The municipalities of the call's story besides leadOrg and coOrg; the organisation
// numbers are syntactically valid examples.
const (
	larvikOrg  = "964201196" // Larvik kommune, 3909
	sandnesOrg = "974990008" // Sandnes kommune, 1108
)

// preliminaryApplication is validApplication as a preliminary application to the call
// from one kommune: no council decision and no draft regulation yet (R20).
func preliminaryApplication(call, org, name, municipality string) map[string]any {
	app := validApplication()
	delete(app, "draftRegulation")
	app["applicants"] = []any{map[string]any{"organisationNumber": org, "name": name, "kind": "KOMMUNE", "municipalityNumber": municipality}}
	app["call"] = call
	app["themes"] = []string{"Skole"}
	return app
}

// TestEndToEnd_CallForApplications tells issue 14's story over real gRPC and REST: a
// call is published; three kommuner send preliminary applications in time and a fourth
// after the deadline, refused naming R20; KDD consults a ministry on one, and one
// decision selects two and declines one; a selected kommune completes and submits its
// final application, which is approved through the usual workflow; each case's
// history and the call's statistics tell the story.
func TestEndToEnd_CallForApplications(t *testing.T) {
	t.Parallel()
	clock := trialtest.NewClock(at("2026-03-02", 10))
	s := startServer(t, t.TempDir(), clock)

	// KDD drafts the call over gRPC and publishes it over REST; it is then public.
	c, err := s.api.CreateCall(s.as(t, s.approver(t)), &forsokv1.CreateCallRequest{Call: &forsokv1.Call{
		Title:               "Forsøk i tillitsreformen 2026",
		Description:         "KDD inviterer kommuner til å søke om forsøk etter forsøksloven.",
		Themes:              []string{"Skole", "Helse"},
		EligibleKinds:       []forsokv1.Applicant_Kind{forsokv1.Applicant_KOMMUNE},
		PreliminaryDeadline: "2026-04-15", FinalDeadline: "2026-06-30",
	}})
	if err != nil {
		t.Fatalf("CreateCall: %v", err)
	}
	call := c.GetName()
	mustEqual(t, "call name", call, "calls/2026-01")
	code, _ := s.rest(t, http.MethodGet, "/v1/"+call, "", nil)
	wantEqual(t, "anonymous read of a draft call", code, http.StatusNotFound)
	got := s.restOK(t, http.MethodPost, path(call, "publish"), s.handler(t), `{"comment": "Kunngjort på regjeringen.no."}`)
	wantEqual(t, "call state", jstr(got, "state"), "OPEN")
	got = s.restOK(t, http.MethodGet, "/v1/"+call, "", nil)
	wantEqual(t, "anonymous read: state", jstr(got, "state"), "OPEN")
	wantEqual(t, "anonymous read: preliminaryDeadline", jstr(got, "preliminaryDeadline"), "2026-04-15")
	wantEqual(t, "anonymous list of calls", len(jlist(s.restOK(t, http.MethodGet, "/v1/calls", "", nil), "calls")), 1)

	// Four kommuner apply; three submit in time.
	type applicant struct{ org, name, municipality, app string }
	ios := &applicant{leadOrg, leadName, leadMunicipal, ""}
	rade := &applicant{coOrg, coName, coMunicipal, ""}
	larvik := &applicant{larvikOrg, "Larvik kommune", "3909", ""}
	sandnes := &applicant{sandnesOrg, "Sandnes kommune", "1108", ""}
	for _, a := range []*applicant{ios, rade, larvik, sandnes} {
		app := s.restOK(t, http.MethodPost, "/v1/applications", s.municipality(t, a.org), preliminaryApplication(call, a.org, a.name, a.municipality))
		a.app = jstr(app, "name")
		wantEqual(t, a.name+": stage", jstr(app, "stage"), "PRELIMINARY")
		wantEqual(t, a.name+": call", jstr(app, "call"), call)
		wantEqual(t, a.name+": deadline", jstr(app, "deadline"), "2026-04-15")
	}
	for _, a := range []*applicant{ios, rade, larvik} {
		app := s.restOK(t, http.MethodPost, path(a.app, "submit"), s.municipality(t, a.org), `{"comment": "Foreløpig søknad."}`)
		wantEqual(t, a.name+": state after submit", jstr(app, "state"), "SUBMITTED")
	}

	// Sandnes is too late: the scheduler moved the call to ASSESSMENT at the deadline,
	// and the submission is refused naming R20.
	s.Advance(at("2026-04-16", 9))
	got = s.restOK(t, http.MethodGet, "/v1/"+call, "", nil)
	wantEqual(t, "call state after the deadline", jstr(got, "state"), "ASSESSMENT")
	code, body := s.rest(t, http.MethodPost, path(sandnes.app, "submit"), s.municipality(t, sandnesOrg), `{}`)
	wantHTTPError(t, "late submission", code, body, http.StatusBadRequest, codes.FailedPrecondition)
	if got := preconditionTypes(body); !containsString(got, "R20 call") {
		t.Errorf("late submission: violations %q, want R20 call", got)
	}

	// KDD consults KD on Indre Østfold's preliminary application.
	if _, err := s.api.AssignApplication(s.as(t, s.handler(t)), &forsokv1.AssignApplicationRequest{Name: ios.app}); err != nil {
		t.Fatalf("AssignApplication: %v", err)
	}
	consult := func(name string) {
		t.Helper()
		cons, err := s.api.CreateConsultation(s.as(t, s.handler(t)), &forsokv1.CreateConsultationRequest{Parent: name,
			Consultation: &forsokv1.Consultation{Ministry: "KD", Question: "Har KD merknader til forsøket?", DueWorkingDays: 10}})
		if err != nil {
			t.Fatalf("CreateConsultation: %v", err)
		}
		s.restOK(t, http.MethodPost, path(cons.GetName(), "respond"), s.ministry(t, "KD"), `{"position": "SUPPORTS", "statement": "KD støtter forsøket."}`)
	}
	consult(ios.app)

	// One decision: Indre Østfold and Råde are selected, Larvik is declined.
	res := s.restOK(t, http.MethodPost, path(call, "selectApplications"), s.approver(t), map[string]any{
		"names": []string{ios.app, rade.app}, "declinedNames": []string{larvik.app},
		"reasons": "Utvalgt etter samlet vurdering med fagdepartementene.", "declineReasonCodes": []string{"NOT_PRIORITISED"},
	})
	for i, want := range []string{"SELECTED", "SELECTED", "NOT_SELECTED"} {
		wantEqual(t, ev(i, "state")+" of the decision", jstr(res, "applications", i, "state"), want)
		wantEqual(t, ev(i, "selection.reasons"), jstr(res, "applications", i, "selection", "reasons"), "Utvalgt etter samlet vurdering med fagdepartementene.")
	}
	wantEqual(t, "selected: stage", jstr(res, "applications", 0, "stage"), "FINAL")
	wantEqual(t, "selected: deadline", jstr(res, "applications", 0, "deadline"), "2026-06-30")

	// Indre Østfold completes its final application: submit is not allowed yet, and
	// ListAllowedActions says why.
	lead := s.municipality(t, leadOrg)
	actions := s.restOK(t, http.MethodGet, "/v1/"+ios.app+"/actions", lead, nil)
	var failing []string
	for _, a := range jlist(actions, "actions") {
		if jstr(a, "action") == "submit" {
			for _, v := range jlist(a, "failingGuards") {
				failing = append(failing, jstr(v, "rule")+" "+jstr(v, "field"))
			}
		}
	}
	for _, want := range []string{"R9 draft_regulation", "R20 progress_plan", "R8 applicants[0].council_decision"} {
		if !slices.Contains(failing, want) {
			t.Errorf("allowed actions: submit's failing guards %q, want %q", failing, want)
		}
	}
	s.restOK(t, http.MethodPatch, "/v1/"+ios.app, lead, map[string]any{
		"applicants":      []any{jget(validApplication(), "applicants", 0)},
		"draftRegulation": "Forskrift om forsøk med vurdering uten karakter i Indre Østfold kommune.",
		"progressPlan":    "August 2026 oppstart; januar 2027 første statusrapport; juni 2029 sluttrapport.",
	})
	clock.Set(at("2026-05-04", 9))
	final := s.restOK(t, http.MethodPost, path(ios.app, "submit"), s.municipality(t, leadOrg), `{"comment": "Endelig søknad, vedtatt i kommunestyret."}`)
	wantEqual(t, "final: state", jstr(final, "state"), "SUBMITTED")
	wantEqual(t, "final: stage", jstr(final, "stage"), "FINAL")

	// The usual workflow to approval.
	if _, err := s.api.AssignApplication(s.as(t, s.handler(t)), &forsokv1.AssignApplicationRequest{Name: ios.app}); err != nil {
		t.Fatalf("AssignApplication: %v", err)
	}
	consult(ios.app)
	app, err := s.api.ApproveApplication(s.as(t, s.approver(t)), &forsokv1.ApproveApplicationRequest{
		Name: ios.app, ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31", Reasons: "Forsøket er innenfor forsøksloven § 3 a.",
	})
	if err != nil {
		t.Fatalf("ApproveApplication: %v", err)
	}
	wantEqual(t, "approved: state", app.GetState(), forsokv1.Application_APPROVED)
	wantEqual(t, "approved: call", app.GetCall(), call)

	// Each case's history tells its part.
	history := func(name string) []string {
		var out []string
		// The lead sees its case in every state, a draft included.
		org := map[string]string{ios.app: leadOrg, rade.app: coOrg, larvik.app: larvikOrg, sandnes.app: sandnesOrg}[name]
		for _, e := range s.events(t, name, s.municipality(t, org)) {
			out = append(out, jstr(e, "action"))
		}
		return out
	}
	// Six weeks passed between the preliminary submissions and the deadline: R14's
	// month ran out first. Sandnes, still drafting, was reminded of the deadline.
	wantStory := map[string][]string{
		ios.app: {"create", "submit", "interimReplyOverdue", "assign", "createConsultation", "respondToConsultation", "select",
			"update", "submit", "assign", "createConsultation", "respondToConsultation", "approve"},
		rade.app:    {"create", "submit", "interimReplyOverdue", "select"},
		larvik.app:  {"create", "submit", "interimReplyOverdue", "decline"},
		sandnes.app: {"create", "deadlineSoon"},
	}
	for name, want := range wantStory {
		if got := history(name); !slices.Equal(got, want) {
			t.Errorf("history of %s: got %v, want %v", name, got, want)
		}
	}

	// And the call's statistics, public.
	st := s.restOK(t, http.MethodGet, "/v1/"+call+"/statistics", "", nil)
	for field, want := range map[string]float64{"received": 3, "selected": 2, "notSelected": 1, "finalSubmitted": 1, "approved": 1, "drafts": 1} {
		if got, _ := jget(st, field).(float64); got != want {
			t.Errorf("statistics.%s: got %v, want %v (%v)", field, got, want, st)
		}
	}
	for _, kv := range []struct {
		path []any
		want float64
	}{{[]any{"byCounty", "31"}, 2}, {[]any{"byCounty", "39"}, 1}, {[]any{"byTheme", "Skole"}, 3}} {
		if got, _ := jget(st, kv.path...).(float64); got != kv.want {
			t.Errorf("statistics %v: got %v, want %v", kv.path, got, kv.want)
		}
	}

	// The call's own events are in KDD's feed, in the call's hash chain.
	got = s.restOK(t, http.MethodGet, "/v1/"+call, s.handler(t), nil)
	if jstr(got, "chainHead", "hash") == "" {
		t.Errorf("call chainHead: got %v, want the hash of its last event", jget(got, "chainHead"))
	}
}
