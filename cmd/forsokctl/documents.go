package main

// Documents on a case and the journal (R21, R22; docs/documents.md): listing a case's
// documents, uploading and downloading them as streams, listing the journal and KDD's
// screening of an entry under offentleglova.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

const groupDocuments = "Documents and the journal (R21, R22)"

// uploadChunk is the size of an upload's chunks: the proto's advice (at most 1 MiB).
const uploadChunk = 256 << 10

func init() {
	commands = append(commands,
		&command{name: "documents", group: groupDocuments, args: "ID", minArgs: 1, maxArgs: 1, summary: "a case's documents: name, kind, size, scan state, public, title", setup: setupDocuments},
		&command{name: "upload", group: groupDocuments, args: "ID FILE", minArgs: 2, maxArgs: 2, summary: "attach FILE (- for stdin) to the case, streamed in chunks; it is journaled in the same write (R21)", setup: setupUpload},
		&command{name: "download", group: groupDocuments, args: "DOCUMENT", minArgs: 1, maxArgs: 1, summary: "fetch a document to -out or stdout, streamed, checking its SHA-256", setup: setupDownload},
		&command{name: "journal", group: groupDocuments, summary: "the journal's entries, in journal order; the public sees the public journal", setup: setupJournal},
		&command{name: "screen", group: groupDocuments, args: "ENTRY", minArgs: 1, maxArgs: 1, summary: "KDD screens a journal entry under offentleglova (R21)", setup: setupScreen},
	)
}

// documentName turns "applications/ID/documents/N", "ID/documents/N" or "ID/N" into the
// document's resource name.
func documentName(arg string) (string, error) {
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(arg), "applications/"), "/")
	switch {
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		return "applications/" + parts[0] + "/documents/" + parts[1], nil
	case len(parts) == 3 && parts[0] != "" && parts[1] == "documents" && parts[2] != "":
		return "applications/" + strings.Join(parts, "/"), nil
	}
	return "", usagef("%q is not a document; give applications/2026-000042/documents/1 or 2026-000042/1", arg)
}

// journalEntryName turns "2026-000017" or "journalEntries/2026-000017" into the entry's
// resource name.
func journalEntryName(arg string) (string, error) {
	id := strings.TrimPrefix(strings.TrimSpace(arg), "journalEntries/")
	if id == "" || strings.Contains(id, "/") {
		return "", usagef("%q is not a journal entry; give its id (2026-000017) or name (journalEntries/2026-000017)", arg)
	}
	return "journalEntries/" + id, nil
}

func setupDocuments(*flags) runFunc {
	return func(ctx context.Context, s *session, args []string) error {
		name, err := applicationName(args[0])
		if err != nil {
			return err
		}
		resp, err := s.api.ListDocuments(ctx, &forsokv1.ListDocumentsRequest{Parent: name})
		if err != nil {
			return err
		}
		return s.emit(resp, func(w io.Writer) {
			if len(resp.GetDocuments()) == 0 {
				fmt.Fprintln(w, "No documents.")
				return
			}
			fmt.Fprintln(w, "DOCUMENT\tKIND\tBYTES\tSCAN\tPUBLIC\tJOURNAL\tTITLE")
			for _, d := range resp.GetDocuments() {
				fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", d.GetName(), d.GetKind(), d.GetSizeBytes(), d.GetScanState(),
					yesNo(d.GetPublic()), d.GetJournalEntry(), d.GetTitle())
			}
		})
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// printDocument prints one document's metadata.
func printDocument(w io.Writer, d *forsokv1.Document) {
	fmt.Fprintf(w, "%s  %s  %s\n", d.GetName(), d.GetKind(), d.GetTitle())
	fmt.Fprintf(w, "file %s, %s, %d bytes, sha256 %s\n", d.GetFilename(), d.GetContentType(), d.GetSizeBytes(), d.GetSha256())
	fmt.Fprintf(w, "scan %s, public %s, journal entry %s\n", d.GetScanState(), yesNo(d.GetPublic()), d.GetJournalEntry())
}

func setupUpload(f *flags) runFunc {
	md := &forsokv1.UploadDocumentMetadata{Document: &forsokv1.Document{}}
	f.text(&md.Document.Title, "title", "document.title", "the document's title, as journaled (`text`)")
	kind := f.enum(forsokv1.Document_Kind_value, false, "kind", "document.kind", "what the document is")
	f.text(&md.Document.Filename, "filename", "document.filename", "the file `name` to record; default FILE's base name")
	f.BoolVar(&md.Document.Public, "public", false, "offer the document to the public register")
	f.fields["document.public"] = "public"
	f.text(&md.PublicTitle, "public-title", "public_title", "the title in the public journal (`text`); default the title")
	f.text(&md.DocumentDate, "document-date", "document_date", "the `date` written on the document; default the journal date")
	f.text(&md.Document.Consultation, "consultation", "document.consultation", "for a ministry's STATEMENT, the `consultation` it answers")
	return func(ctx context.Context, s *session, args []string) error {
		name, err := applicationName(args[0])
		if err != nil {
			return err
		}
		md.Parent = name
		md.Document.Kind = forsokv1.Document_Kind(kind.first())
		if md.Document.Consultation != "" {
			if md.Document.Consultation, err = consultationName(md.Document.Consultation); err != nil {
				return err
			}
		}
		var in io.Reader
		if args[1] == "-" {
			if md.Document.Filename == "" {
				return usagef("FILE - (stdin) needs -filename")
			}
			in = os.Stdin
		} else {
			file, err := os.Open(args[1])
			if err != nil {
				return err
			}
			defer file.Close()
			in = file
			if md.Document.Filename == "" {
				md.Document.Filename = filepath.Base(args[1])
			}
		}
		doc, err := s.upload(ctx, md, in)
		if err != nil {
			return err
		}
		return s.emit(doc, func(w io.Writer) { printDocument(w, doc) })
	}
}

// upload streams in to UploadDocument: the metadata, then chunks of uploadChunk bytes
// read into one buffer, so that a file of any size is never held whole in memory.
func (s *session) upload(ctx context.Context, md *forsokv1.UploadDocumentMetadata, in io.Reader) (*forsokv1.Document, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // abandons the stream, and so the upload, when reading the file fails
	stream, err := s.api.UploadDocument(ctx)
	if err != nil {
		return nil, err
	}
	if err := stream.Send(&forsokv1.UploadDocumentRequest{Content: &forsokv1.UploadDocumentRequest_Metadata{Metadata: md}}); err != nil {
		return nil, sendErr(stream.CloseAndRecv, err)
	}
	buf := make([]byte, uploadChunk)
	for {
		n, rerr := io.ReadFull(in, buf)
		if n > 0 {
			// Send does not keep buf after it returns: the message is serialised.
			if err := stream.Send(&forsokv1.UploadDocumentRequest{Content: &forsokv1.UploadDocumentRequest_Chunk{Chunk: buf[:n]}}); err != nil {
				return nil, sendErr(stream.CloseAndRecv, err)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("reading the file: %w", rerr)
		}
	}
	return stream.CloseAndRecv()
}

// sendErr turns a failed Send into the server's answer: Send reports io.EOF when the
// server has ended the stream, and the reason is what CloseAndRecv returns.
func sendErr(closeAndRecv func() (*forsokv1.Document, error), err error) error {
	if errors.Is(err, io.EOF) {
		if _, rerr := closeAndRecv(); rerr != nil {
			return rerr
		}
	}
	return err
}

func setupDownload(f *flags) runFunc {
	var out string
	var force bool
	f.StringVar(&out, "out", "", "write to `file` (written beside it and renamed when complete and checked); - or empty for stdout")
	f.BoolVar(&force, "force", false, "replace -out if it exists; write to stdout even when it is a terminal")
	return func(ctx context.Context, s *session, args []string) error {
		name, err := documentName(args[0])
		if err != nil {
			return err
		}
		if out == "" || out == "-" {
			w := rawWriter(s.stdout)
			if isTerminal(w) && !force {
				return usagef("stdout is a terminal: give -out FILE, pipe the output, or add -force")
			}
			doc, err := s.download(ctx, name, w)
			if doc != nil && err == nil {
				s.notef("%s: %d bytes, sha256 %s checked", doc.GetName(), doc.GetSizeBytes(), doc.GetSha256())
			}
			return err
		}
		if _, err := os.Stat(out); err == nil && !force {
			return usagef("-out %s exists; add -force to replace it", out)
		}
		tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name()) // gone after the rename; removes a failed download
		doc, err := s.download(ctx, name, tmp)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), out); err != nil {
			return err
		}
		return s.emit(doc, func(w io.Writer) {
			printDocument(w, doc)
			fmt.Fprintf(w, "written to %s, sha256 checked\n", out)
		})
	}
}

// errChecksum is a download whose bytes do not hash to the document's SHA-256.
var errChecksum = errors.New("the downloaded bytes do not match the document's SHA-256")

// download streams the document's bytes to w, hashing them as they pass, and checks
// the size and SHA-256 against the document's (its first message). What reached w
// before a failed check cannot be taken back: the caller removes a file, and stdout
// ends in an error and exit 1.
func (s *session) download(ctx context.Context, name string, w io.Writer) (*forsokv1.Document, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := s.api.DownloadDocument(ctx, &forsokv1.DownloadDocumentRequest{Name: name})
	if err != nil {
		return nil, err
	}
	var doc *forsokv1.Document
	h := sha256.New()
	var n int64
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if doc == nil {
			if doc = msg.GetDocument(); doc == nil {
				return nil, errors.New("the server's first message carries no document")
			}
		}
		if _, err := w.Write(msg.GetChunk()); err != nil {
			return nil, err
		}
		h.Write(msg.GetChunk())
		n += int64(len(msg.GetChunk()))
	}
	if doc == nil {
		return nil, errors.New("the server sent nothing")
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != doc.GetSizeBytes() || got != doc.GetSha256() {
		return nil, fmt.Errorf("%w: got %d bytes with sha256 %s, want %d bytes with sha256 %s", errChecksum, n, got, doc.GetSizeBytes(), doc.GetSha256())
	}
	return doc, nil
}

// rawWriter is the writer under the escaper: a document's bytes go out as they are
// (escaping them would corrupt every binary file); a terminal is refused instead.
func rawWriter(w io.Writer) io.Writer {
	if e, ok := w.(*escaper); ok {
		return e.w
	}
	return w
}

// isTerminal reports whether w is a character device, a terminal most likely.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func setupJournal(f *flags) runFunc {
	var filter, application, from, to, pageToken string
	var pageSize int
	var all bool
	f.text(&filter, "filter", "filter", "an AIP-160 `expression`: type = INCOMING AND journal_date >= \"2026-01-01\"")
	f.StringVar(&application, "application", "", "only the entries of this case (`ID`)")
	typ := f.enum(forsokv1.JournalEntry_Type_value, false, "type", "", "only entries of this type")
	f.StringVar(&from, "from", "", "only entries journaled on or after this `date`")
	f.StringVar(&to, "to", "", "only entries journaled on or before this `date`")
	f.IntVar(&pageSize, "page-size", 0, "at most `n` entries a page; 0 is the server's default")
	f.text(&pageToken, "page-token", "page_token", "continue from this `token` (printed after a partial page)")
	f.BoolVar(&all, "all", false, "fetch every page")
	return func(ctx context.Context, s *session, _ []string) error {
		parts := []string{}
		if v := strings.TrimSpace(filter); v != "" {
			parts = append(parts, v)
		}
		if application != "" {
			name, err := applicationName(application)
			if err != nil {
				return err
			}
			parts = append(parts, "application = "+strconv.Quote(name))
		}
		if t := typ.first(); t != 0 {
			parts = append(parts, "type = "+forsokv1.JournalEntry_Type(t).String())
		}
		if from != "" {
			parts = append(parts, "journal_date >= "+strconv.Quote(from))
		}
		if to != "" {
			parts = append(parts, "journal_date <= "+strconv.Quote(to))
		}
		if pageSize < 0 || pageSize > math.MaxInt32 {
			return usagef("-page-size %d: want 0 or a positive number", pageSize)
		}
		req := &forsokv1.ListJournalEntriesRequest{Filter: strings.Join(parts, " AND "), PageSize: int32(pageSize), PageToken: pageToken}
		resp := &forsokv1.ListJournalEntriesResponse{}
		for {
			page, err := s.api.ListJournalEntries(ctx, req)
			if err != nil {
				return err
			}
			resp.JournalEntries = append(resp.JournalEntries, page.GetJournalEntries()...)
			resp.NextPageToken = page.GetNextPageToken()
			if !all || resp.NextPageToken == "" {
				break
			}
			req.PageToken = resp.NextPageToken
		}
		return s.emit(resp, func(w io.Writer) {
			if len(resp.GetJournalEntries()) == 0 {
				fmt.Fprintln(w, "No journal entries.")
			} else {
				fmt.Fprintln(w, "ENTRY\tDATE\tTYPE\tCASE\tDOCUMENTS\tSCREENED\tTITLE")
				for _, e := range resp.GetJournalEntries() {
					screened := "-"
					if sc := e.GetScreening(); sc != nil {
						screened = strings.Join(sc.GetFields(), ",")
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", e.GetName(), e.GetJournalDate(), e.GetType(), e.GetCaseNumber(),
						len(e.GetDocuments()), screened, e.GetTitle())
				}
			}
			if resp.GetNextPageToken() != "" {
				s.notef("more entries: add -all, or -page-token %s", resp.GetNextPageToken())
			}
		})
	}
}

func setupScreen(f *flags) runFunc {
	req := &forsokv1.ScreenJournalEntryRequest{}
	var fields string
	f.text(&req.LegalBasis, "legal-basis", "legal_basis", "the legal basis in offentleglova (`text`): \"offl. § 13 jf. fvl. § 13 første ledd nr. 1\"")
	f.text(&fields, "fields", "fields", "what is withheld, comma-separated (`list`): title, correspondents, documents")
	f.text(&req.PublicTitle, "public-title", "public_title", "with title withheld, the title with the screened words as ***** (`text`)")
	return func(ctx context.Context, s *session, args []string) error {
		name, err := journalEntryName(args[0])
		if err != nil {
			return err
		}
		req.Name = name
		for _, field := range strings.Split(fields, ",") {
			if field = strings.TrimSpace(field); field != "" {
				req.Fields = append(req.Fields, field)
			}
		}
		e, err := s.api.ScreenJournalEntry(ctx, req)
		if err != nil {
			return err
		}
		return s.emit(e, func(w io.Writer) {
			fmt.Fprintf(w, "%s  %s  %s  %s\n", e.GetName(), e.GetJournalDate(), e.GetType(), e.GetTitle())
			fmt.Fprintf(w, "public title: %s\n", e.GetPublicTitle())
			if sc := e.GetScreening(); sc != nil {
				fmt.Fprintf(w, "screened %s under %s\n", strings.Join(sc.GetFields(), ", "), sc.GetLegalBasis())
			}
		})
	}
}
