package rpc_test

// End-to-end tests of domain.md's sharper readings over real gRPC and the REST gateway:
// each rule family refuses what it should, naming its rule, and the new actions
// (WithdrawParticipation, ConfirmLawOwner, RecordLegalReview) allow what they should.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// ruleFields returns "RULE field" for each violation of err: PreconditionFailure's
// type and subject, or BadRequest's field with the rule its description starts with.
func ruleFields(err error) []string {
	var out []string
	for _, d := range status.Convert(err).Details() {
		switch d := d.(type) {
		case *errdetails.PreconditionFailure:
			for _, v := range d.GetViolations() {
				out = append(out, v.GetType()+" "+v.GetSubject())
			}
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				rule, _, _ := strings.Cut(v.GetDescription(), ":")
				out = append(out, rule+" "+v.GetField())
			}
		}
	}
	return out
}

// wantRule checks that err has the code and a violation "RULE field" whose description
// mentions each of mention.
func wantRule(t *testing.T, err error, code codes.Code, ruleField string, mention ...string) {
	t.Helper()
	checkCode(t, err, code)
	if got := ruleFields(err); !slices.Contains(got, ruleField) {
		t.Fatalf("violations %q, want %q", got, ruleField)
	}
	for _, m := range mention {
		if !strings.Contains(status.Convert(err).Message(), m) {
			t.Errorf("message %q, want it to name %q", status.Convert(err).Message(), m)
		}
	}
}

// lawCase creates a case from the harness' application, changed by edit, has the
// co-applicant confirm, and takes it to IN_REVIEW.
func (h *harness) lawCase(t *testing.T, edit func(*forsokv1.Application)) string {
	t.Helper()
	ctx := context.Background()
	body := applicationBody(lead, true)
	if edit != nil {
		edit(body)
	}
	app, err := h.client.CreateApplication(h.as(ctx, lead), &forsokv1.CreateApplicationRequest{Application: body})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	name := app.GetName()
	if _, err := h.client.ConfirmParticipation(h.as(ctx, coApplicant), &forsokv1.ConfirmParticipationRequest{
		Name: name, OrganisationNumber: coOrg, CouncilDecision: pastCouncil("Råde kommunestyre")}); err != nil {
		t.Fatalf("confirm participation: %v", err)
	}
	if _, err := h.client.SubmitApplication(h.as(ctx, lead), &forsokv1.SubmitApplicationRequest{Name: name}); err != nil {
		t.Fatalf("submit: %v", err)
	}
	if _, err := h.client.AssignApplication(h.as(ctx, kddHandler), &forsokv1.AssignApplicationRequest{Name: name}); err != nil {
		t.Fatalf("assign: %v", err)
	}
	return name
}

// postJSON calls the REST gateway as r and returns the status and the decoded body.
func postJSON(t *testing.T, h *harness, srv *httptest.Server, r role, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if r != anonymous {
		req.Header.Set("Authorization", "Bearer "+h.tokens[r])
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: body %s is not JSON: %v", method, path, b, err)
	}
	return res.StatusCode, m
}

func TestLawOwnership(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	srv := httptest.NewServer(h.gateway)
	t.Cleanup(srv.Close)

	t.Run("ErrR16WrongOwnerNamesTheRightOne", func(t *testing.T) {
		app, err := h.client.CreateApplication(h.as(ctx, lead), &forsokv1.CreateApplicationRequest{Application: func() *forsokv1.Application {
			a := applicationBody(lead, false)
			a.Exemptions[0].OwningMinistry = "KDD" // the education act is KD's
			return a
		}()})
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.client.SubmitApplication(h.as(ctx, lead), &forsokv1.SubmitApplicationRequest{Name: app.GetName()})
		wantRule(t, err, codes.FailedPrecondition, "R16 exemptions[0].owning_ministry", "set owning_ministry to KD")
	})

	t.Run("ErrR16KDDConsultsItself", func(t *testing.T) {
		name := h.lawCase(t, nil)
		_, err := h.client.CreateConsultation(h.as(ctx, kddHandler), &forsokv1.CreateConsultationRequest{Parent: name,
			Consultation: &forsokv1.Consultation{Ministry: "KDD", Question: "?", DueWorkingDays: 10}})
		wantRule(t, err, codes.FailedPrecondition, "R16 ministry")
	})

	t.Run("UnknownLawNeedsConfirmedOwner", func(t *testing.T) {
		name := h.lawCase(t, func(a *forsokv1.Application) {
			a.Exemptions[0].LawId, a.Exemptions[0].Section, a.Exemptions[0].OwningMinistry = "LOV-2009-06-19-100", "§ 8", "NFD"
		})
		// ErrR16: approval waits for KDD to confirm who owns the law.
		_, err := h.client.ApproveApplication(h.as(ctx, kddApprover), h.approveRequest(name))
		wantRule(t, err, codes.FailedPrecondition, "R16 exemptions[0].owning_ministry", "confirmLawOwner")
		// ListAllowedActions says so.
		allowed, err := h.client.ListAllowedActions(h.as(ctx, kddApprover), &forsokv1.ListAllowedActionsRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range allowed.GetActions() {
			switch a.GetAction() {
			case "approve", "confirmLawOwner":
				if (a.GetAction() == "approve") == a.GetAllowed() {
					t.Errorf("ListAllowedActions %s: allowed %v", a.GetAction(), a.GetAllowed())
				}
			}
		}
		// OK over REST: KDD confirms the law is its own; no consultation is needed then.
		code, body := postJSON(t, h, srv, kddHandler, "POST", "/v1/"+name+":confirmLawOwner",
			`{"lawId": "LOV-2009-06-19-100", "ministry": "KDD", "reasons": "Loven forvaltes av KDD."}`)
		if code != http.StatusOK {
			t.Fatalf("confirmLawOwner: HTTP %d: %v", code, body)
		}
		confirmations, _ := body["lawOwnerConfirmations"].([]any)
		if len(confirmations) != 1 || body["exemptions"].([]any)[0].(map[string]any)["owningMinistry"] != "KDD" {
			t.Errorf("confirmLawOwner: got %v, want one confirmation and the exemption's owner KDD", body)
		}
		// ErrR16: a law the reference data knows is not confirmed.
		code, body = postJSON(t, h, srv, kddHandler, "POST", "/v1/"+name+":confirmLawOwner", `{"lawId": "LOV-2023-06-09-30", "ministry": "KD"}`)
		if code != http.StatusBadRequest || !strings.Contains(body["message"].(string), "R16") {
			t.Errorf("confirmLawOwner of a known law: HTTP %d %v, want 400 naming R16", code, body)
		}
		if _, err := h.client.ApproveApplication(h.as(ctx, kddApprover), h.approveRequest(name)); err != nil {
			t.Errorf("approve after the owner is confirmed: %v", err)
		}
	})
}

func TestConsultationCoverage(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	f := h.drive(t, sitReady)
	// KDD sends the case back and the applicant changes its exemption after KD answered.
	if _, err := h.client.RequestChanges(h.as(ctx, kddHandler), &forsokv1.RequestChangesRequest{Name: f.name, Questions: "Hvilke fag?"}); err != nil {
		t.Fatal(err)
	}
	changed := applicationBody(lead, true).Exemptions
	changed[0].ProposedRule = "Ingen karakter i noen fag på 8. trinn."
	if _, err := h.client.UpdateApplication(h.as(ctx, lead), &forsokv1.UpdateApplicationRequest{
		Application: &forsokv1.Application{Name: f.name, Exemptions: changed}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"exemptions"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.ConfirmParticipation(h.as(ctx, coApplicant), &forsokv1.ConfirmParticipationRequest{
		Name: f.name, OrganisationNumber: coOrg, CouncilDecision: pastCouncil("Råde kommunestyre")}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.SubmitApplication(h.as(ctx, lead), &forsokv1.SubmitApplicationRequest{Name: f.name}); err != nil {
		t.Fatal(err)
	}
	// ErrR17: KD's answer covers the exemption as it was.
	_, err := h.client.ApproveApplication(h.as(ctx, kddApprover), h.approveRequest(f.name))
	wantRule(t, err, codes.FailedPrecondition, "R17 consultations")
	// ListAllowedActions says so.
	allowed, err := h.client.ListAllowedActions(h.as(ctx, kddApprover), &forsokv1.ListAllowedActionsRequest{Name: f.name})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range allowed.GetActions() {
		if a.GetAction() != "approve" {
			continue
		}
		if a.GetAllowed() || !slices.ContainsFunc(a.GetFailingGuards(), func(v *forsokv1.RuleViolation) bool {
			return v.GetRule() == "R17" && v.GetReason() == "CONSULTATION_OUTDATED"
		}) {
			t.Errorf("ListAllowedActions approve: allowed %v, failing %v; want refused for R17", a.GetAllowed(), a.GetFailingGuards())
		}
	}
	cons, err := h.client.ListConsultations(h.as(ctx, kddHandler), &forsokv1.ListConsultationsRequest{Parent: f.name})
	if err != nil || len(cons.GetConsultations()) != 1 || cons.GetConsultations()[0].GetCoveredExemptions()[0].GetProposedRule() == changed[0].ProposedRule {
		t.Fatalf("consultation's covered exemptions: %v %v, want the exemption as it was when asked", cons, err)
	}
	// OK: a new consultation on the exemption as it stands, answered.
	c, err := h.client.CreateConsultation(h.as(ctx, kddHandler), &forsokv1.CreateConsultationRequest{Parent: f.name,
		Consultation: &forsokv1.Consultation{Ministry: consultedMin, Question: "Endret unntak: merknader?", DueWorkingDays: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.RespondToConsultation(h.as(ctx, ministryKD), &forsokv1.RespondToConsultationRequest{Name: c.GetName(),
		Position: forsokv1.Consultation_SUPPORTS, Statement: "KD støtter fortsatt."}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.ApproveApplication(h.as(ctx, kddApprover), h.approveRequest(f.name)); err != nil {
		t.Errorf("approve after the new answer: %v", err)
	}
}

func TestDecisionLimits(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	f := h.drive(t, sitReady)
	yesterday := osloToday().AddDate(0, 0, -1).Format(time.DateOnly)
	for _, tc := range []struct {
		name      string
		edit      func(*forsokv1.ApproveApplicationRequest)
		ruleField string
	}{
		{"ErrR18Retroactive", func(r *forsokv1.ApproveApplicationRequest) { r.ApprovedStart = yesterday }, "R18 approved_start"},
		{"ErrR18BeyondApplied", func(r *forsokv1.ApproveApplicationRequest) {
			r.ApprovedEnd = osloToday().AddDate(3, 0, 0).Format(time.DateOnly)
		}, "R18 approved_end"},
		{"ErrR18GrantsWhatWasNotAppliedFor", func(r *forsokv1.ApproveApplicationRequest) { r.GrantedExemptions = []int32{1} }, "R18 granted_exemptions[0]"},
		{"ErrR18RegulationBeforeDecision", func(r *forsokv1.ApproveApplicationRequest) { r.RegulationId = "FOR-2020-01-01-1" }, "R18 regulation_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := h.approveRequest(f.name)
			tc.edit(req)
			_, err := h.client.ApproveApplication(h.as(ctx, kddApprover), req)
			wantRule(t, err, codes.FailedPrecondition, tc.ruleField)
		})
	}
	t.Run("OKPartialApproval", func(t *testing.T) {
		req := h.approveRequest(f.name)
		req.GrantedExemptions = []int32{0}
		app, err := h.client.ApproveApplication(h.as(ctx, kddApprover), req)
		if err != nil {
			t.Fatal(err)
		}
		if d := app.GetDecision(); !slices.Equal(d.GetGrantedExemptions(), []int32{0}) || d.GetDecideDate() != h.today || d.GetPublicationDate() != h.today {
			t.Errorf("decision: got %v, want granted [0], decided and published %s", d, h.today)
		}
	})
}

func TestLegalReview(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	srv := httptest.NewServer(h.gateway)
	t.Cleanup(srv.Close)
	name := h.lawCase(t, func(a *forsokv1.Application) {
		a.Exemptions[0].OwningMinistry, a.Exemptions[0].RestrictsRights = "KD", true
	})
	c, err := h.client.CreateConsultation(h.as(ctx, kddHandler), &forsokv1.CreateConsultationRequest{Parent: name,
		Consultation: &forsokv1.Consultation{Ministry: consultedMin, Question: "Merknader?", DueWorkingDays: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.RespondToConsultation(h.as(ctx, ministryKD), &forsokv1.RespondToConsultationRequest{Name: c.GetName(),
		Position: forsokv1.Consultation_SUPPORTS, Statement: "Ja."}); err != nil {
		t.Fatal(err)
	}
	// ErrR19: the flagged exemption has no legal review.
	_, err = h.client.ApproveApplication(h.as(ctx, kddApprover), h.approveRequest(name))
	wantRule(t, err, codes.FailedPrecondition, "R19 exemptions[0].legal_review")
	// ErrR19 over REST: a review needs its reasons.
	code, body := postJSON(t, h, srv, kddHandler, "POST", "/v1/"+name+":recordLegalReview", `{"exemptionIndex": 0, "conclusion": "WITHIN_ACT"}`)
	if code != http.StatusBadRequest || !strings.Contains(body["message"].(string), "reasons") {
		t.Errorf("recordLegalReview without reasons: HTTP %d %v, want 400 naming reasons", code, body)
	}
	// OK over REST.
	code, body = postJSON(t, h, srv, kddHandler, "POST", "/v1/"+name+":recordLegalReview",
		`{"exemptionIndex": 0, "conclusion": "WITHIN_ACT", "reasons": "Begrensningen er forholdsmessig og tidsavgrenset."}`)
	if reviews, _ := body["legalReviews"].([]any); code != http.StatusOK || len(reviews) != 1 {
		t.Fatalf("recordLegalReview: HTTP %d %v, want 200 with one review", code, body)
	}
	if _, err := h.client.ApproveApplication(h.as(ctx, kddApprover), h.approveRequest(name)); err != nil {
		t.Errorf("approve after the review: %v", err)
	}
}

func TestWithdrawParticipation(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(h.gateway)
	t.Cleanup(srv.Close)
	f := h.drive(t, sitInReview)
	body := `{"organisationNumber": "` + coOrg + `", "reason": "Kommunestyret opphevet vedtaket 2026-01-10."}`
	// ErrRole: the lead withdraws the application, not its participation.
	if code, m := postJSON(t, h, srv, lead, "POST", "/v1/"+f.name+":withdrawParticipation",
		`{"organisationNumber": "`+leadOrg+`", "reason": "x"}`); code != http.StatusForbidden {
		t.Errorf("lead: HTTP %d %v, want 403", code, m)
	}
	// ErrR8Plus: a municipality speaks only for itself.
	if code, m := postJSON(t, h, srv, coApplicant, "POST", "/v1/"+f.name+":withdrawParticipation",
		`{"organisationNumber": "`+leadOrg+`", "reason": "x"}`); code != http.StatusBadRequest || !strings.Contains(m["message"].(string), "R8+") {
		t.Errorf("co-applicant for the lead: HTTP %d %v, want 400 naming R8+", code, m)
	}
	code, m := postJSON(t, h, srv, coApplicant, "POST", "/v1/"+f.name+":withdrawParticipation", body)
	if code != http.StatusOK || m["state"] != "IN_REVIEW" {
		t.Fatalf("withdraw participation: HTTP %d %v, want 200 and the case in IN_REVIEW", code, m)
	}
	applicants, _ := m["applicants"].([]any)
	withdrawn, _ := m["withdrawnParticipants"].([]any)
	if len(applicants) != 1 || len(withdrawn) != 1 {
		t.Errorf("applicants %v, withdrawn %v: want the lead alone and the co-applicant recorded as withdrawn", applicants, withdrawn)
	}
	// The co-applicant no longer sees the case: it is no longer a party.
	if code, _ := postJSON(t, h, srv, coApplicant, "GET", "/v1/"+f.name, ""); code != http.StatusNotFound {
		t.Errorf("withdrawn co-applicant reads the case: HTTP %d, want 404", code)
	}
}

func TestMunicipalityRegister(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	body := applicationBody(lead, false)
	body.Applicants[0].MunicipalityNumber = "3014" // Indre Østfold's number 2020–2023
	_, err := h.client.CreateApplication(h.as(ctx, lead), &forsokv1.CreateApplicationRequest{Application: body})
	wantRule(t, err, codes.InvalidArgument, "R2+ applicants[0].municipality_number", "3118 (Indre Østfold)")
}

func TestPublicFilters(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(h.gateway)
	t.Cleanup(srv.Close)
	h.drive(t, sitApproved)
	for _, filter := range []string{"ministry = KD", "flag = CONSULTATION_OVERDUE", "evaluation_due_within_days = 30"} {
		code, m := postJSON(t, h, srv, anonymous, "GET", "/v1/applications?filter="+url.QueryEscape(filter), "")
		if code != http.StatusBadRequest || !strings.Contains(m["message"].(string), "R22") {
			t.Errorf("anonymous filter %q: HTTP %d %v, want 400 naming R22", filter, code, m)
		}
		// KDD sees every case in full and may filter by them.
		if code, m := postJSON(t, h, srv, kddHandler, "GET", "/v1/applications?filter="+url.QueryEscape(filter), ""); code != http.StatusOK {
			t.Errorf("KDD filter %q: HTTP %d %v, want 200", filter, code, m)
		}
	}
	if code, m := postJSON(t, h, srv, anonymous, "GET", "/v1/applications?filter="+url.QueryEscape("law = LOV-2023-06-09-30"), ""); code != http.StatusOK {
		t.Errorf("anonymous filter by law (public): HTTP %d %v, want 200", code, m)
	}
}
