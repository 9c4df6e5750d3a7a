package trial

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The guards of domain.md's "Further rules and sharper readings": who owns a law (R16),
// what a consultation covers (R17), what a decision may decide (R18), the legal review
// of flagged exemptions (R19), closing without evaluation (R12+), joint and county
// trials (R3+, R8+) and the reform limit (R7+). Like rules.go, each returns every
// failing rule with the field to fix.

// lawIDDate returns the date in a Lovdata id, "LOV-2023-06-09-30" → 2023-06-09.
func lawIDDate(id string) (time.Time, bool) {
	if len(id) < 14 {
		return time.Time{}, false
	}
	d, err := ParseDate(id[4:14])
	return d, err == nil
}

// OwnerOf returns the ministry owning exemption e's rule (R16): the reference data's
// owner when it knows the law, else KDD's confirmation on the case, else the
// applicant's statement. known reports whether the owner is a fact (reference data or
// confirmation) rather than the applicant's word.
func OwnerOf(app *Application, e Exemption, ref *Reference) (ministry string, known bool) {
	if l, ok := ref.LawOwner(e.LawID); ok {
		return l.Ministry, true
	}
	if app != nil {
		for i := len(app.LawOwnerConfirmations) - 1; i >= 0; i-- {
			if c := app.LawOwnerConfirmations[i]; c.LawID == e.LawID {
				return c.Ministry, true
			}
		}
	}
	return e.OwningMinistry, false
}

// lawViolations checks an exemption's law at submission: it is not dated in the future
// (R4: a law that does not exist yet is no citation), and the owning ministry is the
// one the reference data names (R16).
func lawViolations(i int, e Exemption, ref *Reference, today time.Time) []Violation {
	var vs violations
	p := fmt.Sprintf("exemptions[%d]", i)
	if d, ok := lawIDDate(e.LawID); ok && ValidLovdataID(e.LawID) && d.After(today) {
		vs.add(RuleR4, p+".law_id", "LAW_DATED_IN_FUTURE", fmt.Sprintf("%s.law_id %s is dated %s, after today (%s); cite a law or regulation that has been adopted.", p, e.LawID, FormatDate(d), FormatDate(today)))
	}
	_, knownMinistry := ref.Ministry(e.OwningMinistry)
	_, blocked := ref.BlockedLaw(e.LawID) // R5 refuses the exemption whoever owns it
	if l, ok := ref.LawOwner(e.LawID); ok && knownMinistry && !blocked && e.OwningMinistry != l.Ministry {
		vs.add(RuleR16, p+".owning_ministry", "WRONG_OWNING_MINISTRY", fmt.Sprintf("%s.owning_ministry is %s, but %s (%s) is owned by %s (%s); set owning_ministry to %s.", p, e.OwningMinistry, l.Name, l.LawID, l.Ministry, l.Source, l.Ministry))
	}
	return vs
}

// unitaryCountyViolations checks R3+: an UNITARY_COUNTY trial has only fylkeskommuner
// as applicants.
func unitaryCountyViolations(app *Application) []Violation {
	var vs violations
	if app.Category != CategoryUnitaryCounty {
		return nil
	}
	for i, a := range app.Applicants {
		if a.Kind != KindFylkeskommune {
			vs.add(RuleR3Plus, fmt.Sprintf("applicants[%d].kind", i), "UNITARY_COUNTY_ONLY_FYLKESKOMMUNER", fmt.Sprintf("applicants[%d] (%s) is a %s; an UNITARY_COUNTY trial (§ 3 d) has only fylkeskommuner as applicants: remove it or choose another category.", i, applicantLabel(a), a.Kind))
		}
	}
	return vs
}

// ownerViolations checks R16 before a decision: every exempted law's owner is known,
// from the reference data or KDD's confirmation.
func ownerViolations(app *Application, ref *Reference) []Violation {
	var vs violations
	seen := map[string]bool{}
	for i, e := range app.Exemptions {
		if _, known := OwnerOf(app, e, ref); known || seen[e.LawID] || e.LawID == "" {
			continue
		}
		seen[e.LawID] = true
		vs.add(RuleR16, fmt.Sprintf("exemptions[%d].owning_ministry", i), "LAW_OWNER_UNCONFIRMED", fmt.Sprintf("the reference data does not know who owns %s (the applicant says %s); KDD must confirm its owner (confirmLawOwner) before the consultations are judged.", e.LawID, e.OwningMinistry))
	}
	return vs
}

// ExemptionsOwnedBy returns the application's exemptions whose rules the ministry owns
// (R16's owner), in the application's order, without their output-only flags: what a
// consultation with that ministry is asked about (R17).
func ExemptionsOwnedBy(app *Application, ministry string, ref *Reference) []Exemption {
	var out []Exemption
	if app == nil {
		return nil
	}
	for _, e := range app.Exemptions {
		if owner, _ := OwnerOf(app, e, ref); owner == ministry {
			e.Flags = nil
			out = append(out, e)
		}
	}
	return out
}

// sameExemption reports whether two exemptions ask the same: everything but the
// output-only flags and the owner, which R16 decides.
func sameExemption(a, b Exemption) bool {
	a.Flags, b.Flags, a.OwningMinistry, b.OwningMinistry = nil, nil, "", ""
	return a.LawID == b.LawID && a.Section == b.Section && a.Paragraph == b.Paragraph && a.Letter == b.Letter &&
		a.CurrentRule == b.CurrentRule && a.ProposedRule == b.ProposedRule && a.RestrictsRights == b.RestrictsRights &&
		a.Justification == b.Justification
}

// Covers reports whether an answered consultation covers the ministry's exemptions as
// they stand now (R17).
func Covers(c *Consultation, current []Exemption) bool {
	return slices.EqualFunc(c.CoveredExemptions, current, sameExemption)
}

// coverageViolations checks R17: for each ministry R10 requires, an answered
// consultation asked about its exemptions as they stand now.
func coverageViolations(app *Application, consultations []*Consultation, ref *Reference) []Violation {
	var vs violations
	for _, code := range OwningMinistries(app, ref) {
		current := ExemptionsOwnedBy(app, code, ref)
		answered, covered := false, false
		for _, c := range consultations {
			if c != nil && c.Ministry == code && c.State == ConsultationAnswered {
				answered = true
				covered = covered || Covers(c, current)
			}
		}
		if answered && !covered {
			vs.add(RuleR17, "consultations", "CONSULTATION_OUTDATED", fmt.Sprintf("%s answered about exemptions that have changed since; open a new consultation with %s on the exemptions as they stand and wait for its answer.", code, code))
		}
	}
	return vs
}

// granted returns the indexes of the exemptions an approval grants: all when none are
// named (R18).
func granted(app *Application, indexes []int) []int {
	if len(indexes) > 0 {
		return indexes
	}
	all := make([]int, len(app.Exemptions))
	for i := range all {
		all[i] = i
	}
	return all
}

// decisionViolations checks R18 for an approval: not retroactive, within the applied-for
// period, granted exemptions among those applied for, and a regulation dated no earlier
// than the decision and published no later than the start.
func decisionViolations(app *Application, in ApproveInput, today time.Time) []Violation {
	var vs violations
	start, errS := ParseDate(in.ApprovedStart)
	end, errE := ParseDate(in.ApprovedEnd)
	if errS == nil && start.Before(today) {
		vs.add(RuleR18, "approved_start", "APPROVED_START_IN_PAST", fmt.Sprintf("approved_start %s is before the decision day %s; a decision is not retroactive: start on %s or later.", in.ApprovedStart, FormatDate(today), FormatDate(today)))
	}
	if ps, err := ParseDate(app.PlannedStart); err == nil && errS == nil && start.Before(ps) {
		vs.add(RuleR18, "approved_start", "APPROVED_START_BEFORE_APPLIED", fmt.Sprintf("approved_start %s is before the applied-for start %s; approve within the period applied for.", in.ApprovedStart, app.PlannedStart))
	}
	if pe, err := ParseDate(app.PlannedEnd); err == nil && errE == nil && end.After(pe) {
		vs.add(RuleR18, "approved_end", "APPROVED_END_AFTER_APPLIED", fmt.Sprintf("approved_end %s is after the applied-for end %s; approve within the period applied for.", in.ApprovedEnd, app.PlannedEnd))
	}
	seen := map[int]bool{}
	for i, x := range in.GrantedExemptions {
		f := fmt.Sprintf("granted_exemptions[%d]", i)
		switch {
		case x < 0 || x >= len(app.Exemptions):
			vs.add(RuleR18, f, "GRANTED_EXEMPTION_NOT_APPLIED_FOR", fmt.Sprintf("%s is %d, but the application has exemptions 0 to %d; grant only exemptions applied for.", f, x, len(app.Exemptions)-1))
		case seen[x]:
			vs.add(RuleR18, f, "DUPLICATE_GRANTED_EXEMPTION", fmt.Sprintf("%s %d is listed more than once.", f, x))
		}
		seen[x] = true
	}
	if in.RegulationID != "" {
		vs = append(vs, regulationDateViolations("regulation_id", in.RegulationID, today)...)
	}
	if in.PublicationDate != "" && errS == nil {
		vs = append(vs, publicationDateViolations("publication_date", in.PublicationDate, in.RegulationID, start, today)...)
	}
	return vs
}

// regulationDateViolations checks that the trial regulation is dated no earlier than
// the decision (R18).
func regulationDateViolations(field, regulationID string, decided time.Time) []Violation {
	var vs violations
	if d, ok := lawIDDate(regulationID); ok && validRegulationID(regulationID) && d.Before(decided) {
		vs.add(RuleR18, field, "REGULATION_DATED_BEFORE_DECISION", fmt.Sprintf("%s %s is dated %s, before the decision of %s; the trial regulation is adopted on or after the decision: check the id.", field, regulationID, FormatDate(d), FormatDate(decided)))
	}
	return vs
}

// publicationDateViolations checks the publication day (R18): not in the future, not
// before the regulation's date, and — when start is given — no later than the trial's
// start.
func publicationDateViolations(field, date, regulationID string, start, today time.Time) []Violation {
	var vs violations
	d, err := ParseDate(date)
	if err != nil {
		return nil // reported by Validate
	}
	if d.After(today) {
		vs.add(RuleR18, field, "PUBLICATION_DATE_IN_FUTURE", fmt.Sprintf("%s %s is after today (%s); record the publication once it has happened.", field, date, FormatDate(today)))
	}
	if rd, ok := lawIDDate(regulationID); ok && d.Before(rd) {
		vs.add(RuleR18, field, "PUBLISHED_BEFORE_ADOPTED", fmt.Sprintf("%s %s is before the regulation's date %s; check the date.", field, date, FormatDate(rd)))
	}
	if !start.IsZero() && d.After(start) {
		vs.add(RuleR18, field, "PUBLISHED_AFTER_START", fmt.Sprintf("%s %s is after the trial's start %s; a regulation has no effect before it is published (Grunnloven § 97), so it must be published no later than the start.", field, date, FormatDate(start)))
	}
	return vs
}

// decideDate returns the decision's day: its recorded DecideDate, or the UTC date of
// its time for decisions recorded before DecideDate existed.
func decideDate(d *Decision) time.Time {
	if t, err := ParseDate(d.DecideDate); err == nil {
		return t
	}
	y, m, day := d.DecideTime.UTC().Date()
	return time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
}

// PublicationGuards checks a publication record (R18): the regulation dated no earlier
// than the decision, published no later than the trial's start and not in the future.
func PublicationGuards(app *Application, in PublicationInput, today time.Time) []Violation {
	var vs violations
	if app == nil || app.Decision == nil || !app.Decision.Approved {
		vs.add(RuleR9, "decision", "DECISION_MISSING", "the trial has no approval; only an approved trial's regulation is published.")
		return vs
	}
	vs = append(vs, regulationDateViolations("regulation_id", in.RegulationID, decideDate(app.Decision))...)
	date := in.PublicationDate
	if date == "" {
		date = FormatDate(today)
	}
	// A publication after the approved start is recorded all the same: the trial then
	// starts when it is published, not before (ActivateGuards).
	vs = append(vs, publicationDateViolations("publication_date", date, in.RegulationID, time.Time{}, today)...)
	return vs
}

// legalReviewViolations checks R19 for an approval: every granted exemption flagged
// under R5 has a legal review of it as it stands, concluding it is within the Act.
func legalReviewViolations(app *Application, grantedIdx []int) []Violation {
	var vs violations
	for _, i := range grantedIdx {
		if i < 0 || i >= len(app.Exemptions) || len(app.Exemptions[i].Flags) == 0 {
			continue
		}
		e := app.Exemptions[i]
		f := fmt.Sprintf("exemptions[%d]", i)
		r := CurrentReview(app, i)
		switch {
		case r == nil:
			vs.add(RuleR19, f+".legal_review", "LEGAL_REVIEW_MISSING", fmt.Sprintf("%s (%s %s) is flagged %s and has no legal review of it as it stands; record KDD's legal review (recordLegalReview) before approving, or leave it out of granted_exemptions.", f, e.LawID, e.Section, flagList(e.Flags)))
		case r.Conclusion != ReviewWithinAct:
			vs.add(RuleR19, f+".legal_review", "LEGAL_REVIEW_NEGATIVE", fmt.Sprintf("KDD's legal review concluded %s for %s (%s %s); it cannot be granted: leave it out of granted_exemptions, or reject.", r.Conclusion, f, e.LawID, e.Section))
		}
	}
	return vs
}

// CurrentReview returns the latest legal review of exemption i as it stands now, or nil
// (R19): a review of an exemption since changed does not count.
func CurrentReview(app *Application, i int) *LegalReview {
	for j := len(app.LegalReviews) - 1; j >= 0; j-- {
		r := &app.LegalReviews[j]
		if r.ExemptionIndex == i && i < len(app.Exemptions) && sameExemption(r.Exemption, app.Exemptions[i]) {
			return r
		}
	}
	return nil
}

func flagList(flags []ExemptionFlag) string {
	s := make([]string, len(flags))
	for i, f := range flags {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// ConfirmLawOwnerGuards checks KDD's confirmation of a law's owner (R16): the law is
// one the case departs from, and the reference data does not already decide it.
func ConfirmLawOwnerGuards(app *Application, in LawOwnerInput, ref *Reference) []Violation {
	var vs violations
	if l, ok := ref.LawOwner(in.LawID); ok {
		vs.add(RuleR16, "law_id", "LAW_OWNER_KNOWN", fmt.Sprintf("the reference data already names %s as the owner of %s (%s); only an unknown law's owner is confirmed.", l.Ministry, in.LawID, l.Source))
	}
	if app == nil || !slices.ContainsFunc(app.Exemptions, func(e Exemption) bool { return e.LawID == in.LawID }) {
		vs.add(RuleR16, "law_id", "LAW_NOT_EXEMPTED", fmt.Sprintf("the application does not depart from %s; confirm the owner of a law among its exemptions.", in.LawID))
	}
	return vs
}

// LegalReviewGuards checks a legal review (R19): the exemption exists and is flagged.
func LegalReviewGuards(app *Application, in LegalReviewInput) []Violation {
	var vs violations
	switch {
	case app == nil || in.ExemptionIndex < 0 || in.ExemptionIndex >= len(app.Exemptions):
		vs.add(RuleR19, "exemption_index", "EXEMPTION_NOT_FOUND", fmt.Sprintf("exemption_index %d is not one of the application's exemptions.", in.ExemptionIndex))
	case len(app.Exemptions[in.ExemptionIndex].Flags) == 0:
		vs.add(RuleR19, "exemption_index", "EXEMPTION_NOT_FLAGGED", fmt.Sprintf("exemptions[%d] is not flagged for legal review (R5); only flagged exemptions are reviewed.", in.ExemptionIndex))
	}
	return vs
}

// WithdrawParticipationGuards checks a co-applicant's withdrawal (R8+): it is a
// co-applicant (not the lead, who withdraws the whole application), and the lead stays.
func WithdrawParticipationGuards(app *Application, in WithdrawParticipationInput) []Violation {
	var vs violations
	var a *Applicant
	if app != nil {
		a = app.Applicant(in.OrganisationNumber)
	}
	switch {
	case a == nil:
		vs.add(RuleR8Plus, "organisation_number", "NOT_AN_APPLICANT", fmt.Sprintf("organisation %s is not an applicant of this case.", in.OrganisationNumber))
	case a.Lead:
		vs.add(RuleR8Plus, "organisation_number", "LEAD_APPLICANT", "the lead applicant does not withdraw its participation: it withdraws the application (withdraw).")
	}
	return vs
}

// jointExtensionViolations checks R8+ for an extension of a joint trial: every
// co-applicant has recorded its own council's decision to ask for it.
func jointExtensionViolations(app *Application) []Violation {
	var vs violations
	if app == nil {
		return nil
	}
	for i, a := range app.Applicants {
		if a.Lead {
			continue
		}
		if a.ExtensionCouncilDecision == nil {
			vs.add(RuleR8Plus, fmt.Sprintf("applicants[%d].extension_council_decision", i), "PARTICIPANT_EXTENSION_DECISION_MISSING", fmt.Sprintf("co-applicant %s (%s) has not recorded its council's decision to extend the trial; it records it with confirmParticipation while the trial runs.", applicantLabel(a), a.OrganisationNumber))
		}
	}
	return vs
}

// closeWithoutEvaluationViolations checks R12+: closing without evaluation only when no
// report exists and either the trial was terminated before it started or the report is
// overdue.
func closeWithoutEvaluationViolations(app *Application, today time.Time) []Violation {
	var vs violations
	if app == nil {
		return nil
	}
	if app.EvaluationReport != nil {
		vs.add(RuleR12Plus, "without_evaluation", "EVALUATION_REPORT_EXISTS", "an evaluation report has been submitted; close with it, not without evaluation.")
		return vs
	}
	if terminatedBeforeStart(app) {
		return vs
	}
	due, err := ParseDate(app.EvaluationDue)
	if err != nil || !today.After(due) {
		vs.add(RuleR12Plus, "without_evaluation", "EVALUATION_REPORT_NOT_OVERDUE", fmt.Sprintf("the evaluation report is due %s and not yet overdue (today is %s); wait for the report, or close without evaluation once it is overdue.", app.EvaluationDue, FormatDate(today)))
	}
	return vs
}

// terminatedBeforeStart reports whether KDD ended the trial before its approved start.
func terminatedBeforeStart(app *Application) bool {
	if app.Termination == nil || app.Decision == nil {
		return false
	}
	start, err := ParseDate(app.Decision.ApprovedStart)
	y, m, d := app.Termination.Time.UTC().Date()
	return err == nil && time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Before(start)
}

// PublicFilterFields are the ListApplications filter fields a caller with the public
// view may use: those whose values the public register shows (state, applicants and
// their municipalities and counties, category, exempted laws, case number, title,
// times, the approved period). Everything else — and any field added later — is refused (R22).
var PublicFilterFields = []string{
	FilterFieldState, FilterFieldApplicant, FilterFieldMunicipality, FilterFieldCategory, FilterFieldLaw,
	FilterFieldCaseNumber, FilterFieldCreateTime, FilterFieldUpdateTime, FilterFieldEndsWithinDays,
	FilterFieldCounty, FilterFieldTitle,
}

// hiddenFilterFields say, for a refusal, what a non-public field would reveal.
var hiddenFilterFields = map[string]string{
	FilterFieldMinistry:                "which ministries were consulted",
	FilterFieldFlag:                    "the case's internal flags",
	FilterFieldEvaluationDueWithinDays: "when an evaluation report is due",
	FilterFieldCall:                    "which call for applications a case answered",
	FilterFieldStage:                   "the stage of an application in a call",
}

// PublicFilterViolations checks a list filter of a caller with the public view (R22):
// every comparison names a field of PublicFilterFields, so no filter reveals what the
// public register hides — consulted ministries, internal flags, a report's due date.
func PublicFilterViolations(f *Filter) []Violation {
	var vs violations
	seen := map[string]bool{}
	for _, c := range f.Comparisons() {
		if slices.Contains(PublicFilterFields, c.Field) || seen[c.Field] {
			continue
		}
		seen[c.Field] = true
		what, ok := hiddenFilterFields[c.Field]
		if !ok {
			what = "that field"
		}
		vs.add(RuleR22, "filter", "FILTER_FIELD_NOT_PUBLIC", fmt.Sprintf("the public register cannot be filtered by %s: it does not show %s; filter by %s, or sign in.", c.Field, what, strings.Join(PublicFilterFields, ", ")))
	}
	return vs
}

// LawsAwaitingOwner returns the exempted laws whose owner neither the reference data
// nor a KDD confirmation establishes, in the order of the exemptions (R16): what
// confirmLawOwner is for.
func LawsAwaitingOwner(app *Application, ref *Reference) []string {
	var laws []string
	for _, v := range ownerViolations(app, ref) {
		var i int
		if _, err := fmt.Sscanf(v.Field, "exemptions[%d]", &i); err == nil {
			laws = append(laws, app.Exemptions[i].LawID)
		}
	}
	return laws
}

// ExemptionsAwaitingReview returns the indexes of flagged exemptions without a legal
// review of them as they stand (R19): what recordLegalReview is for.
func ExemptionsAwaitingReview(app *Application) []int {
	var out []int
	for i, e := range app.Exemptions {
		if len(e.Flags) > 0 && CurrentReview(app, i) == nil {
			out = append(out, i)
		}
	}
	return out
}

// PreviewLawGuards says why confirmLawOwner or recordLegalReview has nothing to do on
// the case, for ListAllowedActions: no law awaits its owner, no flagged exemption awaits
// its review.
func PreviewLawGuards(app *Application, action Action, ref *Reference) []Violation {
	var vs violations
	switch action {
	case ActionConfirmLawOwner:
		if len(LawsAwaitingOwner(app, ref)) == 0 {
			vs.add(RuleR16, "exemptions", "NO_LAW_AWAITING_OWNER", "every exempted law's owner is known from the reference data or a confirmation; there is nothing to confirm.")
		}
	case ActionRecordLegalReview:
		if len(ExemptionsAwaitingReview(app)) == 0 {
			vs.add(RuleR19, "exemptions", "NO_EXEMPTION_AWAITING_REVIEW", "no flagged exemption is without a legal review of it as it stands; there is nothing to review.")
		}
	}
	return vs
}
