package workflow_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
	"github.com/forsok/forsok/internal/workflow"
)

// oslo is the calendar the law's dates are read in.
var oslo = trialtest.Oslo

// osloTime returns the instant of a wall-clock time in Oslo.
func osloTime(date string, hour, minute int) time.Time {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, oslo)
}

// schedEnv is a service on a bbolt file that a test can close and reopen.
type schedEnv struct {
	t     *testing.T
	path  string
	clock *trialtest.Clock
	store *boltstore.Store
	svc   *workflow.Service
}

func newSchedEnv(t *testing.T, start time.Time) *schedEnv {
	t.Helper()
	e := &schedEnv{t: t, path: filepath.Join(t.TempDir(), "forsok.db"), clock: trialtest.NewClock(start)}
	e.open()
	t.Cleanup(func() { e.close() })
	return e
}

func (e *schedEnv) open() {
	e.t.Helper()
	store, err := boltstore.Open(e.path, boltstore.Options{Now: e.clock.Now, NoSync: true})
	if err != nil {
		e.t.Fatal(err)
	}
	svc, err := workflow.NewService(store, trial.DefaultReference())
	if err != nil {
		e.t.Fatal(err)
	}
	svc.Now = e.clock.Now
	e.store, e.svc = store, svc
}

func (e *schedEnv) close() {
	e.t.Helper()
	if e.store == nil {
		return
	}
	if err := e.store.Check(); err != nil {
		e.t.Errorf("store check: %v", err)
	}
	if err := e.store.Close(); err != nil {
		e.t.Error(err)
	}
	e.store = nil
}

// restart closes the store and opens it again, as a restarted server would.
func (e *schedEnv) restart() {
	e.close()
	e.open()
}

// at moves the clock and fires what is due, as the scheduler loop would.
func (e *schedEnv) at(t time.Time) int {
	e.t.Helper()
	e.clock.Set(t)
	n, err := e.svc.FireDueTimers(context.Background())
	if err != nil {
		e.t.Fatalf("fire due timers at %s: %v", t, err)
	}
	return n
}

func (e *schedEnv) get(id string) *trial.Application {
	e.t.Helper()
	app, err := e.svc.GetApplication(context.Background(), schedKDD(trial.RoleKDDHandler), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return app
}

func (e *schedEnv) events(id string) []*trial.Event {
	e.t.Helper()
	events, _, err := e.svc.ListApplicationEvents(context.Background(), schedKDD(trial.RoleKDDHandler), id, 1000, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return events
}

const schedLead = "940931002"

func schedMunicipality() trial.Actor {
	return trial.Actor{Role: trial.RoleMunicipality, OrganisationNumber: schedLead}
}

func schedKDD(role trial.Role) trial.Actor {
	return trial.Actor{Role: role, Subject: "kari", Name: "Kari Nordmann", OrganisationNumber: "972417858"}
}

func schedCall(a trial.Actor) workflow.Call { return workflow.Call{Actor: a} }

// schedApplication is a complete application departing from an Education Act rule that
// KDD's own ministry does not own, so a consultation with KD is needed.
func schedApplication(start, end string) *trial.Application {
	return &trial.Application{
		Title:   "Vurdering uten karakter",
		Summary: "Underveisvurdering uten karakter på 8. trinn.",
		Applicants: []trial.Applicant{{
			OrganisationNumber: schedLead, Name: "Indre Østfold kommune", Kind: trial.KindKommune, MunicipalityNumber: "3118",
			CouncilDecision: &trial.CouncilDecision{Body: "Indre Østfold kommunestyre", CaseReference: "2026/311", MeetingDate: "2026-06-12"},
		}},
		Category: trial.CategoryOrganisation,
		Purposes: []trial.Purpose{trial.PurposeServiceQuality},
		Exemptions: []trial.Exemption{{LawID: "LOV-2023-06-09-30", Section: "§ 15-4", CurrentRule: "Karakter i hvert fag.",
			ProposedRule: "Ingen karakter i valgte fag.", OwningMinistry: "KD"}},
		PlannedStart: start, PlannedEnd: end,
		EvaluationPlan: "Følgeevaluering.", EmployeeInvolvement: "Drøftet med Utdanningsforbundet.",
		DraftRegulation: "Forskrift om forsøk.",
	}
}

// schedMust returns v, and fails the test (by panicking, which the test runner reports
// with the stack) when err is set: the setup steps it wraps are not what is under test.
func schedMust[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

// schedApproved drives a new case to APPROVED and returns its id.
func (e *schedEnv) schedApproved(start, end string, publication bool) string {
	t := e.t
	t.Helper()
	ctx := context.Background()
	svc := e.svc
	app := schedMust(svc.CreateApplication(ctx, schedCall(schedMunicipality()), schedApplication(start, end)))
	schedMust(svc.SubmitApplication(ctx, schedCall(schedMunicipality()), app.ID, ""))
	handler := schedCall(schedKDD(trial.RoleKDDHandler))
	schedMust(svc.AssignApplication(ctx, handler, app.ID, trial.Person{}, ""))
	c := schedMust(svc.CreateConsultation(ctx, handler, app.ID, trial.ConsultationInput{Ministry: "KD", Question: "Støtter KD forsøket?", DueWorkingDays: 10}))
	kd := trial.Actor{Role: trial.RoleMinistry, Ministry: "KD", OrganisationNumber: "999990134"}
	schedMust(svc.RespondToConsultation(ctx, schedCall(kd), app.ID, c.ID, trial.ResponseInput{Position: trial.PositionSupports, Statement: "Ja."}))
	in := trial.ApproveInput{ApprovedStart: start, ApprovedEnd: end, Reasons: "Godt begrunnet."}
	if publication {
		// Adopted on the decision day and published the same day (R18).
		in.RegulationID, in.PublicationReference = "FOR-"+trial.FormatDate(svc.Today())+"-2001", "Norsk Lovtidend Avd. II 2026 nr. 12"
	}
	schedMust(svc.ApproveApplication(ctx, schedCall(schedKDD(trial.RoleKDDApprover)), app.ID, in))
	return app.ID
}

func eventActions(events []*trial.Event) []trial.Action {
	var out []trial.Action
	for _, e := range events {
		out = append(out, e.Action)
	}
	return out
}

// TestScheduler_TrialLife takes one trial from approval through activation on its start
// date, its end date, an overdue evaluation report and closing, with a restart in the
// middle; every automatic step is an ordinary event by the actor "system".
func TestScheduler_TrialLife(t *testing.T) {
	ctx := context.Background()
	e := newSchedEnv(t, osloTime("2026-11-23", 10, 0))
	id := e.schedApproved("2027-01-04", "2027-12-31", true)

	if n := e.at(osloTime("2027-01-03", 23, 59)); n != 0 {
		t.Errorf("fired %d timers before the start date, want 0", n)
	}
	if got := e.get(id).State; got != trial.StateApproved {
		t.Fatalf("state before the start date = %s, want APPROVED", got)
	}
	e.restart()
	e.at(osloTime("2027-01-04", 0, 0))
	if got := e.get(id).State; got != trial.StateActive {
		t.Fatalf("state on the start date = %s, want ACTIVE", got)
	}
	e.restart()
	e.at(osloTime("2027-10-02", 0, 0)) // 90 days before the end
	e.at(osloTime("2027-12-31", 23, 0))
	if got := e.get(id).State; got != trial.StateActive {
		t.Fatalf("state on the last day = %s, want ACTIVE", got)
	}
	e.at(osloTime("2028-01-01", 0, 0))
	app := e.get(id)
	if app.State != trial.StateEvaluating || app.EvaluationDue != "2028-07-01" {
		t.Fatalf("after the end: state %s, evaluation due %q; want EVALUATING, 2028-07-01", app.State, app.EvaluationDue)
	}
	e.at(osloTime("2028-06-01", 0, 0)) // 30 days before the report is due
	e.at(osloTime("2028-07-02", 0, 0))
	if app := e.get(id); !app.HasFlag(trial.FlagEvaluationOverdue) {
		t.Fatalf("flags after the due date = %v, want EVALUATION_OVERDUE", app.Flags)
	}
	// The restarted service finds nothing left to do twice.
	e.restart()
	if n := e.at(osloTime("2028-07-03", 0, 0)); n != 0 {
		t.Errorf("fired %d timers after everything was done, want 0", n)
	}
	lead := schedCall(schedMunicipality())
	schedMust(e.svc.SubmitEvaluation(ctx, lead, id, trial.EvaluationInput{ReportReference: "Rapport 2028:7", Summary: "Gode resultater."}))
	if app := e.get(id); app.HasFlag(trial.FlagEvaluationOverdue) {
		t.Errorf("flags after the report = %v, want none", app.Flags)
	}
	schedMust(e.svc.CloseApplication(ctx, schedCall(schedKDD(trial.RoleKDDApprover)), id, trial.CloseInput{Outcome: trial.OutcomeMadePermanent, Reasons: "Videreføres."}))

	want := []trial.Action{
		trial.ActionCreate, trial.ActionSubmit, trial.ActionAssign, trial.ActionOpenConsultation, trial.ActionRespondToConsultation,
		trial.ActionApprove, trial.ActionActivate, trial.NoticeTrialEndingSoon, trial.ActionEndPeriod,
		trial.NoticeEvaluationDueSoon, trial.NoticeEvaluationOverdue, trial.ActionSubmitEvaluation, trial.ActionClose,
	}
	events := e.events(id)
	if got := eventActions(events); !slices.Equal(got, want) {
		t.Fatalf("history\n got %v\nwant %v", got, want)
	}
	for _, ev := range events {
		system := ev.Actor.Role == trial.RoleSystem
		automatic := slices.Contains([]trial.Action{trial.ActionActivate, trial.NoticeTrialEndingSoon, trial.ActionEndPeriod,
			trial.NoticeEvaluationDueSoon, trial.NoticeEvaluationOverdue}, ev.Action)
		if system != automatic {
			t.Errorf("event %d %s by role %q, want system only for automatic steps", ev.Sequence, ev.Action, ev.Actor.Role)
		}
	}
	byAction := map[trial.Action]*trial.Event{}
	for _, ev := range events {
		byAction[ev.Action] = ev
	}
	if got := byAction[trial.ActionActivate].Time; !got.Equal(osloTime("2027-01-04", 0, 0)) {
		t.Errorf("activated at %s, want 2027-01-04 00:00 Europe/Oslo", got)
	}
	if ev := byAction[trial.ActionEndPeriod]; ev.FromState != trial.StateActive || ev.ToState != trial.StateEvaluating {
		t.Errorf("endPeriod %s → %s, want ACTIVE → EVALUATING", ev.FromState, ev.ToState)
	}
}

// TestScheduler_CatchUpAfterDowntime: a service that was down over a trial's start and
// end dates catches up in order when it comes back.
func TestScheduler_CatchUpAfterDowntime(t *testing.T) {
	e := newSchedEnv(t, osloTime("2026-11-23", 10, 0))
	id := e.schedApproved("2027-01-04", "2027-03-31", true)
	e.restart()
	e.at(osloTime("2027-06-01", 12, 0))
	e.at(osloTime("2027-06-01", 12, 0)) // the end timer becomes due once activation set it
	app := e.get(id)
	if app.State != trial.StateEvaluating {
		t.Fatalf("state after catching up = %s, want EVALUATING", app.State)
	}
	got := eventActions(e.events(id))
	want := []trial.Action{trial.ActionActivate, trial.NoticeTrialEndingSoon, trial.ActionEndPeriod}
	if !slices.Equal(got[len(got)-3:], want) {
		t.Errorf("caught-up history ends %v, want %v", got[len(got)-3:], want)
	}
}

// TestScheduler_PublicationMissing: the start date without a recorded publication flags
// the case once; recording the publication then starts the trial.
func TestScheduler_PublicationMissing(t *testing.T) {
	ctx := context.Background()
	e := newSchedEnv(t, osloTime("2026-11-23", 10, 0))
	id := e.schedApproved("2027-01-04", "2027-12-31", false)
	e.at(osloTime("2027-01-04", 0, 0))
	app := e.get(id)
	if app.State != trial.StateApproved || !app.HasFlag(trial.FlagPublicationMissing) {
		t.Fatalf("state %s flags %v, want APPROVED with PUBLICATION_MISSING", app.State, app.Flags)
	}
	if n := e.at(osloTime("2027-01-05", 0, 0)); n != 0 {
		t.Errorf("the missing publication was noticed again: %d timers fired", n)
	}
	handler := schedCall(schedKDD(trial.RoleKDDHandler))
	schedMust(e.svc.RecordPublication(ctx, handler, id, trial.PublicationInput{RegulationID: "FOR-2027-01-05-10", PublicationReference: "Norsk Lovtidend Avd. II 2027 nr. 1"}))
	e.at(osloTime("2027-01-05", 9, 0))
	app = e.get(id)
	if app.State != trial.StateActive || app.HasFlag(trial.FlagPublicationMissing) {
		t.Errorf("after publication: state %s flags %v, want ACTIVE without flags", app.State, app.Flags)
	}
}

// TestScheduler_InterimReply: R14's month runs from submission; an interim reply stops
// it, assignment does not.
func TestScheduler_InterimReply(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		answer    bool
		wantFlags bool
	}{
		{"ErrNoAnswerWithinAMonth", false, true},
		{"OKInterimReplyStopsTheClock", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSchedEnv(t, osloTime("2027-01-31", 15, 0))
			app := schedMust(e.svc.CreateApplication(ctx, schedCall(schedMunicipality()), schedApplication("2027-08-01", "2030-07-31")))
			app = schedMust(e.svc.SubmitApplication(ctx, schedCall(schedMunicipality()), app.ID, ""))
			if app.AnswerDue != "2027-02-28" {
				t.Errorf("answer due %q, want 2027-02-28 (one calendar month, clamped)", app.AnswerDue)
			}
			handler := schedCall(schedKDD(trial.RoleKDDHandler))
			schedMust(e.svc.AssignApplication(ctx, handler, app.ID, trial.Person{}, ""))
			if tt.answer {
				schedMust(e.svc.RecordInterimReply(ctx, handler, app.ID, trial.InterimReplyInput{Text: "Vi svarer innen april.", ExpectedDecisionDate: "2027-04-30"}))
			}
			e.at(osloTime("2027-02-28", 23, 59))
			if e.get(app.ID).HasFlag(trial.FlagNeedsInterimReply) {
				t.Fatal("flagged on the due date itself")
			}
			e.at(osloTime("2027-03-01", 0, 0))
			got := e.get(app.ID)
			if got.HasFlag(trial.FlagNeedsInterimReply) != tt.wantFlags {
				t.Errorf("NEEDS_INTERIM_REPLY = %v, want %v", got.HasFlag(trial.FlagNeedsInterimReply), tt.wantFlags)
			}
			list, _, err := e.svc.ListApplications(ctx, schedKDD(trial.RoleKDDHandler), "flag = NEEDS_INTERIM_REPLY", "", 0, "")
			if err != nil {
				t.Fatal(err)
			}
			if (len(list) == 1) != tt.wantFlags {
				t.Errorf("listed %d cases needing an interim reply, want flagged=%v", len(list), tt.wantFlags)
			}
		})
	}
}

// TestScheduler_WhatIsDue: a ministry lists exactly its own open consultations by due
// date, and KDD every one; overdue ones are flagged and noted in the history.
func TestScheduler_WhatIsDue(t *testing.T) {
	ctx := context.Background()
	e := newSchedEnv(t, osloTime("2026-11-23", 10, 0))
	handler := schedCall(schedKDD(trial.RoleKDDHandler))
	var ids []string
	for i, due := range []string{"2026-12-10", "2026-12-03", "2026-12-20"} {
		app := schedMust(e.svc.CreateApplication(ctx, schedCall(schedMunicipality()), schedApplication("2027-08-01", "2030-07-31")))
		schedMust(e.svc.SubmitApplication(ctx, schedCall(schedMunicipality()), app.ID, ""))
		schedMust(e.svc.AssignApplication(ctx, handler, app.ID, trial.Person{}, ""))
		ministry := "KD"
		if i == 2 {
			ministry = "HOD"
		}
		schedMust(e.svc.CreateConsultation(ctx, handler, app.ID, trial.ConsultationInput{Ministry: ministry, Question: "Støtter dere?", DueDate: due}))
		ids = append(ids, app.ID)
	}
	kd := trial.Actor{Role: trial.RoleMinistry, Ministry: "KD"}
	cons, _, err := e.svc.ListOpenConsultations(ctx, kd, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cons {
		got = append(got, c.ApplicationID+" "+c.DueDate)
	}
	want := []string{ids[1] + " 2026-12-03", ids[0] + " 2026-12-10"}
	if !slices.Equal(got, want) {
		t.Errorf("KD's open consultations = %v, want %v", got, want)
	}
	all, _, err := e.svc.ListOpenConsultations(ctx, schedKDD(trial.RoleKDDHandler), 2, "")
	if err != nil || len(all) != 2 || all[0].ApplicationID != ids[1] {
		t.Errorf("KDD's first page = %v, %v; want 2 consultations starting with %s", all, err, ids[1])
	}

	e.at(osloTime("2026-12-04", 0, 1))
	list, _, err := e.svc.ListApplications(ctx, schedKDD(trial.RoleKDDHandler), "flag = CONSULTATION_OVERDUE", "", 0, "")
	if err != nil || len(list) != 1 || list[0].ID != ids[1] {
		t.Fatalf("overdue cases = %v, %v; want only %s", list, err, ids[1])
	}
	actions := eventActions(e.events(ids[1]))
	if !slices.Contains(actions, trial.NoticeConsultationDueSoon) || !slices.Contains(actions, trial.NoticeConsultationOverdue) {
		t.Errorf("history %v lacks the due-soon and overdue notices", actions)
	}
	if _, _, err := e.svc.ListOpenConsultations(ctx, schedMunicipality(), 0, ""); trial.ErrorCode(err) != trial.CodePermissionDenied {
		t.Errorf("a municipality listing across cases: %v, want PERMISSION_DENIED", err)
	}
}

// TestScheduler_PendingExtensionLapses: a trial whose period ends while its extension
// awaits KDD's decision goes to evaluation, and the request lapses.
func TestScheduler_PendingExtensionLapses(t *testing.T) {
	ctx := context.Background()
	e := newSchedEnv(t, osloTime("2026-11-23", 10, 0))
	id := e.schedApproved("2027-01-04", "2027-12-31", true)
	e.at(osloTime("2027-01-04", 0, 0))
	schedMust(e.svc.RequestExtension(ctx, schedCall(schedMunicipality()), id, trial.ExtensionRequestInput{
		RequestedEnd:    "2028-12-31",
		CouncilDecision: &trial.CouncilDecision{Body: "Indre Østfold kommunestyre", CaseReference: "2026/88", MeetingDate: "2026-11-20"},
	}))
	e.at(osloTime("2028-01-01", 0, 0))
	app := e.get(id)
	if app.State != trial.StateEvaluating {
		t.Fatalf("state after the end = %s, want EVALUATING", app.State)
	}
	if ext := app.Extensions[len(app.Extensions)-1]; ext.State != trial.ExtensionDenied || ext.Reasons == "" {
		t.Errorf("pending extension after the end: state %s reasons %q, want DENIED with a reason", ext.State, ext.Reasons)
	}
}
