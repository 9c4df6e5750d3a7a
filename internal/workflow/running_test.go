package workflow_test

import (
	"testing"
	"time"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

func svcPublish(in trial.PublicationInput) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.RecordPublication(svcCtx, c, app.ID, in)
	}
}

func TestService_RecordPublication(t *testing.T) {
	in := trial.PublicationInput{RegulationID: svcRegulation, PublicationReference: svcPublication}
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateApproved, actor: svcHandler, do: svcPublish(in), action: trial.ActionRecordPublication, to: trial.StateApproved,
			check: func(t *testing.T, e *svcEnv, before, after *trial.Application, _ any) {
				want := *before.Decision
				want.RegulationID, want.PublicationReference, want.PublicationDate = svcRegulation, svcPublication, trial.FormatDate(e.svc.Today())
				if svcJSON(t, after.Decision) != svcJSON(t, &want) {
					t.Errorf("decision: got %s, want %s", svcJSON(t, after.Decision), svcJSON(t, &want))
				}
			}},
		{name: "OKActive", state: trial.StateActive, actor: svcApprover,
			do:     svcPublish(trial.PublicationInput{RegulationID: "FOR-2026-07-20-1500", PublicationReference: "Norsk Lovtidend 2026 nr. 1500"}),
			action: trial.ActionRecordPublication, to: trial.StateActive},
		{name: "ErrNotARegulation", state: trial.StateApproved, actor: svcHandler,
			do:   svcPublish(trial.PublicationInput{RegulationID: "LOV-2026-06-20-12", PublicationReference: svcPublication}),
			code: trial.CodeInvalidArgument, reason: "INVALID_REGULATION_ID"},
		{name: "ErrMunicipality", state: trial.StateApproved, actor: svcLead, do: svcPublish(in), code: trial.CodePermissionDenied},
		{name: "ErrPublicCaller", state: trial.StateApproved, actor: svcPublic, do: svcPublish(in), code: trial.CodeUnauthenticated},
		{name: "ErrAdmin", state: trial.StateApproved, actor: svcAdmin, do: svcPublish(in), code: trial.CodePermissionDenied},
		{name: "ErrReadyForDecision", state: trial.StateReadyForDecision, actor: svcHandler, do: svcPublish(in),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcActivate(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return e.svc.ActivateTrial(svcCtx, c, app.ID, "startdato nådd")
}

// svcPublished records the regulation's publication and moves the clock to the start.
func svcPublished(t *testing.T, e *svcEnv, app *trial.Application) {
	t.Helper()
	svcTry(e.svc.RecordPublication(svcCtx, svcCall(svcHandler), app.ID, trial.PublicationInput{RegulationID: svcRegulation, PublicationReference: svcPublication})).must(t)
	e.clock.Set(svcOsloDay(t, "2026-08-01"))
}

func TestService_ActivateTrial(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateApproved, setup: svcPublished, actor: svcHandler, do: svcActivate, action: trial.ActionActivate, to: trial.StateActive},
		{name: "OKScheduler", state: trial.StateApproved, setup: svcPublished, actor: svcSystem, do: svcActivate, action: trial.ActionActivate, to: trial.StateActive},
		{name: "OKStartDayInOslo", state: trial.StateApproved, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcPublished(t, e, app)
			e.clock.Set(time.Date(2026, 8, 1, 0, 15, 0, 0, svcOslo)) // still 31 July in UTC
		}, actor: svcSystem, do: svcActivate, action: trial.ActionActivate, to: trial.StateActive},
		{name: "ErrPublicationMissing", state: trial.StateApproved, setup: func(t *testing.T, e *svcEnv, _ *trial.Application) {
			e.clock.Set(svcOsloDay(t, "2026-08-01"))
		}, actor: svcSystem, do: svcActivate, code: trial.CodeFailedPrecondition, reason: "PUBLICATION_REFERENCE_MISSING", rules: []string{"R9"}},
		{name: "ErrStartNotReached", state: trial.StateApproved, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcPublished(t, e, app)
			e.clock.Set(time.Date(2026, 7, 31, 23, 45, 0, 0, svcOslo))
		}, actor: svcSystem, do: svcActivate, code: trial.CodeFailedPrecondition, reason: "START_DATE_NOT_REACHED"},
		{name: "ErrMunicipality", state: trial.StateApproved, setup: svcPublished, actor: svcLead, do: svcActivate, code: trial.CodePermissionDenied},
		{name: "ErrActive", state: trial.StateActive, actor: svcSystem, do: svcActivate,
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcRequestExtension(in trial.ExtensionRequestInput) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.RequestExtension(svcCtx, c, app.ID, in)
	}
}

func TestService_RequestExtension(t *testing.T) {
	with := func(edit func(*trial.ExtensionRequestInput)) trial.ExtensionRequestInput {
		in := svcExtensionRequest()
		edit(&in)
		return in
	}
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateActive, actor: svcLead, do: svcRequestExtension(svcExtensionRequest()),
			action: trial.ActionRequestExtension, to: trial.StateExtensionRequested,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				if n := len(after.Extensions); n != 1 {
					t.Fatalf("extensions: got %d, want 1", n)
				}
				x := after.Extensions[0]
				if x.State != trial.ExtensionRequested || x.RequestedEnd != "2030-07-31" || x.CouncilDecision == nil || !x.RequestTime.Equal(e.clock.Now()) {
					t.Errorf("extension: got %+v, want REQUESTED to 2030-07-31 with the council decision", x)
				}
				if got := trial.CurrentEnd(after); got != "2029-07-31" {
					t.Errorf("current end: got %s, want 2029-07-31 until granted", got)
				}
			}},
		{name: "OKTwoYears", state: trial.StateActive, actor: svcLead,
			do:     svcRequestExtension(with(func(in *trial.ExtensionRequestInput) { in.RequestedEnd = "2031-07-31" })),
			action: trial.ActionRequestExtension, to: trial.StateExtensionRequested},
		{name: "OKBeyondTwoYearsWithReform", state: trial.StateActive, actor: svcLead,
			do: svcRequestExtension(with(func(in *trial.ExtensionRequestInput) {
				in.RequestedEnd, in.ReformReference, in.ReformInForce = "2031-12-31", "Prop. 57 L (2030–2031)", "2032-01-01"
			})), action: trial.ActionRequestExtension, to: trial.StateExtensionRequested},
		{name: "ErrTooLong", state: trial.StateActive, actor: svcLead,
			do:   svcRequestExtension(with(func(in *trial.ExtensionRequestInput) { in.RequestedEnd = "2031-08-01" })),
			code: trial.CodeFailedPrecondition, reason: "EXTENSION_TOO_LONG", rules: []string{"R7"}},
		{name: "ErrBeyondReform", state: trial.StateActive, actor: svcLead,
			do: svcRequestExtension(with(func(in *trial.ExtensionRequestInput) {
				in.RequestedEnd, in.ReformReference, in.ReformInForce = "2032-01-02", "Prop. 57 L (2030–2031)", "2032-01-01"
			})), code: trial.CodeFailedPrecondition, reason: "EXTENSION_BEYOND_REFORM"},
		{name: "ErrNotAfterCurrentEnd", state: trial.StateActive, actor: svcLead,
			do:   svcRequestExtension(with(func(in *trial.ExtensionRequestInput) { in.RequestedEnd = "2029-07-31" })),
			code: trial.CodeFailedPrecondition, reason: "EXTENSION_END_NOT_AFTER_CURRENT_END"},
		{name: "ErrCouncilDecisionMissing", state: trial.StateActive, actor: svcLead,
			do:   svcRequestExtension(with(func(in *trial.ExtensionRequestInput) { in.CouncilDecision = nil })),
			code: trial.CodeInvalidArgument, reason: "COUNCIL_DECISION_MISSING"},
		{name: "ErrKDD", state: trial.StateActive, actor: svcApprover, do: svcRequestExtension(svcExtensionRequest()), code: trial.CodePermissionDenied},
		{name: "ErrApproved", state: trial.StateApproved, actor: svcLead, do: svcRequestExtension(svcExtensionRequest()),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcDecideExtension(in trial.ExtensionDecisionInput) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.DecideExtension(svcCtx, c, app.ID, in)
	}
}

func TestService_DecideExtension(t *testing.T) {
	grant := trial.ExtensionDecisionInput{Grant: true, ApprovedEnd: "2030-07-31", AmendingRegulationID: "FOR-2029-05-02-700", Reasons: "Mer tid trengs."}
	deny := trial.ExtensionDecisionInput{Reasons: "Ikke behov."}
	svcRunActions(t, []svcActionCase{
		{name: "OKGrant", state: trial.StateExtensionRequested, actor: svcApprover, do: svcDecideExtension(grant),
			action: trial.ActionDecideExtension, to: trial.StateActive,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				x := after.Extensions[0]
				if x.State != trial.ExtensionGranted || x.ApprovedEnd != "2030-07-31" || x.AmendingRegulationID != grant.AmendingRegulationID ||
					x.DecidedBy == nil || *x.DecidedBy != svcApprover.Person() || x.Reasons != grant.Reasons || !x.DecideTime.Equal(e.clock.Now()) ||
					x.Authority != svcAuthority {
					t.Errorf("extension: got %+v, want GRANTED to 2030-07-31 with the amending regulation, by the approver (R7)", x)
				}
				if got := trial.CurrentEnd(after); got != "2030-07-31" {
					t.Errorf("current end: got %s, want 2030-07-31", got)
				}
			}},
		{name: "OKDeny", state: trial.StateExtensionRequested, actor: svcApprover, do: svcDecideExtension(deny),
			action: trial.ActionDecideExtension, to: trial.StateActive,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				x := after.Extensions[0]
				if x.State != trial.ExtensionDenied || x.ApprovedEnd != "" || x.Reasons != deny.Reasons || x.DecidedBy == nil {
					t.Errorf("extension: got %+v, want DENIED with reasons", x)
				}
				if got := trial.CurrentEnd(after); got != "2029-07-31" {
					t.Errorf("current end: got %s, want 2029-07-31 unchanged", got)
				}
			}},
		{name: "ErrGrantTooLong", state: trial.StateExtensionRequested, actor: svcApprover,
			do:   svcDecideExtension(trial.ExtensionDecisionInput{Grant: true, ApprovedEnd: "2031-08-01", AmendingRegulationID: "FOR-2029-05-02-700", Reasons: "Mer tid."}),
			code: trial.CodeFailedPrecondition, reason: "EXTENSION_TOO_LONG", rules: []string{"R7"}},
		{name: "ErrGrantWithoutAmendingRegulation", state: trial.StateExtensionRequested, actor: svcApprover,
			do:   svcDecideExtension(trial.ExtensionDecisionInput{Grant: true, ApprovedEnd: "2030-07-31", Reasons: "Mer tid."}),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrDenyWithEnd", state: trial.StateExtensionRequested, actor: svcApprover,
			do:   svcDecideExtension(trial.ExtensionDecisionInput{ApprovedEnd: "2030-07-31", Reasons: "Nei."}),
			code: trial.CodeInvalidArgument, reason: "FIELD_NOT_ALLOWED"},
		{name: "ErrHandler", state: trial.StateExtensionRequested, actor: svcHandler, do: svcDecideExtension(grant), code: trial.CodePermissionDenied},
		{name: "ErrActive", state: trial.StateActive, actor: svcApprover, do: svcDecideExtension(grant),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcEndPeriod(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return e.svc.EndTrialPeriod(svcCtx, c, app.ID, "perioden er over")
}

func TestService_EndTrialPeriod(t *testing.T) {
	afterEnd := func(t *testing.T, e *svcEnv, _ *trial.Application) { e.clock.Set(svcOsloDay(t, "2029-08-01")) }
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateActive, setup: afterEnd, actor: svcSystem, do: svcEndPeriod, action: trial.ActionEndPeriod, to: trial.StateEvaluating},
		{name: "OKExtensionRequested", state: trial.StateExtensionRequested, setup: afterEnd, actor: svcHandler, do: svcEndPeriod,
			action: trial.ActionEndPeriod, to: trial.StateEvaluating},
		{name: "OKGrantedExtensionEnd", state: trial.StateExtensionRequested, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcTry(e.svc.DecideExtension(svcCtx, svcCall(svcApprover), app.ID,
				trial.ExtensionDecisionInput{Grant: true, ApprovedEnd: "2030-07-31", AmendingRegulationID: "FOR-2029-05-02-700", Reasons: "Ja."})).must(t)
			e.clock.Set(svcOsloDay(t, "2030-08-01"))
		}, actor: svcSystem, do: svcEndPeriod, action: trial.ActionEndPeriod, to: trial.StateEvaluating},
		{name: "ErrLastDayNotOver", state: trial.StateActive, setup: func(t *testing.T, e *svcEnv, _ *trial.Application) {
			e.clock.Set(time.Date(2029, 7, 31, 23, 30, 0, 0, svcOslo))
		}, actor: svcSystem, do: svcEndPeriod, code: trial.CodeFailedPrecondition, reason: "END_DATE_NOT_REACHED", rules: []string{"R6"}},
		{name: "ErrGrantedExtensionNotOver", state: trial.StateExtensionRequested, setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
			svcTry(e.svc.DecideExtension(svcCtx, svcCall(svcApprover), app.ID,
				trial.ExtensionDecisionInput{Grant: true, ApprovedEnd: "2030-07-31", AmendingRegulationID: "FOR-2029-05-02-700", Reasons: "Ja."})).must(t)
			e.clock.Set(svcOsloDay(t, "2029-08-01"))
		}, actor: svcSystem, do: svcEndPeriod, code: trial.CodeFailedPrecondition, reason: "END_DATE_NOT_REACHED"},
		{name: "ErrMunicipality", state: trial.StateActive, setup: afterEnd, actor: svcLead, do: svcEndPeriod, code: trial.CodePermissionDenied},
		{name: "ErrApproved", state: trial.StateApproved, setup: afterEnd, actor: svcSystem, do: svcEndPeriod,
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

var svcTermination = trial.TerminateInput{Reasons: "Sivilombudet fant ordningen utenfor forsøksloven.", RepealingInstrument: svcRepealing}

func svcTerminate(in trial.TerminateInput) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.TerminateTrial(svcCtx, c, app.ID, in)
	}
}

// svcCheckTermination checks a terminated case's record; closed says whether it closed
// without evaluation (never started) or owes one.
func svcCheckTermination(closed bool) func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
	return func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
		t.Helper()
		now := e.clock.Now().UTC()
		want := &trial.Termination{Reasons: svcTermination.Reasons, RepealingInstrument: svcRepealing, DecidedBy: svcApprover.Person(), Time: now, Authority: svcAuthority}
		if svcJSON(t, after.Termination) != svcJSON(t, want) {
			t.Errorf("termination (R13): got %s, want %s", svcJSON(t, after.Termination), svcJSON(t, want))
		}
		switch c := after.Closure; {
		case closed && (c == nil || c.Outcome != trial.OutcomeDiscontinued || !c.WithoutEvaluation || c.Reasons == "" || c.DecidedBy != svcApprover.Person() || c.Authority != svcAuthority):
			t.Errorf("closure: got %+v, want DISCONTINUED without evaluation, with reasons (R12)", c)
		case !closed && c != nil:
			t.Errorf("closure: got %+v, want none: a trial that ran owes its evaluation", c)
		}
		if after.EvaluationReport != nil {
			t.Errorf("evaluation report: got %+v, want none", after.EvaluationReport)
		}
	}
}

func TestService_TerminateTrial(t *testing.T) {
	svcRunActions(t, []svcActionCase{
		{name: "OKApprovedClosesDiscontinued", state: trial.StateApproved, actor: svcApprover, do: svcTerminate(svcTermination),
			action: trial.ActionTerminate, to: trial.StateClosed, check: svcCheckTermination(true)},
		{name: "OKActiveToEvaluating", state: trial.StateActive, actor: svcApprover, do: svcTerminate(svcTermination),
			action: trial.ActionTerminate, to: trial.StateEvaluating, check: svcCheckTermination(false)},
		{name: "OKExtensionRequestedToEvaluating", state: trial.StateExtensionRequested, actor: svcApprover, do: svcTerminate(svcTermination),
			action: trial.ActionTerminate, to: trial.StateEvaluating, check: svcCheckTermination(false)},
		{name: "ErrRepealingInstrumentMissing", state: trial.StateActive, actor: svcApprover,
			do: svcTerminate(trial.TerminateInput{Reasons: "Ulovlig."}), code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrRepealingInstrumentNotARegulation", state: trial.StateActive, actor: svcApprover,
			do:   svcTerminate(trial.TerminateInput{Reasons: "Ulovlig.", RepealingInstrument: "LOV-2014-10-17-12"}),
			code: trial.CodeInvalidArgument, reason: "INVALID_REGULATION_ID"},
		{name: "ErrHandler", state: trial.StateActive, actor: svcHandler, do: svcTerminate(svcTermination), code: trial.CodePermissionDenied},
		{name: "ErrMunicipality", state: trial.StateActive, actor: svcLead, do: svcTerminate(svcTermination), code: trial.CodePermissionDenied},
		{name: "ErrReadyForDecision", state: trial.StateReadyForDecision, actor: svcApprover, do: svcTerminate(svcTermination),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
		{name: "ErrEvaluating", state: trial.StateEvaluating, actor: svcApprover, do: svcTerminate(svcTermination),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcSubmitEvaluation(in trial.EvaluationInput) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.SubmitEvaluation(svcCtx, c, app.ID, in)
	}
}

func TestService_SubmitEvaluation(t *testing.T) {
	in := trial.EvaluationInput{ReportReference: "https://example.org/rapport.pdf", Summary: "Bedre læring."}
	svcRunActions(t, []svcActionCase{
		{name: "OK", state: trial.StateEvaluating, actor: svcLead, do: svcSubmitEvaluation(in),
			action: trial.ActionSubmitEvaluation, to: trial.StateEvaluating,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				want := &trial.EvaluationReport{Version: 1, ReportReference: in.ReportReference, Summary: in.Summary, SubmittedBy: svcLead.Person(), Time: e.clock.Now().UTC()}
				if svcJSON(t, after.EvaluationReport) != svcJSON(t, want) {
					t.Errorf("report: got %s, want %s", svcJSON(t, after.EvaluationReport), svcJSON(t, want))
				}
			}},
		{name: "ErrSummaryMissing", state: trial.StateEvaluating, actor: svcLead,
			do: svcSubmitEvaluation(trial.EvaluationInput{ReportReference: "r"}), code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrKDD", state: trial.StateEvaluating, actor: svcApprover, do: svcSubmitEvaluation(in), code: trial.CodePermissionDenied},
		{name: "ErrActive", state: trial.StateActive, actor: svcLead, do: svcSubmitEvaluation(in),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}

func svcClose(in trial.CloseInput) func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
	return func(e *svcEnv, c workflow.Call, app *trial.Application) (any, error) {
		return e.svc.CloseApplication(svcCtx, c, app.ID, in)
	}
}

func TestService_CloseApplication(t *testing.T) {
	reported := func(t *testing.T, e *svcEnv, app *trial.Application) {
		svcTry(e.svc.SubmitEvaluation(svcCtx, svcCall(svcLead), app.ID, trial.EvaluationInput{ReportReference: "r-1", Summary: "Bra."})).must(t)
	}
	permanent := trial.CloseInput{Outcome: trial.OutcomeMadePermanent, Reasons: "Gjort permanent."}
	without := trial.CloseInput{Outcome: trial.OutcomeDiscontinued, WithoutEvaluation: true, Reasons: "Rapporten kom aldri."}
	svcRunActions(t, []svcActionCase{
		{name: "OKWithEvaluation", state: trial.StateEvaluating, setup: reported, actor: svcApprover, do: svcClose(permanent),
			action: trial.ActionClose, to: trial.StateClosed,
			check: func(t *testing.T, e *svcEnv, _, after *trial.Application, _ any) {
				want := &trial.Closure{Outcome: trial.OutcomeMadePermanent, Reasons: permanent.Reasons, DecidedBy: svcApprover.Person(), Time: e.clock.Now().UTC(), Authority: svcAuthority}
				if svcJSON(t, after.Closure) != svcJSON(t, want) {
					t.Errorf("closure: got %s, want %s", svcJSON(t, after.Closure), svcJSON(t, want))
				}
			}},
		{name: "OKWithoutEvaluation", state: trial.StateEvaluating, actor: svcApprover, do: svcClose(without),
			// The report is overdue (R12+).
			setup: func(t *testing.T, e *svcEnv, app *trial.Application) {
				e.clock.AdvanceTo(svcOsloDay(t, app.EvaluationDue).AddDate(0, 0, 1))
			},
			action: trial.ActionClose, to: trial.StateClosed,
			check: func(t *testing.T, _ *svcEnv, _, after *trial.Application, _ any) {
				if c := after.Closure; c == nil || !c.WithoutEvaluation || c.Outcome != trial.OutcomeDiscontinued || c.Reasons != without.Reasons {
					t.Errorf("closure: got %+v, want DISCONTINUED without evaluation with reasons (R12)", c)
				}
			}},
		{name: "ErrReportMissing", state: trial.StateEvaluating, actor: svcApprover, do: svcClose(permanent),
			code: trial.CodeFailedPrecondition, reason: "EVALUATION_REPORT_MISSING", rules: []string{"R12"}},
		{name: "ErrWithoutEvaluationNotDiscontinued", state: trial.StateEvaluating, actor: svcApprover,
			do:   svcClose(trial.CloseInput{Outcome: trial.OutcomeMadePermanent, WithoutEvaluation: true, Reasons: "Ingen rapport."}),
			code: trial.CodeFailedPrecondition, reason: "OUTCOME_MUST_BE_DISCONTINUED"},
		{name: "ErrWithoutEvaluationNoReasons", state: trial.StateEvaluating, actor: svcApprover,
			do:   svcClose(trial.CloseInput{Outcome: trial.OutcomeDiscontinued, WithoutEvaluation: true}),
			code: trial.CodeInvalidArgument, reason: "FIELD_REQUIRED"},
		{name: "ErrHandler", state: trial.StateEvaluating, setup: reported, actor: svcHandler, do: svcClose(permanent), code: trial.CodePermissionDenied},
		{name: "ErrClosed", state: trial.StateClosed, actor: svcApprover, do: svcClose(permanent),
			code: trial.CodeFailedPrecondition, reason: "ACTION_NOT_ALLOWED_IN_STATE"},
	})
}
