package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/forsok/forsok/internal/trial"
)

// The development issuer's identity and defaults (api.md, Authentication).
const (
	// DevIssuer is the "iss" of development tokens.
	DevIssuer = "forsok-dev"
	// DevAudience is the "aud" of development tokens.
	DevAudience = "forsok"
	// DevKeyFile is the development signing key's file name in the data directory.
	DevKeyFile = "dev-signing-key.json"
	// DefaultDevTokenTTL is a development token's lifetime when none is given: a
	// working day.
	DefaultDevTokenTTL = 8 * time.Hour
	// DefaultDevMunicipality is the organisation of a municipality development token
	// when none is given: the example number for Indre Østfold in api.md.
	DefaultDevMunicipality = "940931002"
)

// DevKey is the development signing key: an Ed25519 private key kept as a JWK file in
// the server's data directory. The server trusts it only in development mode; the
// dev-token command mints with it. It lives in a file rather than in bbolt so that the
// command can read it while the server holds the database open.
type DevKey struct {
	jwk  jose.JSONWebKey // private; KeyID is its RFC 7638 thumbprint
	path string
}

// LoadOrCreateDevKey reads dataDir/dev-signing-key.json, or creates it (mode 0600, the
// directory 0700 if missing) with a new key, reporting whether it did. The file is
// written under a temporary name and then linked into place, so a reader never sees
// half a key and, when a server and the dev-token command start at once, both end up
// with the one key that landed first.
func LoadOrCreateDevKey(dataDir string) (key *DevKey, created bool, err error) {
	if dataDir == "" {
		return nil, false, errors.New("dev key: no data directory")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("dev key: %w", err)
	}
	path := filepath.Join(dataDir, DevKeyFile)
	key, err = readDevKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	key, err = newDevKey(path)
	if err != nil {
		return nil, false, err
	}
	data, err := key.jwk.MarshalJSON()
	if err != nil {
		return nil, false, fmt.Errorf("dev key: %w", err)
	}
	landed, err := writeNewFile(path, append(data, '\n'))
	if err != nil {
		return nil, false, fmt.Errorf("dev key: %w", err)
	}
	if !landed {
		// Another process created the file first: use its key, so that the tokens
		// this process mints are the ones the other trusts.
		key, err = readDevKey(path)
		return key, false, err
	}
	return key, true, nil
}

func newDevKey(path string) (*DevKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("dev key: %w", err)
	}
	k := &DevKey{jwk: jose.JSONWebKey{Key: priv, Algorithm: string(jose.EdDSA), Use: "sig"}, path: path}
	if err := k.setKeyID(); err != nil {
		return nil, err
	}
	return k, nil
}

func readDevKey(path string) (*DevKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dev key: %w", err)
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("dev key %s: %w", path, err)
	}
	if _, ok := jwk.Key.(ed25519.PrivateKey); !ok {
		return nil, fmt.Errorf("dev key %s: not an Ed25519 private key", path)
	}
	k := &DevKey{jwk: jwk, path: path}
	if k.jwk.KeyID == "" {
		if err := k.setKeyID(); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// setKeyID names the key by its thumbprint, so that a token minted with an older key
// (a deleted and recreated file) fails as "key not known" rather than as a forgery.
func (k *DevKey) setKeyID() error {
	tp, err := k.jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return fmt.Errorf("dev key: %w", err)
	}
	k.jwk.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	return nil
}

// writeNewFile writes data to path unless path exists, reporting whether it did.
func writeNewFile(path string, data []byte) (landed bool, err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return false, err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return false, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Close(); err != nil {
		return false, err
	}
	// A hard link, unlike a rename, fails when the target exists: the first key to
	// land is kept.
	switch err := os.Link(tmp, path); {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	}
	// A file system without hard links: rename, atomic still, though a race with
	// another creator is then won by the last.
	if err := os.Rename(tmp, path); err != nil {
		return false, err
	}
	return true, nil
}

// Path returns the file the key is kept in.
func (k *DevKey) Path() string { return k.path }

// public returns the verification key.
func (k *DevKey) public() jose.JSONWebKey { return k.jwk.Public() }

// DevTokenOptions say what a development token claims.
type DevTokenOptions struct {
	// Role is one of municipality, ministry, kdd_handler, kdd_approver and admin.
	Role trial.Role
	// Organisation is the caller's organisation number. A municipality defaults to
	// DefaultDevMunicipality, KDD roles and admin to KDD; a ministry's comes from
	// the reference data and may be left out.
	Organisation string
	// Ministry is the ministry code of a ministry token (required for that role only).
	Ministry string
	// Subject and Name name the person. Person roles default to "dev-handler" /
	// "Dev Handler" and the like; organisation tokens name no person unless given.
	Subject, Name string
	// TTL is the token's lifetime; zero means DefaultDevTokenTTL.
	TTL time.Duration
}

// devPersons are the default persons of the person roles.
var devPersons = map[trial.Role]struct{ sub, name, scope string }{
	trial.RoleKDDHandler:  {"dev-handler", "Dev Handler", ScopeKDDHandler},
	trial.RoleKDDApprover: {"dev-approver", "Dev Approver", ScopeKDDApprover},
	trial.RoleAdmin:       {"dev-admin", "Dev Admin", ScopeAdmin},
}

// Mint returns a development token for opts, issued at now: organisation-shaped
// (Maskinporten-like) for the municipality and ministry roles, person-shaped for the
// others, so that development exercises the same code paths as production.
// ministryOrg maps a ministry code to its organisation number (reference data).
func (k *DevKey) Mint(opts DevTokenOptions, now time.Time, ministryOrg func(code string) (orgnr string, ok bool)) (string, error) {
	ttl := opts.TTL
	switch {
	case ttl == 0:
		ttl = DefaultDevTokenTTL
	case ttl < 0:
		return "", fmt.Errorf("token lifetime %s is negative", ttl)
	}
	if opts.Ministry != "" && opts.Role != trial.RoleMinistry {
		return "", fmt.Errorf("a ministry code applies to the %s role only", trial.RoleMinistry)
	}
	if opts.Organisation != "" && !trial.ValidOrganisationNumber(opts.Organisation) {
		return "", fmt.Errorf("organisation number %q is not valid (nine digits with a modulus 11 check digit)", opts.Organisation)
	}
	c := claims{
		Claims: jwt.Claims{
			Issuer:   DevIssuer,
			Audience: jwt.Audience{DevAudience},
			Subject:  opts.Subject,
			IssuedAt: jwt.NewNumericDate(now),
			Expiry:   jwt.NewNumericDate(now.Add(ttl)),
		},
		Name: opts.Name,
	}
	switch opts.Role {
	case trial.RoleMunicipality:
		org := opts.Organisation
		if org == "" {
			org = DefaultDevMunicipality
		}
		c.Scope = ScopeMunicipality
		c.Consumer = &consumer{Authority: consumerAuthority, ID: consumerPrefix + org}
		c.ClientID = DevIssuer
	case trial.RoleMinistry:
		if opts.Ministry == "" {
			return "", errors.New("a ministry token needs a ministry code")
		}
		org, ok := "", false
		if ministryOrg != nil {
			org, ok = ministryOrg(opts.Ministry)
		}
		switch {
		case !ok:
			return "", fmt.Errorf("unknown ministry %q", opts.Ministry)
		case !trial.ValidOrganisationNumber(org):
			return "", fmt.Errorf("ministry %s has no valid organisation number in the reference data", opts.Ministry)
		case opts.Organisation != "" && opts.Organisation != org:
			return "", fmt.Errorf("organisation %s is not ministry %s's (%s); leave it out", opts.Organisation, opts.Ministry, org)
		}
		c.Scope = ScopeMinistry
		c.Consumer = &consumer{Authority: consumerAuthority, ID: consumerPrefix + org}
		c.ClientID = DevIssuer
	case trial.RoleKDDHandler, trial.RoleKDDApprover, trial.RoleAdmin:
		p := devPersons[opts.Role]
		if c.Subject == "" {
			c.Subject = p.sub
		}
		if c.Name == "" {
			c.Name = p.name
		}
		c.Scope = p.scope
		c.OrganisationNumber = opts.Organisation
		if c.OrganisationNumber == "" {
			c.OrganisationNumber = KDDOrganisationNumber
		}
	default:
		return "", fmt.Errorf("role %q has no development token; want one of %s, %s, %s, %s, %s", opts.Role,
			trial.RoleMunicipality, trial.RoleMinistry, trial.RoleKDDHandler, trial.RoleKDDApprover, trial.RoleAdmin)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: k.jwk}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("dev token: %w", err)
	}
	token, err := jwt.Signed(signer).Claims(c).Serialize()
	if err != nil {
		return "", fmt.Errorf("dev token: %w", err)
	}
	return token, nil
}
