package workflow

// KDD's case handling before the decision: assign, interim reply, request changes.

import (
	"context"

	"github.com/forsok/forsok/internal/trial"
)

// AssignApplication makes a KDD employee the case's handler; the handler defaults to
// the caller.
func (s *Service) AssignApplication(ctx context.Context, call Call, id string, handler trial.Person, comment string) (*trial.Application, error) {
	if handler.Subject == "" {
		handler = call.Actor.Person()
	} else if handler.Subject == call.Actor.Subject && handler.Name == "" {
		handler.Name = call.Actor.Name
	}
	if handler.OrganisationNumber == "" {
		handler.OrganisationNumber = call.Actor.OrganisationNumber
	}
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionAssign, id: id,
		validate: func(*action) []trial.Violation {
			if handler.Subject == "" {
				return []trial.Violation{{Field: "handler", Reason: "HANDLER_REQUIRED", Description: "name the handler (a person's subject), or call with a person's token to take the case yourself"}}
			}
			return nil
		},
		apply: func(a *action) error {
			h := handler
			a.app.AssignedHandler = &h
			a.event.Comment = comment
			a.event.Changes = []string{"assigned_handler"}
			return nil
		},
	}))
}

// RecordInterimReply records a foreløpig svar to the applicant (R14).
func (s *Service) RecordInterimReply(ctx context.Context, call Call, id string, in trial.InterimReplyInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionRecordInterimReply, id: id,
		validate: func(*action) []trial.Violation { return in.Validate() },
		apply: func(a *action) error {
			a.app.InterimReplies = append(a.app.InterimReplies, trial.InterimReply{
				Text: in.Text, ExpectedDecisionDate: in.ExpectedDecisionDate, Author: call.Actor.Person(), Time: a.now})
			a.answered()
			a.event.Comment = in.Text
			a.event.Changes = []string{"interim_replies"}
			return nil
		},
	}))
}

// RequestChanges sends the case back to the applicants with questions.
func (s *Service) RequestChanges(ctx context.Context, call Call, id, questions string) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionRequestChanges, id: id,
		validate: func(*action) []trial.Violation { return required("questions", questions) },
		apply: func(a *action) error {
			a.app.ChangeRequests = append(a.app.ChangeRequests, trial.ChangeRequest{Questions: questions, RequestedBy: call.Actor.Person(), Time: a.now})
			a.answered()
			a.event.Comment = questions
			a.event.Changes = []string{"change_requests"}
			return nil
		},
	}))
}
