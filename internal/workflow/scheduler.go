package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// SystemActor is the scheduler, recorded as the actor of what its timers do.
var SystemActor = trial.Actor{Subject: "system", Name: "forsok scheduler", Role: trial.RoleSystem}

// dueBatch is how many due timers one look at the store takes.
const dueBatch = 100

// FireDueTimers fires every timer due at the service's clock, earliest first, each in a
// write of its own, and returns how many it fired. A timer is deleted in the same write
// as its effect, so a crash before the commit leaves it to fire again and one after
// leaves nothing to repeat. A timer whose case has moved on does nothing. A timer whose
// action fails stays for the next call, and its error is returned after the others ran.
func (s *Service) FireDueTimers(ctx context.Context) (int, error) {
	now := s.now()
	var due []trial.Timer
	err := s.Store.View(ctx, func(tx ReadTx) error {
		var err error
		due, err = tx.DueTimers(now, dueBatch)
		return err
	})
	if err != nil {
		return 0, err
	}
	fired := 0
	var errs []error
	for _, t := range due {
		if err := s.fire(ctx, t); err != nil {
			if ctx.Err() != nil {
				return fired, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("timer %s of %s: %w", t.Key(), trial.ApplicationName(t.ApplicationID), err))
			continue
		}
		fired++
	}
	if len(due) == dueBatch && len(errs) == 0 {
		more, err := s.FireDueTimers(ctx)
		return fired + more, err
	}
	return fired, errors.Join(errs...)
}

// RunScheduler fires due timers every interval until ctx ends, reporting failures to
// logErr. A date-based timer is due at 00:00 Europe/Oslo, so it acts within an interval
// of midnight; after downtime the backlog is caught up in due order.
func (s *Service) RunScheduler(ctx context.Context, interval time.Duration, logErr func(error)) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if _, err := s.FireDueTimers(ctx); err != nil && ctx.Err() == nil {
			logErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// fire runs one timer in one write transaction.
func (s *Service) fire(ctx context.Context, t trial.Timer) error {
	return s.update(ctx, func(tx Tx) error {
		if strings.HasPrefix(t.ApplicationID, "calls/") {
			return s.fireCallTimer(tx, t)
		}
		app, err := tx.Application(t.ApplicationID)
		if errors.Is(err, trial.ErrNotFound) {
			return tx.PutTimers(t.ApplicationID, nil)
		}
		if err != nil {
			return err
		}
		cons, err := tx.Consultations(app.ID)
		if err != nil {
			return err
		}
		wanted := s.Schedule.Timers(app, cons)
		if !slices.ContainsFunc(wanted, func(w trial.Timer) bool { return w.Key() == t.Key() && w.At.Equal(t.At) }) {
			return tx.PutTimers(app.ID, wanted) // the case moved on: nothing to do
		}
		now := s.now()
		call := Call{Actor: SystemActor, Method: "scheduler/" + string(t.Kind)}
		a := &action{tx: tx, now: now, today: s.today(now), app: app, cons: cons, from: app.State}
		switch t.Kind {
		case trial.TimerActivate:
			if d := app.Decision; d.RegulationID == "" || d.PublicationReference == "" {
				return s.notice(a, trial.NoticePublicationMissing, "", trial.FlagPublicationMissing,
					"the start date has come but the trial regulation's Lovdata id and publication are not recorded (R9)")
			}
			_, err = s.runIn(tx, now, call, s.activateStep(app.ID, "start date reached"))
		case trial.TimerEndPeriod:
			_, err = s.runIn(tx, now, call, s.endPeriodStep(app.ID, "the trial period has ended"))
		case trial.TimerInterimReplyOverdue:
			err = s.notice(a, trial.NoticeInterimReplyOverdue, "", trial.FlagNeedsInterimReply,
				"no answer within one calendar month of submission; an interim reply is due (forvaltningsloven § 11 a, R14)")
		case trial.TimerConsultationDueSoon:
			err = s.notice(a, trial.NoticeConsultationDueSoon, t.Subject, "", "consultation "+t.Subject+" is due soon")
		case trial.TimerConsultationOverdue:
			// No flag to pass: save derives CONSULTATION_OVERDUE from the open consultations.
			err = s.notice(a, trial.NoticeConsultationOverdue, t.Subject, "", "consultation "+t.Subject+" is past its due date")
		case trial.TimerTrialEndingSoon:
			err = s.notice(a, trial.NoticeTrialEndingSoon, t.Subject, "", "the trial period ends on "+t.Subject)
		case trial.TimerEvaluationDueSoon:
			err = s.notice(a, trial.NoticeEvaluationDueSoon, "", "", "the evaluation report is due on "+app.EvaluationDue)
		case trial.TimerEvaluationOverdue:
			err = s.notice(a, trial.NoticeEvaluationOverdue, "", trial.FlagEvaluationOverdue, "the evaluation report was due on "+app.EvaluationDue)
		case trial.TimerDeadlineSoon:
			err = s.notice(a, trial.NoticeDeadlineSoon, t.Subject, "", "reminder: the deadline to submit this application is "+t.Subject+" (R20)")
		case trial.TimerFinalDeadlineMissed:
			err = s.notice(a, trial.NoticeFinalDeadlineMissed, "", trial.FlagFinalDeadlineMissed,
				"the final deadline "+app.Deadline+" has ended without a final application (R20); KDD may decline it")
		default:
			return fmt.Errorf("unknown timer kind %q", t.Kind)
		}
		return err
	})
}

// notice records a one-off notice in the history, and sets flag when given. The state
// does not change.
func (s *Service) notice(a *action, n trial.Action, subject string, flag trial.CaseFlag, comment string) error {
	a.app.Notices = append(a.app.Notices, trial.NoticeKey(n, subject))
	if flag != "" {
		a.app.SetFlag(flag, true)
	}
	e := &trial.Event{ApplicationID: a.app.ID, Time: a.now, Actor: SystemActor, Action: n,
		FromState: a.app.State, ToState: a.app.State, Comment: comment, ConsultationID: consultationSubject(n, subject)}
	if err := s.record(a.tx, a.app, a.cons, e); err != nil {
		return err
	}
	return s.save(a)
}

func consultationSubject(n trial.Action, subject string) string {
	if n == trial.NoticeConsultationDueSoon || n == trial.NoticeConsultationOverdue {
		return subject
	}
	return ""
}
