package auth_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/trial"
)

// refMinistryOrg resolves ministry codes through the shipped reference data, as
// `forsokd dev-token` does.
func refMinistryOrg(code string) (string, bool) {
	m, ok := trial.DefaultReference().Ministry(code)
	return m.OrganisationNumber, ok
}

// devAuthenticator trusts key in development mode, with the shipped reference data's
// ministries, placeholders included.
func devAuthenticator(t *testing.T, key *auth.DevKey, now time.Time) *auth.Authenticator {
	t.Helper()
	a, err := auth.New(nil, auth.Options{
		Now:                    func() time.Time { return now },
		DevKey:                 key,
		MinistryByOrganisation: auth.MinistryLookup(trial.DefaultReference(), true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestLoadOrCreateDevKey(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data") // missing: created
	key, created, err := auth.LoadOrCreateDevKey(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dataDir, auth.DevKeyFile)
	t.Run("Created", func(t *testing.T) {
		if !created {
			t.Errorf("got created false, want true")
		}
		if key.Path() != path {
			t.Errorf("got path %q, want %q", key.Path(), path)
		}
	})
	t.Run("FileMode", func(t *testing.T) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("got file mode %o, want 600", got)
		}
		di, err := os.Stat(dataDir)
		if err != nil {
			t.Fatal(err)
		}
		if got := di.Mode().Perm(); got != 0o700 {
			t.Errorf("got directory mode %o, want 700", got)
		}
		entries, err := os.ReadDir(dataDir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Errorf("got %d files in the data directory, want 1 (no temporary files left)", len(entries))
		}
	})
	t.Run("ReloadSameKey", func(t *testing.T) {
		before, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		again, created, err := auth.LoadOrCreateDevKey(dataDir)
		if err != nil {
			t.Fatal(err)
		}
		if created {
			t.Errorf("got created true on reload, want false")
		}
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, after) {
			t.Errorf("got the key file rewritten on reload, want it unchanged")
		}
		token, err := key.Mint(auth.DevTokenOptions{Role: trial.RoleKDDHandler}, testNow, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := devAuthenticator(t, again, testNow).Authenticate(context.Background(), bearer(token)); err != nil {
			t.Errorf("got error %v verifying with the reloaded key, want none", err)
		}
	})
	t.Run("OtherKeyRefused", func(t *testing.T) {
		other, _, err := auth.LoadOrCreateDevKey(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		token, err := other.Mint(auth.DevTokenOptions{Role: trial.RoleKDDHandler}, testNow, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = devAuthenticator(t, key, testNow).Authenticate(context.Background(), bearer(token))
		checkUnauthenticated(t, err, "token signing key not known")
	})
	t.Run("ErrCorruptFile", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, auth.DevKeyFile), []byte(`{"kty":"oct","k":"c2VjcmV0"}`))
		_, _, err := auth.LoadOrCreateDevKey(dir)
		if err == nil || !strings.Contains(err.Error(), "not an Ed25519 private key") {
			t.Errorf("got error %v, want one saying the file is not an Ed25519 private key", err)
		}
	})
}

// TestLoadOrCreateDevKey_Concurrent starts several creators at once, as a server and
// the dev-token command may: exactly one creates the key, and all end up with it.
func TestLoadOrCreateDevKey_Concurrent(t *testing.T) {
	dataDir := t.TempDir()
	const n = 8
	keys := make([]*auth.DevKey, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], created[i], errs[i] = auth.LoadOrCreateDevKey(dataDir) })
	}
	wg.Wait()
	final, _, err := auth.LoadOrCreateDevKey(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	a := devAuthenticator(t, final, testNow)
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("creator %d: got error %v, want none", i, errs[i])
		}
		if created[i] {
			creators++
		}
		token, err := keys[i].Mint(auth.DevTokenOptions{Role: trial.RoleAdmin}, testNow, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(context.Background(), bearer(token)); err != nil {
			t.Errorf("creator %d: got error %v verifying with the key on disk, want none", i, err)
		}
	}
	if creators != 1 {
		t.Errorf("got %d creators, want 1", creators)
	}
}

func TestDevKey_Mint(t *testing.T) {
	key, _, err := auth.LoadOrCreateDevKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := devAuthenticator(t, key, testNow)
	kd, _ := trial.DefaultReference().Ministry("KD")
	tests := []struct {
		name    string
		opts    auth.DevTokenOptions
		want    trial.Actor
		wantErr string
	}{
		{
			name: "Municipality",
			opts: auth.DevTokenOptions{Role: trial.RoleMunicipality},
			want: trial.Actor{OrganisationNumber: auth.DefaultDevMunicipality, Role: trial.RoleMunicipality},
		},
		{
			name: "MunicipalityWithOrganisationAndPerson",
			opts: auth.DevTokenOptions{Role: trial.RoleMunicipality, Organisation: "974760673", Subject: "p-1", Name: "Per Hansen"},
			want: trial.Actor{Subject: "p-1", Name: "Per Hansen", OrganisationNumber: "974760673", Role: trial.RoleMunicipality},
		},
		{
			name: "Ministry",
			opts: auth.DevTokenOptions{Role: trial.RoleMinistry, Ministry: "KD"},
			want: trial.Actor{OrganisationNumber: kd.OrganisationNumber, Role: trial.RoleMinistry, Ministry: "KD"},
		},
		{
			name: "MinistryWithItsOwnOrganisation",
			opts: auth.DevTokenOptions{Role: trial.RoleMinistry, Ministry: "KD", Organisation: kd.OrganisationNumber},
			want: trial.Actor{OrganisationNumber: kd.OrganisationNumber, Role: trial.RoleMinistry, Ministry: "KD"},
		},
		{
			name: "KDDHandler",
			opts: auth.DevTokenOptions{Role: trial.RoleKDDHandler},
			want: trial.Actor{Subject: "dev-handler", Name: "Dev Handler", OrganisationNumber: auth.KDDOrganisationNumber, Role: trial.RoleKDDHandler},
		},
		{
			name: "KDDApprover",
			opts: auth.DevTokenOptions{Role: trial.RoleKDDApprover, Subject: "ola", Name: "Ola Nordmann"},
			want: trial.Actor{Subject: "ola", Name: "Ola Nordmann", OrganisationNumber: auth.KDDOrganisationNumber, Role: trial.RoleKDDApprover},
		},
		{
			name: "Admin",
			opts: auth.DevTokenOptions{Role: trial.RoleAdmin},
			want: trial.Actor{Subject: "dev-admin", Name: "Dev Admin", OrganisationNumber: auth.KDDOrganisationNumber, Role: trial.RoleAdmin},
		},
		{
			name: "AdminOfAnotherOrganisation",
			opts: auth.DevTokenOptions{Role: trial.RoleAdmin, Organisation: "974760673"},
			want: trial.Actor{Subject: "dev-admin", Name: "Dev Admin", OrganisationNumber: "974760673", Role: trial.RoleAdmin},
		},
		{name: "ErrRole", opts: auth.DevTokenOptions{Role: trial.RoleSystem}, wantErr: `role "system" has no development token`},
		{name: "ErrPublicRole", opts: auth.DevTokenOptions{}, wantErr: `role "" has no development token`},
		{name: "ErrMinistryWithoutCode", opts: auth.DevTokenOptions{Role: trial.RoleMinistry}, wantErr: "needs a ministry code"},
		{name: "ErrMinistryUnknown", opts: auth.DevTokenOptions{Role: trial.RoleMinistry, Ministry: "XX"}, wantErr: `unknown ministry "XX"`},
		{name: "ErrMinistryOtherOrganisation", opts: auth.DevTokenOptions{Role: trial.RoleMinistry, Ministry: "KD", Organisation: "940931002"}, wantErr: "leave it out"},
		{name: "ErrMinistryCodeForMunicipality", opts: auth.DevTokenOptions{Role: trial.RoleMunicipality, Ministry: "KD"}, wantErr: "applies to the ministry role only"},
		{name: "ErrOrganisationCheckDigit", opts: auth.DevTokenOptions{Role: trial.RoleMunicipality, Organisation: "940931003"}, wantErr: `organisation number "940931003" is not valid`},
		{name: "ErrNegativeTTL", opts: auth.DevTokenOptions{Role: trial.RoleAdmin, TTL: -time.Hour}, wantErr: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := key.Mint(tt.opts, testNow, refMinistryOrg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			got, err := a.Authenticate(context.Background(), bearer(token))
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got != tt.want {
				t.Errorf("got actor %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDevKey_MintTTL(t *testing.T) {
	key, _, err := auth.LoadOrCreateDevKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		ttl     time.Duration
		at      time.Duration // when the token is used, after minting
		wantErr string
	}{
		{name: "DefaultWithinWorkingDay", at: 7 * time.Hour},
		{name: "DefaultExpiredNextDay", at: 9 * time.Hour, wantErr: "token expired"},
		{name: "Short", ttl: 10 * time.Minute, at: 9 * time.Minute},
		{name: "ShortExpired", ttl: 10 * time.Minute, at: 12 * time.Minute, wantErr: "token expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := key.Mint(auth.DevTokenOptions{Role: trial.RoleKDDHandler, TTL: tt.ttl}, testNow, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = devAuthenticator(t, key, testNow.Add(tt.at)).Authenticate(context.Background(), bearer(token))
			if tt.wantErr != "" {
				checkUnauthenticated(t, err, tt.wantErr)
			} else if err != nil {
				t.Errorf("got error %v, want none", err)
			}
		})
	}
}

// TestAuthenticator_RealIssuersRefuseDevTokens: a server with real issuers must not
// trust the key in its data directory, even if one is there.
func TestAuthenticator_RealIssuersRefuseDevTokens(t *testing.T) {
	f := newFixture(t)
	key, _, err := auth.LoadOrCreateDevKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []trial.Role{trial.RoleMunicipality, trial.RoleKDDApprover} {
		t.Run(string(role), func(t *testing.T) {
			token, err := key.Mint(auth.DevTokenOptions{Role: role}, testNow, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.auth.Authenticate(context.Background(), bearer(token))
			checkUnauthenticated(t, err, `token issuer "forsok-dev" not accepted`)
		})
	}
}
