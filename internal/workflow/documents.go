package workflow

// Documents on a case (issue 12): upload with type sniffing, size limits, virus
// scanning and content-addressed storage; reads and downloads as far as the caller may
// see them. The document, its event (carrying its SHA-256 into the case's hash chain)
// and its journal entry commit in one write.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/forsok/forsok/internal/trial"
)

// Document limits by default.
const (
	DefaultMaxDocumentBytes = 50 << 20
	DefaultMaxCaseBytes     = 1 << 30
)

// DocumentConfig configures documents.
type DocumentConfig struct {
	// Content holds the bytes; nil refuses uploads.
	Content ContentStore
	// MaxBytes limits one document (DefaultMaxDocumentBytes when 0).
	MaxBytes int64
	// MaxCaseBytes limits a case's documents together (DefaultMaxCaseBytes when 0).
	MaxCaseBytes int64
	// TempDir stages an upload while it is hashed, sniffed and scanned ("" is the
	// system's).
	TempDir string
	// Scanner scans every upload before it is stored; nil leaves documents PENDING.
	Scanner Scanner
	// Stored, when set, is told of every document committed (for the metrics).
	Stored func(d *trial.Document)
}

// MaxDocumentBytes returns the size limit of one document.
func (c DocumentConfig) MaxDocumentBytes() int64 { return c.maxBytes() }

func (c DocumentConfig) maxBytes() int64 {
	if c.MaxBytes > 0 {
		return c.MaxBytes
	}
	return DefaultMaxDocumentBytes
}

func (c DocumentConfig) maxCaseBytes() int64 {
	if c.MaxCaseBytes > 0 {
		return c.MaxCaseBytes
	}
	return DefaultMaxCaseBytes
}

// Scanner is a virus scanner (scanner.go has the clamd client).
type Scanner interface {
	// Scan reads r to the end; infected is true with the signature's name when it
	// found malware. An error means no verdict.
	Scan(ctx context.Context, r io.Reader) (infected bool, signature string, err error)
}

// UploadDocument attaches the bytes read from body to the case. The request order holds:
// the caller's right to see and attach is checked before a byte is read, the fields
// next, and everything again in the one write transaction that stores the document.
func (s *Service) UploadDocument(ctx context.Context, call Call, appID string, in trial.DocumentInput, body io.Reader) (*trial.Document, error) {
	cfg := s.Documents
	if cfg.Content == nil {
		return nil, trial.Errorf(trial.CodeInternal, "no content store configured")
	}
	if err := requireCaller(call.Actor); err != nil {
		return nil, err
	}
	// The checks before the body, in a read transaction: a refused upload is refused
	// before 50 MiB have crossed the network.
	st := s.uploadStep(call, appID, in, nil)
	if err := s.Store.View(ctx, func(tx ReadTx) error { return s.precheck(tx, call, st) }); err != nil {
		return nil, err
	}
	staged, err := stageBody(ctx, cfg, body)
	if err != nil {
		return nil, err
	}
	defer staged.close()
	if staged.contentType, err = sniff(staged.file, staged.size); err != nil {
		return nil, err
	}
	scan := trial.ScanPending
	if cfg.Scanner != nil {
		if _, err := staged.file.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		infected, signature, err := cfg.Scanner.Scan(ctx, staged.file)
		if err != nil {
			return nil, fmt.Errorf("virus scan: %w", err)
		}
		if infected {
			return nil, trial.Invalid([]trial.Violation{{Field: "file", Reason: "INFECTED",
				Description: fmt.Sprintf("the virus scanner found %s in the file; it was not stored", signature)}})
		}
		scan = trial.ScanClean
	}
	if _, err := staged.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	uploadID, chunks, err := cfg.Content.StageContent(ctx, staged.file)
	if err != nil {
		return nil, err
	}
	doc := &trial.Document{ApplicationID: appID, Title: in.Title, Kind: in.Kind, Filename: in.Filename,
		ContentType: staged.contentType, SizeBytes: staged.size, SHA256: staged.sha256, ScanState: scan,
		Public: in.Public, ConsultationID: in.ConsultationID, Creator: call.Actor, Chunks: chunks}
	st = s.uploadStep(call, appID, in, func(a *action) error { return s.attach(a, doc, in, uploadID) })
	d, err := decodeDocument(s.run(ctx, call, st))
	if err != nil {
		// The write did not happen: the staged chunks go, except what others share.
		return nil, errors.Join(err, cfg.Content.DiscardContent(context.WithoutCancel(ctx), uploadID))
	}
	if cfg.Stored != nil {
		cfg.Stored(d)
	}
	return d, nil
}

// uploadStep is the upload as a step of the request order; apply is nil for the checks
// that precede reading the body.
func (s *Service) uploadStep(call Call, appID string, in trial.DocumentInput, apply func(*action) error) step {
	return step{
		action: trial.ActionUploadDocument, id: appID, consultationID: in.ConsultationID,
		permit: func(a *action) error {
			return trial.UploadPermitted(call.Actor, a.app, in.Kind, a.consultation(in.ConsultationID))
		},
		validate: func(*action) []trial.Violation { return in.Validate() },
		guards: func(a *action) []trial.Violation {
			return trial.UploadGuards(call.Actor, a.app, a.consultation(in.ConsultationID))
		},
		apply: apply,
		result: func(a *action) any {
			d, _ := a.result.(*trial.Document)
			return d
		},
	}
}

// precheck runs the request order up to the guards without writing.
func (s *Service) precheck(tx ReadTx, call Call, st step) error {
	app, err := tx.Application(st.id)
	if errors.Is(err, trial.ErrNotFound) {
		return notFound(st.id)
	}
	if err != nil {
		return err
	}
	cons, err := tx.Consultations(st.id)
	if err != nil {
		return err
	}
	a := &action{app: app, cons: cons, from: app.State}
	view := trial.ViewOf(call.Actor, app, cons)
	if view != trial.ViewFull {
		return notFound(st.id)
	}
	if st.consultationID != "" {
		if c := a.consultation(st.consultationID); c == nil || !consultationVisible(call.Actor, c) {
			return trial.Errorf(trial.CodeNotFound, "consultation %s/consultations/%s not found", trial.ApplicationName(st.id), st.consultationID)
		}
	}
	if err := st.permit(a); err != nil {
		return err
	}
	if err := trial.Invalid(st.validate(a)); err != nil {
		return err
	}
	return trial.Precondition(fmt.Sprintf("cannot attach a document to %s", trial.ApplicationName(st.id)), st.guards(a))
}

// attach stores the document, its journal entry and its event inside the action's
// transaction; the staged upload becomes the document's.
func (s *Service) attach(a *action, doc *trial.Document, in trial.DocumentInput, uploadID string) error {
	existing, err := a.tx.Documents(a.app.ID)
	if err != nil {
		return err
	}
	var total int64
	for _, d := range existing {
		total += d.SizeBytes
	}
	if limit := s.Documents.maxCaseBytes(); total+doc.SizeBytes > limit {
		return &trial.Error{Code: trial.CodeResourceExhausted, Message: "the case's documents are over their limit",
			Violations: []trial.Violation{{Field: "file", Reason: "CASE_DOCUMENTS_TOO_LARGE",
				Description: fmt.Sprintf("the case holds %d bytes of documents; with this one it would hold %d, over the limit of %d", total, total+doc.SizeBytes, limit)}}}
	}
	if doc.ID, err = a.tx.NextDocumentID(a.app.ID); err != nil {
		return err
	}
	journalDate := trial.FormatDate(a.today)
	entryID, err := a.tx.NextJournalEntryID(a.today.Year())
	if err != nil {
		return err
	}
	ministryName := ""
	if m, ok := s.Reference.Ministry(a.event.Actor.Ministry); ok {
		ministryName = m.Name
	}
	entry := trial.NewJournalEntry(entryID, a.event.Actor, a.app, doc, in, journalDate, ministryName, a.now)
	doc.JournalEntryID, doc.CreateTime = entryID, a.now
	if err := a.tx.PutDocument(doc); err != nil {
		return err
	}
	if err := a.tx.PutJournalEntry(entry); err != nil {
		return err
	}
	if err := a.tx.CommitContent(uploadID); err != nil {
		return err
	}
	a.event.ConsultationID = in.ConsultationID
	a.event.Comment = fmt.Sprintf("%s document attached, journaled as %s", doc.Kind, trial.JournalEntryName(entryID))
	a.event.Changes = []string{trial.DocumentChange(doc.ID, doc.SHA256), trial.JournalEntryName(entryID)}
	a.result = doc
	return nil
}

// staged is an upload in a temporary file, hashed and measured.
type staged struct {
	file        *os.File
	size        int64
	sha256      string
	contentType string
}

func (s *staged) close() {
	_ = s.file.Close()
	_ = os.Remove(s.file.Name())
}

// stageBody copies body to a temporary file, hashing it as it goes, and refuses an
// empty body or one over the limit.
func stageBody(ctx context.Context, cfg DocumentConfig, body io.Reader) (*staged, error) {
	f, err := os.CreateTemp(cfg.TempDir, "forsok-upload-*")
	if err != nil {
		return nil, fmt.Errorf("stage upload: %w", err)
	}
	st := &staged{file: f}
	h := sha256.New()
	limit := cfg.maxBytes()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(ctxReader{ctx, body}, limit+1))
	st.size = n
	switch {
	case err != nil:
		st.close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var te *trial.Error
		if errors.As(err, &te) {
			return nil, err
		}
		return nil, trial.Invalid([]trial.Violation{{Field: "file", Reason: "UPLOAD_INTERRUPTED",
			Description: "the upload ended before the file was complete: " + err.Error() + "; nothing was stored"}})
	case n == 0:
		st.close()
		return nil, trial.Invalid([]trial.Violation{{Field: "file", Reason: "EMPTY_FILE", Description: "the file is empty (0 bytes)"}})
	case n > limit:
		st.close()
		return nil, &trial.Error{Code: trial.CodeResourceExhausted, Message: "the document is over the size limit",
			Violations: []trial.Violation{{Field: "file", Reason: "DOCUMENT_TOO_LARGE",
				Description: fmt.Sprintf("the file is over the limit of %d bytes", limit)}}}
	}
	st.sha256 = hex.EncodeToString(h.Sum(nil))
	return st, nil
}

// ctxReader stops reading when the request's context ends (a client that went away).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func decodeDocument(b []byte, err error) (*trial.Document, error) {
	if err != nil {
		return nil, err
	}
	var d trial.Document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return &d, nil
}

// documentsOf loads the case and the documents the actor sees in it, shaped for its
// view.
func (s *Service) documentsOf(tx ReadTx, actor trial.Actor, appID string) (trial.View, []*trial.Document, error) {
	app, err := tx.Application(appID)
	if errors.Is(err, trial.ErrNotFound) {
		return trial.ViewNone, nil, notFound(appID)
	}
	if err != nil {
		return trial.ViewNone, nil, err
	}
	cons, err := tx.Consultations(appID)
	if err != nil {
		return trial.ViewNone, nil, err
	}
	view := trial.ViewOf(actor, app, cons)
	if view == trial.ViewNone {
		return view, nil, notFound(appID)
	}
	all, err := tx.Documents(appID)
	if err != nil {
		return view, nil, err
	}
	var out []*trial.Document
	for _, d := range all {
		if trial.DocumentVisible(actor, view, d) {
			if view == trial.ViewPublic {
				d = trial.PublicDocumentView(d)
			}
			out = append(out, d)
		}
	}
	return view, out, nil
}

// ListDocuments returns the case's documents the caller sees, in creation order.
func (s *Service) ListDocuments(ctx context.Context, actor trial.Actor, appID string) ([]*trial.Document, error) {
	var out []*trial.Document
	err := s.Store.View(ctx, func(tx ReadTx) error {
		var err error
		_, out, err = s.documentsOf(tx, actor, appID)
		return err
	})
	return out, err
}

// GetDocument returns one document the caller sees; one it may not see is NOT_FOUND.
func (s *Service) GetDocument(ctx context.Context, actor trial.Actor, appID, docID string) (*trial.Document, error) {
	var out *trial.Document
	err := s.Store.View(ctx, func(tx ReadTx) error {
		_, docs, err := s.documentsOf(tx, actor, appID)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if d.ID == docID {
				out = d
				return nil
			}
		}
		return trial.Errorf(trial.CodeNotFound, "document %s not found", trial.DocumentName(appID, docID))
	})
	return out, err
}

// OpenDocument returns the document and a reader of its bytes, for a caller who may
// fetch them. The reader reads one chunk at a time, each in its own short read
// transaction: chunks are immutable, so the bytes stay consistent, and a slow client
// never holds a transaction open.
func (s *Service) OpenDocument(ctx context.Context, actor trial.Actor, appID, docID string) (*trial.Document, *DocumentReader, error) {
	var full *trial.Document
	err := s.Store.View(ctx, func(tx ReadTx) error {
		if _, err := s.GetDocumentIn(tx, actor, appID, docID); err != nil {
			return err
		}
		var err error
		full, err = tx.Document(appID, docID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if err := trial.Downloadable(actor, full); err != nil {
		return nil, nil, err
	}
	if s.Documents.Content == nil {
		return nil, nil, trial.Errorf(trial.CodeInternal, "no content store configured")
	}
	shown := full
	if actor.Role == trial.RolePublic {
		shown = trial.PublicDocumentView(full)
	}
	return shown, &DocumentReader{ctx: ctx, content: s.Documents.Content, chunks: full.Chunks, size: full.SizeBytes}, nil
}

// GetDocumentIn is GetDocument inside the caller's read transaction.
func (s *Service) GetDocumentIn(tx ReadTx, actor trial.Actor, appID, docID string) (*trial.Document, error) {
	_, docs, err := s.documentsOf(tx, actor, appID)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if d.ID == docID {
			return d, nil
		}
	}
	return nil, trial.Errorf(trial.CodeNotFound, "document %s not found", trial.DocumentName(appID, docID))
}

// DocumentReader reads a stored document: an io.ReadSeeker over its chunks holding one
// chunk at a time, so that http.ServeContent can answer ranges in bounded memory.
type DocumentReader struct {
	ctx     context.Context
	content ContentStore
	chunks  []string
	size    int64
	off     int64
	cur     int // index of buf's chunk, -1 for none
	buf     []byte
}

// Size returns the document's size in bytes.
func (r *DocumentReader) Size() int64 { return r.size }

// Read implements io.Reader.
func (r *DocumentReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	i := int(r.off / ChunkSize)
	if r.buf == nil || r.cur != i {
		if i >= len(r.chunks) {
			return 0, io.ErrUnexpectedEOF
		}
		b, err := r.content.Chunk(r.ctx, r.chunks[i])
		if err != nil {
			return 0, fmt.Errorf("read chunk %d of the document: %w", i, err)
		}
		r.buf, r.cur = b, i
	}
	n := copy(p, r.buf[r.off-int64(i)*ChunkSize:])
	if n == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	r.off += int64(n)
	return n, nil
}

// Seek implements io.Seeker.
func (r *DocumentReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("seek: bad whence " + strconv.Itoa(whence))
	}
	if offset < 0 {
		return 0, errors.New("seek: negative position")
	}
	r.off = offset
	return offset, nil
}

// DocumentActions are the actions outside the state machine that ListAllowedActions
// previews after the workflow's own.
var DocumentActions = []trial.Action{trial.ActionUploadDocument, trial.ActionScreenJournalEntry}

// previewDocumentActions says whether the actor, who sees the case with view, may
// attach a document (of some kind its role attaches) and screen the case's journal.
func previewDocumentActions(actor trial.Actor, app *trial.Application, cons []*trial.Consultation, view trial.View) []AllowedAction {
	role := func(err error) []trial.Violation {
		return []trial.Violation{{Rule: "ROLE", Reason: "PERMISSION_DENIED", Description: err.Error()}}
	}
	var upload []trial.Violation
	if view != trial.ViewFull {
		upload = role(trial.Errorf(trial.CodePermissionDenied, "%s sees the public register only and attaches nothing", trial.RoleName(actor.Role)))
	} else {
		var c *trial.Consultation
		for _, x := range cons {
			if actor.Role == trial.RoleMinistry && x.Ministry == actor.Ministry && (c == nil || c.State == trial.ConsultationCancelled) {
				c = x
			}
		}
		if err := trial.UploadPermitted(actor, app, "", c); err != nil {
			upload = role(err)
		}
		upload = append(upload, trial.UploadGuards(actor, app, c)...)
	}
	var screen []trial.Violation
	if err := trial.MayScreen(actor); err != nil {
		screen = role(err)
	}
	return []AllowedAction{
		{Action: trial.ActionUploadDocument, Allowed: len(upload) == 0, Failing: upload},
		{Action: trial.ActionScreenJournalEntry, Allowed: len(screen) == 0, Failing: screen},
	}
}
