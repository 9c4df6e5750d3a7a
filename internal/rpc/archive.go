package rpc

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/forsok/forsok/internal/trial"
)

// ArchivePath is where an admin fetches the Noark 5 archive deposit as a tar.
const ArchivePath = "/v1/archive:export"

// serveArchive is GET /v1/archive:export?filter=…: the arkivuttrekk of the ended cases
// the filter (the list filter of ListApplications) matches, as a tar of
// avleveringspakke/ (package noark, wired in by internal/server), the same folder forsokd archive-export writes.
// Like the backup it is HTTP only and authenticates the bearer token itself with the
// same Authenticator; only the admin role may take it. Errors before the first byte
// have the gateway's JSON shape and status; a failure later aborts the response, so the
// client sees a broken transfer rather than a short tar.
func (s *Server) serveArchive(mux *runtime.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		fail := s.httpFailer(mux, w, r)
		actor, release, err := s.startBulkRead(r, "the archive export", s.archive != nil)
		if err != nil {
			fail(err)
			return
		}
		defer release()
		filter, err := trial.ParseFilter(r.URL.Query().Get("filter"), s.svc.Location)
		if err != nil {
			fail(err)
			return
		}
		start := s.svc.Now()
		rc := http.NewResponseController(w)
		defer func() { _ = rc.SetWriteDeadline(time.Time{}) }()
		lw := &lazyHeader{w: stallGuard{w: w, rc: rc}, header: func() {
			w.Header().Set("Content-Type", "application/x-tar")
			w.Header().Set("Content-Disposition", `attachment; filename="avleveringspakke-`+start.UTC().Format("20060102T150405Z")+`.tar"`)
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("X-Content-Type-Options", "nosniff")
		}}
		cases, documents, err := s.archive(ctx, filter, lw)
		// Every case's record leaving the service is worth an audit line naming who took it.
		attrs := []slog.Attr{slog.String("request_id", w.Header().Get(RequestIDHeader)),
			slog.String("role", string(actor.Role)), slog.String("subject", actor.Subject),
			slog.Int64("bytes", lw.n), slog.Duration("duration", time.Since(start)), errAttr(err)}
		attrs = append(attrs, slog.Int("cases", cases), slog.Int("documents", documents))
		s.log.LogAttrs(ctx, slog.LevelInfo, "archive export", attrs...)
		switch {
		case err == nil:
		case !lw.started:
			fail(err)
		default:
			panic(http.ErrAbortHandler)
		}
	}
}

// lazyHeader sets the response's headers at the first byte, so that an error found
// before it still gets the gateway's JSON answer.
type lazyHeader struct {
	w       stallGuard
	header  func()
	started bool
	n       int64
}

func (l *lazyHeader) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.header()
	}
	n, err := l.w.Write(p)
	l.n += int64(n)
	return n, err
}
