package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// TestUsage: forsokd -h and forsokd help list every command with its summary, and the
// server's flags.
func TestUsage(t *testing.T) {
	t.Parallel()
	if err := NewMain().ParseFlags([]string{"-h"}, noEnv); err == nil || !strings.Contains(err.Error(), "help requested") {
		t.Fatalf("ParseFlags(-h): got %v, want flag.ErrHelp for main to print the usage", err)
	}
	var stdout, stderr servertest.LogBuffer
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
		{"ErrHelpUnknown", []string{"help", "nope"}, true, 2, "", "the commands are dev-token, backup, restore, verify and archive-export"},
		{"ErrRestoreUsage", []string{"restore"}, true, 2, "", "-in FILE is required"},
		{"ErrDevTokenUsage", []string{"dev-token"}, true, 2, "", "-role is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr servertest.LogBuffer
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

func TestDefaultBackupPath(t *testing.T) {
	t.Parallel()
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	// Named in UTC whatever the local zone, so that names sort in the order taken.
	got := defaultBackupPath(time.Date(2026, 3, 2, 10, 15, 30, 0, oslo))
	wantEqual(t, "path", got, filepath.Join("backups", "forsok-2026-03-02T091530Z.db"))
}

// TestRunBackup_DefaultOut: without -out the backup goes to backups/ in the working
// directory, created for it, which .gitignore lists. Not parallel: it changes the
// working directory.
func TestRunBackup_DefaultOut(t *testing.T) {
	s := startServer(t, t.TempDir(), trialtest.NewClock(at("2026-03-02", 10)))
	admin := s.token(t, auth.DevTokenOptions{Role: trial.RoleAdmin})
	ignore, err := os.ReadFile(filepath.Join(repoRoot(t), ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ignore), "\n/"+defaultBackupDir+"/\n") {
		t.Errorf(".gitignore does not list /%s/: a backup taken in a checkout could be committed", defaultBackupDir)
	}
	t.Chdir(t.TempDir())
	var stderr servertest.LogBuffer
	if err := runBackup(t.Context(), []string{"-addr", s.base}, envOf("FORSOK_TOKEN", admin), nil, &stderr); err != nil {
		t.Fatalf("backup without -out: %v", err)
	}
	files, err := filepath.Glob(filepath.Join("backups", "forsok-*.db"))
	if err != nil || len(files) != 1 {
		t.Fatalf("backups/: got %v (%v), want one forsok-TIME.db", files, err)
	}
	if !strings.Contains(stderr.String(), "wrote "+files[0]) {
		t.Errorf("stderr: got %q, want it to name %s", stderr.String(), files[0])
	}
	if fi, err := os.Stat("backups"); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("backups/: got %v (%v), want a directory only its owner reads", fi.Mode(), err)
	}
}

// repoRoot is the repository's root: the test runs in cmd/forsokd.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}
