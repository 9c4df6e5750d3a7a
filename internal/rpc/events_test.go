package rpc_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/rpc"
	"github.com/forsok/forsok/internal/trial"
)

// feedSeqs lists the sequences the caller sees in the feed.
func feedSeqs(t *testing.T, h *harness, r role) []uint64 {
	t.Helper()
	resp, err := h.client.ListEvents(h.as(context.Background(), r), &forsokv1.ListEventsRequest{PageSize: 1000})
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	var out []uint64
	for _, e := range resp.GetEvents() {
		out = append(out, e.GetSequence())
	}
	return out
}

// TestWatchEvents_DisconnectAndResume: a KDD client watches over gRPC, drops the
// stream in the middle, misses events while away, resumes from the last sequence it
// got, follows live, and ends with exactly the feed: nothing missed, nothing twice.
func TestWatchEvents_DisconnectAndResume(t *testing.T) {
	h := newHarness(t)
	h.drive(t, sitApproved)

	var got []*forsokv1.Event
	ctx, cancel := context.WithCancel(h.as(context.Background(), kddHandler))
	zero := uint64(0)
	stream, err := h.client.WatchEvents(ctx, &forsokv1.WatchEventsRequest{After: &zero})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		e, err := stream.Recv()
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		got = append(got, e)
	}
	cancel()             // the connection drops mid-stream
	h.drive(t, sitReady) // events while away

	last := got[len(got)-1].GetSequence()
	ctx, cancel = context.WithCancel(h.as(context.Background(), kddHandler))
	defer cancel()
	stream, err = h.client.WatchEvents(ctx, &forsokv1.WatchEventsRequest{After: &last})
	if err != nil {
		t.Fatal(err)
	}
	recvUntil := func(seq uint64) {
		t.Helper()
		for got[len(got)-1].GetSequence() < seq {
			e, err := stream.Recv()
			if err != nil {
				t.Fatalf("Recv: %v", err)
			}
			got = append(got, e)
		}
	}
	want := feedSeqs(t, h, kddHandler)
	recvUntil(want[len(want)-1])
	// Live: a change after the replay arrives on the open stream.
	f := h.drive(t, sitSubmitted)
	want = feedSeqs(t, h, kddHandler)
	recvUntil(want[len(want)-1])

	var seqs []uint64
	for _, e := range got {
		seqs = append(seqs, e.GetSequence())
	}
	if !slices.Equal(seqs, want) {
		t.Errorf("watched: got %v, want %v", seqs, want)
	}
	// The events carry their hashes: the last one is the case's chain head.
	app, err := h.client.GetApplication(h.as(context.Background(), kddHandler), &forsokv1.GetApplicationRequest{Name: f.name})
	if err != nil {
		t.Fatal(err)
	}
	lastEvent := got[len(got)-1]
	if head := app.GetChainHead(); head.GetSequence() != lastEvent.GetSequence() || head.GetHash() != lastEvent.GetHash() ||
		head.GetEvent() != lastEvent.GetName() || len(head.GetHash()) != 64 {
		t.Errorf("chain head %v, want the last event %s (%s)", head, lastEvent.GetName(), lastEvent.GetHash())
	}
}

func TestWatchEvents_Refusals(t *testing.T) {
	h := newHarness(t)
	for _, tt := range []struct {
		r    role
		want codes.Code
	}{{anonymous, codes.Unauthenticated}, {admin, codes.PermissionDenied}} {
		t.Run(roleNames[tt.r], func(t *testing.T) {
			stream, err := h.client.WatchEvents(h.as(context.Background(), tt.r), &forsokv1.WatchEventsRequest{})
			if err == nil {
				_, err = stream.Recv()
			}
			checkCode(t, err, tt.want)
		})
	}
}

// TestEvents_REST: the feed as pages (GET /v1/events) and as a stream of
// newline-delimited JSON (GET /v1/events:watch) through the gateway.
func TestEvents_REST(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(h.gateway)
	defer srv.Close()
	f := h.drive(t, sitInReview)
	want := feedSeqs(t, h, lead)

	get := func(path string, r role) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+h.tokens[r])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	t.Run("Pages", func(t *testing.T) {
		var seqs []uint64
		after := "0"
		for range 10 {
			code, m := get("/v1/events?after="+after+"&pageSize=2", lead)
			if code != http.StatusOK {
				t.Fatalf("GET /v1/events: %d %v", code, m)
			}
			events, _ := m["events"].([]any)
			for _, e := range events {
				n, _ := strconv.ParseUint(e.(map[string]any)["sequence"].(string), 10, 64)
				seqs = append(seqs, n)
				if hash, _ := e.(map[string]any)["hash"].(string); len(hash) != 64 {
					t.Errorf("event %d without hash: %v", n, e)
				}
			}
			if len(events) == 0 {
				break
			}
			after = m["nextAfter"].(string)
		}
		if !slices.Equal(seqs, want) {
			t.Errorf("paged: got %v, want %v", seqs, want)
		}
		if code, _ := get("/v1/events", admin); code != http.StatusForbidden {
			t.Errorf("admin: got %d, want 403", code)
		}
	})
	t.Run("Stream", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/events:watch?after=0", nil)
		req.Header.Set("Authorization", "Bearer "+h.tokens[lead])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("GET /v1/events:watch: %d %s", resp.StatusCode, b)
		}
		lines := bufio.NewScanner(resp.Body)
		lines.Buffer(make([]byte, 1<<20), 1<<20)
		var seqs []uint64
		next := func() {
			t.Helper()
			if !lines.Scan() {
				t.Fatalf("stream ended: %v", lines.Err())
			}
			var chunk struct {
				Result json.RawMessage `json:"result"`
			}
			if err := json.Unmarshal(lines.Bytes(), &chunk); err != nil || chunk.Result == nil {
				t.Fatalf("line %q: want {\"result\": event}", lines.Text())
			}
			var e forsokv1.Event
			if err := protojson.Unmarshal(chunk.Result, &e); err != nil {
				t.Fatal(err)
			}
			seqs = append(seqs, e.GetSequence())
		}
		for range want {
			next()
		}
		// Live: the lead withdraws; the stream carries it.
		if _, err := h.client.WithdrawApplication(h.as(context.Background(), lead), &forsokv1.WithdrawApplicationRequest{Name: f.name, Reason: "Trukket."}); err != nil {
			t.Fatal(err)
		}
		next()
		if all := feedSeqs(t, h, lead); !slices.Equal(seqs, all) {
			t.Errorf("streamed: got %v, want %v", seqs, all)
		}
	})
}

// TestExportApplicationEvents: the archive export carries every event with its hashes
// and the chain head, and verifies on its own, as an archive would.
func TestExportApplicationEvents(t *testing.T) {
	h := newHarness(t)
	f := h.drive(t, sitApproved)
	hist, err := h.client.ExportApplicationEvents(h.as(context.Background(), kddApprover), &forsokv1.ExportApplicationEventsRequest{Parent: f.name})
	if err != nil {
		t.Fatal(err)
	}
	// Over the wire as JSON, and back, as an archive stores it.
	raw, err := protojson.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	var archived forsokv1.ApplicationHistory
	if err := protojson.Unmarshal(raw, &archived); err != nil {
		t.Fatal(err)
	}
	var v trial.ChainVerifier
	for _, p := range archived.GetEvents() {
		e, err := rpc.EventFromProto(p)
		if err != nil {
			t.Fatal(err)
		}
		if problems := v.Add(e); len(problems) > 0 {
			t.Errorf("event %s: %v", p.GetName(), problems)
		}
	}
	id, _ := trial.ParseApplicationName(f.name, "name")
	head := archived.GetChainHead()
	if p := v.CheckHead(id, &trial.ChainHead{Sequence: head.GetSequence(), Hash: head.GetHash()}); p != nil {
		t.Errorf("chain head: %s", p)
	}
	if len(archived.GetEvents()) != 7 || archived.GetApplication() != f.name || archived.GetCaseNumber() == "" ||
		!strings.HasPrefix(archived.GetHashScheme(), "forsok-event-v1") || archived.GetExportTime() == nil {
		t.Errorf("export: %d events, application %q, case number %q, scheme %q", len(archived.GetEvents()), archived.GetApplication(), archived.GetCaseNumber(), archived.GetHashScheme())
	}
	// One changed character anywhere in an event breaks the chain there.
	archived.Events[3].Comment += "!"
	var v2 trial.ChainVerifier
	var broken []uint64
	for _, p := range archived.GetEvents() {
		e, _ := rpc.EventFromProto(p)
		for _, prob := range v2.Add(e) {
			broken = append(broken, prob.Sequence)
		}
	}
	if want := []uint64{archived.Events[3].GetSequence()}; !slices.Equal(broken, want) {
		t.Errorf("tampered export: broken at %v, want %v", broken, want)
	}
}

// TestSubscriptions_REST: a municipality manages its webhook over REST; nobody else sees
// it, its secret never comes back, and internal targets are refused.
func TestSubscriptions_REST(t *testing.T) {
	h := newHarness(t)
	srv := httptest.NewServer(h.gateway)
	defer srv.Close()
	call := func(method, path string, r role, body string) (int, map[string]any, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if r != anonymous {
			req.Header.Set("Authorization", "Bearer "+h.tokens[r])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return resp.StatusCode, m, string(raw)
	}
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer receiver.Close()

	body := `{"targetUrl":"` + receiver.URL + `/forsok","eventTypes":["submit","approve"],"secret":"a-secret-of-32-characters-000000"}`
	code, sub, raw := call(http.MethodPost, "/v1/subscriptions", lead, body)
	if code != http.StatusOK || sub["name"] != "subscriptions/1" || sub["ownerOrganisation"] != leadOrg || strings.Contains(raw, "secret") {
		t.Fatalf("create: got %d %s, want 200, subscriptions/1 owned by %s, no secret", code, raw, leadOrg)
	}
	for _, tt := range []struct {
		name         string
		method, path string
		r            role
		body         string
		want         int
	}{
		{"GetOwner", http.MethodGet, "/v1/subscriptions/1", lead, "", http.StatusOK},
		{"GetOtherMunicipality", http.MethodGet, "/v1/subscriptions/1", coApplicant, "", http.StatusNotFound},
		{"GetKDD", http.MethodGet, "/v1/subscriptions/1", kddHandler, "", http.StatusNotFound},
		{"GetAnonymous", http.MethodGet, "/v1/subscriptions/1", anonymous, "", http.StatusUnauthorized},
		{"ListAdmin", http.MethodGet, "/v1/subscriptions", admin, "", http.StatusForbidden},
		{"DeliveriesOtherMunicipality", http.MethodGet, "/v1/subscriptions/1/deliveries", coApplicant, "", http.StatusNotFound},
		{"DeleteOtherMunicipality", http.MethodDelete, "/v1/subscriptions/1", coApplicant, "", http.StatusNotFound},
		{"CreatePrivateTarget", http.MethodPost, "/v1/subscriptions", lead, `{"targetUrl":"http://10.0.0.7/hook","secret":"a-secret-of-32-characters-000000"}`, http.StatusBadRequest},
		{"CreateMetadataTarget", http.MethodPost, "/v1/subscriptions", kddHandler, `{"targetUrl":"http://169.254.169.254/","secret":"a-secret-of-32-characters-000000"}`, http.StatusBadRequest},
		{"CreateCredentialsInURL", http.MethodPost, "/v1/subscriptions", lead, `{"targetUrl":"https://u:p@hooks.example.no/","secret":"a-secret-of-32-characters-000000"}`, http.StatusBadRequest},
		{"CreateAdmin", http.MethodPost, "/v1/subscriptions", admin, body, http.StatusForbidden},
		{"BadName", http.MethodGet, "/v1/subscriptions/01", lead, "", http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, raw := call(tt.method, tt.path, tt.r, tt.body); code != tt.want {
				t.Errorf("got %d %s, want %d", code, raw, tt.want)
			}
		})
	}
	code, m, raw := call(http.MethodPost, "/v1/subscriptions", lead, `{"targetUrl":"http://10.0.0.7/hook","secret":"short"}`)
	if !strings.Contains(raw, "subscription.target_url") || !strings.Contains(raw, "subscription.secret") || !strings.Contains(raw, "private network") {
		t.Errorf("refusal: got %d %v, want both fields named, the private address explained", code, m)
	}

	// An event it wants writes a delivery; the owner sees it and asks for it again.
	h.drive(t, sitSubmitted)
	code, m, raw = call(http.MethodGet, "/v1/subscriptions/1/deliveries", lead, "")
	deliveries, _ := m["deliveries"].([]any)
	if code != http.StatusOK || len(deliveries) != 1 {
		t.Fatalf("deliveries: got %d %s, want one (submit)", code, raw)
	}
	d := deliveries[0].(map[string]any)
	if d["eventType"] != "submit" || d["state"] != "PENDING" || !strings.HasPrefix(d["name"].(string), "subscriptions/1/deliveries/") {
		t.Errorf("delivery: got %v", d)
	}
	code, m, raw = call(http.MethodPost, "/v1/"+d["name"].(string)+":redeliver", lead, "{}")
	if code != http.StatusOK || m["state"] != "PENDING" {
		t.Errorf("redeliver: got %d %s", code, raw)
	}
	if code, _, raw := call(http.MethodPost, "/v1/"+d["name"].(string)+":redeliver", coApplicant, "{}"); code != http.StatusNotFound {
		t.Errorf("redeliver another's: got %d %s, want 404", code, raw)
	}
	code, m, _ = call(http.MethodGet, "/v1/subscriptions", lead, "")
	if subs, _ := m["subscriptions"].([]any); code != http.StatusOK || len(subs) != 1 {
		t.Errorf("list: got %d %v, want the one subscription", code, m)
	}
	if code, _, raw := call(http.MethodDelete, "/v1/subscriptions/1", lead, ""); code != http.StatusOK {
		t.Errorf("delete: got %d %s", code, raw)
	}
	if code, _, _ := call(http.MethodGet, "/v1/subscriptions/1", lead, ""); code != http.StatusNotFound {
		t.Errorf("get after delete: got %d, want 404", code)
	}
}
