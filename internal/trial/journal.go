package trial

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The journal (journalpost, R21): every document received or sent in a case is entered
// in it, in the same write as the document (arkivforskrifta § 10), and offentleglova
// makes it public except where KDD screens a part with a legal basis.

// JournalEntryType is Noark's journalposttype, as the API names it.
type JournalEntryType string

// The journal entry types.
const (
	JournalIncoming           JournalEntryType = "INCOMING"
	JournalOutgoing           JournalEntryType = "OUTGOING"
	JournalInternalFollowUp   JournalEntryType = "INTERNAL_FOLLOW_UP"
	JournalInternalNoFollowUp JournalEntryType = "INTERNAL_NO_FOLLOW_UP"
)

// The correspondent roles, and what the public journal shows for a screened value.
const (
	CorrespondentSender    = "SENDER"
	CorrespondentRecipient = "RECIPIENT"
	ScreenedValue          = "*****"
)

// The parts of a journal entry that can be screened.
const (
	screenFieldTitle          = "title"
	screenFieldCorrespondents = "correspondents"
	screenFieldDocuments      = "documents"
)

// ScreenableFields are the parts of a journal entry KDD may withhold.
var ScreenableFields = []string{screenFieldTitle, screenFieldCorrespondents, screenFieldDocuments}

// Correspondent is a sender or recipient of a journaled document (korrespondansepart).
type Correspondent struct {
	Name               string `json:"name"`
	OrganisationNumber string `json:"organisationNumber,omitempty"`
	// Role is CorrespondentSender or CorrespondentRecipient.
	Role string `json:"role"`
}

// JournalEntry is one entry of the journal.
type JournalEntry struct {
	// ID is the journal year and sequence, "2026-000017".
	ID   string           `json:"id"`
	Type JournalEntryType `json:"type"`
	// JournalDate is the day it was journaled, DocumentDate the day written on the
	// document (ISO dates, Europe/Oslo).
	JournalDate    string          `json:"journalDate"`
	DocumentDate   string          `json:"documentDate"`
	Title          string          `json:"title"`
	PublicTitle    string          `json:"publicTitle"`
	Correspondents []Correspondent `json:"correspondents,omitempty"`
	ApplicationID  string          `json:"applicationId"`
	CaseNumber     string          `json:"caseNumber,omitempty"`
	DocumentIDs    []string        `json:"documentIds"`
	Screening      *Screening      `json:"screening,omitempty"`
	// Statement marks the entry of a ministry's statement, which the public journal
	// leaves out (R22: which ministries were consulted is not public).
	Statement  bool      `json:"statement,omitempty"`
	Creator    Actor     `json:"creator"`
	CreateTime time.Time `json:"createTime"`
}

// JournalEntryName returns "journalEntries/{id}".
func JournalEntryName(id string) string { return "journalEntries/" + id }

// ParseJournalEntryName returns the id in "journalEntries/{id}".
func ParseJournalEntryName(name, field string) (string, error) {
	id, ok := strings.CutPrefix(name, "journalEntries/")
	if !ok || !validApplicationID(id) {
		return "", Invalid([]Violation{{Field: field, Reason: "INVALID_NAME",
			Description: fmt.Sprintf("%q is not a journal entry name; want journalEntries/{id} such as journalEntries/2026-000017", name)}})
	}
	return id, nil
}

// FormatJournalEntryID returns "2026-000017".
func FormatJournalEntryID(year int, seq uint64) string {
	return fmt.Sprintf("%04d-%06d", year, seq)
}

// JournalYearSequence splits an entry id into its year and sequence (journalår,
// journalsekvensnummer).
func JournalYearSequence(id string) (year int, seq int, ok bool) {
	y, s, found := strings.Cut(id, "-")
	year, err1 := strconv.Atoi(y)
	seq, err2 := strconv.Atoi(s)
	return year, seq, found && err1 == nil && err2 == nil
}

// NewJournalEntry builds the entry for a document actor attaches to app: a document
// from an applicant or a ministry is received by KDD (INCOMING, the uploader its
// sender); KDD's letters and regulations go out to the applicants (OUTGOING); anything
// else of KDD's is an internal note. ministryName names a ministry uploader.
func NewJournalEntry(id string, actor Actor, app *Application, d *Document, in DocumentInput, journalDate string, ministryName string, now time.Time) *JournalEntry {
	e := &JournalEntry{
		ID: id, JournalDate: journalDate, DocumentDate: in.DocumentDate, Title: in.Title, PublicTitle: in.PublicTitle,
		ApplicationID: app.ID, CaseNumber: app.CaseNumber, DocumentIDs: []string{d.ID},
		Statement: d.Kind == DocStatement, Creator: actor, CreateTime: now,
	}
	if e.DocumentDate == "" {
		e.DocumentDate = journalDate
	}
	if strings.TrimSpace(e.PublicTitle) == "" {
		e.PublicTitle = in.Title
	}
	switch {
	case actor.Role == RoleMunicipality:
		e.Type = JournalIncoming
		name := actor.OrganisationNumber
		if a := app.Applicant(actor.OrganisationNumber); a != nil {
			name = a.Name
		}
		e.Correspondents = []Correspondent{{Name: name, OrganisationNumber: actor.OrganisationNumber, Role: CorrespondentSender}}
	case actor.Role == RoleMinistry:
		e.Type = JournalIncoming
		if ministryName == "" {
			ministryName = actor.Ministry
		}
		e.Correspondents = []Correspondent{{Name: ministryName, OrganisationNumber: actor.OrganisationNumber, Role: CorrespondentSender}}
	case d.Kind == DocDecisionLetter || d.Kind == DocRegulation || d.Kind == DocCorrespondence:
		e.Type = JournalOutgoing
		for _, a := range app.Applicants {
			e.Correspondents = append(e.Correspondents, Correspondent{Name: a.Name, OrganisationNumber: a.OrganisationNumber, Role: CorrespondentRecipient})
		}
	default:
		e.Type = JournalInternalNoFollowUp
	}
	return e
}

// MayScreen reports whether the actor screens the journal: KDD only (R21).
func MayScreen(actor Actor) error {
	if !actor.Role.KDD() {
		return Errorf(CodePermissionDenied, "%s may not screen the journal: KDD screens (R21)", RoleName(actor.Role))
	}
	return nil
}

// ScreenInput is KDD's screening of a journal entry.
type ScreenInput struct {
	LegalBasis string
	Fields     []string
	// PublicTitle replaces the public title when the title is screened; "*****" when
	// empty.
	PublicTitle string
}

// Validate checks the screening (INVALID_ARGUMENT): R21 screens only with a legal basis
// in offentleglova, and only the parts that can be screened.
func (in ScreenInput) Validate() []Violation {
	var vs []Violation
	basis := strings.TrimSpace(in.LegalBasis)
	if lower := strings.ToLower(basis); !strings.HasPrefix(lower, "offl.") && !strings.HasPrefix(lower, "offentleglova") {
		vs = append(vs, Violation{Rule: RuleR21, Field: "legal_basis", Reason: "LEGAL_BASIS_REQUIRED",
			Description: fmt.Sprintf("screening needs a legal basis in offentleglova, cited as \"offl. § 13 jf. fvl. § 13 første ledd nr. 1\"; got %q", in.LegalBasis)})
	}
	if len(in.Fields) == 0 {
		vs = append(vs, Violation{Field: "fields", Reason: "REQUIRED", Description: "name what is screened: " + strings.Join(ScreenableFields, ", ")})
	}
	for i, f := range in.Fields {
		if !slices.Contains(ScreenableFields, f) {
			vs = append(vs, Violation{Field: fmt.Sprintf("fields[%d]", i), Reason: "INVALID_FIELD",
				Description: fmt.Sprintf("%q cannot be screened; screen %s", f, strings.Join(ScreenableFields, ", "))})
		}
	}
	return vs
}

// Screen applies the screening to the entry and its documents.
func (e *JournalEntry) Screen(in ScreenInput, by Person, now time.Time, docs []*Document) {
	s := &Screening{LegalBasis: strings.TrimSpace(in.LegalBasis), Fields: slices.Clone(in.Fields), Screener: by, Time: now}
	slices.Sort(s.Fields)
	s.Fields = slices.Compact(s.Fields)
	e.Screening = s
	if s.Screened(screenFieldTitle) {
		e.PublicTitle = in.PublicTitle
		if strings.TrimSpace(e.PublicTitle) == "" || e.PublicTitle == e.Title {
			e.PublicTitle = ScreenedValue
		}
	}
	for _, d := range docs {
		if s.Screened(screenFieldDocuments) {
			d.Screening = s
		}
	}
}

// InPublicJournal reports whether the entry appears in the public journal at all: the
// case was received (not a draft) and the entry is not a ministry's statement (R22).
func InPublicJournal(e *JournalEntry, app *Application) bool {
	return app != nil && app.State != StateDraft && app.State != StateNone && !e.Statement
}

// PublicJournalEntry returns what the public journal shows of an entry (offentleglova):
// the public title in place of the title, screened correspondents as "*****", screened
// documents and any the public may not see absent, no creator. docs are the entry's
// documents.
func PublicJournalEntry(e *JournalEntry, docs []*Document) *JournalEntry {
	v := *e
	v.Title = e.PublicTitle
	v.Creator = Actor{}
	v.Correspondents = nil
	for _, c := range e.Correspondents {
		if e.Screening.Screened(screenFieldCorrespondents) {
			c = Correspondent{Name: ScreenedValue, OrganisationNumber: ScreenedValue, Role: c.Role}
		}
		v.Correspondents = append(v.Correspondents, c)
	}
	v.DocumentIDs = nil
	if !e.Screening.Screened(screenFieldDocuments) {
		for _, d := range docs {
			if d.Screening == nil && d.Kind != DocStatement {
				v.DocumentIDs = append(v.DocumentIDs, d.ID)
			}
		}
	}
	if v.Screening != nil {
		s := *v.Screening
		s.Screener = Person{}
		v.Screening = &s
	}
	return &v
}
