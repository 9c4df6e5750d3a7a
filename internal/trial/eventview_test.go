package trial

import (
	"slices"
	"testing"
)

// TestEventFor judges every action's event, and the scheduler's notices, for every
// party of a case consulted with two ministries: a ministry never sees the other's
// consultation; the applicants and KDD see every event whole.
func TestEventFor(t *testing.T) {
	cons := []*Consultation{{ID: "1", Ministry: "KD"}, {ID: "2", Ministry: "HOD"}}
	person := Actor{Subject: "p-1", Name: "Per Person", OrganisationNumber: "999990134", Role: RoleMinistry, Ministry: "KD"}
	kd := Actor{Role: RoleMinistry, Ministry: "KD", OrganisationNumber: "999990134"}
	hod := Actor{Role: RoleMinistry, Ministry: "HOD", OrganisationNumber: "983887457"}
	lead := Actor{Role: RoleMunicipality, OrganisationNumber: "940931002"}
	kdd := Actor{Role: RoleKDDHandler, Subject: "h", OrganisationNumber: "972417858"}
	sys := Actor{Role: RoleSystem}

	var events []*Event
	for _, a := range Actions() {
		events = append(events, &Event{Action: a, Actor: person})
	}
	// Every action again as an event about KD's consultation, and the notices.
	for _, a := range append(Actions(), Action(NoticeConsultationDueSoon), Action(NoticeConsultationOverdue)) {
		events = append(events, &Event{Action: a, Actor: person, ConsultationID: "1", Changes: []string{"consultations/1.state"}})
	}
	withdraw := &Event{Action: ActionWithdraw, Actor: person, Changes: []string{"withdrawal_reason", "consultations/1.state", "consultations/2.state"}}
	events = append(events, withdraw)

	for _, e := range events {
		before := *e
		for _, tc := range []struct {
			name   string
			actor  Actor
			see    bool
			person bool     // the acting person is shown
			change []string // the changes shown
		}{
			{"kdd", kdd, true, true, e.Changes},
			{"system", sys, true, true, e.Changes},
			{"consulted ministry", kd, true, true, without(e.Changes, "consultations/2.state")},
			{"other ministry", hod, e.ConsultationID == "", true, without(e.Changes, "consultations/1.state")},
			{"applicant", lead, true, true, e.Changes},
		} {
			got, ok := EventFor(tc.actor, e, cons)
			if ok != tc.see {
				t.Errorf("%s, event %s (consultation %q): got visible %v, want %v", tc.name, e.Action, e.ConsultationID, ok, tc.see)
				continue
			}
			if !ok {
				continue
			}
			if shown := got.Actor.Name != ""; shown != tc.person {
				t.Errorf("%s, event %s (consultation %q): got person shown %v, want %v", tc.name, e.Action, e.ConsultationID, shown, tc.person)
			}
			if !slices.Equal(got.Changes, tc.change) {
				t.Errorf("%s, event %s: got changes %v, want %v", tc.name, e.Action, got.Changes, tc.change)
			}
		}
		if e.Actor != before.Actor || !slices.Equal(e.Changes, before.Changes) {
			t.Errorf("event %s was changed: got %+v, want %+v", e.Action, e, before)
		}
	}

	audience := []Party{PartyKDD, OrganisationParty(lead.OrganisationNumber), MinistryParty("KD"), MinistryParty("HOD")}
	got := EventAudience(audience, &Event{Action: ActionRespondToConsultation, ConsultationID: "1"}, cons)
	if want := []Party{PartyKDD, OrganisationParty(lead.OrganisationNumber), MinistryParty("KD")}; !slices.Equal(got, want) {
		t.Errorf("audience of KD's consultation event: got %v, want %v", got, want)
	}
}

func without(list []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == drop })
}
