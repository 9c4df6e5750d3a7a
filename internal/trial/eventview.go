package trial

import (
	"slices"
	"strings"
)

// What each party sees of an event. Seeing a case whole (ViewFull) is not seeing all of
// its history: a ministry sees only its own consultations. Every event is judged by the
// same rules, whatever its action, so an event type added later is covered too:
//
//   - an event about a consultation (ConsultationID set: opened, answered, cancelled,
//     due soon, overdue) is seen only by a party that may see that consultation — KDD
//     and the applicants, and of the ministries only the one asked;
//   - the changes an event lists name a consultation ("consultations/3.state") only for
//     a party that may see it: a withdrawal that cancels every open consultation shows
//     a ministry its own.
//
// What a consultation event says is for every party that sees it: the question (the
// applicants see it, ApplicantConsultationView), "KD answered" but never the position
// or the statement, and the cancellation's reason. The acting person is the case's
// record, as in every other event the applicants read: the party's right of access to
// its own case (forvaltningsloven § 18). So an applicant's history is the whole chain,
// and verifies (forsokd verify) like KDD's; a ministry's leaves out the other
// ministries' consultations.

// EventFor returns e as actor may see it, and false when it may not see e at all. The
// actor sees the case whole; cons are the case's consultations. e itself is not
// changed: a redacted event is a copy.
func EventFor(actor Actor, e *Event, cons []*Consultation) (*Event, bool) {
	return eventForParty(actorParty(actor), e, cons)
}

// actorParty is the audience an actor belongs to, for EventFor: KDD (and the
// scheduler) see everything.
func actorParty(a Actor) Actor {
	if a.Role == RoleSystem {
		return Actor{Role: RoleKDDHandler}
	}
	return a
}

func eventForParty(actor Actor, e *Event, cons []*Consultation) (*Event, bool) {
	ministryOf := func(id string) (string, bool) {
		for _, c := range cons {
			if c.ID == id {
				return c.Ministry, true
			}
		}
		return "", false
	}
	mayAsk := func(id string) bool {
		if actor.Role != RoleMinistry || id == "" {
			return true
		}
		m, ok := ministryOf(id)
		return ok && m == actor.Ministry
	}
	if e.ConsultationID != "" && !mayAsk(e.ConsultationID) {
		return nil, false
	}
	v := e
	if slices.ContainsFunc(e.Changes, func(ch string) bool { return !mayAsk(changedConsultation(ch)) }) {
		c := *e
		v = &c
		v.Changes = slices.DeleteFunc(slices.Clone(e.Changes), func(ch string) bool { return !mayAsk(changedConsultation(ch)) })
	}
	return v, true
}

// changedConsultation returns the consultation id a change names
// ("consultations/3.state" → "3"), "" for a change of the case itself.
func changedConsultation(change string) string {
	rest, ok := strings.CutPrefix(change, "consultations/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ".")
	return id
}

// EventForParty is EventFor for a party (a feed's or a subscription's owner).
func EventForParty(p Party, e *Event, cons []*Consultation) (*Event, bool) {
	return eventForParty(partyActor(p), e, cons)
}

// EventAudience returns the parties of audience (Audience of the case as e leaves it)
// who may see e: a consultation's event is not for the other ministries.
func EventAudience(audience []Party, e *Event, cons []*Consultation) []Party {
	if e.ConsultationID == "" {
		return audience
	}
	var out []Party
	for _, p := range audience {
		if _, ok := eventForParty(partyActor(p), e, cons); ok {
			out = append(out, p)
		}
	}
	return out
}
