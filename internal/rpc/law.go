package rpc

// The handlers and conversions of domain.md's sharper readings: WithdrawParticipation
// (R8+), ConfirmLawOwner (R16), RecordLegalReview (R19), and the output fields that
// record them.

import (
	"context"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/trial"
)

// WithdrawParticipation implements forsok.v1.ApplicationService.
func (s *Server) WithdrawParticipation(ctx context.Context, req *forsokv1.WithdrawParticipationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.WithdrawParticipationInput{OrganisationNumber: req.GetOrganisationNumber(), Reason: req.GetReason()}
	return applicationResult(s.svc.WithdrawParticipation(ctx, s.call(ctx, req), id, in))
}

// ConfirmLawOwner implements forsok.v1.ApplicationService.
func (s *Server) ConfirmLawOwner(ctx context.Context, req *forsokv1.ConfirmLawOwnerRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.LawOwnerInput{LawID: req.GetLawId(), Ministry: req.GetMinistry(), Reasons: req.GetReasons()}
	return applicationResult(s.svc.ConfirmLawOwner(ctx, s.call(ctx, req), id, in))
}

// RecordLegalReview implements forsok.v1.ApplicationService.
func (s *Server) RecordLegalReview(ctx context.Context, req *forsokv1.RecordLegalReviewRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	conclusion := ""
	if req.GetConclusion() != forsokv1.LegalReview_CONCLUSION_UNSPECIFIED {
		conclusion = req.GetConclusion().String()
	}
	in := trial.LegalReviewInput{ExemptionIndex: int(req.GetExemptionIndex()), Conclusion: trial.ReviewConclusion(conclusion), Reasons: req.GetReasons()}
	return applicationResult(s.svc.RecordLegalReview(ctx, s.call(ctx, req), id, in))
}

func intsFromProto(vs []int32) []int {
	var out []int
	for _, v := range vs {
		out = append(out, int(v))
	}
	return out
}

func intsToProto(vs []int) []int32 {
	var out []int32
	for _, v := range vs {
		out = append(out, int32(v))
	}
	return out
}

// exemptionsToProto converts exemptions, of an application or of what a consultation
// covers.
func exemptionsToProto(es []trial.Exemption) []*forsokv1.Exemption {
	var out []*forsokv1.Exemption
	for _, e := range es {
		out = append(out, exemptionToProto(e))
	}
	return out
}

func exemptionToProto(e trial.Exemption) *forsokv1.Exemption {
	pe := &forsokv1.Exemption{
		LawId: e.LawID, Section: e.Section, Paragraph: e.Paragraph, Letter: e.Letter,
		CurrentRule: e.CurrentRule, ProposedRule: e.ProposedRule, OwningMinistry: e.OwningMinistry,
		RestrictsRights: e.RestrictsRights, Justification: e.Justification,
	}
	for _, f := range e.Flags {
		pe.Flags = append(pe.Flags, forsokv1.Exemption_Flag(enumValue(forsokv1.Exemption_Flag_value, string(f))))
	}
	return pe
}

func evaluationReportToProto(r *trial.EvaluationReport) *forsokv1.EvaluationReport {
	return &forsokv1.EvaluationReport{Version: int32(r.Version), ReportReference: r.ReportReference, Summary: r.Summary,
		SubmittedBy: personToProto(&r.SubmittedBy), Time: timestamp(r.Time)}
}

// lawFieldsToProto sets the output fields of the sharper readings on p.
func lawFieldsToProto(a *trial.Application, p *forsokv1.Application) {
	if d := a.Decision; d != nil && p.Decision != nil {
		p.Decision.DecideDate, p.Decision.PublicationDate = d.DecideDate, d.PublicationDate
		p.Decision.GrantedExemptions = intsToProto(d.GrantedExemptions)
	}
	if r := a.EvaluationReport; r != nil {
		p.EvaluationReport = evaluationReportToProto(r)
	}
	for i := range a.EvaluationReports {
		p.EvaluationReports = append(p.EvaluationReports, evaluationReportToProto(&a.EvaluationReports[i]))
	}
	for _, c := range a.LawOwnerConfirmations {
		p.LawOwnerConfirmations = append(p.LawOwnerConfirmations, &forsokv1.LawOwnerConfirmation{
			LawId: c.LawID, Ministry: c.Ministry, Reasons: c.Reasons, ConfirmedBy: personToProto(&c.ConfirmedBy), Time: timestamp(c.Time)})
	}
	for _, r := range a.LegalReviews {
		p.LegalReviews = append(p.LegalReviews, &forsokv1.LegalReview{
			ExemptionIndex: int32(r.ExemptionIndex), Exemption: exemptionToProto(r.Exemption),
			Conclusion: forsokv1.LegalReview_Conclusion(enumValue(forsokv1.LegalReview_Conclusion_value, string(r.Conclusion))),
			Reasons:    r.Reasons, ReviewedBy: personToProto(&r.ReviewedBy), Time: timestamp(r.Time)})
	}
	for _, w := range a.WithdrawnParticipants {
		ap := w.Applicant
		p.WithdrawnParticipants = append(p.WithdrawnParticipants, &forsokv1.WithdrawnParticipant{
			Applicant: &forsokv1.Applicant{OrganisationNumber: ap.OrganisationNumber, Name: ap.Name,
				Kind:               forsokv1.Applicant_Kind(enumValue(forsokv1.Applicant_Kind_value, string(ap.Kind))),
				MunicipalityNumber: ap.MunicipalityNumber, CountyNumber: ap.CountyNumber, CouncilDecision: councilDecisionToProto(ap.CouncilDecision)},
			Reason: w.Reason, Time: timestamp(w.Time)})
	}
}
