package trial

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Calls for applications (api.md, "Calls for applications"; R20): KDD invites
// municipalities and counties to apply by a preliminary deadline with a short
// preliminary application (no council decision, no draft regulation yet), assesses
// them with the sector ministries, selects some and declines the rest; the selected
// complete a final application by the final deadline, which then runs the ordinary
// workflow. An application outside a call is FINAL from the start, as before.

// CallState is where a call stands.
type CallState string

// The call states. The string values equal the proto enum value names.
const (
	CallDraft      CallState = "DRAFT"      // KDD is writing it; visible to KDD only
	CallOpen       CallState = "OPEN"       // published; preliminary applications are received
	CallAssessment CallState = "ASSESSMENT" // the preliminary deadline has passed
	CallClosed     CallState = "CLOSED"     // KDD closed it; every preliminary application is answered
)

// CallStates lists the call states in order.
var CallStates = []CallState{CallDraft, CallOpen, CallAssessment, CallClosed}

// Stage is where an application in a call stands (R20).
type Stage string

// The stages. An application outside a call is FINAL from the start.
const (
	StagePreliminary Stage = "PRELIMINARY"
	StageFinal       Stage = "FINAL"
)

// StageOf returns the application's stage; cases from before calls have none and are
// final.
func StageOf(app *Application) Stage {
	if app.Stage == "" {
		return StageFinal
	}
	return app.Stage
}

// Preliminary reports whether the application is a preliminary application in a call.
func (a *Application) Preliminary() bool { return a.Call != "" && StageOf(a) == StagePreliminary }

// Call is KDD's invitation to apply: calls/{id}, id "2027-01" (year and sequence).
type Call struct {
	ID          string    `json:"id"`
	State       CallState `json:"state"`
	Revision    uint64    `json:"revision"`
	Title       string    `json:"title,omitempty"`
	Description string    `json:"description,omitempty"`
	// Themes are what the call invites trials about; an application names its own
	// among them.
	Themes []string `json:"themes,omitempty"`
	// EligibleKinds are who may apply (R2's kinds); empty while drafting.
	EligibleKinds []ApplicantKind `json:"eligibleKinds,omitempty"`
	// The deadlines are ISO dates, each ending at 24:00 Europe/Oslo (DeadlineEnd).
	PreliminaryDeadline string `json:"preliminaryDeadline,omitempty"`
	FinalDeadline       string `json:"finalDeadline,omitempty"`

	CreatedBy   Person    `json:"createdBy"`
	CreateTime  time.Time `json:"createTime"`
	UpdateTime  time.Time `json:"updateTime"`
	PublishTime time.Time `json:"publishTime,omitzero"`
	CloseTime   time.Time `json:"closeTime,omitzero"`
	// ChainHead is the call's last event: a call has its own hash chain (chain.go).
	ChainHead *ChainHead `json:"chainHead,omitempty"`
}

// Selection is KDD's answer to a preliminary application (R11, R20): selected for a
// final application, or not.
type Selection struct {
	Selected      bool           `json:"selected"`
	Reasons       string         `json:"reasons,omitempty"`
	ReasonCodes   []RejectReason `json:"reasonCodes,omitempty"`
	FinalDeadline string         `json:"finalDeadline,omitempty"`
	Authority     string         `json:"authority,omitempty"`
	DecidedBy     Person         `json:"decidedBy"`
	DecideTime    time.Time      `json:"decideTime"`
}

// CallName returns the resource name of the call, "calls/2027-01".
func CallName(id string) string { return "calls/" + id }

// ParseCallName returns the id in "calls/{id}". field names the request field.
func ParseCallName(name, field string) (string, error) {
	id, ok := strings.CutPrefix(name, "calls/")
	if !ok || !ValidCallID(id) {
		return "", Invalid([]Violation{{Field: field, Reason: "INVALID_NAME",
			Description: fmt.Sprintf("%q is not a call name; want calls/{id} such as calls/2027-01", name)}})
	}
	return id, nil
}

// ValidCallID reports whether id has a call id's shape: a year, "-", and a sequence of
// two to six digits.
func ValidCallID(id string) bool {
	year, seq, ok := strings.Cut(id, "-")
	return ok && len(year) == 4 && allDigits(year) && len(seq) >= 2 && len(seq) <= 6 && allDigits(seq)
}

// FormatCallID returns the id of the call number n of year, "2027-01".
func FormatCallID(year int, n uint64) string { return fmt.Sprintf("%04d-%02d", year, n) }

// DeadlineEnd returns the instant a deadline date ends: 24:00 on that day in loc.
func DeadlineEnd(date string, loc *time.Location) (time.Time, bool) {
	d, err := ParseDate(date)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc), true
}

// pastDeadline reports whether today (a calendar day, as the guards take it) is after
// the deadline date: the deadline ended at 24:00 on its day.
func pastDeadline(deadline string, today time.Time) bool {
	d, err := ParseDate(deadline)
	return err == nil && today.After(d)
}

// The call's actions, as recorded in its history.
const (
	CallActionCreate     Action = "createCall"
	CallActionUpdate     Action = "updateCall"
	CallActionPublish    Action = "publishCall"
	CallActionAssessment Action = "startAssessment" // the scheduler, at the preliminary deadline
	CallActionClose      Action = "closeCall"
)

// callTransitions is the calls' small state machine.
var callTransitions = map[Action][]struct{ from, to CallState }{
	CallActionUpdate:     {{CallDraft, CallDraft}},
	CallActionPublish:    {{CallDraft, CallOpen}},
	CallActionAssessment: {{CallOpen, CallAssessment}},
	CallActionClose:      {{CallOpen, CallClosed}, {CallAssessment, CallClosed}},
}

// CallNext returns the call's state after action, or FAILED_PRECONDITION naming the
// states the action is allowed in.
func CallNext(from CallState, action Action) (CallState, error) {
	var sources []string
	for _, t := range callTransitions[action] {
		if t.from == from {
			return t.to, nil
		}
		sources = append(sources, string(t.from))
	}
	msg := fmt.Sprintf("action %s is not allowed on a call in state %s", action, from)
	return "", &Error{Code: CodeFailedPrecondition, Message: msg, Violations: []Violation{{
		Rule: "STATE", Field: "state", Reason: "ACTION_NOT_ALLOWED_IN_STATE",
		Description: fmt.Sprintf("%s; it is allowed only in %s.", msg, strings.Join(sources, ", ")),
	}}}
}

// CallVisible reports whether the actor may see the call: KDD sees drafts, everyone
// (the public included) sees a published call.
func CallVisible(actor Actor, c *Call) bool {
	return c.State != CallDraft || actor.Role.KDD() || actor.Role == RoleSystem
}

// CallPermitted reports whether the actor may change calls: KDD only.
func CallPermitted(actor Actor, action Action) error {
	if !actor.Role.KDD() {
		return Errorf(CodePermissionDenied, "%s may not %s: calls for applications are KDD's", RoleName(actor.Role), action)
	}
	return nil
}

// CallFields are the update_mask paths of UpdateCall.
var CallFields = []string{"title", "description", "themes", "eligible_kinds", "preliminary_deadline", "final_deadline"}

// ValidateCall checks the fields of a call being drafted: every field given is well
// formed; completeness is PublishCallGuards'.
func ValidateCall(c *Call) []Violation {
	var vs violations
	vs.length("", "title", c.Title, MaxTitleLength)
	vs.length("", "description", c.Description, MaxTextLength)
	seen := map[string]bool{}
	for i, t := range c.Themes {
		f := fmt.Sprintf("themes[%d]", i)
		switch {
		case blank(t):
			vs.add("", f, "FIELD_REQUIRED", f+" is empty; give the theme's name or remove it.")
		case seen[t]:
			vs.add("", f, "DUPLICATE_THEME", fmt.Sprintf("%s %q is listed more than once.", f, t))
		}
		vs.length("", f, t, MaxTitleLength)
		seen[t] = true
	}
	for i, k := range c.EligibleKinds {
		if k != KindKommune && k != KindFylkeskommune {
			vs.add(RuleR2, fmt.Sprintf("eligible_kinds[%d]", i), "UNKNOWN_KIND", fmt.Sprintf("eligible_kinds[%d] %q is unknown; give KOMMUNE or FYLKESKOMMUNE.", i, k))
		}
	}
	okP := vs.date(RuleR20, "preliminary_deadline", c.PreliminaryDeadline)
	okF := vs.date(RuleR20, "final_deadline", c.FinalDeadline)
	if okP && okF && c.FinalDeadline <= c.PreliminaryDeadline {
		vs.add(RuleR20, "final_deadline", "FINAL_DEADLINE_NOT_AFTER_PRELIMINARY", fmt.Sprintf("final_deadline %s is not after preliminary_deadline %s; the selected applicants need time to complete their applications.", c.FinalDeadline, c.PreliminaryDeadline))
	}
	return vs
}

// PublishCallGuards checks that a call is complete enough to publish: a title, a
// description, who may apply, and both deadlines, the preliminary one not passed.
func PublishCallGuards(c *Call, today time.Time) []Violation {
	var vs violations
	if blank(c.Title) {
		vs.add("REQUIRED", "title", "TITLE_MISSING", "title is required: name the call.")
	}
	if blank(c.Description) {
		vs.add("REQUIRED", "description", "DESCRIPTION_MISSING", "description is required: describe what the call invites.")
	}
	if len(c.EligibleKinds) == 0 {
		vs.add(RuleR2, "eligible_kinds", "ELIGIBLE_KINDS_MISSING", "eligible_kinds is required: say who may apply (KOMMUNE, FYLKESKOMMUNE).")
	}
	if blank(c.PreliminaryDeadline) {
		vs.add(RuleR20, "preliminary_deadline", "PRELIMINARY_DEADLINE_MISSING", "preliminary_deadline is required: give the last day for preliminary applications.")
	} else if pastDeadline(c.PreliminaryDeadline, today) {
		vs.add(RuleR20, "preliminary_deadline", "PRELIMINARY_DEADLINE_PASSED", fmt.Sprintf("preliminary_deadline %s has passed (today is %s); set a later one before publishing.", c.PreliminaryDeadline, FormatDate(today)))
	}
	if blank(c.FinalDeadline) {
		vs.add(RuleR20, "final_deadline", "FINAL_DEADLINE_MISSING", "final_deadline is required: give the last day for final applications.")
	}
	return vs
}

// CloseCallGuards checks that every preliminary application of the call that was
// submitted has been answered (selected or declined) or withdrawn: a call closes only
// when nobody is left waiting.
func CloseCallGuards(apps []*Application) []Violation {
	var vs violations
	for _, a := range apps {
		if a.Preliminary() && a.State != StateDraft && !a.State.Terminal() && a.State != StateSelected {
			vs.add(RuleR20, "applications", "PRELIMINARY_APPLICATION_UNANSWERED", fmt.Sprintf("%s (%s) is a preliminary application still awaiting selection; select or decline it before closing the call.", ApplicationName(a.ID), a.State))
		}
	}
	return vs
}

// CreateInCallGuards checks that an application may be created in the call: the call is
// open (R20).
func CreateInCallGuards(c *Call) []Violation {
	var vs violations
	if c.State != CallOpen {
		vs.add(RuleR20, "call", "CALL_NOT_OPEN", fmt.Sprintf("%s is %s, not OPEN; it does not receive applications.", CallName(c.ID), c.State))
	}
	return vs
}

// StageGuards are R20's guards on an action on a case in a call; call is the case's
// call (nil for a direct application). from is the case's state before the action.
func StageGuards(app *Application, c *Call, action Action, today time.Time) []Violation {
	var vs violations
	if app.Call == "" || c == nil {
		if action == ActionSelect || action == ActionDecline {
			vs.add(RuleR20, "call", "NOT_IN_A_CALL", "only an application to a call for applications is selected or declined; decide a direct application with approve or reject.")
		}
		return vs
	}
	prelim := app.Preliminary()
	switch action {
	case ActionSubmit:
		switch {
		case prelim && app.State == StateDraft:
			if c.State != CallOpen {
				vs.add(RuleR20, "call", "CALL_NOT_OPEN", fmt.Sprintf("%s is %s, not OPEN; it no longer receives preliminary applications.", CallName(c.ID), c.State))
			}
			if pastDeadline(c.PreliminaryDeadline, today) {
				vs.add(RuleR20, "call", "PRELIMINARY_DEADLINE_PASSED", fmt.Sprintf("the preliminary deadline of %s was %s (24:00 Europe/Oslo); preliminary applications are no longer received (today is %s).", CallName(c.ID), c.PreliminaryDeadline, FormatDate(today)))
			}
			for i, a := range app.Applicants {
				if !slices.Contains(c.EligibleKinds, a.Kind) {
					vs.add(RuleR20, fmt.Sprintf("applicants[%d].kind", i), "APPLICANT_NOT_ELIGIBLE", fmt.Sprintf("%s is a %s; %s invites only %s.", applicantLabel(a), a.Kind, CallName(c.ID), joinNames(c.EligibleKinds)))
				}
			}
			vs = append(vs, themeViolations(app, c)...)
		case app.State == StateSelected:
			if pastDeadline(app.Deadline, today) {
				vs.add(RuleR20, "deadline", "FINAL_DEADLINE_PASSED", fmt.Sprintf("the final deadline was %s (24:00 Europe/Oslo); the final application can no longer be submitted (today is %s).", app.Deadline, FormatDate(today)))
			}
			if blank(app.ProgressPlan) {
				vs.add(RuleR20, "progress_plan", "PROGRESS_PLAN_MISSING", "progress_plan is required in a final application: describe the trial's milestones and when they are reached.")
			}
		}
	case ActionApprove, ActionReject:
		if prelim {
			vs.add(RuleR20, "stage", "PRELIMINARY_NOT_DECIDED_HERE", fmt.Sprintf("a preliminary application is not %sd: select it for a final application or decline it.", strings.TrimSuffix(string(action), "e")))
		}
	case ActionSelect:
		if !prelim {
			vs.add(RuleR20, "stage", "NOT_PRELIMINARY", "only a preliminary application is selected.")
		}
		if c.State != CallAssessment {
			vs.add(RuleR20, "call", "CALL_NOT_IN_ASSESSMENT", fmt.Sprintf("%s is %s; applications are selected in ASSESSMENT, after the preliminary deadline.", CallName(c.ID), c.State))
		}
	case ActionDecline:
		switch {
		case app.State == StateSelected && !app.HasFlag(FlagFinalDeadlineMissed):
			vs.add(RuleR20, "deadline", "FINAL_DEADLINE_NOT_MISSED", fmt.Sprintf("a selected application may be declined only once it has missed its final deadline %s.", app.Deadline))
		case app.State != StateSelected && !prelim:
			vs.add(RuleR20, "stage", "NOT_PRELIMINARY", "a final application is decided with approve or reject, not declined.")
		case app.State != StateSelected && c.State != CallAssessment:
			vs.add(RuleR20, "call", "CALL_NOT_IN_ASSESSMENT", fmt.Sprintf("%s is %s; applications are declined in ASSESSMENT, after the preliminary deadline.", CallName(c.ID), c.State))
		}
	}
	return vs
}

// themeViolations checks that the application's themes are the call's.
func themeViolations(app *Application, c *Call) []Violation {
	var vs violations
	for i, t := range app.Themes {
		if !slices.Contains(c.Themes, t) {
			vs.add(RuleR20, fmt.Sprintf("themes[%d]", i), "THEME_NOT_IN_CALL", fmt.Sprintf("themes[%d] %q is not a theme of %s; choose among %s.", i, t, CallName(c.ID), strings.Join(c.Themes, ", ")))
		}
	}
	return vs
}

// StageSubmitGuards is SubmitGuards for the application's stage: a preliminary
// application needs neither council decisions nor co-applicants' confirmations (R8)
// nor a draft regulation (R9) yet (R20); everything else applies as to any case.
func StageSubmitGuards(app *Application, ref *Reference, today time.Time) []Violation {
	vs := SubmitGuards(app, ref, today)
	if app == nil || !app.Preliminary() {
		return vs
	}
	return slices.DeleteFunc(vs, func(v Violation) bool { return v.Rule == RuleR8 || v.Rule == RuleR9 })
}

// SelectInput is KDD selecting a preliminary application (R11, R20).
type SelectInput struct {
	Reasons string
	// FinalDeadline overrides the call's final deadline for this application; "" keeps
	// the call's.
	FinalDeadline string
}

// Validate checks the selection's own fields.
func (in SelectInput) Validate() []Violation {
	var vs violations
	vs.text(RuleR11, "reasons", in.Reasons, MaxTextLength, "the reasons for the selection")
	vs.date(RuleR20, "final_deadline", in.FinalDeadline)
	return vs
}

// SelectGuards checks the final deadline the selection sets: not already passed.
func SelectGuards(finalDeadline string, today time.Time) []Violation {
	var vs violations
	if blank(finalDeadline) {
		vs.add(RuleR20, "final_deadline", "FINAL_DEADLINE_MISSING", "final_deadline is required: the call has none, give one.")
	} else if pastDeadline(finalDeadline, today) {
		vs.add(RuleR20, "final_deadline", "FINAL_DEADLINE_PASSED", fmt.Sprintf("final_deadline %s has passed (today is %s); give a later one.", finalDeadline, FormatDate(today)))
	}
	return vs
}

// DeclineInput is KDD declining a preliminary application (R11, R20), with the codes
// of a rejection.
type DeclineInput = RejectInput

// CallStatistics are a call's figures: applications received (preliminary
// applications submitted), selected, declined, final applications submitted and
// approved, and the received ones by county and by theme. They are aggregates, public
// for a published call.
type CallStatistics struct {
	Call           string         `json:"call"`
	Drafts         int            `json:"drafts"`
	Received       int            `json:"received"`
	Selected       int            `json:"selected"`
	NotSelected    int            `json:"notSelected"`
	Withdrawn      int            `json:"withdrawn"`
	FinalSubmitted int            `json:"finalSubmitted"`
	Approved       int            `json:"approved"`
	ByCounty       map[string]int `json:"byCounty,omitempty"`
	ByTheme        map[string]int `json:"byTheme,omitempty"`
}

// CallStatisticsOf counts the call's applications. A joint application counts once
// for each county among its applicants.
func CallStatisticsOf(callID string, apps []*Application) *CallStatistics {
	st := &CallStatistics{Call: callID, ByCounty: map[string]int{}, ByTheme: map[string]int{}}
	for _, a := range apps {
		if a.Call != callID {
			continue
		}
		if a.SubmitTime.IsZero() {
			st.Drafts++
			continue
		}
		st.Received++
		// A selected application's stage became FINAL, and stays so if it is declined
		// after missing its final deadline.
		selected := StageOf(a) == StageFinal
		if selected {
			st.Selected++
		}
		if a.State == StateNotSelected {
			st.NotSelected++
		}
		if a.State == StateWithdrawn {
			st.Withdrawn++
		}
		if selected && a.State != StateSelected && a.State != StateNotSelected && a.State != StateWithdrawn {
			st.FinalSubmitted++
		}
		if a.Decision != nil && a.Decision.Approved {
			st.Approved++
		}
		for _, c := range sortedSet(applicantCounties(a)) {
			st.ByCounty[c]++
		}
		for _, t := range sortedSet(a.Themes) {
			st.ByTheme[t]++
		}
	}
	return st
}

// applicantCounties returns the county number of each applicant: a fylkeskommune's
// own, a kommune's first two digits.
func applicantCounties(a *Application) []string {
	var out []string
	for _, ap := range a.Applicants {
		switch {
		case ap.CountyNumber != "":
			out = append(out, ap.CountyNumber)
		case len(ap.MunicipalityNumber) == 4:
			out = append(out, ap.MunicipalityNumber[:2])
		}
	}
	return out
}

// CallTimers returns the call's timers: the move to ASSESSMENT at the end of the
// preliminary deadline. Their owner key is the call's resource name.
func (s Schedule) CallTimers(c *Call) []Timer {
	if c.State != CallOpen {
		return nil
	}
	at, ok := DeadlineEnd(c.PreliminaryDeadline, s.Location)
	if !ok {
		return nil
	}
	return []Timer{{ApplicationID: CallName(c.ID), Kind: TimerCallAssessment, At: at}}
}

// The timers and notices of R20's deadlines.
const (
	// TimerCallAssessment moves an OPEN call to ASSESSMENT when its preliminary deadline
	// has ended.
	TimerCallAssessment TimerKind = "callAssessment"
	// TimerDeadlineSoon reminds the applicants of the current stage's deadline.
	TimerDeadlineSoon TimerKind = "deadlineSoon"
	// TimerFinalDeadlineMissed flags a selected application whose final deadline ended
	// without a final application.
	TimerFinalDeadlineMissed TimerKind = "finalDeadlineMissed"

	NoticeDeadlineSoon        Action = "deadlineSoon"
	NoticeFinalDeadlineMissed Action = "finalDeadlineMissed"
)

// FlagFinalDeadlineMissed marks a selected application whose final deadline passed
// without a final application (R20); KDD may decline it.
const FlagFinalDeadlineMissed CaseFlag = "FINAL_DEADLINE_MISSED"

// stageTimers are the R20 timers of a case in a call: a reminder some days before the
// deadline of a draft preliminary or a selected application, and the missed final
// deadline of a selected one.
func (s Schedule) stageTimers(app *Application) []Timer {
	if app.Call == "" || app.Deadline == "" {
		return nil
	}
	if !(app.State == StateDraft && app.Preliminary()) && app.State != StateSelected {
		return nil
	}
	var ts []Timer
	if !app.noticed(NoticeDeadlineSoon, app.Deadline) {
		if at, ok := s.midnight(app.Deadline, -s.deadlineSoonDays()); ok {
			ts = append(ts, Timer{ApplicationID: app.ID, Kind: TimerDeadlineSoon, Subject: app.Deadline, At: at})
		}
	}
	if app.State == StateSelected && !app.HasFlag(FlagFinalDeadlineMissed) {
		if at, ok := DeadlineEnd(app.Deadline, s.Location); ok {
			ts = append(ts, Timer{ApplicationID: app.ID, Kind: TimerFinalDeadlineMissed, At: at})
		}
	}
	return ts
}

// deadlineSoonDays is how many days before a call deadline the applicants are
// reminded (Schedule.DeadlineSoonDays, 7 when unset).
func (s Schedule) deadlineSoonDays() int {
	if s.DeadlineSoonDays > 0 {
		return s.DeadlineSoonDays
	}
	return 7
}
