package noark

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// The namespaces of the package's files.
const (
	nsArkivstruktur = "http://www.arkivverket.no/standarder/noark5/arkivstruktur"
	nsEndringslogg  = "http://www.arkivverket.no/standarder/noark5/endringslogg"
	nsLoepende      = "http://www.arkivverket.no/standarder/noark5/loependeJournal"
	nsOffentlig     = "http://www.arkivverket.no/standarder/noark5/offentligJournal"
	nsADDML         = "http://www.arkivverket.no/standarder/addml"
	nsXSI           = "http://www.w3.org/2001/XMLSchema-instance"
)

// The archive's fixed units: one arkiv of one arkivdel, classified by one class.
const (
	arkivName       = "forsok/arkiv"
	arkivdelName    = "forsok/arkiv/arkivdel"
	klassSystemName = "forsok/arkiv/arkivdel/klassifikasjonssystem"
	klasseName      = "forsok/arkiv/arkivdel/klassifikasjonssystem/klasse/forsoksloven"
	klasseID        = "forsoksloven"
	administrativ   = "KDD"
)

// caseYearSeq splits "2026/42" into saksår and sakssekvensnummer.
func caseYearSeq(caseNumber string) (year, seq int) {
	y, s, _ := strings.Cut(caseNumber, "/")
	year, _ = strconv.Atoi(y)
	seq, _ = strconv.Atoi(s)
	return year, seq
}

// counts are the record counts arkivuttrekk.xml states for arkivstruktur.xml.
type counts struct {
	mapper, registreringer, dokumentbeskrivelser, dokumentobjekter int
}

// docFile is a document's copy in DOKUMENT/.
type docFile struct {
	path string // relative to Root: "DOKUMENT/2026-000042/1.pdf"
	doc  *trial.Document
}

// docPath is where a document's bytes go in the package.
func docPath(d *trial.Document) string {
	_, ext := format(d.ContentType)
	return "DOKUMENT/" + d.ApplicationID + "/" + d.ID + "." + ext
}

// period returns the first case's creation and the last case's end.
func period(cases []*exportCase) (start, end time.Time) {
	for i, c := range cases {
		closed := caseEnd(c)
		if i == 0 || c.app.CreateTime.Before(start) {
			start = c.app.CreateTime
		}
		if closed.After(end) {
			end = closed
		}
	}
	return start, end
}

// caseEnd is the time of the case's last event (its end, or a letter or a screening
// after it): the end of the archive period.
func caseEnd(c *exportCase) time.Time {
	if n := len(c.events); n > 0 {
		return c.events[n-1].Time
	}
	return c.app.UpdateTime
}

// closing returns when and by whom the case ended: the event that moved it into its
// terminal state.
func closing(c *exportCase) (time.Time, string) {
	for i := len(c.events) - 1; i >= 0; i-- {
		if ev := c.events[i]; ev.ToState.Terminal() && ev.FromState != ev.ToState {
			return ev.Time, actorName(ev.Actor)
		}
	}
	return c.app.UpdateTime, administrativ
}

// arkivstruktur writes arkivstruktur.xml: arkiv → arkivdel → klassifikasjonssystem →
// klasse → saksmappe → journalpost → dokumentbeskrivelse → dokumentobjekt, each
// element in its XSD's order.
func arkivstruktur(cases []*exportCase, o Options) ([]byte, counts, []docFile) {
	var n counts
	var files []docFile
	start, end := period(cases)
	w := newXML()
	w.open("arkiv", "xmlns", nsArkivstruktur, "xmlns:xsi", nsXSI,
		"xsi:schemaLocation", nsArkivstruktur+" arkivstruktur.xsd")
	w.el("systemID", SystemID(arkivName))
	w.el("tittel", "Forsøk etter forsøksloven")
	w.el("beskrivelse", "Søknader om forsøk etter lov om forsøk i offentlig forvaltning (forsøksloven), behandlet i forsok")
	w.el("arkivstatus", arkivstatusAvsluttet)
	w.el("dokumentmedium", "Elektronisk arkiv")
	w.el("opprettetDato", dateTime(start))
	w.el("opprettetAv", administrativ)
	w.el("avsluttetDato", dateTime(end))
	w.el("avsluttetAv", administrativ)
	w.open("arkivskaper")
	w.el("arkivskaperID", o.CreatorID)
	w.el("arkivskaperNavn", o.CreatorName)
	w.close("arkivskaper")

	w.open("arkivdel")
	w.el("systemID", SystemID(arkivdelName))
	w.el("tittel", "Forsøkssaker")
	w.el("arkivdelstatus", arkivdelstatusAvsluttet)
	w.el("dokumentmedium", "Elektronisk arkiv")
	w.el("opprettetDato", dateTime(start))
	w.el("opprettetAv", administrativ)
	w.el("avsluttetDato", dateTime(end))
	w.el("avsluttetAv", administrativ)
	w.el("arkivperiodeStartDato", date(start, o.Location))
	w.el("arkivperiodeSluttDato", date(end, o.Location))

	w.open("klassifikasjonssystem")
	w.el("systemID", SystemID(klassSystemName))
	w.el("klassifikasjonstype", klassifikasjonstype)
	w.el("tittel", "Forsøk etter forsøksloven")
	w.el("opprettetDato", dateTime(start))
	w.el("opprettetAv", administrativ)
	w.open("klasse")
	w.el("systemID", SystemID(klasseName))
	w.el("klasseID", klasseID)
	w.el("tittel", "Forsøk i offentlig forvaltning")
	w.el("opprettetDato", dateTime(start))
	w.el("opprettetAv", administrativ)
	for _, c := range cases {
		files = append(files, saksmappe(w, c, o, &n)...)
	}
	w.close("klasse")
	w.close("klassifikasjonssystem")
	w.close("arkivdel")
	w.close("arkiv")
	return w.b.Bytes(), n, files
}

// saksmappe writes one case as <mappe xsi:type="saksmappe">.
func saksmappe(w *xmlw, c *exportCase, o Options, n *counts) []docFile {
	app := c.app
	n.mapper++
	year, seq := caseYearSeq(app.CaseNumber)
	w.open("mappe", "xsi:type", "saksmappe")
	w.el("systemID", SystemID(trial.ApplicationName(app.ID)))
	w.el("mappeID", app.CaseNumber)
	w.el("tittel", caseTitle(app))
	w.opt("beskrivelse", app.Summary)
	w.el("opprettetDato", dateTime(app.CreateTime))
	w.el("opprettetAv", applicantName(app))
	closed, closer := closing(c)
	w.el("avsluttetDato", dateTime(closed))
	w.el("avsluttetAv", closer)
	for _, a := range app.Applicants {
		w.open("part")
		w.el("partID", a.OrganisationNumber)
		w.el("partNavn", cmp.Or(a.Name, a.OrganisationNumber))
		w.el("partRolle", "Søker")
		w.close("part")
	}
	var files []docFile
	for i, e := range c.entries {
		files = append(files, journalpost(w, c, e, i+1, o, n)...)
	}
	w.int("saksaar", int64(year))
	w.int("sakssekvensnummer", int64(seq))
	saksdato := app.SubmitTime
	if saksdato.IsZero() {
		saksdato = app.CreateTime
	}
	w.el("saksdato", date(saksdato, o.Location))
	w.el("administrativEnhet", administrativ)
	w.el("saksansvarlig", saksansvarlig(app))
	w.el("saksstatus", saksstatusAvsluttet)
	w.close("mappe")
	return files
}

func caseTitle(app *trial.Application) string {
	if strings.TrimSpace(app.Title) != "" {
		return app.Title
	}
	return "Søknad om forsøk " + app.CaseNumber
}

func applicantName(app *trial.Application) string {
	if l := app.Lead(); l != nil && l.Name != "" {
		return l.Name
	}
	return administrativ
}

func saksansvarlig(app *trial.Application) string {
	if h := app.AssignedHandler; h != nil {
		for _, s := range []string{h.Name, h.Subject} {
			if s != "" {
				return s
			}
		}
	}
	return administrativ
}

// journalpost writes one journal entry as <registrering xsi:type="journalpost">, its
// number within the case nr.
func journalpost(w *xmlw, c *exportCase, e *trial.JournalEntry, nr int, o Options, n *counts) []docFile {
	n.registreringer++
	year, seq, _ := trial.JournalYearSequence(e.ID)
	w.open("registrering", "xsi:type", "journalpost")
	w.el("systemID", SystemID(trial.JournalEntryName(e.ID)))
	w.el("opprettetDato", dateTime(e.CreateTime))
	w.el("opprettetAv", actorName(e.Creator))
	// Archived when the case ended, or when journaled if that was later (a letter
	// after the decision).
	archived, by := closing(c)
	if e.CreateTime.After(archived) {
		archived, by = e.CreateTime, actorName(e.Creator)
	}
	w.el("arkivertDato", dateTime(archived))
	w.el("arkivertAv", by)
	if e.Screening != nil {
		skjerming(w, e.Screening)
	}
	var files []docFile
	for i, id := range e.DocumentIDs {
		d := c.docs[id]
		if d == nil {
			continue
		}
		n.dokumentbeskrivelser++
		n.dokumentobjekter++
		f := docFile{path: docPath(d), doc: d}
		files = append(files, f)
		dokumentbeskrivelse(w, d, e, i+1, f.path)
	}
	w.el("registreringsID", e.ID)
	w.el("tittel", e.Title)
	if e.PublicTitle != "" && e.PublicTitle != e.Title {
		w.el("offentligTittel", e.PublicTitle)
	}
	for _, k := range korrespondanseparter(e) {
		w.open("korrespondansepart")
		w.el("korrespondanseparttype", k.typ)
		w.el("korrespondansepartNavn", k.name)
		w.close("korrespondansepart")
	}
	w.int("journalaar", int64(year))
	w.int("journalsekvensnummer", int64(seq))
	w.int("journalpostnummer", int64(nr))
	w.el("journalposttype", journalposttype(e.Type))
	w.el("journalstatus", journalstatusArkivert)
	w.el("journaldato", e.JournalDate)
	w.opt("dokumentetsDato", e.DocumentDate)
	if e.Screening != nil {
		w.el("offentlighetsvurdertDato", date(e.Screening.Time, o.Location))
	}
	if len(e.DocumentIDs) > 1 {
		w.int("antallVedlegg", int64(len(e.DocumentIDs)-1))
	}
	w.el("journalenhet", administrativ)
	w.close("registrering")
	return files
}

// party is a korrespondansepart: its Noark type and name.
type party struct{ typ, name string }

// korrespondanseparter returns the entry's correspondents; an internal note's author is
// its «Intern avsender», since the journal reports require one.
func korrespondanseparter(e *trial.JournalEntry) []party {
	var out []party
	for _, k := range e.Correspondents {
		name := k.Name
		if name == "" {
			name = k.OrganisationNumber
		}
		out = append(out, party{korrespondanseparttype(k.Role), name})
	}
	if len(out) == 0 {
		name := administrativ // the public journal shows no creator
		if c := e.Creator; c.Name != "" || c.Subject != "" || c.OrganisationNumber != "" {
			name = actorName(c)
		}
		out = append(out, party{internalSender, name})
	}
	return out
}

func skjerming(w *xmlw, s *trial.Screening) {
	w.open("skjerming")
	w.el("tilgangsrestriksjon", tilgangsrestriksjon(s.LegalBasis))
	w.el("skjermingshjemmel", s.LegalBasis)
	for _, f := range s.Fields {
		if m := screenedFields[f]; m != "" {
			w.el("skjermingMetadata", m)
		}
	}
	if s.Screened("documents") {
		w.el("skjermingDokument", "Hele dokumentet")
	}
	w.close("skjerming")
}

func dokumentbeskrivelse(w *xmlw, d *trial.Document, e *trial.JournalEntry, nr int, path string) {
	w.open("dokumentbeskrivelse")
	w.el("systemID", SystemID(trial.DocumentName(d.ApplicationID, d.ID)))
	w.el("dokumenttype", dokumenttype(d.Kind))
	w.el("dokumentstatus", dokumentstatusFerdig)
	w.el("tittel", d.Title)
	w.el("opprettetDato", dateTime(d.CreateTime))
	w.el("opprettetAv", actorName(d.Creator))
	if nr == 1 {
		w.el("tilknyttetRegistreringSom", tilknyttetHoveddokument)
	} else {
		w.el("tilknyttetRegistreringSom", tilknyttetVedlegg)
	}
	w.int("dokumentnummer", int64(nr))
	w.el("tilknyttetDato", dateTime(e.CreateTime))
	w.el("tilknyttetAv", actorName(e.Creator))
	if d.Screening != nil {
		skjerming(w, d.Screening)
	}
	fmtName, _ := format(d.ContentType)
	w.open("dokumentobjekt")
	w.el("systemID", SystemID(trial.DocumentName(d.ApplicationID, d.ID)+"/versions/1/Arkivformat"))
	w.int("versjonsnummer", 1)
	w.el("variantformat", variantArkivformat)
	w.el("format", fmtName)
	w.el("formatDetaljer", d.ContentType)
	w.el("opprettetDato", dateTime(d.CreateTime))
	w.el("opprettetAv", actorName(d.Creator))
	w.el("referanseDokumentfil", path)
	w.el("sjekksum", d.SHA256)
	w.el("sjekksumAlgoritme", sjekksumSHA256)
	w.int("filstoerrelse", d.SizeBytes)
	w.close("dokumentobjekt")
	w.close("dokumentbeskrivelse")
}
