package trial_test

import (
	"testing"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

func TestParseApplicationName(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"OK", "applications/2026-000042", "2026-000042"},
		{"OKLongSequence", "applications/2026-000000001234", "2026-000000001234"},
		{"ErrNoCollection", "2026-000042", ""},
		{"ErrOtherCollection", "cases/2026-000042", ""},
		{"ErrShortSequence", "applications/2026-42", ""},
		{"ErrYear", "applications/26-000042", ""},
		{"ErrNotDigits", "applications/2026-00004x", ""},
		{"ErrChild", "applications/2026-000042/events", ""},
		{"ErrEmpty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := trial.ParseApplicationName(tc.in, "name")
			if tc.want == "" {
				refused := trialtest.WantErr(t, err, trial.CodeInvalidArgument, "INVALID_NAME")
				if refused.Violations[0].Field != "name" {
					t.Errorf("field: got %q, want name", refused.Violations[0].Field)
				}
				return
			}
			if err != nil || got != tc.want || trial.ApplicationName(got) != tc.in {
				t.Errorf("ParseApplicationName(%q): got %q, %v, want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseConsultationName(t *testing.T) {
	for _, tc := range []struct {
		name, in, app, id string
	}{
		{"OK", "applications/2026-000042/consultations/3", "2026-000042", "3"},
		{"ErrNoID", "applications/2026-000042/consultations/", "", ""},
		{"ErrNotANumber", "applications/2026-000042/consultations/x", "", ""},
		{"ErrOtherCollection", "applications/2026-000042/events/3", "", ""},
		{"ErrBadApplication", "applications/42/consultations/3", "", ""},
		{"ErrApplicationOnly", "applications/2026-000042", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app, id, err := trial.ParseConsultationName(tc.in, "parent")
			if tc.app == "" {
				trialtest.WantErr(t, err, trial.CodeInvalidArgument, "INVALID_NAME")
				return
			}
			if err != nil || app != tc.app || id != tc.id {
				t.Errorf("ParseConsultationName(%q): got %q %q %v, want %q %q", tc.in, app, id, err, tc.app, tc.id)
			}
		})
	}
}

func TestFormatApplicationID(t *testing.T) {
	for _, tc := range []struct {
		name   string
		year   int
		n      uint64
		want   string
		wantOK bool
	}{
		{"OK", 2026, 42, "2026-000042", true},
		{"OKLast", 2026, trial.MaxApplicationNumber, "2026-999999", true},
		{"ErrExhausted", 2026, trial.MaxApplicationNumber + 1, "", false},
		{"ErrZero", 2026, 0, "", false},
		{"ErrYear", 10000, 1, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := trial.FormatApplicationID(tc.year, tc.n)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("got %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
			if ok {
				if id, err := trial.ParseApplicationName(trial.ApplicationName(got), "name"); err != nil || id != got {
					t.Errorf("round trip: got %q, %v; want %q", id, err, got)
				}
			}
		})
	}
}

func TestParseCounterID(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   uint64
		wantOK bool
	}{
		{"1", 1, true}, {"42", 42, true}, {"18446744073709551615", 1<<64 - 1, true},
		{"", 0, false}, {"0", 0, false}, {"007", 0, false}, {"-1", 0, false}, {"1a", 0, false},
		{"18446744073709551616", 0, false},
	} {
		got, ok := trial.ParseCounterID(tc.in)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("ParseCounterID(%q): got %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.wantOK)
		}
		if ok && trial.FormatCounterID(got) != tc.in {
			t.Errorf("FormatCounterID(%d): got %q, want %q", got, trial.FormatCounterID(got), tc.in)
		}
	}
}
