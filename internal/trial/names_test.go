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
