package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/rpc"
	"github.com/forsok/forsok/internal/trial"
)

// Exit codes of forsokd verify.
const (
	verifyOK       = 0 // everything checked holds
	verifyBroken   = 1 // something is broken: the output names it
	verifyCannotDo = 2 // the check could not run (usage, a locked or unreadable file)
)

// runVerify is `forsokd verify`: it checks the bbolt file's consistency and every case's
// hash chain, or (-export) an exported history on its own, and names each broken case
// and event.
//
//	forsokd verify [-data DIR] [-lock-timeout D]
//	forsokd verify -export FILE
func runVerify(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("forsokd verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := getenv("FORSOK_DATA")
	if dataDir == "" {
		dataDir = "./data"
	}
	fs.StringVar(&dataDir, "data", dataDir, "data `directory` holding forsok.db; the server must not be running (FORSOK_DATA)")
	export := fs.String("export", "", "verify this exported history `file` (GET /v1/applications/{id}/events:export) instead of a database")
	lockTimeout := fs.Duration("lock-timeout", boltstore.DefaultLockTimeout, "how long to wait for the file `lock`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: forsokd verify [-data DIR] | forsokd verify -export FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return verifyCannotDo
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "forsokd verify: unexpected argument %q\n", fs.Arg(0))
		return verifyCannotDo
	}
	if *export != "" {
		return verifyExport(*export, stdout, stderr)
	}
	path := filepath.Join(dataDir, "forsok.db")
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(stderr, "forsokd verify: %v\n", err)
		return verifyCannotDo
	}
	rep, err := boltstore.Audit(path, boltstore.Options{LockTimeout: *lockTimeout})
	if errors.Is(err, boltstore.ErrLocked) {
		fmt.Fprintf(stderr, "forsokd verify: %s is locked: a forsokd server (or another tool) has it open. Stop the server first: verify reads the file directly.\n", path)
		return verifyCannotDo
	}
	if err != nil {
		fmt.Fprintf(stderr, "forsokd verify: %v\n", err)
		return verifyCannotDo
	}
	fmt.Fprintf(stdout, "file: %s (schema version %d)\n", path, rep.SchemaVersion)
	if len(rep.Consistency) == 0 {
		fmt.Fprintln(stdout, "consistency: ok (bbolt pages, records and indexes)")
	}
	for _, e := range rep.Consistency {
		fmt.Fprintf(stdout, "INCONSISTENT: %v\n", e)
	}
	fmt.Fprintf(stdout, "hash chains: %d events in %d cases, %d documents\n", rep.Events, rep.Cases, rep.Documents)
	for _, p := range rep.Problems {
		fmt.Fprintf(stdout, "BROKEN: %s\n", p)
	}
	if !rep.OK() {
		fmt.Fprintf(stdout, "FAILED: %d consistency problems, %d broken chain links\n", len(rep.Consistency), len(rep.Problems))
		return verifyBroken
	}
	fmt.Fprintln(stdout, "ok")
	return verifyOK
}

// verifyExport checks an exported history: every event's hash, every link, and that
// the chain ends at the chain head the export names.
func verifyExport(file string, stdout, stderr io.Writer) int {
	raw, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "forsokd verify: %v\n", err)
		return verifyCannotDo
	}
	var h forsokv1.ApplicationHistory
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, &h); err != nil {
		fmt.Fprintf(stderr, "forsokd verify: %s is not an exported history: %v\n", file, err)
		return verifyCannotDo
	}
	id, err := trial.ParseApplicationName(h.GetApplication(), "application")
	if err != nil {
		fmt.Fprintf(stderr, "forsokd verify: %s: %v\n", file, err)
		return verifyCannotDo
	}
	var v trial.ChainVerifier
	var problems []trial.ChainProblem
	for i, p := range h.GetEvents() {
		e, err := rpc.EventFromProto(p)
		if err != nil {
			problems = append(problems, trial.ChainProblem{ApplicationID: id, Sequence: p.GetSequence(), Problem: fmt.Sprintf("events[%d]: %v", i, err)})
			continue
		}
		if e.ApplicationID != id {
			problems = append(problems, trial.ChainProblem{ApplicationID: id, Sequence: e.Sequence, Problem: "belongs to " + trial.ApplicationName(e.ApplicationID)})
			continue
		}
		problems = append(problems, v.Add(e)...)
	}
	var head *trial.ChainHead
	if ch := h.GetChainHead(); ch != nil {
		head = &trial.ChainHead{Sequence: ch.GetSequence(), Hash: ch.GetHash()}
	}
	if p := v.CheckHead(id, head); p != nil {
		problems = append(problems, *p)
	}
	fmt.Fprintf(stdout, "export: %s, %s, %d events, exported %s\n", file, h.GetApplication(), len(h.GetEvents()), h.GetExportTime().AsTime().Format(time.RFC3339))
	for _, p := range problems {
		fmt.Fprintf(stdout, "BROKEN: %s\n", p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "FAILED: %d broken chain links\n", len(problems))
		return verifyBroken
	}
	if head != nil {
		fmt.Fprintf(stdout, "chain head: event %d, %s\n", head.Sequence, head.Hash)
	}
	fmt.Fprintln(stdout, "ok")
	return verifyOK
}
