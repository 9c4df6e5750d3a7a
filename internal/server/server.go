// Package server builds the running forsok stack in one place: the bbolt store, the
// workflow service, authentication, the gRPC server and its REST gateway on their
// listeners, the scheduler, the webhook delivery worker and the metrics registry.
// cmd/forsokd runs it from its flags, forsok-bench and the tests run the same thing in
// process (internal/server/servertest), so that what is tested and measured is what is
// deployed.
//
// Open builds the core (store, service, authenticator) without starting anything; Run
// also starts the background workers and the listeners and returns once they accept
// connections; Close stops all of it in order.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/rpc"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/web"
	"github.com/forsok/forsok/internal/workflow"
)

// DBFile is the bbolt file's name in the data directory.
const DBFile = "forsok.db"

// Config is the server's configuration, as forsokd reads it from its flags and
// FORSOK_* environment variables.
type Config struct {
	DataDir       string // bbolt file and development key
	HTTPAddr      string
	GRPCAddr      string
	IssuersFile   string // token issuers; empty means development mode
	ReferenceFile string // ministries and R5's laws; empty means the embedded default
	// ConsultationDueDays is the default number of working days a ministry has to answer.
	ConsultationDueDays int
	// EvaluationDueMonths is how long after a trial ends its evaluation report is due.
	EvaluationDueMonths int
	// TLSCert and TLSKey are the PEM files of both listeners' certificate; empty means
	// plaintext. TLSClientCA, if set, makes both listeners require a client certificate
	// signed by one of its certificates.
	TLSCert, TLSKey, TLSClientCA string
	// InsecureListen lets a production server listen without TLS, for a
	// TLS-terminating proxy in front of it.
	InsecureListen bool
	// ShutdownTimeout bounds how long Close waits for requests in flight.
	ShutdownTimeout time.Duration
	// WebhookAllow lists the hosts webhooks may POST to ("a.example,*.b.example");
	// empty allows any public host (webhooks.go).
	WebhookAllow string
	// Clamd is the virus scanner's address ("tcp:127.0.0.1:3310", "unix:/run/clamav/clamd.ctl");
	// empty leaves documents PENDING (documents.go).
	Clamd string
	// MaxDocumentBytes limits one document, MaxCaseDocumentBytes a case's documents.
	MaxDocumentBytes, MaxCaseDocumentBytes int
}

// DefaultConfig returns the defaults of api.md.
func DefaultConfig() Config {
	return Config{DataDir: "./data", HTTPAddr: "localhost:8080", GRPCAddr: "localhost:9090",
		ConsultationDueDays: 15, EvaluationDueMonths: 6, ShutdownTimeout: DefaultShutdownTimeout,
		MaxDocumentBytes: workflow.DefaultMaxDocumentBytes, MaxCaseDocumentBytes: workflow.DefaultMaxCaseBytes}
}

// Server is the running stack. Set its fields before Open or Run; Close stops it.
type Server struct {
	Config Config
	Logger *slog.Logger
	// Now is the clock of the whole service; tests set it.
	Now func() time.Time
	// SchedulerInterval is how often due timers are looked for.
	SchedulerInterval time.Duration
	// Webhooks tunes the webhook delivery worker (webhooks.go).
	Webhooks WebhookOptions
	// Store adjusts the store's options (the benchmark's batch size; NoSync for tests
	// that are not about durability). forsokd leaves it alone.
	Store func(*boltstore.Options)
	// NoWorkers keeps Run from starting the scheduler and the webhook delivery worker,
	// for what is about requests alone: the benchmark, and tests of the API that fire
	// timers and read deliveries themselves. forsokd leaves it false.
	NoWorkers bool
	// RPC adjusts the transport's configuration before the gRPC server is made (tests
	// put failures into readiness and backups). forsokd leaves it alone.
	RPC func(*rpc.Config)
	// HTTPLimits are the HTTP server's timeouts and header limit (New sets
	// rpc.DefaultHTTPLimits; tests shorten them).
	HTTPLimits rpc.HTTPLimits

	opened    bool
	ref       *trial.Reference
	store     *boltstore.Store
	svc       *workflow.Service
	auth      *auth.Authenticator
	devKey    *auth.DevKey
	scheduler worker
	webhook   worker
	server    *rpc.Server
	gateway   *rpc.Gateway
	http      *http.Server
	grpcLis   net.Listener
	httpLis   net.Listener
}

// New returns a Server of cfg that logs JSON to standard error on the real clock.
func New(cfg Config) *Server {
	return &Server{
		Config:            cfg,
		Logger:            slog.New(slog.NewJSONHandler(os.Stderr, nil)),
		Now:               time.Now,
		SchedulerInterval: time.Second,
		HTTPLimits:        rpc.DefaultHTTPLimits(),
	}
}

// worker is a background goroutine stopped through its context.
type worker struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// start runs fn on a context of its own, so that Close decides when it stops.
func (w *worker) start(fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel, w.done = cancel, make(chan struct{})
	go func() {
		defer close(w.done)
		fn(ctx)
	}()
}

// stop cancels the worker and waits for it; a worker never started is a no-op.
func (w *worker) stop() {
	if w.cancel != nil {
		w.cancel()
		<-w.done
	}
}

// Open builds the core: it reads the reference data, creates the data directory,
// makes the authenticator, opens the store and makes the service. Nothing runs yet;
// in-process callers (the benchmark's seeding, the crash test's fixtures) use
// Service and Authenticator directly. Calling Open again does nothing.
func (s *Server) Open() error {
	if s.opened {
		return nil
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if err := s.Config.Validate(); err != nil {
		return err
	}
	s.ref = trial.DefaultReference()
	if s.Config.ReferenceFile != "" {
		var err error
		if s.ref, err = trial.LoadReference(s.Config.ReferenceFile); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(s.Config.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if err := s.authenticator(); err != nil {
		return err
	}
	opts := boltstore.Options{Now: s.Now}
	if s.Store != nil {
		s.Store(&opts)
	}
	path := s.DBPath()
	var err error
	if s.store, err = boltstore.Open(path, opts); err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	s.opened = true
	if s.svc, err = workflow.NewService(s.store, s.ref); err != nil {
		return err
	}
	s.svc.Now = s.Now
	if s.Config.ConsultationDueDays > 0 {
		s.svc.DefaultDueWorkingDays = s.Config.ConsultationDueDays
	}
	if s.Config.EvaluationDueMonths > 0 {
		s.svc.Schedule.EvaluationDueMonths = s.Config.EvaluationDueMonths
	}
	s.svc.Webhooks.CheckTarget = s.webhookPolicy().Check
	return s.configureDocuments()
}

// Run opens the core if Open has not, starts the scheduler and the webhook worker,
// starts both listeners and returns once they accept connections.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Config.Validate(); err != nil {
		return err
	}
	tlsConfig, err := s.Config.serverTLS(s.logger())
	if err != nil {
		return err
	}
	if err := s.Open(); err != nil {
		return err
	}
	if !s.NoWorkers {
		s.scheduler.start(func(ctx context.Context) {
			s.svc.RunScheduler(ctx, s.SchedulerInterval, func(err error) { s.Logger.Error("scheduler", "err", err) })
		})
		s.startWebhooks()
	}
	registry := newRegistry(newCaseCollector(s.store.Counts, func() string { return s.svc.Today().Format(time.DateOnly) }))
	cfg := rpc.Config{Service: s.svc, Auth: s.auth, Logger: s.Logger,
		Registry: registry,
		Ready:    func(context.Context) error { return s.store.Ping() },
		Backup:   s.store.Backup,
		Archive:  archiveExport(s.svc),
	}
	if s.RPC != nil {
		s.RPC(&cfg)
	}
	s.server = rpc.NewServer(cfg)
	if s.gateway, err = rpc.NewGateway(ctx, s.server); err != nil {
		return err
	}
	if s.grpcLis, err = net.Listen("tcp", s.Config.GRPCAddr); err != nil {
		return fmt.Errorf("listen for gRPC: %w", err)
	}
	if s.httpLis, err = net.Listen("tcp", s.Config.HTTPAddr); err != nil {
		return fmt.Errorf("listen for HTTP: %w", err)
	}
	pages, err := web.New(s.svc, web.Options{Logger: s.Logger, Documents: PublicDocuments{Service: s.svc}})
	if err != nil {
		return err
	}
	s.http = &http.Server{Handler: withPages(pages, s.gateway), ErrorLog: slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
		TLSConfig: tlsConfig}
	s.HTTPLimits.Apply(s.http)
	grpcLis := grpcTLSListener(s.grpcLis, tlsConfig)
	go func() { _ = s.server.GRPCServer().Serve(grpcLis) }()
	go func() {
		serve := s.http.Serve
		if tlsConfig != nil {
			serve = func(l net.Listener) error { return s.http.ServeTLS(l, "", "") }
		}
		if err := serve(s.httpLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("http server", "err", err)
		}
	}()
	s.warnIfExposed()
	s.Logger.Info("forsokd serving", "grpc", s.GRPCAddr(), "http", s.HTTPAddr(), "data", s.DBPath(),
		"mode", s.mode(), "tls", tlsConfig != nil, "client_certificates", s.Config.TLSClientCA != "")
	return nil
}

// logger is the Logger, or the default one before Open has filled it in.
func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// authenticator trusts the configured issuers, or in development mode only the key in
// the data directory, created on first start.
func (s *Server) authenticator() error {
	if s.Config.IssuersFile != "" {
		cfg, err := auth.LoadConfig(s.Config.IssuersFile)
		if err != nil {
			return err
		}
		s.auth, err = auth.New(cfg, auth.Options{Now: s.Now, MinistryByOrganisation: auth.MinistryLookup(s.ref, false)})
		return err
	}
	key, created, err := auth.LoadOrCreateDevKey(s.Config.DataDir)
	if err != nil {
		return err
	}
	s.Logger.Warn("DEVELOPMENT MODE: trusting tokens signed by the development key; never run like this with real data. Configure -issuers for production.",
		"key", key.Path(), "created", created)
	s.devKey = key
	s.auth, err = auth.New(nil, auth.Options{Now: s.Now, DevKey: key, MinistryByOrganisation: auth.MinistryLookup(s.ref, true)})
	return err
}

// DBPath is the bbolt file in the data directory.
func (s *Server) DBPath() string { return filepath.Join(s.Config.DataDir, DBFile) }

// GRPCAddr returns the address the gRPC listener is bound to, "" before Run.
func (s *Server) GRPCAddr() string { return addr(s.grpcLis) }

// HTTPAddr returns the address the HTTP listener is bound to, "" before Run.
func (s *Server) HTTPAddr() string { return addr(s.httpLis) }

func addr(l net.Listener) string {
	if l == nil {
		return ""
	}
	return l.Addr().String()
}

// Service returns the workflow service, nil before Open.
func (s *Server) Service() *workflow.Service { return s.svc }

// BoltStore returns the store, nil before Open.
func (s *Server) BoltStore() *boltstore.Store { return s.store }

// Authenticator returns the authenticator, nil before Open.
func (s *Server) Authenticator() *auth.Authenticator { return s.auth }

// DevKey returns the development signing key, nil before Open and in production mode.
func (s *Server) DevKey() *auth.DevKey { return s.devKey }

// Reference returns the reference data in use, nil before Open.
func (s *Server) Reference() *trial.Reference { return s.ref }

// Gateway returns the REST gateway's handler, nil before Run.
func (s *Server) Gateway() http.Handler {
	if s.gateway == nil {
		return nil
	}
	return s.gateway
}

// RPCServer returns the gRPC server, nil before Run.
func (s *Server) RPCServer() *rpc.Server { return s.server }

// Close shuts down in order: it reports not ready (/readyz, gRPC health), stops the
// scheduler and stops accepting connections; lets the requests in flight finish, REST
// first (its calls still need the gRPC server) and gRPC next, all within
// Config.ShutdownTimeout, after which it cuts off what is left; then stops the webhook
// worker and closes the store, which waits for running transactions, so every
// acknowledged action is on disk and the file is closed cleanly. Close after a failed
// Open or Run releases what was made.
func (s *Server) Close() error {
	timeout := s.Config.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	if s.server != nil {
		s.server.BeginShutdown()
	}
	if s.scheduler.cancel != nil {
		s.scheduler.cancel()
	}
	if s.grpcLis != nil {
		// New gRPC connections are refused from now on; the open ones are served until
		// the gRPC server's graceful stop below.
		_ = s.grpcLis.Close()
	}
	if s.http != nil {
		if err := s.http.Shutdown(ctx); err != nil {
			// The deadline passed with requests in flight: close their connections,
			// so that none goes on holding a store transaction (a backup) while the
			// store closes.
			_ = s.http.Close()
		}
	}
	if s.server != nil {
		s.server.Shutdown(ctx) // stops what is left at the deadline
	}
	if ctx.Err() != nil {
		errs = append(errs, fmt.Errorf("requests still in flight after -shutdown-timeout %s were cut off", timeout))
	}
	if s.gateway != nil {
		errs = append(errs, s.gateway.Close())
	}
	s.scheduler.stop()
	s.webhook.stop()
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	return errors.Join(errs...)
}
