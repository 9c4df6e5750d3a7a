package rpc

// Documents and the journal over gRPC (the REST upload and download reach the same
// methods through documents_http.go).

import (
	"context"
	"errors"
	"io"
	"strings"

	"google.golang.org/grpc"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// downloadChunk is the size of DownloadDocument's messages.
const downloadChunk = 256 << 10

// streamWindow is the gRPC flow-control window of the server and of the gateway's
// connection: what one stream may have in flight, and so what a document transfer
// buffers at most on either side.
const streamWindow = 1 << 20

func documentToProto(d *trial.Document) *forsokv1.Document {
	p := &forsokv1.Document{
		Name: trial.DocumentName(d.ApplicationID, d.ID), Title: d.Title,
		Kind:     forsokv1.Document_Kind(enumValue(forsokv1.Document_Kind_value, string(d.Kind))),
		Filename: d.Filename, ContentType: d.ContentType, SizeBytes: d.SizeBytes, Sha256: d.SHA256,
		ScanState: forsokv1.Document_ScanState(enumValue(forsokv1.Document_ScanState_value, string(d.ScanState))),
		Public:    d.Public, Screening: screeningToProto(d.Screening),
		Creator: &forsokv1.Actor{Subject: d.Creator.Subject, Name: d.Creator.Name, OrganisationNumber: d.Creator.OrganisationNumber,
			Role: string(d.Creator.Role), Ministry: d.Creator.Ministry},
		CreateTime: timestamp(d.CreateTime),
	}
	if d.JournalEntryID != "" {
		p.JournalEntry = trial.JournalEntryName(d.JournalEntryID)
	}
	if d.ConsultationID != "" {
		p.Consultation = trial.ApplicationName(d.ApplicationID) + "/consultations/" + d.ConsultationID
	}
	return p
}

func screeningToProto(s *trial.Screening) *forsokv1.Screening {
	if s == nil {
		return nil
	}
	return &forsokv1.Screening{LegalBasis: s.LegalBasis, Fields: s.Fields, ScreenTime: timestamp(s.Time)}
}

func journalEntryToProto(e *trial.JournalEntry) *forsokv1.JournalEntry {
	p := &forsokv1.JournalEntry{
		Name:        trial.JournalEntryName(e.ID),
		Type:        forsokv1.JournalEntry_Type(enumValue(forsokv1.JournalEntry_Type_value, string(e.Type))),
		JournalDate: e.JournalDate, DocumentDate: e.DocumentDate, Title: e.Title, PublicTitle: e.PublicTitle,
		Application: trial.ApplicationName(e.ApplicationID), CaseNumber: e.CaseNumber,
		Screening: screeningToProto(e.Screening),
	}
	for _, c := range e.Correspondents {
		p.Correspondents = append(p.Correspondents, &forsokv1.Correspondent{Name: c.Name, OrganisationNumber: c.OrganisationNumber,
			Role: forsokv1.Correspondent_Role(enumValue(forsokv1.Correspondent_Role_value, c.Role))})
	}
	for _, id := range e.DocumentIDs {
		p.Documents = append(p.Documents, trial.DocumentName(e.ApplicationID, id))
	}
	return p
}

// documentInput reads the upload's metadata.
func documentInput(m *forsokv1.UploadDocumentMetadata) (string, trial.DocumentInput, error) {
	appID, err := trial.ParseApplicationName(m.GetParent(), "parent")
	if err != nil {
		return "", trial.DocumentInput{}, err
	}
	d := m.GetDocument()
	in := trial.DocumentInput{Title: d.GetTitle(), Filename: d.GetFilename(), Public: d.GetPublic(),
		PublicTitle: m.GetPublicTitle(), DocumentDate: m.GetDocumentDate()}
	if k := d.GetKind(); k != forsokv1.Document_KIND_UNSPECIFIED {
		in.Kind = trial.DocumentKind(k.String())
	}
	if c := d.GetConsultation(); c != "" {
		cApp, cid, err := trial.ParseConsultationName(c, "document.consultation")
		if err != nil {
			return "", in, err
		}
		if cApp != appID {
			return "", in, trial.Invalid([]trial.Violation{{Field: "document.consultation", Reason: "OTHER_APPLICATION",
				Description: "the consultation belongs to another application than parent"}})
		}
		in.ConsultationID = cid
	}
	return appID, in, nil
}

// UploadDocument implements forsok.v1.ApplicationService.
func (s *Server) UploadDocument(stream grpc.ClientStreamingServer[forsokv1.UploadDocumentRequest, forsokv1.Document]) error {
	ctx := stream.Context()
	if err := trial.MayUpload(actorFrom(ctx)); err != nil {
		return err
	}
	first, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return trial.Invalid([]trial.Violation{{Field: "metadata", Reason: "REQUIRED", Description: "the first message carries the metadata"}})
	}
	if err != nil {
		return err
	}
	m := first.GetMetadata()
	if m == nil {
		return trial.Invalid([]trial.Violation{{Field: "metadata", Reason: "REQUIRED", Description: "the first message carries the metadata, the later ones the chunks"}})
	}
	appID, in, err := documentInput(m)
	if err != nil {
		return err
	}
	call := workflow.Call{Actor: actorFrom(ctx), Method: forsokv1.ApplicationService_UploadDocument_FullMethodName}
	d, err := s.svc.UploadDocument(ctx, call, appID, in, &chunkReader{recv: stream.Recv})
	if err != nil {
		return err
	}
	s.countDocument(d)
	return stream.SendAndClose(documentToProto(d))
}

// chunkReader reads an upload's chunks as one stream of bytes.
type chunkReader struct {
	recv func() (*forsokv1.UploadDocumentRequest, error)
	buf  []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		msg, err := r.recv()
		if err != nil {
			return 0, err // io.EOF when the client closed its side: the file is complete
		}
		if msg.GetMetadata() != nil {
			return 0, trial.Invalid([]trial.Violation{{Field: "metadata", Reason: "DUPLICATE", Description: "only the first message carries metadata"}})
		}
		r.buf = msg.GetChunk()
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// ListDocuments implements forsok.v1.ApplicationService.
func (s *Server) ListDocuments(ctx context.Context, req *forsokv1.ListDocumentsRequest) (*forsokv1.ListDocumentsResponse, error) {
	id, err := trial.ParseApplicationName(req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	docs, err := s.svc.ListDocuments(ctx, actorFrom(ctx), id)
	if err != nil {
		return nil, err
	}
	resp := &forsokv1.ListDocumentsResponse{}
	for _, d := range docs {
		resp.Documents = append(resp.Documents, documentToProto(d))
	}
	return resp, nil
}

// GetDocument implements forsok.v1.ApplicationService.
func (s *Server) GetDocument(ctx context.Context, req *forsokv1.GetDocumentRequest) (*forsokv1.Document, error) {
	appID, docID, err := trial.ParseDocumentName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	d, err := s.svc.GetDocument(ctx, actorFrom(ctx), appID, docID)
	if err != nil {
		return nil, err
	}
	return documentToProto(d), nil
}

// DownloadDocument implements forsok.v1.ApplicationService.
func (s *Server) DownloadDocument(req *forsokv1.DownloadDocumentRequest, stream grpc.ServerStreamingServer[forsokv1.DownloadDocumentResponse]) error {
	ctx := stream.Context()
	appID, docID, err := trial.ParseDocumentName(req.GetName(), "name")
	if err != nil {
		return err
	}
	if req.GetReadOffset() < 0 || req.GetReadLimit() < 0 {
		return trial.Invalid([]trial.Violation{{Field: "read_offset", Reason: "NEGATIVE", Description: "read_offset and read_limit must not be negative"}})
	}
	d, r, err := s.svc.OpenDocument(ctx, actorFrom(ctx), appID, docID)
	if err != nil {
		return err
	}
	if req.GetReadOffset() > d.SizeBytes {
		return trial.Invalid([]trial.Violation{{Field: "read_offset", Reason: "OUT_OF_RANGE", Description: "read_offset is past the end of the document"}})
	}
	if _, err := r.Seek(req.GetReadOffset(), io.SeekStart); err != nil {
		return err
	}
	var src io.Reader = r
	if n := req.GetReadLimit(); n > 0 {
		src = io.LimitReader(r, n)
	}
	first := &forsokv1.DownloadDocumentResponse{Document: documentToProto(d)}
	buf := make([]byte, downloadChunk)
	sent := false
	for {
		n, err := io.ReadFull(src, buf)
		if n > 0 || !sent {
			msg := first
			if sent {
				msg = &forsokv1.DownloadDocumentResponse{}
			}
			msg.Chunk = buf[:n]
			if err := stream.Send(msg); err != nil {
				return err
			}
			s.countBytes("download", n)
			sent = true
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// ListJournalEntries implements forsok.v1.ApplicationService.
func (s *Server) ListJournalEntries(ctx context.Context, req *forsokv1.ListJournalEntriesRequest) (*forsokv1.ListJournalEntriesResponse, error) {
	entries, next, err := s.svc.ListJournalEntries(ctx, actorFrom(ctx), req.GetFilter(), int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &forsokv1.ListJournalEntriesResponse{NextPageToken: next}
	for _, e := range entries {
		resp.JournalEntries = append(resp.JournalEntries, journalEntryToProto(e))
	}
	return resp, nil
}

// ScreenJournalEntry implements forsok.v1.ApplicationService.
func (s *Server) ScreenJournalEntry(ctx context.Context, req *forsokv1.ScreenJournalEntryRequest) (*forsokv1.JournalEntry, error) {
	if err := trial.MayScreen(actorFrom(ctx)); err != nil {
		return nil, err
	}
	id, err := trial.ParseJournalEntryName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	fields := make([]string, len(req.GetFields()))
	for i, f := range req.GetFields() {
		fields[i] = strings.TrimSpace(f)
	}
	e, err := s.svc.ScreenJournalEntry(ctx, s.call(ctx, req), id, trial.ScreenInput{LegalBasis: req.GetLegalBasis(), Fields: fields, PublicTitle: req.GetPublicTitle()})
	if err != nil {
		return nil, err
	}
	return journalEntryToProto(e), nil
}

func (s *Server) countDocument(d *trial.Document) {
	s.docMetrics.stored.WithLabelValues(string(d.Kind)).Inc()
	s.countBytes("upload", int(d.SizeBytes))
}

func (s *Server) countBytes(direction string, n int) {
	s.docMetrics.bytes.WithLabelValues(direction).Add(float64(n))
}
