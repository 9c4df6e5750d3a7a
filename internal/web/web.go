// Package web serves the public face of forsok as server-rendered HTML: the register of
// trials, one trial, the public journal, the statistics, an Atom feed of decisions and
// the accessibility statement (api.md, "Public pages (HTML)"). It is an adapter like
// the gRPC server: it calls the workflow's reads as an anonymous caller
// (trial.Actor{}), so every page shows exactly what the API's public view shows, built
// by the same view function (trial.PublicView) — there is no second notion of public
// here.
//
// The pages need no JavaScript; they use Digdir's Designsystemet CSS, vendored in
// static/ and embedded, under a strict Content-Security-Policy; every answer carries an
// ETag and a Cache-Control header.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// CSP is the Content-Security-Policy of every page: nothing but this server's own files,
// no inline script or style, no framing. Designsystemet's icons are data: URLs in its
// CSS, hence img-src data:.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Reads is what the pages read: the workflow service's public reads. *workflow.Service
// implements it; every call is made as the anonymous caller.
type Reads interface {
	ListApplications(ctx context.Context, actor trial.Actor, filter, orderBy string, pageSize int, pageToken string) ([]*trial.Application, string, error)
	GetApplication(ctx context.Context, actor trial.Actor, id string) (*trial.Application, error)
	GetStatistics(ctx context.Context) (*trial.Statistics, error)
	ListJournalEntries(ctx context.Context, actor trial.Actor, filter string, pageSize int, pageToken string) ([]*trial.JournalEntry, string, error)
	ListCalls(ctx context.Context, actor trial.Actor, pageSize int, pageToken string) ([]*trial.Call, string, error)
	GetCall(ctx context.Context, actor trial.Actor, id string) (*trial.Call, error)
	GetCallStatistics(ctx context.Context, actor trial.Actor, id string) (*trial.CallStatistics, error)
}

var _ Reads = (*workflow.Service)(nil)

// anonymous is the caller every page reads as: the public, without credentials.
var anonymous = trial.Actor{Role: trial.RolePublic}

// Options configure the pages.
type Options struct {
	// Logger receives errors that are the server's, not the visitor's.
	Logger *slog.Logger
	// BaseURL is the site's absolute URL for the Atom feed's links ("https://forsok.example.no");
	// empty: taken from each request's Host.
	BaseURL string
	// PageSize is the register's page size; 0 is 25.
	PageSize int
	// Documents lists a case's public documents; nil: the trial page has none.
	Documents Documents
}

// Handler serves the public pages.
type Handler struct {
	reads  Reads
	opts   Options
	pages  map[string]*template.Template
	static map[string]staticFile
	mux    *http.ServeMux
}

type staticFile struct {
	body        []byte
	etag        string
	contentType string
}

// Patterns are the routes the Handler serves, for a server that mounts it beside
// other handlers (the REST gateway gets everything else).
var Patterns = []string{
	"GET /{$}", "GET /forsok/{id}", "GET /forsok.atom", "GET /journal", "GET /statistikk",
	"GET /statistikk.csv", "GET /tilgjengelighet", "GET /static/{file}",
	"GET /utlysninger", "GET /utlysninger/{id}",
}

// New returns the public pages over reads.
func New(reads Reads, opts Options) (*Handler, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 25
	}
	h := &Handler{reads: reads, opts: opts, pages: map[string]*template.Template{}, static: map[string]staticFile{}}
	for _, page := range []string{"register", "trial", "statistics", "accessibility", "journal", "error", "calls", "call"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+page+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", page, err)
		}
		h.pages[page] = t
	}
	err := fs.WalkDir(staticFS, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(path)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(path, "static/")
		ct := "text/plain; charset=utf-8"
		if strings.HasSuffix(name, ".css") {
			ct = "text/css; charset=utf-8"
		}
		h.static[name] = staticFile{body: body, etag: etagOf(body), contentType: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.register)
	mux.HandleFunc("GET /forsok/{id}", h.trial)
	mux.HandleFunc("GET /forsok.atom", h.atom)
	mux.HandleFunc("GET /journal", h.journal)
	mux.HandleFunc("GET /statistikk", h.statistics)
	mux.HandleFunc("GET /statistikk.csv", h.statisticsCSV)
	mux.HandleFunc("GET /tilgjengelighet", h.accessibility)
	mux.HandleFunc("GET /static/{file}", h.staticFile)
	mux.HandleFunc("GET /utlysninger", h.calls)
	mux.HandleFunc("GET /utlysninger/{id}", h.call)
	h.mux = mux
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", CSP)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

// Mount registers the pages on mux under Patterns.
func (h *Handler) Mount(mux *http.ServeMux) {
	for _, p := range Patterns {
		mux.Handle(p, h)
	}
}

func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// write sends body with its ETag, or 304 when the client has it already.
func write(w http.ResponseWriter, r *http.Request, status int, contentType, cacheControl string, body []byte) {
	etag := etagOf(body)
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("Cache-Control", cacheControl)
	hdr.Set("Vary", "Accept-Encoding")
	if status == http.StatusOK {
		hdr.Set("ETag", etag)
		if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	hdr.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func etagMatches(header, etag string) bool {
	for _, m := range strings.Split(header, ",") {
		m = strings.TrimPrefix(strings.TrimSpace(m), "W/")
		if m == etag || m == "*" {
			return true
		}
	}
	return false
}

// pageCache is how long a browser or proxy may reuse a page without asking: short, as
// the register changes with every decision; the ETag makes asking again cheap.
const pageCache = "public, max-age=60"

// page is what every template gets.
type page struct {
	Lang  Lang
	Title string
	// Path is the page's path with its query, without lang, for the language switch.
	Path  string
	Query url.Values
	Data  any
}

// render executes the page's template and writes it.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, titleKey string, data any) {
	h.renderTitled(w, r, status, name, phrases[titleKey].in(langOf(r.URL.Query().Get("lang"))), data)
}

// renderTitled is render with a title of its own (a trial's).
func (h *Handler) renderTitled(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	l := langOf(r.URL.Query().Get("lang"))
	q := r.URL.Query()
	q.Del("lang")
	p := page{Lang: l, Title: title, Path: r.URL.Path, Query: q, Data: data}
	var buf bytes.Buffer
	if err := h.pages[name].Execute(&buf, p); err != nil {
		h.fail(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	write(w, r, status, "text/html; charset=utf-8", pageCache, buf.Bytes())
}

// fail answers a server error without details.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.opts.Logger.Error("web", "path", r.URL.Path, "err", err)
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}

// readError answers an error of a workflow read: not found, invalid input (shown on the
// page by the caller), or the server's own.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusNotFound, "error", "notfound.title", nil)
}

func isCode(err error, code trial.Code) bool {
	var e *trial.Error
	return errors.As(err, &e) && e.Code == code
}

func (h *Handler) staticFile(w http.ResponseWriter, r *http.Request) {
	f, ok := h.static[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	// The files change only with the binary: a day, then revalidation by ETag.
	write(w, r, http.StatusOK, f.contentType, "public, max-age=86400", f.body)
}

func (h *Handler) accessibility(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "accessibility", "a11y.title", nil)
}
