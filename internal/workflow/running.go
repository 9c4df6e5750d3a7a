package workflow

// The trial after approval: activation, extensions, the end of the period, early
// termination, evaluation and closing.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/forsok/forsok/internal/trial"
)

// ActivateTrial starts an approved trial once its start date has come and its
// regulation is published (R9).
func (s *Service) ActivateTrial(ctx context.Context, call Call, id, comment string) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, s.activateStep(id, comment)))
}

func (s *Service) activateStep(id, comment string) step {
	return step{
		action: trial.ActionActivate, id: id,
		guards: func(a *action) []trial.Violation { return trial.ActivateGuards(a.app, a.today) },
		apply: func(a *action) error {
			a.app.SetFlag(trial.FlagPublicationMissing, false)
			a.event.Comment = comment
			return nil
		},
	}
}

// RequestExtension asks for a longer trial period (R7, R8).
func (s *Service) RequestExtension(ctx context.Context, call Call, id string, in trial.ExtensionRequestInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionRequestExtension, id: id,
		validate: func(*action) []trial.Violation { return in.Validate() },
		guards:   func(a *action) []trial.Violation { return trial.RequestExtensionGuards(a.app, in, a.today) },
		apply: func(a *action) error {
			var cd *trial.CouncilDecision
			if in.CouncilDecision != nil {
				c := *in.CouncilDecision
				cd = &c
			}
			a.app.Extensions = append(a.app.Extensions, trial.Extension{RequestedEnd: in.RequestedEnd, CouncilDecision: cd,
				ReformReference: in.ReformReference, ReformInForce: in.ReformInForce, RequestTime: a.now, State: trial.ExtensionRequested})
			a.event.Comment = "requested end " + in.RequestedEnd
			a.event.Changes = []string{"extensions"}
			return nil
		},
	}))
}

// DecideExtension grants or denies the pending extension (R7).
func (s *Service) DecideExtension(ctx context.Context, call Call, id string, in trial.ExtensionDecisionInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionDecideExtension, id: id,
		validate: func(*action) []trial.Violation { return in.Validate() },
		guards:   func(a *action) []trial.Violation { return trial.DecideExtensionGuards(a.app, in) },
		apply: func(a *action) error {
			e := &a.app.Extensions[len(a.app.Extensions)-1]
			decider := call.Actor.Person()
			e.DecidedBy, e.DecideTime, e.Reasons, e.Authority = &decider, a.now, in.Reasons, s.Reference.DecisionAuthority
			if in.Grant {
				e.State, e.ApprovedEnd, e.AmendingRegulationID = trial.ExtensionGranted, in.ApprovedEnd, in.AmendingRegulationID
			} else {
				e.State = trial.ExtensionDenied
			}
			// The councils decided on this extension; a later one needs new decisions (R8+).
			for i := range a.app.Applicants {
				a.app.Applicants[i].ExtensionCouncilDecision = nil
			}
			a.event.Comment = in.Reasons
			a.event.Changes = []string{"extensions"}
			return nil
		},
	}))
}

// EndTrialPeriod moves a trial whose period has ended to evaluation.
func (s *Service) EndTrialPeriod(ctx context.Context, call Call, id, comment string) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, s.endPeriodStep(id, comment)))
}

func (s *Service) endPeriodStep(id, comment string) step {
	return step{
		action: trial.ActionEndPeriod, id: id,
		guards: func(a *action) []trial.Violation { return trial.EndPeriodGuards(a.app, a.today) },
		apply: func(a *action) error {
			a.event.Changes = []string{"evaluation_due_date"}
			s.evaluationDue(a)
			a.event.Comment = comment
			return nil
		},
	}
}

// TerminateTrial ends an approved or running trial early (R13). A trial that never
// started closes as DISCONTINUED without evaluation (R12); a running one goes to
// evaluation.
func (s *Service) TerminateTrial(ctx context.Context, call Call, id string, in trial.TerminateInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, s.terminateStep(call, id, in)))
}

func (s *Service) terminateStep(call Call, id string, in trial.TerminateInput) step {
	return step{
		action: trial.ActionTerminate, id: id,
		validate: func(*action) []trial.Violation { return in.Validate() },
		guards:   func(a *action) []trial.Violation { return trial.TerminateGuards(a.app, in) },
		apply: func(a *action) error {
			a.app.Termination = &trial.Termination{Reasons: in.Reasons, RepealingInstrument: in.RepealingInstrument, DecidedBy: call.Actor.Person(), Time: a.now,
				Authority: s.Reference.DecisionAuthority}
			a.event.Changes = []string{"termination"}
			if a.app.State == trial.StateClosed {
				a.app.Closure = &trial.Closure{Outcome: trial.OutcomeDiscontinued, WithoutEvaluation: true, Authority: s.Reference.DecisionAuthority,
					Reasons: "terminated before the trial started: " + in.Reasons, DecidedBy: call.Actor.Person(), Time: a.now}
				a.event.Changes = append(a.event.Changes, "closure")
			} else {
				a.event.Changes = append(a.event.Changes, "evaluation_due_date")
				s.evaluationDue(a)
			}
			a.event.Comment = in.RepealingInstrument + ": " + in.Reasons
			return nil
		},
	}
}

// SubmitEvaluation records the applicant's evaluation report (R12).
func (s *Service) SubmitEvaluation(ctx context.Context, call Call, id string, in trial.EvaluationInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionSubmitEvaluation, id: id,
		validate: func(*action) []trial.Violation { return in.Validate() },
		apply: func(a *action) error {
			// A new report is a new version; the earlier ones are kept (R12+).
			r := trial.EvaluationReport{Version: len(a.app.EvaluationReports) + 1, ReportReference: in.ReportReference, Summary: in.Summary, SubmittedBy: call.Actor.Person(), Time: a.now}
			if len(a.app.EvaluationReports) == 0 && a.app.EvaluationReport != nil {
				// A report stored before versions were kept is version 1.
				first := *a.app.EvaluationReport
				first.Version = 1
				a.app.EvaluationReports = append(a.app.EvaluationReports, first)
				r.Version = 2
			}
			a.app.EvaluationReports = append(a.app.EvaluationReports, r)
			a.app.EvaluationReport = &r
			a.app.SetFlag(trial.FlagEvaluationOverdue, false)
			a.event.Comment = in.ReportReference
			a.event.Changes = []string{"evaluation_report"}
			return nil
		},
	}))
}

// CloseApplication closes an evaluated case with its outcome (R12).
func (s *Service) CloseApplication(ctx context.Context, call Call, id string, in trial.CloseInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionClose, id: id,
		validate: func(*action) []trial.Violation { return in.Validate() },
		guards:   func(a *action) []trial.Violation { return trial.CloseGuards(a.app, in, a.today) },
		apply: func(a *action) error {
			a.app.Closure = &trial.Closure{Outcome: in.Outcome, Reasons: in.Reasons, WithoutEvaluation: in.WithoutEvaluation, DecidedBy: call.Actor.Person(), Time: a.now,
				Authority: s.Reference.DecisionAuthority}
			a.event.Comment = string(in.Outcome) + " " + in.Reasons
			a.event.Changes = []string{"closure"}
			return nil
		},
	}))
}

// BatchTerminateTrials ends several trials under one repealing instrument in one write
// (R13: in 2014 one regulation repealed all the local snowmobile-trail trials). Either
// every case is terminated or none is.
func (s *Service) BatchTerminateTrials(ctx context.Context, call Call, names []string, in trial.TerminateInput) ([]*trial.Application, error) {
	return s.batch(ctx, call, trial.ActionTerminate, batchNames("names", names), func(item Call, id string) step { return s.terminateStep(item, id, in) })
}

// batchName is one application name of a batch request with the field it came in.
type batchName struct{ field, name string }

// batchNames pairs each name with its field, "names[i]".
func batchNames(field string, names []string) []batchName {
	out := make([]batchName, len(names))
	for i, n := range names {
		out[i] = batchName{fmt.Sprintf("%s[%d]", field, i), n}
	}
	return out
}

// batch runs action on several cases in one write: every case changes or none does,
// and the first refusal, naming its case, is the answer. The requestId covers the whole
// batch.
func (s *Service) batch(ctx context.Context, call Call, action trial.Action, names []batchName, stepFor func(item Call, id string) step) ([]*trial.Application, error) {
	// The request order holds for each case in the transaction: visibility, role,
	// fields. The names themselves are checked first, since they say which cases; a
	// caller whose role can never take the action learns nothing of its fields but that.
	if err := requireCaller(call.Actor); err != nil {
		return nil, err
	}
	refuse := func(vs []trial.Violation) error {
		if err := trial.Permitted(call.Actor, action, &trial.Application{}, ""); err != nil {
			return err
		}
		return trial.Invalid(vs)
	}
	if vs := trial.CheckShape(call.Shape); len(vs) > 0 {
		return nil, refuse(vs)
	}
	seen := map[string]bool{}
	var vs []trial.Violation
	if len(names) == 0 {
		vs = append(vs, trial.Violation{Field: "names", Reason: "FIELD_REQUIRED", Description: "name at least one application to " + string(action)})
	}
	ids := make([]string, 0, len(names))
	for _, n := range names {
		id, err := trial.ParseApplicationName(n.name, n.field)
		switch {
		case err != nil:
			vs = append(vs, trial.Violation{Field: n.field, Reason: "INVALID_NAME", Description: n.field + " is not an application name; want applications/{id} such as applications/2026-000042"})
			continue
		case seen[id]:
			vs = append(vs, trial.Violation{Field: n.field, Reason: "DUPLICATE_NAME", Description: trial.ApplicationName(id) + " is named twice"})
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if len(vs) > 0 {
		return nil, refuse(vs)
	}
	var answer []byte
	err := s.update(ctx, func(tx Tx) error {
		// The requestId covers the whole batch. It is checked first: the cases have
		// moved on since the first answer, so their guards would refuse a replay.
		rec, err := s.replay(tx, call)
		if rec != nil || err != nil {
			answer = rec
			return err
		}
		now := s.now()
		var apps []json.RawMessage
		for _, id := range ids {
			item := call
			item.RequestID, item.Etag = "", ""
			b, err := s.runIn(tx, now, item, stepFor(item, id))
			if err != nil {
				return prefixError(trial.ApplicationName(id), err)
			}
			apps = append(apps, b)
		}
		if answer, err = json.Marshal(apps); err != nil {
			return err
		}
		return s.remember(tx, call, now, answer)
	})
	if err != nil {
		return nil, err
	}
	var apps []*trial.Application
	if err := json.Unmarshal(answer, &apps); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return apps, nil
}

// prefixError names the case an error of a batch is about.
func prefixError(prefix string, err error) error {
	var e *trial.Error
	if errors.As(err, &e) {
		c := *e
		c.Message = prefix + ": " + e.Message
		return &c
	}
	return fmt.Errorf("%s: %w", prefix, err)
}
