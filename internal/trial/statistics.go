package trial

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// The public statistics (issue 13): the trust reform's own measures of the scheme, kept
// as aggregates that every write updates in its own transaction, so that a reader never
// has to look at the cases themselves.
//
// Statistics is a fold over the history. Each event is observed together with the case
// as the event leaves it and what the case contributed before it (CaseFacts, stored per
// case beside the aggregate): the case's old contribution is taken out and its new one
// put in, and the event's own measures (a decision's processing time, an answer within
// R14's month, a ministry's answer against its due date) are counted once, when the
// event happens.
//
// What is public (R22): counts by state, category, county and year, processing times,
// the share of applicants answered within a month, outcomes, and per ministry how many
// consultations it answered and how many of them by the due date. The ministry figures
// are aggregates over every case, never tied to a case; which ministries were consulted
// on which case, their positions and statements, the handlers and every personal name
// stay out.

// CaseFacts is what one case contributes to the Statistics now, and the state of its
// R14 clock. A draft, or a deleted one, contributes nothing.
type CaseFacts struct {
	// Counted is true once the case has been submitted: it is an application.
	Counted  bool     `json:"counted,omitempty"`
	State    State    `json:"state,omitempty"`
	Category Category `json:"category,omitempty"`
	// Counties are the applicants' county numbers, sorted and without duplicates.
	Counties []string `json:"counties,omitempty"`
	// FirstSubmit is the time of the first submission (the case's SubmitTime moves with
	// each resubmission); Year is its year (Europe/Oslo).
	FirstSubmit time.Time `json:"firstSubmit,omitzero"`
	Year        int       `json:"year,omitempty"`
	// TrialYear is the year of approval, 0 for a case never approved: a trial is an
	// approved application.
	TrialYear int     `json:"trialYear,omitempty"`
	Outcome   Outcome `json:"outcome,omitempty"`
	// AnswerDue is the date KDD owes the applicant an answer by (R14), "" when none is
	// owed; AnswerYear the year the clock started; AnswerLate is set once the clock ran
	// past AnswerDue without an answer and was counted as late.
	AnswerDue  string `json:"answerDue,omitempty"`
	AnswerYear int    `json:"answerYear,omitempty"`
	AnswerLate bool   `json:"answerLate,omitempty"`
}

// Tally counts cases by state, category, county and year. A case with applicants in
// two counties counts in each.
type Tally struct {
	Total      int              `json:"total"`
	ByState    map[State]int    `json:"byState,omitempty"`
	ByCategory map[Category]int `json:"byCategory,omitempty"`
	ByCounty   map[string]int   `json:"byCounty,omitempty"`
	ByYear     map[int]int      `json:"byYear,omitempty"`
}

// bump adds n to m[k] and forgets k at zero, so that an aggregate's encoding depends
// only on its counts, not on the order in which cases came and went.
func bump[K comparable](m map[K]int, k K, n int) {
	m[k] += n
	if m[k] == 0 {
		delete(m, k)
	}
}

// AnswerTally counts R14's clocks that have run out: answered in time, or not.
type AnswerTally struct {
	OnTime int `json:"onTime"`
	Late   int `json:"late"`
}

// ConsultationTally counts one ministry's answers to consultations.
type ConsultationTally struct {
	Answered int `json:"answered"`
	// OnTime counts the answers given on or before the due date (Europe/Oslo).
	OnTime int `json:"onTime"`
}

// Statistics is the aggregate of every case. Its zero value is the aggregate of none.
type Statistics struct {
	// LastSequence is the last event observed.
	LastSequence uint64 `json:"lastSequence"`
	Applications Tally  `json:"applications"`
	Trials       Tally  `json:"trials"`
	// ProcessingDays holds, per year of decision, how many approvals and rejections took
	// each number of calendar days from the first submission.
	ProcessingDays map[int]map[int]int `json:"processingDays,omitempty"`
	// Answers holds R14's clocks per year the clock started.
	Answers map[int]*AnswerTally `json:"answers,omitempty"`
	// Consultations holds each ministry's answers, by ministry code.
	Consultations map[string]*ConsultationTally `json:"consultations,omitempty"`
	// Outcomes counts the closed cases by outcome.
	Outcomes map[Outcome]int `json:"outcomes,omitempty"`
}

// FactsOf returns what app contributes as it stands after event e, given what it
// contributed before (prev, nil for a new case), in the calendar loc. A deleted draft
// (state StateNone) contributes nothing.
func FactsOf(app *Application, prev *CaseFacts, e *Event, loc *time.Location) *CaseFacts {
	f := &CaseFacts{}
	if prev != nil {
		f.AnswerDue, f.AnswerYear, f.AnswerLate, f.FirstSubmit = prev.AnswerDue, prev.AnswerYear, prev.AnswerLate, prev.FirstSubmit
	}
	if app.State == StateNone || app.State == StateDraft || app.SubmitTime.IsZero() {
		return f
	}
	f.FirstSubmit = app.SubmitTime
	if prev != nil && !prev.FirstSubmit.IsZero() {
		f.FirstSubmit = prev.FirstSubmit
	}
	f.Counted, f.State, f.Category, f.Year = true, app.State, app.Category, f.FirstSubmit.In(loc).Year()
	var counties []string
	for _, a := range app.Applicants {
		counties = append(counties, a.County())
	}
	f.Counties = sortedSet(counties)
	if d := app.Decision; d != nil && d.Approved {
		f.TrialYear = d.DecideTime.In(loc).Year()
	}
	if c := app.Closure; c != nil && app.State == StateClosed {
		f.Outcome = c.Outcome
	}
	if app.AnswerDue != f.AnswerDue {
		// A new clock (a submission or resubmission) or a stopped one.
		f.AnswerDue, f.AnswerYear, f.AnswerLate = app.AnswerDue, e.Time.In(loc).Year(), false
		if app.AnswerDue == "" {
			f.AnswerYear = 0
		}
	}
	if f.AnswerDue != "" && app.HasFlag(FlagNeedsInterimReply) {
		f.AnswerLate = true
	}
	return f
}

// County returns the applicant's county number: a fylkeskommune's own, a kommune's the
// first two digits of its municipality number.
func (a Applicant) County() string {
	if a.CountyNumber != "" {
		return a.CountyNumber
	}
	if len(a.MunicipalityNumber) == 4 {
		return a.MunicipalityNumber[:2]
	}
	return ""
}

// answers are the actions that answer the applicant and stop R14's clock.
var answers = []Action{ActionRecordInterimReply, ActionRequestChanges, ActionApprove, ActionReject}

// Delta is what an event changes in the statistics: counter → amount. A counter's key
// names where it counts (Statistics.Apply): "applications/state/APPROVED",
// "trials/county/46", "processing/2026/14" (decisions in 2026 that took 14 days),
// "answers/2026/onTime", "consultations/KD/answered", "outcomes/DISCONTINUED". A store
// keeps the counters one key each, so an event touches a handful of small values
// instead of rewriting the aggregate.
type Delta map[string]int

func (d Delta) add(n int, parts ...string) {
	k := strings.Join(parts, "/")
	d[k] += n
	if d[k] == 0 {
		delete(d, k)
	}
}

// Observe folds event e into the statistics: the case's contribution changes from prev
// (nil for none) to next, and the event's own measures are counted. app is the case as
// the event leaves it and cons its consultations.
func (s *Statistics) Observe(e *Event, app *Application, cons []*Consultation, prev, next *CaseFacts, loc *time.Location) {
	s.LastSequence = max(s.LastSequence, e.Sequence)
	for k, n := range ObserveDelta(e, app, cons, prev, next, loc) {
		s.Apply(k, n)
	}
}

// ObserveDelta returns what event e changes in the statistics (Observe).
func ObserveDelta(e *Event, app *Application, cons []*Consultation, prev, next *CaseFacts, loc *time.Location) Delta {
	d := Delta{}
	if prev == nil {
		prev = &CaseFacts{}
	}
	d.count(prev, -1)
	d.count(next, 1)
	day := e.Time.In(loc)
	switch e.Action {
	case ActionApprove, ActionReject:
		if !next.FirstSubmit.IsZero() {
			d.add(1, "processing", strconv.Itoa(day.Year()), strconv.Itoa(CalendarDays(next.FirstSubmit.In(loc), day)))
		}
	case ActionRespondToConsultation:
		for _, c := range cons {
			if c.ID == e.ConsultationID && c.Response != nil {
				d.add(1, "consultations", c.Ministry, "answered")
				if FormatDate(c.Response.Time.In(loc)) <= c.DueDate {
					d.add(1, "consultations", c.Ministry, "onTime")
				}
			}
		}
	}
	// R14: a clock counts once, as late when it ran out unanswered (the scheduler's
	// flag) or as answered on time or late when KDD answered.
	year := strconv.Itoa(prev.AnswerYear)
	switch {
	case prev.AnswerDue != "" && !prev.AnswerLate && next.AnswerLate && next.AnswerDue == prev.AnswerDue:
		d.add(1, "answers", year, "late")
	case prev.AnswerDue != "" && !prev.AnswerLate && slices.Contains(answers, e.Action):
		if FormatDate(day) <= prev.AnswerDue {
			d.add(1, "answers", year, "onTime")
		} else {
			d.add(1, "answers", year, "late")
		}
	}
	return d
}

// count adds (n = 1) or removes (n = -1) a case's contribution.
func (d Delta) count(f *CaseFacts, n int) {
	if !f.Counted {
		return
	}
	tally := func(name string, year int) {
		d.add(n, name, "total")
		d.add(n, name, "state", string(f.State))
		if f.Category != "" {
			d.add(n, name, "category", string(f.Category))
		}
		for _, c := range f.Counties {
			d.add(n, name, "county", c)
		}
		d.add(n, name, "year", strconv.Itoa(year))
	}
	tally("applications", f.Year)
	if f.TrialYear != 0 {
		tally("trials", f.TrialYear)
	}
	if f.Outcome != "" {
		d.add(n, "outcomes", string(f.Outcome))
	}
}

// Apply adds n to the counter key (Delta). Keys it does not know are ignored, so that
// an older program reads a newer store's statistics.
func (s *Statistics) Apply(key string, n int) {
	p := strings.Split(key, "/")
	atoi := func(v string) int { i, _ := strconv.Atoi(v); return i }
	switch {
	case len(p) >= 2 && (p[0] == "applications" || p[0] == "trials"):
		t := &s.Applications
		if p[0] == "trials" {
			t = &s.Trials
		}
		if t.ByState == nil {
			t.ByState, t.ByCategory, t.ByCounty, t.ByYear = map[State]int{}, map[Category]int{}, map[string]int{}, map[int]int{}
		}
		switch {
		case p[1] == "total":
			t.Total += n
		case len(p) == 3 && p[1] == "state":
			bump(t.ByState, State(p[2]), n)
		case len(p) == 3 && p[1] == "category":
			bump(t.ByCategory, Category(p[2]), n)
		case len(p) == 3 && p[1] == "county":
			bump(t.ByCounty, p[2], n)
		case len(p) == 3 && p[1] == "year":
			bump(t.ByYear, atoi(p[2]), n)
		}
	case len(p) == 3 && p[0] == "processing":
		if s.ProcessingDays == nil {
			s.ProcessingDays = map[int]map[int]int{}
		}
		y := atoi(p[1])
		if s.ProcessingDays[y] == nil {
			s.ProcessingDays[y] = map[int]int{}
		}
		bump(s.ProcessingDays[y], atoi(p[2]), n)
	case len(p) == 3 && p[0] == "answers":
		if s.Answers == nil {
			s.Answers = map[int]*AnswerTally{}
		}
		y := atoi(p[1])
		if s.Answers[y] == nil {
			s.Answers[y] = &AnswerTally{}
		}
		if p[2] == "onTime" {
			s.Answers[y].OnTime += n
		} else {
			s.Answers[y].Late += n
		}
	case len(p) == 3 && p[0] == "consultations":
		if s.Consultations == nil {
			s.Consultations = map[string]*ConsultationTally{}
		}
		c := s.Consultations[p[1]]
		if c == nil {
			c = &ConsultationTally{}
			s.Consultations[p[1]] = c
		}
		if p[2] == "answered" {
			c.Answered += n
		} else {
			c.OnTime += n
		}
	case len(p) == 2 && p[0] == "outcomes":
		if s.Outcomes == nil {
			s.Outcomes = map[Outcome]int{}
		}
		bump(s.Outcomes, Outcome(p[1]), n)
	}
}

// CalendarDays returns the number of calendar days from the date of a to the date of
// b, each in its own location.
func CalendarDays(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of the values counted in hist
// (value → count) by the nearest-rank method, and false when hist is empty.
func Percentile(hist map[int]int, p int) (int, bool) {
	total := 0
	keys := make([]int, 0, len(hist))
	for k, n := range hist {
		total += n
		keys = append(keys, k)
	}
	if total == 0 {
		return 0, false
	}
	slices.Sort(keys)
	rank := (p*total + 99) / 100 // ceil(p/100 · total)
	seen := 0
	for _, k := range keys {
		seen += hist[k]
		if seen >= rank {
			return k, true
		}
	}
	return keys[len(keys)-1], true
}

// Report is the statistics as published: rows in a stable order, with the medians,
// 90th percentiles and shares worked out. The JSON API and the web pages both show it.
type Report struct {
	Applications    TallyReport
	Trials          TallyReport
	ProcessingTimes []ProcessingTime
	Answers         []AnswerShare
	Consultations   []MinistryConsultations
	Outcomes        []Count
}

// Count is one row of a breakdown: a key (a state, a category, a county number, a year
// or an outcome) and how many.
type Count struct {
	Key   string
	Count int
}

// TallyReport is a Tally as rows, each breakdown sorted by key.
type TallyReport struct {
	Total                                 int
	ByState, ByCategory, ByCounty, ByYear []Count
}

// ProcessingTime is one year's decisions: how many, and the median and 90th percentile
// of the calendar days from submission to decision.
type ProcessingTime struct {
	Year, Decisions, MedianDays, P90Days int
}

// AnswerShare is one year's R14 clocks: answered within the month, or not.
type AnswerShare struct {
	Year, OnTime, Late int
	// Percent is the share on time, rounded to a whole percent.
	Percent int
}

// MinistryConsultations is one ministry's answered consultations, and how many of them
// came by the due date.
type MinistryConsultations struct {
	Ministry         string
	Answered, OnTime int
	Percent          int
}

// Report returns the statistics as published.
func (s *Statistics) Report() Report {
	r := Report{Applications: s.Applications.report(), Trials: s.Trials.report(), Outcomes: rows(s.Outcomes, func(o Outcome) string { return string(o) })}
	for _, y := range sortedKeys(s.ProcessingDays) {
		h := s.ProcessingDays[y]
		if len(h) == 0 {
			continue
		}
		med, _ := Percentile(h, 50)
		p90, _ := Percentile(h, 90)
		n := 0
		for _, c := range h {
			n += c
		}
		r.ProcessingTimes = append(r.ProcessingTimes, ProcessingTime{Year: y, Decisions: n, MedianDays: med, P90Days: p90})
	}
	for _, y := range sortedKeys(s.Answers) {
		a := s.Answers[y]
		r.Answers = append(r.Answers, AnswerShare{Year: y, OnTime: a.OnTime, Late: a.Late, Percent: percent(a.OnTime, a.OnTime+a.Late)})
	}
	for _, m := range sortedKeys(s.Consultations) {
		c := s.Consultations[m]
		r.Consultations = append(r.Consultations, MinistryConsultations{Ministry: m, Answered: c.Answered, OnTime: c.OnTime, Percent: percent(c.OnTime, c.Answered)})
	}
	return r
}

func (t Tally) report() TallyReport {
	return TallyReport{
		Total:      t.Total,
		ByState:    stateRows(t.ByState),
		ByCategory: rows(t.ByCategory, func(c Category) string { return string(c) }),
		ByCounty:   rows(t.ByCounty, func(c string) string { return c }),
		ByYear:     rows(t.ByYear, func(y int) string { return itoa(y) }),
	}
}

// stateRows lists the states in workflow order rather than alphabetically.
func stateRows(m map[State]int) []Count {
	var out []Count
	for _, st := range States {
		if n := m[st]; n != 0 {
			out = append(out, Count{Key: string(st), Count: n})
		}
	}
	return out
}

func rows[K interface{ ~string | ~int }](m map[K]int, key func(K) string) []Count {
	var out []Count
	for _, k := range sortedKeys(m) {
		out = append(out, Count{Key: key(k), Count: m[k]})
	}
	return out
}

func sortedKeys[K interface{ ~string | ~int }, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// percent returns 100·n/total rounded to the nearest whole number, 0 when total is 0.
func percent(n, total int) int {
	if total == 0 {
		return 0
	}
	return (200*n + total) / (2 * total)
}

func itoa(n int) string { return strconv.Itoa(n) }

// StatisticsReplay rebuilds the statistics of a store written before they existed: the
// events in sequence order, each with its case as it stands now. The case's final
// contribution and each event's measures follow from that exactly (contributions of
// the states between cancel out); what the case does not keep of its past — the time
// of each submission and R14's clock — is rebuilt from the events as the service sets
// it.
type StatisticsReplay struct {
	Stats *Statistics
	// Counters is the same as Stats, as counters (Delta).
	Counters Delta
	Facts    map[string]*CaseFacts
	loc      *time.Location
	// past holds the replayed case's submission time, answer due date and late flag.
	past map[string]*Application
}

// NewStatisticsReplay starts a replay in the calendar loc.
func NewStatisticsReplay(loc *time.Location) *StatisticsReplay {
	return &StatisticsReplay{Stats: &Statistics{}, Counters: Delta{}, Facts: map[string]*CaseFacts{}, loc: loc, past: map[string]*Application{}}
}

// Event folds in e; app is its case now (nil for a deleted draft) and cons its
// consultations now.
func (r *StatisticsReplay) Event(e *Event, app *Application, cons []*Consultation) {
	if app == nil {
		r.Stats.LastSequence = max(r.Stats.LastSequence, e.Sequence)
		return
	}
	p := r.past[e.ApplicationID]
	if p == nil {
		p = &Application{}
		r.past[e.ApplicationID] = p
	}
	today := e.Time.In(r.loc)
	switch {
	case e.Action == ActionSubmit:
		p.SubmitTime, p.AnswerDue = e.Time, AnswerDue(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC))
		p.SetFlag(FlagNeedsInterimReply, false)
	case e.Action == ActionWithdraw || slices.Contains(answers, e.Action):
		p.AnswerDue = ""
		p.SetFlag(FlagNeedsInterimReply, false)
	case e.Action == NoticeInterimReplyOverdue:
		p.SetFlag(FlagNeedsInterimReply, true)
	}
	then := *app
	then.State, then.SubmitTime, then.AnswerDue, then.Flags = e.ToState, p.SubmitTime, p.AnswerDue, p.Flags
	prev := r.Facts[e.ApplicationID]
	next := FactsOf(&then, prev, e, r.loc)
	for k, n := range ObserveDelta(e, &then, cons, prev, next, r.loc) {
		r.Counters.add(n, k)
		r.Stats.Apply(k, n)
	}
	r.Stats.LastSequence = max(r.Stats.LastSequence, e.Sequence)
	r.Facts[e.ApplicationID] = next
}
