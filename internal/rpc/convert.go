package rpc

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/trial"
)

// The proto enums' value names equal the domain's string constants, so conversion is a
// lookup in the generated name and value maps. A number the proto does not define
// becomes a name the domain's validation refuses, naming the field.

func enumName(names map[int32]string, v int32) string {
	if v == 0 {
		return ""
	}
	if n, ok := names[v]; ok {
		return n
	}
	return fmt.Sprintf("UNKNOWN_VALUE_%d", v)
}

func enumValue(values map[string]int32, s string) int32 { return values[s] }

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// applicationFromProto reads the fields an applicant writes; output-only fields are
// ignored (AIP-203).
func applicationFromProto(p *forsokv1.Application) *trial.Application {
	if p == nil {
		return &trial.Application{}
	}
	a := &trial.Application{
		Title:               p.GetTitle(),
		Summary:             p.GetSummary(),
		Category:            trial.Category(enumName(forsokv1.Application_Category_name, int32(p.GetCategory()))),
		PlannedStart:        p.GetPlannedStart(),
		PlannedEnd:          p.GetPlannedEnd(),
		EvaluationPlan:      p.GetEvaluationPlan(),
		EmployeeInvolvement: p.GetEmployeeInvolvement(),
		DraftRegulation:     p.GetDraftRegulation(),
		Call:                p.GetCall(), // a resource name; CreateApplication parses it
		Themes:              p.GetThemes(),
		ProgressPlan:        p.GetProgressPlan(),
	}
	for _, ap := range p.GetApplicants() {
		a.Applicants = append(a.Applicants, trial.Applicant{
			OrganisationNumber: ap.GetOrganisationNumber(),
			Name:               ap.GetName(),
			Kind:               trial.ApplicantKind(enumName(forsokv1.Applicant_Kind_name, int32(ap.GetKind()))),
			MunicipalityNumber: ap.GetMunicipalityNumber(),
			CountyNumber:       ap.GetCountyNumber(),
			CouncilDecision:    councilDecisionFromProto(ap.GetCouncilDecision()),
		})
	}
	for _, pu := range p.GetPurposes() {
		a.Purposes = append(a.Purposes, trial.Purpose(enumName(forsokv1.Application_Purpose_name, int32(pu))))
	}
	for _, e := range p.GetExemptions() {
		a.Exemptions = append(a.Exemptions, trial.Exemption{
			LawID: e.GetLawId(), Section: e.GetSection(), Paragraph: e.GetParagraph(), Letter: e.GetLetter(),
			CurrentRule: e.GetCurrentRule(), ProposedRule: e.GetProposedRule(), OwningMinistry: e.GetOwningMinistry(),
			RestrictsRights: e.GetRestrictsRights(), Justification: e.GetJustification(),
		})
	}
	return a
}

func councilDecisionFromProto(p *forsokv1.CouncilDecision) *trial.CouncilDecision {
	if p == nil {
		return nil
	}
	return &trial.CouncilDecision{Body: p.GetBody(), CaseReference: p.GetCaseReference(), MeetingDate: p.GetMeetingDate()}
}

func councilDecisionToProto(d *trial.CouncilDecision) *forsokv1.CouncilDecision {
	if d == nil {
		return nil
	}
	return &forsokv1.CouncilDecision{Body: d.Body, CaseReference: d.CaseReference, MeetingDate: d.MeetingDate}
}

func personToProto(p *trial.Person) *forsokv1.Person {
	if p == nil || *p == (trial.Person{}) {
		return nil
	}
	return &forsokv1.Person{Subject: p.Subject, Name: p.Name, OrganisationNumber: p.OrganisationNumber}
}

func applicationToProto(a *trial.Application) *forsokv1.Application {
	p := &forsokv1.Application{
		Name:                trial.ApplicationName(a.ID),
		CaseNumber:          a.CaseNumber,
		State:               forsokv1.Application_State(enumValue(forsokv1.Application_State_value, string(a.State))),
		Etag:                trial.Etag(a),
		Title:               a.Title,
		Summary:             a.Summary,
		Category:            forsokv1.Application_Category(enumValue(forsokv1.Application_Category_value, string(a.Category))),
		PlannedStart:        a.PlannedStart,
		PlannedEnd:          a.PlannedEnd,
		EvaluationPlan:      a.EvaluationPlan,
		EmployeeInvolvement: a.EmployeeInvolvement,
		DraftRegulation:     a.DraftRegulation,
		AssignedHandler:     personToProto(a.AssignedHandler),
		WithdrawalReason:    a.WithdrawalReason,
		CreateTime:          timestamp(a.CreateTime),
		UpdateTime:          timestamp(a.UpdateTime),
		SubmitTime:          timestamp(a.SubmitTime),
		AnswerDueDate:       a.AnswerDue,
		EvaluationDueDate:   a.EvaluationDue,
		ChainHead:           chainHeadToProto(a.ID, a.ChainHead),
	}
	for _, f := range a.Flags {
		p.Flags = append(p.Flags, forsokv1.Application_Flag(enumValue(forsokv1.Application_Flag_value, string(f))))
	}
	for _, ap := range a.Applicants {
		p.Applicants = append(p.Applicants, &forsokv1.Applicant{
			OrganisationNumber:       ap.OrganisationNumber,
			Name:                     ap.Name,
			Kind:                     forsokv1.Applicant_Kind(enumValue(forsokv1.Applicant_Kind_value, string(ap.Kind))),
			MunicipalityNumber:       ap.MunicipalityNumber,
			CountyNumber:             ap.CountyNumber,
			CouncilDecision:          councilDecisionToProto(ap.CouncilDecision),
			Lead:                     ap.Lead,
			ParticipationConfirmed:   ap.ParticipationConfirmed,
			ExtensionCouncilDecision: councilDecisionToProto(ap.ExtensionCouncilDecision),
		})
	}
	for _, pu := range a.Purposes {
		p.Purposes = append(p.Purposes, forsokv1.Application_Purpose(enumValue(forsokv1.Application_Purpose_value, string(pu))))
	}
	p.Exemptions = exemptionsToProto(a.Exemptions)
	for _, r := range a.InterimReplies {
		p.InterimReplies = append(p.InterimReplies, &forsokv1.InterimReply{
			Text: r.Text, ExpectedDecisionDate: r.ExpectedDecisionDate, Author: personToProto(&r.Author), Time: timestamp(r.Time)})
	}
	for _, c := range a.ChangeRequests {
		p.ChangeRequests = append(p.ChangeRequests, &forsokv1.ChangeRequest{
			Questions: c.Questions, RequestedBy: personToProto(&c.RequestedBy), Time: timestamp(c.Time)})
	}
	if d := a.Decision; d != nil {
		pd := &forsokv1.Decision{
			Approved: d.Approved, ApprovedStart: d.ApprovedStart, ApprovedEnd: d.ApprovedEnd, Reasons: d.Reasons,
			ObjectionResponse: d.ObjectionResponse, Authority: d.Authority, DecidedBy: personToProto(&d.DecidedBy),
			DecideTime: timestamp(d.DecideTime), RegulationId: d.RegulationID, PublicationReference: d.PublicationReference,
		}
		for _, rc := range d.ReasonCodes {
			pd.ReasonCodes = append(pd.ReasonCodes, string(rc))
		}
		p.Decision = pd
	}
	for _, e := range a.Extensions {
		p.Extensions = append(p.Extensions, &forsokv1.Extension{
			RequestedEnd: e.RequestedEnd, CouncilDecision: councilDecisionToProto(e.CouncilDecision),
			ReformReference: e.ReformReference, ReformInForce: e.ReformInForce, RequestTime: timestamp(e.RequestTime),
			State:       forsokv1.Extension_State(enumValue(forsokv1.Extension_State_value, string(e.State))),
			ApprovedEnd: e.ApprovedEnd, AmendingRegulationId: e.AmendingRegulationID, Reasons: e.Reasons,
			DecidedBy: personToProto(e.DecidedBy), DecideTime: timestamp(e.DecideTime), Authority: e.Authority,
		})
	}
	if t := a.Termination; t != nil {
		p.Termination = &forsokv1.Termination{Reasons: t.Reasons, RepealingInstrument: t.RepealingInstrument,
			DecidedBy: personToProto(&t.DecidedBy), Time: timestamp(t.Time), Authority: t.Authority}
	}
	if c := a.Closure; c != nil {
		outcome := forsokv1.Application_Outcome(enumValue(forsokv1.Application_Outcome_value, string(c.Outcome)))
		p.Closure = &forsokv1.Closure{Outcome: outcome, Reasons: c.Reasons, WithoutEvaluation: c.WithoutEvaluation,
			DecidedBy: personToProto(&c.DecidedBy), Time: timestamp(c.Time), Authority: c.Authority}
		p.Outcome = outcome
	}
	callFieldsToProto(a, p)
	lawFieldsToProto(a, p)
	return p
}

// consultationToProto converts a consultation; overdue is derived from the due date
// and the state at today (the Europe/Oslo calendar day).
func consultationToProto(c *trial.Consultation, today string) *forsokv1.Consultation {
	p := &forsokv1.Consultation{
		Name:         trial.ConsultationName(c.ApplicationID, c.ID),
		Ministry:     c.Ministry,
		Question:     c.Question,
		DueDate:      c.DueDate,
		State:        forsokv1.Consultation_State(enumValue(forsokv1.Consultation_State_value, string(c.State))),
		CancelReason: c.CancelReason,
		Overdue:      c.State == trial.ConsultationRequested && c.DueDate < today,
		RequestedBy:  personToProto(&c.RequestedBy),
		CreateTime:   timestamp(c.CreateTime),
		UpdateTime:   timestamp(c.UpdateTime),

		CoveredExemptions: exemptionsToProto(c.CoveredExemptions),
	}
	if r := c.Response; r != nil {
		p.Response = &forsokv1.ConsultationResponse{
			Position:  forsokv1.Consultation_Position(enumValue(forsokv1.Consultation_Position_value, string(r.Position))),
			Statement: r.Statement, Responder: personToProto(&r.Responder), Time: timestamp(r.Time),
		}
	}
	return p
}

func eventToProto(e *trial.Event) *forsokv1.Event {
	p := &forsokv1.Event{
		Name:     fmt.Sprintf("%s/events/%d", trial.EventParentName(e), e.Sequence),
		Sequence: e.Sequence,
		Time:     timestamp(e.Time),
		Actor: &forsokv1.Actor{Subject: e.Actor.Subject, Name: e.Actor.Name, OrganisationNumber: e.Actor.OrganisationNumber,
			Role: string(e.Actor.Role), Ministry: e.Actor.Ministry},
		Action:    string(e.Action),
		FromState: forsokv1.Application_State(enumValue(forsokv1.Application_State_value, string(e.FromState))),
		ToState:   forsokv1.Application_State(enumValue(forsokv1.Application_State_value, string(e.ToState))),
		Comment:   e.Comment,
		Changes:   e.Changes,
		PrevHash:  e.PrevHash,
		Hash:      e.Hash,
	}
	if e.ConsultationID != "" {
		p.Consultation = trial.ConsultationName(e.ApplicationID, e.ConsultationID)
	}
	return p
}

func violationsToProto(vs []trial.Violation) []*forsokv1.RuleViolation {
	var out []*forsokv1.RuleViolation
	for _, v := range vs {
		out = append(out, &forsokv1.RuleViolation{Rule: v.Rule, Field: v.Field, Reason: v.Reason, Description: v.Description})
	}
	return out
}
