package workflow

// KDD's decisions on an application (R11): approve, reject, record publication.

import (
	"context"
	"slices"

	"github.com/forsok/forsok/internal/trial"
)

// decision returns a new decision recording the decider and the legal authority (R11).
func (s *Service) decision(a *action, actor trial.Actor, approved bool, reasons string) *trial.Decision {
	return &trial.Decision{Approved: approved, Reasons: reasons, Authority: s.Reference.DecisionAuthority, DecidedBy: actor.Person(), DecideTime: a.now,
		DecideDate: trial.FormatDate(a.today)}
}

// ApproveApplication approves the trial for the approved period (R6, R10, R11).
func (s *Service) ApproveApplication(ctx context.Context, call Call, id string, in trial.ApproveInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionApprove, id: id,
		validate: func(*action) []trial.Violation { return in.Validate() },
		guards: func(a *action) []trial.Violation {
			return trial.ApproveGuards(a.app, a.cons, in, s.Reference, a.today)
		},
		apply: func(a *action) error {
			d := s.decision(a, call.Actor, true, in.Reasons)
			d.ApprovedStart, d.ApprovedEnd, d.ObjectionResponse = in.ApprovedStart, in.ApprovedEnd, in.ObjectionResponse
			d.RegulationID, d.PublicationReference = in.RegulationID, in.PublicationReference
			d.GrantedExemptions = slices.Clone(in.GrantedExemptions)
			if d.PublicationReference != "" {
				d.PublicationDate = in.PublicationDate
				if d.PublicationDate == "" {
					d.PublicationDate = trial.FormatDate(a.today)
				}
			}
			a.app.Decision = d
			a.answered()
			a.event.Comment = in.Reasons
			a.event.Changes = []string{"decision"}
			return nil
		},
	}))
}

// RejectApplication refuses the application with coded reasons (R11).
func (s *Service) RejectApplication(ctx context.Context, call Call, id string, in trial.RejectInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionReject, id: id,
		validate: func(*action) []trial.Violation { return in.Validate() },
		apply: func(a *action) error {
			d := s.decision(a, call.Actor, false, in.Reasons)
			d.ReasonCodes = slices.Clone(in.ReasonCodes)
			a.app.Decision = d
			a.answered()
			a.event.Comment = in.Reasons
			a.event.Changes = []string{"decision"}
			return nil
		},
	}))
}

// RecordPublication records the trial regulation's Lovdata id and its publication in
// Norsk Lovtidend (R9).
func (s *Service) RecordPublication(ctx context.Context, call Call, id string, in trial.PublicationInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionRecordPublication, id: id,
		validate: func(*action) []trial.Violation { return in.Validate() },
		guards:   func(a *action) []trial.Violation { return trial.PublicationGuards(a.app, in, a.today) },
		apply: func(a *action) error {
			a.app.Decision.RegulationID, a.app.Decision.PublicationReference = in.RegulationID, in.PublicationReference
			a.app.Decision.PublicationDate = in.PublicationDate
			if a.app.Decision.PublicationDate == "" {
				a.app.Decision.PublicationDate = trial.FormatDate(a.today)
			}
			a.event.Comment = in.RegulationID + " " + in.PublicationReference
			a.event.Changes = []string{"decision.regulation_id", "decision.publication_reference"}
			return nil
		},
	}))
}
