package workflow_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// TestService_GetStatistics drives cases along many paths, days apart (within the fixture's planned start, so approvals are not retroactive), and compares the
// statistics the service kept, event by event, with a count done here from the history
// and the cases by a simple model that knows nothing of CaseFacts or Observe.
func TestService_GetStatistics(t *testing.T) {
	e := svcSetup(t)
	var ids []string
	for i, st := range []trial.State{
		trial.StateDraft, trial.StateSubmitted, trial.StateInReview, trial.StateChangesRequested,
		trial.StateReadyForDecision, trial.StateApproved, trial.StateRejected, trial.StateWithdrawn,
		trial.StateApproved, trial.StateRejected,
	} {
		e.clock.Set(e.clock.Now().Add(time.Duration(i*2+1) * 24 * time.Hour))
		in := svcFixture()
		if i%2 == 1 {
			in = svcOtherFixture()
		}
		ids = append(ids, svcDriveApp(t, e, in, st).ID)
	}
	// A late answer: submitted, and assigned and asked for changes five weeks later.
	late := svcDrive(t, e, trial.StateSubmitted)
	e.clock.Set(e.clock.Now().Add(35 * 24 * time.Hour))
	svcStepRequestChanges(t, e, svcStepAssign(t, e, late))
	ids = append(ids, late.ID)
	// Last, as its route moves the clock past the planned start and the end: a trial
	// that ran, was evaluated and closed with an outcome.
	ids = append(ids, svcDrive(t, e, trial.StateClosed).ID)

	got, err := e.svc.GetStatistics(svcCtx)
	if err != nil {
		t.Fatal(err)
	}
	want := statisticsModel(t, e, ids)
	if g, w := got.Report(), want.Report(); !reflect.DeepEqual(g, w) {
		t.Errorf("got  %+v\nwant %+v", g, w)
	}
	// The replay that builds the statistics of a store written before them (schema
	// version 4) arrives at the same figures from the events and today's cases.
	replay := trial.NewStatisticsReplay(svcOslo)
	for _, ev := range e.allEvents(t) {
		var app *trial.Application
		var cons []*trial.Consultation
		if e.exists(t, ev.ApplicationID) {
			app, cons = e.app(t, ev.ApplicationID), e.consultations(t, ev.ApplicationID)
		}
		replay.Event(ev, app, cons)
	}
	if g, w := replay.Stats.Report(), want.Report(); !reflect.DeepEqual(g, w) {
		t.Errorf("replayed %+v\nwant     %+v", g, w)
	}
	if r := got.Report(); r.Applications.Total != 11 || len(r.Answers) == 0 || r.Answers[0].Late == 0 || len(r.Outcomes) == 0 || len(r.Consultations) == 0 {
		t.Errorf("got %+v, want 11 applications, a late answer, an outcome and consultations: the fixture does not exercise what it should", r)
	}
}

// statisticsModel counts by hand from the events and the cases as they are now.
func statisticsModel(t *testing.T, e *svcEnv, ids []string) *trial.Statistics {
	t.Helper()
	day := func(tm time.Time) time.Time {
		d := tm.In(svcOslo)
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	}
	m := &trial.Statistics{ProcessingDays: map[int]map[int]int{}, Answers: map[int]*trial.AnswerTally{},
		Consultations: map[string]*trial.ConsultationTally{}, Outcomes: map[trial.Outcome]int{}}
	tally := func(t *trial.Tally, app *trial.Application, year int) {
		if t.ByState == nil {
			t.ByState, t.ByCategory, t.ByCounty, t.ByYear = map[trial.State]int{}, map[trial.Category]int{}, map[string]int{}, map[int]int{}
		}
		t.Total++
		t.ByState[app.State]++
		t.ByCategory[app.Category]++
		seen := map[string]bool{}
		for _, a := range app.Applicants {
			c := a.CountyNumber
			if c == "" {
				c = a.MunicipalityNumber[:2]
			}
			if !seen[c] {
				seen[c] = true
				t.ByCounty[c]++
			}
		}
		t.ByYear[year]++
	}
	for _, id := range ids {
		app := e.app(t, id)
		var firstSubmit, due time.Time
		for _, ev := range e.events(t, id) {
			switch {
			case ev.Action == trial.ActionSubmit:
				if firstSubmit.IsZero() {
					firstSubmit = ev.Time
				}
				due = trial.AddMonths(day(ev.Time), 1)
			case ev.Action == trial.ActionWithdraw:
				due = time.Time{}
			case slices.Contains([]trial.Action{trial.ActionRecordInterimReply, trial.ActionRequestChanges, trial.ActionApprove, trial.ActionReject}, ev.Action):
				if !due.IsZero() {
					a := m.Answers[firstSubmit.In(svcOslo).Year()]
					if a == nil {
						a = &trial.AnswerTally{}
						m.Answers[firstSubmit.In(svcOslo).Year()] = a
					}
					if day(ev.Time).After(due) {
						a.Late++
					} else {
						a.OnTime++
					}
					due = time.Time{}
				}
				if ev.Action == trial.ActionApprove || ev.Action == trial.ActionReject {
					y := ev.Time.In(svcOslo).Year()
					if m.ProcessingDays[y] == nil {
						m.ProcessingDays[y] = map[int]int{}
					}
					m.ProcessingDays[y][int(day(ev.Time).Sub(day(firstSubmit)).Hours()/24)]++
				}
				if ev.Action == trial.ActionApprove {
					tally(&m.Trials, app, ev.Time.In(svcOslo).Year())
				}
			}
		}
		if firstSubmit.IsZero() {
			continue
		}
		tally(&m.Applications, app, firstSubmit.In(svcOslo).Year())
		if app.State == trial.StateClosed {
			m.Outcomes[app.Closure.Outcome]++
		}
		for _, c := range e.consultations(t, id) {
			if c.Response == nil {
				continue
			}
			ct := m.Consultations[c.Ministry]
			if ct == nil {
				ct = &trial.ConsultationTally{}
				m.Consultations[c.Ministry] = ct
			}
			ct.Answered++
			if trial.FormatDate(c.Response.Time.In(svcOslo)) <= c.DueDate {
				ct.OnTime++
			}
		}
	}
	return m
}
