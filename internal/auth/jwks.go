package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// algorithms is the allow-list of signature algorithms: what Maskinporten (RS256) and
// common identity providers sign with, and the development key's EdDSA. Never "none",
// never HMAC: a shared secret would let the service itself mint tokens.
var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// The limits of fetching a key set from a URL.
const (
	// jwksTimeout bounds one fetch, so a slow issuer cannot hold requests for long.
	jwksTimeout = 10 * time.Second
	// jwksMinInterval is the least time between two fetches: tokens naming unknown
	// key ids must not turn this service into a load generator against the issuer.
	jwksMinInterval = 30 * time.Second
	// jwksMaxAge is how old a fetched key set may grow before it is fetched again, so
	// keys the issuer withdrew stop being trusted without a restart.
	jwksMaxAge = time.Hour
	// jwksMaxStale is how long a key set is still used while the issuer cannot be
	// reached: an outage of the issuer should not lock every caller out at once.
	jwksMaxStale = 24 * time.Hour
	// jwksMaxSize bounds the key set document.
	jwksMaxSize = 1 << 20
	// minRSABits is the smallest RSA modulus trusted.
	minRSABits = 2048
)

// keySource yields an issuer's verification keys.
type keySource interface {
	// keys returns the keys with the key id, or every key when kid is empty. A
	// *fetchError means the keys could not be had at all.
	keys(ctx context.Context, kid string) ([]jose.JSONWebKey, error)
}

// fetchError is a key set that could not be fetched: the service's problem, not the
// caller's.
type fetchError struct{ err error }

func (e *fetchError) Error() string { return "fetch key set: " + e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

// keySet is a parsed set of public verification keys.
type keySet []jose.JSONWebKey

func (s keySet) keys(_ context.Context, kid string) ([]jose.JSONWebKey, error) {
	return s.find(kid), nil
}

func (s keySet) find(kid string) []jose.JSONWebKey {
	if kid == "" {
		return s
	}
	var out []jose.JSONWebKey
	for _, k := range s {
		if k.KeyID == kid {
			out = append(out, k)
		}
	}
	return out
}

// loadKeyFile reads a key set from a file, once: a file issuer's keys change with a
// restart.
func loadKeyFile(path string) (keySet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	set, err := parseKeySet(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return set, nil
}

// parseKeySet reads a JWKS document and keeps the keys usable for verifying
// signatures with an allowed algorithm. Keys of a type this library does not know are
// skipped, as RFC 7517 § 5 asks; private or symmetric key material refuses the whole
// set, because an issuer publishing it has leaked its signing key.
func parseKeySet(data []byte) (keySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a JSON Web Key Set: %w", err)
	}
	var set keySet
	for i, raw := range doc.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			if errors.Is(err, jose.ErrUnsupportedKeyType) {
				continue
			}
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		if !k.IsPublic() {
			return nil, fmt.Errorf("keys[%d] (kid %q): holds private or symmetric key material; publish public keys only", i, k.KeyID)
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if keyAlgorithm(k) == "" || (k.Algorithm != "" && k.Algorithm != string(keyAlgorithm(k))) {
			continue
		}
		set = append(set, k)
	}
	if len(set) == 0 {
		return nil, errors.New("no usable signing keys (RSA of at least 2048 bits, P-256 or Ed25519, for signatures)")
	}
	return set, nil
}

// keyAlgorithm is the one allowed algorithm a public key verifies, or "" when it
// verifies none. Binding each key to one algorithm rules out algorithm confusion.
func keyAlgorithm(k jose.JSONWebKey) jose.SignatureAlgorithm {
	switch key := k.Key.(type) {
	case *rsa.PublicKey:
		if key.N.BitLen() >= minRSABits {
			return jose.RS256
		}
	case *ecdsa.PublicKey:
		if key.Curve == elliptic.P256() {
			return jose.ES256
		}
	case ed25519.PublicKey:
		return jose.EdDSA
	}
	return ""
}

// remoteKeys is a key set published at a URL, cached.
type remoteKeys struct {
	url    string
	client *http.Client
	now    func() time.Time

	// fetchMu makes fetches one at a time, so a burst of tokens with a new key id
	// costs one fetch; mu guards the cache, so callers whose key is cached never wait
	// for a fetch.
	fetchMu   sync.Mutex
	mu        sync.RWMutex
	set       keySet
	fetched   time.Time // when set was fetched
	attempted time.Time // when a fetch last completed, with or without success
	lastErr   error     // the error of that fetch
}

func newRemoteKeys(url string, now func() time.Time) *remoteKeys {
	client := &http.Client{
		Timeout: jwksTimeout,
		// A redirect must not downgrade the fetch to plain http.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return checkJWKSURL(req.URL.String())
		},
	}
	return &remoteKeys{url: url, client: client, now: now}
}

func (r *remoteKeys) keys(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	r.mu.RLock()
	set, fetched := r.set, r.fetched
	r.mu.RUnlock()
	if set != nil && r.now().Sub(fetched) < jwksMaxAge {
		if ks := set.find(kid); len(ks) > 0 {
			return ks, nil
		}
	}
	set, err := r.refresh(ctx)
	if err != nil {
		return nil, err
	}
	return set.find(kid), nil
}

// refresh fetches the key set, unless a fetch completed less than jwksMinInterval ago,
// and returns the newest set still fit to use.
func (r *remoteKeys) refresh(ctx context.Context) (keySet, error) {
	r.fetchMu.Lock()
	defer r.fetchMu.Unlock()
	now := r.now()
	r.mu.RLock()
	set, fetched, attempted, lastErr := r.set, r.fetched, r.attempted, r.lastErr
	r.mu.RUnlock()
	if attempted.IsZero() || now.Sub(attempted) >= jwksMinInterval {
		fresh, err := r.fetch(ctx)
		if ctxErr := ctx.Err(); ctxErr != nil {
			// The caller gave up; that says nothing about the issuer.
			return nil, ctxErr
		}
		r.mu.Lock()
		r.attempted, r.lastErr = now, err
		if err == nil {
			r.set, r.fetched = fresh, now
		}
		r.mu.Unlock()
		if err == nil {
			return fresh, nil
		}
		lastErr = err
	}
	if set != nil && now.Sub(fetched) < jwksMaxStale {
		return set, nil
	}
	if lastErr == nil {
		lastErr = errors.New("key set is out of date")
	}
	return nil, &fetchError{lastErr}
}

func (r *remoteKeys) fetch(ctx context.Context) (keySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", r.url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, jwksMaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.url, err)
	}
	if len(data) > jwksMaxSize {
		return nil, fmt.Errorf("%s: key set larger than %d bytes", r.url, jwksMaxSize)
	}
	set, err := parseKeySet(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.url, err)
	}
	return set, nil
}
