package rpc

import (
	"io"
	"log/slog"
	"net/http"
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
		fail := func(err error) {
			_, out := runtime.MarshalerForRequest(mux, r)
			runtime.HTTPError(ctx, mux, out, w, r, s.toStatus(ctx, err))
		}
		actor, err := s.auth.Authenticate(ctx, r.Header.Get("Authorization"))
		switch {
		case err != nil:
			fail(err)
			return
		case actor.Role == trial.RolePublic:
			fail(trial.Errorf(trial.CodeUnauthenticated, "a backup needs a bearer token of the admin role"))
			return
		case actor.Role != trial.RoleAdmin:
			fail(trial.Errorf(trial.CodePermissionDenied, "a backup needs the admin role"))
			return
		case s.backup == nil:
			fail(trial.Errorf(trial.CodeUnimplemented, "this server offers no backups"))
			return
		}
		select {
		case s.backupSlot <- struct{}{}:
			defer func() { <-s.backupSlot }()
		default:
			fail(trial.Errorf(trial.CodeResourceExhausted, "a backup is already running; try again when it has finished"))
			return
		}

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
