package workflow_test

import (
	"testing"
	"time"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

func svcConsult(in trial.ConsultationInput) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.CreateConsultation(svcCtx, c, app.ID, in)
	}
}

// svcWantConsultation checks the answer of a consultation action against the stored
// consultation.
func svcWantConsultation(t *testing.T, e *svcEnv, appID string, got any) *trial.Consultation {
	t.Helper()
	c, ok := got.(*trial.Consultation)
	if !ok || c == nil {
		t.Fatalf("answer: got %T, want *trial.Consultation", got)
	}
	for _, s := range e.consultations(t, appID) {
		if s.ID == c.ID {
			if svcJSON(t, s) != svcJSON(t, c) {
				t.Errorf("answer differs from the stored consultation:\ngot  %s\nwant %s", svcJSON(t, c), svcJSON(t, s))
			}
			return s
		}
	}
	t.Fatalf("consultation %s is not stored", c.ID)
	return nil
}

func TestService_CreateConsultation(t *testing.T) {
	kd := trial.ConsultationInput{Ministry: "KD", Question: "Har KD merknader?", DueWorkingDays: 5}
	svcRunActions(t, []svcActionCase{
		{name: "OKDueWorkingDaysSkipEaster", state: trial.StateInReview, setup: func(t *testing.T, e *svcEnv, _ *trial.Application) {
			// Monday 30 March 2026, 00:30 in Oslo, still Sunday in UTC. Easter:
			// 2 (Maundy Thursday), 3 (Good Friday) and 6 April (Easter Monday).
			e.clock.Set(time.Date(2026, 3, 30, 0, 30, 0, 0, svcOslo))
		}, actor: svcHandler, do: svcConsult(kd), action: trial.ActionOpenConsultation, to: trial.StateInConsultation,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, got any) {
				c := svcWantConsultation(t, e, after.ID, got)
				if c.DueDate != "2026-04-09" {
					t.Errorf("due date: got %s, want 2026-04-09 (5 working days from Monday 30 March in Oslo, skipping Easter)", c.DueDate)
				}
				if c.ID != "1" || c.Ministry != "KD" || c.State != trial.ConsultationRequested || c.RequestedBy != svcHandler.Person() || c.Question != kd.Question {
					t.Errorf("consultation: got %+v, want 1 to KD, REQUESTED, by the handler", c)
				}
				if ev := e.lastEvent(t, after.ID); ev.ConsultationID != "1" {
					t.Errorf("event consultation: got %q, want 1", ev.ConsultationID)
				}
			}},
		{name: "OKDueDate", state: trial.StateInReview, actor: svcHandler,
			do:     svcConsult(trial.ConsultationInput{Ministry: "KD", Question: "Merknader?", DueDate: "2026-04-15"}),
			action: trial.ActionOpenConsultation, to: trial.StateInConsultation,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, got any) {
				if c := svcWantConsultation(t, e, after.ID, got); c.DueDate != "2026-04-15" {
					t.Errorf("due date: got %s, want 2026-04-15", c.DueDate)
				}
			}},
		{name: "OKFromReadyForDecision", state: trial.StateReadyForDecision, actor: svcApprover,
			do:     svcConsult(trial.ConsultationInput{Ministry: "HOD", Question: "Merknader?", DueWorkingDays: 10}),
			action: trial.ActionOpenConsultation, to: trial.StateInConsultation,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, got any) {
				if c := svcWantConsultation(t, e, after.ID, got); c.ID != "2" || c.Ministry != "HOD" {
					t.Errorf("consultation: got %s to %s, want 2 to HOD", c.ID, c.Ministry)
				}
			}},
		{name: "OKDefaultDueWorkingDays", state: trial.StateInReview, actor: svcHandler,
			do:     svcConsult(trial.ConsultationInput{Ministry: "KD", Question: "Merknader?"}),
			action: trial.ActionOpenConsultation, to: trial.StateInConsultation,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, got any) {
				// 15 working days from Monday 2 March 2026: no holidays in between.
				if c := svcWantConsultation(t, e, after.ID, got); c.DueDate != "2026-03-23" {
					t.Errorf("due date: got %s, want 2026-03-23 (the default 15 working days)", c.DueDate)
				}
			}},
		{name: "OKAnotherMinistry", state: trial.StateInConsultation, actor: svcHandler,
			do:     svcConsult(trial.ConsultationInput{Ministry: "HOD", Question: "Merknader?", DueWorkingDays: 10}),
			action: trial.ActionOpenConsultation, to: trial.StateInConsultation},
		{name: "ErrAlreadyOpen", state: trial.StateInConsultation, actor: svcHandler, do: svcConsult(kd),
			code: trial.CodeFailedPrecondition, reason: "CONSULTATION_ALREADY_OPEN", rules: []string{"R10"}},
		{name: "ErrDueDateToday", state: trial.StateInReview, actor: svcHandler,
			do:   svcConsult(trial.ConsultationInput{Ministry: "KD", Question: "Merknader?", DueDate: "2026-03-02"}),
			code: trial.CodeFailedPrecondition, reason: "DUE_DATE_NOT_IN_FUTURE"},
		{name: "ErrUnknownMinistry", state: trial.StateInReview, actor: svcHandler,
			do:   svcConsult(trial.ConsultationInput{Ministry: "XYZ", Question: "Merknader?", DueWorkingDays: 5}),
			code: trial.CodeInvalidArgument, reason: "UNKNOWN_MINISTRY"},
		{name: "ErrBothDueDates", state: trial.StateInReview, actor: svcHandler,
			do:   svcConsult(trial.ConsultationInput{Ministry: "KD", Question: "Merknader?", DueDate: "2026-04-15", DueWorkingDays: 5}),
			code: trial.CodeInvalidArgument, reason: "MUTUALLY_EXCLUSIVE"},
		{name: "ErrMunicipality", state: trial.StateInReview, actor: svcLead, do: svcConsult(kd), code: trial.CodePermissionDenied},
		{name: "ErrSubmitted", state: trial.StateSubmitted, actor: svcHandler, do: svcConsult(kd),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

// svcAddHOD opens a second consultation, with HOD, on a case in consultation with KD.
func svcAddHOD(t *testing.T, e *svcEnv, app *trial.Application) {
	t.Helper()
	svcTry(e.svc.CreateConsultation(svcCtx, svcCall(svcHandler), app.ID, trial.ConsultationInput{Ministry: "HOD", Question: "Merknader?", DueWorkingDays: 10})).must(t)
}

func svcRespond(cid string, in trial.ResponseInput) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.RespondToConsultation(svcCtx, c, app.ID, cid, in)
	}
}

func TestService_RespondToConsultation(t *testing.T) {
	supports := trial.ResponseInput{Position: trial.PositionSupports, Statement: "KD støtter forsøket."}
	svcRunActions(t, []svcActionCase{
		{name: "OKLastMovesToReadyForDecision", state: trial.StateInConsultation, actor: svcKD, do: svcRespond("1", supports),
			action: trial.ActionRespondToConsultation, to: trial.StateReadyForDecision,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, got any) {
				c := svcWantConsultation(t, e, after.ID, got)
				want := trial.ConsultationResponse{Position: trial.PositionSupports, Statement: supports.Statement, Responder: svcKD.Person(), Time: e.clock.Now().UTC()}
				if c.State != trial.ConsultationAnswered || c.Response == nil || svcJSON(t, *c.Response) != svcJSON(t, want) {
					t.Errorf("consultation: got %s %+v, want ANSWERED %+v", c.State, c.Response, want)
				}
				if ev := e.lastEvent(t, after.ID); ev.ConsultationID != "1" {
					t.Errorf("event consultation: got %q, want 1", ev.ConsultationID)
				}
			}},
		{name: "OKNotLastStaysInConsultation", state: trial.StateInConsultation, setup: svcAddHOD, actor: svcKD,
			do: svcRespond("1", supports), action: trial.ActionRespondToConsultation, to: trial.StateInConsultation},
		{name: "OKNoCommentWithoutStatement", state: trial.StateInConsultation, actor: svcKD,
			do:     svcRespond("1", trial.ResponseInput{Position: trial.PositionNoComment}),
			action: trial.ActionRespondToConsultation, to: trial.StateReadyForDecision},
		{name: "ErrNotConsulted", state: trial.StateInConsultation, actor: svcHOD, do: svcRespond("1", supports), code: trial.CodeNotFound},
		{name: "ErrAnotherMinistrysConsultation", state: trial.StateInConsultation, setup: svcAddHOD, actor: svcHOD,
			do: svcRespond("1", supports), code: trial.CodeNotFound},
		{name: "ErrNoSuchConsultation", state: trial.StateInConsultation, actor: svcKD, do: svcRespond("9", supports), code: trial.CodeNotFound},
		{name: "ErrKDD", state: trial.StateInConsultation, actor: svcHandler, do: svcRespond("1", supports), code: trial.CodePermissionDenied},
		{name: "ErrStatementMissing", state: trial.StateInConsultation, actor: svcKD,
			do: svcRespond("1", trial.ResponseInput{Position: trial.PositionObjects}), code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrAlreadyAnswered", state: trial.StateInConsultation, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcAddHOD(t, e, app)
			svcTry(e.svc.RespondToConsultation(svcCtx, svcCall(svcKD), app.ID, "1", supports)).must(t)
		}, actor: svcKD, do: svcRespond("1", supports), code: trial.CodeFailedPrecondition, reason: "CONSULTATION_NOT_OPEN"},
		{name: "ErrReadyForDecision", state: trial.StateReadyForDecision, actor: svcKD, do: svcRespond("1", supports),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcCancel(cid, reason string) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.CancelConsultation(svcCtx, c, app.ID, cid, reason)
	}
}

func TestService_CancelConsultation(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OKLastMovesToReadyForDecision", state: trial.StateInConsultation, actor: svcHandler, do: svcCancel("1", "Ikke lenger nødvendig."),
			action: trial.ActionCancelConsultation, to: trial.StateReadyForDecision,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, got any) {
				if c := svcWantConsultation(t, e, after.ID, got); c.State != trial.ConsultationCancelled || c.CancelReason != "Ikke lenger nødvendig." {
					t.Errorf("consultation: got %s %q, want CANCELLED with the reason", c.State, c.CancelReason)
				}
			}},
		{name: "OKNotLastStaysInConsultation", state: trial.StateInConsultation, setup: svcAddHOD, actor: svcHandler,
			do: svcCancel("2", "Feil departement."), action: trial.ActionCancelConsultation, to: trial.StateInConsultation},
		{name: "OKLastAfterAnswer", state: trial.StateInConsultation, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcAddHOD(t, e, app)
			svcTry(e.svc.RespondToConsultation(svcCtx, svcCall(svcKD), app.ID, "1", trial.ResponseInput{Position: trial.PositionSupports, Statement: "Ja."})).must(t)
			if got := e.app(t, app.ID).State; got != trial.StateInConsultation {
				t.Fatalf("after the first answer: got %s, want IN_CONSULTATION while HOD is open", got)
			}
		}, actor: svcApprover, do: svcCancel("2", "Feil departement."), action: trial.ActionCancelConsultation, to: trial.StateReadyForDecision},
		{name: "ErrReasonMissing", state: trial.StateInConsultation, actor: svcHandler, do: svcCancel("1", ""),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrNotOpen", state: trial.StateInConsultation, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcAddHOD(t, e, app)
			svcTry(e.svc.RespondToConsultation(svcCtx, svcCall(svcKD), app.ID, "1", trial.ResponseInput{Position: trial.PositionSupports, Statement: "Ja."})).must(t)
		}, actor: svcHandler, do: svcCancel("1", "Feil."), code: trial.CodeFailedPrecondition, reason: "CONSULTATION_NOT_OPEN"},
		{name: "ErrMinistry", state: trial.StateInConsultation, actor: svcKD, do: svcCancel("1", "Feil."), code: trial.CodePermissionDenied},
		{name: "ErrMunicipality", state: trial.StateInConsultation, actor: svcLead, do: svcCancel("1", "Feil."), code: trial.CodePermissionDenied},
	})
}
