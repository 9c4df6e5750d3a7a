package trial

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Documents on a case and who may attach, see and fetch them (issue 12, R21, R22).
// The bytes are the store's business; the domain knows a document by its metadata, its
// SHA-256 and its scan state.

// DocumentKind is what a document is in the case's paperwork.
type DocumentKind string

// The document kinds (api.md, Documents). The values equal the proto enum value names.
const (
	DocCouncilDecision  DocumentKind = "COUNCIL_DECISION"
	DocDraftRegulation  DocumentKind = "DRAFT_REGULATION"
	DocRegulation       DocumentKind = "REGULATION"
	DocStatement        DocumentKind = "STATEMENT"
	DocDecisionLetter   DocumentKind = "DECISION_LETTER"
	DocEvaluationReport DocumentKind = "EVALUATION_REPORT"
	DocCorrespondence   DocumentKind = "CORRESPONDENCE"
	DocOther            DocumentKind = "OTHER"
)

// DocumentKinds lists every kind in the proto's order.
var DocumentKinds = []DocumentKind{DocCouncilDecision, DocDraftRegulation, DocRegulation, DocStatement,
	DocDecisionLetter, DocEvaluationReport, DocCorrespondence, DocOther}

// ScanState is where a document stands with the virus scanner.
type ScanState string

// The scan states. A document is PENDING until a scanner found it clean; an INFECTED
// upload is refused, so INFECTED is never stored, but it is the scanner's answer.
const (
	ScanPending  ScanState = "PENDING"
	ScanClean    ScanState = "CLEAN"
	ScanInfected ScanState = "INFECTED"
)

// ActionUploadDocument attaches a document to a case; ActionScreenJournalEntry screens
// a journal entry. Neither moves the case: they are not transitions of the state machine
// but are known to ListAllowedActions.
const (
	ActionUploadDocument     Action = "uploadDocument"
	ActionScreenJournalEntry Action = "screenJournalEntry"
)

// Screening withholds parts of a journal entry and its documents from the public under
// offentleglova (R21).
type Screening struct {
	// LegalBasis cites offentleglova: "offl. § 13 jf. fvl. § 13 første ledd nr. 1".
	LegalBasis string `json:"legalBasis"`
	// Fields are what is withheld: "title", "correspondents", "documents".
	Fields   []string  `json:"fields,omitempty"`
	Screener Person    `json:"screener"`
	Time     time.Time `json:"time"`
}

// Screened reports whether the field is withheld.
func (s *Screening) Screened(field string) bool {
	return s != nil && slices.Contains(s.Fields, field)
}

// Document is a file on a case.
type Document struct {
	ApplicationID string       `json:"applicationId"`
	ID            string       `json:"id"`
	Title         string       `json:"title"`
	Kind          DocumentKind `json:"kind"`
	Filename      string       `json:"filename"`
	// ContentType is the media type sniffed from the bytes, never the one claimed.
	ContentType string `json:"contentType"`
	SizeBytes   int64  `json:"sizeBytes"`
	// SHA256 is the lowercase hex SHA-256 of the content; the document's event carries
	// it, so the case's hash chain covers the file.
	SHA256    string    `json:"sha256"`
	ScanState ScanState `json:"scanState"`
	// Public marks a document the uploader offers to the public register; it is shown
	// there only when it is also not screened and clean (PublicDocument).
	Public    bool       `json:"public"`
	Screening *Screening `json:"screening,omitempty"`
	// JournalEntryID is the journal entry it was recorded under, "2026-000017".
	JournalEntryID string `json:"journalEntryId"`
	// ConsultationID is the consultation a ministry's statement answers, else "".
	ConsultationID string    `json:"consultationId,omitempty"`
	Creator        Actor     `json:"creator"`
	CreateTime     time.Time `json:"createTime"`
	// Chunks are the keys of the stored content's chunks, in order (the store's
	// content addressing; never shown).
	Chunks []string `json:"chunks"`
}

// DocumentName returns the resource name "applications/{id}/documents/{doc}".
func DocumentName(appID, docID string) string {
	return ApplicationName(appID) + "/documents/" + docID
}

// ParseDocumentName returns the ids in "applications/{id}/documents/{doc}".
func ParseDocumentName(name, field string) (appID, docID string, err error) {
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != "applications" || parts[2] != "documents" ||
		!validApplicationID(parts[1]) || !allDigits(parts[3]) {
		return "", "", Invalid([]Violation{{Field: field, Reason: "INVALID_NAME",
			Description: fmt.Sprintf("%q is not a document name; want applications/{id}/documents/{document}", name)}})
	}
	return parts[1], parts[3], nil
}

// DocumentChange is how a document's event names it and its content's hash, so that
// the case's hash chain covers the bytes: "documents/3@sha256:<hex>".
func DocumentChange(docID, sha256 string) string {
	return "documents/" + docID + "@sha256:" + sha256
}

// ParseDocumentChange is DocumentChange's inverse; false for another change.
func ParseDocumentChange(change string) (docID, sha256 string, ok bool) {
	rest, ok := strings.CutPrefix(change, "documents/")
	if !ok {
		return "", "", false
	}
	docID, sha256, ok = strings.Cut(rest, "@sha256:")
	return docID, sha256, ok && docID != "" && len(sha256) == 64
}

// DocumentInput is what an uploader says about a document; the bytes come separately.
type DocumentInput struct {
	Title          string
	Kind           DocumentKind
	Filename       string
	Public         bool
	PublicTitle    string
	ConsultationID string
	// DocumentDate is the date written on the document (ISO); the journal date when
	// empty.
	DocumentDate string
}

// Validate checks the fields (INVALID_ARGUMENT).
func (in DocumentInput) Validate() []Violation {
	var vs []Violation
	if strings.TrimSpace(in.Title) == "" {
		vs = append(vs, Violation{Field: "document.title", Reason: "REQUIRED", Description: "a document needs a title (it is journaled, R21)"})
	} else if utf8.RuneCountInString(in.Title) > 500 {
		vs = append(vs, Violation{Field: "document.title", Reason: "TOO_LONG", Description: "the title has more than 500 characters"})
	}
	if !slices.Contains(DocumentKinds, in.Kind) {
		vs = append(vs, Violation{Field: "document.kind", Reason: "INVALID_KIND",
			Description: fmt.Sprintf("kind %q is not one of %s", in.Kind, joinKinds(DocumentKinds))})
	}
	switch f := in.Filename; {
	case strings.TrimSpace(f) == "":
		vs = append(vs, Violation{Field: "document.filename", Reason: "REQUIRED", Description: "a document needs a file name"})
	case len(f) > 255 || !utf8.ValidString(f) || strings.ContainsAny(f, "/\\\x00") || strings.ContainsFunc(f, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		vs = append(vs, Violation{Field: "document.filename", Reason: "INVALID_FILENAME",
			Description: "the file name must be a plain name of at most 255 bytes, without path separators or control characters"})
	}
	if utf8.RuneCountInString(in.PublicTitle) > 500 {
		vs = append(vs, Violation{Field: "public_title", Reason: "TOO_LONG", Description: "the public title has more than 500 characters"})
	}
	if in.DocumentDate != "" {
		if _, err := ParseDate(in.DocumentDate); err != nil {
			vs = append(vs, Violation{Field: "document_date", Reason: "INVALID_DATE", Description: fmt.Sprintf("document_date %q is not an ISO date (2026-08-01)", in.DocumentDate)})
		}
	}
	if in.Kind == DocStatement && in.Public {
		vs = append(vs, Violation{Rule: RuleR22, Field: "document.public", Reason: "STATEMENT_NOT_PUBLIC",
			Description: "a ministry's statement is not part of the public register (R22)"})
	}
	return vs
}

func joinKinds(kinds []DocumentKind) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// uploadKinds are the kinds each role attaches: applicants their own paperwork, a
// ministry its statement, KDD its letters and the regulation.
var uploadKinds = map[Role][]DocumentKind{
	RoleMunicipality: {DocCouncilDecision, DocDraftRegulation, DocEvaluationReport, DocCorrespondence, DocOther},
	RoleMinistry:     {DocStatement},
	RoleKDDHandler:   {DocDecisionLetter, DocRegulation, DocCorrespondence, DocOther},
	RoleKDDApprover:  {DocDecisionLetter, DocRegulation, DocCorrespondence, DocOther},
}

// MayUpload reports whether the actor's role attaches documents at all: checked before
// the request's fields are read, so that a caller who may not act learns nothing of
// them (PERMISSION_DENIED, never a field violation).
func MayUpload(actor Actor) error {
	if _, ok := uploadKinds[actor.Role]; !ok {
		return Errorf(CodePermissionDenied, "%s may not attach documents", RoleName(actor.Role))
	}
	return nil
}

// UploadPermitted reports whether actor, who sees app in full, may attach a document of
// the kind; the consultation is the one a ministry's statement answers (nil for other
// kinds). It returns a CodePermissionDenied *Error saying why, or nil.
func UploadPermitted(actor Actor, app *Application, kind DocumentKind, c *Consultation) error {
	kinds, ok := uploadKinds[actor.Role]
	if !ok {
		return Errorf(CodePermissionDenied, "%s may not attach documents", RoleName(actor.Role))
	}
	if kind != "" && !slices.Contains(kinds, kind) {
		return Errorf(CodePermissionDenied, "%s attaches documents of kind %s, not %s", RoleName(actor.Role), joinKinds(kinds), kind)
	}
	switch actor.Role {
	case RoleMunicipality:
		if app.Applicant(actor.OrganisationNumber) == nil {
			return Errorf(CodePermissionDenied, "only an applicant attaches documents to its application")
		}
	case RoleMinistry:
		if c != nil && c.Ministry != actor.Ministry {
			return Errorf(CodePermissionDenied, "only %s attaches a statement to its consultation", c.Ministry)
		}
	}
	return nil
}

// UploadGuards returns why a document cannot be attached to the case as it stands
// (FAILED_PRECONDITION): applicants and ministries add nothing to a case that has ended,
// a statement answers a consultation that was not cancelled; KDD may still send a
// letter on a closed case (the decision letter follows the decision).
func UploadGuards(actor Actor, app *Application, c *Consultation) []Violation {
	var vs []Violation
	if !actor.Role.KDD() && app.State.Terminal() {
		vs = append(vs, Violation{Rule: "STATE", Field: "state", Reason: "CASE_ENDED",
			Description: fmt.Sprintf("the application is %s; only KDD adds documents to an ended case", app.State)})
	}
	if actor.Role == RoleMinistry {
		switch {
		case c == nil:
			vs = append(vs, Violation{Rule: "STATE", Field: "consultation", Reason: "CONSULTATION_REQUIRED",
				Description: "a statement answers a consultation: name it in consultation (applications/{id}/consultations/{c})"})
		case c.State == ConsultationCancelled:
			vs = append(vs, Violation{Rule: "STATE", Field: "consultation", Reason: "CONSULTATION_CANCELLED",
				Description: "the consultation was cancelled; it takes no statement"})
		}
	}
	return vs
}

// DocumentVisible reports whether actor, who sees the case with view, sees the
// document at all. A ministry's statement is seen by KDD and that ministry only: not by
// the applicants (domain.md, Roles) nor by another ministry, nor by the public (R22).
// The public sees only PublicDocument's documents.
func DocumentVisible(actor Actor, view View, d *Document) bool {
	switch {
	case view == ViewNone:
		return false
	case view == ViewPublic:
		return PublicDocument(d)
	case d.Kind != DocStatement || actor.Role.KDD() || actor.Role == RoleSystem:
		return true
	default:
		return actor.Role == RoleMinistry && d.Creator.Ministry == actor.Ministry
	}
}

// PublicDocument reports whether a document of a case in the public register is in the
// register too: offered as public, not screened, found clean, and not a statement.
func PublicDocument(d *Document) bool {
	return d.Public && d.Screening == nil && d.ScanState == ScanClean && d.Kind != DocStatement
}

// Downloadable returns why actor, who sees the document, may not fetch its bytes, or
// nil: a document not yet found clean is fetched only by its uploader's party and KDD.
func Downloadable(actor Actor, d *Document) error {
	if d.ScanState == ScanClean || actor.Role.KDD() || actor.Role == RoleSystem {
		return nil
	}
	if p, ok := PartyOf(actor); ok {
		if q, ok := PartyOf(d.Creator); ok && p == q {
			return nil
		}
	}
	return Precondition("the document has not been scanned", []Violation{{Rule: "STATE", Field: "scan_state", Reason: "NOT_SCANNED",
		Description: fmt.Sprintf("the document is %s: only its uploader and KDD fetch it before a virus scan found it clean", d.ScanState)}})
}

// PublicDocumentView returns what the public register shows of a document: no creator
// beyond the organisation, no storage detail.
func PublicDocumentView(d *Document) *Document {
	v := *d
	v.Creator = Actor{OrganisationNumber: d.Creator.OrganisationNumber, Role: d.Creator.Role}
	v.Chunks = nil
	v.ConsultationID = ""
	return &v
}
