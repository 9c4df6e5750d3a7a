package trial

import (
	"slices"
	"strings"
)

// The event feed: every event in sequence order, as far as the caller may see it,
// replayed from a cursor and then followed live.
//
// Who sees an event is decided once, when it is written, by the same rule that decides
// who sees the case (ViewOf, the whole case): its audience is the parties who may see
// the case as the event leaves it, KDD for a case that is no longer a draft, each
// applicant, and each ministry consulted on it. The audience is stored with the event
// (Tx.IndexEvent) and never changes, so the events a caller sees up to a sequence
// number are the same whenever it asks: a watcher that resumes from the last sequence
// it received gets exactly what it would have got without the break. The history of a
// case (ListApplicationEvents) is the whole history for whoever sees the case now;
// the feed is what happened while each party could see it. Webhook subscriptions match
// the same audience (subscription.go).

// Party is who sees events and owns subscriptions: an organisation with its role.
// Its string form is the store's key.
type Party string

// PartyKDD is KDD, whose handlers and approvers see every case that is not a draft.
const PartyKDD Party = "kdd"

// OrganisationParty is a municipality (kommune or fylkeskommune) by its organisation
// number.
func OrganisationParty(organisationNumber string) Party {
	return Party("org/" + organisationNumber)
}

// MinistryParty is a sector ministry by its code.
func MinistryParty(code string) Party { return Party("ministry/" + code) }

// PartyOf returns the party the actor acts for; false for a caller who is none
// (anonymous, an operator, the scheduler).
func PartyOf(actor Actor) (Party, bool) {
	switch {
	case actor.Role.KDD():
		return PartyKDD, true
	case actor.Role == RoleMunicipality && actor.OrganisationNumber != "":
		return OrganisationParty(actor.OrganisationNumber), true
	case actor.Role == RoleMinistry && actor.Ministry != "":
		return MinistryParty(actor.Ministry), true
	}
	return "", false
}

// partyActor is a caller of the party, for ViewOf.
func partyActor(p Party) Actor {
	switch {
	case p == PartyKDD:
		return Actor{Role: RoleKDDHandler}
	case strings.HasPrefix(string(p), "org/"):
		return Actor{Role: RoleMunicipality, OrganisationNumber: strings.TrimPrefix(string(p), "org/")}
	case strings.HasPrefix(string(p), "ministry/"):
		return Actor{Role: RoleMinistry, Ministry: strings.TrimPrefix(string(p), "ministry/")}
	}
	return Actor{}
}

// Audience returns the parties who see the whole case app, with its consultations: the
// audience of an event that leaves the case so. For a deleted draft (state StateNone)
// pass the case as it stood before.
func Audience(app *Application, cons []*Consultation) []Party {
	candidates := []Party{PartyKDD}
	for _, a := range app.Applicants {
		if a.OrganisationNumber != "" {
			candidates = append(candidates, OrganisationParty(a.OrganisationNumber))
		}
	}
	for _, c := range cons {
		candidates = append(candidates, MinistryParty(c.Ministry))
	}
	var out []Party
	for _, p := range candidates {
		if !slices.Contains(out, p) && ViewOf(partyActor(p), app, cons) == ViewFull {
			out = append(out, p)
		}
	}
	return out
}
