package trial

import (
	"slices"
	"time"
)

// MilestoneKind is a step in a trial's public timeline.
type MilestoneKind string

// The milestones of the public timeline.
const (
	MilestoneSubmitted        MilestoneKind = "SUBMITTED"
	MilestoneApproved         MilestoneKind = "APPROVED"
	MilestoneExtensionGranted MilestoneKind = "EXTENSION_GRANTED"
	MilestoneTerminated       MilestoneKind = "TERMINATED"
	MilestoneClosed           MilestoneKind = "CLOSED"
)

// Milestone is one dated step of a trial's public timeline.
type Milestone struct {
	Kind MilestoneKind
	Time time.Time
	// Detail is the step's public text: the decision's or closure's reasons.
	Detail string
	// End is the approved or extended period's last day, for approvals and extensions.
	End string
	// Decision reports whether the step is one of KDD's decisions (the Atom feed's
	// entries).
	Decision bool
}

// PublicTimeline returns the dated steps of a case, oldest first, taken from its public
// view (PublicView) and nothing else: the timeline can show no more than the public
// register does. Steps that leave no date in the public fields (the regulation's
// publication, the start of the trial) are shown by the page from the fields themselves.
func PublicTimeline(app *Application) []Milestone {
	p := PublicView(app)
	var out []Milestone
	if !p.SubmitTime.IsZero() {
		out = append(out, Milestone{Kind: MilestoneSubmitted, Time: p.SubmitTime})
	}
	if d := p.Decision; d != nil && d.Approved {
		out = append(out, Milestone{Kind: MilestoneApproved, Time: d.DecideTime, Detail: d.Reasons, End: d.ApprovedEnd, Decision: true})
	}
	for _, e := range p.Extensions {
		out = append(out, Milestone{Kind: MilestoneExtensionGranted, Time: e.DecideTime, Detail: e.Reasons, End: e.ApprovedEnd, Decision: true})
	}
	if t := p.Termination; t != nil {
		out = append(out, Milestone{Kind: MilestoneTerminated, Time: t.Time, Detail: t.Reasons, Decision: true})
	}
	if c := p.Closure; c != nil {
		out = append(out, Milestone{Kind: MilestoneClosed, Time: c.Time, Detail: c.Reasons, Decision: true})
	}
	slices.SortStableFunc(out, func(a, b Milestone) int { return a.Time.Compare(b.Time) })
	return out
}
