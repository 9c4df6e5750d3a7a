package workflow_test

// Service-level tests: every action runs on the real bbolt store (internal/boltstore) in
// t.TempDir(), checked for consistency in t.Cleanup, with an injected clock. Cases reach
// the state a test starts from through the real actions (svcDrive), never by writing the
// store directly.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/boltstore/bolttest"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
	"github.com/forsok/forsok/internal/workflow"
)

// svcOslo is the calendar the law's dates are read in.
var svcOslo = trialtest.Oslo

// svcStart is the test clock's start: Monday 2 March 2026, 10:00 in Oslo, before the
// fixture's planned start.
var svcStart = time.Date(2026, 3, 2, 10, 0, 0, 0, svcOslo)

// The organisations of the tests. The numbers are syntactically valid examples, not the
// real ones (api.md).
const (
	svcLeadOrg     = "940931002" // Indre Østfold kommune, 3118
	svcCoOrg       = "940802652" // Råde kommune, 3112
	svcOtherOrg    = "964518009" // Larvik kommune, 3909
	svcKDDOrg      = "972417858"
	svcKDOrg       = "999990134"
	svcHODOrg      = "999990088"
	svcAuthority   = "FOR-1992-12-11-1050"
	svcRegulation  = "FOR-2026-03-02-1234"
	svcPublication = "Norsk Lovtidend Avd. II 2026 nr. 1234"
	svcRepealing   = "FOR-2026-10-01-2001"
)

// The callers.
var (
	svcLead     = trial.Actor{Subject: "ios-kari", Name: "Kari Nordmann", OrganisationNumber: svcLeadOrg, Role: trial.RoleMunicipality}
	svcCo       = trial.Actor{OrganisationNumber: svcCoOrg, Role: trial.RoleMunicipality}
	svcOther    = trial.Actor{OrganisationNumber: svcOtherOrg, Role: trial.RoleMunicipality}
	svcHandler  = trial.Actor{Subject: "kdd-hanne", Name: "Hanne Handler", OrganisationNumber: svcKDDOrg, Role: trial.RoleKDDHandler}
	svcHandler2 = trial.Actor{Subject: "kdd-per", Name: "Per Handler", OrganisationNumber: svcKDDOrg, Role: trial.RoleKDDHandler}
	svcApprover = trial.Actor{Subject: "kdd-anne", Name: "Anne Approver", OrganisationNumber: svcKDDOrg, Role: trial.RoleKDDApprover}
	svcKD       = trial.Actor{Subject: "kd-ola", Name: "Ola Fagdep", OrganisationNumber: svcKDOrg, Role: trial.RoleMinistry, Ministry: "KD"}
	svcHOD      = trial.Actor{OrganisationNumber: svcHODOrg, Role: trial.RoleMinistry, Ministry: "HOD"}
	svcPublic   = trial.Actor{}
	svcAdmin    = trial.Actor{Subject: "operator", Role: trial.RoleAdmin}
	svcSystem   = trial.Actor{Subject: "system", Role: trial.RoleSystem}
)

var svcCtx = context.Background()

// svcEnv is one service on its own store.
type svcEnv struct {
	svc   *workflow.Service
	store *boltstore.Store
	clock *trialtest.Clock
}

// svcSetup returns a service on a new store in t.TempDir(); Cleanup checks the store's
// consistency (indexes, gap-free event sequence) and closes it.
func svcSetup(t *testing.T) *svcEnv {
	t.Helper()
	clock := trialtest.NewClock(svcStart)
	// The store judges request records' age by its own clock: it must be the test's.
	store := bolttest.Open(t, boltstore.Options{Now: clock.Now})
	svc, err := workflow.NewService(store, trial.DefaultReference())
	if err != nil {
		t.Fatalf("NewService: got error %v, want nil", err)
	}
	svc.Now = clock.Now
	return &svcEnv{svc: svc, store: store, clock: clock}
}

// svcCouncil returns a council decision taken before the test clock's start.
func svcCouncil(body string) *trial.CouncilDecision { return trialtest.Council(body) }

// svcFixture returns a complete, valid application of Indre Østfold kommune: one
// exemption from the Education Act owned by KD, a planned period of three years from a
// start after the test clock.
func svcFixture() *trial.Application { return trialtest.Application() }

// svcJointFixture is svcFixture with Råde kommune as a co-applicant that has not yet
// confirmed its participation.
func svcJointFixture() *trial.Application {
	app := svcFixture()
	app.Applicants = append(app.Applicants, trial.Applicant{
		OrganisationNumber: svcCoOrg, Name: "Råde kommune", Kind: trial.KindKommune, MunicipalityNumber: "3112",
	})
	return app
}

// svcOtherFixture is svcFixture applied for by Larvik kommune alone.
func svcOtherFixture() *trial.Application {
	app := svcFixture()
	app.Applicants = []trial.Applicant{{
		OrganisationNumber: svcOtherOrg, Name: "Larvik kommune", Kind: trial.KindKommune,
		MunicipalityNumber: "3909", CouncilDecision: svcCouncil("Larvik kommunestyre"),
	}}
	return app
}

// svcKDDOwnFixture departs only from a rule KDD owns (the planning act), so approval
// needs no consultation (R10).
func svcKDDOwnFixture() *trial.Application {
	app := svcFixture()
	app.Exemptions = []trial.Exemption{{
		LawID: "LOV-2008-06-27-71", Section: "§ 12-14",
		CurrentRule:    "Endring av reguleringsplan følger reglene for utarbeiding av ny plan.",
		ProposedRule:   "Forenklet endring av eldre reguleringsplaner (planvask).",
		OwningMinistry: "KDD",
	}}
	return app
}

// svcMunicipality is the caller for an applicant organisation.
func svcMunicipality(org string) trial.Actor {
	switch org {
	case svcLeadOrg:
		return svcLead
	case svcCoOrg:
		return svcCo
	case svcOtherOrg:
		return svcOther
	}
	return trial.Actor{OrganisationNumber: org, Role: trial.RoleMunicipality}
}

// svcLeadOf is the caller for the case's lead applicant.
func svcLeadOf(app *trial.Application) trial.Actor {
	return svcMunicipality(app.Lead().OrganisationNumber)
}

func svcCall(a trial.Actor) workflow.Call { return workflow.Call{Actor: a} }

// svcResult is a call's answer and error; must fails the test on the error.
type svcResult[T any] struct {
	v   T
	err error
}

// svcTry wraps the results of a call: svcTry(e.svc.SubmitApplication(…)).must(t).
func svcTry[T any](v T, err error) svcResult[T] { return svcResult[T]{v, err} }

func (r svcResult[T]) must(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatalf("got error %v, want nil", r.err)
	}
	return r.v
}

// svcOsloDay returns 10:00 in Oslo on the ISO date s.
func svcOsloDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := trial.ParseDate(s)
	if err != nil {
		t.Fatalf("ParseDate(%q): %v", s, err)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, svcOslo)
}

// svcRoute says how a case reaches each state: from which state, by which action.
var svcRoute = map[trial.State]struct {
	from trial.State
	step func(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application
}{
	trial.StateSubmitted:          {trial.StateDraft, svcStepSubmit},
	trial.StateInReview:           {trial.StateSubmitted, svcStepAssign},
	trial.StateChangesRequested:   {trial.StateInReview, svcStepRequestChanges},
	trial.StateInConsultation:     {trial.StateInReview, svcStepConsult},
	trial.StateReadyForDecision:   {trial.StateInConsultation, svcStepRespond},
	trial.StateApproved:           {trial.StateReadyForDecision, svcStepApprove},
	trial.StateRejected:           {trial.StateInReview, svcStepReject},
	trial.StateWithdrawn:          {trial.StateSubmitted, svcStepWithdraw},
	trial.StateActive:             {trial.StateApproved, svcStepActivate},
	trial.StateExtensionRequested: {trial.StateActive, svcStepRequestExtension},
	trial.StateEvaluating:         {trial.StateActive, svcStepEndPeriod},
	trial.StateClosed:             {trial.StateEvaluating, svcStepClose},
}

// svcDrive creates a case from svcFixture and takes it to state through the real
// actions. Reaching ACTIVE moves the clock to the approved start, reaching EVALUATING to
// the day after the trial's end; the clock never moves back.
func svcDrive(t *testing.T, e *svcEnv, state trial.State) *trial.Application {
	t.Helper()
	return svcDriveApp(t, e, svcFixture(), state)
}

// svcDriveApp is svcDrive for the application in.
func svcDriveApp(t *testing.T, e *svcEnv, in *trial.Application, state trial.State) *trial.Application {
	t.Helper()
	if state == trial.StateDraft {
		lead := svcMunicipality(in.Applicants[0].OrganisationNumber)
		return svcTry(e.svc.CreateApplication(svcCtx, svcCall(lead), in)).must(t)
	}
	r, ok := svcRoute[state]
	if !ok {
		t.Fatalf("svcDrive: no route to %q", state)
	}
	app := r.step(t, e, svcDriveApp(t, e, in, r.from))
	if app.State != state {
		t.Fatalf("svcDrive: got state %s, want %s", app.State, state)
	}
	return app
}

func svcStepSubmit(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application {
	t.Helper()
	for _, a := range app.Applicants {
		if !a.Lead && !a.ParticipationConfirmed {
			app = svcTry(e.svc.ConfirmParticipation(svcCtx, svcCall(svcMunicipality(a.OrganisationNumber)), app.ID,
				trial.ParticipationInput{OrganisationNumber: a.OrganisationNumber, CouncilDecision: svcCouncil(a.Name + " kommunestyre")})).must(t)
		}
	}
	return svcTry(e.svc.SubmitApplication(svcCtx, svcCall(svcLeadOf(app)), app.ID, "søknaden sendes")).must(t)
}

func svcStepAssign(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application {
	t.Helper()
	return svcTry(e.svc.AssignApplication(svcCtx, svcCall(svcHandler), app.ID, trial.Person{}, "")).must(t)
}

func svcStepRequestChanges(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application {
	t.Helper()
	return svcTry(e.svc.RequestChanges(svcCtx, svcCall(svcHandler), app.ID, "Hvilke fag gjelder forsøket?")).must(t)
}

func svcStepConsult(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application {
	t.Helper()
	svcTry(e.svc.CreateConsultation(svcCtx, svcCall(svcHandler), app.ID,
		trial.ConsultationInput{Ministry: "KD", Question: "Har KD merknader til forsøket?", DueWorkingDays: 15})).must(t)
	return e.app(t, app.ID)
}

func svcStepRespond(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application {
	t.Helper()
	c := e.openConsultation(t, app.ID, "KD")
	svcTry(e.svc.RespondToConsultation(svcCtx, svcCall(svcKD), app.ID, c.ID,
		trial.ResponseInput{Position: trial.PositionSupports, Statement: "KD støtter forsøket."})).must(t)
	return e.app(t, app.ID)
}

func svcApproveInput(app *trial.Application) trial.ApproveInput {
	return trial.ApproveInput{ApprovedStart: app.PlannedStart, ApprovedEnd: app.PlannedEnd, Reasons: "Forsøket er innenfor forsøksloven."}
}

func svcStepApprove(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application {
	t.Helper()
	return svcTry(e.svc.ApproveApplication(svcCtx, svcCall(svcApprover), app.ID, svcApproveInput(app))).must(t)
}

func svcStepReject(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application {
	t.Helper()
	return svcTry(e.svc.RejectApplication(svcCtx, svcCall(svcApprover), app.ID,
		trial.RejectInput{ReasonCodes: []trial.RejectReason{trial.RejectNotPrioritised}, Reasons: "Ikke prioritert i år."})).must(t)
}

func svcStepWithdraw(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application {
	t.Helper()
	return svcTry(e.svc.WithdrawApplication(svcCtx, svcCall(svcLeadOf(app)), app.ID, "Kommunestyret trakk søknaden.")).must(t)
}

func svcStepActivate(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application {
	t.Helper()
	// The regulation is adopted on the decision day, never before it (R18).
	regulation := svcRegulation
	if app.Decision.DecideDate != svcRegulation[4:14] {
		regulation = "FOR-" + app.Decision.DecideDate + "-1234"
	}
	svcTry(e.svc.RecordPublication(svcCtx, svcCall(svcHandler), app.ID,
		trial.PublicationInput{RegulationID: regulation, PublicationReference: svcPublication})).must(t)
	e.clock.AdvanceTo(svcOsloDay(t, app.Decision.ApprovedStart))
	return svcTry(e.svc.ActivateTrial(svcCtx, svcCall(svcSystem), app.ID, "startdato nådd")).must(t)
}

// svcExtensionRequest asks for one more year, within R7's two.
func svcExtensionRequest() trial.ExtensionRequestInput {
	return trial.ExtensionRequestInput{RequestedEnd: "2030-07-31",
		CouncilDecision: &trial.CouncilDecision{Body: "Indre Østfold kommunestyre", CaseReference: "2026/90", MeetingDate: "2026-06-18"}}
}

func svcStepRequestExtension(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application {
	t.Helper()
	return svcTry(e.svc.RequestExtension(svcCtx, svcCall(svcLeadOf(app)), app.ID, svcExtensionRequest())).must(t)
}

func svcStepEndPeriod(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application {
	t.Helper()
	e.clock.AdvanceTo(svcOsloDay(t, trial.CurrentEnd(app)).AddDate(0, 0, 1))
	return svcTry(e.svc.EndTrialPeriod(svcCtx, svcCall(svcSystem), app.ID, "perioden er over")).must(t)
}

func svcStepClose(t *testing.T, e *svcEnv, app *trial.Application) *trial.Application {
	t.Helper()
	svcTry(e.svc.SubmitEvaluation(svcCtx, svcCall(svcLeadOf(app)), app.ID,
		trial.EvaluationInput{ReportReference: "https://example.org/rapport.pdf", Summary: "Forsøket ga bedre læring."})).must(t)
	return svcTry(e.svc.CloseApplication(svcCtx, svcCall(svcApprover), app.ID,
		trial.CloseInput{Outcome: trial.OutcomeMadePermanent, Reasons: "Lovendring foreslått og vedtatt."})).must(t)
}

// app reads the stored case past every visibility rule.
func (e *svcEnv) app(t *testing.T, id string) *trial.Application {
	t.Helper()
	var app *trial.Application
	err := e.store.View(svcCtx, func(tx workflow.ReadTx) error {
		var err error
		app, err = tx.Application(id)
		return err
	})
	if err != nil {
		t.Fatalf("read application %s: got error %v, want nil", id, err)
	}
	return app
}

// exists reports whether the case is stored.
func (e *svcEnv) exists(t *testing.T, id string) bool {
	t.Helper()
	var found bool
	err := e.store.View(svcCtx, func(tx workflow.ReadTx) error {
		_, err := tx.Application(id)
		if errors.Is(err, trial.ErrNotFound) {
			return nil
		}
		found = err == nil
		return err
	})
	if err != nil {
		t.Fatalf("read application %s: got error %v, want nil", id, err)
	}
	return found
}

func (e *svcEnv) consultations(t *testing.T, id string) []*trial.Consultation {
	t.Helper()
	var cons []*trial.Consultation
	err := e.store.View(svcCtx, func(tx workflow.ReadTx) error {
		var err error
		cons, err = tx.Consultations(id)
		return err
	})
	if err != nil {
		t.Fatalf("read consultations of %s: got error %v, want nil", id, err)
	}
	return cons
}

func (e *svcEnv) openConsultation(t *testing.T, id, ministry string) *trial.Consultation {
	t.Helper()
	for _, c := range e.consultations(t, id) {
		if c.Ministry == ministry && c.State == trial.ConsultationRequested {
			return c
		}
	}
	t.Fatalf("case %s has no open consultation with %s", id, ministry)
	return nil
}

// events returns the case's history from the store, deleted drafts' included.
func (e *svcEnv) events(t *testing.T, id string) []*trial.Event {
	t.Helper()
	var evs []*trial.Event
	err := e.store.View(svcCtx, func(tx workflow.ReadTx) error {
		var err error
		evs, err = tx.ListEvents(id, 0, 10000)
		return err
	})
	if err != nil {
		t.Fatalf("list events of %s: got error %v, want nil", id, err)
	}
	return evs
}

func (e *svcEnv) lastEvent(t *testing.T, id string) *trial.Event {
	t.Helper()
	evs := e.events(t, id)
	if len(evs) == 0 {
		t.Fatalf("case %s has no events", id)
	}
	return evs[len(evs)-1]
}

// allEvents returns every event of every case and every call for applications ever
// created, in sequence order. Ids are allocated per year without gaps, and every created
// case has its create event (deleted drafts too), as every call has, so they are found
// by counting up each year's ids; a call's events are in its own chain (calls/{id}).
func (e *svcEnv) allEvents(t *testing.T) []*trial.Event {
	t.Helper()
	var all []*trial.Event
	for year := svcStart.Year(); year <= e.clock.Now().Year(); year++ {
		for _, key := range []func(int) string{
			func(n int) string { return fmt.Sprintf("%04d-%06d", year, n) },
			func(n int) string { return trial.CallName(trial.FormatCallID(year, uint64(n))) },
		} {
			for n := 1; ; n++ {
				evs := e.events(t, key(n))
				if len(evs) == 0 {
					break
				}
				all = append(all, evs...)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Sequence < all[j].Sequence })
	return all
}

// checkSequence fails unless the events of all cases are numbered 1…N without gaps.
func (e *svcEnv) checkSequence(t *testing.T) {
	t.Helper()
	for i, ev := range e.allEvents(t) {
		if ev.Sequence != uint64(i+1) {
			t.Fatalf("event %d of all cases: got sequence %d, want %d (a gap or a duplicate)", i, ev.Sequence, i+1)
		}
	}
}

// svcSnap is what an action may change: a refused action changes none of it.
type svcSnap struct {
	exists        bool
	state         trial.State
	revision      uint64
	etag          string
	events        int
	total         int
	consultations string
	application   string
}

func (e *svcEnv) snapshot(t *testing.T, id string) svcSnap {
	t.Helper()
	return e.snapshotWith(t, id, len(e.allEvents(t)))
}

// snapshotWith is snapshot given the number of all events, for a caller that snapshots
// many cases at once.
func (e *svcEnv) snapshotWith(t *testing.T, id string, total int) svcSnap {
	t.Helper()
	s := svcSnap{exists: e.exists(t, id), events: len(e.events(t, id)), total: total}
	if s.exists {
		app := e.app(t, id)
		s.state, s.revision, s.etag, s.application = app.State, app.Revision, trial.Etag(app), svcJSON(t, app)
		s.consultations = svcJSON(t, e.consultations(t, id))
	}
	return s
}

func svcJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return string(b)
}

// svcWantErr fails unless err is a *trial.Error with code, naming reason (if given) and
// every rule in rules among its violations. It returns the error.
func svcWantErr(t *testing.T, err error, code trial.Code, reason string, rules ...string) *trial.Error {
	t.Helper()
	return trialtest.WantErr(t, err, code, reason, rules...)
}

// svcCheckEvent checks an event's action, states, actor and time.
func svcCheckEvent(t *testing.T, ev *trial.Event, action trial.Action, from, to trial.State, actor trial.Actor, now time.Time) {
	t.Helper()
	if ev.Action != action || ev.FromState != from || ev.ToState != to {
		t.Errorf("event: got %s %q → %q, want %s %q → %q", ev.Action, ev.FromState, ev.ToState, action, from, to)
	}
	if ev.Actor != actor {
		t.Errorf("event actor: got %+v, want %+v", ev.Actor, actor)
	}
	if !ev.Time.Equal(now) {
		t.Errorf("event time: got %s, want %s", ev.Time, now)
	}
}

// svcActionCase is one call of an action on a case driven to state. Cases whose name
// starts with "OK" must succeed, all others must fail with code and write nothing.
type svcActionCase struct {
	name  string
	in    func() *trial.Application // the case's fixture; nil means svcFixture
	state trial.State               // svcDrive the case here first
	setup func(t *testing.T, e *svcEnv, app *trial.Application)
	actor trial.Actor
	etag  string
	do    func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error)

	// For OK cases: the event's action and the case's new state (StateNone: deleted),
	// and further checks of the stored case before and after and the answer.
	action trial.Action
	to     trial.State
	check  func(t *testing.T, e *svcEnv, before, after *trial.Application, got any)

	// For Err cases.
	code   trial.Code
	reason string
	rules  []string
}

// svcRunActions runs the cases, each on a new store.
func svcRunActions(t *testing.T, cases []svcActionCase) {
	t.Helper()
	for _, tc := range cases {
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
			before := e.app(t, app.ID)
			snap := e.snapshot(t, app.ID)
			got, err := tc.do(e, workflow.Call{Actor: tc.actor, Etag: tc.etag}, before)

			if !strings.HasPrefix(tc.name, "OK") {
				svcWantErr(t, err, tc.code, tc.reason, tc.rules...)
				if after := e.snapshot(t, app.ID); after != snap {
					t.Errorf("a refused action wrote:\ngot  %+v\nwant %+v", after, snap)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			now := e.clock.Now()
			after := e.snapshot(t, app.ID)
			if after.events != snap.events+1 || after.total != snap.total+1 {
				t.Errorf("events: got %d of the case and %d in all, want %d and %d (exactly one appended)",
					after.events, after.total, snap.events+1, snap.total+1)
			}
			svcCheckEvent(t, e.lastEvent(t, app.ID), tc.action, snap.state, tc.to, tc.actor, now)
			e.checkSequence(t)
			var stored *trial.Application
			if tc.to == trial.StateNone {
				if after.exists {
					t.Errorf("case %s still exists after delete", app.ID)
				}
			} else {
				stored = e.app(t, app.ID)
				if stored.State != tc.to {
					t.Errorf("state: got %s, want %s", stored.State, tc.to)
				}
				if stored.Revision != before.Revision+1 {
					t.Errorf("revision: got %d, want %d", stored.Revision, before.Revision+1)
				}
				if !stored.UpdateTime.Equal(now) {
					t.Errorf("update time: got %s, want %s", stored.UpdateTime, now)
				}
				if a, ok := got.(*trial.Application); ok && svcJSON(t, a) != svcJSON(t, stored) {
					t.Errorf("answer differs from the stored case:\ngot  %s\nwant %s", svcJSON(t, a), svcJSON(t, stored))
				}
			}
			if tc.check != nil {
				tc.check(t, e, before, stored, got)
			}
		})
	}
}

// ---------------------------------------------------------------------------------
// Actions
