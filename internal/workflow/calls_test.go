package workflow_test

import (
	"slices"
	"testing"

	"github.com/forsok/forsok/internal/trial"
)

// svcCallInput is a call with a preliminary deadline 2026-04-15 and a final one
// 2026-06-30, for kommuner, on two themes.
func svcCallInput() *trial.Call {
	return &trial.Call{Title: "Forsøk i tillitsreformen", Description: "KDD inviterer kommuner til å søke om forsøk.",
		Themes: []string{"Skole", "Helse"}, EligibleKinds: []trial.ApplicantKind{trial.KindKommune},
		PreliminaryDeadline: "2026-04-15", FinalDeadline: "2026-06-30"}
}

// svcOpenCall creates and publishes svcCallInput.
func svcOpenCall(t *testing.T, e *svcEnv) *trial.Call {
	t.Helper()
	c := svcTry(e.svc.CreateCall(svcCtx, svcCall(svcApprover), svcCallInput())).must(t)
	return svcTry(e.svc.PublishCall(svcCtx, svcCall(svcHandler), c.ID, "publisert")).must(t)
}

// svcPreliminary is in as a preliminary application to the call: no council decision,
// no draft regulation.
func svcPreliminary(in *trial.Application, callID string) *trial.Application {
	in.Call = trial.CallName(callID)
	in.DraftRegulation, in.Themes = "", []string{"Skole"}
	for i := range in.Applicants {
		in.Applicants[i].CouncilDecision = nil
	}
	return in
}

func TestService_Calls(t *testing.T) {
	t.Run("OKDraftIsKDDsPublishedIsPublic", func(t *testing.T) {
		e := svcSetup(t)
		c := svcTry(e.svc.CreateCall(svcCtx, svcCall(svcApprover), svcCallInput())).must(t)
		if c.ID != "2026-01" || c.State != trial.CallDraft {
			t.Fatalf("created: got %s %s, want 2026-01 DRAFT", c.ID, c.State)
		}
		_, err := e.svc.GetCall(svcCtx, svcPublic, c.ID)
		svcWantErr(t, err, trial.CodeNotFound, "")
		list, _, err := e.svc.ListCalls(svcCtx, svcLead, 0, "")
		if err != nil || len(list) != 0 {
			t.Errorf("municipality's list of calls while drafting: got %d (%v), want 0", len(list), err)
		}
		svcTry(e.svc.PublishCall(svcCtx, svcCall(svcHandler), c.ID, "")).must(t)
		got := svcTry(e.svc.GetCall(svcCtx, svcPublic, c.ID)).must(t)
		if got.State != trial.CallOpen {
			t.Errorf("public read: got state %s, want OPEN", got.State)
		}
	})
	t.Run("ErrMunicipalityCreatesCall", func(t *testing.T) {
		e := svcSetup(t)
		_, err := e.svc.CreateCall(svcCtx, svcCall(svcLead), svcCallInput())
		svcWantErr(t, err, trial.CodePermissionDenied, "")
	})
	t.Run("ErrUpdatePublished", func(t *testing.T) {
		e := svcSetup(t)
		c := svcOpenCall(t, e)
		_, err := e.svc.UpdateCall(svcCtx, svcCall(svcHandler), c.ID, &trial.Call{Title: "Ny tittel"}, []string{"title"})
		svcWantErr(t, err, trial.CodeFailedPrecondition, "ACTION_NOT_ALLOWED_IN_STATE", "STATE")
	})
	t.Run("ErrStaleEtag", func(t *testing.T) {
		e := svcSetup(t)
		c := svcTry(e.svc.CreateCall(svcCtx, svcCall(svcApprover), svcCallInput())).must(t)
		call := svcCall(svcHandler)
		call.Etag = "99"
		_, err := e.svc.UpdateCall(svcCtx, call, c.ID, &trial.Call{Title: "Ny tittel"}, []string{"title"})
		svcWantErr(t, err, trial.CodeAborted, "")
	})
}

// TestService_CallStory runs R20 end to end on the real store: preliminary applications
// without council decisions, a late one refused, the scheduler's move to ASSESSMENT,
// one decision selecting two and declining one, a final application, a selected one
// missing its final deadline and declined, and the call's own hash chain.
func TestService_CallStory(t *testing.T) {
	e := svcSetup(t)
	c := svcOpenCall(t, e)

	apply := func(in *trial.Application) *trial.Application {
		t.Helper()
		return svcTry(e.svc.CreateApplication(svcCtx, svcCall(svcLeadOf(withLead(in))), svcPreliminary(in, c.ID))).must(t)
	}
	a := apply(svcFixture())
	b := apply(svcOtherFixture())
	d := apply(svcJointFixture()) // with Råde as co-applicant, who need not confirm yet
	late := apply(svcRadeFixture())
	if a.Stage != trial.StagePreliminary || a.Deadline != "2026-04-15" || a.Call != c.ID {
		t.Fatalf("preliminary draft: got stage %q deadline %q call %q", a.Stage, a.Deadline, a.Call)
	}
	for _, app := range []*trial.Application{a, b, d} {
		got := svcTry(e.svc.SubmitApplication(svcCtx, svcCall(svcLeadOf(app)), app.ID, "")).must(t)
		if got.State != trial.StateSubmitted {
			t.Fatalf("submit %s: got %s, want SUBMITTED", app.ID, got.State)
		}
	}

	t.Run("ErrLateSubmissionNamesR20", func(t *testing.T) {
		e.clock.Set(svcOsloDay(t, "2026-04-16"))
		_, err := e.svc.SubmitApplication(svcCtx, svcCall(svcLeadOf(late)), late.ID, "")
		svcWantErr(t, err, trial.CodeFailedPrecondition, "PRELIMINARY_DEADLINE_PASSED", "R20")
	})
	t.Run("OKSchedulerStartsAssessment", func(t *testing.T) {
		if _, err := e.svc.FireDueTimers(svcCtx); err != nil {
			t.Fatalf("FireDueTimers: %v", err)
		}
		got := svcTry(e.svc.GetCall(svcCtx, svcHandler, c.ID)).must(t)
		if got.State != trial.CallAssessment {
			t.Errorf("call state: got %s, want ASSESSMENT", got.State)
		}
	})
	t.Run("ErrApprovePreliminary", func(t *testing.T) {
		svcStepAssign(t, e, a)
		_, err := e.svc.ApproveApplication(svcCtx, svcCall(svcApprover), a.ID, svcApproveInput(a))
		svcWantErr(t, err, trial.CodeFailedPrecondition, "", "R20")
	})
	t.Run("ErrBatchAllOrNone", func(t *testing.T) {
		direct := svcDriveApp(t, e, svcKDDOwnFixture(), trial.StateSubmitted)
		_, err := e.svc.SelectApplications(svcCtx, svcCall(svcApprover), c.ID, []string{trial.ApplicationName(a.ID), trial.ApplicationName(direct.ID)}, nil, trial.SelectInput{Reasons: "Prioritert."}, nil)
		svcWantErr(t, err, trial.CodeFailedPrecondition, "NOT_IN_A_CALL", "R20")
		if got := e.app(t, a.ID); got.State == trial.StateSelected {
			t.Errorf("after a refused batch: %s got SELECTED, want unchanged", a.ID)
		}
	})
	t.Run("OKOneDecisionSelectsTwoDeclinesOne", func(t *testing.T) {
		apps := svcTry(e.svc.SelectApplications(svcCtx, svcCall(svcApprover), c.ID, []string{trial.ApplicationName(a.ID), trial.ApplicationName(d.ID)}, []string{trial.ApplicationName(b.ID)},
			trial.SelectInput{Reasons: "Utvalgt etter samlet vurdering."}, []trial.RejectReason{trial.RejectNotPrioritised})).must(t)
		want := []trial.State{trial.StateSelected, trial.StateSelected, trial.StateNotSelected}
		for i, app := range apps {
			if app.State != want[i] {
				t.Errorf("apps[%d]: got %s, want %s", i, app.State, want[i])
			}
		}
		if apps[0].Stage != trial.StageFinal || apps[0].Deadline != "2026-06-30" || apps[0].Selection.DecidedBy.Subject != svcApprover.Subject {
			t.Errorf("selected: got stage %s deadline %s selection %+v", apps[0].Stage, apps[0].Deadline, apps[0].Selection)
		}
	})
	t.Run("OKFinalApplication", func(t *testing.T) {
		e.clock.Set(svcOsloDay(t, "2026-05-02"))
		lead := svcCall(svcLeadOf(a))
		_, err := e.svc.SubmitApplication(svcCtx, lead, a.ID, "")
		svcWantErr(t, err, trial.CodeFailedPrecondition, "", "R8", "R9", "R20")
		upd := &trial.Application{Applicants: svcFixture().Applicants, DraftRegulation: "Forskrift om forsøk …", ProgressPlan: "Oppstart august 2026."}
		svcTry(e.svc.UpdateApplication(svcCtx, lead, a.ID, upd, []string{"applicants", "draft_regulation", "progress_plan"})).must(t)
		got := svcTry(e.svc.SubmitApplication(svcCtx, lead, a.ID, "endelig søknad")).must(t)
		if got.State != trial.StateSubmitted || got.Stage != trial.StageFinal {
			t.Errorf("final submission: got %s %s, want SUBMITTED FINAL", got.State, got.Stage)
		}
	})
	t.Run("OKMissedFinalDeadlineFlaggedAndDeclined", func(t *testing.T) {
		e.clock.Set(svcOsloDay(t, "2026-07-01"))
		if _, err := e.svc.FireDueTimers(svcCtx); err != nil {
			t.Fatalf("FireDueTimers: %v", err)
		}
		got := e.app(t, d.ID)
		if !got.HasFlag(trial.FlagFinalDeadlineMissed) {
			t.Fatalf("flags: got %v, want FINAL_DEADLINE_MISSED", got.Flags)
		}
		var actions []trial.Action
		for _, ev := range e.events(t, d.ID) {
			actions = append(actions, ev.Action)
		}
		for _, want := range []trial.Action{trial.NoticeDeadlineSoon, trial.NoticeFinalDeadlineMissed} {
			if !slices.Contains(actions, want) {
				t.Errorf("events: got %v, want %s", actions, want)
			}
		}
		svcTry(e.svc.DeclineApplication(svcCtx, svcCall(svcApprover), d.ID, trial.DeclineInput{ReasonCodes: []trial.RejectReason{trial.RejectOther}, Reasons: "Fristen gikk ut."})).must(t)
	})
	t.Run("OKStatisticsAndChain", func(t *testing.T) {
		st := svcTry(e.svc.GetCallStatistics(svcCtx, svcPublic, c.ID)).must(t)
		if st.Received != 3 || st.Selected != 2 || st.NotSelected != 2 || st.FinalSubmitted != 1 || st.Drafts != 1 || st.Approved != 0 {
			t.Errorf("statistics: got %+v, want received 3, selected 2, not selected 2, final submitted 1, drafts 1", st)
		}
		if st.ByCounty["31"] != 2 || st.ByCounty["39"] != 1 || st.ByTheme["Skole"] != 3 {
			t.Errorf("statistics: by county %v, by theme %v", st.ByCounty, st.ByTheme)
		}
		rep := e.store.VerifyChains()
		if len(rep.Problems) != 0 {
			t.Errorf("VerifyChains: got %v, want no problems", rep.Problems)
		}
		// The call's events are in KDD's feed; no municipality sees them there.
		feed, _, err := e.svc.ListEvents(svcCtx, svcHandler, 0, 1000)
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		var callEvents []trial.Action
		for _, ev := range feed {
			if ev.Call == c.ID {
				callEvents = append(callEvents, ev.Action)
			}
		}
		theirs, _, _ := e.svc.ListEvents(svcCtx, svcLead, 0, 1000)
		for _, ev := range theirs {
			if ev.Call != "" {
				t.Errorf("municipality's feed: got the call's event %d, want none", ev.Sequence)
			}
		}
		want := []trial.Action{trial.CallActionCreate, trial.CallActionPublish, trial.CallActionAssessment}
		if !slices.Equal(callEvents, want) {
			t.Errorf("call events: got %v, want %v", callEvents, want)
		}
	})
	t.Run("OKFilterByCallAndStage", func(t *testing.T) {
		for _, tc := range []struct {
			filter string
			want   []string
		}{
			{"call = " + c.ID, []string{a.ID, b.ID, d.ID}}, // KDD does not see the late draft
			{"call = " + c.ID + " AND stage = FINAL", []string{a.ID, d.ID}},
			{"stage = PRELIMINARY", []string{b.ID}},
			{"call != " + c.ID, nil},
		} {
			apps, _, err := e.svc.ListApplications(svcCtx, svcHandler, tc.filter, "", 0, "")
			if err != nil {
				t.Fatalf("filter %q: %v", tc.filter, err)
			}
			var got []string
			for _, app := range apps {
				if app.Call != "" || tc.want == nil {
					got = append(got, app.ID)
				}
			}
			if tc.want == nil {
				for _, app := range apps {
					if app.Call == c.ID {
						t.Errorf("filter %q: got %s of the call, want none", tc.filter, app.ID)
					}
				}
				continue
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("filter %q: got %v, want %v", tc.filter, got, tc.want)
			}
		}
		_, _, err := e.svc.ListApplications(svcCtx, svcPublic, "call = "+c.ID, "", 0, "")
		svcWantErr(t, err, trial.CodeInvalidArgument, "FILTER_FIELD_NOT_PUBLIC")
	})
	t.Run("OKCloseOnceAnswered", func(t *testing.T) {
		got := svcTry(e.svc.CloseCall(svcCtx, svcCall(svcApprover), c.ID, "Utvelgelsen er ferdig.")).must(t)
		if got.State != trial.CallClosed {
			t.Errorf("close: got %s, want CLOSED", got.State)
		}
	})
}

// withLead marks the first applicant as the lead, as create does, so svcLeadOf finds it.
func withLead(in *trial.Application) *trial.Application {
	c := *in
	c.Applicants = slices.Clone(in.Applicants)
	c.Applicants[0].Lead = true
	return &c
}

// svcRadeFixture is svcFixture applied for by Råde kommune alone.
func svcRadeFixture() *trial.Application {
	app := svcFixture()
	app.Applicants = []trial.Applicant{{OrganisationNumber: svcCoOrg, Name: "Råde kommune", Kind: trial.KindKommune, MunicipalityNumber: "3112"}}
	return app
}
