package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/trial"
)

const (
	orgIssuer    = "https://maskinporten.test/"
	personIssuer = "https://idp.kdd.test/"
	audience     = "https://forsok.test/"
	// ministryOrg is the placeholder organisation number of KD in the shipped
	// reference data; testMinistries maps it.
	ministryOrg = "999990134"
)

// testMinistries stands in for the reference data.
func testMinistries(orgnr string) (string, bool) {
	if orgnr == ministryOrg {
		return "KD", true
	}
	return "", false
}

// fixture is an Authenticator trusting an organisation issuer (RS256, JWKS file) and
// a person issuer (ES256, JWKS file), loaded through LoadConfig.
type fixture struct {
	orgKey, personKey jose.JSONWebKey
	auth              *auth.Authenticator
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{orgKey: rsaKey(t, "org-1"), personKey: ecKey(t, "person-1")}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "org.jwks"), jwks(t, f.orgKey))
	writeFile(t, filepath.Join(dir, "person.jwks"), jwks(t, f.personKey))
	// Relative JWKS paths resolve against the issuers file, not the working directory.
	path := writeConfig(t, dir, `{"issuers": [
		{"issuer": "`+orgIssuer+`", "audience": "`+audience+`", "jwksFile": "org.jwks", "kind": "organisation"},
		{"issuer": "`+personIssuer+`", "audience": "`+audience+`", "jwksFile": "person.jwks", "kind": "person"}
	]}`)
	cfg, err := auth.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	f.auth, err = auth.New(cfg, auth.Options{
		Now:                    func() time.Time { return testNow },
		MinistryByOrganisation: testMinistries,
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// orgClaims are valid Maskinporten-shaped claims of Indre Østfold as a municipality.
func orgClaims() map[string]any {
	return map[string]any{
		"iss":       orgIssuer,
		"aud":       audience,
		"iat":       at(-time.Minute),
		"exp":       at(2 * time.Minute),
		"scope":     "forsok:municipality other:scope",
		"consumer":  map[string]any{"authority": "iso6523-actorid-upis", "ID": "0192:940931002"},
		"client_id": "8a1b6c9e-client",
		"jti":       "abc",
	}
}

// personClaims are valid claims of a KDD handler.
func personClaims() map[string]any {
	return map[string]any{
		"iss":   personIssuer,
		"aud":   audience,
		"iat":   at(-time.Minute),
		"exp":   at(time.Hour),
		"sub":   "kari.handler",
		"name":  "Kari Nordmann",
		"scope": "openid forsok:kdd.handler",
	}
}

func TestAuthenticator_Authenticate(t *testing.T) {
	f := newFixture(t)
	otherRSA := rsaKey(t, "org-1") // same kid as the organisation issuer's key
	otherEC := ecKey(t, "org-1")
	tests := []struct {
		name    string
		header  func(t *testing.T) string
		want    trial.Actor
		wantErr string // substring of the message; "" means success
	}{
		{
			name:   "Anonymous",
			header: func(t *testing.T) string { return "" },
			want:   trial.Actor{Role: trial.RolePublic},
		},
		{
			name:   "OrganisationMunicipality",
			header: func(t *testing.T) string { return bearer(sign(t, f.orgKey, orgClaims())) },
			want:   trial.Actor{OrganisationNumber: "940931002", Role: trial.RoleMunicipality},
		},
		{
			name: "OrganisationNamingAPerson",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"sub": "p-17", "name": "Per Hansen"})))
			},
			want: trial.Actor{Subject: "p-17", Name: "Per Hansen", OrganisationNumber: "940931002", Role: trial.RoleMunicipality},
		},
		{
			name: "OrganisationMinistry",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{
					"scope":    "forsok:ministry",
					"consumer": map[string]any{"authority": "iso6523-actorid-upis", "ID": "0192:" + ministryOrg},
				})))
			},
			want: trial.Actor{OrganisationNumber: ministryOrg, Role: trial.RoleMinistry, Ministry: "KD"},
		},
		{
			name: "LowerCaseSchemeAndAudienceList",
			header: func(t *testing.T) string {
				return "bearer " + sign(t, f.orgKey, edit(orgClaims(), map[string]any{"aud": []string{"other", audience}}))
			},
			want: trial.Actor{OrganisationNumber: "940931002", Role: trial.RoleMunicipality},
		},
		{
			name: "ExpiredWithinLeeway",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"exp": at(-30 * time.Second)})))
			},
			want: trial.Actor{OrganisationNumber: "940931002", Role: trial.RoleMunicipality},
		},
		{
			name:   "PersonHandler",
			header: func(t *testing.T) string { return bearer(sign(t, f.personKey, personClaims())) },
			want:   trial.Actor{Subject: "kari.handler", Name: "Kari Nordmann", OrganisationNumber: auth.KDDOrganisationNumber, Role: trial.RoleKDDHandler},
		},
		{
			name: "PersonApproverWinsOverHandler",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.personKey, edit(personClaims(), map[string]any{"scope": "forsok:kdd.handler forsok:kdd.approver"})))
			},
			want: trial.Actor{Subject: "kari.handler", Name: "Kari Nordmann", OrganisationNumber: auth.KDDOrganisationNumber, Role: trial.RoleKDDApprover},
		},
		{
			name: "PersonAdmin",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.personKey, edit(personClaims(), map[string]any{"scope": "forsok:admin"})))
			},
			want: trial.Actor{Subject: "kari.handler", Name: "Kari Nordmann", OrganisationNumber: auth.KDDOrganisationNumber, Role: trial.RoleAdmin},
		},
		{
			name: "PersonIgnoresOrganisationClaim",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.personKey, edit(personClaims(), map[string]any{"organisation_number": "940931002"})))
			},
			want: trial.Actor{Subject: "kari.handler", Name: "Kari Nordmann", OrganisationNumber: auth.KDDOrganisationNumber, Role: trial.RoleKDDHandler},
		},
		{
			name:    "ErrNotBearer",
			header:  func(t *testing.T) string { return "Basic b2xhOnNlY3JldA==" },
			wantErr: "authorization header is not a bearer token",
		},
		{
			name:    "ErrBearerEmpty",
			header:  func(t *testing.T) string { return "Bearer " },
			wantErr: "bearer token missing",
		},
		{
			name:    "ErrTooLarge",
			header:  func(t *testing.T) string { return bearer(strings.Repeat("a", 20000)) },
			wantErr: "token too large",
		},
		{
			name:    "ErrMalformed",
			header:  func(t *testing.T) string { return bearer("not.a-jwt") },
			wantErr: "token malformed",
		},
		{
			name:    "ErrClaimsNotJSON",
			header:  func(t *testing.T) string { return bearer(signRaw(t, f.orgKey, []byte("hello"))) },
			wantErr: "token claims malformed",
		},
		{
			name: "ErrClaimsDuplicateMember",
			header: func(t *testing.T) string {
				return bearer(signRaw(t, f.orgKey, []byte(`{"iss":"`+orgIssuer+`","iss":"x"}`)))
			},
			wantErr: "token claims malformed",
		},
		{
			name: "ErrScopeNotAString",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"scope": []string{"forsok:municipality"}})))
			},
			wantErr: "token claims malformed",
		},
		{
			name:    "ErrAlgNone",
			header:  func(t *testing.T) string { return bearer(unsigned(t, orgClaims())) },
			wantErr: `token signature algorithm "none" not accepted`,
		},
		{
			name: "ErrAlgHS256",
			header: func(t *testing.T) string {
				secret := make([]byte, 32)
				if _, err := rand.Read(secret); err != nil {
					t.Fatal(err)
				}
				return bearer(signWith(t, jose.SigningKey{Algorithm: jose.HS256, Key: secret}, orgClaims()))
			},
			wantErr: `token signature algorithm "HS256" not accepted`,
		},
		{
			name:    "ErrForgedSignature",
			header:  func(t *testing.T) string { return bearer(sign(t, otherRSA, orgClaims())) },
			wantErr: "token signature invalid",
		},
		{
			// A key of another type under the issuer's kid must not be tried at all.
			name:    "ErrForgedWithOtherAlgorithm",
			header:  func(t *testing.T) string { return bearer(sign(t, otherEC, orgClaims())) },
			wantErr: "token signing key not known",
		},
		{
			name:    "ErrUnknownKeyID",
			header:  func(t *testing.T) string { return bearer(sign(t, rsaKey(t, "org-2"), orgClaims())) },
			wantErr: "token signing key not known",
		},
		{
			// The person issuer's key must not vouch for the organisation issuer.
			name: "ErrKeyOfAnotherIssuer",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.personKey, orgClaims()))
			},
			wantErr: "token signing key not known",
		},
		{
			name: "ErrUnknownIssuer",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"iss": "https://evil.test/"})))
			},
			wantErr: `token issuer "https://evil.test/" not accepted`,
		},
		{
			name: "ErrNoIssuer",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"iss": nil})))
			},
			wantErr: "token has no issuer",
		},
		{
			name: "ErrExpired",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"iat": at(-time.Hour), "exp": at(-2 * time.Minute)})))
			},
			wantErr: "token expired",
		},
		{
			name: "ErrNotYetValid",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"nbf": at(5 * time.Minute)})))
			},
			wantErr: "token not yet valid",
		},
		{
			name: "ErrIssuedInTheFuture",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"iat": at(5 * time.Minute)})))
			},
			wantErr: "token issued in the future",
		},
		{
			name: "ErrNoExpiry",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"exp": nil})))
			},
			wantErr: "token has no expiry",
		},
		{
			name: "ErrWrongAudience",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"aud": "https://other.test/"})))
			},
			wantErr: "token audience not accepted",
		},
		{
			name: "ErrNoAudience",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"aud": nil})))
			},
			wantErr: "token audience not accepted",
		},
		{
			name: "ErrNoScope",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"scope": "openid other:scope"})))
			},
			wantErr: "token has no forsok scope",
		},
		{
			name: "ErrScopeMissing",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"scope": nil})))
			},
			wantErr: "token has no forsok scope",
		},
		{
			// An organisation issuer cannot make anyone a KDD approver.
			name: "ErrOrganisationWithPersonScope",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"scope": "forsok:kdd.approver"})))
			},
			wantErr: "token has no forsok scope",
		},
		{
			name: "ErrOrganisationBothScopes",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"scope": "forsok:municipality forsok:ministry"})))
			},
			wantErr: "both the municipality and the ministry scope",
		},
		{
			name: "ErrNoConsumer",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"consumer": nil})))
			},
			wantErr: "token has no consumer organisation",
		},
		{
			name: "ErrConsumerCheckDigit",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"consumer": map[string]any{"authority": "iso6523-actorid-upis", "ID": "0192:940931003"}})))
			},
			wantErr: `token consumer.ID "0192:940931003" is not 0192: followed by a valid organisation number`,
		},
		{
			name: "ErrConsumerScheme",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"consumer": map[string]any{"ID": "9908:940931002"}})))
			},
			wantErr: `token consumer.ID "9908:940931002"`,
		},
		{
			name: "ErrConsumerAuthority",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"consumer": map[string]any{"authority": "other", "ID": "0192:940931002"}})))
			},
			wantErr: `token consumer.authority "other" not accepted`,
		},
		{
			name: "ErrMinistryUnknown",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.orgKey, edit(orgClaims(), map[string]any{"scope": "forsok:ministry"})))
			},
			wantErr: "organisation 940931002 is not a known ministry",
		},
		{
			name: "ErrPersonNoSubject",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.personKey, edit(personClaims(), map[string]any{"sub": nil})))
			},
			wantErr: "token has no subject",
		},
		{
			name: "ErrPersonAdminAndKDD",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.personKey, edit(personClaims(), map[string]any{"scope": "forsok:admin forsok:kdd.handler"})))
			},
			wantErr: "both the admin scope and a kdd scope",
		},
		{
			// A person issuer cannot make anyone a municipality.
			name: "ErrPersonWithOrganisationScope",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.personKey, edit(personClaims(), map[string]any{"scope": "forsok:municipality"})))
			},
			wantErr: "token has no forsok scope",
		},
		{
			name: "ErrNameControlCharacters",
			header: func(t *testing.T) string {
				return bearer(sign(t, f.personKey, edit(personClaims(), map[string]any{"name": "Kari\nNordmann"})))
			},
			wantErr: "token name not acceptable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.auth.Authenticate(context.Background(), tt.header(t))
			if tt.wantErr != "" {
				checkUnauthenticated(t, err, tt.wantErr)
				if got != (trial.Actor{}) {
					t.Errorf("got actor %+v with the error, want the zero actor", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got != tt.want {
				t.Errorf("got actor %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAuthenticator_CustomScopesAndOrganisation(t *testing.T) {
	key := edKey(t, "ed-1")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "keys.json"), jwks(t, key))
	cfg := &auth.Config{Issuers: []auth.IssuerConfig{{
		Issuer:             personIssuer,
		Audience:           audience,
		JWKSFile:           filepath.Join(dir, "keys.json"),
		Kind:               auth.KindPerson,
		Scopes:             map[string]trial.Role{"kdd/saksbehandler": trial.RoleKDDHandler},
		OrganisationNumber: "940931002",
	}}}
	a, err := auth.New(cfg, auth.Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		scope   string
		want    trial.Actor
		wantErr string
	}{
		{
			name:  "OK",
			scope: "kdd/saksbehandler",
			want:  trial.Actor{Subject: "kari.handler", Name: "Kari Nordmann", OrganisationNumber: "940931002", Role: trial.RoleKDDHandler},
		},
		{
			// A configured table replaces the default one.
			name:    "ErrDefaultScopeNotMapped",
			scope:   "forsok:kdd.handler",
			wantErr: "token has no forsok scope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := sign(t, key, edit(personClaims(), map[string]any{"scope": tt.scope}))
			got, err := a.Authenticate(context.Background(), bearer(token))
			if tt.wantErr != "" {
				checkUnauthenticated(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got != tt.want {
				t.Errorf("got actor %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	key := rsaKey(t, "k")
	good := filepath.Join(dir, "good.jwks")
	writeFile(t, good, jwks(t, key))
	private := filepath.Join(dir, "private.jwks")
	writeFile(t, private, []byte(`{"keys":[`+string(mustJSON(t, key))+`]}`))
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tooSmall := filepath.Join(dir, "small.jwks")
	writeFile(t, tooSmall, jwks(t, jose.JSONWebKey{Key: small, KeyID: "small"}))
	unsupported := filepath.Join(dir, "unsupported.jwks")
	writeFile(t, unsupported, []byte(`{"keys":[{"kty":"XYZ","kid":"x"},`+string(jwks(t, key))[len(`{"keys":[`):]))
	devKey, _, err := auth.LoadOrCreateDevKey(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	issuer := func(file string) *auth.Config {
		return &auth.Config{Issuers: []auth.IssuerConfig{{Issuer: orgIssuer, Audience: audience, JWKSFile: file, Kind: auth.KindOrganisation}}}
	}
	tests := []struct {
		name    string
		cfg     *auth.Config
		opts    auth.Options
		wantErr string
	}{
		{name: "OKIssuers", cfg: issuer(good)},
		{name: "OKDevelopment", opts: auth.Options{DevKey: devKey}},
		{name: "OKDevelopmentEmptyConfig", cfg: &auth.Config{}, opts: auth.Options{DevKey: devKey}},
		{name: "OKUnsupportedKeyTypeSkipped", cfg: issuer(unsupported)},
		{name: "ErrIssuersAndDevKey", cfg: issuer(good), opts: auth.Options{DevKey: devKey}, wantErr: "not both"},
		{name: "ErrNeither", cfg: &auth.Config{}, wantErr: "no token issuers configured"},
		{name: "ErrNilConfigNoDevKey", wantErr: "no token issuers configured"},
		{name: "ErrJWKSFileMissing", cfg: issuer(filepath.Join(dir, "missing.jwks")), wantErr: "missing.jwks"},
		{name: "ErrJWKSPrivateKey", cfg: issuer(private), wantErr: "private or symmetric key material"},
		{name: "ErrJWKSNoUsableKey", cfg: issuer(tooSmall), wantErr: "no usable signing keys"},
		{name: "ErrInvalidConfig", cfg: &auth.Config{Issuers: []auth.IssuerConfig{{Issuer: orgIssuer, JWKSFile: good, Kind: auth.KindOrganisation}}}, wantErr: "audience is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := auth.New(tt.cfg, tt.opts)
			if tt.wantErr == "" {
				if err != nil || a == nil {
					t.Fatalf("got (%v, %v), want an authenticator", a, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestMinistryLookup(t *testing.T) {
	ref := trial.DefaultReference()
	kdd, ok := ref.Ministry("KDD")
	if !ok || !kdd.Verified {
		t.Fatalf("reference data: got KDD %+v, want a verified ministry", kdd)
	}
	kd, ok := ref.Ministry("KD")
	if !ok || kd.Verified {
		t.Fatalf("reference data: got KD %+v, want an unverified ministry", kd)
	}
	tests := []struct {
		name            string
		allowUnverified bool
		orgnr           string
		wantCode        string
		wantOK          bool
	}{
		{name: "Verified", orgnr: kdd.OrganisationNumber, wantCode: "KDD", wantOK: true},
		{name: "UnverifiedRefused", orgnr: kd.OrganisationNumber},
		{name: "UnverifiedAllowed", allowUnverified: true, orgnr: kd.OrganisationNumber, wantCode: "KD", wantOK: true},
		{name: "NotAMinistry", allowUnverified: true, orgnr: "940931002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, ok := auth.MinistryLookup(ref, tt.allowUnverified)(tt.orgnr)
			if code != tt.wantCode || ok != tt.wantOK {
				t.Errorf("got (%q, %v), want (%q, %v)", code, ok, tt.wantCode, tt.wantOK)
			}
		})
	}
}

func mustJSON(t *testing.T, key jose.JSONWebKey) []byte {
	t.Helper()
	data, err := key.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return data
}
