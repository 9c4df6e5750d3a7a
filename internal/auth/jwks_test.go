package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// jwksServer publishes a key set that a test may swap, and counts the fetches.
type jwksServer struct {
	mu      sync.Mutex
	body    []byte
	status  int
	fetches int
	srv     *httptest.Server
}

func newJWKSServer(t *testing.T, body []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{body: body, status: http.StatusOK}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.fetches++
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.WriteHeader(s.status)
		_, _ = w.Write(s.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *jwksServer) serve(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func (s *jwksServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

func urlIssuer(t *testing.T, url string, now func() time.Time) *auth.Authenticator {
	t.Helper()
	a, err := auth.New(&auth.Config{Issuers: []auth.IssuerConfig{{
		Issuer:   personIssuer,
		Audience: audience,
		JWKSURL:  url,
		Kind:     auth.KindPerson,
	}}}, auth.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAuthenticator_JWKSURL walks an issuer publishing its keys at a URL through a key
// rotation and an outage. The steps share the server and the cache, so they run in
// order and each depends on the ones before.
func TestAuthenticator_JWKSURL(t *testing.T) {
	old, next := rsaKey(t, "2026-01"), ecKey(t, "2026-02")
	srv := newJWKSServer(t, jwks(t, old))
	clk := trialtest.NewClock(testNow)
	a := urlIssuer(t, srv.srv.URL+"/jwks", clk.Now)

	steps := []struct {
		name        string
		advance     time.Duration
		serve       []byte // a new key set to publish, if any
		status      int    // the status to publish with it, 200 when zero
		key         jose.JSONWebKey
		wantErr     string
		wantCode    trial.Code
		wantFetches int
	}{
		{name: "FirstUseFetches", key: old, wantFetches: 1},
		{name: "CachedKeyNoFetch", advance: 10 * time.Second, key: old, wantFetches: 1},
		{
			// The issuer rotates; a token with the new kid arrives within the minimum
			// interval since the last fetch (11 s after it) and must not cause one.
			name:    "RotatedRateLimited",
			advance: time.Second, serve: jwks(t, next),
			key:         next,
			wantErr:     "token signing key not known",
			wantCode:    trial.CodeUnauthenticated,
			wantFetches: 1,
		},
		{name: "RotatedUnknownKidRefetches", advance: time.Minute, key: next, wantFetches: 2},
		{
			// The withdrawn key is gone from the refetched set.
			name:        "WithdrawnKeyRefused",
			key:         old,
			wantErr:     "token signing key not known",
			wantCode:    trial.CodeUnauthenticated,
			wantFetches: 2,
		},
		{name: "CachedPastMinInterval", advance: 5 * time.Minute, key: next, wantFetches: 2},
		{
			// After an hour the set is fetched again; the issuer is down, so the
			// cached set serves on.
			name:    "OutageStaleSetServes",
			advance: 2 * time.Hour, serve: []byte("down"), status: http.StatusServiceUnavailable,
			key:         next,
			wantFetches: 3,
		},
		{
			name:        "OutageBeyondStaleLimit",
			advance:     25 * time.Hour,
			key:         next,
			wantErr:     "cannot be fetched",
			wantCode:    trial.CodeInternal,
			wantFetches: 4,
		},
		{
			name:    "Recovered",
			advance: time.Minute, serve: jwks(t, next),
			key:         next,
			wantFetches: 5,
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clk.Advance(st.advance)
			if st.serve != nil {
				status := st.status
				if status == 0 {
					status = http.StatusOK
				}
				srv.serve(status, st.serve)
			}
			claims := edit(personClaims(), map[string]any{
				"iat": clk.Now().Add(-time.Second).Unix(),
				"exp": clk.Now().Add(time.Hour).Unix(),
			})
			got, err := a.Authenticate(context.Background(), bearer(sign(t, st.key, claims)))
			if st.wantErr != "" {
				checkCode(t, err, st.wantCode, st.wantErr)
			} else if err != nil {
				t.Errorf("got error %v, want none", err)
			} else if got.Role != trial.RoleKDDHandler {
				t.Errorf("got role %q, want %q", got.Role, trial.RoleKDDHandler)
			}
			if n := srv.count(); n != st.wantFetches {
				t.Errorf("got %d fetches, want %d", n, st.wantFetches)
			}
		})
	}
}

func TestAuthenticator_JWKSURLFailures(t *testing.T) {
	key := rsaKey(t, "k")
	tests := []struct {
		name     string
		status   int
		body     []byte
		wantErr  string
		wantCode trial.Code
	}{
		{name: "ErrIssuerDown", status: http.StatusBadGateway, body: []byte("bad gateway"), wantErr: "cannot be fetched", wantCode: trial.CodeInternal},
		{name: "ErrNotAKeySet", status: http.StatusOK, body: []byte("<html>"), wantErr: "cannot be fetched", wantCode: trial.CodeInternal},
		{name: "ErrOtherKeysOnly", status: http.StatusOK, body: jwks(t, rsaKey(t, "other")), wantErr: "token signing key not known", wantCode: trial.CodeUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, tt.body)
			srv.serve(tt.status, tt.body)
			a := urlIssuer(t, srv.srv.URL, func() time.Time { return testNow })
			_, err := a.Authenticate(context.Background(), bearer(sign(t, key, personClaims())))
			checkCode(t, err, tt.wantCode, tt.wantErr)
		})
	}
}

func TestAuthenticator_JWKSURLContextCancelled(t *testing.T) {
	srv := newJWKSServer(t, jwks(t, rsaKey(t, "k")))
	a := urlIssuer(t, srv.srv.URL, func() time.Time { return testNow })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := a.Authenticate(ctx, bearer(sign(t, rsaKey(t, "k"), personClaims())))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want %v", err, context.Canceled)
	}
}
