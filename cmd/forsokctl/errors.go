package main

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// report prints err for a person on stderr and returns the exit code a script reads.
func (c *cli) report(cmd *command, f *flags, g *globals, err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(c.stderr, "forsokctl %s: %s\nRun 'forsokctl %s -h' for usage.\n", cmd.name, ue.msg, cmd.name)
		return exitUsage
	}
	st, ok := status.FromError(err)
	if !ok {
		fmt.Fprintf(c.stderr, "forsokctl %s: %v\n", cmd.name, err)
		return exitError
	}
	var lines []violation
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.PreconditionFailure:
			for _, v := range d.GetViolations() {
				lines = append(lines, violation{rule: v.GetType(), field: v.GetSubject(), description: v.GetDescription()})
			}
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				lines = append(lines, violation{field: v.GetField(), description: v.GetDescription()})
			}
		}
	}
	fmt.Fprintf(c.stderr, "forsokctl %s: %s: %s\n", cmd.name, codeName(st.Code()), headline(st.Message(), lines))
	for _, v := range lines {
		fmt.Fprintf(c.stderr, "  %s", v)
		if name := f.flagFor(v.field); name != "" {
			fmt.Fprintf(c.stderr, " (flag -%s)", name)
		}
		fmt.Fprintln(c.stderr)
	}
	if hint := hint(st.Code(), g); hint != "" {
		fmt.Fprintf(c.stderr, "  %s\n", hint)
	}
	switch st.Code() {
	case codes.FailedPrecondition, codes.Aborted:
		return exitRefused
	case codes.NotFound:
		return exitNotFound
	case codes.Unauthenticated, codes.PermissionDenied:
		return exitAuth
	default:
		return exitError
	}
}

// violation is one rule or field at fault, from the error's details.
type violation struct {
	rule, field, description string
}

// String gives "R6 approved_end: description", "approved_end: description" or
// "R6: description".
func (v violation) String() string {
	var b strings.Builder
	b.WriteString(v.rule)
	if v.field != "" {
		if v.rule != "" {
			b.WriteByte(' ')
		}
		b.WriteString(v.field)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(v.description)
	return b.String()
}

// headline returns the status message without the violations the server appends to it
// ("approve refused; R6: approved_end: ..."), since they are printed one a line below.
// A message it does not recognise is returned whole.
func headline(msg string, vs []violation) string {
	if len(vs) == 0 {
		return msg
	}
	desc := vs[0].description
	// A BadRequest description may start with the rule ("R4: ..."), which the message
	// puts before the field.
	if rule, rest, ok := strings.Cut(desc, ": "); ok && isRule(rule) {
		desc = rest
	}
	i := strings.Index(msg, desc)
	if i < 0 {
		return msg
	}
	j := strings.LastIndex(msg[:i], "; ")
	if j <= 0 {
		return msg
	}
	return msg[:j]
}

// isRule reports whether s looks like a rule name: "R6", "STATE", "REQUIRED".
func isRule(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) && r != '_' {
			return false
		}
	}
	return true
}

// codeName returns the code as the API documents it: FAILED_PRECONDITION.
func codeName(c codes.Code) string {
	var b strings.Builder
	for i, r := range c.String() {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// hint says what to do about an error of the code, where the message alone may not.
func hint(code codes.Code, g *globals) string {
	switch code {
	case codes.Unauthenticated:
		if g.token == "" {
			return "no token: give -token or set FORSOK_TOKEN (in development: forsokd dev-token -role kdd_handler)"
		}
		return "the token was refused; get a new one"
	case codes.PermissionDenied:
		return "your token is valid but may not do this"
	case codes.Aborted:
		return "the case changed since its etag was read: read it again (forsokctl get ID) and retry with the new -etag, if the action still makes sense"
	case codes.Unavailable:
		return fmt.Sprintf("could not reach forsokd at %s; check -addr or FORSOK_ADDR", g.addr)
	case codes.DeadlineExceeded:
		if g.timeout > 0 {
			return fmt.Sprintf("no answer within -timeout %s", g.timeout)
		}
	}
	return ""
}
