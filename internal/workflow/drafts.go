package workflow

// The applicants' actions on a case before KDD decides: create, update, delete,
// confirm participation, submit and withdraw.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/forsok/forsok/internal/trial"
)

// draftFields are the fields a municipality writes, by their proto paths.
var draftFields = []string{
	"title", "summary", "applicants", "category", "purposes", "exemptions", "planned_start",
	"planned_end", "evaluation_plan", "employee_involvement", "draft_regulation",
	"themes", "progress_plan",
}

// DraftFields returns the update_mask paths UpdateApplication accepts.
func DraftFields() []string { return slices.Clone(draftFields) }

// CreateApplication creates a draft. The caller's organisation becomes the lead
// applicant and must be among the applicants; a co-applicant's council decision is its
// own to record (R8).
func (s *Service) CreateApplication(ctx context.Context, call Call, in *trial.Application) (*trial.Application, error) {
	if err := requireCaller(call.Actor); err != nil {
		return nil, err
	}
	if err := trial.Permitted(call.Actor, trial.ActionCreate, &trial.Application{}, ""); err != nil {
		return nil, err
	}
	if err := checkShape(call); err != nil {
		return nil, err
	}
	draft := draftOf(in)
	// Every bad field in one answer (api.md, Errors), as UpdateApplication does: a
	// mistyped own organisation number must be named, not only reported as "missing".
	vs := s.checkApplicants(call.Actor, draft, nil)
	vs = append(vs, trial.RegisterViolations(draft.Applicants, s.Reference, s.Today())...)
	if err := trial.Invalid(append(vs, trial.ValidateDraft(draft, s.Reference)...)); err != nil {
		return nil, err
	}
	var answer []byte
	err := s.update(ctx, func(tx Tx) error {
		answer = nil
		if rec, err := s.replay(tx, call); rec != nil || err != nil {
			answer = rec
			return err
		}
		now := s.now()
		app := draftOf(draft)
		for i := range app.Applicants {
			app.Applicants[i].Lead = app.Applicants[i].OrganisationNumber == call.Actor.OrganisationNumber
		}
		id, err := tx.NextApplicationID(now.In(s.Location).Year())
		if err != nil {
			return err
		}
		app.ID, app.State, app.Revision = id, trial.StateDraft, 1
		app.CreateTime, app.UpdateTime = now, now
		changes := populatedFields(app)
		app.Stage = trial.StageFinal // a direct application is final from the start (R20)
		if in.Call != "" {
			if err := s.joinCall(tx, call.Actor, app, in.Call); err != nil {
				return err
			}
			changes = append(changes, "call", "stage")
		}
		ev := &trial.Event{ApplicationID: id, Time: now, Actor: call.Actor, Action: trial.ActionCreate, ToState: trial.StateDraft, Changes: changes}
		if err := s.record(tx, app, nil, ev); err != nil {
			return err
		}
		if err := tx.PutApplication(app); err != nil {
			return err
		}
		if err := tx.PutTimers(id, s.Schedule.Timers(app, nil)); err != nil {
			return err
		}
		if answer, err = json.Marshal(app); err != nil {
			return err
		}
		return s.remember(tx, call, now, answer)
	})
	return decodeApplication(answer, err)
}

// draftOf copies the fields an applicant writes, dropping everything output only.
func draftOf(in *trial.Application) *trial.Application {
	d := &trial.Application{
		Title: in.Title, Summary: in.Summary, Category: in.Category,
		Purposes:     slices.Clone(in.Purposes),
		PlannedStart: in.PlannedStart, PlannedEnd: in.PlannedEnd,
		EvaluationPlan: in.EvaluationPlan, EmployeeInvolvement: in.EmployeeInvolvement,
		DraftRegulation: in.DraftRegulation,
		Themes:          slices.Clone(in.Themes), ProgressPlan: in.ProgressPlan,
	}
	for _, a := range in.Applicants {
		if a.CouncilDecision != nil {
			cd := *a.CouncilDecision
			a.CouncilDecision = &cd
		}
		d.Applicants = append(d.Applicants, a)
	}
	for _, e := range in.Exemptions {
		e.Flags = nil
		d.Exemptions = append(d.Exemptions, e)
	}
	return d
}

// checkApplicants enforces who speaks for whom (R2, R8): the caller is among the
// applicants, and a co-applicant's council decision and confirmation come only from
// itself. stored is the case as it stands (nil at create); its co-applicants keep what
// they recorded.
func (s *Service) checkApplicants(actor trial.Actor, draft *trial.Application, stored *trial.Application) []trial.Violation {
	var vs []trial.Violation
	if draft.Applicant(actor.OrganisationNumber) == nil {
		vs = append(vs, trial.Violation{Rule: trial.RuleR2, Field: "applicants", Reason: "LEAD_APPLICANT_MISSING",
			Description: fmt.Sprintf("the applicants must include your own organisation %s, which becomes the lead applicant", actor.OrganisationNumber)})
	}
	for i := range draft.Applicants {
		a := &draft.Applicants[i]
		a.Lead, a.ParticipationConfirmed = false, false
		if a.OrganisationNumber == actor.OrganisationNumber {
			continue
		}
		var recorded *trial.CouncilDecision
		if stored != nil {
			if prev := stored.Applicant(a.OrganisationNumber); prev != nil {
				recorded = prev.CouncilDecision
			}
		}
		if a.CouncilDecision != nil && (recorded == nil || *a.CouncilDecision != *recorded) {
			vs = append(vs, trial.Violation{Rule: trial.RuleR8, Field: fmt.Sprintf("applicants[%d].council_decision", i), Reason: "COUNCIL_DECISION_NOT_YOURS",
				Description: "a co-applicant records its own council decision with confirmParticipation; leave this field empty"})
		}
		a.CouncilDecision = recorded
	}
	return vs
}

// populatedFields names the draft fields that are set, for the create event.
func populatedFields(app *trial.Application) []string {
	var fs []string
	set := map[string]bool{
		"title": app.Title != "", "summary": app.Summary != "", "applicants": len(app.Applicants) > 0,
		"category": app.Category != "", "purposes": len(app.Purposes) > 0, "exemptions": len(app.Exemptions) > 0,
		"planned_start": app.PlannedStart != "", "planned_end": app.PlannedEnd != "",
		"evaluation_plan": app.EvaluationPlan != "", "employee_involvement": app.EmployeeInvolvement != "",
		"draft_regulation": app.DraftRegulation != "",
		"themes":           len(app.Themes) > 0, "progress_plan": app.ProgressPlan != "",
	}
	for _, f := range draftFields {
		if set[f] {
			fs = append(fs, f)
		}
	}
	return fs
}

// UpdateApplication changes the draft fields named in mask (AIP-134). A change after
// co-applicants confirmed resets their confirmations: their councils adopted the
// application as it stood (R8).
func (s *Service) UpdateApplication(ctx context.Context, call Call, id string, in *trial.Application, mask []string) (*trial.Application, error) {
	var draft *trial.Application
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionUpdate, id: id,
		validate: func(a *action) []trial.Violation {
			var vs []trial.Violation
			if len(mask) == 0 {
				vs = append(vs, trial.Violation{Field: "update_mask", Reason: "UPDATE_MASK_EMPTY", Description: "name the fields to change in update_mask, or send at least one field"})
			}
			for _, p := range mask {
				if !slices.Contains(draftFields, p) {
					vs = append(vs, trial.Violation{Field: "update_mask", Reason: "FIELD_NOT_UPDATABLE",
						Description: fmt.Sprintf("%q cannot be updated; updatable fields are %s", p, strings.Join(draftFields, ", "))})
				}
			}
			if len(vs) > 0 {
				return vs
			}
			draft = draftOf(a.app)
			applyMask(draft, draftOf(in), mask)
			vs = append(vs, s.checkApplicants(call.Actor, draft, a.app)...)
			vs = append(vs, trial.RegisterViolations(draft.Applicants, s.Reference, a.today)...)
			return append(vs, trial.ValidateDraft(draft, s.Reference)...)
		},
		apply: func(a *action) error {
			for i := range draft.Applicants {
				draft.Applicants[i].Lead = draft.Applicants[i].OrganisationNumber == call.Actor.OrganisationNumber
			}
			applyMask(a.app, draft, draftFields)
			a.event.Changes = slices.Clone(mask)
			return nil
		},
	}))
}

// applyMask copies the fields named by paths from src to dst. It works on the domain's
// Application, not on the proto message go.einride.tech/aip/fieldmask updates: the
// request order reads the stored case (requestId, etag, co-applicants) before the mask
// is applied, and that case is a domain value, never a proto.
func applyMask(dst, src *trial.Application, paths []string) {
	for _, p := range paths {
		switch p {
		case "title":
			dst.Title = src.Title
		case "summary":
			dst.Summary = src.Summary
		case "applicants":
			dst.Applicants = src.Applicants
		case "category":
			dst.Category = src.Category
		case "purposes":
			dst.Purposes = src.Purposes
		case "exemptions":
			dst.Exemptions = src.Exemptions
		case "planned_start":
			dst.PlannedStart = src.PlannedStart
		case "planned_end":
			dst.PlannedEnd = src.PlannedEnd
		case "evaluation_plan":
			dst.EvaluationPlan = src.EvaluationPlan
		case "employee_involvement":
			dst.EmployeeInvolvement = src.EmployeeInvolvement
		case "draft_regulation":
			dst.DraftRegulation = src.DraftRegulation
		case "themes":
			dst.Themes = src.Themes
		case "progress_plan":
			dst.ProgressPlan = src.ProgressPlan
		}
	}
}

// DeleteApplication deletes a draft. Its history stays, so the event sequence has no
// gaps.
func (s *Service) DeleteApplication(ctx context.Context, call Call, id string) error {
	_, err := s.run(ctx, call, step{action: trial.ActionDelete, id: id, apply: func(*action) error { return nil }})
	return err
}

// ConfirmParticipation records a co-applicant's own council decision and confirmation
// (R8).
func (s *Service) ConfirmParticipation(ctx context.Context, call Call, id string, in trial.ParticipationInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionConfirmParticipation, id: id,
		validate: func(*action) []trial.Violation {
			vs := in.Validate()
			if in.OrganisationNumber != "" && in.OrganisationNumber != call.Actor.OrganisationNumber {
				vs = append(vs, trial.Violation{Rule: trial.RuleR8, Field: "organisation_number", Reason: "NOT_YOUR_ORGANISATION",
					Description: fmt.Sprintf("you call as %s and can confirm only your own participation", call.Actor.OrganisationNumber)})
			}
			return vs
		},
		guards: func(a *action) []trial.Violation { return trial.ParticipationGuards(a.app, in, a.today) },
		apply: func(a *action) error {
			applicant := a.app.Applicant(call.Actor.OrganisationNumber)
			cd := *in.CouncilDecision
			if a.app.State == trial.StateActive {
				// A running joint trial: the council's decision to ask for an extension
				// (R8+).
				applicant.ExtensionCouncilDecision = &cd
				a.event.Changes = []string{"applicants.extension_council_decision"}
				return nil
			}
			applicant.CouncilDecision, applicant.ParticipationConfirmed = &cd, true
			a.event.Changes = []string{"applicants.council_decision", "applicants.participation_confirmed"}
			return nil
		},
	}))
}

// SubmitApplication sends the application to KDD, or resubmits it after a request for
// changes. The first submission assigns the case number.
func (s *Service) SubmitApplication(ctx context.Context, call Call, id, comment string) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionSubmit, id: id,
		guards: func(a *action) []trial.Violation { return trial.StageSubmitGuards(a.app, s.Reference, a.today) },
		apply: func(a *action) error {
			for i := range a.app.Exemptions {
				a.app.Exemptions[i].Flags = trial.ExemptionFlags(a.app.Exemptions[i], a.app.Category, s.Reference)
			}
			if a.app.CaseNumber == "" {
				n, err := a.tx.NextCaseNumber(a.now.In(s.Location).Year())
				if err != nil {
					return err
				}
				a.app.CaseNumber = n
				a.event.Changes = append(a.event.Changes, "case_number")
			}
			a.app.SubmitTime = a.now
			a.app.AnswerDue = trial.AnswerDue(a.today)
			a.app.SetFlag(trial.FlagNeedsInterimReply, false)
			a.event.Comment = comment
			a.event.Changes = append(a.event.Changes, "submit_time", "exemptions.flags")
			return nil
		},
	}))
}

// WithdrawApplication withdraws the application before a decision; open consultations
// are cancelled in the same write.
func (s *Service) WithdrawApplication(ctx context.Context, call Call, id, reason string) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionWithdraw, id: id,
		validate: func(*action) []trial.Violation { return required("reason", reason) },
		apply: func(a *action) error {
			a.app.WithdrawalReason = reason
			a.answered()
			a.event.Comment = reason
			a.event.Changes = []string{"withdrawal_reason"}
			for _, c := range a.openConsultations() {
				c.State, c.CancelReason, c.UpdateTime = trial.ConsultationCancelled, "the application was withdrawn", a.now
				if err := a.tx.PutConsultation(c); err != nil {
					return err
				}
				a.event.Changes = append(a.event.Changes, "consultations/"+c.ID+".state")
			}
			return nil
		},
	}))
}

// required returns a violation when value is empty.
func required(field, value string) []trial.Violation {
	if strings.TrimSpace(value) == "" {
		return []trial.Violation{{Field: field, Reason: "FIELD_REQUIRED", Description: field + " is required"}}
	}
	return nil
}
