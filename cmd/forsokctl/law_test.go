package main

import (
	"testing"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

// TestLawCommands runs the commands of the sharper readings against a real server:
// each is refused naming its rule where the rule bites, and carried out where it does
// not.
func TestLawCommands(t *testing.T) {
	s := startServer(t)
	name := s.submitted()
	id := name[len("applications/"):]
	if _, err := s.api.AssignApplication(s.as(s.Handler()), &forsokv1.AssignApplicationRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrR16ConfirmKnownLaw", func(t *testing.T) {
		wantExit(t, s.ctl(s.Handler(), "confirm-law-owner", id, "-law", "LOV-2023-06-09-30", "-ministry", "KD"),
			exitRefused, "FAILED_PRECONDITION", "R16 law_id", "(flag -law)")
	})
	t.Run("ErrR19ReviewNotFlagged", func(t *testing.T) {
		wantExit(t, s.ctl(s.Handler(), "legal-review", id, "-exemption", "0", "-conclusion", "WITHIN_ACT", "-reasons", "Vurdert."),
			exitRefused, "FAILED_PRECONDITION", "R19 exemption_index", "(flag -exemption)")
	})
	t.Run("ErrR19ReviewWithoutReasons", func(t *testing.T) {
		wantExit(t, s.ctl(s.Handler(), "legal-review", id, "-exemption", "0", "-conclusion", "WITHIN_ACT"),
			exitError, "INVALID_ARGUMENT", "(flag -reasons)")
	})
	t.Run("ErrR18PartialApprovalOfWhatWasNotAppliedFor", func(t *testing.T) {
		wantExit(t, s.ctl(s.Approver(), "approve", id, "-start", "2026-08-01", "-end", "2029-07-31", "-reasons", "x", "-grant-exemptions", "0,3"),
			exitRefused, "FAILED_PRECONDITION", "R18 granted_exemptions[1]")
	})
	t.Run("ErrRoleLeadWithdrawsParticipation", func(t *testing.T) {
		wantExit(t, s.ctl(s.Municipality(leadOrg), "withdraw-participation", id, "-org", leadOrg, "-reason", "x"),
			exitAuth, "PERMISSION_DENIED")
	})
	t.Run("WithdrawParticipation", func(t *testing.T) {
		// A joint draft: the co-applicant confirms, then leaves before the decision.
		co := s.Municipality("940802652")
		app, err := s.api.CreateApplication(s.as(s.Municipality(leadOrg)), &forsokv1.CreateApplicationRequest{Application: &forsokv1.Application{
			Title: "Felles forsøk",
			Applicants: []*forsokv1.Applicant{
				{OrganisationNumber: leadOrg, Name: "Indre Østfold kommune", Kind: forsokv1.Applicant_KOMMUNE, MunicipalityNumber: "3118"},
				{OrganisationNumber: "940802652", Name: "Råde kommune", Kind: forsokv1.Applicant_KOMMUNE, MunicipalityNumber: "3112"},
			},
		}})
		if err != nil {
			t.Fatal(err)
		}
		m := s.okJSON(co, "withdraw-participation", app.GetName(), "-org", "940802652", "-reason", "Kommunestyret opphevet vedtaket.")
		if got := list(m, "applicants"); len(got) != 1 || len(list(m, "withdrawnParticipants")) != 1 {
			t.Errorf("after withdraw-participation: got %v, want one applicant and one withdrawn", m)
		}
	})
}
