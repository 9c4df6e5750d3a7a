package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/timestamppb"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

// oslo is the time zone times are shown in: the case handlers' and the law's.
var oslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// dateOf returns t's calendar day in Europe/Oslo as UTC midnight, for date arithmetic.
func dateOf(t time.Time) time.Time {
	y, m, d := t.In(oslo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func parseDate(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

func formatTime(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ts.AsTime().In(oslo).Format("2006-01-02 15:04")
}

func shortID(name string) string { return strings.TrimPrefix(name, "applications/") }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// truncate shortens s to at most n characters, marking the cut.
func truncate(s string, n int) string {
	s = oneLine(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// oneLine folds whitespace, newlines and tabs included, into single spaces, so that a
// text fits in a table cell.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// enumName is an enum value's name, or "" for the zero value.
func enumName[E interface {
	~int32
	String() string
}](e E) string {
	if e == 0 {
		return ""
	}
	return e.String()
}

// kv prints labelled values aligned in a tabwriter, continuation lines of a
// multi-line value under the first; empty values are left out.
type kv struct {
	w      io.Writer
	indent string
}

func (b kv) row(label, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	lines := strings.Split(strings.ReplaceAll(strings.TrimRight(value, "\n"), "\t", "    "), "\n")
	if label != "" {
		label += ":"
	}
	fmt.Fprintf(b.w, "%s%s\t%s\n", b.indent, label, lines[0])
	for _, l := range lines[1:] {
		fmt.Fprintf(b.w, "%s\t%s\n", b.indent, l)
	}
}

// formatter names the people and organisations of a case: an organisation number
// becomes the applicant's name where the case knows it.
type formatter struct {
	orgs map[string]string
}

func newFormatter(app *forsokv1.Application) formatter {
	f := formatter{orgs: map[string]string{}}
	for _, a := range app.GetApplicants() {
		if a.GetName() != "" {
			f.orgs[a.GetOrganisationNumber()] = a.GetName()
		}
	}
	return f
}

func (f formatter) person(p *forsokv1.Person) string {
	if p == nil {
		return ""
	}
	return f.who(p.GetName(), p.GetSubject(), p.GetOrganisationNumber())
}

func (f formatter) who(name, subject, org string) string {
	switch {
	case name != "" && subject != "":
		return name + " (" + subject + ")"
	case name != "":
		return name
	case subject != "":
		return subject
	case f.orgs[org] != "":
		return f.orgs[org]
	}
	return org
}

// when gives "2026-03-02 10:00 by Dev Approver (dev-approver)", leaving out what is
// unknown (a public reader sees no persons).
func (f formatter) when(ts *timestamppb.Timestamp, p *forsokv1.Person) string {
	s := formatTime(ts)
	if who := f.person(p); who != "" {
		s += " by " + who
	}
	return strings.TrimSpace(s)
}

func (f formatter) actor(a *forsokv1.Actor) string {
	who := f.who(a.GetName(), "", a.GetOrganisationNumber())
	if who == "" {
		who = a.GetSubject()
	}
	if a.GetMinistry() != "" {
		who = a.GetMinistry() + " " + who
	}
	if a.GetRole() != "" {
		who += " (" + a.GetRole() + ")"
	}
	return strings.TrimSpace(who)
}

// printApplicationTable prints list's table; a FLAGS column when a case has flags.
func printApplicationTable(w io.Writer, apps []*forsokv1.Application) {
	if len(apps) == 0 {
		fmt.Fprintln(w, "No applications.")
		return
	}
	withFlags := slices.ContainsFunc(apps, func(a *forsokv1.Application) bool { return len(a.GetFlags()) > 0 })
	fmt.Fprint(w, "ID\tCASE\tSTATE\tAPPLICANTS\tTITLE\tDUE")
	if withFlags {
		fmt.Fprint(w, "\tFLAGS")
	}
	fmt.Fprintln(w)
	for _, a := range apps {
		var names []string
		for _, ap := range a.GetApplicants() {
			names = append(names, cmpOr(ap.GetName(), ap.GetOrganisationNumber()))
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s", shortID(a.GetName()), orDash(a.GetCaseNumber()), a.GetState(),
			truncate(strings.Join(names, ", "), 40), truncate(a.GetTitle(), 50), orDash(listDue(a)))
		if withFlags {
			fmt.Fprintf(w, "\t%s", flagNames(a.GetFlags()))
		}
		fmt.Fprintln(w)
	}
}

func flagNames(flags []forsokv1.Application_Flag) string {
	var names []string
	for _, f := range flags {
		names = append(names, f.String())
	}
	return strings.Join(names, ",")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// printApplicationLine prints an action's result: the case and where it now stands.
func printApplicationLine(w io.Writer, a *forsokv1.Application) {
	fmt.Fprintf(w, "%s\t%s\t%s\tetag %s\n", a.GetName(), orDash(a.GetCaseNumber()), a.GetState(), a.GetEtag())
}

// printConsultationLine prints a consultation action's result.
func printConsultationLine(w io.Writer, c *forsokv1.Consultation) {
	fmt.Fprintf(w, "%s\t%s\t%s\tdue %s\n", c.GetName(), c.GetMinistry(), consultationState(c), orDash(c.GetDueDate()))
}

func consultationState(c *forsokv1.Consultation) string {
	if c.GetOverdue() {
		return c.GetState().String() + " (overdue)"
	}
	return c.GetState().String()
}

// printApplication prints a case's details as labelled blocks.
func printApplication(w io.Writer, a *forsokv1.Application) {
	f := newFormatter(a)
	b := kv{w: w}
	b.row("Name", a.GetName())
	b.row("Case number", a.GetCaseNumber())
	b.row("State", a.GetState().String())
	b.row("Title", a.GetTitle())
	b.row("Summary", a.GetSummary())
	for i, ap := range a.GetApplicants() {
		label := ""
		if i == 0 {
			label = "Applicants"
		}
		b.row(label, describeApplicant(ap))
	}
	b.row("Category", enumName(a.GetCategory()))
	var purposes []string
	for _, p := range a.GetPurposes() {
		purposes = append(purposes, p.String())
	}
	b.row("Purposes", strings.Join(purposes, ", "))
	if a.GetPlannedStart() != "" || a.GetPlannedEnd() != "" {
		b.row("Planned period", orDash(a.GetPlannedStart())+" to "+orDash(a.GetPlannedEnd()))
	}
	b.row("Handler", f.person(a.GetAssignedHandler()))
	b.row("Created", formatTime(a.GetCreateTime()))
	b.row("Submitted", formatTime(a.GetSubmitTime()))
	b.row("Updated", formatTime(a.GetUpdateTime()))
	b.row("Flags", flagNames(a.GetFlags()))
	b.row("Answer due (R14)", a.GetAnswerDueDate())
	b.row("Evaluation due", a.GetEvaluationDueDate())
	b.row("Etag", a.GetEtag())
	b.row("Evaluation plan", a.GetEvaluationPlan())
	b.row("Employee involvement", a.GetEmployeeInvolvement())
	b.row("Draft regulation", a.GetDraftRegulation())
	b.row("Withdrawn because", a.GetWithdrawalReason())

	if len(a.GetExemptions()) > 0 {
		fmt.Fprintln(w, "\nExemptions")
		for i, e := range a.GetExemptions() {
			fmt.Fprintf(w, "  %d. %s\n", i+1, describeExemption(e))
			eb := kv{w: w, indent: "     "}
			eb.row("Current rule", e.GetCurrentRule())
			eb.row("Proposed rule", e.GetProposedRule())
			eb.row("Justification", e.GetJustification())
		}
	}
	if d := a.GetDecision(); d != nil {
		verdict := "rejected"
		if d.GetApproved() {
			verdict = "approved, " + d.GetApprovedStart() + " to " + d.GetApprovedEnd()
		}
		fmt.Fprintf(w, "\nDecision: %s\n", verdict)
		db := kv{w: w, indent: "  "}
		db.row("Decided", f.when(d.GetDecideTime(), d.GetDecidedBy()))
		db.row("Authority", d.GetAuthority())
		db.row("Reason codes", strings.Join(d.GetReasonCodes(), ", "))
		db.row("Reasons", d.GetReasons())
		db.row("Objection response", d.GetObjectionResponse())
		db.row("Regulation", d.GetRegulationId())
		db.row("Publication", d.GetPublicationReference())
	}
	if rs := a.GetInterimReplies(); len(rs) > 0 {
		fmt.Fprintln(w, "\nInterim replies")
		for _, r := range rs {
			fmt.Fprintf(w, "  %s\n", f.when(r.GetTime(), r.GetAuthor()))
			rb := kv{w: w, indent: "    "}
			rb.row("Text", r.GetText())
			rb.row("Expected decision", r.GetExpectedDecisionDate())
		}
	}
	if cs := a.GetChangeRequests(); len(cs) > 0 {
		fmt.Fprintln(w, "\nChange requests")
		for _, c := range cs {
			fmt.Fprintf(w, "  %s\n", f.when(c.GetTime(), c.GetRequestedBy()))
			kv{w: w, indent: "    "}.row("Questions", c.GetQuestions())
		}
	}
	if xs := a.GetExtensions(); len(xs) > 0 {
		fmt.Fprintln(w, "\nExtensions")
		for _, x := range xs {
			fmt.Fprintf(w, "  %s requested %s: to %s\n", x.GetState(), formatTime(x.GetRequestTime()), x.GetRequestedEnd())
			xb := kv{w: w, indent: "    "}
			if cd := x.GetCouncilDecision(); cd != nil {
				xb.row("Council decision", describeCouncilDecision(cd))
			}
			if x.GetReformReference() != "" {
				xb.row("Reform", x.GetReformReference()+", in force "+x.GetReformInForce())
			}
			xb.row("Approved end", x.GetApprovedEnd())
			xb.row("Amending regulation", x.GetAmendingRegulationId())
			xb.row("Reasons", x.GetReasons())
			if x.GetDecideTime() != nil {
				xb.row("Decided", f.when(x.GetDecideTime(), x.GetDecidedBy()))
			}
		}
	}
	if t := a.GetTermination(); t != nil {
		fmt.Fprintf(w, "\nTerminated %s\n", f.when(t.GetTime(), t.GetDecidedBy()))
		tb := kv{w: w, indent: "  "}
		tb.row("Instrument", t.GetRepealingInstrument())
		tb.row("Reasons", t.GetReasons())
	}
	if r := a.GetEvaluationReport(); r != nil {
		fmt.Fprintf(w, "\nEvaluation report %s\n", f.when(r.GetTime(), r.GetSubmittedBy()))
		rb := kv{w: w, indent: "  "}
		rb.row("Reference", r.GetReportReference())
		rb.row("Summary", r.GetSummary())
	}
	if c := a.GetClosure(); c != nil {
		how := enumName(c.GetOutcome())
		if c.GetWithoutEvaluation() {
			how += ", without evaluation"
		}
		fmt.Fprintf(w, "\nClosed %s: %s\n", f.when(c.GetTime(), c.GetDecidedBy()), how)
		kv{w: w, indent: "  "}.row("Reasons", c.GetReasons())
	}
}

func describeApplicant(a *forsokv1.Applicant) string {
	parts := []string{cmpOr(a.GetName(), "(no name)"), a.GetOrganisationNumber()}
	switch {
	case a.GetMunicipalityNumber() != "":
		parts = append(parts, "kommune "+a.GetMunicipalityNumber())
	case a.GetCountyNumber() != "":
		parts = append(parts, "fylke "+a.GetCountyNumber())
	}
	switch {
	case a.GetLead():
		parts = append(parts, "lead")
	case a.GetParticipationConfirmed():
		parts = append(parts, "confirmed")
	default:
		parts = append(parts, "not confirmed")
	}
	if cd := a.GetCouncilDecision(); cd != nil {
		parts = append(parts, "council: "+describeCouncilDecision(cd))
	}
	return strings.Join(parts, ", ")
}

func describeCouncilDecision(cd *forsokv1.CouncilDecision) string {
	return strings.TrimSpace(cd.GetBody() + " " + cd.GetCaseReference() + " " + cd.GetMeetingDate())
}

func describeExemption(e *forsokv1.Exemption) string {
	s := strings.TrimSpace(e.GetLawId() + " " + e.GetSection())
	if e.GetParagraph() != "" {
		s += " ledd " + e.GetParagraph()
	}
	if e.GetLetter() != "" {
		s += " bokstav " + e.GetLetter()
	}
	if e.GetOwningMinistry() != "" {
		s += ", owned by " + e.GetOwningMinistry()
	}
	if e.GetRestrictsRights() {
		s += ", restricts rights"
	}
	var flags []string
	for _, fl := range e.GetFlags() {
		flags = append(flags, fl.String())
	}
	if len(flags) > 0 {
		s += " [" + strings.Join(flags, ", ") + "]"
	}
	return s
}

// printConsultations prints a case's consultations, each as a block.
func printConsultations(w io.Writer, cons []*forsokv1.Consultation, f formatter) {
	fmt.Fprintln(w, "\nConsultations")
	if len(cons) == 0 {
		fmt.Fprintln(w, "  none")
		return
	}
	for _, c := range cons {
		fmt.Fprintf(w, "  %s  %s  %s  due %s\n", c.GetName(), c.GetMinistry(), consultationState(c), orDash(c.GetDueDate()))
		b := kv{w: w, indent: "    "}
		b.row("Question", c.GetQuestion())
		if c.GetCreateTime() != nil {
			b.row("Requested", f.when(c.GetCreateTime(), c.GetRequestedBy()))
		}
		if r := c.GetResponse(); r != nil {
			responder := r.GetResponder()
			if responder.GetName() == "" && responder.GetSubject() == "" && responder.GetOrganisationNumber() != "" {
				// The ministry answered as an organisation: name it by its code.
				responder = &forsokv1.Person{Name: c.GetMinistry() + " (" + responder.GetOrganisationNumber() + ")"}
			}
			b.row("Position", enumName(r.GetPosition())+", "+f.when(r.GetTime(), responder))
			b.row("Statement", r.GetStatement())
		}
		b.row("Cancelled because", c.GetCancelReason())
	}
}

// row writes one line of tab-separated cells. Every line of a table has all its cells,
// empty ones too, since a shorter line would split the column into two alignments; the
// table drops the trailing padding.
func row(w io.Writer, cells ...string) {
	fmt.Fprintln(w, strings.Join(cells, "\t"))
}

// printConsultationTable prints open consultations across cases, one a line.
func printConsultationTable(w io.Writer, cons []*forsokv1.Consultation) {
	if len(cons) == 0 {
		fmt.Fprintln(w, "No open consultations.")
		return
	}
	fmt.Fprintln(w, "CONSULTATION\tMINISTRY\tSTATE\tDUE\tQUESTION")
	for _, c := range cons {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.GetName(), c.GetMinistry(), consultationState(c), orDash(c.GetDueDate()), truncate(c.GetQuestion(), 60))
	}
}

// printTimeline prints events oldest first, one a line; inShow indents them under a
// heading.
func printTimeline(w io.Writer, events []*forsokv1.Event, f formatter, inShow bool) {
	indent := ""
	if inShow {
		fmt.Fprintln(w, "\nHistory")
		indent = "  "
	}
	if len(events) == 0 {
		fmt.Fprintln(w, indent+"no events")
		return
	}
	for _, e := range events {
		var notes []string
		if e.GetConsultation() != "" {
			notes = append(notes, strings.TrimPrefix(e.GetConsultation(), strings.SplitN(e.GetName(), "/events/", 2)[0]+"/"))
		}
		if e.GetComment() != "" {
			notes = append(notes, oneLine(e.GetComment()))
		}
		if len(e.GetChanges()) > 0 && e.GetAction() != "create" { // create sets every field given
			notes = append(notes, "changed "+strings.Join(e.GetChanges(), ", "))
		}
		row(w, indent+formatTime(e.GetTime()), fmt.Sprintf("#%d", e.GetSequence()), e.GetAction(),
			transition(e.GetFromState(), e.GetToState()), f.actor(e.GetActor()), strings.Join(notes, "; "))
	}
}

func transition(from, to forsokv1.Application_State) string {
	switch {
	case from == 0:
		return "→ " + to.String()
	case from == to:
		return "(" + to.String() + ")"
	}
	return from.String() + " → " + to.String()
}

// printActions prints ListAllowedActions: each action, whether it is allowed, and
// the rules that fail, one a line.
func printActions(w io.Writer, actions []*forsokv1.AllowedAction) {
	fmt.Fprintln(w, "ACTION\tALLOWED\tFAILING RULES")
	for _, a := range actions {
		allowed := "no"
		if a.GetAllowed() {
			allowed = "yes"
		}
		guards := a.GetFailingGuards()
		first := ""
		if len(guards) > 0 {
			first = describeRule(guards[0])
		}
		row(w, a.GetAction(), allowed, first)
		for _, g := range guards[min(1, len(guards)):] {
			row(w, "", "", describeRule(g))
		}
	}
}

func describeRule(v *forsokv1.RuleViolation) string {
	return violation{rule: v.GetRule(), field: v.GetField(), description: oneLine(v.GetDescription())}.String()
}

// printWorkflow prints the states and every transition.
func printWorkflow(w io.Writer, wf *forsokv1.Workflow) {
	fmt.Fprintf(w, "States: %s\n\n", strings.Join(wf.GetStates(), ", "))
	fmt.Fprintln(w, "ACTION\tFROM\tTO")
	for _, t := range wf.GetTransitions() {
		fmt.Fprintf(w, "%s\t%s\t%s\n", t.GetAction(), orDash(enumName(t.GetFromState())), orDash(enumName(t.GetToState())))
	}
	fmt.Fprintln(w, "\nThe diagram: forsokctl workflow -mermaid")
}
