package workflow_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

func svcIDs(apps []*trial.Application) []string {
	ids := []string{}
	for _, a := range apps {
		ids = append(ids, a.ID)
	}
	return ids
}

// svcPrivate are strings of a case that the public register never shows: persons'
// names and subjects, ministries' statements, council case references.
var svcPrivate = []string{
	svcHandler.Name, svcHandler.Subject, svcApprover.Name, svcApprover.Subject, svcLead.Name, svcLead.Subject,
	svcKD.Name, "KD støtter forsøket", "kommunestyre", "Hvilke fag",
}

func TestService_GetApplication(t *testing.T) {
	e := svcSetup(t)
	draft := svcDriveApp(t, e, svcJointFixture(), trial.StateDraft)
	consulting := svcDrive(t, e, trial.StateInConsultation)
	approved := svcDrive(t, e, trial.StateApproved)
	svcTry(e.svc.RecordInterimReply(svcCtx, svcCall(svcHandler), consulting.ID, trial.InterimReplyInput{Text: "Snart."})).must(t)
	extended := svcDrive(t, e, trial.StateExtensionRequested)
	svcTry(e.svc.DecideExtension(svcCtx, svcCall(svcApprover), extended.ID,
		trial.ExtensionDecisionInput{Grant: true, ApprovedEnd: "2030-07-31", AmendingRegulationID: "FOR-2029-05-02-700", Reasons: "Ja."})).must(t)
	svcTry(e.svc.RequestExtension(svcCtx, svcCall(svcLead), extended.ID, trial.ExtensionRequestInput{
		RequestedEnd: "2031-07-31", CouncilDecision: &trial.CouncilDecision{Body: "Indre Østfold kommunestyre", CaseReference: "2026/99", MeetingDate: "2026-06-18"}})).must(t)
	terminated := svcDrive(t, e, trial.StateApproved)
	svcTry(e.svc.TerminateTrial(svcCtx, svcCall(svcApprover), terminated.ID, svcTermination)).must(t)
	for _, tc := range []struct {
		name   string
		actor  trial.Actor
		id     string
		code   trial.Code
		public bool
	}{
		{name: "OKPublicRegisterExtended", actor: svcPublic, id: extended.ID, public: true},
		{name: "OKPublicRegisterTerminated", actor: svcPublic, id: terminated.ID, public: true},
		{name: "OKLeadDraft", actor: svcLead, id: draft.ID},
		{name: "OKCoApplicantDraft", actor: svcCo, id: draft.ID},
		{name: "OKKDD", actor: svcHandler, id: consulting.ID},
		{name: "OKSystem", actor: svcSystem, id: consulting.ID},
		{name: "OKConsultedMinistry", actor: svcKD, id: consulting.ID},
		{name: "OKPublicRegister", actor: svcPublic, id: approved.ID, public: true},
		{name: "OKAdminPublicRegister", actor: svcAdmin, id: approved.ID, public: true},
		{name: "OKOtherMunicipalityPublicRegister", actor: svcOther, id: approved.ID, public: true},
		{name: "OKMinistryNotConsultedPublicRegister", actor: svcHOD, id: approved.ID, public: true},
		{name: "ErrOtherMunicipalityDraft", actor: svcOther, id: draft.ID, code: trial.CodeNotFound},
		{name: "ErrKDDDraft", actor: svcApprover, id: draft.ID, code: trial.CodeNotFound},
		{name: "ErrPublicDraft", actor: svcPublic, id: draft.ID, code: trial.CodeNotFound},
		{name: "ErrPublicInConsultation", actor: svcPublic, id: consulting.ID, code: trial.CodeNotFound},
		{name: "ErrMinistryNotConsulted", actor: svcHOD, id: consulting.ID, code: trial.CodeNotFound},
		{name: "ErrNoSuchCase", actor: svcHandler, id: "2026-000099", code: trial.CodeNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.svc.GetApplication(svcCtx, tc.actor, tc.id)
			if tc.code != 0 {
				refused := svcWantErr(t, err, tc.code, "")
				if !strings.Contains(refused.Message, "applications/"+tc.id+" not found") {
					t.Errorf("message: got %q, want the same answer as for a missing case", refused.Message)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			stored := e.app(t, tc.id)
			want := stored
			if tc.public {
				want = trial.PublicView(stored)
				switch tc.id {
				case extended.ID:
					// Granted extensions only: the pending request is not public yet.
					if len(got.Extensions) != 1 || got.Extensions[0].State != trial.ExtensionGranted || got.Extensions[0].DecidedBy != nil {
						t.Errorf("public extensions: got %+v, want the granted one without its decider", got.Extensions)
					}
				case terminated.ID:
					if got.Termination == nil || got.Termination.RepealingInstrument != svcRepealing || got.Closure == nil ||
						got.Closure.Outcome != trial.OutcomeDiscontinued || got.Termination.DecidedBy != (trial.Person{}) {
						t.Errorf("public termination: got %+v, %+v, want the instrument and outcome without persons", got.Termination, got.Closure)
					}
				}
				for _, s := range svcPrivate {
					if strings.Contains(svcJSON(t, got), s) {
						t.Errorf("public view shows %q: %s", s, svcJSON(t, got))
					}
				}
			}
			if svcJSON(t, got) != svcJSON(t, want) {
				t.Errorf("got %s, want %s", svcJSON(t, got), svcJSON(t, want))
			}
		})
	}
}

func TestService_ListApplications(t *testing.T) {
	e := svcSetup(t)
	draft := svcDrive(t, e, trial.StateDraft)                                  // 1
	submitted := svcDrive(t, e, trial.StateSubmitted)                          // 2
	consulting := svcDrive(t, e, trial.StateInConsultation)                    // 3
	approved := svcDrive(t, e, trial.StateApproved)                            // 4
	otherDraft := svcDriveApp(t, e, svcOtherFixture(), trial.StateDraft)       // 5
	otherActive := svcDriveApp(t, e, svcOtherFixture(), trial.StateActive)     // 6
	joint := svcDriveApp(t, e, svcJointFixture(), trial.StateChangesRequested) // 7
	id := func(apps ...*trial.Application) []string { return svcIDs(apps) }

	for _, tc := range []struct {
		name   string
		actor  trial.Actor
		filter string
		want   []string
		code   trial.Code
	}{
		{name: "OKMunicipalityOwnWithDrafts", actor: svcLead, want: id(draft, submitted, consulting, approved, joint)},
		{name: "OKCoApplicant", actor: svcCo, want: id(joint)},
		{name: "OKOtherMunicipality", actor: svcOther, want: id(otherDraft, otherActive)},
		{name: "OKKDDNonDrafts", actor: svcHandler, want: id(submitted, consulting, approved, otherActive, joint)},
		{name: "OKSystemNonDrafts", actor: svcSystem, want: id(submitted, consulting, approved, otherActive, joint)},
		{name: "OKMinistryConsulted", actor: svcKD, want: id(consulting, approved, otherActive)},
		{name: "OKMinistryNeverConsulted", actor: svcHOD, want: id()},
		{name: "OKPublicRegister", actor: svcPublic, want: id(approved, otherActive)},
		{name: "OKAdminPublicRegister", actor: svcAdmin, want: id(approved, otherActive)},
		{name: "OKFilterState", actor: svcHandler, filter: "state = SUBMITTED", want: id(submitted)},
		{name: "OKFilterStatesAndApplicant", actor: svcHandler, filter: "(state = SUBMITTED OR state = ACTIVE OR state = APPROVED) AND applicant = " + svcLeadOrg,
			want: id(submitted, approved)},
		{name: "OKFilterApplicantCoApplicant", actor: svcHandler, filter: "applicant = " + svcCoOrg, want: id(joint)},
		{name: "OKFilterKDDDrafts", actor: svcHandler, filter: "state = DRAFT", want: id()},
		{name: "OKFilterMunicipalityDrafts", actor: svcLead, filter: "state = DRAFT", want: id(draft)},
		{name: "OKFilterMunicipalityOtherApplicant", actor: svcLead, filter: "applicant = " + svcOtherOrg, want: id()},
		{name: "OKFilterMunicipalityContradiction", actor: svcLead, filter: "state = DRAFT AND state = SUBMITTED", want: id()},
		{name: "OKFilterMinistryContradiction", actor: svcKD, filter: "state = APPROVED AND state = ACTIVE", want: id()},
		{name: "OKFilterKDDContradiction", actor: svcHandler, filter: "state = APPROVED AND state = ACTIVE", want: id()},
		{name: "OKFilterMinistryApplicant", actor: svcKD, filter: "applicant = " + svcLeadOrg, want: id(consulting, approved)},
		{name: "OKFilterPublicNonPublicState", actor: svcPublic, filter: "state = SUBMITTED", want: id()},
		{name: "OKFilterPublicState", actor: svcPublic, filter: `state = "ACTIVE"`, want: id(otherActive)},
		{name: "OKFilterEndsWithinDays", actor: svcHandler, filter: "ends_within_days = 1095", want: id(otherActive)},
		{name: "OKFilterEndsWithinTooFewDays", actor: svcHandler, filter: "ends_within_days = 1000", want: id()},
		{name: "OKFilterEndsWithinDaysNotRunning", actor: svcHandler, filter: "ends_within_days = 1095 AND state = APPROVED", want: id()},
		{name: "OKFilterFlagNone", actor: svcHandler, filter: "flag = NEEDS_INTERIM_REPLY", want: id()},
		{name: "ErrFilterUnknownField", actor: svcHandler, filter: "colour = x", code: trial.CodeInvalidArgument},
		{name: "ErrFilterUnknownState", actor: svcPublic, filter: "state = OPEN", code: trial.CodeInvalidArgument},
		{name: "ErrFilterSyntax", actor: svcLead, filter: "state = SUBMITTED state = DRAFT", code: trial.CodeInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apps, next, err := e.svc.ListApplications(svcCtx, tc.actor, tc.filter, "", 0, "")
			if tc.code != 0 {
				got := svcWantErr(t, err, tc.code, "FILTER_INVALID")
				if got.Violations[0].Field != "filter" {
					t.Errorf("field: got %q, want filter", got.Violations[0].Field)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if !slices.Equal(svcIDs(apps), tc.want) || next != "" {
				t.Errorf("got %v (next %q), want %v", svcIDs(apps), next, tc.want)
			}
			for _, app := range apps {
				want := e.app(t, app.ID)
				if tc.actor.Role == trial.RolePublic || tc.actor.Role == trial.RoleAdmin {
					want = trial.PublicView(want)
					for _, s := range svcPrivate {
						if strings.Contains(svcJSON(t, app), s) {
							t.Errorf("public list shows %q of %s", s, app.ID)
						}
					}
				}
				if svcJSON(t, app) != svcJSON(t, want) {
					t.Errorf("%s: got %s, want %s", app.ID, svcJSON(t, app), svcJSON(t, want))
				}
			}
		})
	}

	t.Run("OKPaging", func(t *testing.T) {
		for _, tc := range []struct {
			actor  trial.Actor
			filter string
			size   int
		}{
			{svcHandler, "", 2},
			{svcLead, "", 2},
			{svcLead, "", 5},
			{svcKD, "", 1},
			{svcPublic, "", 1},
			{svcHandler, "(state = SUBMITTED OR state = IN_CONSULTATION OR state = ACTIVE)", 2},
		} {
			all := svcTry2(e.svc.ListApplications(svcCtx, tc.actor, tc.filter, "", 0, ""))(t)
			var got []string
			token, pages := "", 0
			for {
				apps, next, err := e.svc.ListApplications(svcCtx, tc.actor, tc.filter, "", tc.size, token)
				if err != nil {
					t.Fatalf("%s page %d: got error %v, want nil", tc.actor.Role, pages, err)
				}
				if len(apps) > tc.size {
					t.Errorf("%s page %d: got %d cases, want at most %d", tc.actor.Role, pages, len(apps), tc.size)
				}
				got = append(got, svcIDs(apps)...)
				pages++
				if next == "" {
					break
				}
				token = next
			}
			if want := (len(all) + tc.size - 1) / tc.size; pages != max(want, 1) {
				t.Errorf("%s size %d: got %d pages, want %d", tc.actor.Role, tc.size, pages, want)
			}
			if !slices.Equal(got, svcIDs(all)) {
				t.Errorf("%s size %d: got %v over the pages, want %v", tc.actor.Role, tc.size, got, svcIDs(all))
			}
		}
	})

	t.Run("ErrPaging", func(t *testing.T) {
		_, next, err := e.svc.ListApplications(svcCtx, svcHandler, "", "", 1, "")
		if err != nil || next == "" {
			t.Fatalf("first page: got %q, %v, want a token", next, err)
		}
		for _, tc := range []struct {
			name   string
			actor  trial.Actor
			filter string
			size   int
			token  string
		}{
			{"ErrTokenOtherFilter", svcHandler, "state = SUBMITTED", 1, next},
			{"ErrTokenOtherCaller", svcLead, "", 1, next},
			{"ErrTokenMalformed", svcHandler, "", 1, "not-a-token"},
			{"ErrNegativePageSize", svcHandler, "", -1, ""},
		} {
			_, _, err := e.svc.ListApplications(svcCtx, tc.actor, tc.filter, "", tc.size, tc.token)
			if trial.ErrorCode(err) != trial.CodeInvalidArgument {
				t.Errorf("%s: got %v, want INVALID_ARGUMENT", tc.name, err)
			}
		}
	})
}

// svcTry2 is svcTry for list calls: the page and the next token.
func svcTry2(apps []*trial.Application, _ string, err error) func(t *testing.T) []*trial.Application {
	return func(t *testing.T) []*trial.Application {
		t.Helper()
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		return apps
	}
}

func TestService_ListConsultations(t *testing.T) {
	e := svcSetup(t)
	app := svcDrive(t, e, trial.StateInConsultation)
	svcAddHOD(t, e, app)
	svcTry(e.svc.RespondToConsultation(svcCtx, svcCall(svcKD), app.ID, "1", trial.ResponseInput{Position: trial.PositionObjects, Statement: "KD fraråder."})).must(t)
	for _, tc := range []struct {
		name       string
		actor      trial.Actor
		ministries []string
		responses  bool
		code       trial.Code
	}{
		{name: "OKKDDAll", actor: svcHandler, ministries: []string{"KD", "HOD"}, responses: true},
		{name: "OKMinistryOwn", actor: svcKD, ministries: []string{"KD"}, responses: true},
		{name: "OKApplicantWithoutStatements", actor: svcLead, ministries: []string{"KD", "HOD"}},
		{name: "ErrUnauthenticated", actor: svcPublic, code: trial.CodeUnauthenticated},
		{name: "ErrOtherMunicipality", actor: svcOther, code: trial.CodeNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cons, err := e.svc.ListConsultations(svcCtx, tc.actor, app.ID, "")
			if tc.code != 0 {
				svcWantErr(t, err, tc.code, "")
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			var got []string
			for _, c := range cons {
				got = append(got, c.Ministry)
				if (c.Response != nil) != (tc.responses && c.State == trial.ConsultationAnswered) {
					t.Errorf("consultation %s: got response %+v, want shown=%v", c.ID, c.Response, tc.responses)
				}
				if !tc.responses && c.RequestedBy != (trial.Person{}) {
					t.Errorf("consultation %s: got requested by %+v, want no person for the applicant", c.ID, c.RequestedBy)
				}
			}
			if !slices.Equal(got, tc.ministries) {
				t.Errorf("got %v, want %v", got, tc.ministries)
			}
		})
	}
	t.Run("ErrPublicRegisterCase", func(t *testing.T) {
		approved := svcDrive(t, e, trial.StateApproved)
		_, err := e.svc.ListConsultations(svcCtx, svcAdmin, approved.ID, "")
		svcWantErr(t, err, trial.CodePermissionDenied, "")
	})
}

func TestService_ListAllowedActions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      func() *trial.Application
		state   trial.State
		setup   func(t *testing.T, e *svcEnv, app *trial.Application)
		actor   trial.Actor
		allowed []trial.Action
		// failing names an action that is not allowed and the rules that refuse it.
		failing map[trial.Action][]string
		code    trial.Code
	}{
		{name: "OKLeadCompleteDraft", state: trial.StateDraft, actor: svcLead,
			allowed: []trial.Action{trial.ActionUpdate, trial.ActionDelete, trial.ActionSubmit},
			failing: map[trial.Action][]string{trial.ActionConfirmParticipation: {"ROLE"}, trial.ActionWithdraw: {"STATE"}, trial.ActionApprove: {"ROLE", "STATE"}}},
		{name: "OKLeadIncompleteDraft", in: func() *trial.Application {
			return &trial.Application{Title: "Utkast", Applicants: svcJointFixture().Applicants}
		}, state: trial.StateDraft, actor: svcLead,
			allowed: []trial.Action{trial.ActionUpdate, trial.ActionDelete},
			failing: map[trial.Action][]string{trial.ActionSubmit: {"REQUIRED", "R1", "R3", "R4", "R6", "R8", "R9", "R12", "R15"}}},
		{name: "OKCoApplicantDraft", in: svcJointFixture, state: trial.StateDraft, actor: svcCo,
			allowed: []trial.Action{trial.ActionConfirmParticipation, trial.ActionWithdrawParticipation},
			failing: map[trial.Action][]string{trial.ActionSubmit: {"ROLE", "R8"}, trial.ActionUpdate: {"ROLE"}}},
		{name: "OKHandlerSubmitted", state: trial.StateSubmitted, actor: svcHandler,
			allowed: []trial.Action{trial.ActionAssign, trial.ActionRecordInterimReply},
			failing: map[trial.Action][]string{trial.ActionApprove: {"ROLE", "STATE"}, trial.ActionWithdraw: {"ROLE"}}},
		{name: "OKApproverInReviewNeedsConsultation", state: trial.StateInReview, actor: svcApprover,
			allowed: []trial.Action{trial.ActionAssign, trial.ActionRecordInterimReply, trial.ActionRequestChanges, trial.ActionOpenConsultation, trial.ActionReject},
			failing: map[trial.Action][]string{trial.ActionApprove: {"R10"}}},
		{name: "OKApproverReadyForDecision", state: trial.StateReadyForDecision, actor: svcApprover,
			allowed: []trial.Action{trial.ActionAssign, trial.ActionRecordInterimReply, trial.ActionRequestChanges, trial.ActionOpenConsultation, trial.ActionApprove, trial.ActionReject},
			failing: map[trial.Action][]string{trial.ActionCancelConsultation: {"STATE"}, trial.ActionActivate: {"STATE"}}},
		{name: "OKMinistryInConsultation", state: trial.StateInConsultation, actor: svcKD,
			allowed: []trial.Action{trial.ActionRespondToConsultation},
			failing: map[trial.Action][]string{trial.ActionCancelConsultation: {"ROLE"}}},
		{name: "OKHandlerInConsultation", state: trial.StateInConsultation, actor: svcHandler,
			allowed: []trial.Action{trial.ActionAssign, trial.ActionRecordInterimReply, trial.ActionOpenConsultation, trial.ActionCancelConsultation},
			failing: map[trial.Action][]string{trial.ActionRespondToConsultation: {"ROLE"}}},
		{name: "OKApproverApprovedUnpublished", state: trial.StateApproved, actor: svcApprover,
			allowed: []trial.Action{trial.ActionRecordPublication, trial.ActionTerminate},
			failing: map[trial.Action][]string{trial.ActionActivate: {"R9", "R6"}}},
		{name: "OKSystemApprovedPublishedStarted", state: trial.StateApproved, setup: svcPublished, actor: svcSystem,
			allowed: []trial.Action{trial.ActionActivate},
			failing: map[trial.Action][]string{trial.ActionTerminate: {"ROLE"}}},
		{name: "OKLeadActive", state: trial.StateActive, actor: svcLead,
			allowed: []trial.Action{trial.ActionRequestExtension},
			failing: map[trial.Action][]string{trial.ActionSubmitEvaluation: {"STATE"}}},
		{name: "OKApproverEvaluatingWithoutReport", state: trial.StateEvaluating, actor: svcApprover,
			allowed: []trial.Action{},
			failing: map[trial.Action][]string{trial.ActionClose: {"R12"}}},
		{name: "OKPublicRegisterCaseNothingToDo", state: trial.StateApproved, actor: svcOther,
			allowed: []trial.Action{},
			failing: map[trial.Action][]string{trial.ActionRequestExtension: {"ROLE", "STATE"}}},
		{name: "ErrUnauthenticated", state: trial.StateApproved, actor: svcPublic, code: trial.CodeUnauthenticated},
		{name: "ErrKDDDraft", state: trial.StateDraft, actor: svcHandler, code: trial.CodeNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := svcSetup(t)
			in := svcFixture()
			if tc.in != nil {
				in = tc.in()
			}
			app := svcDriveApp(t, e, in, tc.state)
			if tc.setup != nil {
				tc.setup(t, e, app)
			}
			snap := e.snapshot(t, app.ID)
			got, err := e.svc.ListAllowedActions(svcCtx, tc.actor, app.ID)
			if tc.code != 0 {
				svcWantErr(t, err, tc.code, "")
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if after := e.snapshot(t, app.ID); after != snap {
				t.Errorf("a read wrote")
			}
			allowed := []trial.Action{}
			byAction := map[trial.Action]workflow.AllowedAction{}
			for _, a := range got {
				byAction[a.Action] = a
				if a.Allowed != (len(a.Failing) == 0) {
					t.Errorf("%s: got allowed=%v with failing %+v, want allowed exactly when nothing fails", a.Action, a.Allowed, a.Failing)
				}
				if a.Allowed {
					allowed = append(allowed, a.Action)
				}
			}
			if len(got) != len(trial.Actions())-1+len(workflow.DocumentActions) {
				t.Errorf("got %d actions, want every action but create and the document actions (%d)", len(got), len(trial.Actions())-1+len(workflow.DocumentActions))
			}
			// The document actions have a test of their own (documents_test.go).
			allowed = slices.DeleteFunc(allowed, func(a trial.Action) bool { return slices.Contains(workflow.DocumentActions, a) })
			if !slices.Equal(allowed, tc.allowed) {
				t.Errorf("allowed: got %v, want %v", allowed, tc.allowed)
			}
			for action, rules := range tc.failing {
				var gotRules []string
				for _, v := range byAction[action].Failing {
					gotRules = append(gotRules, v.Rule)
				}
				for _, r := range rules {
					if !slices.Contains(gotRules, r) {
						t.Errorf("%s: got failing rules %v, want %s among them", action, gotRules, r)
					}
				}
			}
		})
	}
}

func TestService_ListApplicationEvents(t *testing.T) {
	e := svcSetup(t)
	app := svcDrive(t, e, trial.StateReadyForDecision) // create, submit, assign, consult, respond
	other := svcDrive(t, e, trial.StateSubmitted)
	wantActions := []trial.Action{trial.ActionCreate, trial.ActionSubmit, trial.ActionAssign, trial.ActionOpenConsultation, trial.ActionRespondToConsultation}

	t.Run("OK", func(t *testing.T) {
		// KDD reads the history whole; what others read of it is trial.EventFor's
		// (eventview_test.go, and the security suite in internal/rpc).
		all, next, err := e.svc.ListApplicationEvents(svcCtx, svcHandler, app.ID, 0, "")
		if err != nil || next != "" {
			t.Fatalf("got next %q, error %v, want one page", next, err)
		}
		var actions []trial.Action
		for _, ev := range all {
			actions = append(actions, ev.Action)
		}
		if !slices.Equal(actions, wantActions) {
			t.Errorf("got %v, want %v", actions, wantActions)
		}
		if svcJSON(t, all) != svcJSON(t, e.events(t, app.ID)) {
			t.Errorf("got %s, want the stored history", svcJSON(t, all))
		}
	})

	for _, size := range []int{1, 2, 4, 5, 6} {
		t.Run(fmt.Sprintf("OKPageSize%d", size), func(t *testing.T) {
			var got []*trial.Event
			token, pages := "", 0
			for {
				evs, next, err := e.svc.ListApplicationEvents(svcCtx, svcHandler, app.ID, size, token)
				if err != nil {
					t.Fatalf("page %d: got error %v, want nil", pages, err)
				}
				if len(evs) > size || len(evs) == 0 {
					t.Fatalf("page %d: got %d events, want 1 to %d", pages, len(evs), size)
				}
				got = append(got, evs...)
				pages++
				if next == "" {
					break
				}
				token = next
			}
			if want := (5 + size - 1) / size; pages != want {
				t.Errorf("pages: got %d, want %d", pages, want)
			}
			if svcJSON(t, got) != svcJSON(t, e.events(t, app.ID)) {
				t.Errorf("got %s over the pages, want the stored history", svcJSON(t, got))
			}
		})
	}

	_, token, err := e.svc.ListApplicationEvents(svcCtx, svcHandler, app.ID, 2, "")
	if err != nil || token == "" {
		t.Fatalf("first page: got token %q, error %v, want a token", token, err)
	}
	for _, tc := range []struct {
		name   string
		actor  trial.Actor
		id     string
		size   int
		token  string
		code   trial.Code
		reason string
	}{
		{name: "ErrTokenOfAnotherCase", actor: svcHandler, id: other.ID, token: token, code: trial.CodeInvalidArgument, reason: "PAGE_TOKEN_INVALID"},
		{name: "ErrTokenMalformed", actor: svcHandler, id: app.ID, token: "!!", code: trial.CodeInvalidArgument, reason: "PAGE_TOKEN_INVALID"},
		{name: "ErrNegativePageSize", actor: svcHandler, id: app.ID, size: -1, code: trial.CodeInvalidArgument, reason: "PAGE_SIZE_NEGATIVE"},
		{name: "ErrUnauthenticated", actor: svcPublic, id: app.ID, code: trial.CodeUnauthenticated},
		{name: "ErrOtherMunicipality", actor: svcOther, id: app.ID, code: trial.CodeNotFound},
		{name: "ErrMinistryNotConsulted", actor: svcHOD, id: app.ID, code: trial.CodeNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.svc.ListApplicationEvents(svcCtx, tc.actor, tc.id, tc.size, tc.token)
			svcWantErr(t, err, tc.code, tc.reason)
		})
	}

	t.Run("ErrPublicRegisterCase", func(t *testing.T) {
		approved := svcDrive(t, e, trial.StateApproved)
		_, _, err := e.svc.ListApplicationEvents(svcCtx, svcOther, approved.ID, 0, "")
		svcWantErr(t, err, trial.CodePermissionDenied, "")
	})
}
