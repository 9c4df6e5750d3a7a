package trial_test

import (
	"slices"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// callFixture is an open call: preliminary deadline 2026-04-15, final 2026-06-30,
// kommuner only, two themes.
func callFixture() *trial.Call {
	return &trial.Call{ID: "2026-01", State: trial.CallOpen, Title: "Forsøk i tillitsreformen",
		Description: "KDD inviterer kommunene til å søke om forsøk.", Themes: []string{"Skole", "Helse"},
		EligibleKinds: []trial.ApplicantKind{trial.KindKommune}, PreliminaryDeadline: "2026-04-15", FinalDeadline: "2026-06-30"}
}

// preliminary is the shared fixture as a preliminary application to callFixture:
// no council decision and no draft regulation yet.
func preliminary() *trial.Application {
	app := trialtest.Application()
	app.ID, app.State, app.Call, app.Stage, app.Deadline = "2026-000001", trial.StateDraft, "2026-01", trial.StagePreliminary, "2026-04-15"
	app.Applicants[0].Lead, app.Applicants[0].CouncilDecision = true, nil
	app.DraftRegulation, app.Themes = "", []string{"Skole"}
	return app
}

func day(s string) time.Time {
	d, err := trial.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func reasons(vs []trial.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Rule+" "+v.Reason)
	}
	return out
}

func wantReasons(t *testing.T, vs []trial.Violation, want ...string) {
	t.Helper()
	got := reasons(vs)
	if len(want) == 0 && len(got) > 0 {
		t.Errorf("got violations %q, want none", got)
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("got violations %q, want one %q", got, w)
		}
	}
}

// TestR20_PreliminarySubmission: a preliminary application needs no council decision
// and no draft regulation (R8, R9 waived) and must come in time, to an open call, from
// an eligible applicant, on the call's themes.
func TestR20_PreliminarySubmission(t *testing.T) {
	ref := trial.DefaultReference()
	cases := []struct {
		name  string
		edit  func(*trial.Application, *trial.Call)
		today string
		want  []string
	}{
		{"OK", nil, "2026-04-01", nil},
		{"OKOnTheDeadline", nil, "2026-04-15", nil},
		{"ErrAfterDeadline", nil, "2026-04-16", []string{"R20 PRELIMINARY_DEADLINE_PASSED"}},
		{"ErrCallInAssessment", func(_ *trial.Application, c *trial.Call) { c.State = trial.CallAssessment }, "2026-04-01", []string{"R20 CALL_NOT_OPEN"}},
		{"ErrNotEligible", func(a *trial.Application, _ *trial.Call) {
			a.Applicants[0].Kind, a.Applicants[0].MunicipalityNumber, a.Applicants[0].CountyNumber = trial.KindFylkeskommune, "", "31"
		}, "2026-04-01", []string{"R20 APPLICANT_NOT_ELIGIBLE"}},
		{"ErrThemeNotInCall", func(a *trial.Application, _ *trial.Call) { a.Themes = []string{"Samferdsel"} }, "2026-04-01", []string{"R20 THEME_NOT_IN_CALL"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app, c := preliminary(), callFixture()
			if tc.edit != nil {
				tc.edit(app, c)
			}
			today := day(tc.today)
			vs := append(trial.StageGuards(app, c, trial.ActionSubmit, today), trial.StageSubmitGuards(app, ref, today)...)
			wantReasons(t, vs, tc.want...)
			if len(tc.want) == 0 && len(vs) > 0 {
				t.Errorf("got %q, want no violation", reasons(vs))
			}
		})
	}
	t.Run("ErrFinalStillNeedsR8R9", func(t *testing.T) {
		app := preliminary()
		app.Stage = trial.StageFinal
		wantReasons(t, trial.StageSubmitGuards(app, ref, day("2026-04-01")), "R8 COUNCIL_DECISION_MISSING", "R9 DRAFT_REGULATION_MISSING")
	})
	t.Run("OKDirectApplicationAnyTime", func(t *testing.T) {
		app := trialtest.Application()
		app.Applicants[0].Lead = true
		if vs := trial.StageGuards(app, nil, trial.ActionSubmit, day("2030-01-01")); len(vs) > 0 {
			t.Errorf("got %q, want none: applications outside a call are possible at any time", reasons(vs))
		}
	})
}

// TestR20_FinalSubmission: a selected application is submitted as final before its
// final deadline, with a progress plan.
func TestR20_FinalSubmission(t *testing.T) {
	selected := func() *trial.Application {
		app := preliminary()
		app.State, app.Stage, app.Deadline, app.ProgressPlan = trial.StateSelected, trial.StageFinal, "2026-06-30", "Oppstart august 2026."
		return app
	}
	c := callFixture()
	c.State = trial.CallAssessment
	t.Run("OK", func(t *testing.T) {
		wantReasons(t, trial.StageGuards(selected(), c, trial.ActionSubmit, day("2026-06-30")))
	})
	t.Run("ErrAfterFinalDeadline", func(t *testing.T) {
		wantReasons(t, trial.StageGuards(selected(), c, trial.ActionSubmit, day("2026-07-01")), "R20 FINAL_DEADLINE_PASSED")
	})
	t.Run("ErrNoProgressPlan", func(t *testing.T) {
		app := selected()
		app.ProgressPlan = ""
		wantReasons(t, trial.StageGuards(app, c, trial.ActionSubmit, day("2026-06-01")), "R20 PROGRESS_PLAN_MISSING")
	})
}

// TestR20_Selection: select and decline answer preliminary applications of a call in
// assessment; a selected application is declined only once it missed its deadline; a
// preliminary one is never approved or rejected.
func TestR20_Selection(t *testing.T) {
	c := callFixture()
	c.State = trial.CallAssessment
	submitted := func() *trial.Application {
		app := preliminary()
		app.State = trial.StateReadyForDecision
		return app
	}
	today := day("2026-04-20")
	t.Run("OKSelect", func(t *testing.T) {
		wantReasons(t, append(trial.StageGuards(submitted(), c, trial.ActionSelect, today), trial.SelectGuards("2026-06-30", today)...))
	})
	t.Run("ErrSelectWhileOpen", func(t *testing.T) {
		open := callFixture()
		wantReasons(t, trial.StageGuards(submitted(), open, trial.ActionSelect, today), "R20 CALL_NOT_IN_ASSESSMENT")
	})
	t.Run("ErrSelectFinal", func(t *testing.T) {
		app := submitted()
		app.Stage = trial.StageFinal
		wantReasons(t, trial.StageGuards(app, c, trial.ActionSelect, today), "R20 NOT_PRELIMINARY")
	})
	t.Run("ErrSelectDirect", func(t *testing.T) {
		app := submitted()
		app.Call = ""
		wantReasons(t, trial.StageGuards(app, nil, trial.ActionSelect, today), "R20 NOT_IN_A_CALL")
	})
	t.Run("ErrSelectPastFinalDeadline", func(t *testing.T) {
		wantReasons(t, trial.SelectGuards("2026-04-19", today), "R20 FINAL_DEADLINE_PASSED")
	})
	t.Run("ErrApprovePreliminary", func(t *testing.T) {
		wantReasons(t, trial.StageGuards(submitted(), c, trial.ActionApprove, today), "R20 PRELIMINARY_NOT_DECIDED_HERE")
	})
	t.Run("OKDecline", func(t *testing.T) {
		wantReasons(t, trial.StageGuards(submitted(), c, trial.ActionDecline, today))
	})
	t.Run("ErrDeclineSelectedInTime", func(t *testing.T) {
		app := submitted()
		app.State, app.Stage = trial.StateSelected, trial.StageFinal
		wantReasons(t, trial.StageGuards(app, c, trial.ActionDecline, today), "R20 FINAL_DEADLINE_NOT_MISSED")
	})
	t.Run("OKDeclineSelectedOverdue", func(t *testing.T) {
		app := submitted()
		app.State, app.Stage = trial.StateSelected, trial.StageFinal
		app.SetFlag(trial.FlagFinalDeadlineMissed, true)
		wantReasons(t, trial.StageGuards(app, c, trial.ActionDecline, today))
	})
}

func TestCallLifecycle(t *testing.T) {
	t.Run("OKPublish", func(t *testing.T) {
		c := callFixture()
		c.State = trial.CallDraft
		wantReasons(t, trial.PublishCallGuards(c, day("2026-03-01")))
		if to, err := trial.CallNext(trial.CallDraft, trial.CallActionPublish); err != nil || to != trial.CallOpen {
			t.Errorf("CallNext(DRAFT, publish): got %q, %v; want OPEN", to, err)
		}
	})
	t.Run("ErrPublishIncomplete", func(t *testing.T) {
		c := &trial.Call{ID: "2026-01", State: trial.CallDraft, PreliminaryDeadline: "2026-02-01"}
		wantReasons(t, trial.PublishCallGuards(c, day("2026-03-01")), "REQUIRED TITLE_MISSING", "R2 ELIGIBLE_KINDS_MISSING",
			"R20 PRELIMINARY_DEADLINE_PASSED", "R20 FINAL_DEADLINE_MISSING")
	})
	t.Run("ErrFinalBeforePreliminary", func(t *testing.T) {
		c := callFixture()
		c.FinalDeadline = "2026-04-01"
		wantReasons(t, trial.ValidateCall(c), "R20 FINAL_DEADLINE_NOT_AFTER_PRELIMINARY")
	})
	t.Run("ErrUpdatePublished", func(t *testing.T) {
		_, err := trial.CallNext(trial.CallOpen, trial.CallActionUpdate)
		trialtest.WantErr(t, err, trial.CodeFailedPrecondition, "ACTION_NOT_ALLOWED_IN_STATE", "STATE")
	})
	t.Run("ErrCloseWithUnansweredApplication", func(t *testing.T) {
		app := preliminary()
		app.State = trial.StateInReview
		wantReasons(t, trial.CloseCallGuards([]*trial.Application{app}), "R20 PRELIMINARY_APPLICATION_UNANSWERED")
		app.State = trial.StateNotSelected
		wantReasons(t, trial.CloseCallGuards([]*trial.Application{app}))
	})
	t.Run("OKPublicOnlyOncePublished", func(t *testing.T) {
		c := callFixture()
		c.State = trial.CallDraft
		if trial.CallVisible(trial.Actor{}, c) {
			t.Errorf("a draft call: got visible to the public, want not")
		}
		c.State = trial.CallOpen
		if !trial.CallVisible(trial.Actor{}, c) {
			t.Errorf("an open call: got invisible to the public, want visible")
		}
	})
	t.Run("OKAssessmentTimerAtEndOfDeadline", func(t *testing.T) {
		oslo, _ := time.LoadLocation("Europe/Oslo")
		ts := trial.DefaultSchedule(oslo).CallTimers(callFixture())
		want := time.Date(2026, 4, 16, 0, 0, 0, 0, oslo)
		if len(ts) != 1 || ts[0].Kind != trial.TimerCallAssessment || !ts[0].At.Equal(want) || ts[0].ApplicationID != "calls/2026-01" {
			t.Errorf("CallTimers: got %+v, want one callAssessment at %s owned by calls/2026-01", ts, want)
		}
	})
}

func TestCallStatisticsOf(t *testing.T) {
	a := preliminary()
	a.SubmitTime = time.Now()
	a.State, a.Stage, a.Selection = trial.StateSubmitted, trial.StageFinal, &trial.Selection{Selected: true}
	b := preliminary()
	b.ID, b.SubmitTime, b.State, b.Themes = "2026-000002", time.Now(), trial.StateNotSelected, []string{"Helse"}
	b.Applicants[0].MunicipalityNumber = "3909"
	draft := preliminary()
	draft.ID = "2026-000003"
	st := trial.CallStatisticsOf("2026-01", []*trial.Application{a, b, draft})
	if st.Received != 2 || st.Selected != 1 || st.NotSelected != 1 || st.Drafts != 1 || st.FinalSubmitted != 1 {
		t.Errorf("got %+v, want received 2, selected 1, not selected 1, drafts 1, final submitted 1", st)
	}
	if st.ByCounty["31"] != 1 || st.ByCounty["39"] != 1 || st.ByTheme["Skole"] != 1 || st.ByTheme["Helse"] != 1 {
		t.Errorf("by county %v, by theme %v: want 31:1 39:1 and Skole:1 Helse:1", st.ByCounty, st.ByTheme)
	}
}
