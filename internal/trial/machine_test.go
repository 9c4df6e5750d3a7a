package trial

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// wantWorkflow is domain.md's Actions table, written out again by hand and independently
// of machine.go's table: state → action → next state. A pair missing here is refused.
var wantWorkflow = map[State]map[Action]State{
	StateNone: {
		ActionCreate: StateDraft,
	},
	StateDraft: {
		ActionUpdate:               StateDraft,
		ActionDelete:               StateNone,
		ActionConfirmParticipation: StateDraft,
		ActionSubmit:               StateSubmitted,
		// R8+: a co-applicant withdraws before the decision.
		ActionWithdrawParticipation: StateDraft,
	},
	StateSubmitted: {
		ActionSelect:                StateSelected,
		ActionDecline:               StateNotSelected,
		ActionWithdrawParticipation: StateSubmitted,
		ActionWithdraw:              StateWithdrawn,
		ActionAssign:                StateInReview,
		ActionRecordInterimReply:    StateSubmitted,
	},
	StateInReview: {
		ActionSelect:             StateSelected,
		ActionDecline:            StateNotSelected,
		ActionWithdraw:           StateWithdrawn,
		ActionAssign:             StateInReview,
		ActionRecordInterimReply: StateInReview,
		ActionRequestChanges:     StateChangesRequested,
		ActionOpenConsultation:   StateInConsultation,
		ActionApprove:            StateApproved,
		ActionReject:             StateRejected,
		// R16, R19, R8+.
		ActionConfirmLawOwner:       StateInReview,
		ActionRecordLegalReview:     StateInReview,
		ActionWithdrawParticipation: StateInReview,
	},
	StateChangesRequested: {
		ActionDecline:               StateNotSelected,
		ActionWithdrawParticipation: StateChangesRequested,
		ActionUpdate:                StateChangesRequested,
		ActionConfirmParticipation:  StateChangesRequested,
		ActionSubmit:                StateInReview,
		ActionWithdraw:              StateWithdrawn,
		ActionRecordInterimReply:    StateChangesRequested,
		ActionReject:                StateRejected,
	},
	StateInConsultation: {
		ActionWithdraw:              StateWithdrawn,
		ActionAssign:                StateInConsultation,
		ActionRecordInterimReply:    StateInConsultation,
		ActionOpenConsultation:      StateInConsultation,
		ActionCancelConsultation:    StateInConsultation,
		ActionRespondToConsultation: StateInConsultation,
		ActionConfirmLawOwner:       StateInConsultation,
		ActionRecordLegalReview:     StateInConsultation,
		ActionWithdrawParticipation: StateInConsultation,
	},
	StateReadyForDecision: {
		ActionSelect:                StateSelected,
		ActionDecline:               StateNotSelected,
		ActionWithdraw:              StateWithdrawn,
		ActionAssign:                StateReadyForDecision,
		ActionRecordInterimReply:    StateReadyForDecision,
		ActionRequestChanges:        StateChangesRequested,
		ActionOpenConsultation:      StateInConsultation,
		ActionApprove:               StateApproved,
		ActionReject:                StateRejected,
		ActionConfirmLawOwner:       StateReadyForDecision,
		ActionRecordLegalReview:     StateReadyForDecision,
		ActionWithdrawParticipation: StateReadyForDecision,
	},
	StateApproved: {
		ActionRecordPublication: StateApproved,
		ActionActivate:          StateActive,
		ActionTerminate:         StateClosed,
	},
	StateRejected:  {},
	StateWithdrawn: {},
	StateActive: {
		ActionRecordPublication: StateActive,
		ActionRequestExtension:  StateExtensionRequested,
		// R8+: a co-applicant's council decides on the extension of a joint trial.
		ActionConfirmParticipation: StateActive,
		ActionEndPeriod:            StateEvaluating,
		ActionTerminate:            StateEvaluating,
	},
	StateExtensionRequested: {
		ActionDecideExtension: StateActive,
		ActionEndPeriod:       StateEvaluating,
		ActionTerminate:       StateEvaluating,
	},
	StateEvaluating: {
		ActionSubmitEvaluation: StateEvaluating,
		ActionClose:            StateClosed,
	},
	StateClosed: {},
	StateSelected: {
		ActionUpdate:               StateSelected,
		ActionConfirmParticipation: StateSelected,
		ActionSubmit:               StateSubmitted,
		ActionWithdraw:             StateWithdrawn,
		ActionDecline:              StateNotSelected,
	},
	StateNotSelected: {},
}

// allStates is every state a case can be in, the pseudo state, and one no case has.
func allStates() []State {
	return append([]State{StateNone}, append(slices.Clone(States), "BOGUS")...)
}

func TestNext(t *testing.T) {
	for _, from := range allStates() {
		for _, action := range Actions() {
			to, want := wantWorkflow[from][action]
			name := "Err" + string(from) + "_" + string(action)
			if want {
				name = "OK" + string(from) + "_" + string(action)
			}
			t.Run(name, func(t *testing.T) {
				if got := Allowed(from, action); got != want {
					t.Errorf("Allowed(%q, %s): got %v, want %v", from, action, got, want)
				}
				got, err := Next(from, action)
				if want {
					if err != nil {
						t.Fatalf("Next(%q, %s): got error %v, want %q", from, action, err, to)
					}
					if got != to {
						t.Errorf("Next(%q, %s): got %q, want %q", from, action, got, to)
					}
					return
				}
				assertNotAllowed(t, err, from, string(action))
			})
		}
	}
}

// assertNotAllowed checks the FAILED_PRECONDITION of an action refused in a state.
func assertNotAllowed(t *testing.T, err error, from State, action string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want an *Error", err)
	}
	if e.Code != CodeFailedPrecondition {
		t.Errorf("code: got %v, want CodeFailedPrecondition", e.Code)
	}
	if len(e.Violations) != 1 {
		t.Fatalf("violations: got %d, want 1", len(e.Violations))
	}
	v := e.Violations[0]
	if v.Rule != "STATE" || v.Field != "state" || v.Reason != "ACTION_NOT_ALLOWED_IN_STATE" {
		t.Errorf("violation: got %s %s %s, want STATE state ACTION_NOT_ALLOWED_IN_STATE", v.Rule, v.Field, v.Reason)
	}
	if !strings.Contains(v.Description, action) || !strings.Contains(v.Description, stateName(from)) {
		t.Errorf("description %q: got no action or state, want both named", v.Description)
	}
	// The description lists the states the action is allowed from.
	for s, acts := range wantWorkflow {
		if _, ok := acts[Action(action)]; ok && !strings.Contains(v.Description, stateName(s)) {
			t.Errorf("description %q: got no %s, want every allowed source state", v.Description, stateName(s))
		}
	}
}

func TestNext_UnknownAction(t *testing.T) {
	t.Run("ErrSettleEventIsNotAnAction", func(t *testing.T) {
		_, err := Next(StateInConsultation, Action(EventConsultationsSettled))
		if got := ErrorCode(err); got != CodeInternal {
			t.Errorf("code: got %v, want CodeInternal", got)
		}
		if Allowed(StateInConsultation, Action(EventConsultationsSettled)) {
			t.Errorf("Allowed: got true, want false")
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		if _, err := Next(StateDraft, "publish"); ErrorCode(err) != CodeInternal {
			t.Errorf("code: got %v, want CodeInternal", ErrorCode(err))
		}
	})
}

func TestSettle(t *testing.T) {
	for _, from := range allStates() {
		if from == StateInConsultation {
			t.Run("OK", func(t *testing.T) {
				got, err := Settle(from)
				if err != nil || got != StateReadyForDecision {
					t.Errorf("Settle(%s): got %q %v, want READY_FOR_DECISION nil", from, got, err)
				}
			})
			continue
		}
		t.Run("Err"+string(from), func(t *testing.T) {
			_, err := Settle(from)
			assertNotAllowed(t, err, from, EventConsultationsSettled)
		})
	}
}

func TestTransitions(t *testing.T) {
	t.Run("OKMatchesDomain", func(t *testing.T) {
		var got, want []string
		for _, tr := range Transitions() {
			got = append(got, string(tr.From)+" "+string(tr.Action)+" "+string(tr.To))
		}
		for from, acts := range wantWorkflow {
			for a, to := range acts {
				want = append(want, string(from)+" "+string(a)+" "+string(to))
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("transitions:\n got  %q\n want %q", got, want)
		}
	})
	t.Run("OKDeterministicOrder", func(t *testing.T) {
		a, b := Transitions(), Transitions()
		if !slices.Equal(a, b) {
			t.Errorf("got two orders, want one")
		}
		// Grouped by action, in the order of Actions().
		var order []Action
		for _, tr := range a {
			if len(order) == 0 || order[len(order)-1] != tr.Action {
				order = append(order, tr.Action)
			}
		}
		if !slices.Equal(order, Actions()) {
			t.Errorf("action order: got %v, want %v", order, Actions())
		}
	})
	t.Run("OKCallerCannotChangeTable", func(t *testing.T) {
		ts := Transitions()
		ts[0].To = StateClosed
		if Transitions()[0].To != StateDraft {
			t.Errorf("got a shared table, want a copy")
		}
	})
	t.Run("OKTerminalStatesHaveNoWayOut", func(t *testing.T) {
		for _, tr := range Transitions() {
			if tr.From.Terminal() {
				t.Errorf("transition %v: got one from a terminal state, want none", tr)
			}
		}
	})
}

func TestActions(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		got := Actions()
		if len(got) != 27 {
			t.Errorf("got %d actions, want 27", len(got))
		}
		seen := map[Action]bool{}
		for _, a := range got {
			if seen[a] {
				t.Errorf("action %s: got it twice, want once", a)
			}
			seen[a] = true
		}
		for _, acts := range wantWorkflow {
			for a := range acts {
				if !seen[a] {
					t.Errorf("action %s: got it missing, want it listed", a)
				}
			}
		}
		// domain.md's Actions table first, then the actions of its sharper readings,
		// then those of calls for applications (R20).
		if got[0] != ActionCreate || got[21] != ActionClose || got[22] != ActionConfirmLawOwner || got[len(got)-1] != ActionDecline {
			t.Errorf("order: got %s…%s, %s…%s, want create…close, confirmLawOwner…decline", got[0], got[21], got[22], got[len(got)-1])
		}
	})
}

func TestMermaidDiagram(t *testing.T) {
	got := MermaidDiagram()
	golden := filepath.Join("testdata", "workflow.mmd")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("OKGolden", func(t *testing.T) {
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("read %s: %v (run go test -run TestMermaidDiagram -update)", golden, err)
		}
		if got != string(want) {
			t.Errorf("diagram differs from %s (run with -update if the change is intended):\n got\n%s\n want\n%s", golden, got, want)
		}
	})
	t.Run("OKDeterministic", func(t *testing.T) {
		for range 5 {
			if again := MermaidDiagram(); again != got {
				t.Fatalf("got a different diagram on another call, want the same")
			}
		}
	})
	t.Run("OKEveryTransitionDrawn", func(t *testing.T) {
		name := func(s State) string {
			if s == StateNone {
				return "[*]"
			}
			return string(s)
		}
		lines := strings.Split(got, "\n")
		if lines[0] != "stateDiagram-v2" {
			t.Errorf("first line: got %q, want stateDiagram-v2", lines[0])
		}
		for _, tr := range append(Transitions(), Transition{Action(EventConsultationsSettled), StateInConsultation, StateReadyForDecision}) {
			line := "    " + name(tr.From) + " --> " + name(tr.To) + ": " + string(tr.Action)
			if !slices.Contains(lines, line) {
				t.Errorf("got no line %q, want one", line)
			}
		}
		if slices.Contains(lines, "    [*] --> DRAFT") {
			t.Errorf("got the unlabelled initial edge, want only the create edge")
		}
	})
}
