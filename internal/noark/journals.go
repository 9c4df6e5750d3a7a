package noark

import (
	"strings"

	"github.com/forsok/forsok/internal/trial"
)

// endringslogg writes endringslogg.xml from the cases' histories: one endring per
// event, on the case's saksmappe. A change of state is a change of the case's status
// (referanseMetadata «saksstatus», the states as values); another action names what it
// changed. It returns the file and the number of endring.
func endringslogg(cases []*exportCase) ([]byte, int) {
	w := newXML()
	w.open("endringslogg", "xmlns", nsEndringslogg, "xmlns:xsi", nsXSI,
		"xsi:schemaLocation", nsEndringslogg+" endringslogg.xsd")
	n := 0
	for _, c := range cases {
		ref := SystemID(trial.ApplicationName(c.app.ID))
		for _, ev := range c.events {
			n++
			metadata, before, after := "saksstatus", string(ev.FromState), string(ev.ToState)
			if ev.FromState == ev.ToState || ev.FromState == "" {
				metadata = "forsok:" + string(ev.Action)
				if len(ev.Changes) > 0 {
					metadata += " (" + strings.Join(ev.Changes, ", ") + ")"
				}
				before = string(ev.FromState)
				after = string(ev.Action)
				if ev.Comment != "" {
					after += ": " + ev.Comment
				}
			}
			if before == "" {
				before = "(ny)"
			}
			if after == "" {
				after = string(ev.Action)
			}
			w.open("endring")
			w.el("referanseArkivenhet", ref)
			w.el("referanseMetadata", metadata)
			w.el("endretDato", dateTime(ev.Time))
			w.el("endretAv", actorName(ev.Actor))
			w.el("tidligereVerdi", before)
			w.el("nyVerdi", after)
			w.close("endring")
		}
	}
	w.close("endringslogg")
	return w.b.Bytes(), n
}

// journal is one of the two journal reports: the running journal (loependeJournal,
// everything) or the public journal (offentligJournal, as offentleglova lets the public
// see it: trial.PublicJournalEntry).
type journal struct {
	root, ns string
	public   bool
}

var (
	loependeJournal  = journal{root: "loependeJournal", ns: nsLoepende}
	offentligJournal = journal{root: "offentligJournal", ns: nsOffentlig, public: true}
)

// entries returns the journal's entries, each with its case, as the journal shows them.
func (j journal) entries(cases []*exportCase) (apps []*trial.Application, shown []*trial.JournalEntry) {
	for _, c := range cases {
		for _, e := range c.entries {
			if j.public {
				if !trial.InPublicJournal(e, c.app) {
					continue
				}
				var docs []*trial.Document
				for _, id := range e.DocumentIDs {
					if d := c.docs[id]; d != nil {
						docs = append(docs, d)
					}
				}
				e = trial.PublicJournalEntry(e, docs)
			}
			apps = append(apps, c.app)
			shown = append(shown, e)
		}
	}
	return apps, shown
}

// write writes the journal for the cases, or returns nil when it has no entry (the
// schema requires one journalregistrering, so an empty journal is left out of the
// package). It returns the number of journalregistrering.
func (j journal) write(cases []*exportCase, o Options) ([]byte, int) {
	apps, entries := j.entries(cases)
	if len(entries) == 0 {
		return nil, 0
	}
	first, last := entries[0].JournalDate, entries[0].JournalDate
	for _, e := range entries {
		first, last = min(first, e.JournalDate), max(last, e.JournalDate)
	}
	w := newXML()
	w.open(j.root, "xmlns", j.ns, "xmlns:xsi", nsXSI, "xsi:schemaLocation", j.ns+" "+j.root+".xsd")
	w.open("journalhode")
	w.el("journalStartDato", first)
	w.el("journalSluttDato", last)
	w.el("seleksjon", "Journalposter i avsluttede forsøkssaker")
	w.int("antallJournalposter", int64(len(entries)))
	w.open("arkivskaper")
	w.el("arkivskaperID", o.CreatorID)
	w.el("arkivskaperNavn", o.CreatorName)
	w.close("arkivskaper")
	w.close("journalhode")
	nr := map[string]int{}
	for i, e := range entries {
		app := apps[i]
		nr[app.ID]++
		w.open("journalregistrering")
		w.open("klasse")
		w.el("klasseID", klasseID)
		w.el("tittel", "Forsøk i offentlig forvaltning")
		w.close("klasse")
		j.saksmappe(w, app)
		j.journalpost(w, e, nr[app.ID])
		w.close("journalregistrering")
	}
	w.close(j.root)
	return w.b.Bytes(), len(entries)
}

func (j journal) saksmappe(w *xmlw, app *trial.Application) {
	year, seq := caseYearSeq(app.CaseNumber)
	w.open("saksmappe")
	w.el("mappeID", app.CaseNumber)
	w.int("saksaar", int64(year))
	w.int("sakssekvensnummer", int64(seq))
	if !j.public {
		w.el("tittel", caseTitle(app))
	}
	// A case outside the public register (rejected, withdrawn) keeps its title out of
	// the public journal as the register does.
	if !j.public || app.State.Public() {
		w.el("offentligTittel", caseTitle(app))
	}
	w.el("administrativEnhet", administrativ)
	w.el("saksansvarlig", saksansvarlig(app))
	w.close("saksmappe")
}

func (j journal) journalpost(w *xmlw, e *trial.JournalEntry, nr int) {
	year, seq, _ := trial.JournalYearSequence(e.ID)
	w.open("journalpost")
	w.el("systemID", SystemID(trial.JournalEntryName(e.ID)))
	w.el("registreringsID", e.ID)
	w.int("journalaar", int64(year))
	w.int("journalsekvensnummer", int64(seq))
	w.int("journalpostnummer", int64(nr))
	if !j.public {
		w.el("tittel", e.Title)
	}
	w.el("offentligTittel", e.PublicTitle)
	if !j.public && e.Screening != nil {
		if s := e.Screening; len(s.Fields) > 0 {
			w.el("skjermingMetadata", screenedFields[s.Fields[0]])
		}
	}
	w.el("journaldato", e.JournalDate)
	w.opt("dokumentetsDato", e.DocumentDate)
	if !j.public && len(e.DocumentIDs) > 1 {
		w.int("antallVedlegg", int64(len(e.DocumentIDs)-1))
	}
	w.el("administrativEnhet", administrativ)
	if !j.public {
		w.el("journalenhet", administrativ)
	}
	if s := e.Screening; s != nil {
		w.el("tilgangsrestriksjon", tilgangsrestriksjon(s.LegalBasis))
		w.el("skjermingshjemmel", s.LegalBasis)
	}
	for _, k := range korrespondanseparter(e) {
		w.open("korrespondansepart")
		w.el("korrespondanseparttype", k.typ)
		w.el("korrespondansepartNavn", k.name)
		w.close("korrespondansepart")
	}
	w.close("journalpost")
}
