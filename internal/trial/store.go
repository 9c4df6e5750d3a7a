package trial

import (
	"context"
	"time"
)

// Store is the persistence port. An adapter implements it; the Service runs every action
// inside one Update, so the case, its consultations, the history event, the indexes and
// the request record change together or not at all.
//
// Update may run fn more than once (bbolt's Batch does when a batch fails), so fn must
// not change anything outside the transaction it is given. Once Update returns nil the
// transaction is durable.
type Store interface {
	View(ctx context.Context, fn func(ReadTx) error) error
	Update(ctx context.Context, fn func(Tx) error) error
}

// ReadTx reads a consistent snapshot. Values returned are the caller's to keep and modify.
type ReadTx interface {
	// Application returns the case, or ErrNotFound when it does not exist or was deleted.
	Application(id string) (*Application, error)
	// Consultations returns the case's consultations in creation order.
	Consultations(applicationID string) ([]*Consultation, error)
	// Consultation returns one consultation, or ErrNotFound.
	Consultation(applicationID, id string) (*Consultation, error)
	// ListApplications returns one page of cases matching q, and the token for the next
	// page ("" on the last page).
	ListApplications(q Query) (apps []*Application, nextPageToken string, err error)
	// ListEvents returns up to limit events of the case with a sequence above after,
	// in sequence order. Events of deleted drafts stay readable.
	ListEvents(applicationID string, after uint64, limit int) ([]*Event, error)
	// Request returns the remembered answer to an earlier request, or nil when there is
	// none (or it expired).
	Request(key string) (*RequestRecord, error)
	// OpenConsultations returns up to limit REQUESTED consultations, earliest due first
	// (then by case and id): of one ministry, or of every ministry when ministry is "".
	// It starts after the cursor after ("" from the beginning) and returns the cursor to
	// continue from, "" when there is no more.
	OpenConsultations(ministry, after string, limit int) (cons []*Consultation, next string, err error)
	// DueTimers returns up to limit timers due at or before until, earliest first.
	DueTimers(until time.Time, limit int) ([]Timer, error)
}

// Tx is a write transaction.
type Tx interface {
	ReadTx
	// NextApplicationID allocates the next application id of the year, "2026-000042".
	NextApplicationID(year int) (string, error)
	// NextCaseNumber allocates the next case number of the year, "2026/42".
	NextCaseNumber(year int) (string, error)
	// PutApplication stores the case and updates its index entries.
	PutApplication(app *Application) error
	// DeleteApplication removes the case and its index entries; its events stay.
	DeleteApplication(id string) error
	// NextConsultationID allocates the next consultation id within the case.
	NextConsultationID(applicationID string) (string, error)
	// PutConsultation stores a consultation and updates its index entries.
	PutConsultation(c *Consultation) error
	// AppendEvent assigns e the next global sequence number and stores it.
	AppendEvent(e *Event) error
	// PutRequest remembers the answer to a request for replay.
	PutRequest(key string, rec *RequestRecord) error
	// PutTimers replaces the case's timers with timers (none when empty).
	PutTimers(applicationID string, timers []Timer) error
}

// RequestRecord is the remembered answer to a request with a requestId (AIP-155).
type RequestRecord struct {
	Method      string    `json:"method"`
	Fingerprint string    `json:"fingerprint"`
	Time        time.Time `json:"time"`
	// Result is the JSON encoding of the answer (an *Application or a *Consultation).
	Result []byte `json:"result"`
}

// Query selects cases for a list. Empty fields do not restrict. The Service fills the
// visibility fields from the caller, so a store never returns what the caller may not see.
type Query struct {
	// States restricts to cases in one of these states (nil: any state).
	States []State
	// ApplicantOrganisation restricts to cases with this applicant.
	ApplicantOrganisation string
	// ConsultedMinistry restricts to cases with a consultation of this ministry.
	ConsultedMinistry string
	// Flag restricts to cases carrying this flag.
	Flag CaseFlag
	// EndsBy restricts to running trials whose current period ends on or before this
	// ISO date.
	EndsBy string
	// EvaluationDueBy restricts to evaluating cases without a report whose report is due
	// on or before this ISO date.
	EvaluationDueBy string
	PageSize        int
	PageToken       string
}
