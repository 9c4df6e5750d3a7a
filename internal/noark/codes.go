package noark

import (
	"crypto/sha1"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/forsok/forsok/internal/trial"
)

// namespace is the UUIDv5 namespace of forsok's systemIDs: the UUIDv5 of
// "https://github.com/forsok/forsok/noark" in the URL namespace (RFC 9562), fixed here
// so that the ids never change.
var namespace = uuid5([16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8},
	"https://github.com/forsok/forsok/noark")

// uuid5 returns the name-based (SHA-1) UUID of name in ns.
func uuid5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

// SystemID returns the systemID of the archive unit named name (a forsok resource name
// such as "applications/2026-000042"): a UUIDv5, so that the same store exports the
// same ids every time and a golden file can pin them.
func SystemID(name string) string {
	u := uuid5(namespace, name)
	s := hex.EncodeToString(u[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// The code values, in Noark's words (Noark 5 v5.0 metadatakatalog), never its letters.
const (
	arkivstatusAvsluttet    = "Avsluttet"
	arkivdelstatusAvsluttet = "Avsluttet periode"
	saksstatusAvsluttet     = "Avsluttet"
	journalstatusArkivert   = "Arkivert"
	dokumentstatusFerdig    = "Dokumentet er ferdigstilt"
	tilknyttetHoveddokument = "Hoveddokument"
	tilknyttetVedlegg       = "Vedlegg"
	variantArkivformat      = "Arkivformat"
	sjekksumSHA256          = "SHA256"
	klassifikasjonstype     = "Egendefinert"
)

// journalposttype maps the API's type to Noark's journalposttype.
func journalposttype(t trial.JournalEntryType) string {
	switch t {
	case trial.JournalIncoming:
		return "Inngående dokument"
	case trial.JournalOutgoing:
		return "Utgående dokument"
	case trial.JournalInternalFollowUp:
		return "Organinternt dokument for oppfølging"
	default:
		return "Organinternt dokument uten oppfølging"
	}
}

// korrespondanseparttype maps a correspondent's role to Noark's korrespondanseparttype.
func korrespondanseparttype(role string) string {
	if role == trial.CorrespondentRecipient {
		return "Mottaker"
	}
	return "Avsender"
}

// internalSender is the korrespondanseparttype of the author of an internal note, which
// has no outside correspondent; loependeJournal requires one korrespondansepart.
const internalSender = "Intern avsender"

// dokumenttype maps a document kind to Noark's dokumenttype: «Brev» from the code list
// for letters, forsok's own words (which Noark allows) for the rest.
func dokumenttype(k trial.DocumentKind) string {
	switch k {
	case trial.DocDecisionLetter, trial.DocCorrespondence:
		return "Brev"
	case trial.DocCouncilDecision:
		return "Kommunestyrevedtak"
	case trial.DocDraftRegulation:
		return "Forskriftsutkast"
	case trial.DocRegulation:
		return "Forskrift"
	case trial.DocStatement:
		return "Uttalelse"
	case trial.DocEvaluationReport:
		return "Evalueringsrapport"
	default:
		return "Annet"
	}
}

// format names a document's file format as Noark's format does, and the file name
// extension its copy in DOKUMENT/ gets.
func format(contentType string) (name, ext string) {
	ct, _, _ := strings.Cut(contentType, ";")
	switch strings.TrimSpace(ct) {
	case "application/pdf":
		return "PDF", "pdf"
	case "application/vnd.oasis.opendocument.text":
		return "ODT", "odt"
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return "DOCX", "docx"
	case "image/png":
		return "PNG", "png"
	case "image/jpeg":
		return "JPEG", "jpg"
	case "text/plain":
		return "TEKST", "txt"
	case "application/xml", "text/xml":
		return "XML", "xml"
	}
	return "Ukjent", "bin"
}

// screenedFields maps forsok's screenable fields to the Noark metadata they withhold
// (skjermingMetadata).
var screenedFields = map[string]string{"title": "tittel", "correspondents": "korrespondansepart", "documents": "dokumentbeskrivelse"}

var paragraph = regexp.MustCompile(`§\s*(\d+[a-z]?)`)

// tilgangsrestriksjon is Noark's access restriction code for a legal basis in
// offentleglova: the paragraph's number ("13" for "offl. § 13 …"), or "UO" (unntatt
// offentlighet) when the basis names none.
func tilgangsrestriksjon(legalBasis string) string {
	if m := paragraph.FindStringSubmatch(legalBasis); m != nil {
		return m[1]
	}
	return "UO"
}

// actorName is who did something, as an archive names them: the person, else the
// subject, else the organisation, else the role.
func actorName(a trial.Actor) string {
	for _, s := range []string{a.Name, a.Subject, a.OrganisationNumber, a.Ministry} {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return trial.RoleName(a.Role)
}
