package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"

	"github.com/forsok/forsok/internal/trial"
)

// The kinds of issuer (IssuerConfig.Kind).
const (
	// KindOrganisation is an issuer of Maskinporten-shaped tokens: the caller is an
	// organisation named in consumer.ID, as a municipality or a ministry.
	KindOrganisation = "organisation"
	// KindPerson is KDD's own identity provider: the caller is a person named by sub.
	KindPerson = "person"
)

// KDDOrganisationNumber is KDD's organisation number (domain.md, Reference data): the
// organisation of the persons a person issuer vouches for unless configured otherwise.
const KDDOrganisationNumber = "972417858"

// The scopes this service understands by default. An issuer's Scopes may map other
// names, for an identity provider that cannot issue these.
const (
	ScopeMunicipality = "forsok:municipality"
	ScopeMinistry     = "forsok:ministry"
	ScopeKDDHandler   = "forsok:kdd.handler"
	ScopeKDDApprover  = "forsok:kdd.approver"
	ScopeAdmin        = "forsok:admin"
)

// defaultScopes is the scope → role table of an issuer that does not configure one.
// The roles an issuer may grant are limited by its kind (kindRoles), so the one table
// serves both kinds.
var defaultScopes = map[string]trial.Role{
	ScopeMunicipality: trial.RoleMunicipality,
	ScopeMinistry:     trial.RoleMinistry,
	ScopeKDDHandler:   trial.RoleKDDHandler,
	ScopeKDDApprover:  trial.RoleKDDApprover,
	ScopeAdmin:        trial.RoleAdmin,
}

// kindRoles are the roles each kind of issuer may grant: organisations act as
// municipalities or ministries, persons as KDD staff or operators. A mapping outside
// these would let a Maskinporten client act as a KDD approver.
var kindRoles = map[string][]trial.Role{
	KindOrganisation: {trial.RoleMunicipality, trial.RoleMinistry},
	KindPerson:       {trial.RoleKDDHandler, trial.RoleKDDApprover, trial.RoleAdmin},
}

// IssuerConfig is one accepted token issuer.
type IssuerConfig struct {
	// Issuer is the exact "iss" of the issuer's tokens.
	Issuer string `json:"issuer"`
	// Audience is the "aud" value a token must carry to be meant for this service.
	Audience string `json:"audience"`
	// JWKSFile is a file holding the issuer's JSON Web Key Set. A relative path is
	// taken relative to the configuration file. Read once, at start.
	JWKSFile string `json:"jwksFile,omitempty"`
	// JWKSURL is where the issuer publishes its key set: fetched on first use with a
	// timeout, cached, and fetched again when a token names a key the cache lacks (at
	// most once per minimum interval) or when the cache is old. Exactly one of
	// JWKSFile and JWKSURL is given. It must be https, except on a loopback host.
	JWKSURL string `json:"jwksUrl,omitempty"`
	// Kind is KindOrganisation (Maskinporten-shaped tokens) or KindPerson (KDD
	// staff's identity provider).
	Kind string `json:"kind"`
	// Scopes maps a token scope to the role it grants. Empty means the forsok:*
	// scopes of api.md. Every role must be one this kind of issuer may grant.
	Scopes map[string]trial.Role `json:"scopes,omitempty"`
	// OrganisationNumber is, for a person issuer, the organisation its persons
	// belong to; empty means KDD (KDDOrganisationNumber). Not used for organisation
	// issuers, whose tokens name their organisation.
	OrganisationNumber string `json:"organisationNumber,omitempty"`
}

// Config is the set of accepted token issuers, as read from the -issuers file.
type Config struct {
	Issuers []IssuerConfig `json:"issuers"`
}

// LoadConfig reads and checks the issuers file at path, a JSON document like
//
//	{"issuers": [{"issuer": "https://maskinporten.no/", "audience": "https://forsok.example/",
//	  "jwksUrl": "https://maskinporten.no/jwk", "kind": "organisation"}]}
//
// Unknown fields are refused, so a misspelt setting is not silently ignored. Relative
// JWKS file paths are resolved against the file's directory.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read issuers file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var cfg Config
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("issuers file %s: %w", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("issuers file %s: trailing data after the JSON document", path)
	}
	dir := filepath.Dir(path)
	for i := range cfg.Issuers {
		if f := cfg.Issuers[i].JWKSFile; f != "" && !filepath.IsAbs(f) {
			cfg.Issuers[i].JWKSFile = filepath.Join(dir, f)
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("issuers file %s: %w", path, err)
	}
	return &cfg, nil
}

// validate checks every issuer, so that a bad file stops the server at start rather
// than failing each request.
func (c *Config) validate() error {
	seen := make(map[string]bool)
	for i, ic := range c.Issuers {
		if err := ic.validate(); err != nil {
			return fmt.Errorf("issuers[%d]: %w", i, err)
		}
		if seen[ic.Issuer] {
			return fmt.Errorf("issuers[%d]: issuer %q is configured twice", i, ic.Issuer)
		}
		seen[ic.Issuer] = true
	}
	return nil
}

func (ic *IssuerConfig) validate() error {
	if ic.Issuer == "" {
		return fmt.Errorf("issuer is required")
	}
	if ic.Issuer == DevIssuer {
		return fmt.Errorf("issuer %q is reserved for development tokens", DevIssuer)
	}
	if ic.Audience == "" {
		return fmt.Errorf("audience is required")
	}
	switch {
	case ic.JWKSFile == "" && ic.JWKSURL == "":
		return fmt.Errorf("one of jwksFile and jwksUrl is required")
	case ic.JWKSFile != "" && ic.JWKSURL != "":
		return fmt.Errorf("give jwksFile or jwksUrl, not both")
	case ic.JWKSURL != "":
		if err := checkJWKSURL(ic.JWKSURL); err != nil {
			return err
		}
	}
	roles, ok := kindRoles[ic.Kind]
	if !ok {
		return fmt.Errorf("kind %q: want %q or %q", ic.Kind, KindOrganisation, KindPerson)
	}
	for scope, role := range ic.Scopes {
		if scope == "" {
			return fmt.Errorf("scopes: empty scope name")
		}
		if !slices.Contains(roles, role) {
			return fmt.Errorf("scopes: %q maps to role %q, which a %s issuer may not grant (want one of %q)", scope, role, ic.Kind, roles)
		}
	}
	switch ic.Kind {
	case KindPerson:
		if ic.OrganisationNumber != "" && !trial.ValidOrganisationNumber(ic.OrganisationNumber) {
			return fmt.Errorf("organisationNumber %q is not a valid organisation number", ic.OrganisationNumber)
		}
	case KindOrganisation:
		if ic.OrganisationNumber != "" {
			return fmt.Errorf("organisationNumber applies to person issuers only: organisation tokens name their organisation")
		}
	}
	return nil
}

// checkJWKSURL refuses plain http except on loopback: keys fetched over an
// unauthenticated channel would let anyone on the path mint tokens.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("jwksUrl: %w", err)
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("jwksUrl %q: must be https (plain http is allowed on loopback only)", raw)
		}
	default:
		return fmt.Errorf("jwksUrl %q: must be an https URL", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("jwksUrl %q: no host", raw)
	}
	return nil
}
