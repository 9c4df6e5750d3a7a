package rpc

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/forsok/forsok/internal/trial"
)

// BackupPath is where an admin fetches a copy of the database.
const BackupPath = "/v1/admin/backup"

// backupStall is how long one write of a backup to the client may take before the copy
// is abandoned: a client that stops reading must not hold the read transaction forever.
const backupStall = time.Minute

// serveBackup is GET /v1/admin/backup: a consistent copy of the whole database,
// streamed from one read transaction while the service goes on serving (Config.Backup).
// It is HTTP only, not a gRPC method, so it authenticates the bearer token itself with
// the same Authenticator; only the admin role may take a copy. Errors before the first
// byte have the gateway's JSON shape and status; a failure later aborts the response,
// so the client sees a broken transfer rather than a short file.
func (s *Server) serveBackup(mux *runtime.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		fail := s.httpFailer(mux, w, r)
		actor, release, err := s.startBulkRead(r, "a backup", s.backup != nil)
		if err != nil {
			fail(err)
			return
		}
		defer release()

		start := time.Now()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="forsok-`+start.UTC().Format("20060102T150405Z")+`.db"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodHead {
			return
		}
		rc := http.NewResponseController(w)
		defer func() { _ = rc.SetWriteDeadline(time.Time{}) }()
		n, err := s.backup(stallGuard{w: w, rc: rc})
		// An operator's copy of every case is worth an audit line naming who took it.
		s.log.LogAttrs(ctx, slog.LevelInfo, "backup",
			slog.String("request_id", w.Header().Get(RequestIDHeader)),
			slog.String("role", string(actor.Role)), slog.String("org", actor.OrganisationNumber),
			slog.String("subject", actor.Subject),
			slog.Int64("bytes", n), slog.Duration("duration", time.Since(start)), errAttr(err))
		switch {
		case err == nil:
		case n == 0:
			w.Header().Del("Content-Disposition")
			fail(trial.Errorf(trial.CodeUnavailable, "the backup could not be started; try again later"))
		default:
			// The status line has gone out: only a broken connection tells the client
			// that the copy is incomplete.
			panic(http.ErrAbortHandler)
		}
	}
}

// stallGuard gives each write to the client its own deadline.
type stallGuard struct {
	w  io.Writer
	rc *http.ResponseController
}

func (g stallGuard) Write(p []byte) (int, error) {
	_ = g.rc.SetWriteDeadline(time.Now().Add(backupStall)) // not every writer has deadlines
	return g.w.Write(p)
}

// errAttr is the error of a log line, empty when there is none.
func errAttr(err error) slog.Attr {
	if err == nil {
		return slog.Attr{}
	}
	return slog.String("err", err.Error())
}

// httpFailer answers an error on a hand-written HTTP route in the gateway's JSON shape
// and status, through the one error table.
func (s *Server) httpFailer(mux *runtime.ServeMux, w http.ResponseWriter, r *http.Request) func(error) {
	return func(err error) {
		_, out := runtime.MarshalerForRequest(mux, r)
		runtime.HTTPError(r.Context(), mux, out, w, r, s.toStatus(r.Context(), err))
	}
}

// startBulkRead admits an admin's bulk read of the whole store (a backup, an archive
// export): the bearer token must be an admin's, the server must offer it (offered), and
// only one runs at a time, as each holds a read transaction open for long. release frees the
// slot; actor is the caller, for the audit line.
func (s *Server) startBulkRead(r *http.Request, what string, offered bool) (actor trial.Actor, release func(), err error) {
	actor, err = s.auth.Authenticate(r.Context(), r.Header.Get("Authorization"))
	switch {
	case err != nil:
		return actor, nil, err
	case actor.Role == trial.RolePublic:
		return actor, nil, trial.Errorf(trial.CodeUnauthenticated, "%s needs a bearer token of the admin role", what)
	case actor.Role != trial.RoleAdmin:
		return actor, nil, trial.Errorf(trial.CodePermissionDenied, "%s needs the admin role", what)
	case !offered:
		return actor, nil, trial.Errorf(trial.CodeUnimplemented, "this server offers no %s", strings.TrimPrefix(strings.TrimPrefix(what, "a "), "the "))
	}
	select {
	case s.backupSlot <- struct{}{}:
		return actor, func() { <-s.backupSlot }, nil
	default:
		return actor, nil, trial.Errorf(trial.CodeResourceExhausted, "a backup or archive export is already running; try again when it has finished")
	}
}
