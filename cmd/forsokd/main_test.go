package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// The end-to-end tests run the real Main on a temporary data directory with ports the
// kernel picks and a fake clock, and talk to it as its users do: municipalities over
// REST with JSON as api.md shows, KDD's handlers and approvers over gRPC with the
// generated client, ministries over either.

var caseNumberPattern = regexp.MustCompile(`^2026/[1-9][0-9]*$`)

// TestEndToEnd_Lifecycle takes one joint application from DRAFT to CLOSED.
func TestEndToEnd_Lifecycle(t *testing.T) {
	t.Parallel()
	clock := trialtest.NewClock(at("2026-03-02", 10))
	s := startServer(t, t.TempDir(), clock)
	lead := func(t *testing.T) string { return s.municipality(t, leadOrg) }
	var name string

	t.Run("CreateJointDraft", func(t *testing.T) {
		app := s.createDraft(t, validApplication(coApplicant()))
		name = jstr(app, "name")
		if !strings.HasPrefix(name, "applications/2026-") {
			t.Fatalf("name: got %q, want applications/2026-…", name)
		}
		wantEqual(t, "etag", jstr(app, "etag") != "", true)
		wantEqual(t, "applicants[0].lead", jget(app, "applicants", 0, "lead"), any(true))
		wantEqual(t, "applicants[1].lead", jget(app, "applicants", 1, "lead"), nil)
		wantEqual(t, "applicants[1].participationConfirmed", jget(app, "applicants", 1, "participationConfirmed"), nil)
	})
	if name == "" {
		t.FailNow()
	}

	t.Run("SubmitRefusedUntilCoApplicantConfirms", func(t *testing.T) {
		code, body := s.rest(t, http.MethodPost, path(name, "submit"), lead(t), `{}`)
		wantHTTPError(t, "submit", code, body, http.StatusBadRequest, codes.FailedPrecondition)
		got := preconditionTypes(body)
		if want := "R8 applicants[1].participation_confirmed"; !containsString(got, want) {
			t.Errorf("PreconditionFailure violations: got %q, want one %q", got, want)
		}
		if info := detail(body, "google.rpc.ErrorInfo"); jstr(info, "reason") == "" {
			t.Errorf("ErrorInfo: got %v, want a reason", info)
		}
		app := s.restOK(t, http.MethodGet, path(name), lead(t), nil)
		wantEqual(t, "state after refused submit", jstr(app, "state"), "DRAFT")
	})

	t.Run("CoApplicantConfirms", func(t *testing.T) {
		app := s.restOK(t, http.MethodPost, path(name, "confirmParticipation"), s.municipality(t, coOrg), `{
			"organisationNumber": "940802652",
			"councilDecision": {"body": "Råde kommunestyre", "caseReference": "2025/77", "meetingDate": "2025-06-19"}
		}`)
		wantEqual(t, "state", jstr(app, "state"), "DRAFT")
		wantEqual(t, "applicants[1].participationConfirmed", jget(app, "applicants", 1, "participationConfirmed"), any(true))
		wantEqual(t, "applicants[1].councilDecision.caseReference", jstr(app, "applicants", 1, "councilDecision", "caseReference"), "2025/77")
	})

	t.Run("LeadSubmits", func(t *testing.T) {
		app := s.restOK(t, http.MethodPost, path(name, "submit"), lead(t), `{"comment": "Vedtatt i begge kommunestyrene."}`)
		wantEqual(t, "state", jstr(app, "state"), "SUBMITTED")
		if cn := jstr(app, "caseNumber"); !caseNumberPattern.MatchString(cn) {
			t.Errorf("caseNumber: got %q, want YYYY/N (2026/…)", cn)
		}
		wantEqual(t, "submitTime", jstr(app, "submitTime"), clock.Now().UTC().Format(time.RFC3339))
	})

	t.Run("HandlerAssigns", func(t *testing.T) {
		app, err := s.api.AssignApplication(s.as(t, s.handler(t)), &forsokv1.AssignApplicationRequest{Name: name, Comment: "Jeg tar saken."})
		if err != nil {
			t.Fatalf("AssignApplication: %v", err)
		}
		wantEqual(t, "state", app.GetState(), forsokv1.Application_IN_REVIEW)
		wantEqual(t, "assignedHandler.subject", app.GetAssignedHandler().GetSubject(), "dev-handler")
	})

	var consultation string
	t.Run("HandlerConsultsKD", func(t *testing.T) {
		c, err := s.api.CreateConsultation(s.as(t, s.handler(t)), &forsokv1.CreateConsultationRequest{
			Parent:       name,
			Consultation: &forsokv1.Consultation{Ministry: "KD", Question: "Kan KD støtte unntaket fra opplæringslova § 15-4?", DueWorkingDays: 10},
		})
		if err != nil {
			t.Fatalf("CreateConsultation: %v", err)
		}
		consultation = c.GetName()
		wantEqual(t, "consultation state", c.GetState(), forsokv1.Consultation_REQUESTED)
		if c.GetDueDate() <= "2026-03-02" {
			t.Errorf("dueDate: got %q, want after 2026-03-02", c.GetDueDate())
		}
		app, err := s.api.GetApplication(s.as(t, s.handler(t)), &forsokv1.GetApplicationRequest{Name: name})
		if err != nil {
			t.Fatalf("GetApplication: %v", err)
		}
		wantEqual(t, "state", app.GetState(), forsokv1.Application_IN_CONSULTATION)
	})
	if consultation == "" {
		t.FailNow()
	}

	t.Run("MinistryRespondsOverREST", func(t *testing.T) {
		c := s.restOK(t, http.MethodPost, path(consultation, "respond"), s.ministry(t, "KD"), `{
			"position": "SUPPORTS_WITH_CONDITIONS",
			"statement": "KD støtter forsøket dersom elevene får skriftlige tilbakemeldinger."
		}`)
		wantEqual(t, "consultation state", jstr(c, "state"), "ANSWERED")
		wantEqual(t, "response.position", jstr(c, "response", "position"), "SUPPORTS_WITH_CONDITIONS")
		app, err := s.api.GetApplication(s.as(t, s.approver(t)), &forsokv1.GetApplicationRequest{Name: name})
		if err != nil {
			t.Fatalf("GetApplication: %v", err)
		}
		wantEqual(t, "state after the last answer", app.GetState(), forsokv1.Application_READY_FOR_DECISION)

		// The applicants see the consultation's status, not the ministry's statement.
		list := s.restOK(t, http.MethodGet, "/v1/"+name+"/consultations", lead(t), nil)
		wantEqual(t, "applicant's view: state", jstr(list, "consultations", 0, "state"), "ANSWERED")
		wantEqual(t, "applicant's view: response", jget(list, "consultations", 0, "response"), nil)
	})

	t.Run("ApproverApproves", func(t *testing.T) {
		app, err := s.api.ApproveApplication(s.as(t, s.approver(t)), &forsokv1.ApproveApplicationRequest{
			Name: name, ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31",
			Reasons:      "Forsøket oppfyller vilkårene; KDs vilkår er tatt inn i forskriften.",
			RegulationId: "FOR-2026-03-02-1234", PublicationReference: "Norsk Lovtidend avd. I 2026 nr. 1234",
		})
		if err != nil {
			t.Fatalf("ApproveApplication: %v", err)
		}
		d := app.GetDecision()
		wantEqual(t, "state", app.GetState(), forsokv1.Application_APPROVED)
		wantEqual(t, "decision.approved", d.GetApproved(), true)
		wantEqual(t, "decision.authority", d.GetAuthority(), "FOR-1992-12-11-1050")
		wantEqual(t, "decision.decidedBy.subject", d.GetDecidedBy().GetSubject(), "dev-approver")
		wantEqual(t, "decision.regulationId", d.GetRegulationId(), "FOR-2026-03-02-1234")
	})

	t.Run("ActivateRefusedBeforeStart", func(t *testing.T) {
		_, err := s.api.ActivateTrial(s.as(t, s.handler(t)), &forsokv1.ActivateTrialRequest{Name: name})
		st := wantGRPCError(t, "ActivateTrial before the start date", err, codes.FailedPrecondition)
		if !hasPreconditionRule(st.Details(), "R6") {
			t.Errorf("details: got %v, want a PreconditionFailure naming R6", st.Details())
		}
	})

	t.Run("HandlerActivatesOnStartDate", func(t *testing.T) {
		clock.Set(at("2026-08-01", 8))
		app, err := s.api.ActivateTrial(s.as(t, s.handler(t)), &forsokv1.ActivateTrialRequest{Name: name, Comment: "Forskriften er kunngjort."})
		if err != nil {
			t.Fatalf("ActivateTrial: %v", err)
		}
		wantEqual(t, "state", app.GetState(), forsokv1.Application_ACTIVE)
	})

	t.Run("ExtensionBeyondTwoYearsRefused", func(t *testing.T) {
		clock.Set(at("2029-03-01", 9))
		code, body := s.rest(t, http.MethodPost, path(name, "requestExtension"), lead(t), `{
			"requestedEnd": "2031-08-01",
			"councilDecision": {"body": "Indre Østfold kommunestyre", "caseReference": "2029/12", "meetingDate": "2029-02-14"}
		}`)
		wantHTTPError(t, "requestExtension past two years", code, body, http.StatusBadRequest, codes.FailedPrecondition)
		if got := preconditionTypes(body); !containsString(got, "R7 requested_end") {
			t.Errorf("PreconditionFailure violations: got %q, want R7 requested_end", got)
		}
	})

	t.Run("CoApplicantsCouncilDecidesExtension", func(t *testing.T) {
		// A joint trial's extension needs every participant's council decision (R8+).
		app := s.restOK(t, http.MethodPost, path(name, "confirmParticipation"), s.municipality(t, coOrg), `{
			"organisationNumber": "940802652",
			"councilDecision": {"body": "Råde kommunestyre", "caseReference": "2029/40", "meetingDate": "2029-02-20"}
		}`)
		wantEqual(t, "state", jstr(app, "state"), "ACTIVE")
		wantEqual(t, "applicants[1].extensionCouncilDecision.caseReference", jstr(app, "applicants", 1, "extensionCouncilDecision", "caseReference"), "2029/40")
	})

	t.Run("LeadRequestsExtension", func(t *testing.T) {
		app := s.restOK(t, http.MethodPost, path(name, "requestExtension"), lead(t), `{
			"requestedEnd": "2031-07-31",
			"councilDecision": {"body": "Indre Østfold kommunestyre", "caseReference": "2029/12", "meetingDate": "2029-02-14"}
		}`)
		wantEqual(t, "state", jstr(app, "state"), "EXTENSION_REQUESTED")
		wantEqual(t, "extensions[0].state", jstr(app, "extensions", 0, "state"), "REQUESTED")
	})

	t.Run("ApproverGrantsExtension", func(t *testing.T) {
		app, err := s.api.DecideExtension(s.as(t, s.approver(t)), &forsokv1.DecideExtensionRequest{
			Name: name, Grant: true, ApprovedEnd: "2031-07-31", AmendingRegulationId: "FOR-2029-04-10-600",
			Reasons: "Forlengelse på to år for å få et godt nok kunnskapsgrunnlag (forsøksloven § 3).",
		})
		if err != nil {
			t.Fatalf("DecideExtension: %v", err)
		}
		wantEqual(t, "state", app.GetState(), forsokv1.Application_ACTIVE)
		ext := app.GetExtensions()
		mustEqual(t, "extensions", len(ext), 1)
		wantEqual(t, "extensions[0].state", ext[0].GetState(), forsokv1.Extension_GRANTED)
		wantEqual(t, "extensions[0].approvedEnd", ext[0].GetApprovedEnd(), "2031-07-31")
	})

	t.Run("EndPeriodRefusedOnLastDay", func(t *testing.T) {
		clock.Set(at("2031-07-31", 23))
		_, err := s.api.EndTrialPeriod(s.as(t, s.handler(t)), &forsokv1.EndTrialPeriodRequest{Name: name})
		wantGRPCError(t, "EndTrialPeriod on the last day", err, codes.FailedPrecondition)
	})

	t.Run("HandlerEndsPeriod", func(t *testing.T) {
		clock.Set(at("2031-08-01", 9))
		app, err := s.api.EndTrialPeriod(s.as(t, s.handler(t)), &forsokv1.EndTrialPeriodRequest{Name: name, Comment: "Forsøksperioden er over."})
		if err != nil {
			t.Fatalf("EndTrialPeriod: %v", err)
		}
		wantEqual(t, "state", app.GetState(), forsokv1.Application_EVALUATING)
	})

	t.Run("LeadSubmitsEvaluation", func(t *testing.T) {
		clock.Advance(30 * 24 * time.Hour)
		app := s.restOK(t, http.MethodPost, path(name, "submitEvaluation"), lead(t), `{
			"reportReference": "https://example.org/rapporter/vurdering-uten-karakter.pdf",
			"summary": "Elevene lærte like mye, og motivasjonen økte."
		}`)
		wantEqual(t, "state", jstr(app, "state"), "EVALUATING")
		wantEqual(t, "evaluationReport.summary", jstr(app, "evaluationReport", "summary"), "Elevene lærte like mye, og motivasjonen økte.")
	})

	t.Run("ApproverCloses", func(t *testing.T) {
		app, err := s.api.CloseApplication(s.as(t, s.approver(t)), &forsokv1.CloseApplicationRequest{
			Name: name, Outcome: forsokv1.Application_MADE_PERMANENT, Reasons: "Ordningen videreføres i opplæringslova."})
		if err != nil {
			t.Fatalf("CloseApplication: %v", err)
		}
		wantEqual(t, "state", app.GetState(), forsokv1.Application_CLOSED)
		wantEqual(t, "outcome", app.GetOutcome(), forsokv1.Application_MADE_PERMANENT)
	})

	type step struct{ action, from, to, role string }
	wantSteps := []step{
		{"create", "", "DRAFT", "municipality"},
		{"confirmParticipation", "DRAFT", "DRAFT", "municipality"},
		{"submit", "DRAFT", "SUBMITTED", "municipality"},
		{"assign", "SUBMITTED", "IN_REVIEW", "kdd_handler"},
		{"createConsultation", "IN_REVIEW", "IN_CONSULTATION", "kdd_handler"},
		{"respondToConsultation", "IN_CONSULTATION", "READY_FOR_DECISION", "ministry"},
		{"approve", "READY_FOR_DECISION", "APPROVED", "kdd_approver"},
		{"activate", "APPROVED", "ACTIVE", "kdd_handler"},
		{"confirmParticipation", "ACTIVE", "ACTIVE", "municipality"},
		{"requestExtension", "ACTIVE", "EXTENSION_REQUESTED", "municipality"},
		{"decideExtension", "EXTENSION_REQUESTED", "ACTIVE", "kdd_approver"},
		{"endPeriod", "ACTIVE", "EVALUATING", "kdd_handler"},
		{"submitEvaluation", "EVALUATING", "EVALUATING", "municipality"},
		{"close", "EVALUATING", "CLOSED", "kdd_approver"},
	}

	t.Run("EventsOverREST", func(t *testing.T) {
		events := s.events(t, name, lead(t))
		mustEqual(t, "number of events", len(events), len(wantSteps))
		// The only case on this server: its events are the whole gap-free sequence.
		var prevSeq uint64
		prevTo := ""
		for i, e := range events {
			w := wantSteps[i]
			n := seq(t, e)
			if n != prevSeq+1 {
				t.Errorf("events[%d].sequence: got %d, want %d (strictly increasing, no gaps)", i, n, prevSeq+1)
			}
			prevSeq = n
			wantEqual(t, ev(i, "action"), jstr(e, "action"), w.action)
			wantEqual(t, ev(i, "fromState"), jstr(e, "fromState"), w.from)
			wantEqual(t, ev(i, "toState"), jstr(e, "toState"), w.to)
			wantEqual(t, ev(i, "fromState chains on the previous toState"), jstr(e, "fromState"), prevTo)
			prevTo = jstr(e, "toState")
			wantEqual(t, ev(i, "actor.role"), jstr(e, "actor", "role"), w.role)
			wantEqual(t, ev(i, "name"), jstr(e, "name"), name+"/events/"+jstr(e, "sequence"))
		}
		wantEqual(t, "confirmParticipation actor", jstr(events[1], "actor", "organisationNumber"), coOrg)
		wantEqual(t, "respondToConsultation actor.ministry", jstr(events[5], "actor", "ministry"), "KD")
		wantEqual(t, "respondToConsultation consultation", jstr(events[5], "consultation"), consultation)
		wantEqual(t, "approve actor.subject", jstr(events[6], "actor", "subject"), "dev-approver")
	})

	t.Run("EventsOverGRPC", func(t *testing.T) {
		rest := s.events(t, name, lead(t))
		resp, err := s.api.ListApplicationEvents(s.as(t, s.handler(t)), &forsokv1.ListApplicationEventsRequest{Parent: name})
		if err != nil {
			t.Fatalf("ListApplicationEvents: %v", err)
		}
		events := resp.GetEvents()
		mustEqual(t, "number of events", len(events), len(wantSteps))
		for i, e := range events {
			w := wantSteps[i]
			wantEqual(t, ev(i, "sequence, as over REST"), e.GetSequence(), seq(t, rest[i]))
			wantEqual(t, ev(i, "action"), e.GetAction(), w.action)
			wantEqual(t, ev(i, "toState"), e.GetToState().String(), w.to)
			wantEqual(t, ev(i, "actor.role"), e.GetActor().GetRole(), w.role)
			if i > 0 {
				wantEqual(t, ev(i, "fromState"), e.GetFromState(), events[i-1].GetToState())
			}
		}
		// Paging hands out every event once, in order.
		var paged []uint64
		token := ""
		for {
			resp, err := s.api.ListApplicationEvents(s.as(t, s.approver(t)), &forsokv1.ListApplicationEventsRequest{Parent: name, PageSize: 5, PageToken: token})
			if err != nil {
				t.Fatalf("ListApplicationEvents page: %v", err)
			}
			for _, e := range resp.GetEvents() {
				paged = append(paged, e.GetSequence())
			}
			if token = resp.GetNextPageToken(); token == "" {
				break
			}
		}
		var all []uint64
		for _, e := range events {
			all = append(all, e.GetSequence())
		}
		if !slices.Equal(paged, all) {
			t.Errorf("paged sequences: got %v, want %v", paged, all)
		}
	})
}

// hasPreconditionRule reports whether gRPC error details hold a PreconditionFailure
// naming the rule.
func hasPreconditionRule(details []any, rule string) bool {
	for _, d := range details {
		if pf, ok := d.(*errdetails.PreconditionFailure); ok {
			for _, v := range pf.GetViolations() {
				if v.GetType() == rule {
					return true
				}
			}
		}
	}
	return false
}

// TestEndToEnd_RejectAndWithdraw ends one case by rejection and one by withdrawal.
func TestEndToEnd_RejectAndWithdraw(t *testing.T) {
	t.Parallel()
	clock := trialtest.NewClock(at("2026-03-02", 10))
	s := startServer(t, t.TempDir(), clock)

	t.Run("ApproverRejects", func(t *testing.T) {
		name := s.inReview(t)
		app, err := s.api.RejectApplication(s.as(t, s.approver(t)), &forsokv1.RejectApplicationRequest{
			Name: name,
			ReasonCodes: []forsokv1.RejectApplicationRequest_ReasonCode{
				forsokv1.RejectApplicationRequest_TOO_VAGUE, forsokv1.RejectApplicationRequest_NOT_PRIORITISED},
			Reasons: "Søknaden beskriver ikke hvordan forsøket skal evalueres godt nok.",
		})
		if err != nil {
			t.Fatalf("RejectApplication: %v", err)
		}
		wantEqual(t, "state", app.GetState(), forsokv1.Application_REJECTED)
		wantEqual(t, "decision.approved", app.GetDecision().GetApproved(), false)
		wantEqual(t, "decision.reasonCodes", strings.Join(app.GetDecision().GetReasonCodes(), ","), "TOO_VAGUE,NOT_PRIORITISED")

		// The applicant reads the decision over REST; the public register does not show
		// a rejected case.
		got := s.restOK(t, http.MethodGet, path(name), s.municipality(t, leadOrg), nil)
		wantEqual(t, "state seen by the lead", jstr(got, "state"), "REJECTED")
		wantEqual(t, "decision.reasonCodes[0]", jstr(got, "decision", "reasonCodes", 0), "TOO_VAGUE")
		code, body := s.rest(t, http.MethodGet, path(name), "", nil)
		wantHTTPError(t, "public GET of a rejected case", code, body, http.StatusNotFound, codes.NotFound)

		events := s.events(t, name, s.municipality(t, leadOrg))
		last := events[len(events)-1]
		wantEqual(t, "last action", jstr(last, "action"), "reject")
		wantEqual(t, "last fromState", jstr(last, "fromState"), "IN_REVIEW")
		wantEqual(t, "last toState", jstr(last, "toState"), "REJECTED")
		wantEqual(t, "last actor.role", jstr(last, "actor", "role"), "kdd_approver")

		// Terminal: nothing moves it on.
		_, err = s.api.AssignApplication(s.as(t, s.handler(t)), &forsokv1.AssignApplicationRequest{Name: name})
		wantGRPCError(t, "assign after rejection", err, codes.FailedPrecondition)
	})

	t.Run("LeadWithdrawsInConsultation", func(t *testing.T) {
		name, cname := s.inConsultation(t)
		clock.Advance(2 * time.Hour)
		app := s.restOK(t, http.MethodPost, path(name, "withdraw"), s.municipality(t, leadOrg), `{"reason": "Kommunestyret har vedtatt å trekke søknaden."}`)
		wantEqual(t, "state", jstr(app, "state"), "WITHDRAWN")
		wantEqual(t, "withdrawalReason", jstr(app, "withdrawalReason"), "Kommunestyret har vedtatt å trekke søknaden.")

		resp, err := s.api.ListConsultations(s.as(t, s.handler(t)), &forsokv1.ListConsultationsRequest{Parent: name})
		if err != nil {
			t.Fatalf("ListConsultations: %v", err)
		}
		mustEqual(t, "consultations", len(resp.GetConsultations()), 1)
		c := resp.GetConsultations()[0]
		wantEqual(t, "consultation", c.GetName(), cname)
		wantEqual(t, "consultation state", c.GetState(), forsokv1.Consultation_CANCELLED)
		wantEqual(t, "consultation cancelReason set", c.GetCancelReason() != "", true)

		events := s.events(t, name, s.municipality(t, leadOrg))
		last := events[len(events)-1]
		wantEqual(t, "last action", jstr(last, "action"), "withdraw")
		wantEqual(t, "last fromState", jstr(last, "fromState"), "IN_CONSULTATION")
		wantEqual(t, "last toState", jstr(last, "toState"), "WITHDRAWN")
		// One write: the withdrawal's event records the consultation's cancellation and
		// the consultation changed at the event's instant.
		changes := jlist(last, "changes")
		if !slices.Contains(changes, any("consultations/"+strings.TrimPrefix(cname, name+"/consultations/")+".state")) {
			t.Errorf("withdraw event changes: got %v, want the consultation's state among them", changes)
		}
		eventTime, err := time.Parse(time.RFC3339Nano, jstr(last, "time"))
		if err != nil {
			t.Fatalf("withdraw event time %q: %v", jstr(last, "time"), err)
		}
		if got := c.GetUpdateTime().AsTime(); !got.Equal(eventTime) {
			t.Errorf("consultation updateTime: got %v, want the withdrawal's time %v", got, eventTime)
		}
		wantEqual(t, "no event of its own for the cancellation", len(events), 5)

		// The ministry can no longer answer.
		_, err = s.api.RespondToConsultation(s.as(t, s.ministry(t, "KD")), &forsokv1.RespondToConsultationRequest{
			Name: cname, Position: forsokv1.Consultation_SUPPORTS, Statement: "For sent."})
		wantGRPCError(t, "respond after withdrawal", err, codes.FailedPrecondition)
	})
}

// TestEndToEnd_Refusals checks that bad requests are refused with the right code, and
// change nothing.
func TestEndToEnd_Refusals(t *testing.T) {
	t.Parallel()
	clock := trialtest.NewClock(at("2026-03-02", 10))
	s := startServer(t, t.TempDir(), clock)
	lead := func(t *testing.T) string { return s.municipality(t, leadOrg) }

	t.Run("StaleEtagAborted", func(t *testing.T) {
		app := s.createDraft(t, validApplication())
		name, etag := jstr(app, "name"), jstr(app, "etag")
		updated := s.restOK(t, http.MethodPatch, path(name)+"?updateMask=title", lead(t),
			`{"title": "Vurdering uten karakter på 8. trinn", "etag": "`+etag+`"}`)
		wantEqual(t, "title", jstr(updated, "title"), "Vurdering uten karakter på 8. trinn")
		if jstr(updated, "etag") == etag {
			t.Fatalf("etag after update: got %q, want a new one", etag)
		}
		code, body := s.rest(t, http.MethodPatch, path(name)+"?updateMask=title", lead(t),
			`{"title": "Et annet navn", "etag": "`+etag+`"}`)
		wantHTTPError(t, "PATCH with a stale etag", code, body, http.StatusConflict, codes.Aborted)
		code, body = s.rest(t, http.MethodPost, path(name, "submit"), lead(t), `{"etag": "`+etag+`"}`)
		wantHTTPError(t, "submit with a stale etag", code, body, http.StatusConflict, codes.Aborted)
		got := s.restOK(t, http.MethodGet, path(name), lead(t), nil)
		wantEqual(t, "title after refused update", jstr(got, "title"), "Vurdering uten karakter på 8. trinn")
		wantEqual(t, "state after refused submit", jstr(got, "state"), "DRAFT")

		// The etag is the case's, the same for KDD over gRPC.
		sub := s.submitted(t)
		kdd, err := s.api.GetApplication(s.as(t, s.handler(t)), &forsokv1.GetApplicationRequest{Name: sub})
		if err != nil {
			t.Fatalf("GetApplication: %v", err)
		}
		mine := s.restOK(t, http.MethodGet, path(sub), lead(t), nil)
		wantEqual(t, "etag seen by KDD and by the lead", kdd.GetEtag(), jstr(mine, "etag"))
		_, err = s.api.AssignApplication(s.as(t, s.handler(t)), &forsokv1.AssignApplicationRequest{Name: sub, Etag: kdd.GetEtag() + "0"})
		wantGRPCError(t, "assign with a stale etag", err, codes.Aborted)
		_, err = s.api.AssignApplication(s.as(t, s.handler(t)), &forsokv1.AssignApplicationRequest{Name: sub, Etag: kdd.GetEtag()})
		if err != nil {
			t.Errorf("assign with the current etag: %v", err)
		}
	})

	t.Run("ReplayedRequestID", func(t *testing.T) {
		name := jstr(s.createDraft(t, validApplication()), "name")
		const body = `{"comment": "Første innsending.", "requestId": "5f0c7a52-submit-1"}`
		code, first := s.rest(t, http.MethodPost, path(name, "submit"), lead(t), body)
		mustEqual(t, "first submit", code, http.StatusOK)
		if _, err := s.api.AssignApplication(s.as(t, s.handler(t)), &forsokv1.AssignApplicationRequest{Name: name}); err != nil {
			t.Fatalf("AssignApplication: %v", err)
		}
		code, again := s.rest(t, http.MethodPost, path(name, "submit"), lead(t), body)
		mustEqual(t, "replayed submit", code, http.StatusOK)
		if !reflect.DeepEqual(again, first) {
			t.Errorf("replayed submit: got %v, want the first answer %v", again, first)
		}
		wantEqual(t, "replayed state", jstr(again, "state"), "SUBMITTED")
		now := s.restOK(t, http.MethodGet, path(name), lead(t), nil)
		wantEqual(t, "state now", jstr(now, "state"), "IN_REVIEW")

		code, other := s.rest(t, http.MethodPost, path(name, "submit"), lead(t), `{"comment": "Noe annet.", "requestId": "5f0c7a52-submit-1"}`)
		wantHTTPError(t, "same requestId, different body", code, other, http.StatusBadRequest, codes.InvalidArgument)
		if got := badRequestFields(other); !containsString(got, "request_id") {
			t.Errorf("BadRequest fields: got %q, want request_id", got)
		}

		// Create takes its requestId as a query parameter: a retry creates nothing new.
		c1 := s.restOK(t, http.MethodPost, "/v1/applications?requestId=create-7d1e", lead(t), validApplication())
		c2 := s.restOK(t, http.MethodPost, "/v1/applications?requestId=create-7d1e", lead(t), validApplication())
		wantEqual(t, "retried create's name", jstr(c2, "name"), jstr(c1, "name"))
		list := s.restOK(t, http.MethodGet, "/v1/applications?pageSize=100", lead(t), nil)
		n := 0
		for _, a := range jlist(list, "applications") {
			if jstr(a, "name") == jstr(c1, "name") {
				n++
			}
		}
		wantEqual(t, "cases created by the retried create", n, 1)
	})

	t.Run("IllegalTransition", func(t *testing.T) {
		name := s.submitted(t)
		code, body := s.rest(t, http.MethodPost, path(name, "submit"), lead(t), `{}`)
		wantHTTPError(t, "submit a submitted case", code, body, http.StatusBadRequest, codes.FailedPrecondition)
		if msg := jstr(body, "message"); !strings.Contains(msg, "SUBMITTED") {
			t.Errorf("message: got %q, want it to name the state SUBMITTED", msg)
		}
		if got := preconditionTypes(body); !containsString(got, "STATE state") {
			t.Errorf("PreconditionFailure violations: got %q, want STATE state", got)
		}
		_, err := s.api.ActivateTrial(s.as(t, s.handler(t)), &forsokv1.ActivateTrialRequest{Name: name})
		st := wantGRPCError(t, "activate a submitted case", err, codes.FailedPrecondition)
		if !strings.Contains(st.Message(), "SUBMITTED") {
			t.Errorf("message: got %q, want it to name the state SUBMITTED", st.Message())
		}
	})

	t.Run("ExpiredToken", func(t *testing.T) {
		name := s.submitted(t)
		expired := servertest.Mint(t, auth.DevTokenOptions{Role: trial.RoleMunicipality, Organisation: leadOrg, TTL: time.Hour}, clock.Now().Add(-2*time.Hour))
		code, body := s.rest(t, http.MethodGet, path(name), expired, nil)
		wantHTTPError(t, "REST with an expired token", code, body, http.StatusUnauthorized, codes.Unauthenticated)
		expiredKDD := servertest.Mint(t, auth.DevTokenOptions{Role: trial.RoleKDDHandler, TTL: time.Hour}, clock.Now().Add(-2*time.Hour))
		_, err := s.api.GetApplication(s.as(t, expiredKDD), &forsokv1.GetApplicationRequest{Name: name})
		wantGRPCError(t, "gRPC with an expired token", err, codes.Unauthenticated)
	})

	t.Run("ForgedToken", func(t *testing.T) {
		name := s.submitted(t)
		other, _, err := auth.LoadOrCreateDevKey(t.TempDir())
		if err != nil {
			t.Fatalf("LoadOrCreateDevKey: %v", err)
		}
		forged := mint(t, other, auth.DevTokenOptions{Role: trial.RoleMunicipality, Organisation: leadOrg}, clock.Now())
		code, body := s.rest(t, http.MethodPost, path(name, "withdraw"), forged, `{"reason": "Forfalsket."}`)
		wantHTTPError(t, "REST with a forged token", code, body, http.StatusUnauthorized, codes.Unauthenticated)
		forgedKDD := mint(t, other, auth.DevTokenOptions{Role: trial.RoleKDDApprover}, clock.Now())
		_, err = s.api.RejectApplication(s.as(t, forgedKDD), &forsokv1.RejectApplicationRequest{Name: name,
			ReasonCodes: []forsokv1.RejectApplicationRequest_ReasonCode{forsokv1.RejectApplicationRequest_OTHER}, Reasons: "Forfalsket."})
		wantGRPCError(t, "gRPC with a forged token", err, codes.Unauthenticated)
		got := s.restOK(t, http.MethodGet, path(name), lead(t), nil)
		wantEqual(t, "state", jstr(got, "state"), "SUBMITTED")
	})

	t.Run("MissingTokenOnMutation", func(t *testing.T) {
		code, body := s.rest(t, http.MethodPost, "/v1/applications", "", validApplication())
		wantHTTPError(t, "create without a token", code, body, http.StatusUnauthorized, codes.Unauthenticated)
		name := s.submitted(t)
		code, body = s.rest(t, http.MethodPost, path(name, "withdraw"), "", `{"reason": "Uten token."}`)
		wantHTTPError(t, "withdraw without a token", code, body, http.StatusUnauthorized, codes.Unauthenticated)
		_, err := s.api.AssignApplication(t.Context(), &forsokv1.AssignApplicationRequest{Name: name})
		wantGRPCError(t, "gRPC assign without a token", err, codes.Unauthenticated)
	})

	t.Run("OtherMunicipalityDraftIsNotFound", func(t *testing.T) {
		name := jstr(s.createDraft(t, validApplication()), "name")
		const missing = "applications/2026-999999"
		code, hidden := s.rest(t, http.MethodGet, path(name), s.municipality(t, otherOrg), nil)
		wantHTTPError(t, "another municipality's draft", code, hidden, http.StatusNotFound, codes.NotFound)
		code, absent := s.rest(t, http.MethodGet, path(missing), s.municipality(t, otherOrg), nil)
		wantHTTPError(t, "a missing id", code, absent, http.StatusNotFound, codes.NotFound)
		hidden["message"] = strings.ReplaceAll(jstr(hidden, "message"), name, missing)
		if !reflect.DeepEqual(hidden, absent) {
			t.Errorf("another municipality's draft: got %v, want the answer for a missing id %v", hidden, absent)
		}
		// Acting on it is not found either, and KDD does not see drafts.
		code, body := s.rest(t, http.MethodPost, path(name, "submit"), s.municipality(t, otherOrg), `{}`)
		wantHTTPError(t, "another municipality submitting the draft", code, body, http.StatusNotFound, codes.NotFound)
		_, err := s.api.GetApplication(s.as(t, s.handler(t)), &forsokv1.GetApplicationRequest{Name: name})
		wantGRPCError(t, "KDD reading a draft", err, codes.NotFound)
	})

	t.Run("MinistryApprovingIsDenied", func(t *testing.T) {
		name, cname := s.inConsultation(t)
		if _, err := s.api.RespondToConsultation(s.as(t, s.ministry(t, "KD")), &forsokv1.RespondToConsultationRequest{
			Name: cname, Position: forsokv1.Consultation_OBJECTS, Statement: "KD fraråder forsøket."}); err != nil {
			t.Fatalf("RespondToConsultation: %v", err)
		}
		req := &forsokv1.ApproveApplicationRequest{Name: name, ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31",
			Reasons: "Departementet godkjenner selv.", ObjectionResponse: "Ingen."}
		_, err := s.api.ApproveApplication(s.as(t, s.ministry(t, "KD")), req)
		wantGRPCError(t, "ministry approving over gRPC", err, codes.PermissionDenied)
		code, body := s.rest(t, http.MethodPost, path(name, "approve"), s.ministry(t, "KD"), `{
			"approvedStart": "2026-08-01", "approvedEnd": "2029-07-31", "reasons": "Departementet godkjenner selv.", "objectionResponse": "Ingen."
		}`)
		wantHTTPError(t, "ministry approving over REST", code, body, http.StatusForbidden, codes.PermissionDenied)
		// A ministry that was not consulted does not see the case at all.
		_, err = s.api.ApproveApplication(s.as(t, s.ministry(t, "JD")), req)
		wantGRPCError(t, "unconsulted ministry approving", err, codes.NotFound)
		// The handler may see it but not decide.
		_, err = s.api.ApproveApplication(s.as(t, s.handler(t)), req)
		wantGRPCError(t, "handler approving", err, codes.PermissionDenied)
		app, err := s.api.GetApplication(s.as(t, s.approver(t)), &forsokv1.GetApplicationRequest{Name: name})
		if err != nil {
			t.Fatalf("GetApplication: %v", err)
		}
		wantEqual(t, "state", app.GetState(), forsokv1.Application_READY_FOR_DECISION)
	})

	t.Run("InvalidOrganisationNumber", func(t *testing.T) {
		body := validApplication()
		body["applicants"].([]any)[0].(map[string]any)["organisationNumber"] = "940931003"
		code, got := s.rest(t, http.MethodPost, "/v1/applications", lead(t), body)
		wantHTTPError(t, "create with a bad organisation number", code, got, http.StatusBadRequest, codes.InvalidArgument)
		if fields := badRequestFields(got); !containsString(fields, "applicants[0].organisation_number") {
			t.Errorf("BadRequest fields: got %q, want applicants[0].organisation_number", fields)
		}
	})

	t.Run("UnknownJSONField", func(t *testing.T) {
		body := validApplication()
		body["colour"] = "blue"
		code, got := s.rest(t, http.MethodPost, "/v1/applications", lead(t), body)
		wantHTTPError(t, "create with an unknown field", code, got, http.StatusBadRequest, codes.InvalidArgument)
		code, got = s.rest(t, http.MethodPost, path(s.submitted(t), "withdraw"), lead(t), `{"reason": "x", "reasn": "y"}`)
		wantHTTPError(t, "withdraw with an unknown field", code, got, http.StatusBadRequest, codes.InvalidArgument)
	})

	t.Run("BodyOverLimit", func(t *testing.T) {
		body := validApplication()
		body["summary"] = strings.Repeat("a", 1<<20)
		code, raw := s.restRaw(t, http.MethodPost, "/v1/applications", lead(t), body)
		if code != http.StatusRequestEntityTooLarge {
			t.Errorf("create with a body over 1 MiB: got HTTP %d, want 413; body %.200s", code, raw)
		}
		// A chunked body, whose length the server learns only by reading it, too.
		enc, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.base+"/v1/applications", io.MultiReader(bytes.NewReader(enc)))
		if err != nil {
			t.Fatalf("new request: %v", err)
		}
		req.Header.Set("Authorization", "Bearer "+lead(t))
		resp, err := s.http.Do(req)
		if err != nil {
			t.Fatalf("chunked POST: %v", err)
		}
		chunked, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("chunked create over 1 MiB: got HTTP %d, want 413; body %.200s", resp.StatusCode, chunked)
		}
		// A chunked body within the limit goes through.
		small, _ := json.Marshal(validApplication())
		req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, s.base+"/v1/applications", io.MultiReader(bytes.NewReader(small)))
		req.Header.Set("Authorization", "Bearer "+lead(t))
		if resp, err = s.http.Do(req); err != nil {
			t.Fatalf("chunked POST: %v", err)
		}
		resp.Body.Close()
		wantEqual(t, "chunked create within the limit", resp.StatusCode, http.StatusOK)

		// gRPC has the same limit.
		_, err = s.api.CreateApplication(s.as(t, lead(t)), &forsokv1.CreateApplicationRequest{
			Application: &forsokv1.Application{Title: "Stor", Summary: strings.Repeat("a", 1<<20)}})
		wantGRPCError(t, "gRPC create over 1 MiB", err, codes.ResourceExhausted)
	})
}

// TestEndToEnd_PublicRegister checks what callers without a token see.
func TestEndToEnd_PublicRegister(t *testing.T) {
	t.Parallel()
	clock := trialtest.NewClock(at("2026-03-02", 10))
	s := startServer(t, t.TempDir(), clock)
	const statement = "KD støtter forsøket, men ber om en grundig evaluering."
	approved := s.approved(t, statement)
	draft := jstr(s.createDraft(t, validApplication()), "name")

	t.Run("ApprovedCaseShowsPublicFieldsOnly", func(t *testing.T) {
		code, raw := s.restRaw(t, http.MethodGet, path(approved), "", nil)
		mustEqual(t, "GET without a token", code, http.StatusOK)
		app := decodeObject(raw)
		wantEqual(t, "state", jstr(app, "state"), "APPROVED")
		wantEqual(t, "title", jstr(app, "title"), "Vurdering uten karakter i ett eller flere fag på 8. trinn")
		wantEqual(t, "applicants[0].name", jstr(app, "applicants", 0, "name"), leadName)
		wantEqual(t, "decision.approvedEnd", jstr(app, "decision", "approvedEnd"), "2029-07-31")
		wantEqual(t, "decision.regulationId", jstr(app, "decision", "regulationId"), "FOR-2026-03-02-1234")
		if jstr(app, "decision", "reasons") == "" {
			t.Errorf("decision.reasons: got none, want the public reasons")
		}
		public := []string{"name", "caseNumber", "state", "etag", "title", "summary", "applicants", "category",
			"purposes", "exemptions", "decision", "extensions", "termination", "closure", "outcome",
			"createTime", "updateTime", "submitTime"}
		for k := range app {
			if !slices.Contains(public, k) {
				t.Errorf("public application has field %q; want only %v", k, public)
			}
		}
		wantEqual(t, "decision.decidedBy", jget(app, "decision", "decidedBy"), nil)
		wantEqual(t, "applicants[0].councilDecision", jget(app, "applicants", 0, "councilDecision"), nil)
		for _, secret := range []string{statement, "dev-handler", "Dev Handler", "dev-approver", "Dev Approver"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("public application contains %q; want no statements, handlers or personal names", secret)
			}
		}
		// Its history and consultations are not public.
		code, body := s.rest(t, http.MethodGet, "/v1/"+approved+"/events", "", nil)
		wantHTTPError(t, "events without a token", code, body, http.StatusUnauthorized, codes.Unauthenticated)
		code, body = s.rest(t, http.MethodGet, "/v1/"+approved+"/consultations", "", nil)
		wantHTTPError(t, "consultations without a token", code, body, http.StatusUnauthorized, codes.Unauthenticated)
	})

	t.Run("DraftIsNotFound", func(t *testing.T) {
		code, body := s.rest(t, http.MethodGet, path(draft), "", nil)
		wantHTTPError(t, "public GET of a draft", code, body, http.StatusNotFound, codes.NotFound)
	})

	t.Run("PublicList", func(t *testing.T) {
		list := s.restOK(t, http.MethodGet, "/v1/applications", "", nil)
		var names []string
		for _, a := range jlist(list, "applications") {
			names = append(names, jstr(a, "name"))
			wantEqual(t, "listed assignedHandler", jget(a, "assignedHandler"), nil)
		}
		if !slices.Equal(names, []string{approved}) {
			t.Errorf("public register: got %v, want only %s", names, approved)
		}
	})

	t.Run("OpenAPIAndWorkflowWithoutToken", func(t *testing.T) {
		code, raw := s.restRaw(t, http.MethodGet, "/openapi.json", "", nil)
		mustEqual(t, "GET /openapi.json", code, http.StatusOK)
		doc := decodeObject(raw)
		if jget(doc, "paths", "/v1/applications") == nil {
			t.Errorf("openapi.json: got no path /v1/applications; keys %v", reflect.ValueOf(doc).MapKeys())
		}
		wf := s.restOK(t, http.MethodGet, "/v1/workflow", "", nil)
		states := jlist(wf, "states")
		if !slices.Contains(states, any("DRAFT")) || !slices.Contains(states, any("CLOSED")) {
			t.Errorf("workflow states: got %v, want DRAFT … CLOSED", states)
		}
		if !strings.Contains(jstr(wf, "mermaid"), "stateDiagram") {
			t.Errorf("workflow mermaid: got %.80q, want a state diagram", jstr(wf, "mermaid"))
		}
	})

	t.Run("HealthServing", func(t *testing.T) {
		health := healthpb.NewHealthClient(s.Conn)
		for _, svc := range []string{"", forsokv1.ApplicationService_ServiceDesc.ServiceName} {
			resp, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: svc})
			if err != nil {
				t.Fatalf("health Check(%q): %v", svc, err)
			}
			wantEqual(t, "health of "+svc, resp.GetStatus(), healthpb.HealthCheckResponse_SERVING)
		}
	})

	t.Run("ReflectionListsService", func(t *testing.T) {
		stream, err := reflectionpb.NewServerReflectionClient(s.Conn).ServerReflectionInfo(t.Context())
		if err != nil {
			t.Fatalf("ServerReflectionInfo: %v", err)
		}
		if err := stream.Send(&reflectionpb.ServerReflectionRequest{
			MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
			t.Fatalf("send: %v", err)
		}
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("recv: %v", err)
		}
		_ = stream.CloseSend()
		var services []string
		for _, svc := range resp.GetListServicesResponse().GetService() {
			services = append(services, svc.GetName())
		}
		if !slices.Contains(services, "forsok.v1.ApplicationService") {
			t.Errorf("reflection services: got %v, want forsok.v1.ApplicationService", services)
		}
	})
}

// TestEndToEnd_Restart closes the server and starts a new one on the same data: the
// cases, their history and the remembered requestIds are there, and the event sequence
// goes on without a gap.
func TestEndToEnd_Restart(t *testing.T) {
	t.Parallel()
	clock := trialtest.NewClock(at("2026-03-02", 10))
	dataDir := t.TempDir()
	s := startServer(t, dataDir, clock)
	lead := func(t *testing.T) string { return s.municipality(t, leadOrg) }

	first := s.inReview(t) // events 1–3
	withdrawn := s.submitted(t)
	const withdraw = `{"reason": "Kommunestyret trakk søknaden.", "requestId": "withdraw-9a41"}`
	answer := s.restOK(t, http.MethodPost, path(withdrawn, "withdraw"), lead(t), withdraw) // events 4–6
	mustEqual(t, "state after withdraw", jstr(answer, "state"), "WITHDRAWN")

	before := s.restOK(t, http.MethodGet, path(first), lead(t), nil)
	eventsBefore := s.events(t, first, lead(t))
	mustEqual(t, "events of the first case", len(eventsBefore), 3)
	withdrawnEvents := s.events(t, withdrawn, lead(t))
	mustEqual(t, "events of the withdrawn case", len(withdrawnEvents), 3)
	lastSeq := seq(t, withdrawnEvents[2])
	mustEqual(t, "last sequence before restart", lastSeq, uint64(6))
	s.close()

	clock.Advance(time.Hour)
	s = startServer(t, dataDir, clock)

	t.Run("CasesSurvive", func(t *testing.T) {
		after := s.restOK(t, http.MethodGet, path(first), lead(t), nil)
		if !reflect.DeepEqual(after, before) {
			t.Errorf("case after restart: got %v, want %v", after, before)
		}
		if events := s.events(t, first, lead(t)); !reflect.DeepEqual(events, eventsBefore) {
			t.Errorf("events after restart: got %v, want %v", events, eventsBefore)
		}
		app, err := s.api.GetApplication(s.as(t, s.handler(t)), &forsokv1.GetApplicationRequest{Name: first})
		if err != nil {
			t.Fatalf("GetApplication over gRPC after restart: %v", err)
		}
		wantEqual(t, "state over gRPC", app.GetState(), forsokv1.Application_IN_REVIEW)
	})

	t.Run("RequestIDRemembered", func(t *testing.T) {
		again := s.restOK(t, http.MethodPost, path(withdrawn, "withdraw"), lead(t), withdraw)
		if !reflect.DeepEqual(again, answer) {
			t.Errorf("replayed withdraw after restart: got %v, want the first answer %v", again, answer)
		}
		wantEqual(t, "events of the withdrawn case after the replay", len(s.events(t, withdrawn, lead(t))), 3)
	})

	t.Run("SequenceContinues", func(t *testing.T) {
		if _, err := s.api.RecordInterimReply(s.as(t, s.handler(t)), &forsokv1.RecordInterimReplyRequest{
			Name: first, Text: "Vi tar sikte på å avgjøre saken innen sommeren.", ExpectedDecisionDate: "2026-06-15"}); err != nil {
			t.Fatalf("RecordInterimReply: %v", err)
		}
		events := s.events(t, first, lead(t))
		mustEqual(t, "events", len(events), 4)
		wantEqual(t, "sequence of the first event after restart", seq(t, events[3]), lastSeq+1)
		wantEqual(t, "its action", jstr(events[3], "action"), "recordInterimReply")

		third := s.submitted(t)
		evs := s.events(t, third, lead(t))
		mustEqual(t, "events of the new case", len(evs), 2)
		wantEqual(t, "sequence of the new case's create", seq(t, evs[0]), lastSeq+2)
		wantEqual(t, "sequence of the new case's submit", seq(t, evs[1]), lastSeq+3)
		app := s.restOK(t, http.MethodGet, path(third), lead(t), nil)
		wantEqual(t, "case number of the third case", jstr(app, "caseNumber"), "2026/3")
	})
}

// TestEndToEnd_KillAndRestart runs the binary, kills it with SIGKILL right after an
// acknowledged submit, and finds the case and its history after a restart.
func TestEndToEnd_KillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	t.Parallel()
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	servertest.InstallDevKey(t, dataDir)
	client := &http.Client{Timeout: 10 * time.Second}

	base, proc := startBinary(t, bin, dataDir)
	lead := servertest.Mint(t, auth.DevTokenOptions{Role: trial.RoleMunicipality, Organisation: leadOrg}, time.Now())

	code, raw := restCall(t, client, base, http.MethodPost, "/v1/applications", lead, validApplication())
	mustEqual(t, "create", code, http.StatusOK)
	name := jstr(decodeObject(raw), "name")
	code, raw = restCall(t, client, base, http.MethodPost, path(name, "submit"), lead, `{}`)
	mustEqual(t, "submit", code, http.StatusOK)
	submitted := decodeObject(raw)
	if err := proc.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	_ = proc.Wait()
	client.CloseIdleConnections()

	base, _ = startBinary(t, bin, dataDir)
	code, raw = restCall(t, client, base, http.MethodGet, path(name), lead, nil)
	mustEqual(t, "GET after SIGKILL", code, http.StatusOK)
	app := decodeObject(raw)
	wantEqual(t, "state after SIGKILL", jstr(app, "state"), "SUBMITTED")
	wantEqual(t, "caseNumber after SIGKILL", jstr(app, "caseNumber"), jstr(submitted, "caseNumber"))
	wantEqual(t, "etag after SIGKILL", jstr(app, "etag"), jstr(submitted, "etag"))
	code, raw = restCall(t, client, base, http.MethodGet, "/v1/"+name+"/events", lead, nil)
	mustEqual(t, "events after SIGKILL", code, http.StatusOK)
	var actions []string
	for _, e := range jlist(decodeObject(raw), "events") {
		actions = append(actions, jstr(e, "action"))
	}
	wantEqual(t, "actions after SIGKILL", strings.Join(actions, ","), "create,submit")
}

// startBinary starts forsokd on dataDir with ports the kernel picks, reads the ports
// from its "forsokd serving" log line and returns the REST base URL. The process is
// killed when the test ends.
func startBinary(t *testing.T, bin, dataDir string) (string, *exec.Cmd) {
	t.Helper()
	logs := &serveLog{addr: make(chan string, 1)}
	cmd := exec.Command(bin, "-data", dataDir, "-http", "127.0.0.1:0", "-grpc", "127.0.0.1:0")
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "FORSOK_") })
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("forsokd stderr:\n%s", logs.String())
		}
	})
	select {
	case a := <-logs.addr:
		return "http://" + a, cmd
	case <-time.After(15 * time.Second):
		t.Fatalf("forsokd did not log \"forsokd serving\" within 15 s; stderr:\n%s", logs.String())
		return "", nil
	}
}

// serveLog collects a forsokd process's stderr and sends the HTTP address of its
// "forsokd serving" line (JSON, with the real ports) on addr.
type serveLog struct {
	servertest.LogBuffer
	addr    chan string
	partial []byte
}

func (l *serveLog) Write(p []byte) (int, error) {
	l.LogBuffer.Write(p)
	// exec copies the pipe in one goroutine, so partial needs no lock.
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := l.partial[:i]
		var rec struct {
			Msg  string `json:"msg"`
			HTTP string `json:"http"`
		}
		if json.Unmarshal(line, &rec) == nil && rec.Msg == "forsokd serving" {
			select {
			case l.addr <- rec.HTTP:
			default:
			}
		}
		l.partial = l.partial[i+1:]
	}
}
