package trial_test

// Service-level tests: every action runs on the real bbolt store (internal/boltstore) in
// t.TempDir(), checked for consistency in t.Cleanup, with an injected clock. Cases reach
// the state a test starts from through the real actions (svcDrive), never by writing the
// store directly.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/trial"
)

// svcOslo is the calendar the law's dates are read in.
var svcOslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return loc
}()

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
	svcRegulation  = "FOR-2026-06-20-1234"
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

// svcClock is the injected clock of the service and the store.
type svcClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *svcClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *svcClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// AdvanceTo moves the clock to t unless it is already later.
func (c *svcClock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

// svcEnv is one service on its own store.
type svcEnv struct {
	svc   *trial.Service
	store *boltstore.Store
	clock *svcClock
}

// svcSetup returns a service on a new store in t.TempDir(); Cleanup checks the store's
// consistency (indexes, gap-free event sequence) and closes it.
func svcSetup(t *testing.T) *svcEnv {
	t.Helper()
	clock := &svcClock{now: svcStart}
	// The store judges request records' age by its own clock: it must be the test's.
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "forsok.db"), boltstore.Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("boltstore.Open: got error %v, want nil", err)
	}
	t.Cleanup(func() {
		if err := store.Check(); err != nil {
			t.Errorf("store.Check: got %v, want nil", err)
		}
		if err := store.Close(); err != nil {
			t.Errorf("store.Close: got %v, want nil", err)
		}
	})
	svc, err := trial.NewService(store, trial.DefaultReference())
	if err != nil {
		t.Fatalf("NewService: got error %v, want nil", err)
	}
	svc.Now = clock.Now
	return &svcEnv{svc: svc, store: store, clock: clock}
}

// svcCouncil returns a council decision taken before the test clock's start.
func svcCouncil(body string) *trial.CouncilDecision {
	return &trial.CouncilDecision{Body: body, CaseReference: "2025/311", MeetingDate: "2025-06-12"}
}

// svcFixture returns a complete, valid application of Indre Østfold kommune: one
// exemption from the Education Act owned by KD, a planned period of three years from a
// start after the test clock.
func svcFixture() *trial.Application {
	return &trial.Application{
		Title:   "Vurdering uten karakter i ett eller flere fag på 8. trinn",
		Summary: "Elevene på 8. trinn får underveisvurdering uten karakter i utvalgte fag.",
		Applicants: []trial.Applicant{{
			OrganisationNumber: svcLeadOrg, Name: "Indre Østfold kommune", Kind: trial.KindKommune,
			MunicipalityNumber: "3118", CouncilDecision: svcCouncil("Indre Østfold kommunestyre"),
		}},
		Category: trial.CategoryOrganisation,
		Purposes: []trial.Purpose{trial.PurposeServiceQuality},
		Exemptions: []trial.Exemption{{
			LawID: "LOV-2023-06-09-30", Section: "§ 15-4",
			CurrentRule:    "Elevene skal ha karakter i hvert fag fra 8. trinn.",
			ProposedRule:   "Ingen karakter i valgte fag på 8. trinn i forsøksperioden.",
			OwningMinistry: "KD",
		}},
		PlannedStart:        "2026-08-01",
		PlannedEnd:          "2029-07-31",
		EvaluationPlan:      "Følgeevaluering ved en uavhengig forskningsinstitusjon.",
		EmployeeInvolvement: "Drøftet med Utdanningsforbundet 2025-05-20.",
		DraftRegulation:     "Forskrift om forsøk med vurdering uten karakter, Indre Østfold kommune.",
	}
}

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

func svcCall(a trial.Actor) trial.Call { return trial.Call{Actor: a} }

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
	svcTry(e.svc.RecordPublication(svcCtx, svcCall(svcHandler), app.ID,
		trial.PublicationInput{RegulationID: svcRegulation, PublicationReference: svcPublication})).must(t)
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
	err := e.store.View(svcCtx, func(tx trial.ReadTx) error {
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
	err := e.store.View(svcCtx, func(tx trial.ReadTx) error {
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
	err := e.store.View(svcCtx, func(tx trial.ReadTx) error {
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
	err := e.store.View(svcCtx, func(tx trial.ReadTx) error {
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

// allEvents returns every event of every case ever created, in sequence order. Ids are
// allocated per year without gaps, and every created case has its create event (deleted
// drafts too), so the cases are found by counting up each year's ids.
func (e *svcEnv) allEvents(t *testing.T) []*trial.Event {
	t.Helper()
	var all []*trial.Event
	for year := svcStart.Year(); year <= e.clock.Now().Year(); year++ {
		for n := 1; ; n++ {
			evs := e.events(t, fmt.Sprintf("%04d-%06d", year, n))
			if len(evs) == 0 {
				break
			}
			all = append(all, evs...)
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

var svcCodeNames = map[trial.Code]string{
	trial.CodeInternal: "INTERNAL", trial.CodeInvalidArgument: "INVALID_ARGUMENT",
	trial.CodeFailedPrecondition: "FAILED_PRECONDITION", trial.CodeNotFound: "NOT_FOUND",
	trial.CodePermissionDenied: "PERMISSION_DENIED", trial.CodeAborted: "ABORTED",
	trial.CodeUnauthenticated: "UNAUTHENTICATED", trial.CodeResourceExhausted: "RESOURCE_EXHAUSTED",
}

// svcWantErr fails unless err is a *trial.Error with code, naming reason (if given) and
// every rule in rules among its violations. It returns the error.
func svcWantErr(t *testing.T, err error, code trial.Code, reason string, rules ...string) *trial.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want %s", svcCodeNames[code])
	}
	var e *trial.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %T %v, want a *trial.Error with %s", err, err, svcCodeNames[code])
	}
	if e.Code != code {
		t.Fatalf("got %s (%v), want %s", svcCodeNames[e.Code], err, svcCodeNames[code])
	}
	if reason != "" && !slices.ContainsFunc(e.Violations, func(v trial.Violation) bool { return v.Reason == reason }) {
		t.Fatalf("got violations %+v, want one with reason %s", e.Violations, reason)
	}
	for _, r := range rules {
		if !slices.ContainsFunc(e.Violations, func(v trial.Violation) bool { return v.Rule == r }) {
			t.Errorf("got violations %+v, want one of rule %s", e.Violations, r)
		}
	}
	return e
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
	do    func(e *svcEnv, c trial.Call, app *trial.Application) (any, error)

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
			got, err := tc.do(e, trial.Call{Actor: tc.actor, Etag: tc.etag}, before)

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

func svcUpdate(in *trial.Application, mask ...string) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
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
			actor: svcLead, do: func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
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
			do: func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
				in := svcJointFixture()
				in.Applicants[1].CouncilDecision = svcCouncil("Råde kommunestyre")
				return e.svc.UpdateApplication(svcCtx, c, app.ID, in, []string{"applicants"})
			}, code: trial.CodeInvalidArgument, reason: "COUNCIL_DECISION_NOT_YOURS", rules: []string{"R8"}},
		{name: "ErrCoApplicantCouncilDecisionChanged", in: svcJointFixture, state: trial.StateDraft, setup: svcConfirmCo, actor: svcLead,
			do: func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
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

func svcDelete(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
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
		{name: "ErrNoSuchCase", state: trial.StateDraft, actor: svcLead, do: func(e *svcEnv, c trial.Call, _ *trial.Application) (any, error) {
			return nil, e.svc.DeleteApplication(svcCtx, c, "2026-000099")
		}, code: trial.CodeNotFound},
		{name: "ErrStaleEtag", state: trial.StateDraft, actor: svcLead, etag: "7", do: svcDelete, code: trial.CodeAborted},
	})
}

func svcConfirm(org string, cd *trial.CouncilDecision) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
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

func svcSubmit(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
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

func svcWithdraw(reason string) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
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

func svcAssign(handler trial.Person) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.AssignApplication(svcCtx, c, app.ID, handler, "tar saken")
	}
}

func TestService_AssignApplication(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateSubmitted, actor: svcHandler, do: svcAssign(trial.Person{}),
			action: trial.ActionAssign, to: trial.StateInReview,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if h := after.AssignedHandler; h == nil || *h != svcHandler.Person() {
					t.Errorf("handler: got %+v, want the caller %+v", h, svcHandler.Person())
				}
			}},
		{name: "OKNamedHandler", state: trial.StateSubmitted, actor: svcApprover, do: svcAssign(trial.Person{Subject: "kdd-per", Name: "Per Handler"}),
			action: trial.ActionAssign, to: trial.StateInReview,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				want := trial.Person{Subject: "kdd-per", Name: "Per Handler", OrganisationNumber: svcKDDOrg}
				if h := after.AssignedHandler; h == nil || *h != want {
					t.Errorf("handler: got %+v, want %+v", h, want)
				}
			}},
		{name: "OKReassignInConsultation", state: trial.StateInConsultation, actor: svcHandler2, do: svcAssign(trial.Person{}),
			action: trial.ActionAssign, to: trial.StateInConsultation,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if h := after.AssignedHandler; h == nil || h.Subject != svcHandler2.Subject {
					t.Errorf("handler: got %+v, want %s", h, svcHandler2.Subject)
				}
			}},
		{name: "ErrHandlerRequired", state: trial.StateSubmitted, actor: trial.Actor{OrganisationNumber: svcKDDOrg, Role: trial.RoleKDDHandler},
			do: svcAssign(trial.Person{}), code: trial.CodeInvalidArgument, reason: "HANDLER_REQUIRED"},
		{name: "ErrMunicipality", state: trial.StateSubmitted, actor: svcLead, do: svcAssign(trial.Person{}), code: trial.CodePermissionDenied},
		{name: "ErrMinistry", state: trial.StateInConsultation, actor: svcKD, do: svcAssign(trial.Person{}), code: trial.CodePermissionDenied},
		{name: "ErrSystem", state: trial.StateSubmitted, actor: svcSystem, do: svcAssign(trial.Person{}), code: trial.CodePermissionDenied},
		{name: "ErrDraft", state: trial.StateDraft, actor: svcHandler, do: svcAssign(trial.Person{}), code: trial.CodeNotFound},
		{name: "ErrApproved", state: trial.StateApproved, actor: svcHandler, do: svcAssign(trial.Person{}),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcInterim(in trial.InterimReplyInput) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.RecordInterimReply(svcCtx, c, app.ID, in)
	}
}

func TestService_RecordInterimReply(t *testing.T) {
	reply := trial.InterimReplyInput{Text: "Vi regner med å avgjøre saken innen juni.", ExpectedDecisionDate: "2026-06-30"}
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateInReview, actor: svcHandler, do: svcInterim(reply),
			action: trial.ActionRecordInterimReply, to: trial.StateInReview,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				want := []trial.InterimReply{{Text: reply.Text, ExpectedDecisionDate: reply.ExpectedDecisionDate, Author: svcHandler.Person(), Time: e.clock.Now().UTC()}}
				if svcJSON(t, after.InterimReplies) != svcJSON(t, want) {
					t.Errorf("interim replies: got %+v, want %+v", after.InterimReplies, want)
				}
			}},
		{name: "OKSubmitted", state: trial.StateSubmitted, actor: svcApprover, do: svcInterim(reply),
			action: trial.ActionRecordInterimReply, to: trial.StateSubmitted},
		{name: "OKInConsultation", state: trial.StateInConsultation, actor: svcHandler, do: svcInterim(reply),
			action: trial.ActionRecordInterimReply, to: trial.StateInConsultation},
		{name: "ErrTextMissing", state: trial.StateInReview, actor: svcHandler, do: svcInterim(trial.InterimReplyInput{}),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrMunicipality", state: trial.StateInReview, actor: svcLead, do: svcInterim(reply), code: trial.CodePermissionDenied},
		{name: "ErrApproved", state: trial.StateApproved, actor: svcHandler, do: svcInterim(reply),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcRequestChanges(q string) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.RequestChanges(svcCtx, c, app.ID, q)
	}
}

func TestService_RequestChanges(t *testing.T) {
	q := "Hvilke fag gjelder forsøket?"
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateInReview, actor: svcHandler, do: svcRequestChanges(q),
			action: trial.ActionRequestChanges, to: trial.StateChangesRequested,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if n := len(after.ChangeRequests); n != 1 || after.ChangeRequests[0].Questions != q || after.ChangeRequests[0].RequestedBy != svcHandler.Person() {
					t.Errorf("change requests: got %+v, want one with the questions by the handler", after.ChangeRequests)
				}
			}},
		{name: "OKReadyForDecision", state: trial.StateReadyForDecision, actor: svcApprover, do: svcRequestChanges(q),
			action: trial.ActionRequestChanges, to: trial.StateChangesRequested},
		{name: "ErrQuestionsMissing", state: trial.StateInReview, actor: svcHandler, do: svcRequestChanges(""),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrMunicipality", state: trial.StateInReview, actor: svcLead, do: svcRequestChanges(q), code: trial.CodePermissionDenied},
		{name: "ErrSubmitted", state: trial.StateSubmitted, actor: svcHandler, do: svcRequestChanges(q),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcConsult(in trial.ConsultationInput) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.CreateConsultation(svcCtx, c, app.ID, in)
	}
}

// svcWantConsultation checks the answer of a consultation action against the stored
// consultation.
func svcWantConsultation(t *testing.T, e *svcEnv, appID string, got any) *trial.Consultation {
	t.Helper()
	c, ok := got.(*trial.Consultation)
	if !ok || c == nil {
		t.Fatalf("answer: got %T, want *trial.Consultation", got)
	}
	for _, s := range e.consultations(t, appID) {
		if s.ID == c.ID {
			if svcJSON(t, s) != svcJSON(t, c) {
				t.Errorf("answer differs from the stored consultation:\ngot  %s\nwant %s", svcJSON(t, c), svcJSON(t, s))
			}
			return s
		}
	}
	t.Fatalf("consultation %s is not stored", c.ID)
	return nil
}

func TestService_CreateConsultation(t *testing.T) {
	kd := trial.ConsultationInput{Ministry: "KD", Question: "Har KD merknader?", DueWorkingDays: 5}
	svcRunActions(t, []svcActionCase{
		{name: "OKDueWorkingDaysSkipEaster", state: trial.StateInReview, setup: func(t *testing.T, e *svcEnv, _ *trial.Application) {
			// Monday 30 March 2026, 00:30 in Oslo, still Sunday in UTC. Easter:
			// 2 (Maundy Thursday), 3 (Good Friday) and 6 April (Easter Monday).
			e.clock.Set(time.Date(2026, 3, 30, 0, 30, 0, 0, svcOslo))
		}, actor: svcHandler, do: svcConsult(kd), action: trial.ActionOpenConsultation, to: trial.StateInConsultation,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, got any) {
				c := svcWantConsultation(t, e, after.ID, got)
				if c.DueDate != "2026-04-09" {
					t.Errorf("due date: got %s, want 2026-04-09 (5 working days from Monday 30 March in Oslo, skipping Easter)", c.DueDate)
				}
				if c.ID != "1" || c.Ministry != "KD" || c.State != trial.ConsultationRequested || c.RequestedBy != svcHandler.Person() || c.Question != kd.Question {
					t.Errorf("consultation: got %+v, want 1 to KD, REQUESTED, by the handler", c)
				}
				if ev := e.lastEvent(t, after.ID); ev.ConsultationID != "1" {
					t.Errorf("event consultation: got %q, want 1", ev.ConsultationID)
				}
			}},
		{name: "OKDueDate", state: trial.StateInReview, actor: svcHandler,
			do:     svcConsult(trial.ConsultationInput{Ministry: "KD", Question: "Merknader?", DueDate: "2026-04-15"}),
			action: trial.ActionOpenConsultation, to: trial.StateInConsultation,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, got any) {
				if c := svcWantConsultation(t, e, after.ID, got); c.DueDate != "2026-04-15" {
					t.Errorf("due date: got %s, want 2026-04-15", c.DueDate)
				}
			}},
		{name: "OKFromReadyForDecision", state: trial.StateReadyForDecision, actor: svcApprover,
			do:     svcConsult(trial.ConsultationInput{Ministry: "HOD", Question: "Merknader?", DueWorkingDays: 10}),
			action: trial.ActionOpenConsultation, to: trial.StateInConsultation,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, got any) {
				if c := svcWantConsultation(t, e, after.ID, got); c.ID != "2" || c.Ministry != "HOD" {
					t.Errorf("consultation: got %s to %s, want 2 to HOD", c.ID, c.Ministry)
				}
			}},
		{name: "OKDefaultDueWorkingDays", state: trial.StateInReview, actor: svcHandler,
			do:     svcConsult(trial.ConsultationInput{Ministry: "KD", Question: "Merknader?"}),
			action: trial.ActionOpenConsultation, to: trial.StateInConsultation,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, got any) {
				// 15 working days from Monday 2 March 2026: no holidays in between.
				if c := svcWantConsultation(t, e, after.ID, got); c.DueDate != "2026-03-23" {
					t.Errorf("due date: got %s, want 2026-03-23 (the default 15 working days)", c.DueDate)
				}
			}},
		{name: "OKAnotherMinistry", state: trial.StateInConsultation, actor: svcHandler,
			do:     svcConsult(trial.ConsultationInput{Ministry: "HOD", Question: "Merknader?", DueWorkingDays: 10}),
			action: trial.ActionOpenConsultation, to: trial.StateInConsultation},
		{name: "ErrAlreadyOpen", state: trial.StateInConsultation, actor: svcHandler, do: svcConsult(kd),
			code: trial.CodeFailedPrecondition, reason: "CONSULTATION_ALREADY_OPEN", rules: []string{"R10"}},
		{name: "ErrDueDateToday", state: trial.StateInReview, actor: svcHandler,
			do:   svcConsult(trial.ConsultationInput{Ministry: "KD", Question: "Merknader?", DueDate: "2026-03-02"}),
			code: trial.CodeFailedPrecondition, reason: "DUE_DATE_NOT_IN_FUTURE"},
		{name: "ErrUnknownMinistry", state: trial.StateInReview, actor: svcHandler,
			do:   svcConsult(trial.ConsultationInput{Ministry: "XYZ", Question: "Merknader?", DueWorkingDays: 5}),
			code: trial.CodeInvalidArgument, reason: "UNKNOWN_MINISTRY"},
		{name: "ErrBothDueDates", state: trial.StateInReview, actor: svcHandler,
			do:   svcConsult(trial.ConsultationInput{Ministry: "KD", Question: "Merknader?", DueDate: "2026-04-15", DueWorkingDays: 5}),
			code: trial.CodeInvalidArgument, reason: "MUTUALLY_EXCLUSIVE"},
		{name: "ErrMunicipality", state: trial.StateInReview, actor: svcLead, do: svcConsult(kd), code: trial.CodePermissionDenied},
		{name: "ErrSubmitted", state: trial.StateSubmitted, actor: svcHandler, do: svcConsult(kd),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

// svcAddHOD opens a second consultation, with HOD, on a case in consultation with KD.
func svcAddHOD(t *testing.T, e *svcEnv, app *trial.Application) {
	t.Helper()
	svcTry(e.svc.CreateConsultation(svcCtx, svcCall(svcHandler), app.ID, trial.ConsultationInput{Ministry: "HOD", Question: "Merknader?", DueWorkingDays: 10})).must(t)
}

func svcRespond(cid string, in trial.ResponseInput) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.RespondToConsultation(svcCtx, c, app.ID, cid, in)
	}
}

func TestService_RespondToConsultation(t *testing.T) {
	supports := trial.ResponseInput{Position: trial.PositionSupports, Statement: "KD støtter forsøket."}
	svcRunActions(t, []svcActionCase{
		{name: "OKLastMovesToReadyForDecision", state: trial.StateInConsultation, actor: svcKD, do: svcRespond("1", supports),
			action: trial.ActionRespondToConsultation, to: trial.StateReadyForDecision,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, got any) {
				c := svcWantConsultation(t, e, after.ID, got)
				want := trial.ConsultationResponse{Position: trial.PositionSupports, Statement: supports.Statement, Responder: svcKD.Person(), Time: e.clock.Now().UTC()}
				if c.State != trial.ConsultationAnswered || c.Response == nil || svcJSON(t, *c.Response) != svcJSON(t, want) {
					t.Errorf("consultation: got %s %+v, want ANSWERED %+v", c.State, c.Response, want)
				}
				if ev := e.lastEvent(t, after.ID); ev.ConsultationID != "1" {
					t.Errorf("event consultation: got %q, want 1", ev.ConsultationID)
				}
			}},
		{name: "OKNotLastStaysInConsultation", state: trial.StateInConsultation, setup: svcAddHOD, actor: svcKD,
			do: svcRespond("1", supports), action: trial.ActionRespondToConsultation, to: trial.StateInConsultation},
		{name: "OKNoCommentWithoutStatement", state: trial.StateInConsultation, actor: svcKD,
			do:     svcRespond("1", trial.ResponseInput{Position: trial.PositionNoComment}),
			action: trial.ActionRespondToConsultation, to: trial.StateReadyForDecision},
		{name: "ErrNotConsulted", state: trial.StateInConsultation, actor: svcHOD, do: svcRespond("1", supports), code: trial.CodeNotFound},
		{name: "ErrAnotherMinistrysConsultation", state: trial.StateInConsultation, setup: svcAddHOD, actor: svcHOD,
			do: svcRespond("1", supports), code: trial.CodeNotFound},
		{name: "ErrNoSuchConsultation", state: trial.StateInConsultation, actor: svcKD, do: svcRespond("9", supports), code: trial.CodeNotFound},
		{name: "ErrKDD", state: trial.StateInConsultation, actor: svcHandler, do: svcRespond("1", supports), code: trial.CodePermissionDenied},
		{name: "ErrStatementMissing", state: trial.StateInConsultation, actor: svcKD,
			do: svcRespond("1", trial.ResponseInput{Position: trial.PositionObjects}), code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrAlreadyAnswered", state: trial.StateInConsultation, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcAddHOD(t, e, app)
			svcTry(e.svc.RespondToConsultation(svcCtx, svcCall(svcKD), app.ID, "1", supports)).must(t)
		}, actor: svcKD, do: svcRespond("1", supports), code: trial.CodeFailedPrecondition, reason: "CONSULTATION_NOT_OPEN"},
		{name: "ErrReadyForDecision", state: trial.StateReadyForDecision, actor: svcKD, do: svcRespond("1", supports),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcCancel(cid, reason string) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.CancelConsultation(svcCtx, c, app.ID, cid, reason)
	}
}

func TestService_CancelConsultation(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OKLastMovesToReadyForDecision", state: trial.StateInConsultation, actor: svcHandler, do: svcCancel("1", "Ikke lenger nødvendig."),
			action: trial.ActionCancelConsultation, to: trial.StateReadyForDecision,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, got any) {
				if c := svcWantConsultation(t, e, after.ID, got); c.State != trial.ConsultationCancelled || c.CancelReason != "Ikke lenger nødvendig." {
					t.Errorf("consultation: got %s %q, want CANCELLED with the reason", c.State, c.CancelReason)
				}
			}},
		{name: "OKNotLastStaysInConsultation", state: trial.StateInConsultation, setup: svcAddHOD, actor: svcHandler,
			do: svcCancel("2", "Feil departement."), action: trial.ActionCancelConsultation, to: trial.StateInConsultation},
		{name: "OKLastAfterAnswer", state: trial.StateInConsultation, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcAddHOD(t, e, app)
			svcTry(e.svc.RespondToConsultation(svcCtx, svcCall(svcKD), app.ID, "1", trial.ResponseInput{Position: trial.PositionSupports, Statement: "Ja."})).must(t)
			if got := e.app(t, app.ID).State; got != trial.StateInConsultation {
				t.Fatalf("after the first answer: got %s, want IN_CONSULTATION while HOD is open", got)
			}
		}, actor: svcApprover, do: svcCancel("2", "Feil departement."), action: trial.ActionCancelConsultation, to: trial.StateReadyForDecision},
		{name: "ErrReasonMissing", state: trial.StateInConsultation, actor: svcHandler, do: svcCancel("1", ""),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrNotOpen", state: trial.StateInConsultation, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcAddHOD(t, e, app)
			svcTry(e.svc.RespondToConsultation(svcCtx, svcCall(svcKD), app.ID, "1", trial.ResponseInput{Position: trial.PositionSupports, Statement: "Ja."})).must(t)
		}, actor: svcHandler, do: svcCancel("1", "Feil."), code: trial.CodeFailedPrecondition, reason: "CONSULTATION_NOT_OPEN"},
		{name: "ErrMinistry", state: trial.StateInConsultation, actor: svcKD, do: svcCancel("1", "Feil."), code: trial.CodePermissionDenied},
		{name: "ErrMunicipality", state: trial.StateInConsultation, actor: svcLead, do: svcCancel("1", "Feil."), code: trial.CodePermissionDenied},
	})
}

func svcApprove(in func(app *trial.Application) trial.ApproveInput) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.ApproveApplication(svcCtx, c, app.ID, in(app))
	}
}

// svcObjects has KD answer its open consultation with an objection.
func svcObjects(t *testing.T, e *svcEnv, app *trial.Application) {
	t.Helper()
	svcTry(e.svc.RespondToConsultation(svcCtx, svcCall(svcKD), app.ID, "1", trial.ResponseInput{Position: trial.PositionObjects, Statement: "KD fraråder forsøket."})).must(t)
}

func TestService_ApproveApplication(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateReadyForDecision, actor: svcApprover, do: svcApprove(svcApproveInput),
			action: trial.ActionApprove, to: trial.StateApproved,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				want := &trial.Decision{Approved: true, ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31",
					Reasons: "Forsøket er innenfor forsøksloven.", Authority: svcAuthority, DecidedBy: svcApprover.Person(), DecideTime: e.clock.Now().UTC()}
				if svcJSON(t, after.Decision) != svcJSON(t, want) {
					t.Errorf("decision (R11): got %s, want %s", svcJSON(t, after.Decision), svcJSON(t, want))
				}
			}},
		{name: "OKWithPublication", state: trial.StateReadyForDecision, actor: svcApprover,
			do: svcApprove(func(app *trial.Application) trial.ApproveInput {
				in := svcApproveInput(app)
				in.RegulationID, in.PublicationReference = svcRegulation, svcPublication
				return in
			}), action: trial.ActionApprove, to: trial.StateApproved,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if d := after.Decision; d.RegulationID != svcRegulation || d.PublicationReference != svcPublication {
					t.Errorf("publication: got %q %q, want it recorded at approval (R9)", d.RegulationID, d.PublicationReference)
				}
			}},
		{name: "OKFromInReviewWhenOnlyKDDsRules", in: svcKDDOwnFixture, state: trial.StateInReview, actor: svcApprover,
			do: svcApprove(svcApproveInput), action: trial.ActionApprove, to: trial.StateApproved},
		{name: "OKObjectionAnswered", state: trial.StateInConsultation, setup: svcObjects, actor: svcApprover,
			do: svcApprove(func(app *trial.Application) trial.ApproveInput {
				in := svcApproveInput(app)
				in.ObjectionResponse = "Forsøket evalueres nøye; KDs innvending er vurdert."
				return in
			}), action: trial.ActionApprove, to: trial.StateApproved,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if after.Decision.ObjectionResponse == "" {
					t.Errorf("objection response: got none, want it recorded with the decision (R10)")
				}
			}},
		{name: "ErrInReviewNeedsConsultation", state: trial.StateInReview, actor: svcApprover, do: svcApprove(svcApproveInput),
			code: trial.CodeFailedPrecondition, reason: "CONSULTATION_MISSING", rules: []string{"R10"}},
		{name: "ErrObjectionNotAnswered", state: trial.StateInConsultation, setup: svcObjects, actor: svcApprover,
			do: svcApprove(svcApproveInput), code: trial.CodeFailedPrecondition, reason: "OBJECTION_NOT_ANSWERED", rules: []string{"R10"}},
		{name: "ErrPeriodTooLong", state: trial.StateReadyForDecision, actor: svcApprover,
			do: svcApprove(func(app *trial.Application) trial.ApproveInput {
				in := svcApproveInput(app)
				in.ApprovedEnd = "2030-08-01"
				return in
			}), code: trial.CodeFailedPrecondition, reason: "TRIAL_PERIOD_TOO_LONG", rules: []string{"R6"}},
		{name: "ErrReasonsMissing", state: trial.StateReadyForDecision, actor: svcApprover,
			do: svcApprove(func(app *trial.Application) trial.ApproveInput {
				in := svcApproveInput(app)
				in.Reasons = ""
				return in
			}), code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrHandler", state: trial.StateReadyForDecision, actor: svcHandler, do: svcApprove(svcApproveInput), code: trial.CodePermissionDenied},
		{name: "ErrMinistry", state: trial.StateReadyForDecision, actor: svcKD, do: svcApprove(svcApproveInput), code: trial.CodePermissionDenied},
		{name: "ErrSubmitted", state: trial.StateSubmitted, actor: svcApprover, do: svcApprove(svcApproveInput),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcReject(in trial.RejectInput) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.RejectApplication(svcCtx, c, app.ID, in)
	}
}

func TestService_RejectApplication(t *testing.T) {
	in := trial.RejectInput{ReasonCodes: []trial.RejectReason{trial.RejectTooVague, trial.RejectOutsideAct}, Reasons: "For vag."}
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateInReview, actor: svcApprover, do: svcReject(in), action: trial.ActionReject, to: trial.StateRejected,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				want := &trial.Decision{Reasons: in.Reasons, ReasonCodes: in.ReasonCodes, Authority: svcAuthority, DecidedBy: svcApprover.Person(), DecideTime: e.clock.Now().UTC()}
				if svcJSON(t, after.Decision) != svcJSON(t, want) {
					t.Errorf("decision (R11): got %s, want %s", svcJSON(t, after.Decision), svcJSON(t, want))
				}
			}},
		{name: "OKChangesRequested", state: trial.StateChangesRequested, actor: svcApprover, do: svcReject(in), action: trial.ActionReject, to: trial.StateRejected},
		{name: "OKReadyForDecision", state: trial.StateReadyForDecision, actor: svcApprover, do: svcReject(in), action: trial.ActionReject, to: trial.StateRejected},
		{name: "ErrReasonCodesMissing", state: trial.StateInReview, actor: svcApprover, do: svcReject(trial.RejectInput{Reasons: "Nei."}),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrHandler", state: trial.StateInReview, actor: svcHandler, do: svcReject(in), code: trial.CodePermissionDenied},
		{name: "ErrApproved", state: trial.StateApproved, actor: svcApprover, do: svcReject(in),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcPublish(in trial.PublicationInput) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.RecordPublication(svcCtx, c, app.ID, in)
	}
}

func TestService_RecordPublication(t *testing.T) {
	in := trial.PublicationInput{RegulationID: svcRegulation, PublicationReference: svcPublication}
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateApproved, actor: svcHandler, do: svcPublish(in), action: trial.ActionRecordPublication, to: trial.StateApproved,
			check: func(t *testing.T, _ *svcEnv, before, after *trial.Application, _ any) {
				want := *before.Decision
				want.RegulationID, want.PublicationReference = svcRegulation, svcPublication
				if svcJSON(t, after.Decision) != svcJSON(t, &want) {
					t.Errorf("decision: got %s, want %s", svcJSON(t, after.Decision), svcJSON(t, &want))
				}
			}},
		{name: "OKActive", state: trial.StateActive, actor: svcApprover,
			do:     svcPublish(trial.PublicationInput{RegulationID: "FOR-2026-09-01-1500", PublicationReference: "Norsk Lovtidend 2026 nr. 1500"}),
			action: trial.ActionRecordPublication, to: trial.StateActive},
		{name: "ErrNotARegulation", state: trial.StateApproved, actor: svcHandler,
			do:   svcPublish(trial.PublicationInput{RegulationID: "LOV-2026-06-20-12", PublicationReference: svcPublication}),
			code: trial.CodeInvalidArgument, reason: "INVALID_REGULATION_ID"},
		{name: "ErrMunicipality", state: trial.StateApproved, actor: svcLead, do: svcPublish(in), code: trial.CodePermissionDenied},
		{name: "ErrPublicCaller", state: trial.StateApproved, actor: svcPublic, do: svcPublish(in), code: trial.CodeUnauthenticated},
		{name: "ErrAdmin", state: trial.StateApproved, actor: svcAdmin, do: svcPublish(in), code: trial.CodePermissionDenied},
		{name: "ErrReadyForDecision", state: trial.StateReadyForDecision, actor: svcHandler, do: svcPublish(in),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcActivate(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return e.svc.ActivateTrial(svcCtx, c, app.ID, "startdato nådd")
}

// svcPublished records the regulation's publication and moves the clock to the start.
func svcPublished(t *testing.T, e *svcEnv, app *trial.Application) {
	t.Helper()
	svcTry(e.svc.RecordPublication(svcCtx, svcCall(svcHandler), app.ID, trial.PublicationInput{RegulationID: svcRegulation, PublicationReference: svcPublication})).must(t)
	e.clock.Set(svcOsloDay(t, "2026-08-01"))
}

func TestService_ActivateTrial(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateApproved, setup: svcPublished, actor: svcHandler, do: svcActivate, action: trial.ActionActivate, to: trial.StateActive},
		{name: "OKScheduler", state: trial.StateApproved, setup: svcPublished, actor: svcSystem, do: svcActivate, action: trial.ActionActivate, to: trial.StateActive},
		{name: "OKStartDayInOslo", state: trial.StateApproved, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcPublished(t, e, app)
			e.clock.Set(time.Date(2026, 8, 1, 0, 15, 0, 0, svcOslo)) // still 31 July in UTC
		}, actor: svcSystem, do: svcActivate, action: trial.ActionActivate, to: trial.StateActive},
		{name: "ErrPublicationMissing", state: trial.StateApproved, setup: func(t *testing.T, e *svcEnv, _ *trial.Application) {
			e.clock.Set(svcOsloDay(t, "2026-08-01"))
		}, actor: svcSystem, do: svcActivate, code: trial.CodeFailedPrecondition, reason: "PUBLICATION_REFERENCE_MISSING", rules: []string{"R9"}},
		{name: "ErrStartNotReached", state: trial.StateApproved, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcPublished(t, e, app)
			e.clock.Set(time.Date(2026, 7, 31, 23, 45, 0, 0, svcOslo))
		}, actor: svcSystem, do: svcActivate, code: trial.CodeFailedPrecondition, reason: "START_DATE_NOT_REACHED"},
		{name: "ErrMunicipality", state: trial.StateApproved, setup: svcPublished, actor: svcLead, do: svcActivate, code: trial.CodePermissionDenied},
		{name: "ErrActive", state: trial.StateActive, actor: svcSystem, do: svcActivate,
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcRequestExtension(in trial.ExtensionRequestInput) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.RequestExtension(svcCtx, c, app.ID, in)
	}
}

func TestService_RequestExtension(t *testing.T) {
	with := func(edit func(*trial.ExtensionRequestInput)) trial.ExtensionRequestInput {
		in := svcExtensionRequest()
		edit(&in)
		return in
	}
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateActive, actor: svcLead, do: svcRequestExtension(svcExtensionRequest()),
			action: trial.ActionRequestExtension, to: trial.StateExtensionRequested,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				if n := len(after.Extensions); n != 1 {
					t.Fatalf("extensions: got %d, want 1", n)
				}
				x := after.Extensions[0]
				if x.State != trial.ExtensionRequested || x.RequestedEnd != "2030-07-31" || x.CouncilDecision == nil || !x.RequestTime.Equal(e.clock.Now()) {
					t.Errorf("extension: got %+v, want REQUESTED to 2030-07-31 with the council decision", x)
				}
				if got := trial.CurrentEnd(after); got != "2029-07-31" {
					t.Errorf("current end: got %s, want 2029-07-31 until granted", got)
				}
			}},
		{name: "OKTwoYears", state: trial.StateActive, actor: svcLead,
			do:     svcRequestExtension(with(func(in *trial.ExtensionRequestInput) { in.RequestedEnd = "2031-07-31" })),
			action: trial.ActionRequestExtension, to: trial.StateExtensionRequested},
		{name: "OKBeyondTwoYearsWithReform", state: trial.StateActive, actor: svcLead,
			do: svcRequestExtension(with(func(in *trial.ExtensionRequestInput) {
				in.RequestedEnd, in.ReformReference, in.ReformInForce = "2032-01-01", "Prop. 57 L (2030–2031)", "2032-01-01"
			})), action: trial.ActionRequestExtension, to: trial.StateExtensionRequested},
		{name: "ErrTooLong", state: trial.StateActive, actor: svcLead,
			do:   svcRequestExtension(with(func(in *trial.ExtensionRequestInput) { in.RequestedEnd = "2031-08-01" })),
			code: trial.CodeFailedPrecondition, reason: "EXTENSION_TOO_LONG", rules: []string{"R7"}},
		{name: "ErrBeyondReform", state: trial.StateActive, actor: svcLead,
			do: svcRequestExtension(with(func(in *trial.ExtensionRequestInput) {
				in.RequestedEnd, in.ReformReference, in.ReformInForce = "2032-01-02", "Prop. 57 L (2030–2031)", "2032-01-01"
			})), code: trial.CodeFailedPrecondition, reason: "EXTENSION_BEYOND_REFORM"},
		{name: "ErrNotAfterCurrentEnd", state: trial.StateActive, actor: svcLead,
			do:   svcRequestExtension(with(func(in *trial.ExtensionRequestInput) { in.RequestedEnd = "2029-07-31" })),
			code: trial.CodeFailedPrecondition, reason: "EXTENSION_END_NOT_AFTER_CURRENT_END"},
		{name: "ErrCouncilDecisionMissing", state: trial.StateActive, actor: svcLead,
			do:   svcRequestExtension(with(func(in *trial.ExtensionRequestInput) { in.CouncilDecision = nil })),
			code: trial.CodeInvalidArgument, reason: "COUNCIL_DECISION_MISSING"},
		{name: "ErrKDD", state: trial.StateActive, actor: svcApprover, do: svcRequestExtension(svcExtensionRequest()), code: trial.CodePermissionDenied},
		{name: "ErrApproved", state: trial.StateApproved, actor: svcLead, do: svcRequestExtension(svcExtensionRequest()),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcDecideExtension(in trial.ExtensionDecisionInput) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.DecideExtension(svcCtx, c, app.ID, in)
	}
}

func TestService_DecideExtension(t *testing.T) {
	grant := trial.ExtensionDecisionInput{Grant: true, ApprovedEnd: "2030-07-31", AmendingRegulationID: "FOR-2029-05-02-700", Reasons: "Mer tid trengs."}
	deny := trial.ExtensionDecisionInput{Reasons: "Ikke behov."}
	svcRunActions(t, []svcActionCase{
		{name: "OKGrant", state: trial.StateExtensionRequested, actor: svcApprover, do: svcDecideExtension(grant),
			action: trial.ActionDecideExtension, to: trial.StateActive,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				x := after.Extensions[0]
				if x.State != trial.ExtensionGranted || x.ApprovedEnd != "2030-07-31" || x.AmendingRegulationID != grant.AmendingRegulationID ||
					x.DecidedBy == nil || *x.DecidedBy != svcApprover.Person() || x.Reasons != grant.Reasons || !x.DecideTime.Equal(e.clock.Now()) ||
					x.Authority != svcAuthority {
					t.Errorf("extension: got %+v, want GRANTED to 2030-07-31 with the amending regulation, by the approver (R7)", x)
				}
				if got := trial.CurrentEnd(after); got != "2030-07-31" {
					t.Errorf("current end: got %s, want 2030-07-31", got)
				}
			}},
		{name: "OKDeny", state: trial.StateExtensionRequested, actor: svcApprover, do: svcDecideExtension(deny),
			action: trial.ActionDecideExtension, to: trial.StateActive,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				x := after.Extensions[0]
				if x.State != trial.ExtensionDenied || x.ApprovedEnd != "" || x.Reasons != deny.Reasons || x.DecidedBy == nil {
					t.Errorf("extension: got %+v, want DENIED with reasons", x)
				}
				if got := trial.CurrentEnd(after); got != "2029-07-31" {
					t.Errorf("current end: got %s, want 2029-07-31 unchanged", got)
				}
			}},
		{name: "ErrGrantTooLong", state: trial.StateExtensionRequested, actor: svcApprover,
			do:   svcDecideExtension(trial.ExtensionDecisionInput{Grant: true, ApprovedEnd: "2031-08-01", AmendingRegulationID: "FOR-2029-05-02-700", Reasons: "Mer tid."}),
			code: trial.CodeFailedPrecondition, reason: "EXTENSION_TOO_LONG", rules: []string{"R7"}},
		{name: "ErrGrantWithoutAmendingRegulation", state: trial.StateExtensionRequested, actor: svcApprover,
			do:   svcDecideExtension(trial.ExtensionDecisionInput{Grant: true, ApprovedEnd: "2030-07-31", Reasons: "Mer tid."}),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrDenyWithEnd", state: trial.StateExtensionRequested, actor: svcApprover,
			do:   svcDecideExtension(trial.ExtensionDecisionInput{ApprovedEnd: "2030-07-31", Reasons: "Nei."}),
			code: trial.CodeInvalidArgument, reason: "FIELD_NOT_ALLOWED"},
		{name: "ErrHandler", state: trial.StateExtensionRequested, actor: svcHandler, do: svcDecideExtension(grant), code: trial.CodePermissionDenied},
		{name: "ErrActive", state: trial.StateActive, actor: svcApprover, do: svcDecideExtension(grant),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcEndPeriod(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return e.svc.EndTrialPeriod(svcCtx, c, app.ID, "perioden er over")
}

func TestService_EndTrialPeriod(t *testing.T) {
	afterEnd := func(t *testing.T, e *svcEnv, _ *trial.Application) { e.clock.Set(svcOsloDay(t, "2029-08-01")) }
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateActive, setup: afterEnd, actor: svcSystem, do: svcEndPeriod, action: trial.ActionEndPeriod, to: trial.StateEvaluating},
		{name: "OKExtensionRequested", state: trial.StateExtensionRequested, setup: afterEnd, actor: svcHandler, do: svcEndPeriod,
			action: trial.ActionEndPeriod, to: trial.StateEvaluating},
		{name: "OKGrantedExtensionEnd", state: trial.StateExtensionRequested, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcTry(e.svc.DecideExtension(svcCtx, svcCall(svcApprover), app.ID,
				trial.ExtensionDecisionInput{Grant: true, ApprovedEnd: "2030-07-31", AmendingRegulationID: "FOR-2029-05-02-700", Reasons: "Ja."})).must(t)
			e.clock.Set(svcOsloDay(t, "2030-08-01"))
		}, actor: svcSystem, do: svcEndPeriod, action: trial.ActionEndPeriod, to: trial.StateEvaluating},
		{name: "ErrLastDayNotOver", state: trial.StateActive, setup: func(t *testing.T, e *svcEnv, _ *trial.Application) {
			e.clock.Set(time.Date(2029, 7, 31, 23, 30, 0, 0, svcOslo))
		}, actor: svcSystem, do: svcEndPeriod, code: trial.CodeFailedPrecondition, reason: "END_DATE_NOT_REACHED", rules: []string{"R6"}},
		{name: "ErrGrantedExtensionNotOver", state: trial.StateExtensionRequested, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcTry(e.svc.DecideExtension(svcCtx, svcCall(svcApprover), app.ID,
				trial.ExtensionDecisionInput{Grant: true, ApprovedEnd: "2030-07-31", AmendingRegulationID: "FOR-2029-05-02-700", Reasons: "Ja."})).must(t)
			e.clock.Set(svcOsloDay(t, "2029-08-01"))
		}, actor: svcSystem, do: svcEndPeriod, code: trial.CodeFailedPrecondition, reason: "END_DATE_NOT_REACHED"},
		{name: "ErrMunicipality", state: trial.StateActive, setup: afterEnd, actor: svcLead, do: svcEndPeriod, code: trial.CodePermissionDenied},
		{name: "ErrApproved", state: trial.StateApproved, setup: afterEnd, actor: svcSystem, do: svcEndPeriod,
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

var svcTermination = trial.TerminateInput{Reasons: "Sivilombudet fant ordningen utenfor forsøksloven.", RepealingInstrument: svcRepealing}

func svcTerminate(in trial.TerminateInput) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.TerminateTrial(svcCtx, c, app.ID, in)
	}
}

// svcCheckTermination checks a terminated case's record; closed says whether it closed
// without evaluation (never started) or owes one.
func svcCheckTermination(closed bool) func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
	return func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
		t.Helper()
		now := e.clock.Now().UTC()
		want := &trial.Termination{Reasons: svcTermination.Reasons, RepealingInstrument: svcRepealing, DecidedBy: svcApprover.Person(), Time: now, Authority: svcAuthority}
		if svcJSON(t, after.Termination) != svcJSON(t, want) {
			t.Errorf("termination (R13): got %s, want %s", svcJSON(t, after.Termination), svcJSON(t, want))
		}
		switch c := after.Closure; {
		case closed && (c == nil || c.Outcome != trial.OutcomeDiscontinued || !c.WithoutEvaluation || c.Reasons == "" || c.DecidedBy != svcApprover.Person() || c.Authority != svcAuthority):
			t.Errorf("closure: got %+v, want DISCONTINUED without evaluation, with reasons (R12)", c)
		case !closed && c != nil:
			t.Errorf("closure: got %+v, want none: a trial that ran owes its evaluation", c)
		}
		if after.EvaluationReport != nil {
			t.Errorf("evaluation report: got %+v, want none", after.EvaluationReport)
		}
	}
}

func TestService_TerminateTrial(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OKApprovedClosesDiscontinued", state: trial.StateApproved, actor: svcApprover, do: svcTerminate(svcTermination),
			action: trial.ActionTerminate, to: trial.StateClosed, check: svcCheckTermination(true)},
		{name: "OKActiveToEvaluating", state: trial.StateActive, actor: svcApprover, do: svcTerminate(svcTermination),
			action: trial.ActionTerminate, to: trial.StateEvaluating, check: svcCheckTermination(false)},
		{name: "OKExtensionRequestedToEvaluating", state: trial.StateExtensionRequested, actor: svcApprover, do: svcTerminate(svcTermination),
			action: trial.ActionTerminate, to: trial.StateEvaluating, check: svcCheckTermination(false)},
		{name: "ErrRepealingInstrumentMissing", state: trial.StateActive, actor: svcApprover,
			do: svcTerminate(trial.TerminateInput{Reasons: "Ulovlig."}), code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrRepealingInstrumentNotARegulation", state: trial.StateActive, actor: svcApprover,
			do:   svcTerminate(trial.TerminateInput{Reasons: "Ulovlig.", RepealingInstrument: "LOV-2014-10-17-12"}),
			code: trial.CodeInvalidArgument, reason: "INVALID_REGULATION_ID"},
		{name: "ErrHandler", state: trial.StateActive, actor: svcHandler, do: svcTerminate(svcTermination), code: trial.CodePermissionDenied},
		{name: "ErrMunicipality", state: trial.StateActive, actor: svcLead, do: svcTerminate(svcTermination), code: trial.CodePermissionDenied},
		{name: "ErrReadyForDecision", state: trial.StateReadyForDecision, actor: svcApprover, do: svcTerminate(svcTermination),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
		{name: "ErrEvaluating", state: trial.StateEvaluating, actor: svcApprover, do: svcTerminate(svcTermination),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcSubmitEvaluation(in trial.EvaluationInput) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.SubmitEvaluation(svcCtx, c, app.ID, in)
	}
}

func TestService_SubmitEvaluation(t *testing.T) {
	in := trial.EvaluationInput{ReportReference: "https://example.org/rapport.pdf", Summary: "Bedre læring."}
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateEvaluating, actor: svcLead, do: svcSubmitEvaluation(in),
			action: trial.ActionSubmitEvaluation, to: trial.StateEvaluating,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				want := &trial.EvaluationReport{ReportReference: in.ReportReference, Summary: in.Summary, SubmittedBy: svcLead.Person(), Time: e.clock.Now().UTC()}
				if svcJSON(t, after.EvaluationReport) != svcJSON(t, want) {
					t.Errorf("report: got %s, want %s", svcJSON(t, after.EvaluationReport), svcJSON(t, want))
				}
			}},
		{name: "ErrSummaryMissing", state: trial.StateEvaluating, actor: svcLead,
			do: svcSubmitEvaluation(trial.EvaluationInput{ReportReference: "r"}), code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrKDD", state: trial.StateEvaluating, actor: svcApprover, do: svcSubmitEvaluation(in), code: trial.CodePermissionDenied},
		{name: "ErrActive", state: trial.StateActive, actor: svcLead, do: svcSubmitEvaluation(in),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcClose(in trial.CloseInput) func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c trial.Call, app *trial.Application) (any, error) {
		return e.svc.CloseApplication(svcCtx, c, app.ID, in)
	}
}

func TestService_CloseApplication(t *testing.T) {
	reported := func(t *testing.T, e *svcEnv, app *trial.Application) {
		svcTry(e.svc.SubmitEvaluation(svcCtx, svcCall(svcLead), app.ID, trial.EvaluationInput{ReportReference: "r-1", Summary: "Bra."})).must(t)
	}
	permanent := trial.CloseInput{Outcome: trial.OutcomeMadePermanent, Reasons: "Gjort permanent."}
	without := trial.CloseInput{Outcome: trial.OutcomeDiscontinued, WithoutEvaluation: true, Reasons: "Rapporten kom aldri."}
	svcRunActions(t, []svcActionCase{
		{name: "OKWithEvaluation", state: trial.StateEvaluating, setup: reported, actor: svcApprover, do: svcClose(permanent),
			action: trial.ActionClose, to: trial.StateClosed,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				want := &trial.Closure{Outcome: trial.OutcomeMadePermanent, Reasons: permanent.Reasons, DecidedBy: svcApprover.Person(), Time: e.clock.Now().UTC(), Authority: svcAuthority}
				if svcJSON(t, after.Closure) != svcJSON(t, want) {
					t.Errorf("closure: got %s, want %s", svcJSON(t, after.Closure), svcJSON(t, want))
				}
			}},
		{name: "OKWithoutEvaluation", state: trial.StateEvaluating, actor: svcApprover, do: svcClose(without),
			action: trial.ActionClose, to: trial.StateClosed,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if c := after.Closure; c == nil || !c.WithoutEvaluation || c.Outcome != trial.OutcomeDiscontinued || c.Reasons != without.Reasons {
					t.Errorf("closure: got %+v, want DISCONTINUED without evaluation with reasons (R12)", c)
				}
			}},
		{name: "ErrReportMissing", state: trial.StateEvaluating, actor: svcApprover, do: svcClose(permanent),
			code: trial.CodeFailedPrecondition, reason: "EVALUATION_REPORT_MISSING", rules: []string{"R12"}},
		{name: "ErrWithoutEvaluationNotDiscontinued", state: trial.StateEvaluating, actor: svcApprover,
			do:   svcClose(trial.CloseInput{Outcome: trial.OutcomeMadePermanent, WithoutEvaluation: true, Reasons: "Ingen rapport."}),
			code: trial.CodeFailedPrecondition, reason: "OUTCOME_MUST_BE_DISCONTINUED"},
		{name: "ErrWithoutEvaluationNoReasons", state: trial.StateEvaluating, actor: svcApprover,
			do:   svcClose(trial.CloseInput{Outcome: trial.OutcomeDiscontinued, WithoutEvaluation: true}),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrHandler", state: trial.StateEvaluating, setup: reported, actor: svcHandler, do: svcClose(permanent), code: trial.CodePermissionDenied},
		{name: "ErrClosed", state: trial.StateClosed, actor: svcApprover, do: svcClose(permanent),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func TestService_BatchTerminateTrials(t *testing.T) {
	// svcBatch drives cases to the states, in order, and returns their ids.
	svcBatch := func(t *testing.T, e *svcEnv, states ...trial.State) []string {
		t.Helper()
		var ids []string
		for _, s := range states {
			ids = append(ids, svcDrive(t, e, s).ID)
		}
		return ids
	}

	t.Run("OK", func(t *testing.T) {
		e := svcSetup(t)
		ids := svcBatch(t, e, trial.StateActive, trial.StateApproved, trial.StateExtensionRequested)
		total := len(e.allEvents(t))
		apps, err := e.svc.BatchTerminateTrials(svcCtx, svcCall(svcApprover), ids, svcTermination)
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		want := []trial.State{trial.StateEvaluating, trial.StateClosed, trial.StateEvaluating}
		if len(apps) != len(ids) {
			t.Fatalf("answer: got %d cases, want %d", len(apps), len(ids))
		}
		for i, app := range apps {
			stored := e.app(t, ids[i])
			if app.ID != ids[i] || stored.State != want[i] || svcJSON(t, app) != svcJSON(t, stored) {
				t.Errorf("case %s: got %s (answer %s), want %s", ids[i], stored.State, app.State, want[i])
			}
			if stored.Termination == nil || stored.Termination.RepealingInstrument != svcRepealing {
				t.Errorf("case %s termination: got %+v, want one instrument %s", ids[i], stored.Termination, svcRepealing)
			}
			ev := e.lastEvent(t, ids[i])
			svcCheckEvent(t, ev, trial.ActionTerminate, []trial.State{trial.StateActive, trial.StateApproved, trial.StateExtensionRequested}[i], want[i], svcApprover, e.clock.Now())
		}
		if got := len(e.allEvents(t)); got != total+3 {
			t.Errorf("events: got %d, want %d (one per case)", got, total+3)
		}
		if c := e.app(t, ids[1]).Closure; c == nil || c.Outcome != trial.OutcomeDiscontinued || !c.WithoutEvaluation {
			t.Errorf("never started case: got closure %+v, want DISCONTINUED without evaluation", c)
		}
		e.checkSequence(t)
	})

	for _, tc := range []struct {
		name   string
		states []trial.State
		actor  trial.Actor
		ids    func(ids []string) []string
		in     trial.TerminateInput
		code   trial.Code
		reason string
	}{
		{name: "ErrOneCaseInWrongState", states: []trial.State{trial.StateApproved, trial.StateInReview, trial.StateActive},
			actor: svcApprover, code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
		{name: "ErrOneCaseInvisible", states: []trial.State{trial.StateApproved, trial.StateActive, trial.StateDraft},
			actor: svcApprover, code: trial.CodeNotFound},
		{name: "ErrOneCaseMissing", states: []trial.State{trial.StateApproved, trial.StateActive}, actor: svcApprover,
			ids: func(ids []string) []string { return append(ids, "2026-000099") }, code: trial.CodeNotFound},
		{name: "ErrDuplicate", states: []trial.State{trial.StateApproved, trial.StateActive}, actor: svcApprover,
			ids: func(ids []string) []string { return append(ids, ids[0]) }, code: trial.CodeInvalidArgument, reason: "DUPLICATE_NAME"},
		{name: "ErrEmpty", actor: svcApprover, code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrHandler", states: []trial.State{trial.StateApproved, trial.StateActive}, actor: svcHandler, code: trial.CodePermissionDenied},
		{name: "ErrUnauthenticated", states: []trial.State{trial.StateApproved}, actor: svcPublic, code: trial.CodeUnauthenticated},
		{name: "ErrInstrumentMissing", states: []trial.State{trial.StateApproved, trial.StateActive}, actor: svcApprover,
			in: trial.TerminateInput{Reasons: "Ulovlig."}, code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := svcSetup(t)
			ids := svcBatch(t, e, tc.states...)
			if tc.ids != nil {
				ids = tc.ids(ids)
			}
			in := tc.in
			if in == (trial.TerminateInput{}) {
				in = svcTermination
			}
			snaps := map[string]svcSnap{}
			for _, id := range ids {
				snaps[id] = e.snapshot(t, id)
			}
			_, err := e.svc.BatchTerminateTrials(svcCtx, svcCall(tc.actor), ids, in)
			got := svcWantErr(t, err, tc.code, tc.reason)
			if tc.code == trial.CodeFailedPrecondition && !strings.Contains(got.Message, "applications/"+ids[1]) {
				t.Errorf("message: got %q, want it to name the refused case applications/%s", got.Message, ids[1])
			}
			for _, id := range ids {
				if after := e.snapshot(t, id); after != snaps[id] {
					t.Errorf("case %s changed although the batch was refused:\ngot  %+v\nwant %+v", id, after, snaps[id])
				}
			}
		})
	}

	t.Run("OKReplay", func(t *testing.T) {
		e := svcSetup(t)
		ids := svcBatch(t, e, trial.StateApproved, trial.StateActive)
		call := trial.Call{Actor: svcApprover, Method: "BatchTerminateTrials", RequestID: "batch-1", Fingerprint: "fp"}
		first := svcTry(e.svc.BatchTerminateTrials(svcCtx, call, ids, svcTermination)).must(t)
		total := len(e.allEvents(t))
		again := svcTry(e.svc.BatchTerminateTrials(svcCtx, call, ids, svcTermination)).must(t)
		if svcJSON(t, again) != svcJSON(t, first) {
			t.Errorf("replay: got %s, want the first answer %s", svcJSON(t, again), svcJSON(t, first))
		}
		if got := len(e.allEvents(t)); got != total {
			t.Errorf("events after replay: got %d, want %d", got, total)
		}
		call.Fingerprint = "other"
		_, err := e.svc.BatchTerminateTrials(svcCtx, call, ids, svcTermination)
		svcWantErr(t, err, trial.CodeInvalidArgument, "REQUEST_ID_REUSED")
	})
}

// ---------------------------------------------------------------------------------
// The request order, history, requestId and etag

func TestService_History(t *testing.T) {
	e := svcSetup(t)
	a := svcDrive(t, e, trial.StateDraft)
	b := svcDrive(t, e, trial.StateSubmitted)
	steps := []struct {
		actor trial.Actor
		do    func() error
		ok    bool
	}{
		{svcLead, func() error { _, err := e.svc.SubmitApplication(svcCtx, svcCall(svcLead), a.ID, ""); return err }, true},
		{svcHandler, func() error {
			_, err := e.svc.ApproveApplication(svcCtx, svcCall(svcHandler), b.ID, svcApproveInput(b))
			return err
		}, false},
		{svcHandler, func() error {
			_, err := e.svc.AssignApplication(svcCtx, svcCall(svcHandler), b.ID, trial.Person{}, "")
			return err
		}, true},
		{svcLead, func() error { _, err := e.svc.SubmitApplication(svcCtx, svcCall(svcLead), a.ID, ""); return err }, false},
		{svcHandler, func() error {
			_, err := e.svc.CreateConsultation(svcCtx, svcCall(svcHandler), b.ID, trial.ConsultationInput{Ministry: "KD", Question: "?", DueWorkingDays: 3})
			return err
		}, true},
		{svcApprover, func() error {
			_, err := e.svc.ApproveApplication(svcCtx, svcCall(svcApprover), b.ID, svcApproveInput(b))
			return err
		}, false},
		{svcLead, func() error {
			_, err := e.svc.WithdrawApplication(svcCtx, svcCall(svcLead), a.ID, "Trukket.")
			return err
		}, true},
		{svcKD, func() error {
			_, err := e.svc.RespondToConsultation(svcCtx, svcCall(svcKD), b.ID, "1", trial.ResponseInput{Position: trial.PositionNoComment})
			return err
		}, true},
		{svcLead, func() error {
			_, err := e.svc.WithdrawApplication(svcCtx, svcCall(svcLead), a.ID, "Igjen.")
			return err
		}, false},
	}
	for i, s := range steps {
		if err := s.do(); (err == nil) != s.ok {
			t.Fatalf("step %d: got error %v, want ok=%v", i, err, s.ok)
		}
	}

	all := e.allEvents(t)
	e.checkSequence(t)
	want := map[string][]struct {
		action   trial.Action
		from, to trial.State
		actor    trial.Actor
	}{
		a.ID: {
			{trial.ActionCreate, trial.StateNone, trial.StateDraft, svcLead},
			{trial.ActionSubmit, trial.StateDraft, trial.StateSubmitted, svcLead},
			{trial.ActionWithdraw, trial.StateSubmitted, trial.StateWithdrawn, svcLead},
		},
		b.ID: {
			{trial.ActionCreate, trial.StateNone, trial.StateDraft, svcLead},
			{trial.ActionSubmit, trial.StateDraft, trial.StateSubmitted, svcLead},
			{trial.ActionAssign, trial.StateSubmitted, trial.StateInReview, svcHandler},
			{trial.ActionOpenConsultation, trial.StateInReview, trial.StateInConsultation, svcHandler},
			{trial.ActionRespondToConsultation, trial.StateInConsultation, trial.StateReadyForDecision, svcKD},
		},
	}
	n := 0
	for id, evs := range want {
		got := e.events(t, id)
		n += len(got)
		if len(got) != len(evs) {
			t.Fatalf("case %s: got %d events, want %d (exactly one per successful action, none for refused ones)", id, len(got), len(evs))
		}
		for i, w := range evs {
			ev := got[i]
			if ev.Action != w.action || ev.FromState != w.from || ev.ToState != w.to || ev.Actor != w.actor || ev.ApplicationID != id {
				t.Errorf("case %s event %d: got %s %q → %q by %s, want %s %q → %q by %s",
					id, i, ev.Action, ev.FromState, ev.ToState, ev.Actor.Subject, w.action, w.from, w.to, w.actor.Subject)
			}
			if i > 0 && (ev.FromState != got[i-1].ToState || ev.Sequence <= got[i-1].Sequence) {
				t.Errorf("case %s event %d: from %s after %s, sequence %d after %d; want a chain in sequence order",
					id, i, ev.FromState, got[i-1].ToState, ev.Sequence, got[i-1].Sequence)
			}
		}
	}
	if n != len(all) {
		t.Errorf("events in all: got %d, want %d", len(all), n)
	}
	// The cases' events interleave in the global sequence.
	if ids := []string{all[len(all)-2].ApplicationID, all[len(all)-1].ApplicationID}; ids[0] != a.ID || ids[1] != b.ID {
		t.Errorf("last two events: got cases %v, want %s then %s", ids, a.ID, b.ID)
	}
}

func TestService_Order(t *testing.T) {
	// Each code of the request order (api.md) on a case driven to state, with requests
	// that have several faults: the earlier step answers, and nothing is written.
	submit := func(e *svcEnv, c trial.Call, id string) error {
		_, err := e.svc.SubmitApplication(svcCtx, c, id, "")
		return err
	}
	for _, tc := range []struct {
		name   string
		state  trial.State
		call   trial.Call
		do     func(e *svcEnv, c trial.Call, id string) error
		code   trial.Code
		reason string
	}{
		{name: "ErrUnauthenticated", state: trial.StateSubmitted, call: trial.Call{Actor: svcPublic, Etag: "9"}, do: svcOrderWithdraw(""),
			code: trial.CodeUnauthenticated},
		{name: "ErrNotFoundBeforeRole", state: trial.StateSubmitted, call: trial.Call{Actor: svcOther, Etag: "9"}, do: svcOrderWithdraw(""),
			code: trial.CodeNotFound},
		{name: "ErrNotFoundMinistryNotConsulted", state: trial.StateSubmitted, call: trial.Call{Actor: svcKD}, do: svcOrderWithdraw("x"),
			code: trial.CodeNotFound},
		{name: "ErrPermissionDeniedBeforeFields", state: trial.StateSubmitted, call: trial.Call{Actor: svcHandler, Etag: "9"}, do: svcOrderWithdraw(""),
			code: trial.CodePermissionDenied},
		{name: "ErrInvalidArgumentBeforeEtag", state: trial.StateSubmitted, call: trial.Call{Actor: svcLead, Etag: "9"}, do: svcOrderWithdraw(""),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrRequestIDReusedBeforeEtag", state: trial.StateSubmitted,
			call: trial.Call{Actor: svcLead, Etag: "9", Method: "WithdrawApplication", RequestID: "r-1", Fingerprint: "fp"},
			do:   svcOrderWithdraw("x"), code: trial.CodeInvalidArgument, reason: "REQUEST_ID_REUSED"},
		{name: "ErrAbortedBeforeState", state: trial.StateSubmitted, call: trial.Call{Actor: svcLead, Etag: "1"}, do: submit,
			code: trial.CodeAborted},
		{name: "ErrFailedPreconditionState", state: trial.StateSubmitted, call: trial.Call{Actor: svcLead, Etag: "2"}, do: submit,
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
		{name: "ErrFailedPreconditionGuard", state: trial.StateInReview, call: trial.Call{Actor: svcHandler, Etag: "3"},
			do: func(e *svcEnv, c trial.Call, id string) error {
				_, err := e.svc.CreateConsultation(svcCtx, c, id, trial.ConsultationInput{Ministry: "KD", Question: "?", DueDate: "2026-03-01"})
				return err
			}, code: trial.CodeFailedPrecondition, reason: "DUE_DATE_NOT_IN_FUTURE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := svcSetup(t)
			app := svcDrive(t, e, tc.state)
			// The lead's earlier request with id r-1, on another case and method: ids are
			// the caller's, not the case's.
			svcTry(e.svc.CreateApplication(svcCtx, trial.Call{Actor: svcLead, Method: "CreateApplication", RequestID: "r-1", Fingerprint: "fp"}, svcFixture())).must(t)
			snap := e.snapshot(t, app.ID)
			svcWantErr(t, tc.do(e, tc.call, app.ID), tc.code, tc.reason)
			if got := e.snapshot(t, app.ID); got != snap {
				t.Errorf("a refused action wrote:\ngot  %+v\nwant %+v", got, snap)
			}
		})
	}
}

func svcOrderWithdraw(reason string) func(e *svcEnv, c trial.Call, id string) error {
	return func(e *svcEnv, c trial.Call, id string) error {
		_, err := e.svc.WithdrawApplication(svcCtx, c, id, reason)
		return err
	}
}

func TestService_RequestID(t *testing.T) {
	req := func(a trial.Actor, method, id, fp string) trial.Call {
		return trial.Call{Actor: a, Method: method, RequestID: id, Fingerprint: fp}
	}

	t.Run("OKReplayAfterCaseMovedOn", func(t *testing.T) {
		e := svcSetup(t)
		app := svcDrive(t, e, trial.StateDraft)
		call := req(svcLead, "SubmitApplication", "r-1", "fp-submit")
		first := svcTry(e.svc.SubmitApplication(svcCtx, call, app.ID, "")).must(t)
		svcStepAssign(t, e, app)
		e.clock.Set(svcStart.Add(25 * time.Hour)) // remembered for at least 24 hours
		snap := e.snapshot(t, app.ID)
		again := svcTry(e.svc.SubmitApplication(svcCtx, call, app.ID, "")).must(t)
		if svcJSON(t, again) != svcJSON(t, first) || again.State != trial.StateSubmitted {
			t.Errorf("replay: got %s, want the first answer %s", svcJSON(t, again), svcJSON(t, first))
		}
		if got := e.snapshot(t, app.ID); got != snap || got.state != trial.StateInReview {
			t.Errorf("replay wrote:\ngot  %+v\nwant %+v", got, snap)
		}
	})

	t.Run("OKReplayWithItsStaleEtag", func(t *testing.T) {
		e := svcSetup(t)
		app := svcDrive(t, e, trial.StateDraft)
		call := req(svcLead, "UpdateApplication", "r-1", "fp-title")
		call.Etag = "1"
		in := &trial.Application{Title: "Ny tittel"}
		first := svcTry(e.svc.UpdateApplication(svcCtx, call, app.ID, in, []string{"title"})).must(t)
		again := svcTry(e.svc.UpdateApplication(svcCtx, call, app.ID, in, []string{"title"})).must(t)
		if svcJSON(t, again) != svcJSON(t, first) {
			t.Errorf("replay: got %s, want the first answer", svcJSON(t, again))
		}
		if got := e.app(t, app.ID).Revision; got != 2 {
			t.Errorf("revision: got %d, want 2 (one write)", got)
		}
	})

	t.Run("OKReplayAfterStoredDecisionChanged", func(t *testing.T) {
		// The update's fields were checked against the co-applicant's decision as then
		// recorded; the co-applicant has since recorded another. The retry still gets
		// its first answer, not a field error.
		e := svcSetup(t)
		app := svcDriveApp(t, e, svcJointFixture(), trial.StateDraft)
		svcConfirmCo(t, e, app)
		in := svcJointFixture()
		in.Applicants[1].CouncilDecision = svcCouncil("Råde kommunestyre") // as recorded
		call := req(svcLead, "UpdateApplication", "r-1", "fp")
		first := svcTry(e.svc.UpdateApplication(svcCtx, call, app.ID, in, []string{"applicants"})).must(t)
		svcTry(e.svc.ConfirmParticipation(svcCtx, svcCall(svcCo), app.ID, trial.ParticipationInput{OrganisationNumber: svcCoOrg,
			CouncilDecision: &trial.CouncilDecision{Body: "Råde kommunestyre", CaseReference: "2025/400", MeetingDate: "2025-09-01"}})).must(t)
		snap := e.snapshot(t, app.ID)
		again := svcTry(e.svc.UpdateApplication(svcCtx, call, app.ID, in, []string{"applicants"})).must(t)
		if svcJSON(t, again) != svcJSON(t, first) {
			t.Errorf("replay: got %s, want the first answer %s", svcJSON(t, again), svcJSON(t, first))
		}
		if got := e.snapshot(t, app.ID); got != snap {
			t.Errorf("replay wrote:\ngot  %+v\nwant %+v", got, snap)
		}
		// Without the id, the same request is now refused.
		_, err := e.svc.UpdateApplication(svcCtx, svcCall(svcLead), app.ID, in, []string{"applicants"})
		svcWantErr(t, err, trial.CodeInvalidArgument, "COUNCIL_DECISION_NOT_YOURS")
	})

	t.Run("OKCreateReplay", func(t *testing.T) {
		e := svcSetup(t)
		call := req(svcLead, "CreateApplication", "r-1", "fp")
		first := svcTry(e.svc.CreateApplication(svcCtx, call, svcFixture())).must(t)
		again := svcTry(e.svc.CreateApplication(svcCtx, call, svcFixture())).must(t)
		if again.ID != first.ID || svcJSON(t, again) != svcJSON(t, first) {
			t.Errorf("replay: got %s, want the first case %s", again.ID, first.ID)
		}
		if e.exists(t, "2026-000002") || len(e.allEvents(t)) != 1 {
			t.Errorf("replay created a second case")
		}
	})

	t.Run("OKConsultationReplay", func(t *testing.T) {
		e := svcSetup(t)
		app := svcDrive(t, e, trial.StateInReview)
		call := req(svcHandler, "CreateConsultation", "r-1", "fp")
		in := trial.ConsultationInput{Ministry: "KD", Question: "?", DueWorkingDays: 5}
		first := svcTry(e.svc.CreateConsultation(svcCtx, call, app.ID, in)).must(t)
		again := svcTry(e.svc.CreateConsultation(svcCtx, call, app.ID, in)).must(t)
		if svcJSON(t, again) != svcJSON(t, first) || len(e.consultations(t, app.ID)) != 1 {
			t.Errorf("replay: got %s and %d consultations, want the first answer and one", svcJSON(t, again), len(e.consultations(t, app.ID)))
		}
	})

	t.Run("OKReplayedDelete", func(t *testing.T) {
		e := svcSetup(t)
		app := svcDrive(t, e, trial.StateDraft)
		call := req(svcLead, "DeleteApplication", "r-1", "fp")
		if err := e.svc.DeleteApplication(svcCtx, call, app.ID); err != nil {
			t.Fatalf("delete: got %v, want nil", err)
		}
		total := len(e.allEvents(t))
		if err := e.svc.DeleteApplication(svcCtx, call, app.ID); err != nil {
			t.Errorf("replayed delete: got %v, want nil (the first answer)", err)
		}
		if got := len(e.allEvents(t)); got != total {
			t.Errorf("events: got %d, want %d", got, total)
		}
		svcWantErr(t, e.svc.DeleteApplication(svcCtx, svcCall(svcLead), app.ID), trial.CodeNotFound, "")
		svcWantErr(t, e.svc.DeleteApplication(svcCtx, req(svcLead, "DeleteApplication", "r-1", "other"), app.ID), trial.CodeInvalidArgument, "REQUEST_ID_REUSED")
		// Another caller's id does not reveal the deleted draft.
		svcWantErr(t, e.svc.DeleteApplication(svcCtx, req(svcOther, "DeleteApplication", "r-1", "fp"), app.ID), trial.CodeNotFound, "")
	})

	t.Run("ErrReplayAfterLosingSightOfTheCase", func(t *testing.T) {
		// Visibility comes before the requestId (api.md): a co-applicant the lead has
		// removed from the draft gets NOT_FOUND, not its old answer showing the draft.
		e := svcSetup(t)
		app := svcDriveApp(t, e, svcJointFixture(), trial.StateDraft)
		call := req(svcCo, "ConfirmParticipation", "r-1", "fp")
		in := trial.ParticipationInput{OrganisationNumber: svcCoOrg, CouncilDecision: svcCouncil("Råde kommunestyre")}
		svcTry(e.svc.ConfirmParticipation(svcCtx, call, app.ID, in)).must(t)
		svcTry(e.svc.UpdateApplication(svcCtx, svcCall(svcLead), app.ID, svcFixture(), []string{"applicants"})).must(t)
		_, err := e.svc.ConfirmParticipation(svcCtx, call, app.ID, in)
		svcWantErr(t, err, trial.CodeNotFound, "")
	})

	t.Run("OKPerCaller", func(t *testing.T) {
		e := svcSetup(t)
		a := svcTry(e.svc.CreateApplication(svcCtx, req(svcLead, "CreateApplication", "r-1", "fp"), svcFixture())).must(t)
		b := svcTry(e.svc.CreateApplication(svcCtx, req(svcOther, "CreateApplication", "r-1", "fp"), svcOtherFixture())).must(t)
		if a.ID == b.ID || b.Lead().OrganisationNumber != svcOtherOrg {
			t.Errorf("second caller: got case %s of %s, want its own new case", b.ID, b.Lead().OrganisationNumber)
		}
		// Two KDD persons of one organisation are two callers.
		svcStepSubmit(t, e, a)
		svcTry(e.svc.AssignApplication(svcCtx, req(svcHandler, "AssignApplication", "r-2", "fp"), a.ID, trial.Person{}, "")).must(t)
		got := svcTry(e.svc.AssignApplication(svcCtx, req(svcHandler2, "AssignApplication", "r-2", "fp"), a.ID, trial.Person{}, "")).must(t)
		if got.AssignedHandler.Subject != svcHandler2.Subject || got.Revision != 4 {
			t.Errorf("second person: got handler %s revision %d, want its own assignment (kdd-per, 4)", got.AssignedHandler.Subject, got.Revision)
		}
	})

	// The handler's request r-1 was RecordInterimReply with fingerprint fp-1 on one case.
	for _, tc := range []struct {
		name      string
		otherCase bool
		do        func(e *svcEnv, id string) error
	}{
		{name: "ErrDifferentFingerprint", do: func(e *svcEnv, id string) error {
			_, err := e.svc.RecordInterimReply(svcCtx, req(svcHandler, "RecordInterimReply", "r-1", "fp-2"), id, trial.InterimReplyInput{Text: "Annen tekst."})
			return err
		}},
		{name: "ErrDifferentMethod", do: func(e *svcEnv, id string) error {
			_, err := e.svc.AssignApplication(svcCtx, req(svcHandler, "AssignApplication", "r-1", "fp-1"), id, trial.Person{}, "")
			return err
		}},
		{name: "ErrSameIDOnAnotherCase", otherCase: true, do: func(e *svcEnv, id string) error {
			_, err := e.svc.RecordInterimReply(svcCtx, req(svcHandler, "RecordInterimReply", "r-1", "fp-other-case"), id, trial.InterimReplyInput{Text: "Snart."})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := svcSetup(t)
			app := svcDrive(t, e, trial.StateInReview)
			svcTry(e.svc.RecordInterimReply(svcCtx, req(svcHandler, "RecordInterimReply", "r-1", "fp-1"), app.ID, trial.InterimReplyInput{Text: "Snart."})).must(t)
			target := app.ID
			if tc.otherCase {
				target = svcDrive(t, e, trial.StateInReview).ID
			}
			snap := e.snapshot(t, target)
			got := svcWantErr(t, tc.do(e, target), trial.CodeInvalidArgument, "REQUEST_ID_REUSED")
			if got.Violations[0].Field != "request_id" {
				t.Errorf("field: got %q, want request_id", got.Violations[0].Field)
			}
			if after := e.snapshot(t, target); after != snap {
				t.Errorf("refused request wrote:\ngot  %+v\nwant %+v", after, snap)
			}
		})
	}

	t.Run("OKExpiredIDIsNew", func(t *testing.T) {
		e := svcSetup(t)
		app := svcDrive(t, e, trial.StateDraft)
		call := req(svcLead, "SubmitApplication", "r-1", "fp")
		svcTry(e.svc.SubmitApplication(svcCtx, call, app.ID, "")).must(t)
		e.clock.Set(svcStart.Add(49 * time.Hour)) // past the store's 48 hours
		_, err := e.svc.SubmitApplication(svcCtx, call, app.ID, "")
		svcWantErr(t, err, trial.CodeFailedPrecondition, "ACTION_NOT_ALLOWED_IN_STATE")
	})
}

func TestService_Etag(t *testing.T) {
	withdraw := func(e *svcEnv, etag string, id string) (*trial.Application, error) {
		return e.svc.WithdrawApplication(svcCtx, trial.Call{Actor: svcLead, Etag: etag}, id, "Trukket.")
	}
	for _, tc := range []struct {
		name string
		etag func(app *trial.Application) string
		code trial.Code
	}{
		{name: "OKCurrent", etag: trial.Etag},
		{name: "OKOmitted", etag: func(*trial.Application) string { return "" }},
		{name: "ErrStale", etag: func(app *trial.Application) string { return fmt.Sprint(app.Revision - 1) }, code: trial.CodeAborted},
		{name: "ErrMalformed", etag: func(*trial.Application) string { return `W/"x"` }, code: trial.CodeAborted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := svcSetup(t)
			app := svcDrive(t, e, trial.StateSubmitted)
			snap := e.snapshot(t, app.ID)
			got, err := withdraw(e, tc.etag(app), app.ID)
			if tc.code != 0 {
				svcWantErr(t, err, tc.code, "")
				if after := e.snapshot(t, app.ID); after != snap {
					t.Errorf("a refused action wrote:\ngot  %+v\nwant %+v", after, snap)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if trial.Etag(got) == snap.etag || trial.Etag(got) != trial.Etag(e.app(t, app.ID)) {
				t.Errorf("etag: got %q (was %q), want a new etag equal to the stored case's", trial.Etag(got), snap.etag)
			}
		})
	}

	t.Run("OKSameForEveryCaller", func(t *testing.T) {
		e := svcSetup(t)
		app := svcDrive(t, e, trial.StateApproved)
		want := trial.Etag(e.app(t, app.ID))
		for _, a := range []trial.Actor{svcLead, svcHandler, svcKD, svcPublic, svcAdmin} {
			got := svcTry(e.svc.GetApplication(svcCtx, a, app.ID)).must(t)
			if trial.Etag(got) != want {
				t.Errorf("%s: got etag %q, want %q", a.Role, trial.Etag(got), want)
			}
		}
		apps, _, err := e.svc.ListApplications(svcCtx, svcPublic, "", "", 0, "")
		if err != nil || len(apps) != 1 || trial.Etag(apps[0]) != want {
			t.Errorf("public list: got %v, %v, want the etag %q", svcIDs(apps), err, want)
		}
	})

	t.Run("ErrStaleOnConsultationAction", func(t *testing.T) {
		e := svcSetup(t)
		app := svcDrive(t, e, trial.StateInConsultation)
		snap := e.snapshot(t, app.ID)
		_, err := e.svc.RespondToConsultation(svcCtx, trial.Call{Actor: svcKD, Etag: "1"}, app.ID, "1", trial.ResponseInput{Position: trial.PositionNoComment})
		svcWantErr(t, err, trial.CodeAborted, "")
		if after := e.snapshot(t, app.ID); after != snap {
			t.Errorf("a refused action wrote:\ngot  %+v\nwant %+v", after, snap)
		}
		svcTry(e.svc.RespondToConsultation(svcCtx, trial.Call{Actor: svcKD, Etag: snap.etag}, app.ID, "1", trial.ResponseInput{Position: trial.PositionNoComment})).must(t)
	})
}

// ---------------------------------------------------------------------------------
// Reads

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
		{name: "ErrFilterUnknownField", actor: svcHandler, filter: "title = x", code: trial.CodeInvalidArgument},
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
			cons, err := e.svc.ListConsultations(svcCtx, tc.actor, app.ID)
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
		_, err := e.svc.ListConsultations(svcCtx, svcAdmin, approved.ID)
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
			allowed: []trial.Action{trial.ActionConfirmParticipation},
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
			byAction := map[trial.Action]trial.AllowedAction{}
			for _, a := range got {
				byAction[a.Action] = a
				if a.Allowed != (len(a.Failing) == 0) {
					t.Errorf("%s: got allowed=%v with failing %+v, want allowed exactly when nothing fails", a.Action, a.Allowed, a.Failing)
				}
				if a.Allowed {
					allowed = append(allowed, a.Action)
				}
			}
			if len(got) != len(trial.Actions())-1 {
				t.Errorf("got %d actions, want every action but create (%d)", len(got), len(trial.Actions())-1)
			}
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
		all, next, err := e.svc.ListApplicationEvents(svcCtx, svcLead, app.ID, 0, "")
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

func TestParseApplicationName(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"OK", "applications/2026-000042", "2026-000042"},
		{"OKLongSequence", "applications/2026-000000001234", "2026-000000001234"},
		{"ErrNoCollection", "2026-000042", ""},
		{"ErrOtherCollection", "cases/2026-000042", ""},
		{"ErrShortSequence", "applications/2026-42", ""},
		{"ErrYear", "applications/26-000042", ""},
		{"ErrNotDigits", "applications/2026-00004x", ""},
		{"ErrChild", "applications/2026-000042/events", ""},
		{"ErrEmpty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := trial.ParseApplicationName(tc.in, "name")
			if tc.want == "" {
				refused := svcWantErr(t, err, trial.CodeInvalidArgument, "INVALID_NAME")
				if refused.Violations[0].Field != "name" {
					t.Errorf("field: got %q, want name", refused.Violations[0].Field)
				}
				return
			}
			if err != nil || got != tc.want || trial.ApplicationName(got) != tc.in {
				t.Errorf("ParseApplicationName(%q): got %q, %v, want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseConsultationName(t *testing.T) {
	for _, tc := range []struct {
		name, in, app, id string
	}{
		{"OK", "applications/2026-000042/consultations/3", "2026-000042", "3"},
		{"ErrNoID", "applications/2026-000042/consultations/", "", ""},
		{"ErrNotANumber", "applications/2026-000042/consultations/x", "", ""},
		{"ErrOtherCollection", "applications/2026-000042/events/3", "", ""},
		{"ErrBadApplication", "applications/42/consultations/3", "", ""},
		{"ErrApplicationOnly", "applications/2026-000042", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app, id, err := trial.ParseConsultationName(tc.in, "parent")
			if tc.app == "" {
				svcWantErr(t, err, trial.CodeInvalidArgument, "INVALID_NAME")
				return
			}
			if err != nil || app != tc.app || id != tc.id {
				t.Errorf("ParseConsultationName(%q): got %q %q %v, want %q %q", tc.in, app, id, err, tc.app, tc.id)
			}
		})
	}
}
