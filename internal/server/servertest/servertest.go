// Package servertest is the test kit of the running stack: Start runs the real server
// (internal/server) on loopback ports the kernel picks, with a gRPC client and the REST
// base URL, its store checked for consistency when the test ends; Open builds only its
// core, for tests that call the service in process; DevKey and Mint give development
// tokens of every role from one key generated once per test process. The settable clock is trialtest.Clock; a temporary store of
// its own for a test of the service alone is bolttest.Open.
package servertest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/server"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// Options say how Start runs the stack; the zero value is a development-mode server on
// a new data directory, on the real clock.
type Options struct {
	// Clock is the clock of the whole stack; nil means the real one.
	Clock *trialtest.Clock
	// DataDir is the data directory; "" means a new t.TempDir(). The process's
	// development key is put there unless the directory has one already.
	DataDir string
	// Logs receives the server's JSON log; nil means a buffer of the Stack's own, shown
	// when the test fails.
	Logs io.Writer
	// SchedulerInterval is how often the scheduler looks for due timers. Zero means an
	// hour: it looks once at start, and the tests move the clock and fire timers
	// themselves (Stack.Advance), so no tick comes between their steps.
	SchedulerInterval time.Duration
	// Durable keeps the fsync after each commit; tests about durability set it. Without
	// it the store skips fsync (boltstore.Options.NoSync), which is safe for a process
	// that is not killed and makes the suite faster.
	Durable bool
	// NoWorkers runs neither the scheduler nor the webhook worker (server.NoWorkers).
	NoWorkers bool
	// Configure adjusts the server before it runs (its Config, Webhooks, RPC, Store).
	Configure func(*server.Server)
}

// Stack is a running server with a gRPC client and the REST base URL. It is closed when
// the test ends, unless the test closes it first.
type Stack struct {
	*server.Server
	t     testing.TB
	Clock *trialtest.Clock // Options.Clock; nil on the real clock
	Logs  *LogBuffer       // the server's log, unless Options.Logs took it
	Conn  *grpc.ClientConn
	API   forsokv1.ApplicationServiceClient
	Base  string       // http://127.0.0.1:port
	HTTP  *http.Client // a client with a timeout, for the REST side
	close bool
}

// Start runs the real stack (internal/server) with opts and connects a gRPC client.
func Start(t testing.TB, opts Options) *Stack {
	t.Helper()
	st := newStack(t, opts)
	if err := st.Run(context.Background()); err != nil {
		t.Fatalf("server.Run: %v", err)
	}
	conn, err := grpc.NewClient(st.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("grpc.NewClient: %v", err)
	}
	st.Conn, st.API, st.Base = conn, forsokv1.NewApplicationServiceClient(conn), "http://"+st.HTTPAddr()
	return st
}

// Open builds only the stack's core (server.Open: store, service, authenticator) with
// opts, for tests that call the service in process; nothing listens or runs.
func Open(t testing.TB, opts Options) *Stack {
	t.Helper()
	st := newStack(t, opts)
	if err := st.Server.Open(); err != nil {
		t.Fatalf("server.Open: %v", err)
	}
	return st
}

// newStack configures a server of opts and closes it when the test ends.
func newStack(t testing.TB, opts Options) *Stack {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	InstallDevKey(t, opts.DataDir)
	srv := server.New(server.DefaultConfig())
	srv.Config.DataDir = opts.DataDir
	srv.Config.HTTPAddr = "127.0.0.1:0"
	srv.Config.GRPCAddr = "127.0.0.1:0"
	st := &Stack{Server: srv, t: t, Clock: opts.Clock, HTTP: &http.Client{Timeout: 10 * time.Second}}
	logs := opts.Logs
	if logs == nil {
		st.Logs = &LogBuffer{}
		logs = st.Logs
	}
	srv.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	if opts.Clock != nil {
		srv.Now = opts.Clock.Now
	}
	srv.SchedulerInterval = opts.SchedulerInterval
	if srv.SchedulerInterval == 0 {
		srv.SchedulerInterval = time.Hour
	}
	srv.NoWorkers = opts.NoWorkers
	if !opts.Durable {
		srv.Store = func(o *boltstore.Options) { o.NoSync = true }
	}
	if opts.Configure != nil {
		opts.Configure(srv)
	}
	// Registered before any of the test's own cleanups, so it runs after them: they
	// may still use the stack.
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("closing the server: %v", err)
		}
		if t.Failed() && st.Logs != nil {
			t.Logf("server log (%s):\n%s", opts.DataDir, st.Logs.String())
		}
	})
	return st
}

// Close checks the store's consistency (indexes, the gap-free event sequence), then
// stops the server as forsokd does on SIGTERM. Calling it again does nothing.
func (s *Stack) Close() error {
	if s.close {
		return nil
	}
	s.close = true
	s.HTTP.CloseIdleConnections()
	if s.Conn != nil {
		_ = s.Conn.Close()
	}
	if st := s.BoltStore(); st != nil {
		if err := st.Check(); err != nil {
			s.t.Errorf("store.Check: got %v, want nil", err)
		}
	}
	return s.Server.Close()
}

// Now returns the time on the stack's clock.
func (s *Stack) Now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// Advance sets the clock to `to` and fires the timers due by then, as the scheduler
// does on its next tick. It needs Options.Clock.
func (s *Stack) Advance(to time.Time) {
	s.t.Helper()
	if s.Clock == nil {
		s.t.Fatal("Stack.Advance: the stack runs on the real clock (Options.Clock is nil)")
	}
	s.Clock.Set(to)
	if _, err := s.Service().FireDueTimers(context.Background()); err != nil {
		s.t.Fatalf("FireDueTimers: %v", err)
	}
}

// As returns a context carrying the token as gRPC metadata; "" carries none.
func As(ctx context.Context, token string) context.Context {
	if token == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}
