package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// command is one subcommand: its flags, arguments and what it does.
type command struct {
	name    string
	group   string // the heading it is listed under
	args    string // the arguments, for the usage line: "ID", "ID...", ""
	summary string
	// minArgs and maxArgs bound the number of arguments; maxArgs -1 is no bound.
	minArgs, maxArgs int
	// setup registers the command's flags on f and returns the function that runs it
	// with the parsed flags.
	setup func(f *flags) runFunc
}

type runFunc func(ctx context.Context, s *session, args []string) error

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (cmd *command) checkArgs(args []string) error {
	switch {
	case len(args) < cmd.minArgs:
		return usagef("want %s", cmd.args)
	case cmd.maxArgs == 0 && len(args) > 0:
		return usagef("takes no arguments, got %q", strings.Join(args, " "))
	case cmd.maxArgs >= 0 && len(args) > cmd.maxArgs:
		return usagef("want %s, got %d arguments", cmd.args, len(args))
	}
	return nil
}

// flags is a command's flag set, which also remembers which flag sets which request
// field, so that an error naming the field can name the flag.
type flags struct {
	*flag.FlagSet
	cmd    *command
	fields map[string]string // request field path → flag name
}

func newFlags(cmd *command, g *globals) *flags {
	f := &flags{FlagSet: flag.NewFlagSet("forsokctl "+cmd.name, flag.ContinueOnError), cmd: cmd, fields: map[string]string{}}
	f.StringVar(&g.output, "o", g.output, "output `format`: text or json")
	return f
}

// text registers a string flag setting the request field.
func (f *flags) text(p *string, name, field, usage string) {
	f.StringVar(p, name, "", usage)
	if field != "" {
		f.fields[field] = name
	}
}

// flagFor returns the flag that sets the field ("reason_codes[1]" → "reason-codes"), or "".
func (f *flags) flagFor(field string) string {
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	return f.fields[field]
}

// action registers the flags every action has.
func (f *flags) action(etag, requestID *string) {
	f.text(etag, "etag", "etag", "refuse the action (ABORTED, exit 3) unless the case's etag is still this `etag`")
	f.text(requestID, "request-id", "request_id", "makes a retry safe: the same `id` again gets the first answer (a UUID is a good choice)")
}

func (f *flags) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: forsokctl %s", f.cmd.name)
	if f.cmd.args != "" {
		fmt.Fprintf(w, " %s", f.cmd.args)
	}
	fmt.Fprintf(w, " [flags]\n\n%s\n\nFlags:\n", f.cmd.summary)
	f.SetOutput(w)
	f.PrintDefaults()
	fmt.Fprint(w, "\nExit codes: 0 success; 1 refused otherwise, unreachable or another error; 2 usage;\n"+
		"3 refused by a rule or a stale etag; 4 not found; 5 no or bad token, or not allowed for the role.\n")
}

// enumFlag is a flag taking one name of an enum, or with list several separated by
// commas, in any case and with - for _.
type enumFlag struct {
	names  map[string]int32 // the generated _value map
	list   bool
	values []int32
}

func (e *enumFlag) String() string {
	if e == nil {
		return ""
	}
	return fmt.Sprint(e.values)
}

func (e *enumFlag) Set(s string) error {
	parts := []string{s}
	if e.list {
		parts = strings.Split(s, ",")
	}
	e.values = e.values[:0]
	for _, p := range parts {
		name, err := enumValueName(e.names, "", p)
		if err != nil {
			return errors.New(strings.TrimSpace(err.Error()))
		}
		e.values = append(e.values, e.names[name])
	}
	return nil
}

func (e *enumFlag) first() int32 {
	if len(e.values) == 0 {
		return 0
	}
	return e.values[0]
}

// enum registers an enum flag setting the request field.
func (f *flags) enum(names map[string]int32, list bool, name, field, usage string) *enumFlag {
	e := &enumFlag{names: names, list: list}
	f.Var(e, name, usage+" ("+strings.Join(enumNames(names), ", ")+")")
	if field != "" {
		f.fields[field] = name
	}
	return e
}

// enumNames lists an enum's names in number order, without the zero value.
func enumNames(names map[string]int32) []string {
	var out []string
	for n, v := range names {
		if v != 0 {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return int(names[a] - names[b]) })
	return out
}

// applicationName turns "2026-000042" or "applications/2026-000042" into the resource
// name. The server checks the id itself.
func applicationName(arg string) (string, error) {
	id := strings.TrimPrefix(strings.TrimSpace(arg), "applications/")
	if id == "" || strings.Contains(id, "/") {
		return "", usagef("%q is not an application; give its id (2026-000042) or name (applications/2026-000042)", arg)
	}
	return "applications/" + id, nil
}

// consultationName turns "applications/ID/consultations/N", "ID/consultations/N" or
// "ID/N" into the consultation's resource name.
func consultationName(arg string) (string, error) {
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(arg), "applications/"), "/")
	switch {
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		return "applications/" + parts[0] + "/consultations/" + parts[1], nil
	case len(parts) == 3 && parts[0] != "" && parts[1] == "consultations" && parts[2] != "":
		return "applications/" + strings.Join(parts, "/"), nil
	}
	return "", usagef("%q is not a consultation; give applications/2026-000042/consultations/1 or 2026-000042/1", arg)
}
