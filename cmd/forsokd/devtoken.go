package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/trial"
)

// runDevToken implements `forsokd dev-token` (api.md, Command line): it prints one
// line, a development token signed with the key in the data directory, creating the
// key if the server has not yet done so. Everything else it has to say goes to stderr,
// so that `TOKEN=$(forsokd dev-token -role kdd_handler)` captures the token alone.
// It returns flag.ErrHelp after printing the usage for -h.
func runDevToken(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("forsokd dev-token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: forsokd dev-token -data DIR -role ROLE [-org ORGNR] [-ministry CODE] [-sub ID] [-name NAME] [-ttl D]")
		fmt.Fprintln(fs.Output(), "Prints a development token, trusted only by a server in development mode with the same -data.")
		fs.PrintDefaults()
	}
	dataDefault := "./data"
	if v := os.Getenv("FORSOK_DATA"); v != "" {
		dataDefault = v
	}
	var (
		dataDir  = fs.String("data", dataDefault, "data `directory` holding the development signing key (env FORSOK_DATA)")
		role     = fs.String("role", "", "`role`: municipality, ministry, kdd_handler, kdd_approver or admin (required)")
		org      = fs.String("org", "", "organisation `number` (default "+auth.DefaultDevMunicipality+" for municipality, KDD "+auth.KDDOrganisationNumber+" for kdd_* and admin; a ministry's comes from -ministry)")
		ministry = fs.String("ministry", "", "ministry `code` from the reference data, for -role ministry (e.g. KD)")
		sub      = fs.String("sub", "", "the person's `id` (default dev-handler, dev-approver or dev-admin for the person roles)")
		name     = fs.String("name", "", "the person's `name` (default Dev Handler, Dev Approver or Dev Admin for the person roles)")
		ttl      = fs.Duration("ttl", auth.DefaultDevTokenTTL, "token lifetime")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("dev-token: unexpected arguments %q", fs.Args())
	}
	if *role == "" {
		return errors.New("dev-token: -role is required (municipality, ministry, kdd_handler, kdd_approver or admin)")
	}
	if *ttl <= 0 {
		return fmt.Errorf("dev-token: -ttl %s: want a positive duration", *ttl)
	}

	key, created, err := auth.LoadOrCreateDevKey(*dataDir)
	if err != nil {
		return fmt.Errorf("dev-token: %w", err)
	}
	if created {
		fmt.Fprintf(stderr, "created development signing key %s; a server in development mode with -data %s trusts it\n", key.Path(), *dataDir)
	}
	ref := trial.DefaultReference()
	token, err := key.Mint(auth.DevTokenOptions{
		Role:         trial.Role(*role),
		Organisation: *org,
		// Codes are upper case in the reference data; accept "kd" at the prompt.
		Ministry: strings.ToUpper(*ministry),
		Subject:  *sub,
		Name:     *name,
		TTL:      *ttl,
	}, time.Now(), func(code string) (string, bool) {
		m, ok := ref.Ministry(code)
		return m.OrganisationNumber, ok
	})
	if err != nil {
		return fmt.Errorf("dev-token: %w", err)
	}
	_, err = fmt.Fprintln(stdout, token)
	return err
}
