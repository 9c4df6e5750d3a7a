package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/noark"
	"github.com/forsok/forsok/internal/trial"
)

// caseFlags collects repeated -case flags.
type caseFlags []string

func (c *caseFlags) String() string { return strings.Join(*c, ",") }

func (c *caseFlags) Set(s string) error {
	id, err := trial.ParseApplicationName(s, "case")
	if err != nil {
		return fmt.Errorf("%q is not an application name; want applications/2026-000042", s)
	}
	*c = append(*c, id)
	return nil
}

// runArchiveExport is `forsokd archive-export`: it writes the Noark 5 arkivuttrekk of
// the ended cases (or of the -case ones) to OUT/avleveringspakke/, reading a stopped
// server's database read-only as verify does, and checks the written package. Exit
// codes: 0 written and checked, 1 the export or its check failed, 2 it could not run.
//
//	forsokd archive-export [-data DIR] -out DIR [-case applications/ID …]
func runArchiveExport(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("forsokd archive-export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := getenv("FORSOK_DATA")
	if dataDir == "" {
		dataDir = "./data"
	}
	fs.StringVar(&dataDir, "data", dataDir, "data `directory` holding forsok.db; the server must not be running (FORSOK_DATA)")
	out := fs.String("out", "", "`directory` to write avleveringspakke/ into (required; the package folder must not exist yet)")
	var cases caseFlags
	fs.Var(&cases, "case", "export only this ended case, `applications/ID` (repeatable); default every ended case")
	lockTimeout := fs.Duration("lock-timeout", boltstore.DefaultLockTimeout, "how long to wait for the file `lock`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: forsokd archive-export [-data DIR] -out DIR [-case applications/ID …]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *out == "" {
		fs.Usage()
		return 2
	}
	pkg := filepath.Join(*out, noark.Root)
	if _, err := os.Stat(pkg); err == nil {
		fmt.Fprintf(stderr, "forsokd archive-export: %s exists; an export never overwrites a package\n", pkg)
		return 2
	}
	path := filepath.Join(dataDir, "forsok.db")
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(stderr, "forsokd archive-export: %v\n", err)
		return 2
	}
	store, err := boltstore.OpenReadOnly(path, boltstore.Options{LockTimeout: *lockTimeout})
	if errors.Is(err, boltstore.ErrLocked) {
		fmt.Fprintf(stderr, "forsokd archive-export: %s is locked: a forsokd server (or another tool) has it open. Stop the server first, or ask it: GET /v1/archive:export (admin).\n", path)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "forsokd archive-export: %v\n", err)
		return 2
	}
	defer store.Close()
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		loc = time.UTC
	}
	sum, err := noark.Export(context.Background(), store, store, noark.Options{Cases: cases, Now: time.Now(), Location: loc}, dirWriter(*out))
	if err != nil {
		fmt.Fprintf(stderr, "forsokd archive-export: %v\n", err)
		return 1
	}
	if err := noark.Check(os.DirFS(*out)); err != nil {
		fmt.Fprintf(stderr, "forsokd archive-export: the written package fails its check:\n%v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: %d cases, %d journal entries, %d documents, %d files, %d bytes; checked\n",
		pkg, sum.Cases, sum.JournalEntries, sum.Documents, sum.Files, sum.Bytes)
	return 0
}

// dirWriter writes a package's files under a directory.
type dirWriter string

func (d dirWriter) WriteFile(name string, size int64, r io.Reader) error {
	p := filepath.Join(string(d), filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, r)
	if err == nil && n != size {
		err = fmt.Errorf("%s: wrote %d bytes, want %d", name, n, size)
	}
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
