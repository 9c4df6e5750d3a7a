package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/forsok/forsok/internal/loadgen"
	"github.com/forsok/forsok/internal/server/servertest"
)

// fixture is a store with cases made through the workflow service, and the workers that
// made them, as the crash test's clients would have recorded them.
type fixture struct {
	path    string
	workers []*worker
}

// newFixture makes two workers' cases: the first takes one case through the whole
// lifecycle and a second to SUBMITTED; the second worker has one DRAFT. Then fn may act
// on the store through the client before it is closed.
func newFixture(t *testing.T, fn func(ctx context.Context, client loadgen.Client, ws []*worker)) *fixture {
	t.Helper()
	st := servertest.Open(t, servertest.Options{Logs: io.Discard})
	ms := loadgen.Municipalities(2)
	tokens, err := loadgen.NewTokens(servertest.DevKey(t), ms, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	client, err := loadgen.NewService(ctx, st.Service(), st.Authenticator(), tokens)
	if err != nil {
		t.Fatal(err)
	}
	ws := []*worker{{id: 0, municipality: ms[0]}, {id: 1, municipality: ms[1]}}
	drive := func(w *worker, actions int) *tracked {
		tc := &tracked{Case: loadgen.Case{Municipality: w.municipality}}
		w.cases = append(w.cases, tc)
		for range actions {
			action := tc.Case.Next()
			r, err := client.Do(ctx, &tc.Case)
			if err != nil {
				t.Fatalf("%s: %v", action, err)
			}
			tc.Acked = append(tc.Acked, ack{Action: action, State: r.State, Etag: r.Etag})
		}
		return tc
	}
	drive(ws[0], len(loadgen.Lifecycle))
	drive(ws[0], 3)
	drive(ws[1], 2)
	if fn != nil {
		fn(ctx, client, ws)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return &fixture{path: st.DBPath(), workers: ws}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name string
		// act runs before the store is closed; change edits the clients' records after.
		act    func(ctx context.Context, client loadgen.Client, ws []*worker)
		change func(ws []*worker)
		// wantProblem is a part of the one problem expected, "" for none.
		wantProblem               string
		wantRecovered, wantNotApp int
	}{
		{name: "OK"},
		{
			name: "AcknowledgedButLost",
			change: func(ws []*worker) {
				ws[0].cases[1].Acked = append(ws[0].cases[1].Acked, ack{Action: loadgen.Assign, Etag: "4"})
			},
			wantProblem: "events [create,update,submit], want [create,update,submit,assign]",
		},
		{
			name:        "WrongEtag",
			change:      func(ws []*worker) { ws[0].cases[1].Acked[2].Etag = "7" },
			wantProblem: `answered with etag "7", want "3"`,
		},
		{
			name: "UnknownCase",
			act: func(ctx context.Context, client loadgen.Client, ws []*worker) {
				if _, err := client.Do(ctx, &loadgen.Case{Municipality: ws[1].municipality}); err != nil {
					panic(err)
				}
			},
			wantProblem: "is stored but no client was told of it",
		},
		{
			name: "CreateInFlightCommitted",
			act: func(ctx context.Context, client loadgen.Client, ws []*worker) {
				c := &loadgen.Case{Municipality: ws[1].municipality}
				if _, err := client.Do(ctx, c); err != nil {
					panic(err)
				}
				ws[1].cases = append(ws[1].cases, &tracked{Case: loadgen.Case{Municipality: ws[1].municipality}, InFlight: loadgen.Create})
			},
			wantRecovered: 1,
		},
		{
			name: "SubmitInFlightNotCommitted",
			change: func(ws []*worker) {
				ws[1].cases[0].InFlight = loadgen.Submit
			},
			wantNotApp: 1,
		},
		{
			name: "ConsultInFlightCommitted",
			act: func(ctx context.Context, client loadgen.Client, ws []*worker) {
				tc := ws[0].cases[1]
				if _, err := client.Do(ctx, &tc.Case); err != nil { // assign, acknowledged
					panic(err)
				}
				tc.Acked = append(tc.Acked, ack{Action: loadgen.Assign, State: "IN_REVIEW", Etag: "4"})
				done := tc.Case
				if _, err := client.Do(ctx, &done); err != nil { // the consultation, answer lost
					panic(err)
				}
				tc.InFlight = loadgen.Consult
			},
			wantRecovered: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.act)
			if tt.change != nil {
				tt.change(f.workers)
			}
			v, err := verify(f.path, f.workers)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.wantProblem == "" && len(v.Problems) > 0:
				t.Errorf("problems: got %q, want none", v.Problems)
			case tt.wantProblem != "" && (len(v.Problems) != 1 || !strings.Contains(v.Problems[0], tt.wantProblem)):
				t.Errorf("problems: got %q, want one containing %q", v.Problems, tt.wantProblem)
			}
			if v.Recovered != tt.wantRecovered || v.NotApplied != tt.wantNotApp {
				t.Errorf("in flight: got %d committed and %d not, want %d and %d", v.Recovered, v.NotApplied, tt.wantRecovered, tt.wantNotApp)
			}
			for _, w := range f.workers {
				for _, tc := range w.cases {
					if tc.InFlight != "" {
						t.Errorf("an action in flight (%s) is still unsettled after verify", tc.InFlight)
					}
				}
			}
			if tt.name == "ConsultInFlightCommitted" {
				tc := f.workers[0].cases[1]
				if tc.Case.Next() != loadgen.Respond || !strings.HasSuffix(tc.Case.Consultation, "/consultations/1") {
					t.Errorf("after the recovered consultation: next %s, consultation %q; want respondToConsultation and …/consultations/1", tc.Case.Next(), tc.Case.Consultation)
				}
			}
		})
	}
}
