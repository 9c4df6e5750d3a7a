package trial

import "fmt"

// Field validation of the requests of domain.md's sharper readings (R16, R19, R8+).

// Validate checks a confirmation of a law's owner (R16): a Lovdata id and a known
// ministry other than KDD's own code is allowed, since KDD may own a law too.
func (in LawOwnerInput) Validate(ref *Reference) []Violation {
	var vs violations
	if vs.required(RuleR16, "law_id", in.LawID, "the Lovdata id of the law, e.g. LOV-2008-06-27-71") && !ValidLovdataID(in.LawID) {
		vs.add(RuleR16, "law_id", "INVALID_LAW_ID", fmt.Sprintf("law_id %q is not a Lovdata id; give LOV-YYYY-MM-DD-N or FOR-YYYY-MM-DD-N.", in.LawID))
	}
	if vs.required(RuleR16, "ministry", in.Ministry, "the code of the ministry that owns the law") {
		if _, ok := ref.Ministry(in.Ministry); !ok {
			vs.add(RuleR16, "ministry", "UNKNOWN_MINISTRY", fmt.Sprintf("ministry %q is not a known ministry code; use one of %s.", in.Ministry, MinistryCodes(ref)))
		}
	}
	vs.length(RuleR16, "reasons", in.Reasons, MaxTextLength)
	return vs
}

// Validate checks a legal review (R19): a known conclusion and its reasons.
func (in LegalReviewInput) Validate() []Violation {
	var vs violations
	switch in.Conclusion {
	case ReviewWithinAct, ReviewOutsideAct:
	case "":
		vs.add(RuleR19, "conclusion", "FIELD_REQUIRED", "conclusion is required: give WITHIN_ACT or OUTSIDE_ACT.")
	default:
		vs.add(RuleR19, "conclusion", "UNKNOWN_CONCLUSION", fmt.Sprintf("conclusion %q is unknown; give WITHIN_ACT or OUTSIDE_ACT.", in.Conclusion))
	}
	if in.ExemptionIndex < 0 {
		vs.add(RuleR19, "exemption_index", "OUT_OF_RANGE", fmt.Sprintf("exemption_index is %d; give the index of a flagged exemption, from 0.", in.ExemptionIndex))
	}
	vs.text(RuleR19, "reasons", in.Reasons, MaxTextLength, "the legal reasoning behind the conclusion")
	return vs
}

// Validate checks a co-applicant's withdrawal (R8+): its own organisation number and
// the reason (its council's rescinding decision).
func (in WithdrawParticipationInput) Validate() []Violation {
	var vs violations
	switch {
	case in.OrganisationNumber == "":
		vs.add(RuleR8Plus, "organisation_number", "FIELD_REQUIRED", "organisation_number is required: give your own organisation's number.")
	case !ValidOrganisationNumber(in.OrganisationNumber):
		vs.add(RuleR8Plus, "organisation_number", "INVALID_ORGANISATION_NUMBER", fmt.Sprintf("organisation_number %q is not a valid organisation number (nine digits, modulus-11 check digit).", in.OrganisationNumber))
	}
	vs.text(RuleR8Plus, "reason", in.Reason, MaxTextLength, "why the organisation withdraws (e.g. its council's rescinding decision)")
	return vs
}

// validateR18 checks the form of an approval's granted exemptions and publication
// date (R18); whether they are within the application is ApproveGuards'.
func (in ApproveInput) validateR18() []Violation {
	var vs violations
	vs.date(RuleR18, "publication_date", in.PublicationDate)
	if in.PublicationDate != "" && in.PublicationReference == "" {
		vs.add(RuleR18, "publication_date", "FIELD_NOT_ALLOWED", "publication_date goes with publication_reference; give both or neither.")
	}
	return vs
}
