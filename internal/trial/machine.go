package trial

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/looplab/fsm"
)

// The workflow's state machine (domain.md, Actions). The transitions table below is the
// one source of truth: the looplab/fsm machines that decide and draw are built from it.
// A machine is built per call from the case's stored state and has no callbacks, so it
// never does I/O, holds no state between requests and cannot deadlock; the service does
// the write, the etag check and the history append itself, in one transaction.

// StateNone is the pseudo state of a case that does not exist: the source of create and
// the destination of delete (a deleted draft disappears; only its history stays). It is
// never stored on a case.
const StateNone State = ""

// EventConsultationsSettled is the machine event that moves a case from IN_CONSULTATION
// to READY_FOR_DECISION. It is not an Action: no caller asks for it; the service fires
// it (Settle) in the same write in which the last open consultation is answered or
// cancelled.
const EventConsultationsSettled = "consultationsSettled"

// Transition is one allowed step: action taken in From leads to To. From == To for
// actions that record something without moving the case.
type Transition struct {
	Action Action
	From   State
	To     State
}

// transitions is the Actions table of domain.md, in its order, each action's sources in
// workflow order.
var transitions = []Transition{
	{ActionCreate, StateNone, StateDraft},

	{ActionUpdate, StateDraft, StateDraft},
	{ActionUpdate, StateChangesRequested, StateChangesRequested},
	{ActionUpdate, StateSelected, StateSelected}, // completing the final application (R20)

	{ActionDelete, StateDraft, StateNone},

	{ActionConfirmParticipation, StateDraft, StateDraft},
	{ActionConfirmParticipation, StateChangesRequested, StateChangesRequested},
	{ActionConfirmParticipation, StateSelected, StateSelected},
	// A co-applicant of a running joint trial records its council's decision to ask for
	// an extension (R8+).
	{ActionConfirmParticipation, StateActive, StateActive},

	{ActionSubmit, StateDraft, StateSubmitted},
	// A resubmission goes straight back to the handler who asked for the changes.
	{ActionSubmit, StateChangesRequested, StateInReview},
	// The final application of a selected one starts the ordinary workflow (R20).
	{ActionSubmit, StateSelected, StateSubmitted},

	{ActionWithdraw, StateSubmitted, StateWithdrawn},
	{ActionWithdraw, StateInReview, StateWithdrawn},
	{ActionWithdraw, StateChangesRequested, StateWithdrawn},
	{ActionWithdraw, StateInConsultation, StateWithdrawn},
	{ActionWithdraw, StateReadyForDecision, StateWithdrawn},
	{ActionWithdraw, StateSelected, StateWithdrawn},

	{ActionAssign, StateSubmitted, StateInReview},
	{ActionAssign, StateInReview, StateInReview},
	{ActionAssign, StateInConsultation, StateInConsultation},
	{ActionAssign, StateReadyForDecision, StateReadyForDecision},

	// "Any state from SUBMITTED to READY_FOR_DECISION", in the order of the States table.
	{ActionRecordInterimReply, StateSubmitted, StateSubmitted},
	{ActionRecordInterimReply, StateInReview, StateInReview},
	{ActionRecordInterimReply, StateChangesRequested, StateChangesRequested},
	{ActionRecordInterimReply, StateInConsultation, StateInConsultation},
	{ActionRecordInterimReply, StateReadyForDecision, StateReadyForDecision},

	{ActionRequestChanges, StateInReview, StateChangesRequested},
	{ActionRequestChanges, StateReadyForDecision, StateChangesRequested},

	{ActionOpenConsultation, StateInReview, StateInConsultation},
	{ActionOpenConsultation, StateInConsultation, StateInConsultation},
	{ActionOpenConsultation, StateReadyForDecision, StateInConsultation},

	// The case stays in IN_CONSULTATION; Settle moves it on when none is left open.
	{ActionCancelConsultation, StateInConsultation, StateInConsultation},
	{ActionRespondToConsultation, StateInConsultation, StateInConsultation},

	// From IN_REVIEW only when no consultation is needed; ApproveGuards decides (R10).
	{ActionApprove, StateInReview, StateApproved},
	{ActionApprove, StateReadyForDecision, StateApproved},

	{ActionReject, StateInReview, StateRejected},
	{ActionReject, StateChangesRequested, StateRejected},
	{ActionReject, StateReadyForDecision, StateRejected},

	{ActionRecordPublication, StateApproved, StateApproved},
	{ActionRecordPublication, StateActive, StateActive},

	{ActionActivate, StateApproved, StateActive},

	{ActionRequestExtension, StateActive, StateExtensionRequested},

	{ActionDecideExtension, StateExtensionRequested, StateActive},

	{ActionEndPeriod, StateActive, StateEvaluating},
	{ActionEndPeriod, StateExtensionRequested, StateEvaluating},

	// A trial terminated before it started has nothing to evaluate (R12): it closes as
	// DISCONTINUED. A running one still owes its evaluation.
	{ActionTerminate, StateApproved, StateClosed},
	{ActionTerminate, StateActive, StateEvaluating},
	{ActionTerminate, StateExtensionRequested, StateEvaluating},

	{ActionSubmitEvaluation, StateEvaluating, StateEvaluating},

	{ActionClose, StateEvaluating, StateClosed},

	{ActionConfirmLawOwner, StateInReview, StateInReview},
	{ActionConfirmLawOwner, StateInConsultation, StateInConsultation},
	{ActionConfirmLawOwner, StateReadyForDecision, StateReadyForDecision},

	{ActionRecordLegalReview, StateInReview, StateInReview},
	{ActionRecordLegalReview, StateInConsultation, StateInConsultation},
	{ActionRecordLegalReview, StateReadyForDecision, StateReadyForDecision},

	// Before the decision (R8+); the case goes on with the other applicants.
	{ActionWithdrawParticipation, StateDraft, StateDraft},
	{ActionWithdrawParticipation, StateSubmitted, StateSubmitted},
	{ActionWithdrawParticipation, StateInReview, StateInReview},
	{ActionWithdrawParticipation, StateChangesRequested, StateChangesRequested},
	{ActionWithdrawParticipation, StateInConsultation, StateInConsultation},
	{ActionWithdrawParticipation, StateReadyForDecision, StateReadyForDecision},

	// Calls for applications (R20, call.go). KDD answers a preliminary application by
	// selecting or declining it; a selected one is the applicants' again until they
	// submit it as final, from where the workflow above runs. StageGuards decides which
	// cases these apply to.
	{ActionSelect, StateSubmitted, StateSelected},
	{ActionSelect, StateInReview, StateSelected},
	{ActionSelect, StateReadyForDecision, StateSelected},

	{ActionDecline, StateSubmitted, StateNotSelected},
	{ActionDecline, StateInReview, StateNotSelected},
	{ActionDecline, StateChangesRequested, StateNotSelected},
	{ActionDecline, StateReadyForDecision, StateNotSelected},
	// A selected application that missed its final deadline (FINAL_DEADLINE_MISSED).
	{ActionDecline, StateSelected, StateNotSelected},
}

// settleTransition is the automatic step of EventConsultationsSettled.
var settleTransition = Transition{Action(EventConsultationsSettled), StateInConsultation, StateReadyForDecision}

// actions lists every action in the order of trial.go's constants, which follows
// domain.md.
var actions = []Action{
	ActionCreate, ActionUpdate, ActionDelete, ActionConfirmParticipation, ActionSubmit,
	ActionWithdraw, ActionAssign, ActionRecordInterimReply, ActionRequestChanges,
	ActionOpenConsultation, ActionCancelConsultation, ActionRespondToConsultation,
	ActionApprove, ActionReject, ActionRecordPublication, ActionActivate,
	ActionRequestExtension, ActionDecideExtension, ActionEndPeriod, ActionTerminate,
	ActionSubmitEvaluation, ActionClose,
	ActionConfirmLawOwner, ActionRecordLegalReview, ActionWithdrawParticipation,
	ActionSelect, ActionDecline,
}

// mermaidNone is StateNone's name in the diagram: Mermaid's start/end pseudo state.
const mermaidNone = "[*]"

// machineEvents and diagramEvents are the fsm's form of the table: for deciding, with
// StateNone as "", and for drawing, with StateNone as Mermaid's [*].
var (
	machineEvents = fsmEvents(func(s State) string { return string(s) })
	diagramEvents = fsmEvents(func(s State) string {
		if s == StateNone {
			return mermaidNone
		}
		return string(s)
	})
)

// fsmEvents converts the table into looplab/fsm events, one per transition (an event
// name may have several sources with different destinations).
func fsmEvents(name func(State) string) fsm.Events {
	all := append(slices.Clone(transitions), settleTransition)
	events := make(fsm.Events, 0, len(all))
	for _, t := range all {
		events = append(events, fsm.EventDesc{Name: string(t.Action), Src: []string{name(t.From)}, Dst: name(t.To)})
	}
	return events
}

// newMachine builds a machine standing in state from.
func newMachine(from State) *fsm.FSM {
	return fsm.NewFSM(string(from), machineEvents, nil)
}

// Next returns the state after action from `from`, or a *Error with
// CodeFailedPrecondition and one Violation{Rule: "STATE", Field: "state", Reason:
// "ACTION_NOT_ALLOWED_IN_STATE"} naming the action, the state and the states the action
// is allowed from. An action this package does not define is a programming error of the
// caller, never a client's: CodeInternal.
func Next(from State, action Action) (State, error) {
	if !slices.Contains(actions, action) {
		return "", Errorf(CodeInternal, "unknown action %q", action)
	}
	return fire(from, string(action))
}

// Settle returns the state after EventConsultationsSettled: READY_FOR_DECISION from
// IN_CONSULTATION, otherwise the same *Error as Next.
func Settle(from State) (State, error) {
	return fire(from, EventConsultationsSettled)
}

// fire runs event on a fresh machine in state from. A self-transition is success:
// looplab/fsm reports it as NoTransitionError because nothing moved.
func fire(from State, event string) (State, error) {
	m := newMachine(from)
	if err := m.Event(context.Background(), event); err != nil {
		var same fsm.NoTransitionError
		if !errors.As(err, &same) {
			return "", notAllowed(from, event)
		}
	}
	return State(m.Current()), nil
}

// notAllowed is the FAILED_PRECONDITION a client gets for an action the case's state
// does not allow (api.md: naming the state and the action).
func notAllowed(from State, event string) error {
	var sources []string
	for _, t := range append(slices.Clone(transitions), settleTransition) {
		if string(t.Action) == event {
			sources = append(sources, stateName(t.From))
		}
	}
	msg := fmt.Sprintf("action %s is not allowed in state %s", event, stateName(from))
	return &Error{
		Code:    CodeFailedPrecondition,
		Message: msg,
		Violations: []Violation{{
			Rule:        "STATE",
			Field:       "state",
			Reason:      "ACTION_NOT_ALLOWED_IN_STATE",
			Description: fmt.Sprintf("%s; it is allowed only in %s.", msg, strings.Join(sources, ", ")),
		}},
	}
}

// stateName names a state for a message; the pseudo state has no name of its own.
func stateName(s State) string {
	if s == StateNone {
		return "(no case)"
	}
	return string(s)
}

// Allowed reports whether action may be taken in state from. Guards may still refuse it.
func Allowed(from State, action Action) bool {
	return slices.Contains(actions, action) && newMachine(from).Can(string(action))
}

// Transitions returns every allowed (action, from, to), in the order of the Actions
// table of domain.md. It lists actions only; the automatic IN_CONSULTATION →
// READY_FOR_DECISION step is EventConsultationsSettled (see Settle and the diagram).
func Transitions() []Transition {
	return slices.Clone(transitions)
}

// Actions returns every action, in the order of domain.md.
func Actions() []Action {
	return slices.Clone(actions)
}

// MermaidDiagram returns the workflow as a Mermaid state diagram, drawn by looplab/fsm
// from the same table that decides, so the published diagram (GetWorkflow) cannot drift
// from the rules. StateNone is drawn as [*]: create leaves it, delete returns to it. The
// output is deterministic (looplab/fsm sorts by source state and event).
func MermaidDiagram() string {
	m := fsm.NewFSM(string(StateDraft), diagramEvents, nil)
	out, err := fsm.VisualizeWithType(m, fsm.MermaidStateDiagram)
	if err != nil {
		// Only an unknown visualisation type fails, and the type is a constant.
		panic("trial: mermaid diagram: " + err.Error())
	}
	// looplab/fsm marks the machine's current state with an unlabelled "[*] --> DRAFT";
	// the labelled create transition already draws that edge.
	return strings.Replace(out, "    "+mermaidNone+" --> "+string(StateDraft)+"\n", "", 1)
}
