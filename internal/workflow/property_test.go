package workflow_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// The property test: random actions by random callers, with the clock moving on and the
// scheduler running now and then, through the real service on the real store. After every
// step, whatever happened, the invariants hold:
//
//   - a refused action changes nothing (the case, its consultations, any history);
//   - no request is answered with an internal error;
//   - a case in a terminal state stays there, unchanged;
//   - an approved case has an answered consultation of every owning ministry (R10);
//   - an approved period is at most four years (R6), a granted extension at most two
//     years beyond the approved end unless it cites a reform and ends by its in-force
//     date (R7);
//   - the history matches the state: the events chain (each one's from state is the
//     last one's to state), the last one's to state is the case's state (a deleted draft
//     ends with delete), and the sequence numbers of all events run 1…N;
//   - the applicants' lists (ListApplications, by update time) hold exactly their cases
//     in that order.

// propAction is an action the test takes on a case; actor is the caller the action is
// meant for, which the test often (not always) uses.
type propAction struct {
	name string
	// weight is how often the action is chosen: the ones that end a case are rare, so
	// that cases get far.
	weight int
	actor  func(p *propRun, app *trial.Application) trial.Actor
	do     func(p *propRun, c workflow.Call, app *trial.Application) error
}

type propRun struct {
	t   *testing.T
	e   *svcEnv
	rng *rand.Rand
	ids []string
	// done counts the actions carried out, and reached the states cases were in.
	done    map[string]int
	reached map[trial.State]bool
	// call is an open call for applications some cases answer (R20).
	call string
}

var propCallers = []trial.Actor{svcLead, svcCo, svcOther, svcHandler, svcHandler2, svcApprover, svcKD, svcHOD, svcPublic, svcAdmin, svcSystem}

func propPick[T any](p *propRun, vs ...T) T { return vs[p.rng.IntN(len(vs))] }

func (p *propRun) chance(n int) bool { return p.rng.IntN(n) == 0 }

// weighted picks one of the actions by their weights.
func (p *propRun) weighted(actions []propAction) propAction {
	total := 0
	for _, a := range actions {
		total += a.weight
	}
	n := p.rng.IntN(total)
	for _, a := range actions {
		if n -= a.weight; n < 0 {
			return a
		}
	}
	return actions[len(actions)-1]
}

func (p *propRun) today() time.Time { return p.e.svc.Today() }

func (p *propRun) dateIn(days int) string {
	return trial.FormatDate(p.today().AddDate(0, 0, days))
}

// open returns a random open consultation of the case, or nil.
func (p *propRun) open(app *trial.Application) *trial.Consultation {
	var open []*trial.Consultation
	for _, c := range p.e.consultations(p.t, app.ID) {
		if c.State == trial.ConsultationRequested {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		return nil
	}
	return propPick(p, open...)
}

func leadActor(_ *propRun, app *trial.Application) trial.Actor { return svcLeadOf(app) }
func handlerActor(*propRun, *trial.Application) trial.Actor    { return svcHandler }
func approverActor(*propRun, *trial.Application) trial.Actor   { return svcApprover }

func consultationID(c *trial.Consultation) string {
	if c == nil {
		return "1"
	}
	return c.ID
}

var propActions = []propAction{
	{"update", 2, leadActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		in := &trial.Application{Title: propPick(p, "Nytt navn", "Nytt navn", "Nytt navn", "", strings.Repeat("x", trial.MaxTitleLength+1))}
		_, err := p.e.svc.UpdateApplication(svcCtx, c, app.ID, in, []string{"title"})
		return err
	}},
	{"delete", 1, leadActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		return p.e.svc.DeleteApplication(svcCtx, c, app.ID)
	}},
	{"confirmParticipation", 6, func(*propRun, *trial.Application) trial.Actor { return svcCo }, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.ConfirmParticipation(svcCtx, c, app.ID, trial.ParticipationInput{OrganisationNumber: c.Actor.OrganisationNumber, CouncilDecision: svcCouncil("Råde kommunestyre")})
		return err
	}},
	{"submit", 6, leadActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.SubmitApplication(svcCtx, c, app.ID, "søknaden sendes")
		return err
	}},
	{"withdraw", 1, leadActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.WithdrawApplication(svcCtx, c, app.ID, propPick(p, "Trekker søknaden", "Trekker søknaden", ""))
		return err
	}},
	{"assign", 6, handlerActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.AssignApplication(svcCtx, c, app.ID, trial.Person{}, "")
		return err
	}},
	{"recordInterimReply", 6, handlerActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.RecordInterimReply(svcCtx, c, app.ID, trial.InterimReplyInput{Text: "Vi svarer snart.", ExpectedDecisionDate: p.dateIn(30)})
		return err
	}},
	{"requestChanges", 2, handlerActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.RequestChanges(svcCtx, c, app.ID, "Hvilke fag gjelder det?")
		return err
	}},
	{"createConsultation", 6, handlerActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		in := trial.ConsultationInput{Ministry: propPick(p, "KD", "KD", "KD", "HOD", "KDD", "XX"), Question: "Støtter dere unntaket?", DueWorkingDays: propPick(p, 10, 10, 10, -1)}
		_, err := p.e.svc.CreateConsultation(svcCtx, c, app.ID, in)
		return err
	}},
	{"respondToConsultation", 6, func(p *propRun, app *trial.Application) trial.Actor {
		if c := p.open(app); c != nil && c.Ministry == "HOD" {
			return svcHOD
		}
		return svcKD
	}, func(p *propRun, c workflow.Call, app *trial.Application) error {
		in := trial.ResponseInput{Position: propPick(p, trial.PositionSupports, trial.PositionSupportsWithConditions, trial.PositionObjects, trial.PositionNoComment), Statement: "Vurdert."}
		_, err := p.e.svc.RespondToConsultation(svcCtx, c, app.ID, consultationID(p.open(app)), in)
		return err
	}},
	{"cancelConsultation", 1, handlerActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.CancelConsultation(svcCtx, c, app.ID, consultationID(p.open(app)), "Ikke nødvendig")
		return err
	}},
	{"approve", 6, approverActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		// The period applied for, from today at the earliest (R18: no retroactive
		// decision); sometimes any start in the next two months.
		start := app.PlannedStart
		if s, err := trial.ParseDate(start); err == nil && s.Before(p.today()) {
			start = trial.FormatDate(p.today())
		}
		if p.chance(4) {
			start = p.dateIn(p.rng.IntN(60))
		}
		// Mostly a decision that can pass, so that the walk goes on to running trials;
		// sometimes the longest period (beyond the one applied for, R18) or a day too
		// long (R6), or no answer to an objection (R10).
		end := app.PlannedEnd
		if s, err := trial.ParseDate(start); err == nil && p.chance(4) {
			end = trial.FormatDate(trial.MaxTrialEnd(s).AddDate(0, 0, p.rng.IntN(2)))
		}
		in := trial.ApproveInput{ApprovedStart: start, ApprovedEnd: end, Reasons: "Godt begrunnet."}
		if !p.chance(4) {
			in.ObjectionResponse = "Innvendingen er vurdert."
		}
		if p.chance(2) {
			in.RegulationID, in.PublicationReference = p.regulation(), svcPublication
		}
		_, err := p.e.svc.ApproveApplication(svcCtx, c, app.ID, in)
		return err
	}},
	{"reject", 1, approverActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.RejectApplication(svcCtx, c, app.ID, trial.RejectInput{ReasonCodes: []trial.RejectReason{trial.RejectOther}, Reasons: "Ikke prioritert."})
		return err
	}},
	{"recordPublication", 6, handlerActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.RecordPublication(svcCtx, c, app.ID, trial.PublicationInput{RegulationID: p.regulation(), PublicationReference: svcPublication})
		return err
	}},
	{"activate", 6, approverActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.ActivateTrial(svcCtx, c, app.ID, "")
		return err
	}},
	{"requestExtension", 6, leadActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		end, err := trial.ParseDate(trial.CurrentEnd(app))
		if err != nil {
			end = p.today()
		}
		in := trial.ExtensionRequestInput{RequestedEnd: trial.FormatDate(end.AddDate(1+p.rng.IntN(3), 0, 0)), CouncilDecision: svcCouncil("Indre Østfold kommunestyre")}
		if p.chance(2) {
			in.ReformReference, in.ReformInForce = "Prop. 1 L (2027–2028)", trial.FormatDate(end.AddDate(2+p.rng.IntN(2), 6, 0))
		}
		_, err = p.e.svc.RequestExtension(svcCtx, c, app.ID, in)
		return err
	}},
	{"decideExtension", 6, approverActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		in := trial.ExtensionDecisionInput{Grant: !p.chance(3), AmendingRegulationID: p.regulation(), Reasons: "Vurdert."}
		if n := len(app.Extensions); n > 0 {
			in.ApprovedEnd = app.Extensions[n-1].RequestedEnd
		}
		_, err := p.e.svc.DecideExtension(svcCtx, c, app.ID, in)
		return err
	}},
	{"terminate", 1, approverActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.TerminateTrial(svcCtx, c, app.ID, trial.TerminateInput{Reasons: "Ulovlig.", RepealingInstrument: svcRepealing})
		return err
	}},
	{"endPeriod", 6, approverActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.EndTrialPeriod(svcCtx, c, app.ID, "")
		return err
	}},
	{"submitEvaluation", 6, leadActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.SubmitEvaluation(svcCtx, c, app.ID, trial.EvaluationInput{ReportReference: "Rapport 2030:1", Summary: "Forsøket virket."})
		return err
	}},
	{"select", 6, approverActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.SelectApplication(svcCtx, c, app.ID, trial.SelectInput{Reasons: "Utvalgt.", FinalDeadline: propPick(p, "", "", p.dateIn(60))})
		return err
	}},
	{"decline", 6, approverActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		_, err := p.e.svc.DeclineApplication(svcCtx, c, app.ID, trial.DeclineInput{ReasonCodes: []trial.RejectReason{trial.RejectNotPrioritised}, Reasons: "Ikke prioritert."})
		return err
	}},
	{"close", 6, approverActor, func(p *propRun, c workflow.Call, app *trial.Application) error {
		in := trial.CloseInput{Outcome: propPick(p, trial.OutcomeMadePermanent, trial.OutcomeLawChangeProposed, trial.OutcomeDiscontinued), Reasons: "Ferdig.", WithoutEvaluation: p.chance(3)}
		_, err := p.e.svc.CloseApplication(svcCtx, c, app.ID, in)
		return err
	}},
}

// propFixtures are the applications the test creates, with their lead's caller.
var propFixtures = []func() *trial.Application{svcFixture, svcJointFixture, svcOtherFixture, svcKDDOwnFixture}

func TestService_Properties(t *testing.T) {
	const seeds = 3
	steps := 300 // deep enough for every state since calls (R20) opened a second road to them
	if testing.Short() {
		steps = 50
	}
	reached, done := map[trial.State]bool{}, map[string]int{} // over all seeds
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint("Seed", seed), func(t *testing.T) {
			p := &propRun{t: t, e: svcSetup(t), rng: rand.New(rand.NewPCG(seed, 0x5eed)), done: map[string]int{}, reached: map[trial.State]bool{}}
			// Intake for about the first third of the walk, assessment after it.
			in := svcCallInput()
			in.PreliminaryDeadline, in.FinalDeadline = "2026-07-31", "2027-06-30"
			c := svcTry(p.e.svc.CreateCall(svcCtx, svcCall(svcApprover), in)).must(t)
			p.call = svcTry(p.e.svc.PublishCall(svcCtx, svcCall(svcHandler), c.ID, "")).must(t).ID
			for step := range steps {
				p.step(step)
			}
			t.Logf("%d steps: carried out %v; states reached: %d of %d", steps, p.done, len(p.reached), len(trial.States))
			maps.Copy(reached, p.reached)
			for a, n := range p.done {
				done[a] += n
			}
		})
	}
	var missed []trial.State
	for _, s := range trial.States {
		if !reached[s] {
			missed = append(missed, s)
		}
	}
	// The invariants were checked in every state only if the walk went there: a
	// change that keeps cases from moving on (or a walk that no longer gets deep)
	// must fail here, not pass on a shallow walk. -short's walks are too short.
	if len(missed) > 0 && !testing.Short() {
		t.Errorf("states reached by the %d seeds' walks: missed %v, want every state (actions carried out: %v)", seeds, missed, done)
	}
}

// regulation is the id of a regulation adopted today, on the walk's clock: a decision's
// regulation is adopted on or after the decision (R18).
func (p *propRun) regulation() string {
	return "FOR-" + trial.FormatDate(p.today()) + "-1234"
}

// step takes one random step and checks the invariants.
func (p *propRun) step(step int) {
	t, e := p.t, p.e
	t.Helper()
	if p.chance(5) {
		days := p.rng.IntN(20)
		if p.chance(15) {
			days = p.rng.IntN(400)
		}
		e.clock.Set(e.clock.Now().Add(time.Duration(days)*24*time.Hour + time.Duration(p.rng.IntN(24))*time.Hour))
	}
	before := p.snapshots()
	var desc string
	var err error
	switch {
	case len(p.ids) == 0 || p.chance(15):
		in := propPick(p, propFixtures...)()
		// Planned from a few months on, whatever the clock says by now.
		start := p.today().AddDate(0, 2+p.rng.IntN(4), 0)
		in.PlannedStart, in.PlannedEnd = trial.FormatDate(start), trial.FormatDate(start.AddDate(3, 0, -1))
		if p.chance(3) {
			// A preliminary application to the call (R20), with the progress plan its
			// final application will need.
			in.Call, in.ProgressPlan = trial.CallName(p.call), "Oppstart om tre måneder, statusrapport hvert år."
		}
		actor := svcMunicipality(in.Applicants[0].OrganisationNumber)
		if p.chance(4) {
			actor = propPick(p, propCallers...)
		}
		desc = fmt.Sprintf("create by %s/%s", actor.Role, actor.OrganisationNumber)
		var app *trial.Application
		if app, err = e.svc.CreateApplication(svcCtx, svcCall(actor), in); err == nil {
			p.ids = append(p.ids, app.ID)
		}
	case p.chance(12):
		desc = "scheduler"
		_, err = e.svc.FireDueTimers(svcCtx)
	default:
		// Mostly a live case (not deleted, not in a terminal state), so that the walk
		// goes deep enough to reach every state; sometimes any case.
		var live []string
		for _, id := range p.ids {
			if b := before[id]; b.exists && !b.state.Terminal() {
				live = append(live, id)
			}
		}
		target := propPick(p, p.ids...)
		if len(live) > 0 && !p.chance(4) {
			target = propPick(p, live...)
		}
		for range 3 {
			if e.exists(t, target) {
				break
			}
			target = propPick(p, p.ids...)
		}
		app := &trial.Application{ID: target} // a deleted draft: any action finds nothing
		if e.exists(t, target) {
			app = e.app(t, target)
		}
		// Mostly an action the state machine allows from the case's state, so that cases
		// move on; sometimes any action, which must be refused without a trace.
		var allowed []propAction
		for _, a := range propActions {
			if trial.Allowed(app.State, trial.Action(a.name)) {
				allowed = append(allowed, a)
			}
		}
		a := p.weighted(propActions)
		if len(allowed) > 0 && !p.chance(5) {
			a = p.weighted(allowed)
		}
		actor := propPick(p, propCallers...)
		if app.Lead() != nil && !p.chance(7) {
			actor = a.actor(p, app)
		}
		desc = fmt.Sprintf("%s on %s (%s) by %s/%s", a.name, target, app.State, actor.Role, actor.OrganisationNumber+actor.Ministry)
		err = a.do(p, svcCall(actor), app)
	}
	if err == nil {
		p.done[strings.Fields(desc)[0]]++
	}
	if trial.ErrorCode(err) == trial.CodeInternal && err != nil {
		t.Fatalf("step %d, %s: internal error %v", step, desc, err)
	}
	after := p.snapshots()
	for _, id := range p.ids {
		was, ok := before[id]
		if !ok {
			continue
		}
		now := after[id]
		if err != nil && desc != "scheduler" {
			// A refusal changes nothing, on any case.
			if now != was {
				t.Fatalf("step %d, %s: refused (%v) but case %s changed:\nbefore %+v\nafter  %+v", step, desc, err, id, was, now)
			}
		}
		if was.exists && trial.State(was.state).Terminal() && (now.state != was.state || now.application != was.application) {
			t.Fatalf("step %d, %s: case %s left terminal state %s: now %s", step, desc, id, was.state, now.state)
		}
	}
	p.checkInvariants(step, desc)
}

// snapshots returns svcEnv.snapshot of every case, counting all events once.
func (p *propRun) snapshots() map[string]svcSnap {
	total := len(p.e.allEvents(p.t))
	snaps := map[string]svcSnap{}
	for _, id := range p.ids {
		snaps[id] = p.e.snapshotWith(p.t, id, total)
	}
	return snaps
}

func (p *propRun) checkInvariants(step int, desc string) {
	t, e := p.t, p.e
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("step %d, after %s: %s", step, desc, fmt.Sprintf(format, args...))
	}
	e.checkSequence(t)
	ref := e.svc.Reference
	apps := map[string]*trial.Application{}
	for _, id := range p.ids {
		events := e.events(t, id)
		if len(events) == 0 || events[0].Action != trial.ActionCreate || events[0].ToState != trial.StateDraft {
			fail("case %s: history does not start with create → DRAFT: %s", id, svcJSON(t, events))
		}
		for i := 1; i < len(events); i++ {
			if prev, ev := events[i-1], events[i]; ev.FromState != prev.ToState {
				fail("case %s: event %d (%s) comes from %s, but event %d left the case %s", id, ev.Sequence, ev.Action, ev.FromState, prev.Sequence, prev.ToState)
			}
		}
		last := events[len(events)-1]
		if !e.exists(t, id) {
			if last.Action != trial.ActionDelete {
				fail("case %s is gone, but its last event is %s", id, last.Action)
			}
			continue
		}
		app := e.app(t, id)
		apps[id] = app
		p.reached[app.State] = true
		if last.ToState != app.State {
			fail("case %s is %s, but its last event %s left it %s", id, app.State, last.Action, last.ToState)
		}
		d := app.Decision
		if d == nil || !d.Approved {
			continue
		}
		cons := e.consultations(t, id)
		for _, m := range trial.OwningMinistries(app, ref) {
			if !slices.ContainsFunc(cons, func(c *trial.Consultation) bool { return c.Ministry == m && c.State == trial.ConsultationAnswered }) {
				fail("case %s is approved without an answer from %s (R10)", id, m)
			}
		}
		start, err1 := trial.ParseDate(d.ApprovedStart)
		end, err2 := trial.ParseDate(d.ApprovedEnd)
		if err := errors.Join(err1, err2); err != nil || end.Before(start) || end.After(trial.MaxTrialEnd(start)) {
			fail("case %s is approved for %s–%s (R6): %v", id, d.ApprovedStart, d.ApprovedEnd, err)
		}
		for i, x := range app.Extensions {
			if x.State != trial.ExtensionGranted {
				continue
			}
			newEnd, err := trial.ParseDate(x.ApprovedEnd)
			if err != nil || !newEnd.After(end) {
				fail("case %s: extension %d granted to %q, not after the approved end %s (R7)", id, i, x.ApprovedEnd, d.ApprovedEnd)
			}
			limit := time.Date(end.Year()+2, end.Month(), end.Day(), 0, 0, 0, 0, time.UTC)
			if limit.Day() != end.Day() { // 29 February two years on
				limit = time.Date(end.Year()+2, end.Month()+1, 0, 0, 0, 0, 0, time.UTC)
			}
			if newEnd.After(limit) && (x.ReformReference == "" || x.ReformInForce == "" || x.ApprovedEnd > x.ReformInForce) {
				fail("case %s: extension %d granted to %s, beyond %s without a reform in force by then (R7)", id, i, x.ApprovedEnd, trial.FormatDate(limit))
			}
		}
	}
	// The applicants' lists, newest change first, come from the indexes: they must hold
	// what the cases say.
	for _, actor := range []trial.Actor{svcLead, svcOther} {
		var want []*trial.Application
		for _, app := range apps {
			if app.Applicant(actor.OrganisationNumber) != nil {
				want = append(want, app)
			}
		}
		slices.SortFunc(want, func(a, b *trial.Application) int {
			if c := b.UpdateTime.Compare(a.UpdateTime); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
		got, _, err := e.svc.ListApplications(svcCtx, actor, "", "update_time desc", 1000, "")
		if err != nil {
			fail("ListApplications for %s: %v", actor.OrganisationNumber, err)
		}
		if !slices.Equal(svcIDs(got), svcIDs(want)) {
			fail("ListApplications for %s by update_time desc: got %v, want %v", actor.OrganisationNumber, svcIDs(got), svcIDs(want))
		}
	}
}
