package trialtest

import (
	"errors"
	"slices"
	"testing"

	"github.com/forsok/forsok/internal/trial"
)

// WantErr fails unless err is a *trial.Error with code, naming reason (if given) and
// every rule in rules among its violations. It returns the error.
func WantErr(t testing.TB, err error, code trial.Code, reason string, rules ...string) *trial.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want %s", code)
	}
	var e *trial.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %T %v, want a *trial.Error with %s", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("got %s (%v), want %s", e.Code, err, code)
	}
	if reason != "" && !slices.ContainsFunc(e.Violations, func(v trial.Violation) bool { return v.Reason == reason }) {
		t.Fatalf("got violations %+v, want one with reason %s", e.Violations, reason)
	}
	for _, r := range rules {
		if !slices.ContainsFunc(e.Violations, func(v trial.Violation) bool { return v.Rule == r }) {
			t.Errorf("got violations %+v, want one of rule %s", e.Violations, r)
		}
	}
	return e
}
