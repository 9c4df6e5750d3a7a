package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/loadgen"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// verdict is what one verification found.
type verdict struct {
	Cases      int // cases in the store
	Events     int // events in the store
	Acked      int // acknowledged actions checked
	Recovered  int // in-flight actions found committed (now counted as done)
	NotApplied int // in-flight actions found not committed (to be sent again)
	Problems   []string
}

func (v *verdict) problem(format string, args ...any) {
	v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
}

// verify checks the database file while no server runs. First boltstore.Audit,
// read-only, on the file as the kill left it: bbolt's own check of the pages, the
// store's invariants (indexes, event sequences 1…N) and the hash chains; then, against what the clients saw: every acknowledged action is
// stored, with the state and etag it was answered with and its event; every case's events
// run through the lifecycle from create, one per action and nothing else, the case's
// state is its last event's, its revision the number of its events; an action in flight
// at the kill is either wholly there or not at all (the clients then know which); every
// case in the store was acknowledged or in flight; the events of all cases are numbered
// 1…N without a gap.
func verify(path string, workers []*worker) (verdict, error) {
	var v verdict
	// The file as the kill left it, read-only: bbolt's page check, the store's
	// invariants and the hash chains, the one file check forsokd verify runs.
	rep, err := boltstore.Audit(path, boltstore.Options{})
	if err != nil {
		return v, err
	}
	for _, e := range rep.Consistency {
		v.problem("store check: %v", e)
	}
	for _, p := range rep.Problems {
		v.problem("hash chain: %s", p)
	}
	store, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		return v, fmt.Errorf("open the store: %w", err)
	}
	defer store.Close()
	err = store.View(context.Background(), func(tx workflow.ReadTx) error {
		return verifyCases(tx, workers, &v)
	})
	return v, err
}

func verifyCases(tx workflow.ReadTx, workers []*worker, v *verdict) error {
	// Every case in the store.
	stored := map[string]*trial.Application{}
	for token := ""; ; {
		apps, next, err := tx.ListApplications(trial.Query{PageSize: 1000, PageToken: token})
		if err != nil {
			return fmt.Errorf("list applications: %w", err)
		}
		for _, a := range apps {
			stored[a.ID] = a
		}
		if token = next; token == "" {
			break
		}
	}
	v.Cases = len(stored)
	events := map[string][]*trial.Event{}
	var seqs []uint64
	for id := range stored {
		evs, err := tx.ListEvents(id, 0, 10000)
		if err != nil {
			return fmt.Errorf("events of %s: %w", id, err)
		}
		events[id] = evs
		for _, e := range evs {
			seqs = append(seqs, e.Sequence)
		}
	}
	v.Events = len(seqs)
	slices.Sort(seqs)
	for i, s := range seqs {
		if s != uint64(i+1) {
			v.problem("event sequences: the %d-th smallest is %d, want %d (a gap or a duplicate)", i+1, s, i+1)
			break
		}
	}

	// The cases the clients know; then the one each may have created unawares.
	known := map[string]bool{}
	for _, w := range workers {
		for _, t := range w.cases {
			if t.Case.Name != "" {
				id := strings.TrimPrefix(t.Case.Name, "applications/")
				if known[id] {
					v.problem("case %s: acknowledged to two creates", id)
				}
				known[id] = true
			}
		}
	}
	for _, w := range workers {
		for _, t := range w.cases {
			if t.Case.Name == "" && t.InFlight == loadgen.Create {
				adopt(t, w, stored, events, known, v)
			}
		}
	}
	for id, app := range stored {
		if !known[id] {
			v.problem("case %s (%s, %s) is stored but no client was told of it nor had a create in flight", id, app.State, leadOf(app))
		}
	}
	for _, w := range workers {
		for _, t := range w.cases {
			verifyCase(t, stored, events, v)
		}
	}
	return nil
}

// adopt looks for the case an unanswered create of w's may have stored: w's municipality
// is the lead applicant of no other case the clients do not know.
func adopt(t *tracked, w *worker, stored map[string]*trial.Application, events map[string][]*trial.Event, known map[string]bool, v *verdict) {
	var found []string
	for id, app := range stored {
		if !known[id] && leadOf(app) == w.municipality.Org {
			found = append(found, id)
		}
	}
	switch len(found) {
	case 0:
		t.InFlight = ""
		v.NotApplied++
	case 1:
		id := found[0]
		known[id] = true
		t.Case.Name = trial.ApplicationName(id)
		// verifyCase finds the create among the events and counts it as recovered.
	default:
		v.problem("worker %d: %d unknown cases of its municipality (%v) for one create in flight", w.id, len(found), found)
	}
}

func leadOf(app *trial.Application) string {
	if l := app.Lead(); l != nil {
		return l.OrganisationNumber
	}
	return ""
}

// verifyCase checks one case against what its client saw, and settles an action that
// was in flight: done when stored, to be sent again when not.
func verifyCase(t *tracked, stored map[string]*trial.Application, events map[string][]*trial.Event, v *verdict) {
	if t.Case.Name == "" {
		if len(t.Acked) > 0 {
			v.problem("a case with %d acknowledged actions has no name", len(t.Acked))
		}
		return
	}
	id := strings.TrimPrefix(t.Case.Name, "applications/")
	app, ok := stored[id]
	if !ok {
		v.problem("case %s: acknowledged (%s) but not stored", id, actionsOf(t.Acked))
		return
	}
	evs := events[id]
	var got []loadgen.Action
	for _, e := range evs {
		got = append(got, loadgen.Action(e.Action))
	}
	want := loadgen.Lifecycle[:len(t.Acked)]
	switch {
	case slices.Equal(got, want):
		if t.InFlight != "" {
			t.InFlight = ""
			v.NotApplied++
		}
	case t.InFlight != "" && slices.Equal(got, append(slices.Clone(want), t.InFlight)):
		// The action in flight was committed; its answer was lost. Take it as done.
		last := evs[len(evs)-1]
		r := ack{Action: t.InFlight, State: string(last.ToState), Recovered: true}
		if t.InFlight != loadgen.Respond && t.InFlight != loadgen.Consult {
			r.Etag = strconv.FormatUint(uint64(len(evs)), 10)
		}
		if t.InFlight == loadgen.Consult {
			r.State = string(trial.ConsultationRequested)
			if cid := last.ConsultationID; cid != "" {
				t.Case.Consultation = t.Case.Name + "/consultations/" + cid
			} else {
				v.problem("case %s: its createConsultation event names no consultation", id)
			}
		}
		t.Acked = append(t.Acked, r)
		t.Case.Done++
		t.InFlight = ""
		v.Recovered++
	default:
		v.problem("case %s: events %s, want %s%s", id, actionsOf2(got), actionsOf2(want), inFlightNote(t))
		return
	}
	for k, a := range t.Acked {
		if a.Recovered {
			continue
		}
		v.Acked++
		e := evs[k]
		switch a.Action {
		case loadgen.Consult, loadgen.Respond:
			// The answer is the consultation; its state is the consultation's.
		default:
			if a.State != string(e.ToState) {
				v.problem("case %s: %s was answered with state %s, its event says %s", id, a.Action, a.State, e.ToState)
			}
			if want := strconv.Itoa(k + 1); a.Etag != want {
				v.problem("case %s: %s was answered with etag %q, want %q (one revision per event)", id, a.Action, a.Etag, want)
			}
		}
	}
	if t.Refused != "" && len(evs) > len(t.Acked) {
		v.problem("case %s: the refused %s (%s) is stored", id, t.Refused, t.RefusedErr)
	}
	// The case agrees with its history.
	prev := trial.StateNone
	for k, e := range evs {
		if e.ApplicationID != id {
			v.problem("case %s: event %d is of case %s", id, e.Sequence, e.ApplicationID)
		}
		if e.FromState != prev {
			v.problem("case %s: event %d (%s) goes from %s, the event before left it in %s", id, e.Sequence, e.Action, e.FromState, prev)
		}
		if k > 0 && e.Sequence <= evs[k-1].Sequence {
			v.problem("case %s: event sequences out of order", id)
		}
		prev = e.ToState
	}
	if app.State != prev {
		v.problem("case %s: state %s, its last event left it in %s", id, app.State, prev)
	}
	if app.Revision != uint64(len(evs)) {
		v.problem("case %s: revision %d with %d events, want one revision per event", id, app.Revision, len(evs))
	}
	if len(evs) > 0 {
		if want := loadgen.StateAfter[loadgen.Lifecycle[len(evs)-1]]; string(app.State) != want {
			v.problem("case %s: state %s after %d actions, want %s", id, app.State, len(evs), want)
		}
	}
}

func actionsOf(acks []ack) string {
	var as []loadgen.Action
	for _, a := range acks {
		as = append(as, a.Action)
	}
	return actionsOf2(as)
}

func actionsOf2(as []loadgen.Action) string {
	if len(as) == 0 {
		return "[]"
	}
	var b strings.Builder
	for i, a := range as {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(a))
	}
	return "[" + b.String() + "]"
}

func inFlightNote(t *tracked) string {
	if t.InFlight == "" {
		return ""
	}
	return fmt.Sprintf(" (or with %s, which was in flight)", t.InFlight)
}
