package servertest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/trial"
)

// devKey is the development key of the test process: made once, then copied into every
// data directory a test starts a server on.
var devKey struct {
	once sync.Once
	key  *auth.DevKey
	file []byte // the key file's contents
	err  error
}

// DevKey returns the test process's development key, making it on first use.
func DevKey(t testing.TB) *auth.DevKey {
	t.Helper()
	devKey.once.Do(func() {
		dir, err := os.MkdirTemp("", "servertest-key-")
		if err != nil {
			devKey.err = err
			return
		}
		defer os.RemoveAll(dir)
		if devKey.key, _, devKey.err = auth.LoadOrCreateDevKey(dir); devKey.err != nil {
			return
		}
		devKey.file, devKey.err = os.ReadFile(filepath.Join(dir, auth.DevKeyFile))
	})
	if devKey.err != nil {
		t.Fatalf("development key: %v", devKey.err)
	}
	return devKey.key
}

// InstallDevKey puts the process's development key into dataDir, unless it holds one
// already (a restarted server keeps its key), so that a server started there trusts
// the tokens Mint makes.
func InstallDevKey(t testing.TB, dataDir string) {
	t.Helper()
	DevKey(t)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dataDir, auth.DevKeyFile)
	if _, err := os.Stat(path); err == nil {
		return
	}
	if err := os.WriteFile(path, devKey.file, 0o600); err != nil {
		t.Fatalf("install the development key: %v", err)
	}
}

// MinistryOrg looks ministries up in the shipped reference data, as dev-token does.
func MinistryOrg(code string) (string, bool) {
	m, ok := trial.DefaultReference().Ministry(code)
	return m.OrganisationNumber, ok
}

// Mint returns a development token of opts on the process's key, issued at now.
func Mint(t testing.TB, opts auth.DevTokenOptions, now time.Time) string {
	t.Helper()
	tok, err := DevKey(t).Mint(opts, now, MinistryOrg)
	if err != nil {
		t.Fatalf("Mint(%+v): %v", opts, err)
	}
	return tok
}

// Token mints a token of opts at the stack's clock.
func (s *Stack) Token(opts auth.DevTokenOptions) string {
	s.t.Helper()
	return Mint(s.t, opts, s.Now())
}

// Municipality returns a token of the kommune org (Maskinporten-shaped, no person).
func (s *Stack) Municipality(org string) string {
	return s.Token(auth.DevTokenOptions{Role: trial.RoleMunicipality, Organisation: org})
}

// Ministry returns a ministry's token, as `forsokd dev-token -role ministry -ministry code`.
func (s *Stack) Ministry(code string) string {
	return s.Token(auth.DevTokenOptions{Role: trial.RoleMinistry, Ministry: code})
}

// Handler returns a KDD case handler's token (the person dev-handler).
func (s *Stack) Handler() string { return s.Token(auth.DevTokenOptions{Role: trial.RoleKDDHandler}) }

// Approver returns a KDD approver's token (the person dev-approver).
func (s *Stack) Approver() string {
	return s.Token(auth.DevTokenOptions{Role: trial.RoleKDDApprover})
}

// Admin returns an operator's token (the person dev-admin).
func (s *Stack) Admin() string { return s.Token(auth.DevTokenOptions{Role: trial.RoleAdmin}) }
