package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

const leadOrg = "940931002" // Indre Østfold kommune, api.md's example

// at is hh:00 on the Europe/Oslo date.
var at = trialtest.At

// server is the real stack, as forsokd runs it (servertest.Start), on a loopback port,
// with the test's clock. Neither the scheduler nor the webhook worker runs: advance
// fires the timers.
type server struct {
	*servertest.Stack
	t    *testing.T
	addr string
	api  forsokv1.ApplicationServiceClient
}

func startServer(t *testing.T) *server {
	t.Helper()
	st := servertest.Start(t, servertest.Options{Clock: trialtest.NewClock(at("2026-03-02", 10)), Logs: io.Discard, NoWorkers: true})
	return &server{Stack: st, t: t, addr: st.GRPCAddr(), api: st.API}
}

// as is a context carrying the token, for the generated client.
func (s *server) as(token string) context.Context {
	return metadata.AppendToOutgoingContext(s.t.Context(), "authorization", "Bearer "+token)
}

// submitted creates api.md's example application as Indre Østfold and submits it,
// over gRPC: forsokctl has no create.
func (s *server) submitted() string {
	s.t.Helper()
	app, err := s.api.CreateApplication(s.as(s.Municipality(leadOrg)), &forsokv1.CreateApplicationRequest{Application: &forsokv1.Application{
		Title:   "Vurdering uten karakter i ett eller flere fag på 8. trinn",
		Summary: "Elevene på 8. trinn får underveisvurdering uten karakter i utvalgte fag.",
		Applicants: []*forsokv1.Applicant{{
			OrganisationNumber: leadOrg, Name: "Indre Østfold kommune", Kind: forsokv1.Applicant_KOMMUNE, MunicipalityNumber: "3118",
			CouncilDecision: &forsokv1.CouncilDecision{Body: "Indre Østfold kommunestyre", CaseReference: "2025/311", MeetingDate: "2025-06-12"},
		}},
		Category: forsokv1.Application_ORGANISATION,
		Purposes: []forsokv1.Application_Purpose{forsokv1.Application_SERVICE_QUALITY},
		Exemptions: []*forsokv1.Exemption{{
			LawId: "LOV-2023-06-09-30", Section: "§ 15-4", OwningMinistry: "KD",
			CurrentRule:  "Elevene skal ha karakter i hvert fag fra 8. trinn.",
			ProposedRule: "Ingen karakter i valgte fag på 8. trinn i forsøksperioden.",
		}},
		PlannedStart:        "2026-08-01",
		PlannedEnd:          "2029-07-31",
		EvaluationPlan:      "Følgeevaluering ved et forskningsmiljø.",
		EmployeeInvolvement: "Drøftet med Utdanningsforbundet 2025-05-20.",
		DraftRegulation:     "Forskrift om forsøk med vurdering uten karakter i Indre Østfold kommune.",
	}})
	if err != nil {
		s.t.Fatalf("CreateApplication: %v", err)
	}
	app, err = s.api.SubmitApplication(s.as(s.Municipality(leadOrg)), &forsokv1.SubmitApplicationRequest{Name: app.GetName()})
	if err != nil {
		s.t.Fatalf("SubmitApplication: %v", err)
	}
	return app.GetName()
}

// approved drives a submitted case to APPROVED over gRPC.
func (s *server) approved(name string) {
	s.t.Helper()
	if _, err := s.api.AssignApplication(s.as(s.Handler()), &forsokv1.AssignApplicationRequest{Name: name}); err != nil {
		s.t.Fatalf("AssignApplication: %v", err)
	}
	c, err := s.api.CreateConsultation(s.as(s.Handler()), &forsokv1.CreateConsultationRequest{Parent: name,
		Consultation: &forsokv1.Consultation{Ministry: "KD", Question: "Merknader?", DueWorkingDays: 10}})
	if err != nil {
		s.t.Fatalf("CreateConsultation: %v", err)
	}
	if _, err := s.api.RespondToConsultation(s.as(s.Ministry("KD")), &forsokv1.RespondToConsultationRequest{
		Name: c.GetName(), Position: forsokv1.Consultation_SUPPORTS, Statement: "Vi støtter forsøket."}); err != nil {
		s.t.Fatalf("RespondToConsultation: %v", err)
	}
	if _, err := s.api.ApproveApplication(s.as(s.Approver()), &forsokv1.ApproveApplicationRequest{Name: name,
		ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31", Reasons: "Innenfor § 3 a."}); err != nil {
		s.t.Fatalf("ApproveApplication: %v", err)
	}
}

// result is one run of forsokctl.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%sstderr:\n%s", r.code, r.stdout, r.stderr)
}

// ctl runs forsokctl through run with the server's address and the token in the
// environment, as a shell would.
func (s *server) ctl(token string, args ...string) result {
	s.t.Helper()
	env := map[string]string{"FORSOK_ADDR": s.addr, "FORSOK_TOKEN": token}
	var out, errb bytes.Buffer
	code := run(args, &out, &errb, func(k string) string { return env[k] })
	return result{code, out.String(), errb.String()}
}

// ctlAt is ctl with the client's clock set to the server's, for due.
func (s *server) ctlAt(token string, args ...string) result {
	s.t.Helper()
	env := map[string]string{"FORSOK_ADDR": s.addr, "FORSOK_TOKEN": token}
	var out, errb bytes.Buffer
	c := &cli{stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] }, now: s.Now}
	code := c.run(args)
	return result{code, out.String(), errb.String()}
}

// ok runs forsokctl and stops the test unless it exits 0.
func (s *server) ok(token string, args ...string) string {
	s.t.Helper()
	r := s.ctl(token, args...)
	if r.code != 0 {
		s.t.Fatalf("forsokctl %s: got %v, want exit 0", strings.Join(args, " "), r)
	}
	return r.stdout
}

// okJSON runs forsokctl -o json and decodes the answer.
func (s *server) okJSON(token string, args ...string) map[string]any {
	s.t.Helper()
	out := s.ok(token, append([]string{"-o", "json"}, args...)...)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		s.t.Fatalf("forsokctl -o json %s: %v in %q", strings.Join(args, " "), err, out)
	}
	return m
}

// wantExit checks the exit code and that stderr mentions each of want.
func wantExit(t *testing.T, r result, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("got %v, want exit %d", r, code)
		return
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr %q does not mention %q", r.stderr, w)
		}
	}
}

// wantContains checks that text has each of want.
func wantContains(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, text)
		}
	}
}

func str(v any, path ...any) string {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return ""
			}
			v = a[k]
		}
	}
	s, _ := v.(string)
	return s
}

func list(v any, key string) []any {
	m, _ := v.(map[string]any)
	a, _ := m[key].([]any)
	return a
}

func TestForsokctl(t *testing.T) {
	s := startServer(t)
	a := s.submitted()
	b := s.submitted()
	idA, idB := shortID(a), shortID(b)

	t.Run("ListText", func(t *testing.T) {
		out := s.ok(s.Handler(), "list")
		wantContains(t, "list", out, "ID", "CASE", "APPLICANTS", "TITLE", "DUE", idA, idB, "SUBMITTED",
			"Indre Østfold kommune", "Vurdering uten karakter", "2026-04-02")
	})
	t.Run("ListJSON", func(t *testing.T) {
		m := s.okJSON(s.Handler(), "list", "-state", "submitted", "-applicant", leadOrg)
		apps := list(m, "applications")
		if len(apps) != 2 || str(apps[0], "name") != a || str(apps[0], "state") != "SUBMITTED" || str(apps[0], "caseNumber") == "" {
			t.Errorf("list -o json: got %v, want %s and %s SUBMITTED", m, a, b)
		}
	})
	t.Run("ListFilteredEmpty", func(t *testing.T) {
		wantContains(t, "list -state", s.ok(s.Handler(), "list", "-state", "IN_REVIEW,APPROVED"), "No applications.")
	})
	t.Run("ListPages", func(t *testing.T) {
		r := s.ctl(s.Handler(), "list", "-page-size", "1")
		if r.code != 0 || strings.Contains(r.stdout, idB) || !strings.Contains(r.stderr, "-page-token") {
			t.Errorf("list -page-size 1: got %v, want one case and a note on the next page", r)
		}
		if n := len(list(s.okJSON(s.Handler(), "list", "-page-size", "1", "-all"), "applications")); n != 2 {
			t.Errorf("list -all: got %d applications, want 2", n)
		}
	})
	t.Run("DueUnassigned", func(t *testing.T) {
		r := s.ctlAt(s.Handler(), "due")
		if r.code != 0 || strings.Count(r.stdout, "UNASSIGNED") != 2 {
			t.Errorf("due: got %v, want both cases UNASSIGNED", r)
		}
	})
	t.Run("Assign", func(t *testing.T) {
		wantContains(t, "assign", s.ok(s.Handler(), "assign", idA, "-comment", "Jeg tar saken."), a, "IN_REVIEW", "etag ")
	})

	var consultation string
	t.Run("Consult", func(t *testing.T) {
		m := s.okJSON(s.Handler(), "consult", a, "-ministry", "KD", "-question", "Har departementet merknader?", "-due-working-days", "10")
		consultation = str(m, "name")
		if !strings.HasPrefix(consultation, a+"/consultations/") || str(m, "state") != "REQUESTED" || str(m, "dueDate") != "2026-03-16" {
			t.Fatalf("consult -o json: got %v", m)
		}
	})
	t.Run("ConsultationsOpen", func(t *testing.T) {
		out := s.ok(s.Ministry("KD"), "consultations")
		wantContains(t, "consultations", out, "CONSULTATION", consultation, "KD", "REQUESTED", "2026-03-16", "Har departementet merknader?")
	})
	t.Run("DueSoonAndOverdue", func(t *testing.T) {
		s.Advance(at("2026-03-30", 10))
		wantDue(t, s, []string{
			idA + " CONSULTATION_OVERDUE 2026-03-16",
			idA + " INTERIM_REPLY_DUE_SOON 2026-04-02",
			idB + " INTERIM_REPLY_DUE_SOON 2026-04-02",
			idB + " UNASSIGNED ",
		})
		wantContains(t, "due", s.ctlAt(s.Handler(), "due", "-within", "1").stdout, "CONSULTATION_OVERDUE", "KD has not answered")
	})
	t.Run("DueInterimReplyOverdue", func(t *testing.T) {
		s.Advance(at("2026-04-03", 10))
		wantDue(t, s, []string{
			idA + " CONSULTATION_OVERDUE 2026-03-16",
			idA + " INTERIM_REPLY_OVERDUE 2026-04-02",
			idB + " INTERIM_REPLY_OVERDUE 2026-04-02",
			idB + " UNASSIGNED ",
		})
		out := s.ok(s.Handler(), "list", "-flag", "needs-interim-reply")
		wantContains(t, "list -flag", out, "FLAGS", idA, idB, "NEEDS_INTERIM_REPLY", "CONSULTATION_OVERDUE")
	})
	t.Run("InterimReply", func(t *testing.T) {
		s.ok(s.Handler(), "interim-reply", idA, "-text", "Saken er til høring.", "-expected-date", "2026-05-01")
		out := s.ok(s.Handler(), "list", "-state", "IN_CONSULTATION")
		wantContains(t, "list after interim reply", out, "2026-05-01")
		if strings.Contains(out, "NEEDS_INTERIM_REPLY") {
			t.Errorf("the interim reply left the flag:\n%s", out)
		}
	})
	t.Run("RespondAsMinistry", func(t *testing.T) {
		short := idA + "/" + consultation[strings.LastIndex(consultation, "/")+1:]
		out := s.ok(s.Ministry("KD"), "respond", short, "-position", "supports", "-statement", "Vi støtter forsøket.")
		wantContains(t, "respond", out, consultation, "ANSWERED")
	})
	t.Run("Show", func(t *testing.T) {
		out := s.ok(s.Handler(), "show", a)
		wantContains(t, "show", out, "READY_FOR_DECISION", "Vurdering uten karakter", "Indre Østfold kommune, 940931002, kommune 3118, lead",
			"LOV-2023-06-09-30 § 15-4, owned by KD", "Handler:", "Dev Handler (dev-handler)",
			"Consultations", "ANSWERED", "Statement:", "Vi støtter forsøket.", "Interim replies",
			"History", "→ DRAFT", "DRAFT → SUBMITTED", "SUBMITTED → IN_REVIEW", "Jeg tar saken.", "IN_CONSULTATION → READY_FOR_DECISION")
		m := s.okJSON(s.Handler(), "show", idA)
		if str(m, "application", "state") != "READY_FOR_DECISION" || len(list(m, "consultations")) != 1 || len(list(m, "events")) < 6 {
			t.Errorf("show -o json: got %v", m)
		}
	})
	t.Run("Actions", func(t *testing.T) {
		out := s.ok(s.Approver(), "actions", idA)
		wantContains(t, "actions", out, "ACTION", "ALLOWED", "FAILING RULES", "activate", "STATE")
		if !hasRow(out, "approve", "yes") {
			t.Errorf("actions: approve is not allowed:\n%s", out)
		}
		allowed := s.okJSON(s.Approver(), "actions", idA, "-allowed")
		for _, act := range list(allowed, "actions") {
			if m, _ := act.(map[string]any); m["allowed"] != true {
				t.Errorf("actions -allowed: %v is not allowed", act)
			}
		}
	})
	t.Run("ApproveInvalid", func(t *testing.T) {
		wantExit(t, s.ctl(s.Approver(), "approve", idA), exitError, "INVALID_ARGUMENT", "  approved_start: ", "(flag -start)", "(flag -reasons)")
	})
	t.Run("ApproveTooLong", func(t *testing.T) {
		r := s.ctl(s.Approver(), "approve", idA, "-start", "2026-08-01", "-end", "2030-08-01", "-reasons", "Godt begrunnet.")
		wantExit(t, r, exitRefused, "FAILED_PRECONDITION", "  R6 approved_end: ", "2030-07-31", "(flag -end)")
		if first, _, _ := strings.Cut(r.stderr, "\n"); strings.Contains(first, "R6") {
			t.Errorf("the first line repeats the violations: %q", first)
		}
	})
	t.Run("ApproveStaleEtag", func(t *testing.T) {
		r := s.ctl(s.Approver(), "approve", idA, "-start", "2026-08-01", "-end", "2029-07-31", "-reasons", "Godt begrunnet.", "-etag", "stale")
		wantExit(t, r, exitRefused, "ABORTED", "forsokctl get ID")
	})
	t.Run("Approve", func(t *testing.T) {
		etag := str(s.okJSON(s.Handler(), "get", idA), "etag")
		out := s.ok(s.Approver(), "approve", idA, "-start", "2026-08-01", "-end", "2029-07-31", "-reasons", "Godt begrunnet.",
			"-regulation-id", "FOR-2026-04-03-1234", "-publication", "Norsk Lovtidend avd. I 2026 nr. 1234", "-etag", etag, "-request-id", "approve-1")
		wantContains(t, "approve", out, "APPROVED")
		m := s.okJSON(s.Handler(), "get", a)
		if str(m, "decision", "approvedEnd") != "2029-07-31" || str(m, "decision", "regulationId") != "FOR-2026-04-03-1234" {
			t.Errorf("get after approve: got %v", m)
		}
		wantContains(t, "get", s.ok(s.Handler(), "get", a), "Decision: approved, 2026-08-01 to 2029-07-31", "Dev Approver (dev-approver)", "FOR-1992-12-11-1050")
		wantContains(t, "list", s.ok(s.Handler(), "list", "-state", "APPROVED"), idA, "2026-08-01")
	})
	t.Run("Events", func(t *testing.T) {
		out := s.ok(s.Handler(), "events", idA)
		wantContains(t, "events", out, "create", "submit", "assign", "createConsultation", "approve",
			"READY_FOR_DECISION → APPROVED", "Dev Approver (kdd_approver)", "consultations/1")
		m := s.okJSON(s.Handler(), "events", a)
		evs := list(m, "events")
		if len(evs) < 7 || str(evs[0], "action") != "create" || str(evs[len(evs)-1], "toState") != "APPROVED" {
			t.Errorf("events -o json: got %v", m)
		}
	})
	t.Run("Workflow", func(t *testing.T) {
		wantContains(t, "workflow", s.ok("", "workflow"), "ACTION", "submit", "DRAFT", "SUBMITTED")
		wantContains(t, "workflow -mermaid", s.ok("", "workflow", "-mermaid"), "stateDiagram")
	})
	t.Run("TerminateBatch", func(t *testing.T) {
		s.approved(b)
		wantExit(t, s.ctl(s.Approver(), "terminate", idA, idB, "-reasons", "R", "-instrument", "I", "-etag", "x"), exitUsage, "-etag applies to one case")
		out := s.ok(s.Approver(), "terminate", idA, b, "-reasons", "Forsøket er utenfor loven.", "-instrument", "FOR-2026-09-01-99")
		if strings.Count(out, "CLOSED") != 2 {
			t.Errorf("terminate two: got %q, want both CLOSED", out)
		}
	})
	t.Run("RefusedInState", func(t *testing.T) {
		// Each remaining action on the closed case reaches its method, which refuses it
		// by the state and names itself.
		for _, tc := range []struct {
			token string
			args  []string
			verb  string
		}{
			{s.Handler(), []string{"interim-reply", idA, "-text", "T"}, "recordInterimReply"},
			{s.Handler(), []string{"request-changes", idA, "-questions", "Q"}, "requestChanges"},
			{s.Handler(), []string{"consult", idA, "-ministry", "KD", "-question", "Q"}, "createConsultation"},
			{s.Handler(), []string{"cancel-consultation", consultation, "-reason", "R"}, "cancelConsultation"},
			{s.Approver(), []string{"reject", idA, "-reason-codes", "too-vague,other", "-reasons", "R"}, "reject"},
			{s.Handler(), []string{"record-publication", idA, "-regulation-id", "FOR-2026-03-02-1234", "-publication", "P"}, "recordPublication"},
			{s.Handler(), []string{"activate", idA}, "activate"},
			{s.Approver(), []string{"decide-extension", idA, "-reasons", "R"}, "decideExtension"},
			{s.Handler(), []string{"end-period", idA}, "endPeriod"},
			{s.Approver(), []string{"terminate", idA, "-reasons", "R", "-instrument", "FOR-2026-09-01-99"}, "terminate"},
			{s.Approver(), []string{"close", idA, "-outcome", "discontinued", "-reasons", "R", "-without-evaluation"}, "close"},
			{s.Municipality(leadOrg), []string{"submit", idA}, "submit"},
			{s.Municipality(leadOrg), []string{"withdraw", idA, "-reason", "R"}, "withdraw"},
			{s.Municipality(leadOrg), []string{"submit-evaluation", idA, "-report", "R", "-summary", "S"}, "submitEvaluation"},
			{s.Municipality(leadOrg), []string{"request-extension", idA, "-end", "2031-07-31", "-council-body", "B", "-council-ref", "1/26", "-council-date", "2026-03-01"}, "requestExtension"},
		} {
			r := s.ctl(tc.token, tc.args...)
			if r.code != exitRefused || !strings.Contains(r.stderr, "FAILED_PRECONDITION") || !strings.Contains(r.stderr, tc.verb) {
				t.Errorf("forsokctl %s: got %v, want exit 3 naming %s", strings.Join(tc.args, " "), r, tc.verb)
			}
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		wantExit(t, s.ctl(s.Handler(), "show", "2026-999999"), exitNotFound, "NOT_FOUND")
	})
	t.Run("NoToken", func(t *testing.T) {
		wantExit(t, s.ctl("", "assign", idA), exitAuth, "UNAUTHENTICATED", "FORSOK_TOKEN")
	})
	t.Run("BadTokenFlagBeatsEnv", func(t *testing.T) {
		wantExit(t, s.ctl(s.Handler(), "-token", "not-a-token", "assign", idA), exitAuth, "UNAUTHENTICATED", "refused")
	})
	t.Run("PermissionDenied", func(t *testing.T) {
		wantExit(t, s.ctl(s.Municipality(leadOrg), "assign", idA), exitAuth, "PERMISSION_DENIED", "may not do this")
		wantExit(t, s.ctl(s.Municipality(leadOrg), "confirm-participation", idA, "-org", leadOrg,
			"-council-body", "B", "-council-ref", "1/26", "-council-date", "2026-03-01"), exitAuth, "only a co-applicant confirms")
	})
	t.Run("Unreachable", func(t *testing.T) {
		wantExit(t, s.ctl(s.Handler(), "-addr", "127.0.0.1:1", "list"), exitError, "UNAVAILABLE", "could not reach forsokd at 127.0.0.1:1")
	})
}

// wantDue checks due -o json's items, each as "ID KIND DUE".
func wantDue(t *testing.T, s *server, want []string) {
	t.Helper()
	r := s.ctlAt(s.Handler(), "-o", "json", "due")
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); r.code != 0 || err != nil {
		t.Fatalf("due -o json: got %v (%v)", r, err)
	}
	var got []string
	for _, it := range list(m, "items") {
		got = append(got, shortID(str(it, "application"))+" "+str(it, "kind")+" "+str(it, "dueDate"))
	}
	if !slices.Equal(got, want) {
		t.Errorf("due items: got %q, want %q", got, want)
	}
}

// hasRow reports whether a line of out begins with the words, separated by blanks.
func hasRow(out string, words ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		if slices.Equal(strings.Fields(line)[:min(len(words), len(strings.Fields(line)))], words) {
			return true
		}
	}
	return false
}

// TestUsage needs no server: every mistake is caught before a call.
func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stdout for exit 0, else in stderr
	}{
		{"NoCommand", nil, exitUsage, "no command"},
		{"Help", []string{"-h"}, exitOK, "Exit codes:"},
		{"HelpCommand", []string{"help", "approve"}, exitOK, "-start date"},
		{"CommandHelp", []string{"approve", "-h"}, exitOK, "-objection-response"},
		{"UnknownCommand", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"BadGlobalFlag", []string{"-bogus", "list"}, exitUsage, "flag provided but not defined: -bogus"},
		{"BadFlag", []string{"list", "-bogus"}, exitUsage, "forsokctl list -h"},
		{"BadOutput", []string{"-o", "yaml", "list"}, exitUsage, `-o "yaml"`},
		{"MissingID", []string{"approve", "-start", "2026-08-01"}, exitUsage, "want ID"},
		{"ExtraArgument", []string{"show", "2026-000001", "2026-000002"}, exitUsage, "want ID, got 2"},
		{"NoArgumentsWanted", []string{"list", "x"}, exitUsage, "takes no arguments"},
		{"BadFlagValue", []string{"list", "-flag", "LATE"}, exitUsage, `-flag "LATE" is not one of NEEDS_INTERIM_REPLY`},
		{"BadState", []string{"list", "-state", "SUBMITTED,LIMBO"}, exitUsage, `"LIMBO" is not one of DRAFT, SUBMITTED`},
		{"BadPosition", []string{"respond", "2026-000001/1", "-position", "maybe"}, exitUsage, `"maybe" is not one of SUPPORTS`},
		{"BadReasonCode", []string{"reject", "2026-000001", "-reason-codes", "TOO_VAGUE,nope"}, exitUsage, `"nope" is not one of OUTSIDE_ACT`},
		{"BadConsultation", []string{"cancel-consultation", "2026-000001", "-reason", "x"}, exitUsage, "is not a consultation"},
		{"BadApplication", []string{"get", "applications/2026-000001/consultations/1"}, exitUsage, "is not an application"},
		{"BadTimeout", []string{"-timeout", "soon", "list"}, exitUsage, "invalid value"},
		{"MissingCA", []string{"-tls-ca", filepath.Join(t.TempDir(), "none.pem"), "list"}, exitUsage, "-tls-ca"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb, func(string) string { return "" })
			where := errb.String()
			if tc.code == exitOK {
				where = out.String()
			}
			if code != tc.code || !strings.Contains(where, tc.want) {
				t.Errorf("forsokctl %q: got exit %d, stdout %q, stderr %q; want exit %d mentioning %q",
					tc.args, code, out.String(), errb.String(), tc.code, tc.want)
			}
		})
	}
}

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		wantPos  []string
		wantFlag string
	}{
		{[]string{"a", "-x", "v", "b"}, []string{"a", "b"}, "v"},
		{[]string{"-x", "v", "a"}, []string{"a"}, "v"},
		{[]string{"a", "--", "-x", "b"}, []string{"a", "-x", "b"}, ""},
		{nil, nil, ""},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		x := fs.String("x", "", "")
		pos, err := parseInterspersed(fs, tc.args)
		if err != nil || !slices.Equal(pos, tc.wantPos) || *x != tc.wantFlag {
			t.Errorf("parseInterspersed(%q): got %q, -x %q, %v; want %q, -x %q", tc.args, pos, *x, err, tc.wantPos, tc.wantFlag)
		}
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ in, app, consultation string }{
		{"2026-000042", "applications/2026-000042", ""},
		{"applications/2026-000042", "applications/2026-000042", ""},
		{"2026-000042/3", "", "applications/2026-000042/consultations/3"},
		{"2026-000042/consultations/3", "", "applications/2026-000042/consultations/3"},
		{"applications/2026-000042/consultations/3", "", "applications/2026-000042/consultations/3"},
	} {
		app, err := applicationName(tc.in)
		if tc.app == "" {
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("applicationName(%q): got %q, %v; want a usage error", tc.in, app, err)
			}
		} else if app != tc.app || err != nil {
			t.Errorf("applicationName(%q): got %q, %v; want %q", tc.in, app, err, tc.app)
		}
		c, err := consultationName(tc.in)
		if tc.consultation == "" {
			if err == nil {
				t.Errorf("consultationName(%q): got %q, want an error", tc.in, c)
			}
		} else if c != tc.consultation || err != nil {
			t.Errorf("consultationName(%q): got %q, %v; want %q", tc.in, c, err, tc.consultation)
		}
	}
}

func TestListFilter(t *testing.T) {
	got, err := listFilter("applicant = 940931002", "submitted,in-review", "", "needs_interim_reply")
	want := "applicant = 940931002 AND (state = SUBMITTED OR state = IN_REVIEW) AND flag = NEEDS_INTERIM_REPLY"
	if err != nil || got != want {
		t.Errorf("listFilter: got %q, %v; want %q", got, err, want)
	}
	if got, _ := listFilter("", "ACTIVE", "940931002", ""); got != `state = ACTIVE AND applicant = "940931002"` {
		t.Errorf("listFilter: got %q", got)
	}
}

func TestHeadline(t *testing.T) {
	vs := []violation{{rule: "R6", field: "approved_end", description: "the period is too long."}}
	for _, tc := range []struct{ msg, want string }{
		{"approve refused; R6: approved_end: the period is too long.", "approve refused"},
		{"something else", "something else"},
	} {
		if got := headline(tc.msg, vs); got != tc.want {
			t.Errorf("headline(%q): got %q, want %q", tc.msg, got, tc.want)
		}
	}
	bad := []violation{{field: "approved_start", description: "R6: approved_start is required."}}
	if got := headline("invalid request; R6: approved_start: approved_start is required.", bad); got != "invalid request" {
		t.Errorf("headline of a BadRequest: got %q", got)
	}
	if got := codeName(codes.FailedPrecondition); got != "FAILED_PRECONDITION" {
		t.Errorf("codeName: got %q", got)
	}
}

// TestDocumented keeps the package comment, which is the reference, in step with the
// command table.
func TestDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range commands {
		if !strings.Contains(string(doc), "//\t"+cmd.name+" ") && !strings.Contains(string(doc), "//\t"+cmd.name+"\n") {
			t.Errorf("doc.go does not document %q", cmd.name)
		}
	}
}
