package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// The organisations of the end-to-end tests. The municipality numbers are real; the
// organisation numbers are syntactically valid (modulus 11), as in api.md's example.
const (
	leadOrg       = "940931002" // Indre Østfold kommune, 3118
	leadName      = "Indre Østfold kommune"
	leadMunicipal = "3118"
	coOrg         = "940802652" // Råde kommune, 3112
	coName        = "Råde kommune"
	coMunicipal   = "3112"
	otherOrg      = "964201196" // a kommune that is no applicant of the test cases
)

// at returns the instant hh:00 on the Europe/Oslo date "YYYY-MM-DD".
var at = trialtest.At

// daemon is a running forsokd stack (servertest.Start, the server forsokd runs) with
// clients for both sides.
type daemon struct {
	*servertest.Stack
	t       *testing.T
	dataDir string
	clock   *trialtest.Clock
	base    string // http://127.0.0.1:port
	http    *http.Client
	api     forsokv1.ApplicationServiceClient
}

// startServer runs the stack on dataDir with ports chosen by the kernel and the given
// clock, and connects a gRPC client. The server is closed when the test ends, unless
// the test closes it first. The scheduler looks for due timers once at start and then
// every hour: the tests move the clock and act themselves (KDD activates, ends the
// period), so no tick comes between.
func startServer(t *testing.T, dataDir string, clock *trialtest.Clock) *daemon {
	t.Helper()
	return startServerWith(t, servertest.Options{DataDir: dataDir, Clock: clock})
}

// startServerWith is startServer with the kit's options.
func startServerWith(t *testing.T, opts servertest.Options) *daemon {
	t.Helper()
	st := servertest.Start(t, opts)
	return &daemon{Stack: st, t: t, dataDir: st.Config.DataDir, clock: opts.Clock, base: st.Base, http: st.HTTP, api: st.API}
}

// close stops the server as the binary does on SIGTERM; safe to call twice.
func (s *daemon) close() {
	s.t.Helper()
	if err := s.Close(); err != nil {
		s.t.Errorf("Close: %v", err)
	}
}

// mint returns a development token signed with key (not the servers' key), issued at
// now.
func mint(t *testing.T, key *auth.DevKey, opts auth.DevTokenOptions, now time.Time) string {
	t.Helper()
	tok, err := key.Mint(opts, now, servertest.MinistryOrg)
	if err != nil {
		t.Fatalf("Mint(%+v): %v", opts, err)
	}
	return tok
}

// token mints a development token on the server's key at the server's clock.
func (s *daemon) token(t *testing.T, opts auth.DevTokenOptions) string {
	t.Helper()
	return servertest.Mint(t, opts, s.clock.Now())
}

// municipality returns a token of the kommune org (Maskinporten-shaped, no person).
func (s *daemon) municipality(t *testing.T, org string) string {
	return s.token(t, auth.DevTokenOptions{Role: trial.RoleMunicipality, Organisation: org})
}

// handler returns a KDD case handler's token (the person dev-handler).
func (s *daemon) handler(t *testing.T) string {
	return s.token(t, auth.DevTokenOptions{Role: trial.RoleKDDHandler})
}

// approver returns a KDD approver's token (the person dev-approver).
func (s *daemon) approver(t *testing.T) string {
	return s.token(t, auth.DevTokenOptions{Role: trial.RoleKDDApprover})
}

// ministry returns a ministry's token, as `forsokd dev-token -role ministry -ministry code`.
func (s *daemon) ministry(t *testing.T, code string) string {
	return s.token(t, auth.DevTokenOptions{Role: trial.RoleMinistry, Ministry: code})
}

// as returns a context carrying the token as gRPC metadata, per RPC.
func (s *daemon) as(t *testing.T, token string) context.Context {
	return servertest.As(t.Context(), token)
}

// restRaw sends a REST request. body is sent as is when it is a string or []byte (JSON
// as a developer writes it) and JSON-encoded otherwise; nil sends no body. An empty
// token sends no Authorization header.
func (s *daemon) restRaw(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	return restCall(t, s.http, s.base, method, path, token, body)
}

// rest is restRaw with the answer decoded as a JSON object (nil when it is not JSON).
func (s *daemon) rest(t *testing.T, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	code, raw := s.restRaw(t, method, path, token, body)
	return code, decodeObject(raw)
}

func restCall(t *testing.T, client *http.Client, base, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		r = bytes.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, r)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, raw
}

func decodeObject(raw []byte) map[string]any {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// restOK sends a REST request and fails the test unless the answer is 200.
func (s *daemon) restOK(t *testing.T, method, path, token string, body any) map[string]any {
	t.Helper()
	code, m := s.rest(t, method, path, token, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s: got HTTP %d, want 200; body %v", method, path, code, m)
	}
	return m
}

// councilDecision is a council decision as JSON.
func councilDecision(body, caseRef, date string) map[string]any {
	return map[string]any{"body": body, "caseReference": caseRef, "meetingDate": date}
}

// validApplication returns api.md's example application, Indre Østfold as the lead
// with its council decision, and the co-applicants given (each named without a council
// decision: a co-applicant records its own, R8). The one exemption is owned by KD.
func validApplication(coApplicants ...map[string]any) map[string]any {
	applicants := []any{map[string]any{
		"organisationNumber": leadOrg,
		"name":               leadName,
		"kind":               "KOMMUNE",
		"municipalityNumber": leadMunicipal,
		"councilDecision":    councilDecision("Indre Østfold kommunestyre", "2025/311", "2025-06-12"),
	}}
	for _, c := range coApplicants {
		applicants = append(applicants, c)
	}
	return map[string]any{
		"title":      "Vurdering uten karakter i ett eller flere fag på 8. trinn",
		"summary":    "Elevene på 8. trinn får underveisvurdering uten karakter i utvalgte fag.",
		"applicants": applicants,
		"category":   "ORGANISATION",
		"purposes":   []string{"SERVICE_QUALITY"},
		"exemptions": []any{map[string]any{
			"lawId":          "LOV-2023-06-09-30",
			"section":        "§ 15-4",
			"currentRule":    "Elevene skal ha karakter i hvert fag fra 8. trinn.",
			"proposedRule":   "Ingen karakter i valgte fag på 8. trinn i forsøksperioden.",
			"owningMinistry": "KD",
		}},
		"plannedStart":        "2026-08-01",
		"plannedEnd":          "2029-07-31",
		"evaluationPlan":      "Følgeevaluering ved et forskningsmiljø, med rapport etter forsøksperioden.",
		"employeeInvolvement": "Drøftet med Utdanningsforbundet 2025-05-20; tillitsvalgte deltar i styringsgruppen.",
		"draftRegulation":     "Forskrift om forsøk med vurdering uten karakter i Indre Østfold kommune.",
	}
}

// coApplicant is Råde kommune as the lead names it.
func coApplicant() map[string]any {
	return map[string]any{"organisationNumber": coOrg, "name": coName, "kind": "KOMMUNE", "municipalityNumber": coMunicipal}
}

// jget walks decoded JSON by object keys (string) and array indexes (int); nil when
// the path is absent.
func jget(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k < 0 || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// jstr is jget as a string ("" when absent or not a string).
func jstr(v any, path ...any) string {
	s, _ := jget(v, path...).(string)
	return s
}

// jlist is jget as an array.
func jlist(v any, path ...any) []any {
	a, _ := jget(v, path...).([]any)
	return a
}

// wantEqual fails the test (not at once) unless got == want.
func wantEqual[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// mustEqual stops the test unless got == want.
func mustEqual[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// wantHTTPError checks an error answer of the gateway: the HTTP status and the gRPC
// code in its google.rpc.Status body.
func wantHTTPError(t *testing.T, what string, gotStatus int, body map[string]any, wantStatus int, wantCode codes.Code) {
	t.Helper()
	if gotStatus != wantStatus {
		t.Errorf("%s: got HTTP %d, want %d; body %v", what, gotStatus, wantStatus, body)
		return
	}
	code, _ := jget(body, "code").(float64)
	if codes.Code(code) != wantCode {
		t.Errorf("%s: got code %v, want %v; body %v", what, codes.Code(code), wantCode, body)
	}
}

// wantGRPCError checks a gRPC error's code.
func wantGRPCError(t *testing.T, what string, err error, want codes.Code) *status.Status {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != want {
		t.Errorf("%s: got %v (%v), want %v", what, st.Code(), err, want)
	}
	return st
}

// detail returns the first error detail of the type (e.g. "google.rpc.BadRequest") in
// a gateway error body.
func detail(body map[string]any, typ string) map[string]any {
	for _, d := range jlist(body, "details") {
		if jstr(d, "@type") == "type.googleapis.com/"+typ {
			m, _ := d.(map[string]any)
			return m
		}
	}
	return nil
}

// preconditionTypes lists the rules (violation types) of a gateway error's
// google.rpc.PreconditionFailure, each with its subject.
func preconditionTypes(body map[string]any) []string {
	var out []string
	for _, v := range jlist(detail(body, "google.rpc.PreconditionFailure"), "violations") {
		out = append(out, jstr(v, "type")+" "+jstr(v, "subject"))
	}
	return out
}

// badRequestFields lists the fields of a gateway error's google.rpc.BadRequest.
func badRequestFields(body map[string]any) []string {
	var out []string
	for _, v := range jlist(detail(body, "google.rpc.BadRequest"), "fieldViolations") {
		out = append(out, jstr(v, "field"))
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// seq reads an event's sequence: a uint64, so a string in proto JSON.
func seq(t *testing.T, event any) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(jstr(event, "sequence"), 10, 64)
	if err != nil {
		t.Fatalf("event sequence %v: %v", jget(event, "sequence"), err)
	}
	return n
}

// path returns the REST path of a resource name with an optional custom verb.
func path(name string, verb ...string) string {
	p := "/v1/" + name
	if len(verb) > 0 {
		p += ":" + verb[0]
	}
	return p
}

// createDraft creates the application body as the lead and returns its name.
func (s *daemon) createDraft(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	app := s.restOK(t, http.MethodPost, "/v1/applications", s.municipality(t, leadOrg), body)
	mustEqual(t, "created state", jstr(app, "state"), "DRAFT")
	return app
}

// submitted creates a single-applicant case and submits it; it returns its name.
func (s *daemon) submitted(t *testing.T) string {
	t.Helper()
	name := jstr(s.createDraft(t, validApplication()), "name")
	app := s.restOK(t, http.MethodPost, path(name, "submit"), s.municipality(t, leadOrg), `{}`)
	mustEqual(t, "state after submit", jstr(app, "state"), "SUBMITTED")
	return name
}

// inReview is submitted plus a handler's assign over gRPC.
func (s *daemon) inReview(t *testing.T) string {
	t.Helper()
	name := s.submitted(t)
	app, err := s.api.AssignApplication(s.as(t, s.handler(t)), &forsokv1.AssignApplicationRequest{Name: name})
	if err != nil {
		t.Fatalf("AssignApplication: %v", err)
	}
	mustEqual(t, "state after assign", app.GetState(), forsokv1.Application_IN_REVIEW)
	return name
}

// inConsultation is inReview plus a consultation with KD; it returns the case's and
// the consultation's names.
func (s *daemon) inConsultation(t *testing.T) (name, consultation string) {
	t.Helper()
	name = s.inReview(t)
	c, err := s.api.CreateConsultation(s.as(t, s.handler(t)), &forsokv1.CreateConsultationRequest{
		Parent: name,
		Consultation: &forsokv1.Consultation{Ministry: "KD", Question: "Har departementet merknader til forsøket?",
			DueWorkingDays: 10},
	})
	if err != nil {
		t.Fatalf("CreateConsultation: %v", err)
	}
	return name, c.GetName()
}

// approved drives a case to APPROVED: consulted with KD, whose answer comes over gRPC
// with the given statement, then approved with its regulation published.
func (s *daemon) approved(t *testing.T, statement string) string {
	t.Helper()
	name, cname := s.inConsultation(t)
	c, err := s.api.RespondToConsultation(s.as(t, s.ministry(t, "KD")), &forsokv1.RespondToConsultationRequest{
		Name: cname, Position: forsokv1.Consultation_SUPPORTS, Statement: statement})
	if err != nil {
		t.Fatalf("RespondToConsultation: %v", err)
	}
	mustEqual(t, "consultation state", c.GetState(), forsokv1.Consultation_ANSWERED)
	app, err := s.api.ApproveApplication(s.as(t, s.approver(t)), &forsokv1.ApproveApplicationRequest{
		Name: name, ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31",
		Reasons: "Forsøket er innenfor forsøksloven § 3 a og godt begrunnet.",
		// Adopted on the decision day, never before it (R18).
		RegulationId: "FOR-" + s.clock.Now().Format(time.DateOnly) + "-1234", PublicationReference: "Norsk Lovtidend avd. I 2026 nr. 1234",
	})
	if err != nil {
		t.Fatalf("ApproveApplication: %v", err)
	}
	mustEqual(t, "state after approve", app.GetState(), forsokv1.Application_APPROVED)
	return name
}

// events lists a case's history over REST.
func (s *daemon) events(t *testing.T, name, token string) []any {
	t.Helper()
	return jlist(s.restOK(t, http.MethodGet, "/v1/"+name+"/events", token, nil), "events")
}

// ev names field of the i-th event in a failure message.
func ev(i int, field string) string { return fmt.Sprintf("events[%d].%s", i, field) }
