package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/rpc"
)

// runTool runs `forsokd backup` or `forsokd restore` and returns the exit code: 0 on
// success, 2 for a usage error, 1 for anything else.
func runTool(name string, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := runBackup
	if name == "restore" {
		run = runRestore
	}
	err := run(ctx, args, getenv, stdout, stderr)
	var usage usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 2
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "forsokd %s: %v\n", name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "forsokd %s: %v\n", name, err)
		return 1
	}
}

// usageError is a mistake in the command line.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// backupOptions are `forsokd backup`'s settings.
type backupOptions struct {
	addr, token, out string
	ca, cert, key    string
	timeout          time.Duration
	client           *http.Client // nil: built from the TLS settings
	stderr           io.Writer    // where the result is reported
}

// defaultBackupDir is where a backup goes without -out, relative to the working
// directory: a directory of its own that .gitignore lists, so that a backup taken in a
// checkout (it holds personal data) is never committed, and not inside the data
// directory, which a backup must outlive and which restore wants empty.
const defaultBackupDir = "backups"

// defaultBackupPath names a backup by the time it was taken, in UTC so that the names
// sort in order; no colons, which some file systems refuse.
func defaultBackupPath(now time.Time) string {
	return filepath.Join(defaultBackupDir, "forsok-"+now.UTC().Format("2006-01-02T150405Z")+".db")
}

// runBackup implements `forsokd backup -addr URL -token TOKEN -out FILE`: it fetches a
// copy of the database from a running server's GET /v1/admin/backup (an admin token),
// writes it to a temporary file beside FILE, checks that it is a whole, consistent
// forsok database (boltstore.Verify) and only then renames it to FILE. A failed or
// interrupted backup leaves FILE as it was. Without -out, FILE is named by the time in
// defaultBackupDir.
func runBackup(ctx context.Context, args []string, getenv func(string) string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("forsokd backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: forsokd backup [-addr URL] [-token TOKEN] [-out FILE] [-ca FILE] [-cert FILE -key FILE] [-timeout D]")
		fmt.Fprintln(fs.Output(), "Copies a running server's database to FILE, through GET "+rpc.BackupPath+" with an admin token.")
		fs.PrintDefaults()
	}
	env := func(name, def string) string {
		if v := getenv("FORSOK_" + name); v != "" {
			return v
		}
		return def
	}
	var o backupOptions
	fs.StringVar(&o.addr, "addr", env("URL", "http://localhost:8080"), "the server's REST `URL` (FORSOK_URL)")
	fs.StringVar(&o.token, "token", "", "an admin's bearer `token` (default $FORSOK_TOKEN)")
	fs.StringVar(&o.out, "out", "", "the `file` to write the copy to, its directory created if need be (default "+defaultBackupDir+"/forsok-TIME.db, TIME in UTC)")
	fs.StringVar(&o.ca, "ca", env("CA", ""), "CA certificates `file` (PEM) to verify an https server with, instead of the system's (FORSOK_CA)")
	fs.StringVar(&o.cert, "cert", env("CLIENT_CERT", ""), "client certificate `file` (PEM), for a server that requires one (FORSOK_CLIENT_CERT)")
	fs.StringVar(&o.key, "key", env("CLIENT_KEY", ""), "client key `file` (PEM) (FORSOK_CLIENT_KEY)")
	fs.DurationVar(&o.timeout, "timeout", time.Hour, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.token == "" {
		// Read here rather than shown as the flag's default, so that -h does not
		// print the token.
		o.token = getenv("FORSOK_TOKEN")
	}
	switch {
	case fs.NArg() > 0:
		return usagef("unexpected arguments %q", fs.Args())
	case o.token == "":
		return usagef("a token is required: -token or FORSOK_TOKEN (an admin's; in development: forsokd dev-token -role admin)")
	case (o.cert == "") != (o.key == ""):
		return usagef("-cert and -key go together")
	case o.timeout <= 0:
		return usagef("-timeout %s: want a positive duration", o.timeout)
	}
	if o.out == "" {
		o.out = defaultBackupPath(time.Now())
	}
	o.stderr = stderr
	return backup(ctx, o)
}

// backup does the work of runBackup.
func backup(ctx context.Context, o backupOptions) (err error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	url := strings.TrimSuffix(o.addr, "/")
	if !strings.Contains(url, "://") {
		url = "http://" + url
	}
	url += rpc.BackupPath
	client := o.client
	if client == nil {
		if client, err = backupClient(o); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return usagef("-addr %q: %v", o.addr, err)
	}
	req.Header.Set("Authorization", "Bearer "+o.token)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("fetch the backup: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return refusal(resp)
	}

	// Only now that the server has said yes, so that a refused backup leaves no
	// empty directory behind.
	if err := os.MkdirAll(filepath.Dir(o.out), 0o700); err != nil {
		return fmt.Errorf("create the backup directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(o.out), "."+filepath.Base(o.out)+".*.partial")
	if err != nil {
		return fmt.Errorf("create the backup file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, resp.Body)
	if err != nil {
		return fmt.Errorf("fetch the backup: the transfer broke off after %d bytes: %w", n, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write the backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write the backup: %w", err)
	}
	if err := boltstore.Verify(tmp.Name()); err != nil {
		return fmt.Errorf("the copy received is not a sound forsok database, so %s was not written: %w", o.out, err)
	}
	if err := os.Rename(tmp.Name(), o.out); err != nil {
		return fmt.Errorf("write the backup: %w", err)
	}
	if err := syncDir(filepath.Dir(o.out)); err != nil {
		return err
	}
	fmt.Fprintf(o.stderr, "wrote %s: %d bytes, verified\n", o.out, n)
	return nil
}

// backupClient is an HTTP client with the TLS settings of the options.
func backupClient(o backupOptions) (*http.Client, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.ca != "" {
		pem, err := os.ReadFile(o.ca)
		if err != nil {
			return nil, usagef("-ca: %v", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, usagef("-ca %s: no PEM certificate in the file", o.ca)
		}
	}
	if o.cert != "" {
		cert, err := tls.LoadX509KeyPair(o.cert, o.key)
		if err != nil {
			return nil, usagef("-cert, -key: %v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = cfg
	return &http.Client{Transport: transport}, nil
}

// refusal turns the server's error answer (the gateway's JSON status) into an error.
func refusal(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var st struct {
		Message string `json:"message"`
	}
	msg := strings.TrimSpace(string(raw))
	if json.Unmarshal(raw, &st) == nil && st.Message != "" {
		msg = st.Message
	}
	return fmt.Errorf("the server refused the backup: HTTP %d: %s", resp.StatusCode, msg)
}

// runRestore implements `forsokd restore -data DIR -in FILE`: it puts a backup in place
// as DIR/forsok.db. DIR must be empty or not exist, so that nothing is overwritten. The
// file is copied into DIR under a temporary name and checked there, first read-only
// (boltstore.Verify: a whole bbolt file that passes bbolt's consistency check and is a
// forsok database), then by opening it as the server would (migrating an older schema)
// and running Store.Check; only then is it renamed to forsok.db.
func runRestore(_ context.Context, args []string, getenv func(string) string, _, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("forsokd restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: forsokd restore -data DIR -in FILE")
		fmt.Fprintln(fs.Output(), "Restores a backup into an empty data directory; start forsokd with -data DIR afterwards.")
		fs.PrintDefaults()
	}
	dataDefault := "./data"
	if v := getenv("FORSOK_DATA"); v != "" {
		dataDefault = v
	}
	dir := fs.String("data", dataDefault, "the data `directory` to restore into: empty or not yet there (FORSOK_DATA)")
	in := fs.String("in", "", "the backup `file` (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("unexpected arguments %q", fs.Args())
	case *in == "":
		return usagef("-in FILE is required")
	}
	if err := emptyDir(*dir); err != nil {
		return err
	}
	src, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(*dir, ".forsok.db.*.restoring")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, src); err != nil {
		return fmt.Errorf("copy %s: %w", *in, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := boltstore.Verify(tmp.Name()); err != nil {
		return fmt.Errorf("%s cannot be restored: %w", *in, err)
	}
	store, err := boltstore.Open(tmp.Name(), boltstore.Options{})
	if err != nil {
		return fmt.Errorf("%s cannot be restored: %w", *in, err)
	}
	checkErr := store.Check()
	if err := errors.Join(checkErr, store.Close()); err != nil {
		return fmt.Errorf("%s cannot be restored: %w", *in, err)
	}
	final := filepath.Join(*dir, "forsok.db")
	// A link, unlike a rename, fails if forsok.db has appeared meanwhile (a server
	// started on the directory), so nothing is ever replaced.
	if err := os.Link(tmp.Name(), final); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Remove(tmp.Name()); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := syncDir(*dir); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "restored %s into %s; start forsokd with -data %s\n", *in, final, *dir)
	return nil
}

// emptyDir makes sure dir exists and holds nothing, creating it if need be.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create the data directory: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("data directory: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("data directory %s is not empty (it holds %s): restore only into an empty or new directory, so that no data is overwritten",
			dir, entries[0].Name())
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
