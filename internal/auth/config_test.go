package auth_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/trial"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    auth.IssuerConfig // the first issuer, when there is no error
		wantErr string
	}{
		{
			name: "OKRelativeFile",
			content: `{"issuers": [{"issuer": "https://idp.kdd.test/", "audience": "forsok", "jwksFile": "keys/idp.json", "kind": "person",
				"scopes": {"kdd-handler": "kdd_handler"}, "organisationNumber": "974760673"}]}`,
			want: auth.IssuerConfig{
				Issuer: "https://idp.kdd.test/", Audience: "forsok", JWKSFile: "keys/idp.json", Kind: auth.KindPerson,
				Scopes: map[string]trial.Role{"kdd-handler": trial.RoleKDDHandler}, OrganisationNumber: "974760673",
			},
		},
		{
			name:    "OKURL",
			content: `{"issuers": [{"issuer": "https://maskinporten.no/", "audience": "https://forsok.test/", "jwksUrl": "https://maskinporten.no/jwk", "kind": "organisation"}]}`,
			want:    auth.IssuerConfig{Issuer: "https://maskinporten.no/", Audience: "https://forsok.test/", JWKSURL: "https://maskinporten.no/jwk", Kind: auth.KindOrganisation},
		},
		{
			name:    "OKLoopbackHTTP",
			content: `{"issuers": [{"issuer": "i", "audience": "a", "jwksUrl": "http://127.0.0.1:8081/jwks", "kind": "person"}]}`,
			want:    auth.IssuerConfig{Issuer: "i", Audience: "a", JWKSURL: "http://127.0.0.1:8081/jwks", Kind: auth.KindPerson},
		},
		{name: "ErrNotJSON", content: `issuers: []`, wantErr: "invalid character"},
		{name: "ErrUnknownField", content: `{"issuers": [{"issuer": "i", "audience": "a", "jwksFile": "k", "kind": "person", "audiance": "x"}]}`, wantErr: `unknown field "audiance"`},
		{name: "ErrTrailingData", content: `{"issuers": []} {}`, wantErr: "trailing data"},
		{name: "ErrNoIssuer", content: `{"issuers": [{"audience": "a", "jwksFile": "k", "kind": "person"}]}`, wantErr: "issuers[0]: issuer is required"},
		{name: "ErrNoAudience", content: `{"issuers": [{"issuer": "i", "jwksFile": "k", "kind": "person"}]}`, wantErr: "audience is required"},
		{name: "ErrNoKeys", content: `{"issuers": [{"issuer": "i", "audience": "a", "kind": "person"}]}`, wantErr: "one of jwksFile and jwksUrl is required"},
		{name: "ErrBothKeys", content: `{"issuers": [{"issuer": "i", "audience": "a", "jwksFile": "k", "jwksUrl": "https://x/jwks", "kind": "person"}]}`, wantErr: "not both"},
		{name: "ErrPlainHTTP", content: `{"issuers": [{"issuer": "i", "audience": "a", "jwksUrl": "http://idp.test/jwks", "kind": "person"}]}`, wantErr: "must be https"},
		{name: "ErrBadKind", content: `{"issuers": [{"issuer": "i", "audience": "a", "jwksFile": "k", "kind": "robot"}]}`, wantErr: `kind "robot"`},
		{name: "ErrScopeRoleForKind", content: `{"issuers": [{"issuer": "i", "audience": "a", "jwksFile": "k", "kind": "organisation", "scopes": {"s": "kdd_approver"}}]}`, wantErr: "may not grant"},
		{name: "ErrScopeUnknownRole", content: `{"issuers": [{"issuer": "i", "audience": "a", "jwksFile": "k", "kind": "person", "scopes": {"s": "system"}}]}`, wantErr: "may not grant"},
		{name: "ErrPersonOrganisation", content: `{"issuers": [{"issuer": "i", "audience": "a", "jwksFile": "k", "kind": "person", "organisationNumber": "972417859"}]}`, wantErr: "not a valid organisation number"},
		{name: "ErrOrganisationIssuerOrganisation", content: `{"issuers": [{"issuer": "i", "audience": "a", "jwksFile": "k", "kind": "organisation", "organisationNumber": "972417858"}]}`, wantErr: "person issuers only"},
		{name: "ErrDevIssuerReserved", content: `{"issuers": [{"issuer": "forsok-dev", "audience": "a", "jwksFile": "k", "kind": "person"}]}`, wantErr: "reserved"},
		{
			name: "ErrDuplicate",
			content: `{"issuers": [{"issuer": "i", "audience": "a", "jwksFile": "k", "kind": "person"},
				{"issuer": "i", "audience": "b", "jwksFile": "k", "kind": "organisation"}]}`,
			wantErr: "issuers[1]: issuer \"i\" is configured twice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg, err := auth.LoadConfig(writeConfig(t, dir, tt.content))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if len(cfg.Issuers) != 1 {
				t.Fatalf("got %d issuers, want 1", len(cfg.Issuers))
			}
			got, want := cfg.Issuers[0], tt.want
			if want.JWKSFile != "" {
				want.JWKSFile = filepath.Join(dir, want.JWKSFile)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestLoadConfig_MissingFile(t *testing.T) {
	_, err := auth.LoadConfig(filepath.Join(t.TempDir(), "missing.json"))
	if err == nil || !strings.Contains(err.Error(), "read issuers file") {
		t.Errorf("got error %v, want one saying the file cannot be read", err)
	}
}
