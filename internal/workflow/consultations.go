package workflow

// Consultations with the sector ministries (R10, R16, R17).

import (
	"context"
	"fmt"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// CreateConsultation asks the ministry that owns a rule for its statement (R10). The
// due date is a date, or a number of Norwegian working days from today.
func (s *Service) CreateConsultation(ctx context.Context, call Call, appID string, in trial.ConsultationInput) (*trial.Consultation, error) {
	var created *trial.Consultation
	return decodeConsultation(s.run(ctx, call, step{
		action: trial.ActionOpenConsultation, id: appID,
		validate: func(*action) []trial.Violation { return in.Validate(s.Reference) },
		guards: func(a *action) []trial.Violation {
			return trial.ConsultationGuards(a.app, a.cons, in, s.Reference, a.today)
		},
		apply: func(a *action) error {
			due := in.DueDate
			if due == "" {
				n := in.DueWorkingDays
				if n == 0 {
					n = s.DefaultDueWorkingDays
				}
				due = trial.AddWorkingDays(a.today, n).Format(time.DateOnly)
			}
			cid, err := a.tx.NextConsultationID(appID)
			if err != nil {
				return err
			}
			created = &trial.Consultation{ApplicationID: appID, ID: cid, Ministry: in.Ministry, Question: in.Question,
				DueDate: due, State: trial.ConsultationRequested, RequestedBy: call.Actor.Person(), CreateTime: a.now, UpdateTime: a.now,
				// What the ministry is asked about, as it stands now (R17).
				CoveredExemptions: trial.ExemptionsOwnedBy(a.app, in.Ministry, s.Reference)}
			a.cons = append(a.cons, created)
			a.event.ConsultationID = cid
			a.event.Comment = in.Question
			a.event.Changes = []string{"consultations/" + cid}
			return a.tx.PutConsultation(created)
		},
		result: func(*action) any { return created },
	}))
}

// CancelConsultation withdraws an open question to a ministry; when none is left open
// the case is ready for decision.
func (s *Service) CancelConsultation(ctx context.Context, call Call, appID, consultationID, reason string) (*trial.Consultation, error) {
	var c *trial.Consultation
	return decodeConsultation(s.run(ctx, call, step{
		action: trial.ActionCancelConsultation, id: appID, consultationID: consultationID,
		validate: func(*action) []trial.Violation { return required("reason", reason) },
		guards: func(a *action) []trial.Violation {
			c = a.consultation(consultationID)
			return consultationOpen(c)
		},
		apply: func(a *action) error {
			c.State, c.CancelReason, c.UpdateTime = trial.ConsultationCancelled, reason, a.now
			a.event.Comment = reason
			a.event.Changes = []string{"consultations/" + c.ID + ".state"}
			return a.tx.PutConsultation(c)
		},
		result: func(*action) any { return c },
	}))
}

func consultationOpen(c *trial.Consultation) []trial.Violation {
	if c.State != trial.ConsultationRequested {
		return []trial.Violation{{Rule: "STATE", Field: "state", Reason: "CONSULTATION_NOT_OPEN",
			Description: fmt.Sprintf("the consultation is %s; only a REQUESTED consultation can be answered or cancelled", c.State)}}
	}
	return nil
}

// RespondToConsultation records the consulted ministry's statement; the last open
// answer makes the case ready for decision.
func (s *Service) RespondToConsultation(ctx context.Context, call Call, appID, consultationID string, in trial.ResponseInput) (*trial.Consultation, error) {
	var c *trial.Consultation
	return decodeConsultation(s.run(ctx, call, step{
		action: trial.ActionRespondToConsultation, id: appID, consultationID: consultationID,
		validate: func(*action) []trial.Violation { return in.Validate() },
		guards: func(a *action) []trial.Violation {
			c = a.consultation(consultationID)
			return consultationOpen(c)
		},
		apply: func(a *action) error {
			c.State, c.UpdateTime = trial.ConsultationAnswered, a.now
			c.Response = &trial.ConsultationResponse{Position: in.Position, Statement: in.Statement, Responder: call.Actor.Person(), Time: a.now}
			// The position stays out of the comment: applicants read the history but not
			// the ministries' statements (domain.md, Roles and visibility).
			a.event.Comment = c.Ministry + " answered"
			a.event.Changes = []string{"consultations/" + c.ID + ".response"}
			return a.tx.PutConsultation(c)
		},
		result: func(*action) any { return c },
	}))
}
