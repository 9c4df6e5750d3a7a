package trial

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Legal guards: may this case take this action now? Each returns every failing rule, not
// the first, so an applicant fixes an application in one round; the service turns a
// non-empty result into CodeFailedPrecondition (Precondition). Every Violation names its
// rule (RuleR6, or "REQUIRED" for a field no rule names), the field to fix and a stable
// reason. today is a calendar day at UTC midnight (the Europe/Oslo date; the caller
// computes it), so the guards compare days, never instants.

// blank reports an absent answer: empty or only white space.
func blank(s string) bool { return strings.TrimSpace(s) == "" }

// SubmitGuards checks that an application is complete and lawful enough to send to KDD:
// title and summary, and R1–R6, R8, R9 (draft regulation), R12 (evaluation plan) and R15.
func SubmitGuards(app *Application, ref *Reference, today time.Time) []Violation {
	var vs violations
	if app == nil {
		vs.add("REQUIRED", "application", "APPLICATION_MISSING", "there is no application to submit.")
		return vs
	}
	if blank(app.Title) {
		vs.add("REQUIRED", "title", "TITLE_MISSING", "title is required: give the trial a short, descriptive title.")
	}
	if blank(app.Summary) {
		vs.add("REQUIRED", "summary", "SUMMARY_MISSING", "summary is required: describe what the trial will do and why.")
	}

	// R1: at least one purpose of § 1, each known and listed once.
	if len(app.Purposes) == 0 {
		vs.add(RuleR1, "purposes", "PURPOSE_MISSING", "purposes is required: give at least one purpose from § 1 (EFFICIENT_ORGANISATION, TASK_ALLOCATION, SERVICE_QUALITY, RESOURCE_USE, DEMOCRATIC_GOVERNANCE).")
	}
	vs = append(vs, purposesViolations(app.Purposes)...)

	// R2: one or more well-identified kommuner or fylkeskommuner, exactly one lead.
	if len(app.Applicants) == 0 {
		vs.add(RuleR2, "applicants", "APPLICANT_MISSING", "applicants is required: name at least one kommune or fylkeskommune.")
	} else {
		vs = append(vs, applicantsViolations(app.Applicants)...)
		vs = append(vs, RegisterViolations(app.Applicants, ref, today)...)
		switch leads := countLeads(app.Applicants); {
		case leads == 0:
			vs.add(RuleR2, "applicants", "LEAD_APPLICANT_MISSING", "no applicant is the lead; the organisation that created the case is the lead applicant.")
		case leads > 1:
			vs.add(RuleR2, "applicants", "MULTIPLE_LEAD_APPLICANTS", fmt.Sprintf("%d applicants are marked as lead; a case has exactly one lead applicant.", leads))
		}
	}

	// R3: a category of § 3; d (enhetsfylke) only with a fylkeskommune.
	switch {
	case app.Category == "":
		vs.add(RuleR3, "category", "CATEGORY_MISSING", "category is required: give ORGANISATION, TASK_DIVISION, STATE_CONTROL or UNITARY_COUNTY (§ 3 a–d).")
	case !knownCategory(app.Category):
		vs.add(RuleR3, "category", "UNKNOWN_CATEGORY", fmt.Sprintf("category %q is unknown; give ORGANISATION, TASK_DIVISION, STATE_CONTROL or UNITARY_COUNTY.", app.Category))
	case app.Category == CategoryUnitaryCounty && !hasFylkeskommune(app.Applicants):
		vs.add(RuleR3, "category", "CATEGORY_REQUIRES_FYLKESKOMMUNE", "category UNITARY_COUNTY (§ 3 d) requires a FYLKESKOMMUNE among the applicants; add one or choose another category.")
	}
	vs = append(vs, unitaryCountyViolations(app)...)

	// R4 and R5: specific, cited exemptions, none from a blocked law.
	if len(app.Exemptions) == 0 {
		vs.add(RuleR4, "exemptions", "EXEMPTION_MISSING", "exemptions is required: list at least one rule the trial departs from, with its Lovdata id, section, current and proposed rule and owning ministry.")
	}
	for i, e := range app.Exemptions {
		vs = append(vs, exemptionGuards(i, e, app.Category, ref)...)
		vs = append(vs, lawViolations(i, e, ref, today)...)
	}

	// R6: a planned period of at most four years.
	vs = append(vs, periodViolations("planned_start", "planned_end", app.PlannedStart, app.PlannedEnd)...)

	// R8: every council has adopted the application; co-applicants confirmed themselves.
	for i, a := range app.Applicants {
		p := fmt.Sprintf("applicants[%d]", i)
		vs = append(vs, councilDecisionComplete(p+".council_decision", a.CouncilDecision)...)
		if a.CouncilDecision != nil {
			vs = append(vs, meetingNotInFuture(p+".council_decision.meeting_date", a.CouncilDecision.MeetingDate, today)...)
		}
		if !a.Lead && !a.ParticipationConfirmed {
			vs.add(RuleR8, p+".participation_confirmed", "PARTICIPATION_NOT_CONFIRMED", fmt.Sprintf("co-applicant %s (%s) has not confirmed its participation; it must confirm with its own council decision before the application is submitted.", applicantLabel(a), a.OrganisationNumber))
		}
	}

	if blank(app.DraftRegulation) {
		vs.add(RuleR9, "draft_regulation", "DRAFT_REGULATION_MISSING", "draft_regulation is required: include the draft of the trial's regulation (forskrift).")
	}
	if blank(app.EvaluationPlan) {
		vs.add(RuleR12, "evaluation_plan", "EVALUATION_PLAN_MISSING", "evaluation_plan is required: describe how the trial will be evaluated.")
	}
	if blank(app.EmployeeInvolvement) {
		vs.add(RuleR15, "employee_involvement", "EMPLOYEE_INVOLVEMENT_MISSING", "employee_involvement is required: record how and when employee representatives (tillitsvalgte) were involved.")
	}
	return vs
}

// exemptionGuards checks one exemption at submission: complete citation (R4) and the
// blocked and flagged laws (R5).
func exemptionGuards(i int, e Exemption, category Category, ref *Reference) []Violation {
	var vs violations
	p := fmt.Sprintf("exemptions[%d]", i)
	if blank(e.LawID) {
		vs.add(RuleR4, p+".law_id", "LAW_ID_MISSING", p+".law_id is required: cite the law or regulation by its Lovdata id, e.g. LOV-2008-06-27-71.")
	}
	if blank(e.Section) {
		vs.add(RuleR4, p+".section", "SECTION_MISSING", p+".section is required: cite the section departed from, e.g. \"§ 12-14\".")
	}
	if blank(e.CurrentRule) {
		vs.add(RuleR4, p+".current_rule", "CURRENT_RULE_MISSING", p+".current_rule is required: state the rule as it stands.")
	}
	if blank(e.ProposedRule) {
		vs.add(RuleR4, p+".proposed_rule", "PROPOSED_RULE_MISSING", p+".proposed_rule is required: state the rule the trial wants instead.")
	}
	if blank(e.OwningMinistry) {
		vs.add(RuleR4, p+".owning_ministry", "OWNING_MINISTRY_MISSING", fmt.Sprintf("%s.owning_ministry is required: give the code of the ministry that owns the rule (%s).", p, MinistryCodes(ref)))
	}
	// Malformed ids and unknown ministries, as for a draft.
	vs = append(vs, exemptionFormat(i, e, ref)...)

	if law, ok := ref.BlockedLaw(e.LawID); ok {
		vs.add(RuleR5, p+".law_id", "EXEMPTION_LAW_BLOCKED", fmt.Sprintf("%s departs from %s (%s), which no trial may depart from (forsøksloven § 4); remove the exemption.", p, law.Name, law.LawID))
	}
	if law, ok := ref.FlaggedLaw(e.LawID); ok && category != CategoryUnitaryCounty && blank(e.Justification) {
		vs.add(RuleR5, p+".justification", "EXEMPTION_JUSTIFICATION_MISSING", fmt.Sprintf("%s departs from %s (%s): explain in justification why the rule is not one of the basic rules on municipal organisation (forsøksloven § 4).", p, law.Name, law.LawID))
	}
	return vs
}

// periodViolations checks a trial period (R6): both dates, end not before start, and at
// most four years. Shared by submission (planned period) and approval (approved period).
func periodViolations(startField, endField, start, end string) []Violation {
	var vs violations
	if blank(start) {
		vs.add(RuleR6, startField, "START_DATE_MISSING", startField+" is required: give the first day of the trial period as YYYY-MM-DD.")
	}
	if blank(end) {
		vs.add(RuleR6, endField, "END_DATE_MISSING", endField+" is required: give the last day of the trial period as YYYY-MM-DD.")
	}
	okStart := !blank(start) && vs.date(RuleR6, startField, start)
	okEnd := !blank(end) && vs.date(RuleR6, endField, end)
	if !okStart || !okEnd {
		return vs
	}
	s, _ := ParseDate(start)
	e, _ := ParseDate(end)
	if e.Before(s) {
		vs.add(RuleR6, endField, "TRIAL_PERIOD_ENDS_BEFORE_START", fmt.Sprintf("%s %s is before %s %s; the trial must end on or after its first day.", endField, end, startField, start))
		return vs
	}
	if latest := MaxTrialEnd(s); e.After(latest) {
		vs.add(RuleR6, endField, "TRIAL_PERIOD_TOO_LONG", fmt.Sprintf("%s %s makes the trial longer than four years (forsøksloven § 3); a trial starting %s may end on %s at the latest.", endField, end, start, FormatDate(latest)))
	}
	return vs
}

// meetingNotInFuture checks that a council decision was taken, not merely scheduled
// (R8). A missing or malformed date is reported elsewhere.
func meetingNotInFuture(field, meetingDate string, today time.Time) []Violation {
	var vs violations
	d, err := ParseDate(meetingDate)
	if err == nil && d.After(today) {
		vs.add(RuleR8, field, "COUNCIL_DECISION_IN_FUTURE", fmt.Sprintf("%s %s is in the future; the council must have adopted the application before it is sent (today is %s).", field, meetingDate, FormatDate(today)))
	}
	return vs
}

func countLeads(applicants []Applicant) int {
	n := 0
	for _, a := range applicants {
		if a.Lead {
			n++
		}
	}
	return n
}

func hasFylkeskommune(applicants []Applicant) bool {
	return slices.ContainsFunc(applicants, func(a Applicant) bool { return a.Kind == KindFylkeskommune })
}

// applicantLabel names an applicant for a description: its name when it has one.
func applicantLabel(a Applicant) string {
	if a.Name != "" {
		return a.Name
	}
	return "organisation"
}

// ExemptionFlags returns the flags that send an exemption to KDD's legal review (R5):
// kommuneloven, unless the trial is an enhetsfylke trial that § 3 d allows despite § 4;
// and any exemption that restricts individuals' rights. The service stores them on the
// exemption at submission; nil means no review is needed.
func ExemptionFlags(e Exemption, category Category, ref *Reference) []ExemptionFlag {
	var flags []ExemptionFlag
	if _, ok := ref.FlaggedLaw(e.LawID); ok && category != CategoryUnitaryCounty {
		flags = append(flags, FlagKommuneloven)
	}
	if e.RestrictsRights {
		flags = append(flags, FlagRestrictsRights)
	}
	return flags
}

// OwningMinistries returns the sorted, distinct codes of the ministries whose rules the
// application departs from, without KDD's own: these are the ministries KDD must consult
// before approving (R10).
func OwningMinistries(app *Application, ref *Reference) []string {
	if app == nil {
		return nil
	}
	kdd := ""
	if ref != nil {
		kdd = ref.KDDMinistryCode
	}
	var codes []string
	for _, e := range app.Exemptions {
		// The owner is a fact where known (R16), not the applicant's statement.
		if owner, _ := OwnerOf(app, e, ref); owner != "" && owner != kdd {
			codes = append(codes, owner)
		}
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

// ApproveGuards checks an approval on the decision day today: the approved period (R6);
// what is decided stays within what was applied for (R18); every law's owner is known
// (R16); the consultations (R10): every owning ministry other than KDD has answered
// about the exemptions as they stand (R17), none is still open, and an objection is
// answered in the decision; and flagged exemptions granted have a legal review (R19).
func ApproveGuards(app *Application, consultations []*Consultation, in ApproveInput, ref *Reference, today time.Time) []Violation {
	var vs violations
	if app == nil {
		vs.add("REQUIRED", "application", "APPLICATION_MISSING", "there is no application to approve.")
		return vs
	}
	vs = append(vs, periodViolations("approved_start", "approved_end", in.ApprovedStart, in.ApprovedEnd)...)
	vs = append(vs, decisionViolations(app, in, today)...)
	vs = append(vs, ownerViolations(app, ref)...)
	vs = append(vs, coverageViolations(app, consultations, ref)...)
	vs = append(vs, legalReviewViolations(app, granted(app, in.GrantedExemptions))...)

	for _, code := range OwningMinistries(app, ref) {
		answered := slices.ContainsFunc(consultations, func(c *Consultation) bool {
			return c != nil && c.Ministry == code && c.State == ConsultationAnswered
		})
		if !answered {
			vs.add(RuleR10, "consultations", "CONSULTATION_MISSING", fmt.Sprintf("ministry %s owns a rule the trial departs from but has not answered a consultation; consult %s and wait for its answer before deciding.", code, code))
		}
	}
	var objecting []string
	for _, c := range consultations {
		if c == nil {
			continue
		}
		switch {
		case c.State == ConsultationRequested:
			vs.add(RuleR10, "consultations", "CONSULTATION_OPEN", fmt.Sprintf("consultation %s with %s is still open; wait for the answer or cancel it before deciding.", c.ID, c.Ministry))
		case c.State == ConsultationAnswered && c.Response != nil && c.Response.Position == PositionObjects:
			objecting = append(objecting, c.Ministry)
		}
	}
	if len(objecting) > 0 && blank(in.ObjectionResponse) {
		slices.Sort(objecting)
		vs.add(RuleR10, "objection_response", "OBJECTION_NOT_ANSWERED", fmt.Sprintf("%s objected to the trial; objection_response is required: answer the objection in the decision.", strings.Join(slices.Compact(objecting), ", ")))
	}
	return vs
}

// ActivateGuards checks that an approved trial may start: its regulation's Lovdata id
// and publication in Norsk Lovtidend are recorded (R9), and the approved start date has
// been reached.
func ActivateGuards(app *Application, today time.Time) []Violation {
	var vs violations
	if app == nil || app.Decision == nil || !app.Decision.Approved {
		vs.add(RuleR9, "decision", "DECISION_MISSING", "the trial has no approval; only an approved trial can start.")
		return vs
	}
	d := app.Decision
	if blank(d.RegulationID) {
		vs.add(RuleR9, "decision.regulation_id", "REGULATION_ID_MISSING", "the trial regulation's Lovdata id is not recorded; record the publication (regulation id and Lovtidend reference) first.")
	}
	if blank(d.PublicationReference) {
		vs.add(RuleR9, "decision.publication_reference", "PUBLICATION_REFERENCE_MISSING", "the trial regulation's publication in Norsk Lovtidend is not recorded; record the publication first.")
	}
	start, err := ParseDate(d.ApprovedStart)
	if d.PublicationDate != "" {
		// The trial starts no earlier than its regulation is published (R18).
		vs = append(vs, publicationDateViolations("decision.publication_date", d.PublicationDate, d.RegulationID, today, today)...)
	}
	switch {
	case err != nil:
		vs.add(RuleR6, "decision.approved_start", "INVALID_DATE", fmt.Sprintf("the approved start %q is not a date; the approval must record the period.", d.ApprovedStart))
	case start.After(today):
		vs.add(RuleR6, "decision.approved_start", "START_DATE_NOT_REACHED", fmt.Sprintf("the trial starts on %s; activate it on or after that day (today is %s).", d.ApprovedStart, FormatDate(today)))
	}
	return vs
}

// CurrentEnd returns the trial's current last day as an ISO date: the approved end, or
// the approved end of the latest granted extension; "" for a case never approved.
func CurrentEnd(app *Application) string {
	end, _ := currentEnd(app)
	return end
}

// currentEnd also returns the field the end comes from, for violations.
func currentEnd(app *Application) (end, field string) {
	if app == nil || app.Decision == nil {
		return "", "decision.approved_end"
	}
	end, field = app.Decision.ApprovedEnd, "decision.approved_end"
	// Extensions are appended in order and each granted one must end later than the one
	// before (DecideExtensionGuards), so the last granted one is the latest.
	for i, e := range app.Extensions {
		if e.State == ExtensionGranted && e.ApprovedEnd != "" {
			end, field = e.ApprovedEnd, fmt.Sprintf("extensions[%d].approved_end", i)
		}
	}
	return end, field
}

// RequestExtensionGuards checks an applicant's request for a longer period: the council
// decided it (R8), and the wanted end is later than the current end and within what R7
// allows, given the reform it cites, if any.
func RequestExtensionGuards(app *Application, in ExtensionRequestInput, today time.Time) []Violation {
	var vs violations
	if in.CouncilDecision != nil {
		vs = append(vs, meetingNotInFuture("council_decision.meeting_date", in.CouncilDecision.MeetingDate, today)...)
	}
	requested, err := ParseDate(in.RequestedEnd)
	if err != nil {
		// Reported by Validate; nothing to compare.
		return vs
	}
	vs = append(vs, extensionEndViolations(app, "requested_end", requested, in.ReformReference, in.ReformInForce)...)
	vs = append(vs, jointExtensionViolations(app)...)
	return vs
}

// DecideExtensionGuards checks KDD's decision on the pending extension request (R7): a
// grant extends the current end, by at most two years in total beyond the originally
// approved end, or further only up to the in-force date of the reform the request cites.
func DecideExtensionGuards(app *Application, in ExtensionDecisionInput) []Violation {
	var vs violations
	pending := pendingExtension(app)
	if pending == nil {
		vs.add(RuleR7, "extensions", "EXTENSION_REQUEST_MISSING", "there is no pending extension request to decide.")
		return vs
	}
	if !in.Grant {
		return vs
	}
	approved, err := ParseDate(in.ApprovedEnd)
	if err != nil {
		// Reported by Validate; nothing to compare.
		return vs
	}
	vs = append(vs, extensionEndViolations(app, "approved_end", approved, pending.ReformReference, pending.ReformInForce)...)
	if requested, err := ParseDate(pending.RequestedEnd); err == nil && approved.After(requested) {
		vs.add(RuleR18, "approved_end", "EXTENSION_LONGER_THAN_REQUESTED", fmt.Sprintf("approved_end %s is after the requested end %s; an extension is granted no longer than requested.", in.ApprovedEnd, pending.RequestedEnd))
	}
	vs = append(vs, jointExtensionViolations(app)...)
	return vs
}

// pendingExtension returns the extension request awaiting KDD's decision, or nil.
func pendingExtension(app *Application) *Extension {
	if app == nil {
		return nil
	}
	for i := len(app.Extensions) - 1; i >= 0; i-- {
		if app.Extensions[i].State == ExtensionRequested {
			return &app.Extensions[i]
		}
	}
	return nil
}

// extensionEndViolations checks a new end date against R7: after the current end; at
// most two years beyond the originally approved end in total; beyond that only with a
// cited reform, and ending no later than the day before the reform takes effect (R7+).
func extensionEndViolations(app *Application, field string, newEnd time.Time, reformReference, reformInForce string) []Violation {
	var vs violations
	if app == nil || app.Decision == nil || !app.Decision.Approved {
		vs.add(RuleR7, "decision", "DECISION_MISSING", "the trial has no approval; only an approved trial can be extended.")
		return vs
	}
	original, err := ParseDate(app.Decision.ApprovedEnd)
	if err != nil {
		vs.add(RuleR7, "decision.approved_end", "INVALID_DATE", fmt.Sprintf("the approved end %q is not a date; the approval must record the period.", app.Decision.ApprovedEnd))
		return vs
	}
	current := original
	if end, err := ParseDate(CurrentEnd(app)); err == nil {
		current = end
	}
	if !newEnd.After(current) {
		vs.add(RuleR7, field, "EXTENSION_END_NOT_AFTER_CURRENT_END", fmt.Sprintf("%s %s is not after the trial's current end %s; an extension must end later.", field, FormatDate(newEnd), FormatDate(current)))
		return vs
	}
	limit := maxExtendedEnd(original)
	if !newEnd.After(limit) {
		return vs
	}
	inForce, err := ParseDate(reformInForce)
	if blank(reformReference) || err != nil {
		vs.add(RuleR7, field, "EXTENSION_TOO_LONG", fmt.Sprintf("%s %s extends the trial by more than two years in total beyond its approved end %s (at most %s, forsøksloven § 3); a longer extension must cite a planned or decided reform (reform_reference and reform_in_force) and end by its in-force date.", field, FormatDate(newEnd), FormatDate(original), FormatDate(limit)))
		return vs
	}
	if !newEnd.Before(inForce) {
		vs.add(RuleR7Plus, field, "EXTENSION_BEYOND_REFORM", fmt.Sprintf("%s %s is not before the cited reform's in-force date %s; beyond two years the trial's last day is at the latest %s, the day before the reform takes effect.", field, FormatDate(newEnd), reformInForce, FormatDate(inForce.AddDate(0, 0, -1))))
	}
	return vs
}

// EndPeriodGuards checks that the trial period is over: today is after its current last
// day.
func EndPeriodGuards(app *Application, today time.Time) []Violation {
	var vs violations
	endStr, field := currentEnd(app)
	end, err := ParseDate(endStr)
	switch {
	case err != nil:
		vs.add(RuleR6, field, "END_DATE_MISSING", "the trial has no approved end date; only an approved trial's period can end.")
	case !today.After(end):
		vs.add(RuleR6, field, "END_DATE_NOT_REACHED", fmt.Sprintf("the trial runs until %s inclusive; its period ends after that day (today is %s). To stop it early, terminate it.", endStr, FormatDate(today)))
	}
	return vs
}

// CloseGuards checks a closure (R12): an evaluated case closes once its report is in;
// without evaluation only as DISCONTINUED, with reasons, and only as R12+ allows.
func CloseGuards(app *Application, in CloseInput, today time.Time) []Violation {
	var vs violations
	if in.WithoutEvaluation {
		vs = append(vs, closeWithoutEvaluationViolations(app, today)...)
		if in.Outcome != OutcomeDiscontinued {
			vs.add(RuleR12, "outcome", "OUTCOME_MUST_BE_DISCONTINUED", fmt.Sprintf("outcome is %q; a case closed without evaluation is DISCONTINUED.", in.Outcome))
		}
		if blank(in.Reasons) {
			vs.add(RuleR12, "reasons", "REASONS_MISSING", "reasons is required when closing without evaluation: say why no evaluation report will come.")
		}
		return vs
	}
	if in.Outcome == "" {
		vs.add(RuleR12, "outcome", "OUTCOME_MISSING", "outcome is required: give MADE_PERMANENT, LAW_CHANGE_PROPOSED or DISCONTINUED.")
	}
	if app == nil || app.EvaluationReport == nil {
		vs.add(RuleR12, "evaluation_report", "EVALUATION_REPORT_MISSING", "no evaluation report has been submitted; wait for the applicant's report, or close without evaluation (DISCONTINUED, with reasons).")
	}
	return vs
}

// TerminateGuards checks an early end (R13): the reasons and the regulation repealing
// the trial's regulation. app is taken so every guard has the same shape and the rules
// can grow; one instrument may repeal many trials, so nothing here ties the instrument
// to one case.
func TerminateGuards(app *Application, in TerminateInput) []Violation {
	var vs violations
	switch {
	case blank(in.RepealingInstrument):
		vs.add(RuleR13, "repealing_instrument", "REPEALING_INSTRUMENT_MISSING", "repealing_instrument is required: give the Lovdata id of the regulation that repeals the trial's regulation, FOR-YYYY-MM-DD-N.")
	case !validRegulationID(in.RepealingInstrument):
		vs.add(RuleR13, "repealing_instrument", "INVALID_REPEALING_INSTRUMENT", fmt.Sprintf("repealing_instrument %q is not a regulation's Lovdata id; give FOR-YYYY-MM-DD-N.", in.RepealingInstrument))
	}
	if blank(in.Reasons) {
		vs.add(RuleR13, "reasons", "REASONS_MISSING", "reasons is required: say why the trial ends early (e.g. it proved unlawful or harmful).")
	}
	return vs
}

// ConsultationGuards checks a new consultation (R10): the ministry is known, it has no
// other open consultation on this case (one question at a time keeps the answer
// unambiguous), and a due date is in the future.
func ConsultationGuards(app *Application, consultations []*Consultation, in ConsultationInput, ref *Reference, today time.Time) []Violation {
	var vs violations
	if ref != nil && in.Ministry != "" && in.Ministry == ref.KDDMinistryCode {
		vs.add(RuleR16, "ministry", "KDD_CONSULTS_ITSELF", fmt.Sprintf("%s is KDD itself; KDD's own rules need no consultation (R10): consult the ministry that owns the rule.", in.Ministry))
	}
	if _, ok := ref.Ministry(in.Ministry); !ok {
		vs.add(RuleR10, "ministry", "UNKNOWN_MINISTRY", fmt.Sprintf("ministry %q is not a known ministry code; use one of %s.", in.Ministry, MinistryCodes(ref)))
	}
	for _, c := range consultations {
		if c != nil && c.Ministry == in.Ministry && c.State == ConsultationRequested {
			vs.add(RuleR10, "ministry", "CONSULTATION_ALREADY_OPEN", fmt.Sprintf("consultation %s with %s is still open; wait for its answer or cancel it before asking again.", c.ID, c.Ministry))
		}
	}
	if in.DueDate != "" {
		if due, err := ParseDate(in.DueDate); err == nil && !due.After(today) {
			vs.add(RuleR10, "due_date", "DUE_DATE_NOT_IN_FUTURE", fmt.Sprintf("due_date %s is not after today (%s); give the ministry time to answer.", in.DueDate, FormatDate(today)))
		}
	}
	return vs
}

// ParticipationGuards checks a co-applicant's confirmation (R8): the organisation is a
// co-applicant of the case (the lead records its own decision by updating the
// application), and its council has already met.
func ParticipationGuards(app *Application, in ParticipationInput, today time.Time) []Violation {
	var vs violations
	var a *Applicant
	if app != nil {
		a = app.Applicant(in.OrganisationNumber)
	}
	switch {
	case a == nil:
		vs.add(RuleR8, "organisation_number", "NOT_AN_APPLICANT", fmt.Sprintf("organisation %s is not an applicant of this case; the lead applicant must name it first.", in.OrganisationNumber))
	case a.Lead:
		vs.add(RuleR8, "organisation_number", "LEAD_APPLICANT", "the lead applicant does not confirm participation; record its council decision by updating the application.")
	}
	if in.CouncilDecision != nil {
		vs = append(vs, meetingNotInFuture("council_decision.meeting_date", in.CouncilDecision.MeetingDate, today)...)
	}
	return vs
}
