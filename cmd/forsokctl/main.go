package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // times are shown in Europe/Oslo, also where the system has no zoneinfo

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

// The exit codes, documented in the package comment and the usage text.
const (
	exitOK       = 0
	exitError    = 1 // refused for another reason, unreachable, or another error
	exitUsage    = 2 // unknown command, bad flag or argument
	exitRefused  = 3 // FAILED_PRECONDITION or ABORTED
	exitNotFound = 4 // NOT_FOUND
	exitAuth     = 5 // UNAUTHENTICATED or PERMISSION_DENIED
)

const defaultAddr = "localhost:9090"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run is the whole program: it parses args, calls the server and returns the exit
// code. getenv supplies FORSOK_ADDR and FORSOK_TOKEN.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	// Everything printed is escaped (escape.go): a case's text must not drive the
	// terminal it is shown on.
	c := &cli{stdout: escaping(stdout), stderr: escaping(stderr), getenv: getenv, now: time.Now}
	return c.run(args)
}

// cli is one run of the program. now is the clock of the client-side reckoning (due,
// the DUE column); tests set it to the server's.
type cli struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
}

// globals are the flags before the command.
type globals struct {
	addr     string
	token    string
	output   string
	timeout  time.Duration
	insecure bool
	tlsCA    string
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func (c *cli) run(args []string) int {
	g, rest, code, done := c.parseGlobals(args)
	if done {
		return code
	}
	if len(rest) == 0 {
		fmt.Fprintln(c.stderr, "forsokctl: no command given")
		c.printUsage(c.stderr)
		return exitUsage
	}
	name := rest[0]
	if name == "help" && len(rest) == 1 {
		c.printUsage(c.stdout)
		return exitOK
	}
	if name == "help" {
		name = rest[1]
		rest = []string{name, "-h"}
	}
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(c.stderr, "forsokctl: unknown command %q\nRun 'forsokctl -h' for the list of commands.\n", name)
		return exitUsage
	}
	f := newFlags(cmd, g)
	f.SetOutput(c.stderr)
	f.Usage = func() {} // a parse error prints its message; -h prints the usage on stdout below
	runCmd := cmd.setup(f)
	pos, err := parseInterspersed(f.FlagSet, rest[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		f.printUsage(c.stdout)
		return exitOK
	case err != nil:
		fmt.Fprintf(c.stderr, "Run 'forsokctl %s -h' for usage.\n", cmd.name)
		return exitUsage
	}
	if err := cmd.checkArgs(pos); err != nil {
		return c.report(cmd, f, g, err)
	}
	if g.output != "text" && g.output != "json" {
		return c.report(cmd, f, g, usagef("-o %q: want text or json", g.output))
	}
	conn, err := dial(g)
	if err != nil {
		return c.report(cmd, f, g, err)
	}
	defer conn.Close()
	ctx := context.Background()
	if g.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.timeout)
		defer cancel()
	}
	s := &session{
		api:    forsokv1.NewApplicationServiceClient(conn),
		stdout: c.stdout,
		stderr: c.stderr,
		json:   g.output == "json",
		now:    c.now,
	}
	if err := runCmd(ctx, s, pos); err != nil {
		return c.report(cmd, f, g, err)
	}
	return exitOK
}

// parseGlobals parses the flags before the command. done reports that the program
// ends here with code (help, or a bad flag).
func (c *cli) parseGlobals(args []string) (g *globals, rest []string, code int, done bool) {
	g = &globals{}
	fs := flag.NewFlagSet("forsokctl", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {}
	fs.StringVar(&g.addr, "addr", defaultAddr, "the server's gRPC `address` (FORSOK_ADDR)")
	// The token's default is not the environment's value, so that -h never prints it.
	fs.StringVar(&g.token, "token", "", "bearer `token` (FORSOK_TOKEN)")
	fs.StringVar(&g.output, "o", "text", "output `format`: text or json")
	fs.DurationVar(&g.timeout, "timeout", 30*time.Second, "deadline of the whole command; 0 for none")
	fs.BoolVar(&g.insecure, "insecure", true, "plaintext when no -tls-ca is given; -insecure=false is TLS with the system's roots")
	fs.StringVar(&g.tlsCA, "tls-ca", "", "TLS, trusting the CA certificates in `file` (PEM)")
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		c.printUsage(c.stdout)
		return nil, nil, exitOK, true
	case err != nil:
		fmt.Fprintln(c.stderr, "Run 'forsokctl -h' for usage.")
		return nil, nil, exitUsage, true
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if v := c.getenv("FORSOK_ADDR"); v != "" && !set["addr"] {
		g.addr = v
	}
	if v := c.getenv("FORSOK_TOKEN"); v != "" && !set["token"] {
		g.token = v
	}
	g.token = strings.TrimSpace(g.token)
	if t, ok := strings.CutPrefix(g.token, "Bearer "); ok {
		g.token = strings.TrimSpace(t)
	}
	return g, fs.Args(), 0, false
}

// parseInterspersed parses fs from args, letting flags and arguments mix
// (`approve 2026-000042 -start ...`), and returns the arguments. After "--" everything
// is an argument.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// dial returns a client connection; it connects on the first call. Transport security
// is chosen here only, so TLS options grow in one place.
func dial(g *globals) (*grpc.ClientConn, error) {
	var creds credentials.TransportCredentials
	secure := true
	switch {
	case g.tlsCA != "":
		var err error
		if creds, err = credentials.NewClientTLSFromFile(g.tlsCA, ""); err != nil {
			return nil, usagef("-tls-ca: %v", err)
		}
	case g.insecure:
		creds, secure = insecure.NewCredentials(), false
	default:
		creds = credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
	}
	opts := []grpc.DialOption{grpc.WithTransportCredentials(creds), grpc.WithUserAgent("forsokctl")}
	if g.token != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(bearer{token: g.token, secure: secure}))
	}
	conn, err := grpc.NewClient(g.addr, opts...)
	if err != nil {
		return nil, usagef("-addr %q: %v", g.addr, err)
	}
	return conn, nil
}

// bearer sends the token with every call.
type bearer struct {
	token  string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

// RequireTransportSecurity is false on a plaintext connection, which -insecure asks for.
func (b bearer) RequireTransportSecurity() bool { return b.secure }

// printUsage prints the program's usage: the commands from the table, then the exit
// codes.
func (c *cli) printUsage(w io.Writer) {
	fmt.Fprint(w, `forsokctl is the gRPC client of the forsok service for KDD and the sector ministries.

Usage:
  forsokctl [global flags] COMMAND [flags] [arguments]
  forsokctl COMMAND -h      the command's flags

Global flags (before the command):
  -addr ADDR      the server's gRPC address (FORSOK_ADDR; default localhost:9090)
  -token TOKEN    bearer token (FORSOK_TOKEN)
  -o text|json    output: aligned text, or the response as protojson (also after the command)
  -timeout D      deadline of the whole command (default 30s; 0 for none)
  -insecure       plaintext when no -tls-ca is given (default true; -insecure=false: TLS with the system's roots)
  -tls-ca FILE    TLS, trusting the CA certificates in FILE
`)
	group := ""
	for _, cmd := range commands {
		if cmd.group != group {
			group = cmd.group
			fmt.Fprintf(w, "\n%s:\n", group)
		}
		fmt.Fprintf(w, "  %-22s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, `
An application is its id (2026-000042) or name (applications/2026-000042); a
consultation is applications/ID/consultations/N, ID/consultations/N or ID/N.
Every action takes -etag ETAG (refused if the case changed) and -request-id ID (safe retries).

Exit codes:
  0  success
  1  the server refused the request for another reason, could not be reached, or another error
  2  usage: unknown command, bad flag or argument
  3  refused by a rule (FAILED_PRECONDITION) or a stale -etag (ABORTED)
  4  not found (NOT_FOUND; also a case the caller may not see)
  5  no or bad token (UNAUTHENTICATED), or not allowed for the caller's role (PERMISSION_DENIED)
`)
}
