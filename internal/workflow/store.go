package workflow

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/forsok/forsok/internal/trial"
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
	Application(id string) (*trial.Application, error)
	// Consultations returns the case's consultations in creation order.
	Consultations(applicationID string) ([]*trial.Consultation, error)
	// Consultation returns one consultation, or ErrNotFound.
	Consultation(applicationID, id string) (*trial.Consultation, error)
	// ListApplications returns one page of cases matching q, and the token for the next
	// page ("" on the last page). q.PageSize is resolved by the Service (paging.go) and
	// positive. A token the store did not issue for this query is ErrBadPageToken or
	// ErrPageTokenMismatch.
	ListApplications(q trial.Query) (apps []*trial.Application, nextPageToken string, err error)
	// ListEvents returns up to limit (positive) events of the case with a sequence above after,
	// in sequence order. Events of deleted drafts stay readable.
	ListEvents(applicationID string, after uint64, limit int) ([]*trial.Event, error)
	// Request returns the remembered answer to an earlier request, or nil when there is
	// none (or it expired).
	Request(key string) (*RequestRecord, error)
	// OpenConsultations returns up to limit REQUESTED consultations, earliest due first
	// (then by case and id): of one ministry, or of every ministry when ministry is "".
	// It starts after the cursor after ("" from the beginning) and returns the cursor to
	// continue from, "" when there is no more.
	OpenConsultations(ministry, after string, limit int) (cons []*trial.Consultation, next string, err error)
	// PageTokenMAC returns a MAC of payload under a secret key of the store, so that a
	// page token verifies only where it was made and cannot be forged (pagetoken.go).
	PageTokenMAC(payload []byte) ([]byte, error)
	// DueTimers returns up to limit timers due at or before until, earliest first.
	DueTimers(until time.Time, limit int) ([]trial.Timer, error)

	// The event feed and webhooks (feed.go, subscription.go).

	// LastEventSequence returns the sequence number of the last event, 0 when none.
	LastEventSequence() (uint64, error)
	// Event returns the event with the sequence number, or ErrNotFound.
	Event(seq uint64) (*trial.Event, error)
	// FeedEvents returns up to limit events with a sequence above after whose audience
	// (IndexEvent) includes party, in sequence order.
	FeedEvents(party trial.Party, after uint64, limit int) ([]*trial.Event, error)
	// Subscription returns the webhook subscription, or ErrNotFound.
	Subscription(id string) (*trial.Subscription, error)
	// Subscriptions returns the subscriptions owned by party, in creation order.
	Subscriptions(owner trial.Party) ([]*trial.Subscription, error)
	// Delivery returns the delivery of event seq to the subscription, or ErrNotFound.
	Delivery(subscriptionID string, seq uint64) (*trial.Delivery, error)
	// Deliveries returns up to limit deliveries of the subscription with a sequence
	// below before (0: no bound), newest first.
	Deliveries(subscriptionID string, before uint64, limit int) ([]*trial.Delivery, error)
	// Call returns the call for applications, or ErrNotFound.
	Call(id string) (*trial.Call, error)
	// ListCalls returns up to limit calls with an id above after ("" from the first),
	// in id order (creation order); published only unless drafts is set.
	ListCalls(drafts bool, after string, limit int) ([]*trial.Call, error)
	// CallApplications returns the applications naming the call, in id order.
	CallApplications(callID string) ([]*trial.Application, error)

	// PendingDeliveries returns the oldest PENDING delivery of each subscription that has
	// one, up to limit subscriptions, starting after the subscription id after ("": from
	// the first).
	PendingDeliveries(after string, limit int) ([]*trial.Delivery, error)

	// Documents and the journal (documents.go, journal.go).

	// Document returns one document of the case, or ErrNotFound.
	Document(applicationID, id string) (*trial.Document, error)
	// Documents returns the case's documents in creation order.
	Documents(applicationID string) ([]*trial.Document, error)
	// JournalEntry returns the journal entry, or ErrNotFound.
	JournalEntry(id string) (*trial.JournalEntry, error)
	// JournalEntries returns up to limit entries with an id after after ("": from the
	// first), in id order (journal year, then sequence).
	JournalEntries(after string, limit int) ([]*trial.JournalEntry, error)

	// Statistics returns the public statistics' aggregate (statistics.go), empty before
	// the first event.
	Statistics() (*trial.Statistics, error)
	// CaseFacts returns what the case contributes to the statistics, nil when nothing yet.
	CaseFacts(applicationID string) (*trial.CaseFacts, error)
}

// Tx is a write transaction.
type Tx interface {
	ReadTx
	// NextApplicationID allocates the next application id of the year, "2026-000042".
	NextApplicationID(year int) (string, error)
	// NextCaseNumber allocates the next case number of the year, "2026/42".
	NextCaseNumber(year int) (string, error)
	// PutApplication stores the case and updates its index entries.
	PutApplication(app *trial.Application) error
	// DeleteApplication removes the case and its index entries; its events stay.
	DeleteApplication(id string) error
	// NextConsultationID allocates the next consultation id within the case.
	NextConsultationID(applicationID string) (string, error)
	// PutConsultation stores a consultation and updates its index entries.
	PutConsultation(c *trial.Consultation) error
	// AppendEvent assigns e the next global sequence number and stores it.
	AppendEvent(e *trial.Event) error
	// PutRequest remembers the answer to a request for replay.
	PutRequest(key string, rec *RequestRecord) error
	// PutTimers replaces the case's timers with timers (none when empty). A call's
	// timers are stored the same way under the call's resource name (trial.CallName).
	PutTimers(applicationID string, timers []trial.Timer) error

	// NextCallID allocates the next call id of the year, "2027-01".
	NextCallID(year int) (string, error)
	// PutCall stores a call.
	PutCall(c *trial.Call) error

	// IndexEvent records the parties who see the appended event seq in the feed.
	IndexEvent(seq uint64, audience []trial.Party) error
	// NextSubscriptionID allocates the next subscription id, "1", "2", ….
	NextSubscriptionID() (string, error)
	// PutSubscription stores a subscription and its owner index entry.
	PutSubscription(sub *trial.Subscription) error
	// DeleteSubscription removes the subscription with its deliveries, or ErrNotFound.
	DeleteSubscription(id string) error
	// PutDelivery stores a delivery; a PENDING one is in its subscription's outbox queue,
	// in sequence order, until it is stored in another state.
	PutDelivery(d *trial.Delivery) error

	// NextDocumentID allocates the next document id within the case, "1", "2", ….
	NextDocumentID(applicationID string) (string, error)
	// PutDocument stores a document.
	PutDocument(d *trial.Document) error
	// NextJournalEntryID allocates the next journal entry id of the year, "2026-000017".
	NextJournalEntryID(year int) (string, error)
	// PutJournalEntry stores a journal entry.
	PutJournalEntry(e *trial.JournalEntry) error
	// CommitContent makes a staged upload's chunks permanent (ContentStore): from this
	// transaction on they belong to the document that names them.
	CommitContent(uploadID string) error

	// PutStatistics adds the event seq's delta to the statistics' counters and stores
	// the case's new contribution.
	PutStatistics(d trial.Delta, seq uint64, applicationID string, f *trial.CaseFacts) error
}

// ContentStore holds documents' bytes as content-addressed chunks of ChunkSize bytes
// (the last one shorter). A 50 MiB file does not fit one transaction's memory, so the
// bytes are staged first, in write transactions of bounded size, under a pending upload
// that counts as a reference to each chunk; the document, its event and its journal
// entry then commit in one transaction with Tx.CommitContent. Until then the upload is
// pending: DiscardContent, or the store's next Open after a crash, removes every chunk
// only it references, so an interrupted upload leaves nothing behind.
type ContentStore interface {
	// StageContent stores r's bytes and returns the pending upload's id and the chunks'
	// keys in order.
	StageContent(ctx context.Context, r io.Reader) (uploadID string, chunks []string, err error)
	// DiscardContent removes a pending upload and what only it references.
	DiscardContent(ctx context.Context, uploadID string) error
	// Chunk returns a copy of the chunk's bytes, or ErrNotFound.
	Chunk(ctx context.Context, key string) ([]byte, error)
}

// ChunkSize is the size of every content chunk but a document's last.
const ChunkSize = 256 << 10

// The storage errors of a read that the client caused: the Service turns them into the
// field violations of its answer (paging.go). A store never builds API errors itself.
var (
	// ErrBadPageToken: the page token is malformed or was not issued by this store.
	ErrBadPageToken = errors.New("page token malformed or not issued by this store")
	// ErrPageTokenMismatch: the page token continues a list of another query.
	ErrPageTokenMismatch = errors.New("page token issued for another query")
)

// RequestRecord is the remembered answer to a request with a requestId (AIP-155).
type RequestRecord struct {
	Method      string    `json:"method"`
	Fingerprint string    `json:"fingerprint"`
	Time        time.Time `json:"time"`
	// Result is the JSON encoding of the answer (an *Application or a *Consultation).
	Result []byte `json:"result"`
}
