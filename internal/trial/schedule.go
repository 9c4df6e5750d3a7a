package trial

import (
	"fmt"
	"slices"
	"time"
)

// What happens when nobody acts. Every case has a set of timers that follows from its
// state and dates alone (Timers); the service stores that set in the same transaction
// as every change to the case, so timers survive restarts and never outlive the
// situation that set them. A timer that fires either takes an ordinary workflow action
// as the actor "system" (activate, endPeriod) or records a notice: an event in the
// history and, for overdue moments, a flag on the case that listings filter on.

// CaseFlag marks a case that needs someone's attention.
type CaseFlag string

// The case flags. The values equal the proto enum value names of Application.Flag.
const (
	// FlagNeedsInterimReply: no answer within one calendar month of (re)submission (R14).
	FlagNeedsInterimReply CaseFlag = "NEEDS_INTERIM_REPLY"
	// FlagConsultationOverdue: an open consultation is past its due date.
	FlagConsultationOverdue CaseFlag = "CONSULTATION_OVERDUE"
	// FlagPublicationMissing: the start date came without the regulation published (R9).
	FlagPublicationMissing CaseFlag = "PUBLICATION_MISSING"
	// FlagEvaluationOverdue: the evaluation report is past its due date (R12).
	FlagEvaluationOverdue CaseFlag = "EVALUATION_OVERDUE"
)

// CaseFlags lists every flag.
var CaseFlags = []CaseFlag{FlagNeedsInterimReply, FlagConsultationOverdue, FlagPublicationMissing, FlagEvaluationOverdue, FlagFinalDeadlineMissed}

// HasFlag reports whether the case carries the flag.
func (a *Application) HasFlag(f CaseFlag) bool { return slices.Contains(a.Flags, f) }

func (a *Application) SetFlag(f CaseFlag, on bool) {
	has := a.HasFlag(f)
	switch {
	case on && !has:
		a.Flags = append(a.Flags, f)
	case !on && has:
		a.Flags = slices.DeleteFunc(a.Flags, func(x CaseFlag) bool { return x == f })
	}
	if len(a.Flags) == 0 {
		a.Flags = nil
	}
}

// The notices a timer records in the history. They are events, not workflow actions:
// the state does not change.
const (
	NoticeInterimReplyOverdue Action = "interimReplyOverdue"
	NoticeConsultationDueSoon Action = "consultationDueSoon"
	NoticeConsultationOverdue Action = "consultationOverdue"
	NoticePublicationMissing  Action = "publicationMissing"
	NoticeTrialEndingSoon     Action = "trialEndingSoon"
	NoticeEvaluationDueSoon   Action = "evaluationDueSoon"
	NoticeEvaluationOverdue   Action = "evaluationOverdue"
)

// TimerKind is what a timer does when it fires.
type TimerKind string

// The timer kinds.
const (
	TimerActivate            TimerKind = "activate"            // APPROVED: start date reached
	TimerEndPeriod           TimerKind = "endPeriod"           // ACTIVE: the day after the period's end
	TimerTrialEndingSoon     TimerKind = "trialEndingSoon"     // ACTIVE: some days before the end
	TimerInterimReplyOverdue TimerKind = "interimReplyOverdue" // the day after the answer was due (R14)
	TimerConsultationDueSoon TimerKind = "consultationDueSoon" // some days before a consultation is due
	TimerConsultationOverdue TimerKind = "consultationOverdue" // the day after a consultation was due
	TimerEvaluationDueSoon   TimerKind = "evaluationDueSoon"   // some days before the report is due
	TimerEvaluationOverdue   TimerKind = "evaluationOverdue"   // the day after the report was due
)

// Timer is one scheduled moment of a case.
type Timer struct {
	ApplicationID string    `json:"applicationId"`
	Kind          TimerKind `json:"kind"`
	// Subject distinguishes timers of one kind on one case: the consultation id.
	Subject string    `json:"subject,omitempty"`
	At      time.Time `json:"at"`
}

// Key identifies the timer within its case.
func (t Timer) Key() string {
	if t.Subject == "" {
		return string(t.Kind)
	}
	return string(t.Kind) + "/" + t.Subject
}

// Schedule holds the service's deadlines. The zero value is not useful; see
// DefaultSchedule.
type Schedule struct {
	// Location is the calendar dates are read in: a date-based timer fires at 00:00 there.
	Location *time.Location
	// EvaluationDueMonths is how long after the period ends the report is due (R12).
	EvaluationDueMonths int
	// ConsultationDueSoonDays is how many days before its due date a consultation is
	// noted as due soon.
	ConsultationDueSoonDays int
	// TrialEndingSoonDays is how many days before its end a trial is noted as ending.
	TrialEndingSoonDays int
	// EvaluationDueSoonDays is how many days before its due date the report is noted
	// as due soon.
	EvaluationDueSoonDays int
	// DeadlineSoonDays is how many days before a call's deadline the applicants are
	// reminded (R20, call.go); 0 means 7.
	DeadlineSoonDays int
}

// DefaultSchedule returns the deadlines the service runs with unless configured.
func DefaultSchedule(loc *time.Location) Schedule {
	return Schedule{Location: loc, EvaluationDueMonths: 6, ConsultationDueSoonDays: 3, TrialEndingSoonDays: 90, EvaluationDueSoonDays: 30}
}

// midnight returns 00:00 in the schedule's location on the date plus days.
func (s Schedule) midnight(date string, days int) (time.Time, bool) {
	d, err := ParseDate(date)
	if err != nil {
		return time.Time{}, false
	}
	d = d.AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, s.Location), true
}

// AddMonths returns the date months calendar months after date, clamped to the last day
// of the month: one month after 31 January is 28 (or 29) February, as a person counts.
func AddMonths(date time.Time, months int) time.Time {
	first := time.Date(date.Year(), date.Month()+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(date.Day(), last), 0, 0, 0, 0, time.UTC)
}

// Timers returns the timers the case should have now. It depends on the case alone, so
// the service can recompute and store the set after every change, and a fired timer
// can check that it is still wanted.
func (s Schedule) Timers(app *Application, cons []*Consultation) []Timer {
	var ts []Timer
	add := func(kind TimerKind, subject, date string, days int) {
		if at, ok := s.midnight(date, days); ok {
			ts = append(ts, Timer{ApplicationID: app.ID, Kind: kind, Subject: subject, At: at})
		}
	}
	if app.AnswerDue != "" && !app.HasFlag(FlagNeedsInterimReply) {
		add(TimerInterimReplyOverdue, "", app.AnswerDue, 1)
	}
	for _, c := range cons {
		if c.State != ConsultationRequested {
			continue
		}
		if !app.noticed(NoticeConsultationDueSoon, c.ID) {
			add(TimerConsultationDueSoon, c.ID, c.DueDate, -s.ConsultationDueSoonDays)
		}
		if !app.noticed(NoticeConsultationOverdue, c.ID) {
			add(TimerConsultationOverdue, c.ID, c.DueDate, 1)
		}
	}
	ts = append(ts, s.stageTimers(app)...)
	switch app.State {
	case StateApproved:
		if d := app.Decision; d != nil {
			// Activation waits for the publication (R9); the notice comes once.
			if d.RegulationID != "" && d.PublicationReference != "" {
				add(TimerActivate, "", d.ApprovedStart, 0)
			} else if !app.HasFlag(FlagPublicationMissing) {
				add(TimerActivate, "", d.ApprovedStart, 0)
			}
		}
	case StateActive, StateExtensionRequested:
		end := CurrentEnd(app)
		add(TimerEndPeriod, "", end, 1)
		if !app.noticed(NoticeTrialEndingSoon, end) {
			add(TimerTrialEndingSoon, end, end, -s.TrialEndingSoonDays)
		}
	case StateEvaluating:
		if app.EvaluationReport == nil && app.EvaluationDue != "" {
			if !app.noticed(NoticeEvaluationDueSoon, "") {
				add(TimerEvaluationDueSoon, "", app.EvaluationDue, -s.EvaluationDueSoonDays)
			}
			if !app.HasFlag(FlagEvaluationOverdue) {
				add(TimerEvaluationOverdue, "", app.EvaluationDue, 1)
			}
		}
	}
	return ts
}

// noticed reports whether a notice about subject was already recorded on the case.
func (a *Application) noticed(n Action, subject string) bool {
	return slices.Contains(a.Notices, NoticeKey(n, subject))
}

func NoticeKey(n Action, subject string) string {
	if subject == "" {
		return string(n)
	}
	return fmt.Sprintf("%s/%s", n, subject)
}

// answerDue returns the date KDD's answer is due after a (re)submission on today: one
// calendar month later (R14).
func AnswerDue(today time.Time) string { return FormatDate(AddMonths(today, 1)) }

// refreshConsultationFlag sets FlagConsultationOverdue while an open consultation is
// past its due date.
func RefreshConsultationFlag(app *Application, cons []*Consultation, today time.Time) {
	overdue := false
	for _, c := range cons {
		if due, err := ParseDate(c.DueDate); err == nil && c.State == ConsultationRequested && today.After(due) {
			overdue = true
		}
	}
	app.SetFlag(FlagConsultationOverdue, overdue)
}
