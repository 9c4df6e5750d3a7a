package workflow_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

func TestService_CreateApplication(t *testing.T) {
	for _, tc := range []struct {
		name   string
		actor  trial.Actor
		in     func() *trial.Application
		code   trial.Code
		reason string
		check  func(t *testing.T, app *trial.Application)
	}{
		{name: "OK", actor: svcLead, in: svcFixture, check: func(t *testing.T, app *trial.Application) {
			if app.ID != "2026-000001" || app.State != trial.StateDraft || app.Revision != 1 || app.CaseNumber != "" {
				t.Errorf("got id %q state %s revision %d case number %q, want 2026-000001 DRAFT 1 and none",
					app.ID, app.State, app.Revision, app.CaseNumber)
			}
			if lead := app.Lead(); lead == nil || lead.OrganisationNumber != svcLeadOrg {
				t.Errorf("lead: got %+v, want %s", lead, svcLeadOrg)
			}
			if !app.CreateTime.Equal(svcStart) || !app.UpdateTime.Equal(svcStart) {
				t.Errorf("times: got %s, %s, want %s", app.CreateTime, app.UpdateTime, svcStart)
			}
		}},
		{name: "OKJoint", actor: svcLead, in: svcJointFixture, check: func(t *testing.T, app *trial.Application) {
			co := app.Applicant(svcCoOrg)
			if co == nil || co.Lead || co.ParticipationConfirmed || co.CouncilDecision != nil {
				t.Errorf("co-applicant: got %+v, want not lead, not confirmed, no council decision", co)
			}
		}},
		{name: "OKIgnoresOutputFields", actor: svcLead, in: func() *trial.Application {
			app := svcJointFixture()
			app.ID, app.State, app.CaseNumber, app.Revision = "2026-000042", trial.StateApproved, "2026/9", 7
			app.Decision = &trial.Decision{Approved: true}
			app.Applicants[0].Lead = false
			app.Applicants[1].Lead, app.Applicants[1].ParticipationConfirmed = true, true
			app.Exemptions[0].Flags = []trial.ExemptionFlag{trial.FlagKommuneloven}
			return app
		}, check: func(t *testing.T, app *trial.Application) {
			if app.ID != "2026-000001" || app.State != trial.StateDraft || app.CaseNumber != "" || app.Revision != 1 || app.Decision != nil {
				t.Errorf("got %+v, want output fields assigned by the service", app)
			}
			if lead := app.Lead(); lead == nil || lead.OrganisationNumber != svcLeadOrg || app.Applicants[1].ParticipationConfirmed {
				t.Errorf("applicants: got %+v, want the caller as the only lead, none confirmed", app.Applicants)
			}
			if app.Exemptions[0].Flags != nil {
				t.Errorf("flags: got %v, want none before submission", app.Exemptions[0].Flags)
			}
		}},
		{name: "OKIncompleteDraft", actor: svcLead, in: func() *trial.Application {
			return &trial.Application{Title: "Utkast", Applicants: svcFixture().Applicants}
		}},
		{name: "ErrUnauthenticated", actor: svcPublic, in: svcFixture, code: trial.CodeUnauthenticated},
		{name: "ErrKDD", actor: svcHandler, in: svcFixture, code: trial.CodePermissionDenied},
		{name: "ErrMinistry", actor: svcKD, in: svcFixture, code: trial.CodePermissionDenied},
		{name: "ErrCallerNotApplicant", actor: svcOther, in: svcFixture, code: trial.CodeInvalidArgument, reason: "LEAD_APPLICANT_MISSING"},
		{name: "ErrCoApplicantCouncilDecision", actor: svcLead, in: func() *trial.Application {
			app := svcJointFixture()
			app.Applicants[1].CouncilDecision = svcCouncil("Råde kommunestyre")
			return app
		}, code: trial.CodeInvalidArgument, reason: "COUNCIL_DECISION_NOT_YOURS"},
		{name: "ErrInvalidOrganisationNumber", actor: svcLead, in: func() *trial.Application {
			app := svcJointFixture()
			app.Applicants[1].OrganisationNumber = "940802653"
			return app
		}, code: trial.CodeInvalidArgument, reason: "INVALID_ORGANISATION_NUMBER"},
		{name: "ErrInvalidDate", actor: svcLead, in: func() *trial.Application {
			app := svcFixture()
			app.PlannedStart = "2026-02-30"
			return app
		}, code: trial.CodeInvalidArgument, reason: "INVALID_DATE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := svcSetup(t)
			app, err := e.svc.CreateApplication(svcCtx, svcCall(tc.actor), tc.in())
			if !strings.HasPrefix(tc.name, "OK") {
				svcWantErr(t, err, tc.code, tc.reason)
				if evs := e.allEvents(t); len(evs) != 0 {
					t.Errorf("events: got %d, want none", len(evs))
				}
				if e.exists(t, "2026-000001") {
					t.Errorf("a refused create stored a case")
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if got, want := svcJSON(t, app), svcJSON(t, e.app(t, app.ID)); got != want {
				t.Errorf("answer differs from the stored case:\ngot  %s\nwant %s", got, want)
			}
			evs := e.events(t, app.ID)
			if len(evs) != 1 {
				t.Fatalf("events: got %d, want 1", len(evs))
			}
			svcCheckEvent(t, evs[0], trial.ActionCreate, trial.StateNone, trial.StateDraft, tc.actor, svcStart)
			if evs[0].Sequence != 1 {
				t.Errorf("sequence: got %d, want 1", evs[0].Sequence)
			}
			if tc.check != nil {
				tc.check(t, app)
			}
		})
	}
}

func svcUpdate(in *trial.Application, mask ...string) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.UpdateApplication(svcCtx, c, app.ID, in, mask)
	}
}

// svcConfirmCo has the co-applicant confirm its participation.
func svcConfirmCo(t *testing.T, e *svcEnv, app *trial.Application) {
	t.Helper()
	svcTry(e.svc.ConfirmParticipation(svcCtx, svcCall(svcCo), app.ID,
		trial.ParticipationInput{OrganisationNumber: svcCoOrg, CouncilDecision: svcCouncil("Råde kommunestyre")})).must(t)
}

func TestService_UpdateApplication(t *testing.T) {
	retitled := svcFixture()
	retitled.Title = "Nytt navn på forsøket"
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateDraft, actor: svcLead, do: svcUpdate(&trial.Application{Title: "Nytt navn på forsøket"}, "title"),
			action: trial.ActionUpdate, to: trial.StateDraft,
			check: func(t *testing.T, e *svcEnv, before, after *trial.Application, _ any) {
				want := *before
				want.Title, want.Revision, want.UpdateTime = "Nytt navn på forsøket", after.Revision, after.UpdateTime
				want.ChainHead = after.ChainHead // the update's event is the new head (chain.go)
				if svcJSON(t, after) != svcJSON(t, &want) {
					t.Errorf("got %s, want only the title changed: %s", svcJSON(t, after), svcJSON(t, &want))
				}
				if ev := e.lastEvent(t, after.ID); !slices.Equal(ev.Changes, []string{"title"}) {
					t.Errorf("event changes: got %v, want [title]", ev.Changes)
				}
			}},
		{name: "OKChangesRequested", state: trial.StateChangesRequested, actor: svcLead, do: svcUpdate(retitled, "title", "summary"),
			action: trial.ActionUpdate, to: trial.StateChangesRequested},
		{name: "OKEtagCurrent", state: trial.StateDraft, actor: svcLead, etag: "1", do: svcUpdate(retitled, "title"),
			action: trial.ActionUpdate, to: trial.StateDraft},
		{name: "OKResetsConfirmations", in: svcJointFixture, state: trial.StateDraft, setup: svcConfirmCo,
			actor: svcLead, do: svcUpdate(retitled, "summary"), action: trial.ActionUpdate, to: trial.StateDraft,
			check: func(t *testing.T, e *svcEnv, before, after *trial.Application, _ any) {
				if !before.Applicant(svcCoOrg).ParticipationConfirmed {
					t.Fatalf("setup: co-applicant not confirmed")
				}
				co := after.Applicant(svcCoOrg)
				if co.ParticipationConfirmed {
					t.Errorf("co-applicant: got confirmed, want the confirmation reset by the change")
				}
				if co.CouncilDecision == nil || *co.CouncilDecision != *svcCouncil("Råde kommunestyre") {
					t.Errorf("co-applicant council decision: got %+v, want its own kept", co.CouncilDecision)
				}
				if lead := after.Lead(); lead == nil || lead.OrganisationNumber != svcLeadOrg {
					t.Errorf("lead: got %+v, want %s", lead, svcLeadOrg)
				}
				_, err := e.svc.SubmitApplication(svcCtx, svcCall(svcLead), after.ID, "")
				svcWantErr(t, err, trial.CodeFailedPrecondition, "PARTICIPATION_NOT_CONFIRMED", "R8")
			}},
		{name: "OKApplicantsKeepCoApplicantsDecision", in: svcJointFixture, state: trial.StateDraft, setup: svcConfirmCo,
			actor: svcLead, do: func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
				// The lead resends the applicants with the co-applicant's decision left
				// out: the co-applicant keeps what it recorded itself.
				in := svcJointFixture()
				in.Applicants[0].Name = "Indre Østfold kommune (vertskommune)"
				return e.svc.UpdateApplication(svcCtx, c, app.ID, in, []string{"applicants"})
			}, action: trial.ActionUpdate, to: trial.StateDraft,
			check: func(t *testing.T, e *svcEnv, before, after *trial.Application, _ any) {
				if cd := after.Applicant(svcCoOrg).CouncilDecision; cd == nil || cd.Body != "Råde kommunestyre" {
					t.Errorf("co-applicant council decision: got %+v, want kept", cd)
				}
				if got := after.Applicants[0].Name; got != "Indre Østfold kommune (vertskommune)" {
					t.Errorf("lead name: got %q, want the new one", got)
				}
			}},
		{name: "ErrCoApplicantCouncilDecision", in: svcJointFixture, state: trial.StateDraft, actor: svcLead,
			do: func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
				in := svcJointFixture()
				in.Applicants[1].CouncilDecision = svcCouncil("Råde kommunestyre")
				return e.svc.UpdateApplication(svcCtx, c, app.ID, in, []string{"applicants"})
			}, code: trial.CodeInvalidArgument, reason: "COUNCIL_DECISION_NOT_YOURS", rules: []string{"R8"}},
		{name: "ErrCoApplicantCouncilDecisionChanged", in: svcJointFixture, state: trial.StateDraft, setup: svcConfirmCo, actor: svcLead,
			do: func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
				in := svcJointFixture()
				in.Applicants[1].CouncilDecision = &trial.CouncilDecision{Body: "Råde kommunestyre", CaseReference: "2025/1", MeetingDate: "2025-01-01"}
				return e.svc.UpdateApplication(svcCtx, c, app.ID, in, []string{"applicants"})
			}, code: trial.CodeInvalidArgument, reason: "COUNCIL_DECISION_NOT_YOURS"},
		{name: "ErrLeadRemoved", state: trial.StateDraft, actor: svcLead, do: svcUpdate(svcOtherFixture(), "applicants"),
			code: trial.CodeInvalidArgument, reason: "LEAD_APPLICANT_MISSING"},
		{name: "ErrMaskEmpty", state: trial.StateDraft, actor: svcLead, do: svcUpdate(retitled),
			code: trial.CodeInvalidArgument, reason: "UPDATE_MASK_EMPTY"},
		{name: "ErrFieldNotUpdatable", state: trial.StateDraft, actor: svcLead, do: svcUpdate(retitled, "title", "state"),
			code: trial.CodeInvalidArgument, reason: "FIELD_NOT_UPDATABLE"},
		{name: "ErrInvalidField", state: trial.StateDraft, actor: svcLead,
			do: svcUpdate(&trial.Application{PlannedStart: "2026-13-01"}, "planned_start"), code: trial.CodeInvalidArgument, reason: "INVALID_DATE"},
		{name: "ErrCoApplicant", in: svcJointFixture, state: trial.StateDraft, actor: svcCo, do: svcUpdate(retitled, "title"),
			code: trial.CodePermissionDenied},
		{name: "ErrSubmitted", state: trial.StateSubmitted, actor: svcLead, do: svcUpdate(retitled, "title"),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE", rules: []string{"STATE"}},
		{name: "ErrOtherMunicipality", state: trial.StateDraft, actor: svcOther, do: svcUpdate(retitled, "title"), code: trial.CodeNotFound},
		{name: "ErrKDDOnDraft", state: trial.StateDraft, actor: svcHandler, do: svcUpdate(retitled, "title"), code: trial.CodeNotFound},
		{name: "ErrUnauthenticated", state: trial.StateDraft, actor: svcPublic, do: svcUpdate(retitled, "title"), code: trial.CodeUnauthenticated},
		{name: "ErrStaleEtag", state: trial.StateDraft, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcTry(e.svc.UpdateApplication(svcCtx, svcCall(svcLead), app.ID, retitled, []string{"title"})).must(t)
		}, actor: svcLead, etag: "1", do: svcUpdate(retitled, "summary"), code: trial.CodeAborted},
	})
}

func svcDelete(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return nil, e.svc.DeleteApplication(svcCtx, c, app.ID)
}

func TestService_DeleteApplication(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateDraft, setup: func(t *testing.T, e *svcEnv, _ *trial.Application) {
			// A later case, so the deleted draft's events lie between others'.
			svcDrive(t, e, trial.StateSubmitted)
		}, actor: svcLead, do: svcDelete, action: trial.ActionDelete, to: trial.StateNone,
			check: func(t *testing.T, e *svcEnv, before, _ *trial.Application, _ any) {
				// One more event after the delete: the sequence goes on without a gap.
				svcTry(e.svc.AssignApplication(svcCtx, svcCall(svcHandler), "2026-000002", trial.Person{}, "")).must(t)
				e.checkSequence(t)
				if all := e.allEvents(t); all[len(all)-2].Action != trial.ActionDelete || all[len(all)-2].ApplicationID != before.ID {
					t.Errorf("second last event: got %s of %s, want the delete of %s", all[len(all)-2].Action, all[len(all)-2].ApplicationID, before.ID)
				}
				if _, err := e.svc.GetApplication(svcCtx, svcLead, before.ID); err == nil {
					t.Errorf("GetApplication after delete: got nil error, want NOT_FOUND")
				} else {
					svcWantErr(t, err, trial.CodeNotFound, "")
				}
				apps, _, err := e.svc.ListApplications(svcCtx, svcLead, "", "", 0, "")
				if err != nil || len(apps) != 1 || apps[0].ID != "2026-000002" {
					t.Errorf("ListApplications after delete: got %v, %v, want only 2026-000002", svcIDs(apps), err)
				}
				evs := e.events(t, before.ID)
				if len(evs) != 2 || evs[0].Action != trial.ActionCreate || evs[1].Action != trial.ActionDelete {
					t.Errorf("the deleted draft's history: got %d events, want create and delete kept", len(evs))
				}
				_, _, err = e.svc.ListApplicationEvents(svcCtx, svcLead, before.ID, 0, "")
				svcWantErr(t, err, trial.CodeNotFound, "")
			}},
		{name: "ErrSubmitted", state: trial.StateSubmitted, actor: svcLead, do: svcDelete,
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
		{name: "ErrCoApplicant", in: svcJointFixture, state: trial.StateDraft, actor: svcCo, do: svcDelete, code: trial.CodePermissionDenied},
		{name: "ErrOtherMunicipality", state: trial.StateDraft, actor: svcOther, do: svcDelete, code: trial.CodeNotFound},
		{name: "ErrNoSuchCase", state: trial.StateDraft, actor: svcLead, do: func(e *svcEnv, c workflow.Call, _ *trial.Application) (any, error) {
			return nil, e.svc.DeleteApplication(svcCtx, c, "2026-000099")
		}, code: trial.CodeNotFound},
		{name: "ErrStaleEtag", state: trial.StateDraft, actor: svcLead, etag: "7", do: svcDelete, code: trial.CodeAborted},
	})
}

func svcConfirm(org string, cd *trial.CouncilDecision) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.ConfirmParticipation(svcCtx, c, app.ID, trial.ParticipationInput{OrganisationNumber: org, CouncilDecision: cd})
	}
}

func TestService_ConfirmParticipation(t *testing.T) {
	rade := svcCouncil("Råde kommunestyre")
	svcRunActions(t, []svcActionCase{
		{name: "OK", in: svcJointFixture, state: trial.StateDraft, actor: svcCo, do: svcConfirm(svcCoOrg, rade),
			action: trial.ActionConfirmParticipation, to: trial.StateDraft,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				co := after.Applicant(svcCoOrg)
				if !co.ParticipationConfirmed || co.CouncilDecision == nil || *co.CouncilDecision != *rade {
					t.Errorf("co-applicant: got %+v, want confirmed with its council decision", co)
				}
				if after.Lead().ParticipationConfirmed {
					t.Errorf("lead: got confirmed, want untouched")
				}
				// Now complete: the lead can submit.
				svcTry(e.svc.SubmitApplication(svcCtx, svcCall(svcLead), after.ID, "")).must(t)
			}},
		{name: "OKChangesRequested", in: svcJointFixture, state: trial.StateChangesRequested, actor: svcCo,
			do: svcConfirm(svcCoOrg, rade), action: trial.ActionConfirmParticipation, to: trial.StateChangesRequested},
		{name: "ErrLead", in: svcJointFixture, state: trial.StateDraft, actor: svcLead, do: svcConfirm(svcLeadOrg, rade),
			code: trial.CodePermissionDenied},
		{name: "ErrNotYourOrganisation", in: svcJointFixture, state: trial.StateDraft, actor: svcCo, do: svcConfirm(svcLeadOrg, rade),
			code: trial.CodeInvalidArgument, reason: "NOT_YOUR_ORGANISATION", rules: []string{"R8"}},
		{name: "ErrCouncilDecisionMissing", in: svcJointFixture, state: trial.StateDraft, actor: svcCo, do: svcConfirm(svcCoOrg, nil),
			code: trial.CodeInvalidArgument, reason: "COUNCIL_DECISION_MISSING"},
		{name: "ErrMeetingInFuture", in: svcJointFixture, state: trial.StateDraft, actor: svcCo,
			do:   svcConfirm(svcCoOrg, &trial.CouncilDecision{Body: "Råde kommunestyre", CaseReference: "2026/3", MeetingDate: "2026-03-03"}),
			code: trial.CodeFailedPrecondition, reason: "COUNCIL_DECISION_IN_FUTURE", rules: []string{"R8"}},
		{name: "ErrSubmitted", in: svcJointFixture, state: trial.StateSubmitted, actor: svcCo, do: svcConfirm(svcCoOrg, rade),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
		{name: "ErrNotAnApplicant", in: svcJointFixture, state: trial.StateDraft, actor: svcOther, do: svcConfirm(svcOtherOrg, rade),
			code: trial.CodeNotFound},
	})
}

func svcSubmit(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return e.svc.SubmitApplication(svcCtx, c, app.ID, "søknaden sendes")
}

func TestService_SubmitApplication(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateDraft, actor: svcLead, do: svcSubmit, action: trial.ActionSubmit, to: trial.StateSubmitted,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				if after.CaseNumber != "2026/1" {
					t.Errorf("case number: got %q, want 2026/1", after.CaseNumber)
				}
				if !after.SubmitTime.Equal(svcStart) {
					t.Errorf("submit time: got %s, want %s", after.SubmitTime, svcStart)
				}
				if f := after.Exemptions[0].Flags; f != nil {
					t.Errorf("flags: got %v, want none for an Education Act exemption", f)
				}
				ev := e.lastEvent(t, after.ID)
				if ev.Comment != "søknaden sendes" || !slices.Contains(ev.Changes, "case_number") {
					t.Errorf("event: got comment %q changes %v, want the comment and case_number", ev.Comment, ev.Changes)
				}
			}},
		{name: "OKCaseNumberPerSubmission", state: trial.StateDraft, setup: func(t *testing.T, e *svcEnv, _ *trial.Application) {
			svcDrive(t, e, trial.StateSubmitted) // takes 2026/1
		}, actor: svcLead, do: svcSubmit, action: trial.ActionSubmit, to: trial.StateSubmitted,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if after.CaseNumber != "2026/2" {
					t.Errorf("case number: got %q, want 2026/2", after.CaseNumber)
				}
			}},
		{name: "OKResubmitKeepsCaseNumber", state: trial.StateChangesRequested, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcDrive(t, e, trial.StateSubmitted) // takes 2026/2
			e.clock.Set(svcStart.Add(72 * time.Hour))
			svcTry(e.svc.UpdateApplication(svcCtx, svcCall(svcLead), app.ID, &trial.Application{Summary: "Presisert: matematikk og naturfag."}, []string{"summary"})).must(t)
		}, actor: svcLead, do: svcSubmit, action: trial.ActionSubmit, to: trial.StateInReview,
			check: func(t *testing.T, e *svcEnv, before, after *trial.Application, _ any) {
				if before.CaseNumber != "2026/1" || after.CaseNumber != "2026/1" {
					t.Errorf("case number: got %q before and %q after, want 2026/1 kept", before.CaseNumber, after.CaseNumber)
				}
				if slices.Contains(e.lastEvent(t, after.ID).Changes, "case_number") {
					t.Errorf("event changes: got case_number, want it unchanged")
				}
				if h := after.AssignedHandler; h == nil || h.Subject != svcHandler.Subject {
					t.Errorf("handler: got %+v, want the same handler %s", h, svcHandler.Subject)
				}
				if !after.SubmitTime.Equal(e.clock.Now()) {
					t.Errorf("submit time: got %s, want the resubmission's %s (R14's clock restarts)", after.SubmitTime, e.clock.Now())
				}
			}},
		{name: "OKFlags", in: func() *trial.Application {
			app := svcFixture()
			app.Exemptions = append(app.Exemptions, trial.Exemption{
				LawID: "LOV-2018-06-22-83", Section: "§ 5-1", CurrentRule: "Kommunestyret oppretter utvalg.",
				ProposedRule: "Et felles utvalg for skole.", OwningMinistry: "KDD",
				Justification: "Gjelder ikke de grunnleggende organisasjonsreglene.", RestrictsRights: true,
			})
			return app
		}, state: trial.StateDraft, actor: svcLead, do: svcSubmit, action: trial.ActionSubmit, to: trial.StateSubmitted,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				want := []trial.ExemptionFlag{trial.FlagKommuneloven, trial.FlagRestrictsRights}
				if got := after.Exemptions[1].Flags; !slices.Equal(got, want) {
					t.Errorf("flags: got %v, want %v (R5)", got, want)
				}
			}},
		{name: "ErrIncomplete", in: func() *trial.Application {
			return &trial.Application{Title: "Utkast", Summary: "Kort.", Applicants: svcFixture().Applicants}
		}, state: trial.StateDraft, actor: svcLead, do: svcSubmit,
			code: trial.CodeFailedPrecondition, rules: []string{"R1", "R3", "R4", "R6", "R9", "R12", "R15"}},
		{name: "ErrBlockedLaw", in: func() *trial.Application {
			app := svcFixture()
			app.Exemptions[0].LawID, app.Exemptions[0].OwningMinistry = "LOV-1967-02-10", "JD"
			return app
		}, state: trial.StateDraft, actor: svcLead, do: svcSubmit,
			code: trial.CodeFailedPrecondition, reason: "EXEMPTION_LAW_BLOCKED", rules: []string{"R5"}},
		{name: "ErrPeriodTooLong", in: func() *trial.Application {
			app := svcFixture()
			app.PlannedEnd = "2030-08-01"
			return app
		}, state: trial.StateDraft, actor: svcLead, do: svcSubmit,
			code: trial.CodeFailedPrecondition, reason: "TRIAL_PERIOD_TOO_LONG", rules: []string{"R6"}},
		{name: "ErrCoApplicantNotConfirmed", in: svcJointFixture, state: trial.StateDraft, actor: svcLead, do: svcSubmit,
			code: trial.CodeFailedPrecondition, reason: "PARTICIPATION_NOT_CONFIRMED", rules: []string{"R8"}},
		{name: "ErrCoApplicant", in: svcJointFixture, state: trial.StateDraft, actor: svcCo, do: svcSubmit, code: trial.CodePermissionDenied},
		{name: "ErrAlreadySubmitted", state: trial.StateSubmitted, actor: svcLead, do: svcSubmit,
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcWithdraw(reason string) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.WithdrawApplication(svcCtx, c, app.ID, reason)
	}
}

func TestService_WithdrawApplication(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateSubmitted, actor: svcLead, do: svcWithdraw("Trukket av kommunestyret."),
			action: trial.ActionWithdraw, to: trial.StateWithdrawn,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if after.WithdrawalReason != "Trukket av kommunestyret." {
					t.Errorf("reason: got %q, want it recorded", after.WithdrawalReason)
				}
			}},
		{name: "OKCancelsOpenConsultations", state: trial.StateInConsultation, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcTry(e.svc.CreateConsultation(svcCtx, svcCall(svcHandler), app.ID, trial.ConsultationInput{Ministry: "HOD", Question: "Merknader?", DueDate: "2026-04-30"})).must(t)
		}, actor: svcLead, do: svcWithdraw("Trukket."), action: trial.ActionWithdraw, to: trial.StateWithdrawn,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				cons := e.consultations(t, after.ID)
				if len(cons) != 2 {
					t.Fatalf("consultations: got %d, want 2", len(cons))
				}
				for _, c := range cons {
					if c.State != trial.ConsultationCancelled || c.CancelReason == "" || !c.UpdateTime.Equal(e.clock.Now()) {
						t.Errorf("consultation %s: got %s %q at %s, want CANCELLED with a reason in the same write", c.ID, c.State, c.CancelReason, c.UpdateTime)
					}
				}
				ev := e.lastEvent(t, after.ID)
				if !slices.Contains(ev.Changes, "consultations/1.state") || !slices.Contains(ev.Changes, "consultations/2.state") {
					t.Errorf("event changes: got %v, want both consultations", ev.Changes)
				}
			}},
		{name: "OKReadyForDecision", state: trial.StateReadyForDecision, actor: svcLead, do: svcWithdraw("Trukket."),
			action: trial.ActionWithdraw, to: trial.StateWithdrawn,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				if c := e.consultations(t, after.ID)[0]; c.State != trial.ConsultationAnswered {
					t.Errorf("answered consultation: got %s, want it left ANSWERED", c.State)
				}
			}},
		{name: "OKChangesRequested", state: trial.StateChangesRequested, actor: svcLead, do: svcWithdraw("Trukket."),
			action: trial.ActionWithdraw, to: trial.StateWithdrawn},
		{name: "ErrReasonMissing", state: trial.StateSubmitted, actor: svcLead, do: svcWithdraw(" "),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrKDD", state: trial.StateSubmitted, actor: svcHandler, do: svcWithdraw("Trukket."), code: trial.CodePermissionDenied},
		{name: "ErrDraft", state: trial.StateDraft, actor: svcLead, do: svcWithdraw("Trukket."),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
		{name: "ErrApproved", state: trial.StateApproved, actor: svcLead, do: svcWithdraw("Trukket."),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}
