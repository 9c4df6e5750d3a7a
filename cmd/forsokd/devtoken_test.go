package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/trial"
)

func TestRunDevToken(t *testing.T) {
	kd, _ := trial.DefaultReference().Ministry("KD")
	tests := []struct {
		name    string
		args    []string
		want    trial.Actor
		wantErr string
	}{
		{
			name: "Municipality",
			args: []string{"-role", "municipality"},
			want: trial.Actor{OrganisationNumber: auth.DefaultDevMunicipality, Role: trial.RoleMunicipality},
		},
		{
			name: "MinistryLowerCaseCode",
			args: []string{"-role", "ministry", "-ministry", "kd"},
			want: trial.Actor{OrganisationNumber: kd.OrganisationNumber, Role: trial.RoleMinistry, Ministry: "KD"},
		},
		{
			name: "KDDApproverNamed",
			args: []string{"-role", "kdd_approver", "-sub", "ola", "-name", "Ola Nordmann", "-ttl", "1h"},
			want: trial.Actor{Subject: "ola", Name: "Ola Nordmann", OrganisationNumber: auth.KDDOrganisationNumber, Role: trial.RoleKDDApprover},
		},
		{
			name: "Admin",
			args: []string{"-role", "admin"},
			want: trial.Actor{Subject: "dev-admin", Name: "Dev Admin", OrganisationNumber: auth.KDDOrganisationNumber, Role: trial.RoleAdmin},
		},
		{name: "ErrNoRole", args: nil, wantErr: "-role is required"},
		{name: "ErrUnknownRole", args: []string{"-role", "mayor"}, wantErr: `role "mayor" has no development token`},
		{name: "ErrBadOrganisation", args: []string{"-role", "municipality", "-org", "123"}, wantErr: `organisation number "123" is not valid`},
		{name: "ErrMinistryWithoutCode", args: []string{"-role", "ministry"}, wantErr: "needs a ministry code"},
		{name: "ErrUnknownMinistry", args: []string{"-role", "ministry", "-ministry", "XX"}, wantErr: `unknown ministry "XX"`},
		{name: "ErrNonPositiveTTL", args: []string{"-role", "admin", "-ttl", "0s"}, wantErr: "want a positive duration"},
		{name: "ErrExtraArguments", args: []string{"-role", "admin", "extra"}, wantErr: "unexpected arguments"},
		{name: "ErrUnknownFlag", args: []string{"-rolle", "admin"}, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "data")
			var stdout, stderr bytes.Buffer
			err := runDevToken(append([]string{"-data", dataDir}, tt.args...), &stdout, &stderr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				if stdout.Len() != 0 {
					t.Errorf("got stdout %q, want nothing", stdout.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v (stderr %q), want none", err, stderr.String())
			}
			got := authenticateDevToken(t, dataDir, stdout.String())
			if got != tt.want {
				t.Errorf("got actor %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRunDevToken_DataDirectory(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	t.Setenv("FORSOK_DATA", dataDir) // the default of -data
	for _, tt := range []struct {
		name        string
		wantCreated bool
	}{
		{name: "FirstRunCreatesKey", wantCreated: true},
		{name: "SecondRunReusesKey", wantCreated: false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := runDevToken([]string{"-role", "kdd_handler"}, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(stderr.String(), "created development signing key"); got != tt.wantCreated {
				t.Errorf("got stderr %q, want the creation notice %v", stderr.String(), tt.wantCreated)
			}
			if got := authenticateDevToken(t, dataDir, stdout.String()); got.Role != trial.RoleKDDHandler {
				t.Errorf("got role %q, want %q", got.Role, trial.RoleKDDHandler)
			}
		})
	}
}

// authenticateDevToken checks that out is exactly one line and returns the actor a
// development-mode server on dataDir sees in it.
func authenticateDevToken(t *testing.T, dataDir, out string) trial.Actor {
	t.Helper()
	token, ok := strings.CutSuffix(out, "\n")
	if !ok || token == "" || strings.Contains(token, "\n") {
		t.Fatalf("got stdout %q, want exactly one line", out)
	}
	key, created, err := auth.LoadOrCreateDevKey(dataDir)
	if err != nil || created {
		t.Fatalf("got (created %v, error %v) loading the key, want the command's key", created, err)
	}
	a, err := auth.New(nil, auth.Options{
		DevKey:                 key,
		MinistryByOrganisation: auth.MinistryLookup(trial.DefaultReference(), true),
	})
	if err != nil {
		t.Fatal(err)
	}
	actor, err := a.Authenticate(context.Background(), "Bearer "+token)
	if err != nil {
		t.Fatalf("got error %v authenticating the token, want none", err)
	}
	return actor
}
