package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

// The kinds of attention, most urgent first.
const (
	kindConsultationOverdue = "CONSULTATION_OVERDUE"
	kindInterimReplyOverdue = "INTERIM_REPLY_OVERDUE"
	kindPublicationMissing  = "PUBLICATION_MISSING"
	kindEvaluationOverdue   = "EVALUATION_OVERDUE"
	kindConsultationDueSoon = "CONSULTATION_DUE_SOON"
	kindInterimReplyDueSoon = "INTERIM_REPLY_DUE_SOON"
	kindUnassigned          = "UNASSIGNED"
	kindReadyForDecision    = "READY_FOR_DECISION"
)

var kindOrder = []string{kindConsultationOverdue, kindInterimReplyOverdue, kindPublicationMissing, kindEvaluationOverdue,
	kindConsultationDueSoon, kindInterimReplyDueSoon, kindUnassigned, kindReadyForDecision}

// dueItem is one thing needing attention; its JSON is due's -o json.
type dueItem struct {
	Application  string `json:"application"`
	CaseNumber   string `json:"caseNumber,omitempty"`
	State        string `json:"state,omitempty"`
	Title        string `json:"title,omitempty"`
	Kind         string `json:"kind"`
	DueDate      string `json:"dueDate,omitempty"`
	Consultation string `json:"consultation,omitempty"`
	Ministry     string `json:"ministry,omitempty"`
	Detail       string `json:"detail"`
}

// attentionStates are the states in which a case can need attention.
const attentionStates = "(state = SUBMITTED OR state = IN_REVIEW OR state = IN_CONSULTATION OR state = READY_FOR_DECISION" +
	" OR state = APPROVED OR state = EVALUATING)"

func setupDue(f *flags) runFunc {
	var within int
	f.IntVar(&within, "within", 5, "what falls due within `days` is due soon")
	return func(ctx context.Context, s *session, _ []string) error {
		if within < 0 || within > 3660 {
			return usagef("-within %d: want a number of days from 0 to 3660", within)
		}
		list, err := s.listApplications(ctx, &forsokv1.ListApplicationsRequest{Filter: attentionStates}, true)
		if err != nil {
			return err
		}
		// A municipality may not list consultations across cases; it has none to answer.
		cons, err := s.listOpenConsultations(ctx)
		if err = tolerate(err); err != nil {
			return err
		}
		items := attention(list.GetApplications(), cons.GetConsultations(), s.today().AddDate(0, 0, within))
		if s.json {
			return s.writeJSON(struct {
				Items []dueItem `json:"items"`
			}{items})
		}
		w := s.table()
		printDue(w, items)
		return w.Flush()
	}
}

// attention returns what needs attention, most urgent first: what the server flags,
// plus what falls due by horizon, plus the cases waiting for KDD to act.
func attention(apps []*forsokv1.Application, cons []*forsokv1.Consultation, horizon time.Time) []dueItem {
	items := []dueItem{}
	byName := map[string]*forsokv1.Application{}
	for _, a := range apps {
		byName[a.GetName()] = a
	}
	about := func(name string) dueItem {
		a := byName[name]
		if a == nil {
			return dueItem{Application: name}
		}
		return dueItem{Application: name, CaseNumber: a.GetCaseNumber(), State: a.GetState().String(), Title: a.GetTitle()}
	}
	soon := func(date string) bool {
		d, err := parseDate(date)
		return err == nil && !d.After(horizon)
	}
	for _, c := range cons {
		if c.GetState() != forsokv1.Consultation_REQUESTED {
			continue
		}
		it := about(strings.SplitN(c.GetName(), "/consultations/", 2)[0])
		it.DueDate, it.Consultation, it.Ministry = c.GetDueDate(), c.GetName(), c.GetMinistry()
		switch {
		case c.GetOverdue():
			it.Kind, it.Detail = kindConsultationOverdue, fmt.Sprintf("%s has not answered; the answer was due %s", c.GetMinistry(), c.GetDueDate())
		case soon(c.GetDueDate()):
			it.Kind, it.Detail = kindConsultationDueSoon, fmt.Sprintf("%s's answer is due %s", c.GetMinistry(), c.GetDueDate())
		default:
			continue
		}
		items = append(items, it)
	}
	for _, a := range apps {
		add := func(kind, due, detail string) {
			it := about(a.GetName())
			it.Kind, it.DueDate, it.Detail = kind, due, detail
			items = append(items, it)
		}
		flagged := func(f forsokv1.Application_Flag) bool { return slices.Contains(a.GetFlags(), f) }
		switch answer := a.GetAnswerDueDate(); {
		case flagged(forsokv1.Application_NEEDS_INTERIM_REPLY):
			add(kindInterimReplyOverdue, answer, "R14: the applicants were owed an answer by "+orDash(answer)+"; record an interim reply, request changes or decide")
		case answer != "" && soon(answer):
			add(kindInterimReplyDueSoon, answer, "R14: the applicants are owed an answer by "+answer+": an interim reply, a request for changes or a decision")
		}
		if flagged(forsokv1.Application_PUBLICATION_MISSING) {
			start := a.GetDecision().GetApprovedStart()
			add(kindPublicationMissing, start, "R9: the trial was to start "+orDash(start)+" but its regulation's publication is not recorded; record-publication")
		}
		if flagged(forsokv1.Application_EVALUATION_OVERDUE) {
			due := a.GetEvaluationDueDate()
			add(kindEvaluationOverdue, due, "R12: the evaluation report was due "+orDash(due)+"; remind the applicants, or close -without-evaluation")
		}
		switch a.GetState() {
		case forsokv1.Application_SUBMITTED:
			if a.GetAssignedHandler().GetSubject() == "" {
				add(kindUnassigned, "", "no handler; assign it")
			}
		case forsokv1.Application_READY_FOR_DECISION:
			add(kindReadyForDecision, "", "every consultation settled; approve, reject or request changes")
		}
	}
	slices.SortStableFunc(items, func(a, b dueItem) int {
		return cmp.Or(
			cmp.Compare(slices.Index(kindOrder, a.Kind), slices.Index(kindOrder, b.Kind)),
			cmp.Compare(a.DueDate, b.DueDate),
			cmp.Compare(a.Application, b.Application),
			cmp.Compare(a.Consultation, b.Consultation))
	})
	return items
}

// listDue is the DUE column of list: the next date the case waits for.
func listDue(a *forsokv1.Application) string {
	switch a.GetState() {
	case forsokv1.Application_SUBMITTED, forsokv1.Application_IN_REVIEW,
		forsokv1.Application_IN_CONSULTATION, forsokv1.Application_READY_FOR_DECISION:
		if d := a.GetAnswerDueDate(); d != "" {
			return d
		}
		if rs := a.GetInterimReplies(); len(rs) > 0 {
			return rs[len(rs)-1].GetExpectedDecisionDate()
		}
	case forsokv1.Application_APPROVED:
		return a.GetDecision().GetApprovedStart()
	case forsokv1.Application_ACTIVE, forsokv1.Application_EXTENSION_REQUESTED:
		return a.GetDecision().GetApprovedEnd()
	case forsokv1.Application_EVALUATING:
		return a.GetEvaluationDueDate()
	}
	return ""
}

func printDue(w io.Writer, items []dueItem) {
	if len(items) == 0 {
		fmt.Fprintln(w, "Nothing needs attention.")
		return
	}
	fmt.Fprintln(w, "ID\tCASE\tSTATE\tDUE\tATTENTION\tDETAIL")
	for _, it := range items {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", shortID(it.Application), orDash(it.CaseNumber), orDash(it.State), orDash(it.DueDate), it.Kind, it.Detail)
	}
}
