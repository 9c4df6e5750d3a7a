package workflow

// The actions of domain.md's sharper readings: KDD confirms who owns a law the
// reference data does not know (R16) and records its legal review of a flagged
// exemption (R19); a co-applicant withdraws its participation (R8+).

import (
	"context"
	"fmt"
	"slices"

	"github.com/forsok/forsok/internal/trial"
)

// ConfirmLawOwner records KDD's finding of which ministry owns a law the reference data
// does not know, and sets that owner on the exemptions citing it (R16). R10 is judged
// against the confirmed owner.
func (s *Service) ConfirmLawOwner(ctx context.Context, call Call, id string, in trial.LawOwnerInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionConfirmLawOwner, id: id,
		validate: func(*action) []trial.Violation { return in.Validate(s.Reference) },
		guards:   func(a *action) []trial.Violation { return trial.ConfirmLawOwnerGuards(a.app, in, s.Reference) },
		apply: func(a *action) error {
			a.app.LawOwnerConfirmations = append(a.app.LawOwnerConfirmations, trial.LawOwnerConfirmation{
				LawID: in.LawID, Ministry: in.Ministry, Reasons: in.Reasons, ConfirmedBy: call.Actor.Person(), Time: a.now})
			a.event.Changes = []string{"law_owner_confirmations"}
			for i := range a.app.Exemptions {
				if e := &a.app.Exemptions[i]; e.LawID == in.LawID && e.OwningMinistry != in.Ministry {
					e.OwningMinistry = in.Ministry
					a.event.Changes = append(a.event.Changes, fmt.Sprintf("exemptions[%d].owning_ministry", i))
				}
			}
			a.event.Comment = fmt.Sprintf("%s is owned by %s", in.LawID, in.Ministry)
			if in.Reasons != "" {
				a.event.Comment += ": " + in.Reasons
			}
			return nil
		},
	}))
}

// RecordLegalReview records KDD's legal review of a flagged exemption as it stands
// (R19); approval of that exemption needs a review concluding WITHIN_ACT.
func (s *Service) RecordLegalReview(ctx context.Context, call Call, id string, in trial.LegalReviewInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionRecordLegalReview, id: id,
		validate: func(*action) []trial.Violation { return in.Validate() },
		guards:   func(a *action) []trial.Violation { return trial.LegalReviewGuards(a.app, in) },
		apply: func(a *action) error {
			e := a.app.Exemptions[in.ExemptionIndex]
			e.Flags = slices.Clone(e.Flags)
			a.app.LegalReviews = append(a.app.LegalReviews, trial.LegalReview{ExemptionIndex: in.ExemptionIndex, Exemption: e,
				Conclusion: in.Conclusion, Reasons: in.Reasons, ReviewedBy: call.Actor.Person(), Time: a.now})
			a.event.Comment = fmt.Sprintf("exemptions[%d] %s: %s", in.ExemptionIndex, in.Conclusion, in.Reasons)
			a.event.Changes = []string{"legal_reviews"}
			return nil
		},
	}))
}

// WithdrawParticipation removes a co-applicant from a joint application before the
// decision, on its own word (R8+); the case goes on with the others. The co-applicant
// is kept in withdrawn_participants, so the record shows who left and why.
func (s *Service) WithdrawParticipation(ctx context.Context, call Call, id string, in trial.WithdrawParticipationInput) (*trial.Application, error) {
	return decodeApplication(s.run(ctx, call, step{
		action: trial.ActionWithdrawParticipation, id: id,
		validate: func(*action) []trial.Violation {
			vs := in.Validate()
			if in.OrganisationNumber != "" && in.OrganisationNumber != call.Actor.OrganisationNumber {
				vs = append(vs, trial.Violation{Rule: trial.RuleR8Plus, Field: "organisation_number", Reason: "NOT_YOUR_ORGANISATION",
					Description: fmt.Sprintf("you call as %s and can withdraw only your own participation", call.Actor.OrganisationNumber)})
			}
			return vs
		},
		guards: func(a *action) []trial.Violation { return trial.WithdrawParticipationGuards(a.app, in) },
		apply: func(a *action) error {
			i := slices.IndexFunc(a.app.Applicants, func(x trial.Applicant) bool { return x.OrganisationNumber == in.OrganisationNumber })
			a.app.WithdrawnParticipants = append(a.app.WithdrawnParticipants, trial.WithdrawnParticipant{Applicant: a.app.Applicants[i], Reason: in.Reason, Time: a.now})
			a.app.Applicants = slices.Delete(a.app.Applicants, i, i+1)
			a.event.Comment = in.OrganisationNumber + ": " + in.Reason
			a.event.Changes = []string{"applicants", "withdrawn_participants"}
			return nil
		},
	}))
}
