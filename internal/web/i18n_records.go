package web

import (
	"maps"

	"github.com/forsok/forsok/internal/trial"
)

// The texts of the journal and the calls' pages, merged into the pages' phrases.
func init() {
	maps.Copy(phrases, map[string]text{
		"nav.calls":            {"Utlysninger", "Calls for applications"},
		"journal.caption":      {"Journalposter etter journaldato", "Journal entries by journal date"},
		"journal.none":         {"Ingen journalposter.", "No journal entries."},
		"journal.restart":      {"Lenken til denne siden var utløpt; journalen vises fra begynnelsen.", "The link to this page had expired; the journal is shown from the start."},
		"col.journaldate":      {"Journaldato", "Journal date"},
		"col.journalid":        {"Journalnummer", "Entry number"},
		"col.type":             {"Type", "Type"},
		"col.doctitle":         {"Dokument", "Document"},
		"col.correspondents":   {"Avsender / mottaker", "Sender / recipient"},
		"col.case":             {"Saksnummer", "Case number"},
		"calls.title":          {"Utlysninger", "Calls for applications"},
		"calls.intro":          {"Kommunal- og distriktsdepartementet inviterer kommuner og fylkeskommuner til å søke om forsøk innenfor temaene i en utlysning. Først sendes en foreløpig søknad innen den foreløpige fristen; de som blir valgt ut, sender en endelig søknad innen den endelige fristen.", "The Ministry of Local Government and Regional Development invites municipalities and county authorities to apply for trials within a call's themes. A preliminary application comes first, by the preliminary deadline; those selected send a final application by the final deadline."},
		"calls.caption":        {"Publiserte utlysninger", "Published calls"},
		"calls.none":           {"Ingen utlysninger er publisert.", "No calls have been published."},
		"calls.back":           {"Alle utlysninger", "All calls"},
		"call.facts":           {"Om utlysningen", "About the call"},
		"call.description":     {"Beskrivelse", "Description"},
		"call.themes":          {"Temaer", "Themes"},
		"call.eligible":        {"Hvem kan søke", "Who may apply"},
		"call.preliminary":     {"Frist for foreløpig søknad", "Deadline for preliminary applications"},
		"call.final":           {"Frist for endelig søknad", "Deadline for final applications"},
		"call.published":       {"Publisert", "Published"},
		"call.closed":          {"Avsluttet", "Closed"},
		"call.stats":           {"Søknader i utlysningen", "Applications in the call"},
		"call.stats.caption":   {"Antall søknader etter hvor de står", "Number of applications by where they stand"},
		"call.stats.received":  {"Foreløpige søknader mottatt", "Preliminary applications received"},
		"call.stats.selected":  {"Valgt ut", "Selected"},
		"call.stats.notsel":    {"Ikke valgt ut", "Not selected"},
		"call.stats.withdrawn": {"Trukket", "Withdrawn"},
		"call.stats.final":     {"Endelige søknader sendt", "Final applications submitted"},
		"call.stats.approved":  {"Godkjent", "Approved"},
		"call.stats.counties":  {"Søknader etter fylke", "Applications by county"},
		"call.stats.themes":    {"Søknader etter tema", "Applications by theme"},
		"kind.KOMMUNE":         {"kommuner", "municipalities"},
		"kind.FYLKESKOMMUNE":   {"fylkeskommuner", "county authorities"},
		"col.count":            {"Antall", "Number"},
		"col.county":           {"Fylke", "County"},
		"col.theme":            {"Tema", "Theme"},
		"col.figure":           {"Tall", "Figure"},
		"col.title":            {"Tittel", "Title"},
		"col.state":            {"Status", "State"},
		"col.deadline":         {"Foreløpig frist", "Preliminary deadline"},
	})
	maps.Copy(enumTexts, map[string]text{
		string(trial.JournalIncoming):           {"Inngående", "Incoming"},
		string(trial.JournalOutgoing):           {"Utgående", "Outgoing"},
		string(trial.JournalInternalFollowUp):   {"Internt notat med oppfølging", "Internal note, followed up"},
		string(trial.JournalInternalNoFollowUp): {"Internt notat uten oppfølging", "Internal note, no follow-up"},
		trial.CorrespondentSender:               {"avsender", "sender"},
		trial.CorrespondentRecipient:            {"mottaker", "recipient"},
		string(trial.CallOpen):                  {"Åpen for søknader", "Open for applications"},
		string(trial.CallAssessment):            {"Under vurdering", "Being assessed"},
		// CLOSED is the trial state's text already: "Avsluttet", "Closed".
	})
}
