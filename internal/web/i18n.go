package web

import (
	"strings"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// Lang is a page's language: Norwegian bokmål by default, English with ?lang=en.
type Lang string

// The languages of the pages.
const (
	Bokmal  Lang = "nb"
	English Lang = "en"
)

// langOf returns the language a request asks for.
func langOf(q string) Lang {
	if q == "en" {
		return English
	}
	return Bokmal
}

// text is one phrase in both languages.
type text struct{ nb, en string }

func (t text) in(l Lang) string {
	if l == English {
		return t.en
	}
	return t.nb
}

// phrases are the pages' fixed texts, by key.
var phrases = map[string]text{
	"site":                     {"Forsøk i offentlig forvaltning", "Trials in public administration"},
	"skip":                     {"Hopp til hovedinnhold", "Skip to main content"},
	"nav":                      {"Hovedmeny", "Main menu"},
	"nav.register":             {"Forsøksregisteret", "Register of trials"},
	"nav.journal":              {"Postjournal", "Public journal"},
	"nav.statistics":           {"Statistikk", "Statistics"},
	"nav.a11y":                 {"Tilgjengelighetserklæring", "Accessibility statement"},
	"nav.feed":                 {"Nyhetsstrøm for vedtak (Atom)", "Feed of decisions (Atom)"},
	"other.lang":               {"English", "Norsk (bokmål)"},
	"footer":                   {"Kommunal- og distriktsdepartementet forvalter forsøksloven (LOV-1992-06-26-87). Sidene viser det samme som det offentlige registeret i API-et.", "The Ministry of Local Government and Regional Development administers the Experimental Act (LOV-1992-06-26-87). These pages show exactly what the API's public register shows."},
	"register.title":           {"Forsøksregisteret", "Register of trials"},
	"register.intro":           {"Godkjente, pågående og avsluttede forsøk etter forsøksloven.", "Approved, running and closed trials under the Experimental Act."},
	"filter":                   {"Finn forsøk", "Find trials"},
	"filter.q":                 {"Søk i titler", "Search in titles"},
	"filter.q.hint":            {"Hele ord, for eksempel «karakter».", "Whole words, for example «karakter»."},
	"filter.state":             {"Status", "Status"},
	"filter.category":          {"Kategori (forsøksloven § 3)", "Category (Experimental Act § 3)"},
	"filter.county":            {"Fylke", "County"},
	"filter.muni":              {"Kommunenummer", "Municipality number"},
	"filter.muni.hint":         {"Fire siffer, for eksempel 3118.", "Four digits, for example 3118."},
	"filter.law":               {"Lov eller forskrift (Lovdata-id)", "Law or regulation (Lovdata id)"},
	"filter.law.hint":          {"For eksempel LOV-2023-06-09-30.", "For example LOV-2023-06-09-30."},
	"filter.year":              {"År søknaden ble opprettet", "Year the application was made"},
	"filter.any":               {"Alle", "All"},
	"filter.submit":            {"Vis forsøk", "Show trials"},
	"filter.reset":             {"Nullstill", "Clear"},
	"results":                  {"Forsøk", "Trials"},
	"results.none":             {"Ingen forsøk passer søket.", "No trial matches the search."},
	"results.caption":          {"Forsøk som passer søket, side %d", "Trials matching the search, page %d"},
	"col.case":                 {"Saksnummer", "Case number"},
	"col.title":                {"Tittel", "Title"},
	"col.applicants":           {"Søkere", "Applicants"},
	"col.category":             {"Kategori", "Category"},
	"col.state":                {"Status", "Status"},
	"col.period":               {"Forsøksperiode", "Trial period"},
	"pages":                    {"Sider", "Pages"},
	"page.first":               {"Første side", "First page"},
	"page.next":                {"Neste side", "Next page"},
	"error.title":              {"Søket kunne ikke utføres", "The search could not be run"},
	"trial.summary":            {"Sammendrag", "Summary"},
	"trial.facts":              {"Opplysninger", "Facts"},
	"trial.applicants":         {"Søkere", "Applicants"},
	"trial.purposes":           {"Formål (forsøksloven § 1)", "Purposes (Experimental Act § 1)"},
	"trial.exemptions":         {"Unntak fra lov og forskrift", "Exemptions from law and regulation"},
	"trial.exemptions.caption": {"Regler forsøket gjør unntak fra", "Rules the trial departs from"},
	"col.law":                  {"Lov/forskrift", "Law/regulation"},
	"col.section":              {"Paragraf", "Section"},
	"col.current":              {"Gjeldende regel", "Current rule"},
	"col.proposed":             {"Regel i forsøket", "Rule in the trial"},
	"col.ministry":             {"Ansvarlig departement", "Responsible ministry"},
	"trial.decision":           {"Vedtak", "Decision"},
	"trial.period":             {"Godkjent forsøksperiode", "Approved trial period"},
	"trial.regulation":         {"Forskrift", "Regulation"},
	"trial.publication":        {"Kunngjort", "Published"},
	"trial.notyet":             {"Ikke kunngjort ennå", "Not yet published"},
	"trial.reasons":            {"Begrunnelse", "Reasons"},
	"trial.authority":          {"Hjemmel", "Authority"},
	"trial.decided":            {"Vedtatt", "Decided"},
	"trial.extensions":         {"Forlengelser", "Extensions"},
	"trial.termination":        {"Avsluttet før tiden", "Ended early"},
	"trial.repealing":          {"Opphevet ved", "Repealed by"},
	"trial.outcome":            {"Resultat", "Outcome"},
	"trial.documents":          {"Dokumenter", "Documents"},
	"trial.documents.none":     {"Ingen offentlige dokumenter.", "No public documents."},
	"trial.timeline":           {"Tidslinje", "Timeline"},
	"trial.state":              {"Status", "Status"},
	"trial.casenumber":         {"Saksnummer", "Case number"},
	"trial.category":           {"Kategori", "Category"},
	"trial.back":               {"Tilbake til forsøksregisteret", "Back to the register of trials"},
	"trial.lead":               {"hovedsøker", "lead applicant"},
	"notfound.title":           {"Fant ikke siden", "Page not found"},
	"notfound.text":            {"Forsøket finnes ikke, eller det er ikke offentlig.", "The trial does not exist, or it is not public."},
	"journal.title":            {"Postjournal", "Public journal"},
	"stats.title":              {"Statistikk", "Statistics"},
	"stats.intro":              {"Tall for hele forsøksordningen, oppdatert ved hver hendelse. Ingen tall knyttes til én sak.", "Figures for the whole scheme, updated with every event. No figure is tied to one case."},
	"stats.csv":                {"Last ned alle tallene som CSV", "Download every figure as CSV"},
	"stats.apps":               {"Søknader", "Applications"},
	"stats.trials":             {"Forsøk", "Trials"},
	"stats.total":              {"I alt", "Total"},
	"stats.bystate":            {"etter status", "by status"},
	"stats.bycategory":         {"etter kategori", "by category"},
	"stats.bycounty":           {"etter fylke", "by county"},
	"stats.byyear":             {"etter år", "by year"},
	"stats.processing":         {"Saksbehandlingstid", "Processing time"},
	"stats.processing.intro":   {"Kalenderdager fra søknaden ble sendt inn til vedtak, per vedtaksår.", "Calendar days from submission to decision, per year of decision."},
	"stats.answers":            {"Svar innen én måned (R14)", "Answered within one month (R14)"},
	"stats.answers.intro":      {"Andel søkere som fikk svar, foreløpig svar eller spørsmål om endringer innen én kalendermåned, per år søknaden ble sendt inn.", "Share of applicants who got an answer, an interim reply or a request for changes within one calendar month, per year of submission."},
	"stats.consult":            {"Høringssvar innen fristen", "Consultations answered by the due date"},
	"stats.consult.intro":      {"Per departement, over alle saker: besvarte høringer og andelen besvart innen fristen. Tallene sier ikke hvilke saker et departement er spurt i.", "Per ministry, over all cases: consultations answered and the share answered by the due date. They do not say on which cases a ministry was consulted."},
	"stats.outcomes":           {"Resultat av avsluttede forsøk", "Outcomes of closed trials"},
	"stats.none":               {"Ingen tall ennå.", "No figures yet."},
	"col.value":                {"Verdi", "Value"},
	"col.count":                {"Antall", "Count"},
	"col.year":                 {"År", "Year"},
	"col.decisions":            {"Vedtak", "Decisions"},
	"col.median":               {"Median (dager)", "Median (days)"},
	"col.p90":                  {"90. persentil (dager)", "90th percentile (days)"},
	"col.ontime":               {"I tide", "On time"},
	"col.late":                 {"For sent", "Late"},
	"col.share":                {"Andel i tide", "Share on time"},
	"col.answered":             {"Besvart", "Answered"},
	"col.ministry.code":        {"Departement", "Ministry"},
	"a11y.title":               {"Tilgjengelighetserklæring", "Accessibility statement"},
}

// enumTexts are the labels of the domain's enum values.
var enumTexts = map[string]text{
	string(trial.StateApproved):                            {"Godkjent", "Approved"},
	string(trial.StateActive):                              {"Pågår", "Running"},
	string(trial.StateExtensionRequested):                  {"Pågår, forlengelse søkt", "Running, extension requested"},
	string(trial.StateEvaluating):                          {"Evalueres", "Being evaluated"},
	string(trial.StateClosed):                              {"Avsluttet", "Closed"},
	string(trial.StateSubmitted):                           {"Sendt inn", "Submitted"},
	string(trial.StateInReview):                            {"Under behandling", "In review"},
	string(trial.StateChangesRequested):                    {"Endringer etterspurt", "Changes requested"},
	string(trial.StateInConsultation):                      {"På høring", "In consultation"},
	string(trial.StateReadyForDecision):                    {"Klar for vedtak", "Ready for decision"},
	string(trial.StateRejected):                            {"Avslått", "Rejected"},
	string(trial.StateWithdrawn):                           {"Trukket", "Withdrawn"},
	string(trial.CategoryOrganisation):                     {"Organisering (§ 3 a)", "Organisation (§ 3 a)"},
	string(trial.CategoryTaskDivision):                     {"Oppgavefordeling (§ 3 b)", "Division of tasks (§ 3 b)"},
	string(trial.CategoryStateControl):                     {"Statlig kontroll (§ 3 c)", "State control (§ 3 c)"},
	string(trial.CategoryUnitaryCounty):                    {"Enhetsfylke (§ 3 d)", "Unitary county (§ 3 d)"},
	string(trial.PurposeEfficientOrganisation):             {"Effektiv organisering og drift", "Efficient organisation and operation"},
	string(trial.PurposeTaskAllocation):                    {"Hensiktsmessig oppgavefordeling", "Sensible division of tasks"},
	string(trial.PurposeServiceQuality):                    {"Bedre tjenester", "Better services"},
	string(trial.PurposeResourceUse):                       {"Bedre ressursbruk", "Better use of resources"},
	string(trial.PurposeDemocraticGovernance):              {"Demokratisk styring", "Democratic governance"},
	string(trial.OutcomeMadePermanent):                     {"Gjort permanent", "Made permanent"},
	string(trial.OutcomeLawChangeProposed):                 {"Lovendring foreslått", "Law change proposed"},
	string(trial.OutcomeDiscontinued):                      {"Avviklet", "Discontinued"},
	"MILESTONE_" + string(trial.MilestoneSubmitted):        {"Søknad sendt inn", "Application submitted"},
	"MILESTONE_" + string(trial.MilestoneExtensionGranted): {"Forlengelse innvilget", "Extension granted"},
	"MILESTONE_" + string(trial.MilestoneTerminated):       {"Avsluttet før tiden", "Ended early"},
	"MILESTONE_" + string(trial.MilestoneApproved):         {"Forsøket godkjent", "Trial approved"},
	"MILESTONE_" + string(trial.MilestoneClosed):           {"Saken avsluttet", "Case closed"},
}

// counties are the county numbers in force from 2024 and their names (domain.md).
var counties = []struct{ Number, Name string }{
	{"03", "Oslo"}, {"11", "Rogaland"}, {"15", "Møre og Romsdal"}, {"18", "Nordland"},
	{"31", "Østfold"}, {"32", "Akershus"}, {"33", "Buskerud"}, {"34", "Innlandet"},
	{"39", "Vestfold"}, {"40", "Telemark"}, {"42", "Agder"}, {"46", "Vestland"},
	{"50", "Trøndelag"}, {"55", "Troms"}, {"56", "Finnmark"},
}

func countyName(number string) string {
	for _, c := range counties {
		if c.Number == number {
			return c.Name
		}
	}
	return number
}

// label returns the label of an enum value, or the value itself when it has none.
func label(l Lang, v string) string {
	if t, ok := enumTexts[v]; ok {
		return t.in(l)
	}
	return v
}

// milestoneLabel returns a timeline step's label.
func milestoneLabel(l Lang, k trial.MilestoneKind) string {
	if t, ok := enumTexts["MILESTONE_"+string(k)]; ok {
		return t.in(l)
	}
	return label(l, string(k))
}

var monthsNB = []string{"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"}

// longDate writes a date as people read it: "1. august 2026", "1 August 2026".
func longDate(l Lang, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l == English {
		return t.Format("2 January 2006")
	}
	return strings.Join([]string{t.Format("2."), monthsNB[t.Month()-1], t.Format("2006")}, " ")
}
