package main

import (
	"strings"
	"testing"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

// TestForsokctl_Calls: calls lists and shows a call with its statistics; select with
// -decline is one decision on several applications; decline of a selected application
// in time is refused naming R20.
func TestForsokctl_Calls(t *testing.T) {
	s := startServer(t)
	c, err := s.api.CreateCall(s.as(s.Approver()), &forsokv1.CreateCallRequest{Call: &forsokv1.Call{
		Title: "Forsøk i tillitsreformen", Description: "KDD inviterer kommuner til å søke.", Themes: []string{"Skole"},
		EligibleKinds: []forsokv1.Applicant_Kind{forsokv1.Applicant_KOMMUNE}, PreliminaryDeadline: "2026-04-15", FinalDeadline: "2026-06-30"}})
	if err != nil {
		t.Fatalf("CreateCall: %v", err)
	}
	if _, err := s.api.PublishCall(s.as(s.Handler()), &forsokv1.PublishCallRequest{Name: c.GetName()}); err != nil {
		t.Fatalf("PublishCall: %v", err)
	}
	orgs := []struct{ org, name, number string }{{leadOrg, "Indre Østfold kommune", "3118"}, {"940802652", "Råde kommune", "3112"}}
	var names []string
	for _, o := range orgs {
		tok := s.Municipality(o.org)
		app, err := s.api.CreateApplication(s.as(tok), &forsokv1.CreateApplicationRequest{Application: &forsokv1.Application{
			Call: c.GetName(), Title: "Vurdering uten karakter", Summary: "Underveisvurdering uten karakter.",
			Applicants: []*forsokv1.Applicant{{OrganisationNumber: o.org, Name: o.name, Kind: forsokv1.Applicant_KOMMUNE, MunicipalityNumber: o.number}},
			Category:   forsokv1.Application_ORGANISATION, Purposes: []forsokv1.Application_Purpose{forsokv1.Application_SERVICE_QUALITY},
			Exemptions: []*forsokv1.Exemption{{LawId: "LOV-2023-06-09-30", Section: "§ 15-4", OwningMinistry: "KD",
				CurrentRule: "Karakter i hvert fag.", ProposedRule: "Ingen karakter i valgte fag."}},
			PlannedStart: "2026-08-01", PlannedEnd: "2029-07-31", EvaluationPlan: "Følgeevaluering.",
			EmployeeInvolvement: "Drøftet med tillitsvalgte.", Themes: []string{"Skole"},
		}})
		if err != nil {
			t.Fatalf("CreateApplication: %v", err)
		}
		if _, err := s.api.SubmitApplication(s.as(tok), &forsokv1.SubmitApplicationRequest{Name: app.GetName()}); err != nil {
			t.Fatalf("SubmitApplication (preliminary, no council decision): %v", err)
		}
		names = append(names, app.GetName())
	}

	out := s.ok("", "calls")
	wantContains(t, "calls", out, c.GetName(), "OPEN", "2026-04-15", "Forsøk i tillitsreformen")

	s.Advance(at("2026-04-16", 9))
	id := strings.TrimPrefix(names[1], "applications/")
	out = s.ok(s.Approver(), "select", names[0], "-decline", id, "-reason-codes", "NOT_PRIORITISED", "-reasons", "Samlet vurdering.")
	if !hasRow(out, names[0], "2026/1", "SELECTED") || !hasRow(out, names[1], "2026/2", "NOT_SELECTED") {
		t.Errorf("select -decline: got\n%s\nwant %s SELECTED and %s NOT_SELECTED", out, names[0], names[1])
	}
	r := s.ctl(s.Approver(), "decline", names[0], "-reason-codes", "OTHER", "-reasons", "For tidlig.")
	wantExit(t, r, 3, "R20", "final deadline")

	out = s.ok("", "calls", c.GetName())
	wantContains(t, "calls CALL", out, "ASSESSMENT", "received 2, selected 1, not selected 1", "by county: 31: 2", "by theme: Skole: 2")
}
