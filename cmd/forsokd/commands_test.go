package main

import (
	"strings"
	"testing"
)

// TestUsage: forsokd -h and forsokd help list every command with its summary, and the
// server's flags.
func TestUsage(t *testing.T) {
	t.Parallel()
	if err := NewMain().ParseFlags([]string{"-h"}, noEnv); err == nil || !strings.Contains(err.Error(), "help requested") {
		t.Fatalf("ParseFlags(-h): got %v, want flag.ErrHelp for main to print the usage", err)
	}
	var stdout, stderr syncBuffer
	wantEqual(t, "forsokd help: exit code", help(nil, noEnv, &stdout, &stderr), 0)
	wantEqual(t, "forsokd help: stderr", stderr.String(), "")
	for _, c := range subcommands {
		if !strings.Contains(stdout.String(), "  "+c.name+" ") || !strings.Contains(stdout.String(), c.summary) {
			t.Errorf("usage does not list %s with its summary:\n%s", c.name, stdout.String())
		}
	}
	for _, flag := range []string{"-data directory", "-http address", "FORSOK_ISSUERS"} {
		if !strings.Contains(stdout.String(), flag) {
			t.Errorf("usage lacks the server flag %q:\n%s", flag, stdout.String())
		}
	}
}

func TestDispatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		args       []string
		wantDone   bool
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"Serve", nil, false, 0, "", ""},
		{"ServeWithFlags", []string{"-data", "x"}, false, 0, "", ""},
		{"HelpCommand", []string{"help", "backup"}, true, 0, "usage: forsokd backup", ""},
		{"ErrHelpUnknown", []string{"help", "nope"}, true, 2, "", "the commands are dev-token, backup, restore and verify"},
		{"ErrRestoreUsage", []string{"restore"}, true, 2, "", "-in FILE is required"},
		{"ErrDevTokenUsage", []string{"dev-token"}, true, 2, "", "-role is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			code, done := dispatch(tc.args, noEnv, &stdout, &stderr)
			wantEqual(t, "done", done, tc.wantDone)
			wantEqual(t, "exit code", code, tc.wantCode)
			if !strings.Contains(stdout.String(), tc.wantStdout) {
				t.Errorf("stdout: got %q, want it to contain %q", stdout.String(), tc.wantStdout)
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr: got %q, want it to contain %q", stderr.String(), tc.wantStderr)
			}
		})
	}
}
