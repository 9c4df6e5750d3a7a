package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	bolt "go.etcd.io/bbolt"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/server"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial/trialtest"
	"github.com/forsok/forsok/internal/webhook"
)

// hookReceiver is a subscriber's endpoint on loopback: it checks each request's
// signature against the server's clock and keeps the CloudEvents it accepted.
type hookReceiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret string
	clock  *trialtest.Clock
	mu     sync.Mutex
	down   bool
	got    []cloudevents.Event
	tries  int
}

func newHookReceiver(t *testing.T, clock *trialtest.Clock, secret string) *hookReceiver {
	r := &hookReceiver{t: t, secret: secret, clock: clock}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.tries++
		// The test's clock jumps months while a request may be on its way, so the
		// tolerance is wide; the signature itself is checked all the same.
		if err := webhook.Verify([]byte(r.secret), req.Header.Get(webhook.SignatureHeader), body, r.clock.Now(), 365*24*time.Hour); err != nil {
			r.t.Errorf("receiver: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var ce cloudevents.Event
		if err := json.Unmarshal(body, &ce); err != nil {
			r.t.Errorf("receiver: %v", err)
		}
		r.got = append(r.got, ce)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) setDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

// seqs returns the sequences accepted, first delivery of each (a receiver drops
// repeats by the CloudEvents id).
func (r *hookReceiver) seqs() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []uint64
	for _, ce := range r.got {
		n, _ := strconv.ParseUint(ce.ID(), 10, 64)
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func (r *hookReceiver) attempts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tries
}

// feed returns the sequences the token's party sees, over REST.
func (s *daemon) feed(t *testing.T, token string) []uint64 {
	t.Helper()
	var out []uint64
	for _, e := range jlist(s.restOK(t, http.MethodGet, "/v1/events?pageSize=1000", token, nil), "events") {
		out = append(out, seq(t, e))
	}
	return out
}

// TestEndToEnd_Webhooks: a municipality and KDD subscribe local receivers; a case goes
// through its life while the municipality's receiver is down for a while; both end with
// every event they see, in order, each signed, and the deliveries say so.
func TestEndToEnd_Webhooks(t *testing.T) {
	clock := trialtest.NewClock(at("2026-03-02", 10))
	s := startServerWith(t, servertest.Options{Clock: clock, Configure: func(m *server.Server) {
		m.Webhooks = server.WebhookOptions{BaseDelay: time.Minute, MaxDelay: time.Hour, PollInterval: 10 * time.Millisecond,
			Rand: func() float64 { return 0 }}
	}})
	const secret = "whsec-0123456789abcdef0123456789"
	muni, kdd := newHookReceiver(t, clock, secret), newHookReceiver(t, clock, secret)
	lead := s.municipality(t, leadOrg)
	sub := s.restOK(t, http.MethodPost, "/v1/subscriptions", lead, map[string]any{"targetUrl": muni.srv.URL + "/hooks", "secret": secret})
	subs := forsokv1.NewSubscriptionServiceClient(s.Conn)
	if _, err := subs.CreateSubscription(s.as(t, s.handler(t)), &forsokv1.CreateSubscriptionRequest{
		Subscription: &forsokv1.Subscription{TargetUrl: kdd.srv.URL, Secret: secret}}); err != nil {
		t.Fatalf("CreateSubscription over gRPC: %v", err)
	}

	muni.setDown(true)
	name := s.approved(t, "KD støtter forsøket.")
	clock.Set(at("2026-08-01", 10))
	s.restOK(t, http.MethodPost, path(name, "activate"), s.handler(t), `{}`)

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	kddWant := s.feed(t, s.handler(t))
	waitFor("KDD's receiver to get every event", func() bool { return slices.Equal(kdd.seqs(), kddWant) })
	waitFor("the municipality's receiver to be tried", func() bool { return muni.attempts() >= 1 })
	if got := muni.seqs(); len(got) != 0 {
		t.Fatalf("a receiver that is down accepted %v", got)
	}
	muni.setDown(false)
	clock.Advance(time.Hour)          // past the retry (backoff on the server's clock)
	lead = s.municipality(t, leadOrg) // a fresh token at the moved clock
	muniWant := s.feed(t, lead)
	waitFor("the municipality's receiver to catch up", func() bool { return slices.Equal(muni.seqs(), muniWant) })
	if len(muniWant) != 7 || len(kddWant) != 6 { // KDD sees the case from its submission
		t.Errorf("feeds: municipality %v, KDD %v; want 7 and 6 events", muniWant, kddWant)
	}

	var deliveries []any
	// The receiver has answered the last one; its record follows.
	waitFor("the deliveries to be recorded", func() bool {
		deliveries = jlist(s.restOK(t, http.MethodGet, "/v1/"+jstr(sub, "name")+"/deliveries", lead, nil), "deliveries")
		return jstr(deliveries[0], "state") == "SUCCEEDED"
	})
	head := deliveries[len(deliveries)-1] // newest first: the case's first event is last
	if attempts := jlist(head, "attempts"); jstr(head, "state") != "SUCCEEDED" || len(attempts) < 2 || jget(attempts[0], "statusCode") != float64(503) {
		t.Errorf("first delivery: got %v, want SUCCEEDED after a 503", head)
	}
	for _, d := range deliveries {
		if jstr(d, "state") != "SUCCEEDED" {
			t.Errorf("delivery %s: %s, want SUCCEEDED", jstr(d, "name"), jstr(d, "state"))
		}
	}
}

// TestEndToEnd_Verify: forsokd verify passes a sound file, refuses while the server
// runs, and names the case and event when one byte of a stored event is changed.
func TestEndToEnd_Verify(t *testing.T) {
	dir := t.TempDir()
	clock := trialtest.NewClock(at("2026-03-02", 10))
	s := startServer(t, dir, clock)
	name := s.approved(t, "KD støtter forsøket.")
	events := s.events(t, name, s.handler(t))
	target := events[3] // the consultation's question
	verify := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := runVerify(args, func(string) string { return "" }, &out, &errOut)
		return code, out.String() + errOut.String()
	}

	if code, out := verify("-data", dir, "-lock-timeout", "50ms"); code != verifyCannotDo || !strings.Contains(out, "Stop the server first") {
		t.Errorf("while the server runs: got %d %q, want %d and a word to stop the server", code, out, verifyCannotDo)
	}
	s.close()
	if code, out := verify("-data", dir); code != verifyOK || !strings.Contains(out, "ok") {
		t.Fatalf("sound file: got %d %q, want %d ok", code, out, verifyOK)
	}

	n := seq(t, target)
	comment := jstr(target, "comment")
	db, err := bolt.Open(filepath.Join(dir, "forsok.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("events"))
		key := []byte{0, 0, 0, 0, 0, 0, 0, byte(n)}
		v := bytes.Clone(b.Get(key))
		i := bytes.Index(v, []byte(comment))
		v[i] ^= 0x01 // one bit of one byte: "H" becomes "I"
		return b.Put(key, v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out := verify("-data", dir)
	id := strings.TrimPrefix(name, "applications/")
	wantLine := "BROKEN: applications/" + id + "/events/" + strconv.FormatUint(n, 10) + ": its content does not match its hash"
	if code != verifyBroken || !strings.Contains(out, wantLine) || strings.Count(out, "BROKEN") != 1 {
		t.Errorf("tampered file: got %d\n%s\nwant %d and exactly the line %q", code, out, verifyBroken, wantLine)
	}
}

// TestEndToEnd_ExportVerify: an export made over REST verifies offline, and names the
// event when the archived copy is changed.
func TestEndToEnd_ExportVerify(t *testing.T) {
	clock := trialtest.NewClock(at("2026-03-02", 10))
	s := startServer(t, t.TempDir(), clock)
	name := s.approved(t, "KD støtter forsøket.")
	code, raw := s.restRaw(t, http.MethodGet, "/v1/"+name+"/events:export", s.municipality(t, leadOrg), nil)
	if code != http.StatusOK {
		t.Fatalf("export: got %d %s", code, raw)
	}
	file := filepath.Join(t.TempDir(), "history.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := runVerify([]string{"-export", file}, func(string) string { return "" }, &out, &out); code != verifyOK {
		t.Fatalf("export: got %d %s, want ok", code, out.String())
	}
	tampered := bytes.Replace(raw, []byte("Søknaden"), []byte("Soknaden"), 1)
	if bytes.Equal(tampered, raw) {
		tampered = bytes.Replace(raw, []byte(`"submit"`), []byte(`"withdraw"`), 1)
	}
	if err := os.WriteFile(file, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := runVerify([]string{"-export", file}, func(string) string { return "" }, &out, &out); code != verifyBroken || !strings.Contains(out.String(), "BROKEN: "+name+"/events/") {
		t.Errorf("tampered export: got %d %s, want a broken event named", code, out.String())
	}
}

// TestEndToEnd_WatchEndsAtShutdown: an open REST event stream does not hold up the
// server's shutdown.
func TestEndToEnd_WatchEndsAtShutdown(t *testing.T) {
	clock := trialtest.NewClock(at("2026-03-02", 10))
	s := startServer(t, t.TempDir(), clock)
	s.submitted(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/v1/events:watch?after=0", nil)
	req.Header.Set("Authorization", "Bearer "+s.municipality(t, leadOrg))
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), `{"result":`) {
		t.Fatalf("first line: %q, %v", lines.Text(), lines.Err())
	}
	start := time.Now()
	s.close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown with an open stream took %s", d)
	}
}
