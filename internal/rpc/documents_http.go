package rpc

// The REST upload and download of documents. grpc-gateway cannot stream a raw request
// body into a client-streaming method, nor answer Range requests, so these two routes
// are small HTTP handlers on the gateway's mux. They are clients of the gRPC service
// over the gateway's own in-memory connection, with the request's headers turned into
// metadata by the gateway's own runtime.AnnotateContext: authentication, the
// interceptors, the request order and the error table are the very code every other
// REST call goes through, and errors are written by the gateway's error handler in its
// JSON shape.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/trial"
)

// uploadChunk is the size of the chunks the REST upload sends on.
const uploadChunk = 256 << 10

// documentRoutes serves the upload and download routes and hands everything else to next.
type documentRoutes struct {
	mux      *runtime.ServeMux
	client   forsokv1.ApplicationServiceClient
	maxBytes int64
	next     http.Handler
	// toStatus is the server's error table, for the errors found here.
	toStatus func(context.Context, error) error
}

// documentPath splits "/v1/applications/{id}/documents[/{doc}[:download]]".
func documentPath(p string) (appID, rest string, ok bool) {
	tail, ok := strings.CutPrefix(p, "/v1/applications/")
	if !ok {
		return "", "", false
	}
	appID, rest, ok = strings.Cut(tail, "/documents")
	return appID, rest, ok && appID != "" && !strings.Contains(appID, "/")
}

func (d *documentRoutes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	appID, rest, ok := documentPath(r.URL.Path)
	switch {
	case ok && rest == "" && r.Method == http.MethodPost:
		d.upload(w, r, appID)
	case ok && strings.HasSuffix(rest, ":download") && strings.HasPrefix(rest, "/") && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		d.download(w, r, appID, strings.TrimSuffix(rest[1:], ":download"))
	default:
		d.next.ServeHTTP(w, r)
	}
}

// fail writes err as the gateway writes the errors of every other method.
func (d *documentRoutes) fail(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
	_, out := runtime.MarshalerForRequest(d.mux, r)
	runtime.HTTPError(ctx, d.mux, out, w, r, d.toStatus(ctx, err))
}

// upload reads the metadata from the query (and, for multipart/form-data, the form
// fields before the file part) and streams the body to UploadDocument.
func (d *documentRoutes) upload(w http.ResponseWriter, r *http.Request, appID string) {
	ctx, err := runtime.AnnotateContext(r.Context(), d.mux, r, forsokv1.ApplicationService_UploadDocument_FullMethodName)
	if err != nil {
		d.fail(r.Context(), w, r, trial.Errorf(trial.CodeInvalidArgument, "%s", err.Error()))
		return
	}
	if r.ContentLength > d.maxBytes+(1<<20) {
		// Refused before a byte is read (api.md allows 413 from the HTTP layer); a body
		// of unknown length is cut off by the service at the limit.
		http.Error(w, fmt.Sprintf("request body over the document size limit of %d bytes", d.maxBytes), http.StatusRequestEntityTooLarge)
		return
	}
	fields := r.URL.Query()
	var body io.Reader = r.Body
	if mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		part, err := formFile(multipart.NewReader(r.Body, params["boundary"]), fields)
		if err != nil {
			d.fail(ctx, w, r, err)
			return
		}
		body = part
	}
	meta := &forsokv1.UploadDocumentMetadata{
		Parent: trial.ApplicationName(appID),
		Document: &forsokv1.Document{Title: fields.Get("title"), Filename: fields.Get("filename"),
			Consultation: fields.Get("consultation"), Public: fields.Get("public") == "true"},
		PublicTitle: fields.Get("publicTitle"), DocumentDate: fields.Get("documentDate"),
	}
	if k := fields.Get("kind"); k != "" {
		v, ok := forsokv1.Document_Kind_value[k]
		if !ok {
			d.fail(ctx, w, r, trial.Invalid([]trial.Violation{{Field: "document.kind", Reason: "INVALID_KIND",
				Description: fmt.Sprintf("kind %q is not a document kind", k)}}))
			return
		}
		meta.Document.Kind = forsokv1.Document_Kind(v)
	}
	doc, err := d.send(ctx, meta, body)
	if err != nil {
		d.fail(ctx, w, r, err)
		return
	}
	runtime.ForwardResponseMessage(ctx, d.mux, runtimeOut(d.mux, r), w, r, doc)
}

func runtimeOut(mux *runtime.ServeMux, r *http.Request) runtime.Marshaler {
	_, out := runtime.MarshalerForRequest(mux, r)
	return out
}

// formFile reads a multipart form up to its "file" part, adding the fields before it
// to fields (the query wins), and returns the file part.
func formFile(mr *multipart.Reader, fields url.Values) (io.Reader, error) {
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, trial.Errorf(trial.CodeInvalidArgument, "%s", "the form has no file part")
		}
		if err != nil {
			return nil, trial.Errorf(trial.CodeInvalidArgument, "%s", "read the form: "+err.Error())
		}
		name := part.FormName()
		if name == "file" {
			if fields.Get("filename") == "" {
				fields.Set("filename", part.FileName())
			}
			return part, nil
		}
		v, err := io.ReadAll(io.LimitReader(part, 64<<10))
		if err != nil {
			return nil, trial.Errorf(trial.CodeInvalidArgument, "%s", "read the form: "+err.Error())
		}
		if !fields.Has(name) {
			fields.Set(name, string(v))
		}
	}
}

// send streams the metadata and body to UploadDocument and returns its answer.
func (d *documentRoutes) send(ctx context.Context, meta *forsokv1.UploadDocumentMetadata, body io.Reader) (*forsokv1.Document, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := d.client.UploadDocument(ctx)
	if err != nil {
		return nil, err
	}
	if err := stream.Send(&forsokv1.UploadDocumentRequest{Content: &forsokv1.UploadDocumentRequest_Metadata{Metadata: meta}}); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	buf := make([]byte, uploadChunk)
	for {
		n, rerr := io.ReadFull(body, buf)
		if n > 0 {
			// io.EOF from Send: the server has ended the call; CloseAndRecv has its status.
			if err := stream.Send(&forsokv1.UploadDocumentRequest{Content: &forsokv1.UploadDocumentRequest_Chunk{Chunk: buf[:n]}}); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, err
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			// The client's body broke off: cancelling the call makes the service drop
			// everything it staged.
			cancel()
			return nil, trial.Errorf(trial.CodeInvalidArgument, "%s", "the upload ended before the file was complete: "+rerr.Error()+"; nothing was stored")
		}
	}
	return stream.CloseAndRecv()
}

// download answers with the document's bytes through http.ServeContent, which handles
// Range, If-Range, If-None-Match and HEAD, over a reader of DownloadDocument streams.
func (d *documentRoutes) download(w http.ResponseWriter, r *http.Request, appID, docID string) {
	ctx, err := runtime.AnnotateContext(r.Context(), d.mux, r, forsokv1.ApplicationService_DownloadDocument_FullMethodName)
	if err != nil {
		d.fail(r.Context(), w, r, trial.Errorf(trial.CodeInvalidArgument, "%s", err.Error()))
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rs := &streamReadSeeker{ctx: ctx, client: d.client, name: trial.ApplicationName(appID) + "/documents/" + docID}
	// The first message comes before any header is written, so that a refusal (not
	// found, not yet scanned) is an error answer, not a broken 200.
	doc, err := rs.open(0)
	if err != nil {
		d.fail(ctx, w, r, err)
		return
	}
	rs.size = doc.GetSizeBytes()
	h := w.Header()
	h.Set("Content-Type", doc.GetContentType())
	h.Set("Content-Disposition", contentDisposition(doc.GetFilename()))
	h.Set("ETag", strconv.Quote(doc.GetSha256()))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	modified := time.Time{}
	if t := doc.GetCreateTime(); t != nil {
		modified = t.AsTime()
	}
	http.ServeContent(w, r, "", modified, rs)
}

// contentDisposition names the file for the browser (RFC 6266): an ASCII fallback and
// the UTF-8 name in filename* (RFC 5987).
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, rfc5987(name))
}

// rfc5987 percent-encodes everything but RFC 5987's attr-char.
func rfc5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// streamReadSeeker reads a document through DownloadDocument: a stream from the current
// offset, reopened at the new one after a Seek. It holds one message at a time.
type streamReadSeeker struct {
	ctx       context.Context
	client    forsokv1.ApplicationServiceClient
	name      string
	size      int64
	off       int64 // the position Read continues from
	streamOff int64 // the position of the stream's next byte
	stream    grpc.ServerStreamingClient[forsokv1.DownloadDocumentResponse]
	cancel    context.CancelFunc
	buf       []byte
}

// open starts a stream at off and returns the document from its first message.
func (s *streamReadSeeker) open(off int64) (*forsokv1.Document, error) {
	if s.cancel != nil {
		s.cancel()
	}
	ctx, cancel := context.WithCancel(s.ctx)
	stream, err := s.client.DownloadDocument(ctx, &forsokv1.DownloadDocumentRequest{Name: s.name, ReadOffset: off})
	if err != nil {
		cancel()
		return nil, err
	}
	first, err := stream.Recv()
	if err != nil {
		cancel()
		return nil, err
	}
	s.stream, s.cancel, s.streamOff, s.buf = stream, cancel, off, first.GetChunk()
	return first.GetDocument(), nil
}

func (s *streamReadSeeker) Read(p []byte) (int, error) {
	if s.off >= s.size {
		return 0, io.EOF
	}
	if s.stream == nil || s.streamOff != s.off {
		if _, err := s.open(s.off); err != nil {
			return 0, err
		}
	}
	for len(s.buf) == 0 {
		msg, err := s.stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return 0, io.ErrUnexpectedEOF
			}
			return 0, err
		}
		s.buf = msg.GetChunk()
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	s.off += int64(n)
	s.streamOff += int64(n)
	return n, nil
}

func (s *streamReadSeeker) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += s.off
	case io.SeekEnd:
		offset += s.size
	default:
		return 0, errors.New("seek: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("seek: negative position")
	}
	s.off = offset
	return offset, nil
}
