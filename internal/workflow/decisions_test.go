package workflow_test

import (
	"testing"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

func svcApprove(in func(app *trial.Application) trial.ApproveInput) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.ApproveApplication(svcCtx, c, app.ID, in(app))
	}
}

// svcObjects has KD answer its open consultation with an objection.
func svcObjects(t *testing.T, e *svcEnv, app *trial.Application) {
	t.Helper()
	svcTry(e.svc.RespondToConsultation(svcCtx, svcCall(svcKD), app.ID, "1", trial.ResponseInput{Position: trial.PositionObjects, Statement: "KD fraråder forsøket."})).must(t)
}

func TestService_ApproveApplication(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateReadyForDecision, actor: svcApprover, do: svcApprove(svcApproveInput),
			action: trial.ActionApprove, to: trial.StateApproved,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				want := &trial.Decision{Approved: true, ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31",
					Reasons: "Forsøket er innenfor forsøksloven.", Authority: svcAuthority, DecidedBy: svcApprover.Person(), DecideTime: e.clock.Now().UTC(),
					DecideDate: trial.FormatDate(e.svc.Today())}
				if svcJSON(t, after.Decision) != svcJSON(t, want) {
					t.Errorf("decision (R11): got %s, want %s", svcJSON(t, after.Decision), svcJSON(t, want))
				}
			}},
		{name: "OKWithPublication", state: trial.StateReadyForDecision, actor: svcApprover,
			do: svcApprove(func(app *trial.Application) trial.ApproveInput {
				in := svcApproveInput(app)
				in.RegulationID, in.PublicationReference = svcRegulation, svcPublication
				return in
			}), action: trial.ActionApprove, to: trial.StateApproved,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if d := after.Decision; d.RegulationID != svcRegulation || d.PublicationReference != svcPublication {
					t.Errorf("publication: got %q %q, want it recorded at approval (R9)", d.RegulationID, d.PublicationReference)
				}
			}},
		{name: "OKFromInReviewWhenOnlyKDDsRules", in: svcKDDOwnFixture, state: trial.StateInReview, actor: svcApprover,
			do: svcApprove(svcApproveInput), action: trial.ActionApprove, to: trial.StateApproved},
		{name: "OKObjectionAnswered", state: trial.StateInConsultation, setup: svcObjects, actor: svcApprover,
			do: svcApprove(func(app *trial.Application) trial.ApproveInput {
				in := svcApproveInput(app)
				in.ObjectionResponse = "Forsøket evalueres nøye; KDs innvending er vurdert."
				return in
			}), action: trial.ActionApprove, to: trial.StateApproved,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if after.Decision.ObjectionResponse == "" {
					t.Errorf("objection response: got none, want it recorded with the decision (R10)")
				}
			}},
		{name: "ErrInReviewNeedsConsultation", state: trial.StateInReview, actor: svcApprover, do: svcApprove(svcApproveInput),
			code: trial.CodeFailedPrecondition, reason: "CONSULTATION_MISSING", rules: []string{"R10"}},
		{name: "ErrObjectionNotAnswered", state: trial.StateInConsultation, setup: svcObjects, actor: svcApprover,
			do: svcApprove(svcApproveInput), code: trial.CodeFailedPrecondition, reason: "OBJECTION_NOT_ANSWERED", rules: []string{"R10"}},
		{name: "ErrPeriodTooLong", state: trial.StateReadyForDecision, actor: svcApprover,
			do: svcApprove(func(app *trial.Application) trial.ApproveInput {
				in := svcApproveInput(app)
				in.ApprovedEnd = "2030-08-01"
				return in
			}), code: trial.CodeFailedPrecondition, reason: "TRIAL_PERIOD_TOO_LONG", rules: []string{"R6"}},
		{name: "ErrReasonsMissing", state: trial.StateReadyForDecision, actor: svcApprover,
			do: svcApprove(func(app *trial.Application) trial.ApproveInput {
				in := svcApproveInput(app)
				in.Reasons = ""
				return in
			}), code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrHandler", state: trial.StateReadyForDecision, actor: svcHandler, do: svcApprove(svcApproveInput), code: trial.CodePermissionDenied},
		{name: "ErrMinistry", state: trial.StateReadyForDecision, actor: svcKD, do: svcApprove(svcApproveInput), code: trial.CodePermissionDenied},
		{name: "ErrSubmitted", state: trial.StateSubmitted, actor: svcApprover, do: svcApprove(svcApproveInput),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcReject(in trial.RejectInput) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.RejectApplication(svcCtx, c, app.ID, in)
	}
}

func TestService_RejectApplication(t *testing.T) {
	in := trial.RejectInput{ReasonCodes: []trial.RejectReason{trial.RejectTooVague, trial.RejectOutsideAct}, Reasons: "For vag."}
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateInReview, actor: svcApprover, do: svcReject(in), action: trial.ActionReject, to: trial.StateRejected,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				want := &trial.Decision{Reasons: in.Reasons, ReasonCodes: in.ReasonCodes, Authority: svcAuthority, DecidedBy: svcApprover.Person(), DecideTime: e.clock.Now().UTC(),
					DecideDate: trial.FormatDate(e.svc.Today())}
				if svcJSON(t, after.Decision) != svcJSON(t, want) {
					t.Errorf("decision (R11): got %s, want %s", svcJSON(t, after.Decision), svcJSON(t, want))
				}
			}},
		{name: "OKChangesRequested", state: trial.StateChangesRequested, actor: svcApprover, do: svcReject(in), action: trial.ActionReject, to: trial.StateRejected},
		{name: "OKReadyForDecision", state: trial.StateReadyForDecision, actor: svcApprover, do: svcReject(in), action: trial.ActionReject, to: trial.StateRejected},
		{name: "ErrReasonCodesMissing", state: trial.StateInReview, actor: svcApprover, do: svcReject(trial.RejectInput{Reasons: "Nei."}),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrHandler", state: trial.StateInReview, actor: svcHandler, do: svcReject(in), code: trial.CodePermissionDenied},
		{name: "ErrApproved", state: trial.StateApproved, actor: svcApprover, do: svcReject(in),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}
