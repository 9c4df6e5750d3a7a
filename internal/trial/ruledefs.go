package trial

import (
	"fmt"
	"strings"
)

// The rules of domain.md as data: one definition per rule, in the order of domain.md.
// Every guard and validation names its rule by one of these identifiers, and
// docs/rules.md is generated from Rules (RulesMarkdown), so what is documented and what
// is enforced cannot drift apart: a test fails when a Violation names a rule the table
// does not define, and when docs/rules.md differs from RulesMarkdown.

// The rule identifiers a Violation's Rule may take besides STATE, ROLE and REQUIRED.
// The sharper readings of domain.md ("Further rules and sharper readings") have ids of
// their own, "R2+", so an error names the reading that refused it.
const (
	RuleR1      = "R1"
	RuleR2      = "R2"
	RuleR2Plus  = "R2+"
	RuleR3      = "R3"
	RuleR3Plus  = "R3+"
	RuleR4      = "R4"
	RuleR5      = "R5"
	RuleR6      = "R6"
	RuleR7      = "R7"
	RuleR7Plus  = "R7+"
	RuleR8      = "R8"
	RuleR8Plus  = "R8+"
	RuleR9      = "R9"
	RuleR10     = "R10"
	RuleR11     = "R11"
	RuleR12     = "R12"
	RuleR12Plus = "R12+"
	RuleR13     = "R13"
	RuleR14     = "R14"
	RuleR15     = "R15"
	RuleR16     = "R16"
	RuleR17     = "R17"
	RuleR18     = "R18"
	RuleR19     = "R19"
	RuleR20     = "R20"
	RuleR21     = "R21"
	RuleR22     = "R22"
)

// RuleDef is one rule of domain.md: what it says, where it comes from and where the
// service enforces it.
type RuleDef struct {
	ID string
	// Text is the rule, as domain.md states it (shortened where domain.md explains).
	Text string
	// Source is the rule's legal or practical source: [law], [practice], [admin],
	// [product].
	Source string
	// EnforcedAt names the actions (api.md verbs) or reads where the rule is checked.
	EnforcedAt []string
	// Guards names the domain functions that check it.
	Guards []string
}

// Rules is every rule, in the order of domain.md. RuleDefinition looks one up.
var Rules = []RuleDef{
	{RuleR1, "The trial states at least one purpose from § 1 (EFFICIENT_ORGANISATION, TASK_ALLOCATION, SERVICE_QUALITY, RESOURCE_USE, DEMOCRATIC_GOVERNANCE).", "[law] § 1",
		[]string{"submit"}, []string{"SubmitGuards", "ValidateDraft"}},
	{RuleR2, "Applicants are one or more KOMMUNE or FYLKESKOMMUNE, each with a valid organisation number and a municipality number (kommune) or county number (fylkeskommune); exactly one is the lead.", "[law] § 2, [practice]",
		[]string{"create", "update", "submit"}, []string{"ValidateDraft", "SubmitGuards"}},
	{RuleR2Plus, "A municipality or county number must be one in force on the day the application is made, from the register shipped as reference data (SSB classifications 131 and 104); a number not in force is refused naming its successor where known.", "[practice], SSB's classification of municipalities",
		[]string{"create", "update", "submit"}, []string{"RegisterViolations", "SubmitGuards"}},
	{RuleR3, "The trial has a category from § 3: ORGANISATION, TASK_DIVISION, STATE_CONTROL or UNITARY_COUNTY (§ 3 d, only with a fylkeskommune among the applicants).", "[law] § 3",
		[]string{"submit"}, []string{"SubmitGuards"}},
	{RuleR3Plus, "An UNITARY_COUNTY trial has only fylkeskommuner as applicants; § 3 d lifts § 4's kommuneloven bar for that trial only.", "[law] §§ 3 d, 4",
		[]string{"submit"}, []string{"SubmitGuards", "ExemptionFlags"}},
	{RuleR4, "Every application lists at least one specific exemption: Lovdata id, section, the rule as it stands, the rule wanted instead and the owning ministry. A law or regulation dated in the future is no citation.", "[practice]",
		[]string{"create", "update", "submit"}, []string{"SubmitGuards", "ValidateDraft"}},
	{RuleR5, "No trial departs from forvaltningsloven (blocked); an exemption from kommuneloven needs a justification and is flagged for legal review, except in an UNITARY_COUNTY trial; one restricting individuals' rights is flagged too.", "[law] §§ 3 d, 4",
		[]string{"submit"}, []string{"SubmitGuards", "ExemptionFlags"}},
	{RuleR6, "The trial period is at most four years: the end is at most the start plus four years minus one day.", "[law] § 3",
		[]string{"submit", "approve", "activate", "endPeriod"}, []string{"SubmitGuards", "ApproveGuards", "ActivateGuards", "EndPeriodGuards"}},
	{RuleR7, "An approved trial may be extended by at most two years in total; beyond that only up to the in-force date of a cited reform. A granted extension records the new end and the amending regulation.", "[law] § 3",
		[]string{"requestExtension", "decideExtension"}, []string{"RequestExtensionGuards", "DecideExtensionGuards"}},
	{RuleR7Plus, "\"Up to the reform's entry into force\" means the trial's last day is the day before the reform takes effect.", "[law] § 3",
		[]string{"requestExtension", "decideExtension"}, []string{"RequestExtensionGuards", "DecideExtensionGuards"}},
	{RuleR8, "Each applicant's council has adopted the final application (body, case reference, meeting date not in the future); each co-applicant confirms its own participation.", "[practice]",
		[]string{"submit", "confirmParticipation", "requestExtension"}, []string{"SubmitGuards", "ParticipationGuards", "RequestExtensionGuards"}},
	{RuleR8Plus, "A co-applicant may withdraw its own participation before the decision; the case goes on with the others. An extension of a joint trial needs every participant's council decision.", "[practice]",
		[]string{"withdrawParticipation", "confirmParticipation", "requestExtension", "decideExtension"}, []string{"WithdrawParticipationGuards", "ParticipationGuards", "RequestExtensionGuards", "DecideExtensionGuards"}},
	{RuleR9, "The trial gets its own regulation: the application carries the draft; its Lovdata id and publication in Norsk Lovtidend are recorded before the trial starts.", "[practice], [admin]",
		[]string{"submit", "approve", "recordPublication", "activate"}, []string{"SubmitGuards", "ActivateGuards"}},
	{RuleR10, "KDD consults the ministry owning each rule departed from; approval needs an answered consultation from each (KDD's own rules excepted) and none open; an objection is answered in the decision.", "[practice], seed 004",
		[]string{"createConsultation", "approve"}, []string{"ConsultationGuards", "ApproveGuards"}},
	{RuleR11, "Only KDD decides; a decision records the deciding person, its legal authority (FOR-1992-12-11-1050) and its reasons.", "[law] delegation",
		[]string{"approve", "reject", "decideExtension", "terminate", "close"}, []string{"ApproveInput.Validate", "RejectInput.Validate", "ExtensionDecisionInput.Validate"}},
	{RuleR12, "Every trial that ran is evaluated: an evaluation plan at submission, an evaluation report before closing, or \"closed without evaluation\" (DISCONTINUED) with reasons.", "[practice], seed 004",
		[]string{"submit", "submitEvaluation", "close"}, []string{"SubmitGuards", "CloseGuards"}},
	{RuleR12Plus, "\"Closed without evaluation\" only when no report exists and either the trial was terminated before it started or the report is overdue. A second report is a new version; the first is kept.", "[practice]",
		[]string{"close", "submitEvaluation"}, []string{"CloseGuards"}},
	{RuleR13, "KDD may end an approved or running trial early, recording the reasons and the repealing instrument; one instrument may end many trials.", "[practice]",
		[]string{"terminate"}, []string{"TerminateGuards"}},
	{RuleR14, "KDD answers without undue delay: without an interim reply, a request for changes or a decision within one calendar month of a (re)submission, the case is flagged.", "[admin] forvaltningsloven § 11 a, [practice]",
		[]string{"timer", "recordInterimReply"}, []string{"Schedule.Timers", "InterimReplyInput.Validate"}},
	{RuleR15, "Employee representatives are involved before applying: the application records how and when.", "[practice], seeds 001, 003",
		[]string{"submit"}, []string{"SubmitGuards"}},
	{RuleR16, "Who owns a law is a fact: reference data maps Lovdata ids to owning ministries. A wrong owner is refused naming the right one; a law the data does not know needs KDD to confirm its owner before R10 is judged. KDD is never consulted by KDD.", "[practice]",
		[]string{"submit", "createConsultation", "confirmLawOwner", "approve"}, []string{"SubmitGuards", "ConsultationGuards", "ConfirmLawOwnerGuards", "ApproveGuards"}},
	{RuleR17, "A consultation covers the exemptions it was asked about, as they stood when it was opened; if that ministry's exemptions change afterwards, R10 needs a new answer.", "[practice], [admin] fvl. § 17",
		[]string{"approve"}, []string{"ApproveGuards"}},
	{RuleR18, "A decision stays within what was applied for and is not retroactive: the approved period starts no earlier than the decision day (Europe/Oslo) and lies within the applied-for period; granted exemptions are among those applied for; an extension is granted no longer than requested; the trial regulation is dated no earlier than the decision and published no later than the trial's start.", "[law] § 3, [admin] Grunnloven § 97",
		[]string{"approve", "decideExtension", "recordPublication", "activate"}, []string{"ApproveGuards", "DecideExtensionGuards", "PublicationGuards", "ActivateGuards"}},
	{RuleR19, "Exemptions flagged under R5 need a recorded legal review by KDD, with its conclusion, before approval.", "[practice]",
		[]string{"recordLegalReview", "approve"}, []string{"LegalReviewGuards", "ApproveGuards"}},
	{RuleR20, "A call for applications has deadlines: a preliminary application before the preliminary deadline, a selected one completed and submitted as final before the final deadline.", "[practice] KDD's scheme (2023)",
		[]string{"create", "submit", "select", "decline", "approve", "reject", "publishCall", "closeCall", "timer"},
		[]string{"StageGuards", "StageSubmitGuards", "SelectGuards", "CreateInCallGuards", "PublishCallGuards", "CloseCallGuards", "ValidateCall"}},
	{RuleR21, "Every document received or sent in a case is journaled with a public title; content is screened only with a legal basis in offentleglova.", "[law] offentleglova §§ 3, 13; arkivlova",
		[]string{"uploadDocument", "screenJournalEntry", "ListJournalEntries"},
		[]string{"DocumentInput.Validate", "NewJournalEntry", "MayScreen", "ScreenInput.Validate", "PublicJournalEntry"}},
	{RuleR22, "Which ministries were consulted, their statements and the handlers are not part of the public register: no public filter or page reveals them.", "[product], offentleglova § 3",
		[]string{"ListApplications", "GetApplication", "ListConsultations"}, []string{"PublicFilterViolations", "PublicView"}},
}

// RuleDefinition returns the rule with the id.
func RuleDefinition(id string) (RuleDef, bool) {
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return RuleDef{}, false
}

// RulesMarkdown renders Rules as docs/rules.md. The generated file is checked against
// this function by a test (go test ./internal/trial -run TestRulesDoc -update writes it).
func RulesMarkdown() string {
	var b strings.Builder
	b.WriteString("# The rules forsok enforces\n\n")
	b.WriteString("<!-- Generated from internal/trial/ruledefs.go by `go test ./internal/trial -run TestRulesDoc -update`; do not edit. -->\n\n")
	b.WriteString("Each rule of `shared/design/domain.md` as the code defines it. A refused request names the rule in\n")
	b.WriteString("`google.rpc.PreconditionFailure` / `BadRequest` violations (`type` or field description), with the field\n")
	b.WriteString("and what to fix. Rules marked \"not enforced here\" belong to other parts of the service.\n\n")
	b.WriteString("| Rule | Text | Source | Enforced at | Checked by |\n|------|------|--------|-------------|------------|\n")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
	for _, r := range Rules {
		guards := "not enforced here"
		if len(r.Guards) > 0 {
			guards = "`" + strings.Join(r.Guards, "`, `") + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.ID, cell(r.Text), cell(r.Source), strings.Join(r.EnforcedAt, ", "), guards)
	}
	return b.String()
}
