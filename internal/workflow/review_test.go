package workflow_test

import (
	"testing"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

func svcAssign(handler trial.Person) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.AssignApplication(svcCtx, c, app.ID, handler, "tar saken")
	}
}

func TestService_AssignApplication(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateSubmitted, actor: svcHandler, do: svcAssign(trial.Person{}),
			action: trial.ActionAssign, to: trial.StateInReview,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if h := after.AssignedHandler; h == nil || *h != svcHandler.Person() {
					t.Errorf("handler: got %+v, want the caller %+v", h, svcHandler.Person())
				}
			}},
		{name: "OKNamedHandler", state: trial.StateSubmitted, actor: svcApprover, do: svcAssign(trial.Person{Subject: "kdd-per", Name: "Per Handler"}),
			action: trial.ActionAssign, to: trial.StateInReview,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				want := trial.Person{Subject: "kdd-per", Name: "Per Handler", OrganisationNumber: svcKDDOrg}
				if h := after.AssignedHandler; h == nil || *h != want {
					t.Errorf("handler: got %+v, want %+v", h, want)
				}
			}},
		{name: "OKReassignInConsultation", state: trial.StateInConsultation, actor: svcHandler2, do: svcAssign(trial.Person{}),
			action: trial.ActionAssign, to: trial.StateInConsultation,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if h := after.AssignedHandler; h == nil || h.Subject != svcHandler2.Subject {
					t.Errorf("handler: got %+v, want %s", h, svcHandler2.Subject)
				}
			}},
		{name: "ErrHandlerRequired", state: trial.StateSubmitted, actor: trial.Actor{OrganisationNumber: svcKDDOrg, Role: trial.RoleKDDHandler},
			do: svcAssign(trial.Person{}), code: trial.CodeInvalidArgument, reason: "HANDLER_REQUIRED"},
		{name: "ErrMunicipality", state: trial.StateSubmitted, actor: svcLead, do: svcAssign(trial.Person{}), code: trial.CodePermissionDenied},
		{name: "ErrMinistry", state: trial.StateInConsultation, actor: svcKD, do: svcAssign(trial.Person{}), code: trial.CodePermissionDenied},
		{name: "ErrSystem", state: trial.StateSubmitted, actor: svcSystem, do: svcAssign(trial.Person{}), code: trial.CodePermissionDenied},
		{name: "ErrDraft", state: trial.StateDraft, actor: svcHandler, do: svcAssign(trial.Person{}), code: trial.CodeNotFound},
		{name: "ErrApproved", state: trial.StateApproved, actor: svcHandler, do: svcAssign(trial.Person{}),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcInterim(in trial.InterimReplyInput) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.RecordInterimReply(svcCtx, c, app.ID, in)
	}
}

func TestService_RecordInterimReply(t *testing.T) {
	reply := trial.InterimReplyInput{Text: "Vi regner med å avgjøre saken innen juni.", ExpectedDecisionDate: "2026-06-30"}
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateInReview, actor: svcHandler, do: svcInterim(reply),
			action: trial.ActionRecordInterimReply, to: trial.StateInReview,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				want := []trial.InterimReply{{Text: reply.Text, ExpectedDecisionDate: reply.ExpectedDecisionDate, Author: svcHandler.Person(), Time: e.clock.Now().UTC()}}
				if svcJSON(t, after.InterimReplies) != svcJSON(t, want) {
					t.Errorf("interim replies: got %+v, want %+v", after.InterimReplies, want)
				}
			}},
		{name: "OKSubmitted", state: trial.StateSubmitted, actor: svcApprover, do: svcInterim(reply),
			action: trial.ActionRecordInterimReply, to: trial.StateSubmitted},
		{name: "OKInConsultation", state: trial.StateInConsultation, actor: svcHandler, do: svcInterim(reply),
			action: trial.ActionRecordInterimReply, to: trial.StateInConsultation},
		{name: "ErrTextMissing", state: trial.StateInReview, actor: svcHandler, do: svcInterim(trial.InterimReplyInput{}),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrMunicipality", state: trial.StateInReview, actor: svcLead, do: svcInterim(reply), code: trial.CodePermissionDenied},
		{name: "ErrApproved", state: trial.StateApproved, actor: svcHandler, do: svcInterim(reply),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcRequestChanges(q string) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.RequestChanges(svcCtx, c, app.ID, q)
	}
}

func TestService_RequestChanges(t *testing.T) {
	q := "Hvilke fag gjelder forsøket?"
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateInReview, actor: svcHandler, do: svcRequestChanges(q),
			action: trial.ActionRequestChanges, to: trial.StateChangesRequested,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if n := len(after.ChangeRequests); n != 1 || after.ChangeRequests[0].Questions != q || after.ChangeRequests[0].RequestedBy != svcHandler.Person() {
					t.Errorf("change requests: got %+v, want one with the questions by the handler", after.ChangeRequests)
				}
			}},
		{name: "OKReadyForDecision", state: trial.StateReadyForDecision, actor: svcApprover, do: svcRequestChanges(q),
			action: trial.ActionRequestChanges, to: trial.StateChangesRequested},
		{name: "ErrQuestionsMissing", state: trial.StateInReview, actor: svcHandler, do: svcRequestChanges(""),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrMunicipality", state: trial.StateInReview, actor: svcLead, do: svcRequestChanges(q), code: trial.CodePermissionDenied},
		{name: "ErrSubmitted", state: trial.StateSubmitted, actor: svcHandler, do: svcRequestChanges(q),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}
