package auth_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/forsok/forsok/internal/trial"
)

// testNow is the fixed clock of the tests.
var testNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// rsaKeys are the RSA-2048 keys of the test process. Making one takes long (the
// longer under -race), so each is made once: the n-th rsaKey call within a top-level
// test (its subtests included) gets the n-th key, which keeps the keys of one test
// distinct, as new keys would be, while other tests use them again.
var rsaKeys struct {
	mu    sync.Mutex
	keys  []*rsa.PrivateKey
	calls map[string]int // top-level test name → keys handed out
}

// rsaKey returns an RSA-2048 private key named kid, distinct from the other rsaKey keys
// of the test.
func rsaKey(t *testing.T, kid string) jose.JSONWebKey {
	t.Helper()
	root, _, _ := strings.Cut(t.Name(), "/")
	rsaKeys.mu.Lock()
	defer rsaKeys.mu.Unlock()
	if rsaKeys.calls == nil {
		rsaKeys.calls = map[string]int{}
	}
	n := rsaKeys.calls[root]
	rsaKeys.calls[root] = n + 1
	for len(rsaKeys.keys) <= n {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		rsaKeys.keys = append(rsaKeys.keys, k)
	}
	return jose.JSONWebKey{Key: rsaKeys.keys[n], KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"}
}

// ecKey returns a new P-256 private key named kid.
func ecKey(t *testing.T, kid string) jose.JSONWebKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JSONWebKey{Key: k, KeyID: kid}
}

// edKey returns a new Ed25519 private key named kid.
func edKey(t *testing.T, kid string) jose.JSONWebKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JSONWebKey{Key: k, KeyID: kid}
}

// algOf is the signature algorithm of a test key.
func algOf(t *testing.T, key jose.JSONWebKey) jose.SignatureAlgorithm {
	t.Helper()
	switch key.Key.(type) {
	case *rsa.PrivateKey:
		return jose.RS256
	case *ecdsa.PrivateKey:
		return jose.ES256
	case ed25519.PrivateKey:
		return jose.EdDSA
	}
	t.Fatalf("no algorithm for key type %T", key.Key)
	return ""
}

// jwks returns the public JWKS document of the keys.
func jwks(t *testing.T, keys ...jose.JSONWebKey) []byte {
	t.Helper()
	var set jose.JSONWebKeySet
	for _, k := range keys {
		set.Keys = append(set.Keys, k.Public())
	}
	data, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// sign returns a compact JWT with the claims (anything JSON-encodable, so tests can
// write any claim, wrongly typed ones included) signed by key with its algorithm.
func sign(t *testing.T, key jose.JSONWebKey, claims any) string {
	t.Helper()
	return signWith(t, jose.SigningKey{Algorithm: algOf(t, key), Key: key}, claims)
}

func signWith(t *testing.T, sk jose.SigningKey, claims any) string {
	t.Helper()
	signer, err := jose.NewSigner(sk, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	token, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// signRaw signs an arbitrary payload, which need not be JSON.
func signRaw(t *testing.T, key jose.JSONWebKey, payload []byte) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: algOf(t, key), Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// unsigned returns an "alg":"none" token: what an attacker sends hoping the
// signature is not checked.
func unsigned(t *testing.T, claims any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(payload) + "."
}

// edit returns a copy of claims with changes applied; a nil value removes the claim.
func edit(claims map[string]any, changes map[string]any) map[string]any {
	out := maps.Clone(claims)
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// at is the NumericDate of testNow+d.
func at(d time.Duration) int64 { return testNow.Add(d).Unix() }

func bearer(token string) string { return "Bearer " + token }

// checkUnauthenticated fails unless err is a *trial.Error with
// CodeUnauthenticated whose message contains want and starts in lower case.
func checkUnauthenticated(t *testing.T, err error, want string) {
	t.Helper()
	checkCode(t, err, trial.CodeUnauthenticated, want)
}

func checkCode(t *testing.T, err error, code trial.Code, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	if got := trial.ErrorCode(err); got != code {
		t.Errorf("got code %v (%v), want %v", got, err, code)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("got error %q, want one containing %q", err, want)
	}
	if r, _ := utf8.DecodeRuneInString(err.Error()); !unicode.IsLower(r) {
		t.Errorf("got error %q, want a lower-case message", err)
	}
}

// writeConfig writes an issuers file into dir and returns its path.
func writeConfig(t *testing.T, dir, content string) string {
	t.Helper()
	path := filepath.Join(dir, "issuers.json")
	writeFile(t, path, []byte(content))
	return path
}
