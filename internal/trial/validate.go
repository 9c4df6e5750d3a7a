package trial

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Field validation: is each field of a request well formed? The service turns a
// non-empty result into CodeInvalidArgument (Invalid). Whether the case may take the
// action is a different question, answered by the guards in rules.go
// (CodeFailedPrecondition). Violation.Field is the request's snake_case proto path, so
// the transport passes it through to google.rpc.BadRequest unchanged.

// The size limits of a case. They keep one case well inside a storage page budget and a
// gRPC message, and are generous for any real application (KDD's application form asks
// for a few pages).
const (
	// MaxTitleLength is the longest title, in characters.
	MaxTitleLength = 300
	// MaxShortTextLength is the longest name, reference or citation part, in characters.
	MaxShortTextLength = 300
	// MaxTextLength is the longest free text (summary, rules, plans, reasons), in
	// characters.
	MaxTextLength = 20000
	// MaxItems is the most applicants, or exemptions, one application may list.
	MaxItems = 50
	// MaxDueWorkingDays is the longest consultation period in working days, about a year.
	MaxDueWorkingDays = 250
)

// violations collects Violations; the helpers below append to it so that every check
// reports, instead of stopping at the first failure.
type violations []Violation

func (vs *violations) add(rule, field, reason, description string) {
	*vs = append(*vs, Violation{Rule: rule, Field: field, Reason: reason, Description: description})
}

// required reports a missing value: empty or only white space, which is no answer.
func (vs *violations) required(rule, field, value, what string) bool {
	if strings.TrimSpace(value) == "" {
		vs.add(rule, field, "FIELD_REQUIRED", fmt.Sprintf("%s is required: give %s.", field, what))
		return false
	}
	return true
}

// length reports a value longer than max characters (not bytes: Norwegian text has
// æøå).
func (vs *violations) length(rule, field, value string, max int) {
	if n := utf8.RuneCountInString(value); n > max {
		vs.add(rule, field, "TOO_LONG", fmt.Sprintf("%s has %d characters; shorten it to at most %d.", field, n, max))
	}
}

// text checks a required text field's presence and length.
func (vs *violations) text(rule, field, value string, max int, what string) {
	if vs.required(rule, field, value, what) {
		vs.length(rule, field, value, max)
	}
}

// date reports a present value that is not an ISO date. It returns whether the value is
// present and valid, so callers can go on to compare it.
func (vs *violations) date(rule, field, value string) bool {
	if value == "" {
		return false
	}
	if _, err := ParseDate(value); err != nil {
		vs.add(rule, field, "INVALID_DATE", fmt.Sprintf("%s is %q; give a calendar date as YYYY-MM-DD, e.g. 2026-08-01.", field, value))
		return false
	}
	return true
}

// requiredDate checks a date that must be given.
func (vs *violations) requiredDate(rule, field, value, what string) bool {
	if !vs.required(rule, field, value, what) {
		return false
	}
	return vs.date(rule, field, value)
}

// regulationID checks a present value is a regulation's Lovdata id.
func (vs *violations) regulationID(rule, field, value string) {
	if value != "" && !validRegulationID(value) {
		vs.add(rule, field, "INVALID_REGULATION_ID", fmt.Sprintf("%s is %q; give the regulation's Lovdata id, FOR-YYYY-MM-DD-N, e.g. FOR-2006-06-23-724.", field, value))
	}
}

// ValidateDraft checks the fields of an application being created or updated. A draft
// may be incomplete — submission checks completeness (SubmitGuards) — but every field it
// has must be well formed, so nothing malformed is ever stored. ref resolves ministry
// codes.
func ValidateDraft(app *Application, ref *Reference) []Violation {
	var vs violations
	if app == nil {
		vs.add("", "application", "FIELD_REQUIRED", "application is required: send the application's fields.")
		return vs
	}
	vs.length("", "title", app.Title, MaxTitleLength)
	vs.length("", "summary", app.Summary, MaxTextLength)

	if len(app.Applicants) > MaxItems {
		vs.add(RuleR2, "applicants", "TOO_MANY", fmt.Sprintf("applicants lists %d applicants; at most %d are allowed.", len(app.Applicants), MaxItems))
	}
	vs = append(vs, applicantsViolations(app.Applicants)...)
	for i, a := range app.Applicants {
		if a.CouncilDecision != nil {
			vs = append(vs, councilDecisionFormat(fmt.Sprintf("applicants[%d].council_decision", i), a.CouncilDecision)...)
		}
	}

	if app.Category != "" && !knownCategory(app.Category) {
		vs.add(RuleR3, "category", "UNKNOWN_CATEGORY", fmt.Sprintf("category %q is unknown; use ORGANISATION, TASK_DIVISION, STATE_CONTROL or UNITARY_COUNTY.", app.Category))
	}
	vs = append(vs, purposesViolations(app.Purposes)...)

	if len(app.Exemptions) > MaxItems {
		vs.add(RuleR4, "exemptions", "TOO_MANY", fmt.Sprintf("exemptions lists %d exemptions; at most %d are allowed.", len(app.Exemptions), MaxItems))
	}
	for i, e := range app.Exemptions {
		vs = append(vs, exemptionFormat(i, e, ref)...)
	}

	vs.date(RuleR6, "planned_start", app.PlannedStart)
	vs.date(RuleR6, "planned_end", app.PlannedEnd)
	vs.length(RuleR12, "evaluation_plan", app.EvaluationPlan, MaxTextLength)
	vs.length(RuleR15, "employee_involvement", app.EmployeeInvolvement, MaxTextLength)
	vs.length(RuleR9, "draft_regulation", app.DraftRegulation, MaxTextLength)
	return vs
}

// applicantsViolations checks each applicant's identity (R2) and that no organisation
// is listed twice. Shared by ValidateDraft and SubmitGuards, so a stored draft and a
// submission are judged alike.
func applicantsViolations(applicants []Applicant) []Violation {
	var vs violations
	seen := map[string]int{}
	for i, a := range applicants {
		p := fmt.Sprintf("applicants[%d]", i)
		switch {
		case a.OrganisationNumber == "":
			vs.add(RuleR2, p+".organisation_number", "ORGANISATION_NUMBER_MISSING", p+".organisation_number is required: give the applicant's nine-digit organisation number.")
		case !ValidOrganisationNumber(a.OrganisationNumber):
			vs.add(RuleR2, p+".organisation_number", "INVALID_ORGANISATION_NUMBER", fmt.Sprintf("%s.organisation_number %q is not a valid organisation number (nine digits, modulus-11 check digit); check it in Enhetsregisteret.", p, a.OrganisationNumber))
		default:
			if first, dup := seen[a.OrganisationNumber]; dup {
				vs.add(RuleR2, p+".organisation_number", "DUPLICATE_APPLICANT", fmt.Sprintf("%s.organisation_number %s is already applicants[%d]; list each organisation once.", p, a.OrganisationNumber, first))
			} else {
				seen[a.OrganisationNumber] = i
			}
		}
		vs.length(RuleR2, p+".name", a.Name, MaxShortTextLength)
		switch a.Kind {
		case "":
			vs.add(RuleR2, p+".kind", "APPLICANT_KIND_MISSING", p+".kind is required: give KOMMUNE or FYLKESKOMMUNE.")
		case KindKommune:
			switch {
			case a.MunicipalityNumber == "":
				vs.add(RuleR2, p+".municipality_number", "MUNICIPALITY_NUMBER_MISSING", p+".municipality_number is required for a KOMMUNE: give its four-digit municipality number, e.g. \"3118\".")
			case !ValidMunicipalityNumber(a.MunicipalityNumber):
				vs.add(RuleR2, p+".municipality_number", "INVALID_MUNICIPALITY_NUMBER", fmt.Sprintf("%s.municipality_number %q is not a municipality number in force from 2024: four digits, the first two a county in force (e.g. \"0301\", \"3118\").", p, a.MunicipalityNumber))
			}
			if a.CountyNumber != "" {
				vs.add(RuleR2, p+".county_number", "COUNTY_NUMBER_NOT_ALLOWED", p+".county_number is for a FYLKESKOMMUNE; leave it empty for a KOMMUNE.")
			}
		case KindFylkeskommune:
			switch {
			case a.CountyNumber == "":
				vs.add(RuleR2, p+".county_number", "COUNTY_NUMBER_MISSING", p+".county_number is required for a FYLKESKOMMUNE: give its two-digit county number, e.g. \"46\".")
			case !ValidCountyNumber(a.CountyNumber):
				vs.add(RuleR2, p+".county_number", "INVALID_COUNTY_NUMBER", fmt.Sprintf("%s.county_number %q is not a county in force from 2024 (03, 11, 15, 18, 31, 32, 33, 34, 39, 40, 42, 46, 50, 55, 56).", p, a.CountyNumber))
			}
			if a.MunicipalityNumber != "" {
				vs.add(RuleR2, p+".municipality_number", "MUNICIPALITY_NUMBER_NOT_ALLOWED", p+".municipality_number is for a KOMMUNE; leave it empty for a FYLKESKOMMUNE.")
			}
		default:
			vs.add(RuleR2, p+".kind", "UNKNOWN_APPLICANT_KIND", fmt.Sprintf("%s.kind %q is unknown; give KOMMUNE or FYLKESKOMMUNE.", p, a.Kind))
		}
	}
	return vs
}

// councilDecisionFormat checks the fields a council decision has, for a draft where it
// may still be incomplete.
func councilDecisionFormat(prefix string, cd *CouncilDecision) []Violation {
	var vs violations
	vs.length(RuleR8, prefix+".body", cd.Body, MaxShortTextLength)
	vs.length(RuleR8, prefix+".case_reference", cd.CaseReference, MaxShortTextLength)
	vs.date(RuleR8, prefix+".meeting_date", cd.MeetingDate)
	return vs
}

// councilDecisionComplete checks a council decision that must be complete (R8): the
// body that decided, its case reference and the meeting date. Whether the date is in
// the future needs today and is a guard.
func councilDecisionComplete(prefix string, cd *CouncilDecision) []Violation {
	var vs violations
	if cd == nil {
		vs.add(RuleR8, prefix, "COUNCIL_DECISION_MISSING", prefix+" is required: give the council's decision adopting the application (body, case reference, meeting date).")
		return vs
	}
	for _, f := range []struct{ name, value, what string }{
		{"body", cd.Body, "the council that decided, e.g. \"Indre Østfold kommunestyre\""},
		{"case_reference", cd.CaseReference, "the council's case reference, e.g. \"2025/311\""},
		{"meeting_date", cd.MeetingDate, "the meeting date as YYYY-MM-DD"},
	} {
		if strings.TrimSpace(f.value) == "" {
			vs.add(RuleR8, prefix+"."+f.name, "COUNCIL_DECISION_INCOMPLETE", fmt.Sprintf("%s.%s is required: give %s.", prefix, f.name, f.what))
		}
	}
	vs = append(vs, councilDecisionFormat(prefix, cd)...)
	return vs
}

// purposesViolations checks that each purpose is one of § 1's, listed once (R1).
func purposesViolations(purposes []Purpose) []Violation {
	var vs violations
	seen := map[Purpose]bool{}
	for i, p := range purposes {
		field := fmt.Sprintf("purposes[%d]", i)
		switch {
		case !knownPurpose(p):
			vs.add(RuleR1, field, "UNKNOWN_PURPOSE", fmt.Sprintf("%s %q is not a purpose of § 1; use EFFICIENT_ORGANISATION, TASK_ALLOCATION, SERVICE_QUALITY, RESOURCE_USE or DEMOCRATIC_GOVERNANCE.", field, p))
		case seen[p]:
			vs.add(RuleR1, field, "DUPLICATE_PURPOSE", fmt.Sprintf("%s %s is listed more than once; list each purpose once.", field, p))
		}
		seen[p] = true
	}
	return vs
}

// exemptionFormat checks the fields an exemption has (R4): a well-formed Lovdata id, a
// known ministry, lengths.
func exemptionFormat(i int, e Exemption, ref *Reference) []Violation {
	var vs violations
	p := fmt.Sprintf("exemptions[%d]", i)
	if e.LawID != "" && !ValidLovdataID(e.LawID) {
		vs.add(RuleR4, p+".law_id", "INVALID_LAW_ID", fmt.Sprintf("%s.law_id %q is not a Lovdata id; give LOV-YYYY-MM-DD-N for a law or FOR-YYYY-MM-DD-N for a regulation, e.g. LOV-2008-06-27-71.", p, e.LawID))
	}
	if e.OwningMinistry != "" {
		if _, ok := ref.Ministry(e.OwningMinistry); !ok {
			vs.add(RuleR4, p+".owning_ministry", "UNKNOWN_MINISTRY", fmt.Sprintf("%s.owning_ministry %q is not a known ministry code; use one of %s.", p, e.OwningMinistry, MinistryCodes(ref)))
		}
	}
	vs.length(RuleR4, p+".section", e.Section, MaxShortTextLength)
	vs.length(RuleR4, p+".paragraph", e.Paragraph, MaxShortTextLength)
	vs.length(RuleR4, p+".letter", e.Letter, MaxShortTextLength)
	vs.length(RuleR4, p+".current_rule", e.CurrentRule, MaxTextLength)
	vs.length(RuleR4, p+".proposed_rule", e.ProposedRule, MaxTextLength)
	vs.length(RuleR5, p+".justification", e.Justification, MaxTextLength)
	return vs
}

// ministryCodes lists the known codes for a description, so the client sees its choices.
func MinistryCodes(ref *Reference) string {
	if ref == nil || len(ref.Ministries) == 0 {
		return "the configured ministry codes (none are configured)"
	}
	codes := make([]string, len(ref.Ministries))
	for i, m := range ref.Ministries {
		codes[i] = m.Code
	}
	return strings.Join(codes, ", ")
}

func knownCategory(c Category) bool {
	switch c {
	case CategoryOrganisation, CategoryTaskDivision, CategoryStateControl, CategoryUnitaryCounty:
		return true
	}
	return false
}

func knownPurpose(p Purpose) bool {
	switch p {
	case PurposeEfficientOrganisation, PurposeTaskAllocation, PurposeServiceQuality, PurposeResourceUse, PurposeDemocraticGovernance:
		return true
	}
	return false
}

func knownOutcome(o Outcome) bool {
	switch o {
	case OutcomeMadePermanent, OutcomeLawChangeProposed, OutcomeDiscontinued:
		return true
	}
	return false
}

func knownPosition(p Position) bool {
	switch p {
	case PositionSupports, PositionSupportsWithConditions, PositionObjects, PositionNoComment:
		return true
	}
	return false
}

func knownRejectReason(r RejectReason) bool {
	switch r {
	case RejectOutsideAct, RejectRestrictsRights, RejectTooVague, RejectNotPrioritised, RejectOther:
		return true
	}
	return false
}

// Validate checks a co-applicant's confirmation: its organisation number and its own,
// complete council decision (R8). That the caller is that co-applicant, and that the
// meeting is not in the future, are checked by ParticipationGuards.
func (in ParticipationInput) Validate() []Violation {
	var vs violations
	switch {
	case in.OrganisationNumber == "":
		vs.add(RuleR8, "organisation_number", "FIELD_REQUIRED", "organisation_number is required: give your own organisation's number.")
	case !ValidOrganisationNumber(in.OrganisationNumber):
		vs.add(RuleR8, "organisation_number", "INVALID_ORGANISATION_NUMBER", fmt.Sprintf("organisation_number %q is not a valid organisation number (nine digits, modulus-11 check digit).", in.OrganisationNumber))
	}
	vs = append(vs, councilDecisionComplete("council_decision", in.CouncilDecision)...)
	return vs
}

// Validate checks an interim reply (R14): its text, and the expected decision date when
// given.
func (in InterimReplyInput) Validate() []Violation {
	var vs violations
	vs.text(RuleR14, "text", in.Text, MaxTextLength, "the interim reply to the applicant")
	vs.date(RuleR14, "expected_decision_date", in.ExpectedDecisionDate)
	return vs
}

// Validate checks a new consultation (R10): a known ministry, a question, and exactly
// one of a due date and a number of working days. It takes the reference data because
// ministry codes are configured, not compiled in. That the due date is in the future is
// checked by ConsultationGuards.
func (in ConsultationInput) Validate(ref *Reference) []Violation {
	var vs violations
	if vs.required(RuleR10, "ministry", in.Ministry, "the code of the ministry to consult") {
		if _, ok := ref.Ministry(in.Ministry); !ok {
			vs.add(RuleR10, "ministry", "UNKNOWN_MINISTRY", fmt.Sprintf("ministry %q is not a known ministry code; use one of %s.", in.Ministry, MinistryCodes(ref)))
		}
	}
	vs.text(RuleR10, "question", in.Question, MaxTextLength, "the question to the ministry")
	switch {
	case in.DueDate == "" && in.DueWorkingDays == 0:
		// Neither: the service's default number of working days applies.
	case in.DueDate != "" && in.DueWorkingDays != 0:
		vs.add(RuleR10, "due_working_days", "MUTUALLY_EXCLUSIVE", "give either due_date or due_working_days, not both.")
	case in.DueDate != "":
		vs.date(RuleR10, "due_date", in.DueDate)
	case in.DueWorkingDays < 1 || in.DueWorkingDays > MaxDueWorkingDays:
		vs.add(RuleR10, "due_working_days", "OUT_OF_RANGE", fmt.Sprintf("due_working_days is %d; give a number of working days from 1 to %d.", in.DueWorkingDays, MaxDueWorkingDays))
	}
	return vs
}

// Validate checks a ministry's answer: a known position, and a statement unless the
// ministry has no comment.
func (in ResponseInput) Validate() []Violation {
	var vs violations
	switch {
	case in.Position == "":
		vs.add(RuleR10, "position", "FIELD_REQUIRED", "position is required: give SUPPORTS, SUPPORTS_WITH_CONDITIONS, OBJECTS or NO_COMMENT.")
	case !knownPosition(in.Position):
		vs.add(RuleR10, "position", "UNKNOWN_POSITION", fmt.Sprintf("position %q is unknown; give SUPPORTS, SUPPORTS_WITH_CONDITIONS, OBJECTS or NO_COMMENT.", in.Position))
	}
	if in.Position == PositionNoComment {
		vs.length(RuleR10, "statement", in.Statement, MaxTextLength)
	} else {
		vs.text(RuleR10, "statement", in.Statement, MaxTextLength, "the ministry's statement (only NO_COMMENT may leave it empty)")
	}
	return vs
}

// Validate checks an approval's fields (R6, R9, R11): the approved period as dates, the
// reasons, and the regulation's Lovdata id when already known. The period's length and
// the consultations are checked by ApproveGuards.
func (in ApproveInput) Validate() []Violation {
	var vs violations
	vs.requiredDate(RuleR6, "approved_start", in.ApprovedStart, "the first day of the approved trial period as YYYY-MM-DD")
	vs.requiredDate(RuleR6, "approved_end", in.ApprovedEnd, "the last day of the approved trial period as YYYY-MM-DD")
	vs.text(RuleR11, "reasons", in.Reasons, MaxTextLength, "the reasons for the decision")
	vs.length(RuleR10, "objection_response", in.ObjectionResponse, MaxTextLength)
	vs.regulationID(RuleR9, "regulation_id", in.RegulationID)
	vs.length(RuleR9, "publication_reference", in.PublicationReference, MaxShortTextLength)
	vs = append(vs, in.validateR18()...)
	return vs
}

// Validate checks a rejection's fields (R11): at least one known reason code, each once,
// and the reasons.
func (in RejectInput) Validate() []Violation {
	var vs violations
	if len(in.ReasonCodes) == 0 {
		vs.add(RuleR11, "reason_codes", "FIELD_REQUIRED", "reason_codes is required: give at least one of OUTSIDE_ACT, RESTRICTS_RIGHTS, TOO_VAGUE, NOT_PRIORITISED, OTHER.")
	}
	seen := map[RejectReason]bool{}
	for i, c := range in.ReasonCodes {
		field := fmt.Sprintf("reason_codes[%d]", i)
		switch {
		case !knownRejectReason(c):
			vs.add(RuleR11, field, "UNKNOWN_REASON_CODE", fmt.Sprintf("%s %q is unknown; use OUTSIDE_ACT, RESTRICTS_RIGHTS, TOO_VAGUE, NOT_PRIORITISED or OTHER.", field, c))
		case seen[c]:
			vs.add(RuleR11, field, "DUPLICATE_REASON_CODE", fmt.Sprintf("%s %s is listed more than once; list each code once.", field, c))
		}
		seen[c] = true
	}
	vs.text(RuleR11, "reasons", in.Reasons, MaxTextLength, "the reasons for the rejection")
	return vs
}

// Validate checks a publication record (R9): the regulation's Lovdata id and its Norsk
// Lovtidend reference.
func (in PublicationInput) Validate() []Violation {
	var vs violations
	if vs.required(RuleR9, "regulation_id", in.RegulationID, "the trial regulation's Lovdata id, FOR-YYYY-MM-DD-N") {
		vs.regulationID(RuleR9, "regulation_id", in.RegulationID)
	}
	vs.text(RuleR9, "publication_reference", in.PublicationReference, MaxShortTextLength, "the regulation's publication reference in Norsk Lovtidend")
	vs.date(RuleR18, "publication_date", in.PublicationDate)
	return vs
}

// Validate checks an extension request (R7, R8): the wanted end date, the council's
// complete decision, and a reform cited in full or not at all. Whether the end date is
// allowed is checked by RequestExtensionGuards.
func (in ExtensionRequestInput) Validate() []Violation {
	var vs violations
	vs.requiredDate(RuleR7, "requested_end", in.RequestedEnd, "the wanted last day of the trial as YYYY-MM-DD")
	vs = append(vs, councilDecisionComplete("council_decision", in.CouncilDecision)...)
	vs.length(RuleR7, "reform_reference", in.ReformReference, MaxShortTextLength)
	vs.date(RuleR7, "reform_in_force", in.ReformInForce)
	// A reform is cited by reference and date together (R7); half a citation cannot
	// justify anything.
	switch {
	case in.ReformReference != "" && in.ReformInForce == "":
		vs.add(RuleR7, "reform_in_force", "FIELD_REQUIRED", "reform_in_force is required with reform_reference: give the date the reform enters into force as YYYY-MM-DD.")
	case in.ReformReference == "" && in.ReformInForce != "":
		vs.add(RuleR7, "reform_reference", "FIELD_REQUIRED", "reform_reference is required with reform_in_force: cite the planned or decided reform (e.g. a Prop. or a law's Lovdata id).")
	}
	return vs
}

// Validate checks KDD's decision on an extension (R7, R11): reasons always; a granted
// extension also records the new end date and the regulation amending the trial's
// regulation, and a denied one records neither.
func (in ExtensionDecisionInput) Validate() []Violation {
	var vs violations
	vs.text(RuleR11, "reasons", in.Reasons, MaxTextLength, "the reasons for the decision")
	if in.Grant {
		vs.requiredDate(RuleR7, "approved_end", in.ApprovedEnd, "the new last day of the trial as YYYY-MM-DD")
		if vs.required(RuleR7, "amending_regulation_id", in.AmendingRegulationID, "the Lovdata id of the regulation amending the trial's regulation, FOR-YYYY-MM-DD-N") {
			vs.regulationID(RuleR7, "amending_regulation_id", in.AmendingRegulationID)
		}
		return vs
	}
	if in.ApprovedEnd != "" {
		vs.add(RuleR7, "approved_end", "FIELD_NOT_ALLOWED", "approved_end is only for a granted extension; leave it empty when denying, or set grant.")
	}
	if in.AmendingRegulationID != "" {
		vs.add(RuleR7, "amending_regulation_id", "FIELD_NOT_ALLOWED", "amending_regulation_id is only for a granted extension; leave it empty when denying, or set grant.")
	}
	return vs
}

// Validate checks a termination's fields (R13): the reasons and the repealing
// instrument's Lovdata id.
func (in TerminateInput) Validate() []Violation {
	var vs violations
	vs.text(RuleR13, "reasons", in.Reasons, MaxTextLength, "the reasons for ending the trial early")
	if vs.required(RuleR13, "repealing_instrument", in.RepealingInstrument, "the Lovdata id of the regulation repealing the trial's regulation, FOR-YYYY-MM-DD-N") {
		vs.regulationID(RuleR13, "repealing_instrument", in.RepealingInstrument)
	}
	return vs
}

// Validate checks an evaluation report's fields (R12): its reference and a summary.
func (in EvaluationInput) Validate() []Violation {
	var vs violations
	vs.text(RuleR12, "report_reference", in.ReportReference, MaxShortTextLength, "a reference to the evaluation report (a URL or a document reference)")
	vs.text(RuleR12, "summary", in.Summary, MaxTextLength, "a summary of the evaluation's findings")
	return vs
}

// Validate checks a closure's fields (R12): a known outcome, and reasons when closing
// without evaluation. That the outcome is then DISCONTINUED, and otherwise that a report
// was received, is checked by CloseGuards.
func (in CloseInput) Validate() []Violation {
	var vs violations
	switch {
	case in.Outcome == "":
		vs.add(RuleR12, "outcome", "FIELD_REQUIRED", "outcome is required: give MADE_PERMANENT, LAW_CHANGE_PROPOSED or DISCONTINUED.")
	case !knownOutcome(in.Outcome):
		vs.add(RuleR12, "outcome", "UNKNOWN_OUTCOME", fmt.Sprintf("outcome %q is unknown; give MADE_PERMANENT, LAW_CHANGE_PROPOSED or DISCONTINUED.", in.Outcome))
	}
	if in.WithoutEvaluation {
		vs.text(RuleR12, "reasons", in.Reasons, MaxTextLength, "the reasons for closing without an evaluation")
	} else {
		vs.length(RuleR12, "reasons", in.Reasons, MaxTextLength)
	}
	return vs
}
