// Package auth turns a request's bearer token into a verified trial.Actor (api.md,
// Authentication).
//
// Two kinds of issuer are trusted, each configured with its keys, audience and scope
// mapping (Config): organisation issuers of Maskinporten-shaped tokens, by which
// municipalities and ministries call as organisations named in consumer.ID, and person
// issuers, KDD staff's identity provider, by which handlers, approvers and operators
// call as persons named by sub. In development mode the server instead trusts one key
// of its own (DevKey), kept as a file in its data directory, with which
// `forsokd dev-token` mints tokens of both kinds. The two modes exclude each other: a
// server with real issuers refuses development tokens.
//
// Verification uses go-jose with an explicit algorithm allow-list (RS256, ES256,
// EdDSA); every failure is a *trial.Error with trial.CodeUnauthenticated and a message
// that says what is wrong with the token without describing the service's internals.
package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/json"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/forsok/forsok/internal/trial"
)

// maxTokenSize bounds the token read from the header. Maskinporten's tokens are a
// couple of kilobytes; anything near this is not a token this service issued trust to.
const maxTokenSize = 16 << 10

// The ISO 6523 organisation identifier of Maskinporten's consumer claim: "0192" is the
// scheme of Norwegian organisation numbers.
const (
	consumerAuthority = "iso6523-actorid-upis"
	consumerPrefix    = "0192:"
)

// Options are the Authenticator's collaborators and settings.
type Options struct {
	// Now is the clock tokens are checked against; nil means time.Now.
	Now func() time.Time
	// DevKey is the development signing key; non-nil only in development mode, and
	// then Config must name no issuers.
	DevKey *DevKey
	// MinistryByOrganisation maps a ministry token's organisation number to the
	// ministry's code (reference data; see MinistryLookup). Nil knows no ministry, so
	// every ministry token is refused.
	MinistryByOrganisation func(orgnr string) (code string, ok bool)
	// Leeway is the clock skew allowed on exp, nbf and iat. Zero means one minute
	// (jwt.DefaultLeeway); a negative value means none.
	Leeway time.Duration
}

// Authenticator verifies bearer tokens. It is safe for concurrent use.
type Authenticator struct {
	issuers  map[string]*issuer
	now      func() time.Time
	ministry func(string) (string, bool)
	leeway   time.Duration
}

// issuer is one trusted issuer with its configuration completed by the defaults.
type issuer struct {
	cfg  IssuerConfig
	keys keySource
	// dev marks the development issuer, whose tokens come in both shapes: its kind
	// follows from the token (a consumer claim makes it an organisation token).
	dev bool
}

// New returns an Authenticator trusting the issuers of cfg, or, in development mode,
// only opts.DevKey. Giving both is an error, and so is giving neither: the caller
// decides the mode, and a server with real issuers must never trust a key that sits
// in its data directory. JWKS files are read now; JWKS URLs on first use, so that an
// unreachable issuer does not stop the server from starting.
func New(cfg *Config, opts Options) (*Authenticator, error) {
	var configured []IssuerConfig
	if cfg != nil {
		if err := cfg.validate(); err != nil {
			return nil, err
		}
		configured = cfg.Issuers
	}
	switch {
	case len(configured) > 0 && opts.DevKey != nil:
		return nil, errors.New("auth: a development key cannot be trusted together with configured issuers; run with issuers or in development mode, not both")
	case len(configured) == 0 && opts.DevKey == nil:
		return nil, errors.New("auth: no token issuers configured and no development key")
	}
	a := &Authenticator{
		issuers:  make(map[string]*issuer),
		now:      opts.Now,
		ministry: opts.MinistryByOrganisation,
		leeway:   opts.Leeway,
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.ministry == nil {
		a.ministry = func(string) (string, bool) { return "", false }
	}
	switch {
	case a.leeway == 0:
		a.leeway = jwt.DefaultLeeway
	case a.leeway < 0:
		a.leeway = 0
	}
	for _, ic := range configured {
		if len(ic.Scopes) == 0 {
			ic.Scopes = defaultScopes
		}
		if ic.Kind == KindPerson && ic.OrganisationNumber == "" {
			ic.OrganisationNumber = KDDOrganisationNumber
		}
		is := &issuer{cfg: ic}
		if ic.JWKSFile != "" {
			set, err := loadKeyFile(ic.JWKSFile)
			if err != nil {
				return nil, fmt.Errorf("auth: issuer %q: %w", ic.Issuer, err)
			}
			is.keys = set
		} else {
			is.keys = newRemoteKeys(ic.JWKSURL, a.now)
		}
		a.issuers[ic.Issuer] = is
	}
	if opts.DevKey != nil {
		a.issuers[DevIssuer] = &issuer{
			cfg: IssuerConfig{
				Issuer:             DevIssuer,
				Audience:           DevAudience,
				Scopes:             defaultScopes,
				OrganisationNumber: KDDOrganisationNumber,
			},
			keys: keySet{opts.DevKey.public()},
			dev:  true,
		}
	}
	return a, nil
}

// MinistryLookup returns a MinistryByOrganisation function over the reference data.
// Unless allowUnverified, a ministry whose organisation number is a placeholder not yet
// configured (Verified false) cannot sign in: a placeholder might be someone else's
// number. Development mode, where no real organisation signs in, may allow them.
func MinistryLookup(ref *trial.Reference, allowUnverified bool) func(orgnr string) (code string, ok bool) {
	return func(orgnr string) (string, bool) {
		m, ok := ref.MinistryByOrganisation(orgnr)
		if !ok || (!m.Verified && !allowUnverified) {
			return "", false
		}
		return m.Code, true
	}
}

// claims are the claims of both token shapes. They are decoded with go-jose's JSON
// package, which matches member names exactly and refuses duplicate members, so that
// "ISS" or a second "scope" cannot mean something here that it does not mean to the
// issuer.
type claims struct {
	jwt.Claims
	// Scope is space-separated (RFC 9068 § 2.2.3).
	Scope    string    `json:"scope,omitempty"`
	Consumer *consumer `json:"consumer,omitempty"`
	Name     string    `json:"name,omitempty"`
	ClientID string    `json:"client_id,omitempty"`
	// OrganisationNumber is honoured on development person tokens only: a real person
	// issuer's persons belong to the organisation configured for the issuer.
	OrganisationNumber string `json:"organisation_number,omitempty"`
}

// consumer is Maskinporten's claim naming the organisation the token is for.
type consumer struct {
	Authority string `json:"authority"`
	ID        string `json:"ID"`
}

// Authenticate verifies the Authorization header value ("Bearer <jwt>") and returns
// the caller. An empty header is the anonymous caller, trial.RolePublic, with no
// error: whether anonymity suffices is the caller's decision. Every fault of the token
// is a *trial.Error with trial.CodeUnauthenticated. When the keys of a URL issuer
// cannot be fetched, the error has trial.CodeInternal (the service, not the token, is
// at fault); a cancelled ctx returns ctx's error.
func (a *Authenticator) Authenticate(ctx context.Context, authorization string) (trial.Actor, error) {
	actor, _, err := a.AuthenticateFor(ctx, authorization)
	return actor, err
}

// AuthenticateFor is Authenticate that also returns how long the token stays valid by
// the Authenticator's clock (until its exp claim, without leeway; zero for the
// anonymous caller), so that a stream can end with its credential.
func (a *Authenticator) AuthenticateFor(ctx context.Context, authorization string) (trial.Actor, time.Duration, error) {
	raw, err := bearerToken(authorization)
	if err != nil {
		return trial.Actor{}, 0, err
	}
	if raw == "" {
		return trial.Actor{Role: trial.RolePublic}, 0, nil
	}
	actor, c, err := a.verifyToken(ctx, raw)
	if err != nil {
		return trial.Actor{}, 0, err
	}
	// A token inside the leeway after its exp is accepted, but has no time left.
	return actor, max(c.Expiry.Time().Sub(a.now()), time.Nanosecond), nil
}

// verifyToken verifies a bearer token and returns its caller and claims.
func (a *Authenticator) verifyToken(ctx context.Context, raw string) (trial.Actor, *claims, error) {
	sig, err := jose.ParseSignedCompact(raw, algorithms)
	if err != nil {
		if alg, ok := errors.AsType[*jose.ErrUnexpectedSignatureAlgorithm](err); ok {
			return trial.Actor{}, nil, unauthenticated("token signature algorithm %s not accepted (want RS256, ES256 or EdDSA)", quote(string(alg.Got)))
		}
		return trial.Actor{}, nil, unauthenticated("token malformed: not a signed JWT in compact form")
	}
	header := sig.Signatures[0].Header

	// The issuer picks the keys, so it is read before the signature is checked; it is
	// checked again, verified, with the other claims.
	var peek struct {
		Issuer string `json:"iss"`
	}
	if err := json.Unmarshal(sig.UnsafePayloadWithoutVerification(), &peek); err != nil {
		return trial.Actor{}, nil, unauthenticated("token claims malformed")
	}
	if peek.Issuer == "" {
		return trial.Actor{}, nil, unauthenticated("token has no issuer")
	}
	is, ok := a.issuers[peek.Issuer]
	if !ok {
		return trial.Actor{}, nil, unauthenticated("token issuer %s not accepted", quote(peek.Issuer))
	}

	payload, err := is.verify(ctx, sig, header)
	if err != nil {
		return trial.Actor{}, nil, err
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return trial.Actor{}, nil, unauthenticated("token claims malformed")
	}
	if err := a.checkTimeAndAudience(is, &c.Claims); err != nil {
		return trial.Actor{}, nil, err
	}
	if err := checkText("subject", c.Subject); err != nil {
		return trial.Actor{}, nil, err
	}
	if err := checkText("name", c.Name); err != nil {
		return trial.Actor{}, nil, err
	}
	var actor trial.Actor
	if is.cfg.Kind == KindOrganisation || (is.dev && c.Consumer != nil) {
		actor, err = a.organisationActor(is, &c)
	} else {
		actor, err = personActor(is, &c)
	}
	return actor, &c, err
}

// bearerToken returns the token of an Authorization header value, "" for an empty
// one. The scheme is case-insensitive (RFC 9110 § 11.1).
func bearerToken(authorization string) (string, error) {
	h := strings.TrimSpace(authorization)
	if h == "" {
		return "", nil
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", unauthenticated("authorization header is not a bearer token")
	}
	token = strings.TrimSpace(token)
	switch {
	case token == "":
		return "", unauthenticated("bearer token missing")
	case len(token) > maxTokenSize:
		return "", unauthenticated("token too large")
	}
	return token, nil
}

// verify checks the signature with the issuer's key named by the header's kid and
// returns the payload.
func (is *issuer) verify(ctx context.Context, sig *jose.JSONWebSignature, header jose.Header) ([]byte, error) {
	keys, err := is.keys.keys(ctx, header.KeyID)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, trial.Errorf(trial.CodeInternal, "the signing keys of token issuer %s cannot be fetched; try again later", quote(is.cfg.Issuer))
	}
	alg := jose.SignatureAlgorithm(header.Algorithm)
	matched := false
	for _, k := range keys {
		if keyAlgorithm(k) != alg {
			continue
		}
		matched = true
		if payload, err := sig.Verify(k); err == nil {
			return payload, nil
		}
	}
	if !matched {
		return nil, unauthenticated("token signing key not known to issuer %s", quote(is.cfg.Issuer))
	}
	return nil, unauthenticated("token signature invalid")
}

// checkTimeAndAudience checks the verified claims' issuer, audience and times.
func (a *Authenticator) checkTimeAndAudience(is *issuer, c *jwt.Claims) error {
	if c.Expiry == nil {
		// A token without exp would be valid forever.
		return unauthenticated("token has no expiry (exp)")
	}
	err := c.ValidateWithLeeway(jwt.Expected{
		Issuer:      is.cfg.Issuer,
		AnyAudience: jwt.Audience{is.cfg.Audience},
		Time:        a.now(),
	}, a.leeway)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwt.ErrExpired):
		return unauthenticated("token expired")
	case errors.Is(err, jwt.ErrNotValidYet):
		return unauthenticated("token not yet valid")
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return unauthenticated("token issued in the future")
	case errors.Is(err, jwt.ErrInvalidAudience):
		return unauthenticated("token audience not accepted")
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return unauthenticated("token issuer not accepted")
	}
	return unauthenticated("token claims not accepted")
}

// organisationActor is the caller of a Maskinporten-shaped token: an organisation,
// possibly naming a person, as a municipality or a ministry.
func (a *Authenticator) organisationActor(is *issuer, c *claims) (trial.Actor, error) {
	roles := is.roles(c.Scope, kindRoles[KindOrganisation])
	switch len(roles) {
	case 0:
		return trial.Actor{}, unauthenticated("token has no forsok scope (want %s or %s)", ScopeMunicipality, ScopeMinistry)
	case 1:
	default:
		// An organisation is one or the other; guessing would give a municipality's
		// client a ministry's reach or the reverse.
		return trial.Actor{}, unauthenticated("token has both the municipality and the ministry scope; request one")
	}
	if c.Consumer == nil || c.Consumer.ID == "" {
		return trial.Actor{}, unauthenticated("token has no consumer organisation (consumer.ID)")
	}
	if c.Consumer.Authority != "" && c.Consumer.Authority != consumerAuthority {
		return trial.Actor{}, unauthenticated("token consumer.authority %s not accepted (want %s)", quote(c.Consumer.Authority), consumerAuthority)
	}
	orgnr, ok := strings.CutPrefix(c.Consumer.ID, consumerPrefix)
	if !ok || !trial.ValidOrganisationNumber(orgnr) {
		return trial.Actor{}, unauthenticated("token consumer.ID %s is not %s followed by a valid organisation number", quote(c.Consumer.ID), consumerPrefix)
	}
	actor := trial.Actor{
		Subject:            c.Subject,
		Name:               c.Name,
		OrganisationNumber: orgnr,
		Role:               roles[0],
	}
	if actor.Role == trial.RoleMinistry {
		code, ok := a.ministry(orgnr)
		if !ok {
			return trial.Actor{}, unauthenticated("organisation %s is not a known ministry", orgnr)
		}
		actor.Ministry = code
	}
	return actor, nil
}

// personActor is the caller of a person token: a KDD employee or an operator.
func personActor(is *issuer, c *claims) (trial.Actor, error) {
	roles := is.roles(c.Scope, kindRoles[KindPerson])
	var role trial.Role
	switch {
	case len(roles) == 0:
		return trial.Actor{}, unauthenticated("token has no forsok scope (want %s, %s or %s)", ScopeKDDHandler, ScopeKDDApprover, ScopeAdmin)
	case slices.Contains(roles, trial.RoleAdmin) && len(roles) > 1:
		// Operators see nothing of cases; a token for both would leave it to this
		// service to guess which the person meant to be.
		return trial.Actor{}, unauthenticated("token has both the admin scope and a kdd scope; request one")
	case slices.Contains(roles, trial.RoleKDDApprover):
		// An approver may do all a handler may; holding both scopes is the norm.
		role = trial.RoleKDDApprover
	default:
		role = roles[0]
	}
	if c.Subject == "" {
		return trial.Actor{}, unauthenticated("token has no subject (sub): a person token must name the person")
	}
	orgnr := is.cfg.OrganisationNumber
	if is.dev && c.OrganisationNumber != "" {
		if !trial.ValidOrganisationNumber(c.OrganisationNumber) {
			return trial.Actor{}, unauthenticated("token organisation_number %s is not a valid organisation number", quote(c.OrganisationNumber))
		}
		orgnr = c.OrganisationNumber
	}
	return trial.Actor{Subject: c.Subject, Name: c.Name, OrganisationNumber: orgnr, Role: role}, nil
}

// roles returns the distinct roles among allowed that the token's scopes grant.
// Scopes this service does not know are ignored: a token may carry other APIs' scopes.
func (is *issuer) roles(scope string, allowed []trial.Role) []trial.Role {
	var roles []trial.Role
	for _, s := range strings.Fields(scope) {
		r, ok := is.cfg.Scopes[s]
		if ok && slices.Contains(allowed, r) && !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	return roles
}

// checkText refuses a sub or name that could not be shown or recorded as it is: the
// history keeps it for good.
func checkText(claim, s string) error {
	if len(s) > 256 || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		return unauthenticated("token %s not acceptable: at most 256 bytes of UTF-8 text without control characters", claim)
	}
	return nil
}

func unauthenticated(format string, args ...any) error {
	return trial.Errorf(trial.CodeUnauthenticated, format, args...)
}

// quote quotes a value from a token for a message, shortened: the value is the
// caller's, and an error message is no place for a kilobyte of it.
func quote(s string) string {
	const limit = 80
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "") + "…"
	}
	return fmt.Sprintf("%q", s)
}
