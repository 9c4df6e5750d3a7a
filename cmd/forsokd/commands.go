package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// subcommand is one of forsokd's commands besides serving. The table below is the one
// place that names them: dispatch runs them and usage lists them, so a new command
// cannot be forgotten in -h.
type subcommand struct {
	name, summary string
	// run runs the command with its arguments and returns the exit code.
	run func(args []string, getenv func(string) string, stdout, stderr io.Writer) int
}

var subcommands = []subcommand{
	{"dev-token", "print a development token, trusted by a server in development mode with the same -data", runDevTokenCommand},
	{"backup", "copy a running server's database, checked, to a file (default " + defaultBackupDir + "/forsok-TIME.db)", func(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
		return runTool("backup", args, getenv, stdout, stderr)
	}},
	{"restore", "put a backup in place in an empty data directory", func(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
		return runTool("restore", args, getenv, stdout, stderr)
	}},
	{"verify", "check a stopped server's database or an exported history: pages, indexes, hash chains", runVerify},
	{"archive-export", "write a stopped server's ended cases as a Noark 5 arkivuttrekk (avleveringspakke/)", runArchiveExport},
}

// runDevTokenCommand adapts runDevToken to the table: a usage error and -h exit 2.
func runDevTokenCommand(args []string, _ func(string) string, stdout, stderr io.Writer) int {
	if err := runDevToken(args, stdout, stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "forsokd dev-token:", err)
		}
		return 2
	}
	return 0
}

func lookupSubcommand(name string) *subcommand {
	for i := range subcommands {
		if subcommands[i].name == name {
			return &subcommands[i]
		}
	}
	return nil
}

// dispatch runs a subcommand or help if args name one, and reports whether it did;
// otherwise the caller serves.
func dispatch(args []string, getenv func(string) string, stdout, stderr io.Writer) (code int, done bool) {
	if len(args) == 0 {
		return 0, false
	}
	if args[0] == "help" {
		return help(args[1:], getenv, stdout, stderr), true
	}
	if c := lookupSubcommand(args[0]); c != nil {
		return c.run(args[1:], getenv, stdout, stderr), true
	}
	return 0, false
}

// help is `forsokd help [COMMAND]`: asked for, the usage goes to stdout and the exit
// code is 0, unlike the usage printed after a mistake.
func help(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		usage(stdout, getenv)
		return 0
	case len(args) > 1:
		fmt.Fprintf(stderr, "forsokd help: want one command, got %q\n", args)
		return 2
	}
	c := lookupSubcommand(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "forsokd help: no command %q; the commands are %s\n", args[0], subcommandNames())
		return 2
	}
	// Each command prints its flags on -h, to stderr since -h usually follows a
	// mistake; here both go to stdout, and the -h exit code is not an error.
	c.run([]string{"-h"}, getenv, stdout, stdout)
	return 0
}

// usage is forsokd -h: the commands, then the server's flags.
func usage(w io.Writer, getenv func(string) string) {
	fmt.Fprint(w, `forsokd is the forsok service: trial applications under the Experimental Act,
over gRPC and REST, stored in one bbolt file.

Usage:
  forsokd [flags]            serve (without -issuers: development mode, data in ./data)
  forsokd COMMAND [flags]    run a command
  forsokd help COMMAND       a command's flags

Commands:
`)
	for _, c := range subcommands {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nFlags of the server, each also an environment variable:\n")
	fs, _ := NewMain().flagSet(getenv) // an invalid variable is reported when serving
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// subcommandNames lists the commands for messages: "dev-token, backup, restore, verify and archive-export".
func subcommandNames() string {
	names := make([]string, len(subcommands))
	for i, c := range subcommands {
		names[i] = c.name
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
