package rpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
)

// errShuttingDown is the readiness of a server that has begun to shut down.
var errShuttingDown = errors.New("shutting down")

// lifecycle is the server's state beyond the gRPC service: whether it is ready, and
// what the HTTP-only endpoints need.
type lifecycle struct {
	ready        func(context.Context) error
	backup       func(io.Writer) (int64, error)
	shuttingDown atomic.Bool
	// backupSlot admits one backup at a time: each holds a read transaction, and so
	// the pages of its snapshot, for as long as the copy takes.
	backupSlot chan struct{}
}

func newLifecycle(ready func(context.Context) error, backup func(io.Writer) (int64, error)) lifecycle {
	return lifecycle{ready: ready, backup: backup, backupSlot: make(chan struct{}, 1)}
}

// BeginShutdown marks the server not ready: /readyz answers 503 and the gRPC health
// service NOT_SERVING for the whole server and for forsok.v1.ApplicationService, so that
// load balancers and orchestrators stop sending requests while those in flight finish.
// It does not stop anything; Shutdown calls it first. Calling it again does nothing.
func (s *Server) BeginShutdown() {
	if s.shuttingDown.Swap(true) {
		return
	}
	s.health.Shutdown()
	s.endStreams() // WatchEvents streams would hold the shutdown up (events.go)
}

// Ready returns nil while the server should be sent requests: it is not shutting down
// and Config.Ready (the store) reports no error.
func (s *Server) Ready(ctx context.Context) error {
	if s.shuttingDown.Load() {
		return errShuttingDown
	}
	if s.ready != nil {
		if err := s.ready(ctx); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return nil
}

// serveHealthz is liveness: the process answers HTTP. It says nothing about the store,
// so that an orchestrator restarts a hung process, not one that is draining.
func serveHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
}

// serveReadyz is readiness: 200 while Ready, else 503 with the reason.
func (s *Server) serveReadyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.Ready(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintf(w, "not ready: %v\n", err)
		return
	}
	_, _ = io.WriteString(w, "ok\n")
}
