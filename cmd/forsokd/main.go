// Command forsokd is the forsok service: the trial-application workflow over gRPC and
// REST, stored in a bbolt file.
//
//	forsokd [-data DIR] [-http ADDR] [-grpc ADDR] [-issuers FILE] [-reference FILE]
//	        [-tls-cert FILE -tls-key FILE [-tls-client-ca FILE]] [-insecure-listen] [-shutdown-timeout D]
//	forsokd dev-token -data DIR -role ROLE [-org ORGNR] [-ministry CODE] [-sub ID] [-name NAME] [-ttl D]
//	forsokd backup -addr URL -token TOKEN -out FILE
//	forsokd restore -data DIR -in FILE
//	forsokd verify [-data DIR] | forsokd verify -export FILE
//
// Every flag can also be set through an environment variable FORSOK_<NAME>.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
	_ "time/tzdata" // the law's dates are read in Europe/Oslo, also on images without zoneinfo

	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/rpc"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/web"
	"github.com/forsok/forsok/internal/workflow"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "dev-token" {
		if err := runDevToken(os.Args[2:], os.Stdout, os.Stderr); err != nil {
			if !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(os.Stderr, "forsokd dev-token:", err)
			}
			os.Exit(2)
		}
		return
	}
	if len(os.Args) > 1 && (os.Args[1] == "backup" || os.Args[1] == "restore") {
		os.Exit(runTool(os.Args[1], os.Args[2:], os.Getenv, os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "verify" {
		os.Exit(runVerify(os.Args[2:], os.Getenv, os.Stdout, os.Stderr))
	}
	m := NewMain()
	if err := m.ParseFlags(os.Args[1:], os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "forsokd:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx); err != nil {
		m.Logger.Error("start failed", "err", err)
		_ = m.Close()
		os.Exit(1)
	}
	<-ctx.Done()
	stop() // a second signal ends the process at once
	m.Logger.Info("shutting down", "timeout", m.Config.ShutdownTimeout.String())
	if err := m.Close(); err != nil {
		m.Logger.Error("shutdown", "err", err)
		os.Exit(1)
	}
	m.Logger.Info("shut down cleanly")
}

// Config is forsokd's configuration, from flags and FORSOK_* environment variables.
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
}

// Main is the running program. Run starts it without blocking; Close stops it.
type Main struct {
	Config Config
	Logger *slog.Logger
	// Now is the clock of the whole service; tests set it.
	Now func() time.Time
	// SchedulerInterval is how often due timers are looked for.
	SchedulerInterval time.Duration
	// Webhooks tunes the webhook delivery worker (webhooks.go).
	Webhooks WebhookOptions

	store     *boltstore.Store
	scheduler struct {
		cancel context.CancelFunc
		done   chan struct{}
	}
	webhook webhookRunner
	server  *rpc.Server
	gateway *rpc.Gateway
	http    *http.Server
	grpcLis net.Listener
	httpLis net.Listener
}

// NewMain returns a Main with the defaults of api.md.
func NewMain() *Main {
	return &Main{
		Config: Config{DataDir: "./data", HTTPAddr: "localhost:8080", GRPCAddr: "localhost:9090", ConsultationDueDays: 15, EvaluationDueMonths: 6,
			ShutdownTimeout: DefaultShutdownTimeout},
		Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil)),
		Now:    time.Now,

		SchedulerInterval: time.Second,
	}
}

// ParseFlags reads the flags, each defaulting to its FORSOK_* environment variable.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	fs := flag.NewFlagSet("forsokd", flag.ContinueOnError)
	env := func(name, def string) string {
		if v := getenv("FORSOK_" + name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&m.Config.DataDir, "data", env("DATA", m.Config.DataDir), "data `directory`: the bbolt file and, in development mode, the signing key (FORSOK_DATA)")
	fs.StringVar(&m.Config.HTTPAddr, "http", env("HTTP", m.Config.HTTPAddr), "REST listen `address` (FORSOK_HTTP)")
	fs.StringVar(&m.Config.GRPCAddr, "grpc", env("GRPC", m.Config.GRPCAddr), "gRPC listen `address` (FORSOK_GRPC)")
	fs.StringVar(&m.Config.IssuersFile, "issuers", env("ISSUERS", m.Config.IssuersFile), "token issuers `file` (JSON); without it the server runs in development mode (FORSOK_ISSUERS)")
	fs.StringVar(&m.Config.WebhookAllow, "webhook-allow", env("WEBHOOK_ALLOW", m.Config.WebhookAllow), "comma-separated `hosts` webhooks may POST to (\"*.example.no\" for a domain); empty: any public host (FORSOK_WEBHOOK_ALLOW)")
	fs.StringVar(&m.Config.ReferenceFile, "reference", env("REFERENCE", m.Config.ReferenceFile), "reference data `file` (ministries, R5's laws); default: the built-in file (FORSOK_REFERENCE)")
	var envErrs []error
	intFlag := func(p *int, name, env, usage string) {
		def, err := envInt(getenv, env, *p)
		envErrs = append(envErrs, err)
		fs.IntVar(p, name, def, usage+" (FORSOK_"+env+")")
	}
	intFlag(&m.Config.ConsultationDueDays, "consultation-due-days", "CONSULTATION_DUE_DAYS", "working `days` a ministry has to answer when KDD gives no due date")
	intFlag(&m.Config.EvaluationDueMonths, "evaluation-due-months", "EVALUATION_DUE_MONTHS", "`months` after a trial ends that its evaluation report is due")
	fs.StringVar(&m.Config.TLSCert, "tls-cert", env("TLS_CERT", m.Config.TLSCert), "TLS certificate `file` (PEM) for both listeners; with -tls-key (FORSOK_TLS_CERT)")
	fs.StringVar(&m.Config.TLSKey, "tls-key", env("TLS_KEY", m.Config.TLSKey), "TLS private key `file` (PEM) (FORSOK_TLS_KEY)")
	fs.StringVar(&m.Config.TLSClientCA, "tls-client-ca", env("TLS_CLIENT_CA", m.Config.TLSClientCA), "CA certificates `file` (PEM): require client certificates signed by them (FORSOK_TLS_CLIENT_CA)")
	insecure, err := envBool(getenv, "INSECURE_LISTEN", m.Config.InsecureListen)
	envErrs = append(envErrs, err)
	fs.BoolVar(&m.Config.InsecureListen, "insecure-listen", insecure, "in production mode, listen without TLS behind a TLS-terminating proxy (FORSOK_INSECURE_LISTEN)")
	timeout, err := envDuration(getenv, "SHUTDOWN_TIMEOUT", m.Config.ShutdownTimeout)
	envErrs = append(envErrs, err)
	fs.DurationVar(&m.Config.ShutdownTimeout, "shutdown-timeout", timeout, "how long to let requests in flight finish on SIGTERM (FORSOK_SHUTDOWN_TIMEOUT)")
	if err := errors.Join(envErrs...); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := m.Config.validate(); err != nil {
		return err
	}
	if m.Config.ConsultationDueDays < 1 || m.Config.ConsultationDueDays > trial.MaxDueWorkingDays {
		return fmt.Errorf("-consultation-due-days must be from 1 to %d", trial.MaxDueWorkingDays)
	}
	if m.Config.EvaluationDueMonths < 1 || m.Config.EvaluationDueMonths > 36 {
		return fmt.Errorf("-evaluation-due-months must be from 1 to 36")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; the subcommands are dev-token, backup, restore and verify", fs.Arg(0))
	}
	return nil
}

// Run opens the store, starts both listeners and returns once they accept connections.
func (m *Main) Run(ctx context.Context) error {
	if err := m.Config.validate(); err != nil {
		return err
	}
	tlsConfig, err := m.Config.serverTLS(m.Logger)
	if err != nil {
		return err
	}
	ref := trial.DefaultReference()
	if m.Config.ReferenceFile != "" {
		if ref, err = trial.LoadReference(m.Config.ReferenceFile); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	authenticator, err := m.authenticator(ref)
	if err != nil {
		return err
	}
	path := filepath.Join(m.Config.DataDir, "forsok.db")
	if m.store, err = boltstore.Open(path, boltstore.Options{Now: m.Now}); err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	svc, err := workflow.NewService(m.store, ref)
	if err != nil {
		return err
	}
	svc.Now = m.Now
	if m.Config.ConsultationDueDays > 0 {
		svc.DefaultDueWorkingDays = m.Config.ConsultationDueDays
	}
	if m.Config.EvaluationDueMonths > 0 {
		svc.Schedule.EvaluationDueMonths = m.Config.EvaluationDueMonths
	}
	schedCtx, cancel := context.WithCancel(context.Background())
	m.scheduler.cancel, m.scheduler.done = cancel, make(chan struct{})
	go func() {
		defer close(m.scheduler.done)
		svc.RunScheduler(schedCtx, m.SchedulerInterval, func(err error) { m.Logger.Error("scheduler", "err", err) })
	}()
	m.startWebhooks(svc)
	registry := newRegistry(newCaseCollector(m.store.Counts, func() string { return svc.Today().Format(time.DateOnly) }))
	m.server = rpc.NewServer(rpc.Config{Service: svc, Auth: authenticator, Logger: m.Logger,
		Registry: registry,
		Ready:    func(context.Context) error { return m.store.Ping() },
		Backup:   m.store.Backup,
	})
	if m.gateway, err = rpc.NewGateway(ctx, m.server); err != nil {
		return err
	}
	if m.grpcLis, err = net.Listen("tcp", m.Config.GRPCAddr); err != nil {
		return fmt.Errorf("listen for gRPC: %w", err)
	}
	if m.httpLis, err = net.Listen("tcp", m.Config.HTTPAddr); err != nil {
		return fmt.Errorf("listen for HTTP: %w", err)
	}
	pages, err := web.New(svc, web.Options{Logger: m.Logger})
	if err != nil {
		return err
	}
	m.http = &http.Server{Handler: withPages(pages, m.gateway), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
		TLSConfig: tlsConfig}
	grpcLis := grpcTLSListener(m.grpcLis, tlsConfig)
	go func() { _ = m.server.GRPCServer().Serve(grpcLis) }()
	go func() {
		serve := m.http.Serve
		if tlsConfig != nil {
			serve = func(l net.Listener) error { return m.http.ServeTLS(l, "", "") }
		}
		if err := serve(m.httpLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("http server", "err", err)
		}
	}()
	m.warnIfExposed()
	m.Logger.Info("forsokd serving", "grpc", m.GRPCAddr(), "http", m.HTTPAddr(), "data", path,
		"mode", m.mode(), "tls", tlsConfig != nil, "client_certificates", m.Config.TLSClientCA != "")
	return nil
}

// authenticator trusts the configured issuers, or in development mode only the key in
// the data directory, created on first start.
func (m *Main) authenticator(ref *trial.Reference) (*auth.Authenticator, error) {
	if m.Config.IssuersFile != "" {
		cfg, err := auth.LoadConfig(m.Config.IssuersFile)
		if err != nil {
			return nil, err
		}
		return auth.New(cfg, auth.Options{Now: m.Now, MinistryByOrganisation: auth.MinistryLookup(ref, false)})
	}
	key, created, err := auth.LoadOrCreateDevKey(m.Config.DataDir)
	if err != nil {
		return nil, err
	}
	m.Logger.Warn("DEVELOPMENT MODE: trusting tokens signed by the development key; never run like this with real data. Configure -issuers for production.",
		"key", key.Path(), "created", created)
	return auth.New(nil, auth.Options{Now: m.Now, DevKey: key, MinistryByOrganisation: auth.MinistryLookup(ref, true)})
}

// GRPCAddr returns the address the gRPC listener is bound to.
func (m *Main) GRPCAddr() string { return addr(m.grpcLis) }

// HTTPAddr returns the address the HTTP listener is bound to.
func (m *Main) HTTPAddr() string { return addr(m.httpLis) }

func addr(l net.Listener) string {
	if l == nil {
		return ""
	}
	return l.Addr().String()
}

// Close shuts down in order: it reports not ready (/readyz, gRPC health), stops the
// scheduler and stops accepting connections; lets the requests in flight finish, REST
// first (its calls still need the gRPC server) and gRPC next, all within
// Config.ShutdownTimeout, after which it cuts off what is left; then closes the store,
// which waits for running transactions, so every acknowledged action is on disk and the
// file is closed cleanly.
func (m *Main) Close() error {
	timeout := m.Config.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	if m.server != nil {
		m.server.BeginShutdown()
	}
	if m.scheduler.cancel != nil {
		m.scheduler.cancel()
	}
	if m.grpcLis != nil {
		// New gRPC connections are refused from now on; the open ones are served until
		// the gRPC server's graceful stop below.
		_ = m.grpcLis.Close()
	}
	if m.http != nil {
		if err := m.http.Shutdown(ctx); err != nil {
			// The deadline passed with requests in flight: close their connections,
			// so that none goes on holding a store transaction (a backup) while the
			// store closes.
			_ = m.http.Close()
		}
	}
	if m.server != nil {
		m.server.Shutdown(ctx) // stops what is left at the deadline
	}
	if ctx.Err() != nil {
		errs = append(errs, fmt.Errorf("requests still in flight after -shutdown-timeout %s were cut off", timeout))
	}
	if m.gateway != nil {
		errs = append(errs, m.gateway.Close())
	}
	if m.scheduler.cancel != nil {
		<-m.scheduler.done
	}
	m.stopWebhooks()
	if m.store != nil {
		errs = append(errs, m.store.Close())
	}
	return errors.Join(errs...)
}
