package workflow

// Applications in a call for applications (R20): joining a call at create, and KDD's
// selection among the preliminary applications, one at a time or many under one
// decision.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/forsok/forsok/internal/trial"
)

// joinCall makes the new draft a preliminary application to the call: the call must
// exist for the caller, be open, and invite the lead applicant's kind.
func (s *Service) joinCall(tx Tx, actor trial.Actor, app *trial.Application, callName string) error {
	id, err := trial.ParseCallName(callName, "call")
	if err != nil {
		return err
	}
	c, err := tx.Call(id)
	if errors.Is(err, trial.ErrNotFound) || (err == nil && !trial.CallVisible(actor, c)) {
		return trial.Invalid([]trial.Violation{{Field: "call", Reason: "CALL_NOT_FOUND", Description: fmt.Sprintf("%s does not exist; name a published call, or leave call empty to apply directly", callName)}})
	}
	if err != nil {
		return err
	}
	if err := trial.Precondition("cannot apply to "+callName, trial.CreateInCallGuards(c)); err != nil {
		return err
	}
	app.Call, app.Stage, app.Deadline = id, trial.StagePreliminary, c.PreliminaryDeadline
	return nil
}

// SelectApplication selects a preliminary application for a final application (R20):
// its stage becomes FINAL and it is the applicants' again until the final deadline.
func (s *Service) SelectApplication(ctx context.Context, call Call, id string, in trial.SelectInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, s.selectStep(call, id, "", in)))
}

// selectStep is SelectApplication's step; callID, when set, is the call every case of
// a batch must belong to.
func (s *Service) selectStep(call Call, id, callID string, in trial.SelectInput) step {
	deadline := func(a *action) string {
		if in.FinalDeadline != "" || a.call == nil {
			return in.FinalDeadline
		}
		return a.call.FinalDeadline
	}
	return step{
		action: trial.ActionSelect, id: id,
		validate: func(*action) []trial.Violation { return in.Validate() },
		guards: func(a *action) []trial.Violation {
			return append(inCall(a, callID), trial.SelectGuards(deadline(a), a.today)...)
		},
		apply: func(a *action) error {
			fd := deadline(a)
			a.app.Selection = &trial.Selection{Selected: true, Reasons: in.Reasons, FinalDeadline: fd,
				Authority: s.Reference.DecisionAuthority, DecidedBy: call.Actor.Person(), DecideTime: a.now}
			a.app.Stage, a.app.Deadline = trial.StageFinal, fd
			a.answered()
			a.event.Comment = in.Reasons
			a.event.Changes = []string{"selection", "stage", "deadline"}
			return nil
		},
	}
}

// DeclineApplication declines a preliminary application, or a selected one that
// missed its final deadline (R20): NOT_SELECTED, terminal.
func (s *Service) DeclineApplication(ctx context.Context, call Call, id string, in trial.DeclineInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, s.declineStep(call, id, "", in)))
}

func (s *Service) declineStep(call Call, id, callID string, in trial.DeclineInput) step {
	return step{
		action: trial.ActionDecline, id: id,
		validate: func(*action) []trial.Violation { return in.Validate() },
		guards:   func(a *action) []trial.Violation { return inCall(a, callID) },
		apply: func(a *action) error {
			a.app.Selection = &trial.Selection{Reasons: in.Reasons, ReasonCodes: slices.Clone(in.ReasonCodes),
				Authority: s.Reference.DecisionAuthority, DecidedBy: call.Actor.Person(), DecideTime: a.now}
			a.answered()
			a.event.Comment = in.Reasons
			a.event.Changes = []string{"selection"}
			return nil
		},
	}
}

// inCall refuses a case of a batch that is not in the batch's call.
func inCall(a *action, callID string) []trial.Violation {
	if callID == "" || a.app.Call == callID {
		return nil
	}
	return []trial.Violation{{Rule: trial.RuleR20, Field: "names", Reason: "NOT_IN_THIS_CALL",
		Description: fmt.Sprintf("%s is not an application to %s", trial.ApplicationName(a.app.ID), trial.CallName(callID))}}
}

// SelectApplications is one decision on several preliminary applications of one call:
// it selects those named in names and declines those in declined (resource names),
// under one decision text (in.Reasons, recorded on each), in one write: all or none.
// The declined need their reason codes.
func (s *Service) SelectApplications(ctx context.Context, call Call, callID string, names, declined []string, in trial.SelectInput, codes []trial.RejectReason) ([]*trial.Application, error) {
	if err := s.callVisible(ctx, call.Actor, callID); err != nil {
		return nil, err
	}
	decline := trial.DeclineInput{ReasonCodes: codes, Reasons: in.Reasons}
	all := append(batchNames("names", names), batchNames("declined_names", declined)...)
	return s.batch(ctx, call, trial.ActionSelect, all, func(item Call, id string) step {
		if slices.Contains(declined, trial.ApplicationName(id)) {
			return s.declineStep(item, id, callID, decline)
		}
		return s.selectStep(item, id, callID, in)
	})
}

// DeclineApplications declines several applications of one call under one decision
// text, in one write: all or none.
func (s *Service) DeclineApplications(ctx context.Context, call Call, callID string, names []string, in trial.DeclineInput) ([]*trial.Application, error) {
	if err := s.callVisible(ctx, call.Actor, callID); err != nil {
		return nil, err
	}
	return s.batch(ctx, call, trial.ActionDecline, batchNames("names", names), func(item Call, id string) step {
		return s.declineStep(item, id, callID, in)
	})
}

// callVisible answers NOT_FOUND for a call the caller may not see (a batch names it
// first), and UNAUTHENTICATED without a token.
func (s *Service) callVisible(ctx context.Context, actor trial.Actor, callID string) error {
	if err := requireCaller(actor); err != nil {
		return err
	}
	return s.Store.View(ctx, func(tx ReadTx) error {
		_, err := loadCall(tx, actor, callID)
		return err
	})
}
