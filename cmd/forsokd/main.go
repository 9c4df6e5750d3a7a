// Command forsokd is the forsok service: the trial-application workflow over gRPC and
// REST, stored in a bbolt file.
//
//	forsokd [-data DIR] [-http ADDR] [-grpc ADDR] [-issuers FILE] [-reference FILE]
//	        [-tls-cert FILE -tls-key FILE [-tls-client-ca FILE]] [-insecure-listen] [-shutdown-timeout D]
//	forsokd dev-token -data DIR -role ROLE [-org ORGNR] [-ministry CODE] [-sub ID] [-name NAME] [-ttl D]
//	forsokd backup [-addr URL] [-token TOKEN] [-out FILE]
//	forsokd restore -data DIR -in FILE
//	forsokd verify [-data DIR] | forsokd verify -export FILE
//
// Every flag can also be set through an environment variable FORSOK_<NAME>.
// forsokd -h (or forsokd help) lists the commands and the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // the law's dates are read in Europe/Oslo, also on images without zoneinfo

	"github.com/forsok/forsok/internal/server"
	"github.com/forsok/forsok/internal/trial"
)

func main() {
	if code, done := dispatch(os.Args[1:], os.Getenv, os.Stdout, os.Stderr); done {
		os.Exit(code)
	}
	m := NewMain()
	if err := m.ParseFlags(os.Args[1:], os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(os.Stdout, os.Getenv)
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "forsokd:", err)
		fmt.Fprintln(os.Stderr, "Run 'forsokd -h' for the commands and flags.")
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

// Main is forsokd: the server (internal/server) configured from flags and FORSOK_*
// environment variables. Run starts it without blocking; Close stops it.
type Main struct {
	*server.Server
}

// NewMain returns a Main with the defaults of api.md.
func NewMain() *Main {
	return &Main{server.New(server.DefaultConfig())}
}

// ParseFlags reads the flags, each defaulting to its FORSOK_* environment variable.
// It returns flag.ErrHelp for -h, printing nothing: the caller prints usage.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	fs, err := m.flagSet(getenv)
	if err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := m.Config.Validate(); err != nil {
		return err
	}
	if m.Config.ConsultationDueDays < 1 || m.Config.ConsultationDueDays > trial.MaxDueWorkingDays {
		return fmt.Errorf("-consultation-due-days must be from 1 to %d", trial.MaxDueWorkingDays)
	}
	if m.Config.EvaluationDueMonths < 1 || m.Config.EvaluationDueMonths > 36 {
		return fmt.Errorf("-evaluation-due-months must be from 1 to 36")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; the commands are %s", fs.Arg(0), subcommandNames())
	}
	return nil
}

// flagSet defines the server's flags on m.Config, each defaulting to its FORSOK_*
// variable; the error names the variables that do not parse. Parse errors are
// returned, not printed, so that main says each once.
func (m *Main) flagSet(getenv func(string) string) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet("forsokd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
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
	fs.StringVar(&m.Config.ReferenceFile, "reference", env("REFERENCE", m.Config.ReferenceFile), "reference data `file` (ministries, R5's laws, law owners, the municipality register); default: the built-in file (FORSOK_REFERENCE)")
	var envErrs []error
	intFlag := func(p *int, name, env, usage string) {
		def, err := envInt(getenv, env, *p)
		envErrs = append(envErrs, err)
		fs.IntVar(p, name, def, usage+" (FORSOK_"+env+")")
	}
	intFlag(&m.Config.ConsultationDueDays, "consultation-due-days", "CONSULTATION_DUE_DAYS", "working `days` a ministry has to answer when KDD gives no due date")
	intFlag(&m.Config.EvaluationDueMonths, "evaluation-due-months", "EVALUATION_DUE_MONTHS", "`months` after a trial ends that its evaluation report is due")
	fs.StringVar(&m.Config.Clamd, "clamd", env("CLAMD", m.Config.Clamd), "virus scanner (clamd) `address`, tcp:HOST:PORT or unix:PATH; empty: documents stay PENDING, fetched only by their uploader and KDD (FORSOK_CLAMD)")
	intFlag(&m.Config.MaxDocumentBytes, "max-document-bytes", "MAX_DOCUMENT_BYTES", "size limit of one document in `bytes`")
	intFlag(&m.Config.MaxCaseDocumentBytes, "max-case-document-bytes", "MAX_CASE_DOCUMENT_BYTES", "size limit of a case's documents together in `bytes`")
	fs.StringVar(&m.Config.TLSCert, "tls-cert", env("TLS_CERT", m.Config.TLSCert), "TLS certificate `file` (PEM) for both listeners; with -tls-key (FORSOK_TLS_CERT)")
	fs.StringVar(&m.Config.TLSKey, "tls-key", env("TLS_KEY", m.Config.TLSKey), "TLS private key `file` (PEM) (FORSOK_TLS_KEY)")
	fs.StringVar(&m.Config.TLSClientCA, "tls-client-ca", env("TLS_CLIENT_CA", m.Config.TLSClientCA), "CA certificates `file` (PEM): require client certificates signed by them (FORSOK_TLS_CLIENT_CA)")
	insecure, err := envBool(getenv, "INSECURE_LISTEN", m.Config.InsecureListen)
	envErrs = append(envErrs, err)
	fs.BoolVar(&m.Config.InsecureListen, "insecure-listen", insecure, "in production mode, listen without TLS behind a TLS-terminating proxy (FORSOK_INSECURE_LISTEN)")
	timeout, err := envDuration(getenv, "SHUTDOWN_TIMEOUT", m.Config.ShutdownTimeout)
	envErrs = append(envErrs, err)
	fs.DurationVar(&m.Config.ShutdownTimeout, "shutdown-timeout", timeout, "how long to let requests in flight finish on SIGTERM (FORSOK_SHUTDOWN_TIMEOUT)")
	return fs, errors.Join(envErrs...)
}
