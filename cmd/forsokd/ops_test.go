package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// loadResult is what a load run got acknowledged.
type loadResult struct {
	mu        sync.Mutex
	created   map[string]time.Time // case → when its create was answered 200
	submitted map[string]time.Time // case → when its submit was answered 200
}

func (r *loadResult) ack(m map[string]time.Time, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m[name] = time.Now()
}

func (r *loadResult) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.created) + len(r.submitted)
}

// runLoad has workers goroutines create and submit cases as the lead municipality over
// REST until ctx ends, each stopping at its first failure (the server going away) or
// after perWorker cases. It returns what was acknowledged once every worker has stopped.
func runLoad(ctx context.Context, t *testing.T, base, token string, workers, perWorker int) (*loadResult, func() *loadResult) {
	t.Helper()
	res := &loadResult{created: map[string]time.Time{}, submitted: map[string]time.Time{}}
	client := &http.Client{Timeout: 30 * time.Second}
	body := validApplication()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			post := func(path string, body any) (int, map[string]any, error) {
				return postJSON(ctx, client, base+path, token, body)
			}
			for range perWorker {
				if ctx.Err() != nil {
					return
				}
				code, app, err := post("/v1/applications", body)
				if err != nil || code != http.StatusOK {
					return
				}
				name := jstr(app, "name")
				res.ack(res.created, name)
				code, _, err = post(path(name, "submit"), `{}`)
				if err != nil || code != http.StatusOK {
					return
				}
				res.ack(res.submitted, name)
			}
		})
	}
	return res, func() *loadResult {
		wg.Wait()
		client.CloseIdleConnections()
		return res
	}
}

// postJSON posts body (a string as is, anything else JSON-encoded) and decodes the
// answer; unlike restCall it may run outside the test's goroutine.
func postJSON(ctx context.Context, client *http.Client, url, token string, body any) (int, map[string]any, error) {
	var r io.Reader = strings.NewReader(fmt.Sprint(body))
	if _, ok := body.(string); !ok {
		enc, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, decodeObject(raw), nil
}

// caseView is a case as its lead sees it over gRPC, with its whole history.
type caseView struct {
	app    *forsokv1.Application
	events []*forsokv1.Event
}

// casesOf reads every case the lead municipality can see, with its events.
func casesOf(t *testing.T, s *daemon) map[string]caseView {
	t.Helper()
	ctx := s.as(t, s.municipality(t, leadOrg))
	out := map[string]caseView{}
	token := ""
	for {
		page, err := s.api.ListApplications(ctx, &forsokv1.ListApplicationsRequest{PageSize: 100, PageToken: token})
		if err != nil {
			t.Fatalf("ListApplications: %v", err)
		}
		for _, listed := range page.GetApplications() {
			app, err := s.api.GetApplication(ctx, &forsokv1.GetApplicationRequest{Name: listed.GetName()})
			if err != nil {
				t.Fatalf("GetApplication %s: %v", listed.GetName(), err)
			}
			var events []*forsokv1.Event
			evToken := ""
			for {
				evs, err := s.api.ListApplicationEvents(ctx, &forsokv1.ListApplicationEventsRequest{Parent: listed.GetName(), PageSize: 100, PageToken: evToken})
				if err != nil {
					t.Fatalf("ListApplicationEvents %s: %v", listed.GetName(), err)
				}
				events = append(events, evs.GetEvents()...)
				if evToken = evs.GetNextPageToken(); evToken == "" {
					break
				}
			}
			out[listed.GetName()] = caseView{app: app, events: events}
		}
		if token = page.GetNextPageToken(); token == "" {
			return out
		}
	}
}

// TestEndToEnd_BackupRestore takes a backup with `forsokd backup` while cases are being
// created and submitted, restores it with `forsokd restore` into a fresh data directory
// and starts a server on it: the restored server serves every case acknowledged before
// the backup began, identical to the original (GetApplication and the whole history);
// a case in flight during the backup is there as it was at one instant, its history a
// prefix of the original's. A second backup taken at rest restores to a server with
// exactly the same cases.
func TestEndToEnd_BackupRestore(t *testing.T) {
	t.Parallel()
	clock := trialtest.NewClock(at("2026-03-02", 10))
	s := startServer(t, t.TempDir(), clock)
	admin := s.token(t, auth.DevTokenOptions{Role: trial.RoleAdmin})
	lead := s.municipality(t, leadOrg)

	ctx, stopLoad := context.WithCancel(t.Context())
	defer stopLoad()
	load, wait := runLoad(ctx, t, s.base, lead, 3, 200)
	waitFor(t, "20 acknowledged requests", func() bool { return load.count() >= 20 })

	backupStart := time.Now()
	underLoad := filepath.Join(t.TempDir(), "under-load.db")
	if err := runBackup(t.Context(), []string{"-addr", s.base, "-out", underLoad}, envOf("FORSOK_TOKEN", admin), nil, &servertest.LogBuffer{}); err != nil {
		t.Fatalf("backup under load: %v", err)
	}
	countAtBackup := load.count()
	waitFor(t, "more requests after the backup", func() bool { return load.count() >= countAtBackup+10 })
	stopLoad()
	res := wait()

	restoredDir := filepath.Join(t.TempDir(), "restored")
	if err := runRestore(t.Context(), []string{"-data", restoredDir, "-in", underLoad}, noEnv, nil, &servertest.LogBuffer{}); err != nil {
		t.Fatalf("restore: %v", err)
	}
	original := casesOf(t, s)
	r := startServer(t, restoredDir, clock)
	restored := casesOf(t, r)
	t.Logf("%d cases at the end, %d in the backup taken under load", len(original), len(restored))
	if len(restored) >= len(original) {
		t.Errorf("the backup under load holds %d cases, the server %d at the end: want fewer (was it under load?)", len(restored), len(original))
	}

	identical := 0
	for name, got := range restored {
		want, ok := original[name]
		if !ok {
			t.Errorf("%s: in the backup but not on the server", name)
			continue
		}
		if proto.Equal(got.app, want.app) {
			identical++
			if !eventsEqual(got.events, want.events) {
				t.Errorf("%s: same case, different history:\n got %v\nwant %v", name, got.events, want.events)
			}
			continue
		}
		// Changed after the snapshot: its history then is a prefix of the history now.
		if len(got.events) >= len(want.events) || !eventsEqual(got.events, want.events[:len(got.events)]) {
			t.Errorf("%s: the restored history is not a prefix of the original's:\n got %v\nwant %v", name, got.events, want.events)
		}
	}
	res.mu.Lock()
	for name, when := range res.submitted {
		if when.Before(backupStart) {
			if _, ok := restored[name]; !ok {
				t.Errorf("%s: submitted and acknowledged before the backup began, missing from it", name)
			} else if !proto.Equal(restored[name].app, original[name].app) {
				t.Errorf("%s: acknowledged before the backup began, differs after restore", name)
			}
		}
	}
	res.mu.Unlock()
	t.Logf("%d of the restored cases identical to the original now", identical)

	t.Run("AtRest", func(t *testing.T) {
		atRest := filepath.Join(t.TempDir(), "at-rest.db")
		if err := runBackup(t.Context(), []string{"-addr", s.base, "-out", atRest, "-token", admin}, noEnv, nil, &servertest.LogBuffer{}); err != nil {
			t.Fatalf("backup: %v", err)
		}
		dir := filepath.Join(t.TempDir(), "restored")
		if err := runRestore(t.Context(), []string{"-data", dir, "-in", atRest}, noEnv, nil, &servertest.LogBuffer{}); err != nil {
			t.Fatalf("restore: %v", err)
		}
		again := casesOf(t, startServer(t, dir, clock))
		if len(again) != len(original) {
			t.Errorf("cases after restore: got %d, want %d", len(again), len(original))
		}
		for name, want := range original {
			got := again[name]
			if !proto.Equal(got.app, want.app) || !eventsEqual(got.events, want.events) {
				t.Errorf("%s after restore: got %v with %d events, want %v with %d", name, got.app, len(got.events), want.app, len(want.events))
			}
		}
	})
}

func eventsEqual(a, b []*forsokv1.Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !proto.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func envOf(kv ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return ""
	}
}

// waitFor polls cond for up to 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunBackup_Refusals(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), trialtest.NewClock(at("2026-03-02", 10)))
	out := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(out, []byte("the previous backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		env   func(string) string
		want  string
		usage bool
	}{
		{"ErrNoToken", []string{"-addr", s.base, "-out", out}, noEnv, "FORSOK_TOKEN", true},
		{"ErrBadToken", []string{"-addr", s.base, "-out", out, "-token", "not-a-token"}, noEnv, "HTTP 401", false},
		{"ErrNotAdmin", []string{"-addr", s.base, "-out", out}, envOf("FORSOK_TOKEN", s.handler(t)), "HTTP 403: a backup needs the admin role", false},
		{"ErrNoServer", []string{"-addr", "127.0.0.1:1", "-out", out, "-token", "x"}, noEnv, "fetch the backup", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runBackup(t.Context(), tc.args, tc.env, nil, &servertest.LogBuffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			var usage usageError
			wantEqual(t, "usage error", errors.As(err, &usage), tc.usage)
			if b, _ := os.ReadFile(out); string(b) != "the previous backup" {
				t.Errorf("a failed backup changed %s", out)
			}
			if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
				t.Errorf("a failed backup left files behind: %v", entries)
			}
		})
	}
	t.Run("ErrNotADatabase", func(t *testing.T) {
		// A server that answers 200 with something else: the copy is checked before it
		// replaces the previous backup.
		fake := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(strings.Repeat("<html>a login page</html>\n", 500)))
		})}
		srv := startHTTP(t, fake)
		err := runBackup(t.Context(), []string{"-addr", srv, "-out", out, "-token", "x"}, noEnv, nil, &servertest.LogBuffer{})
		if err == nil || !strings.Contains(err.Error(), "not a sound forsok database") {
			t.Fatalf("got %v, want the copy refused", err)
		}
		if b, _ := os.ReadFile(out); string(b) != "the previous backup" {
			t.Errorf("a failed backup changed %s", out)
		}
	})
	t.Run("ExitCodes", func(t *testing.T) {
		var stderr servertest.LogBuffer
		wantEqual(t, "usage", runTool("backup", []string{"-out", out}, noEnv, nil, &stderr), 2)
		wantEqual(t, "refused", runTool("backup", []string{"-addr", s.base, "-out", out, "-token", "bad"}, noEnv, nil, &stderr), 1)
		if !strings.Contains(stderr.String(), "forsokd backup: ") {
			t.Errorf("stderr: got %q, want the error prefixed forsokd backup:", stderr.String())
		}
	})
}

func TestRunRestore(t *testing.T) {
	t.Parallel()
	// good is a real backup of a store with one case.
	good := filepath.Join(t.TempDir(), "good.db")
	{
		st, err := boltstore.Open(good, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	garbage := filepath.Join(t.TempDir(), "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("x", 40000)), 0o600); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(t.TempDir(), "truncated.db")
	{
		b, err := os.ReadFile(good)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(truncated, b[:len(b)/2], 0o600); err != nil {
			t.Fatal(err)
		}
	}

	nonEmpty := t.TempDir()
	if err := os.WriteFile(filepath.Join(nonEmpty, "forsok.db"), []byte("live data"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir, in, want string
	}{
		{"ErrNonEmptyDir", nonEmpty, good, "not empty"},
		{"ErrGarbage", filepath.Join(t.TempDir(), "new"), garbage, "cannot be restored"},
		{"ErrTruncated", filepath.Join(t.TempDir(), "new"), truncated, "cannot be restored"},
		{"ErrMissing", filepath.Join(t.TempDir(), "new"), filepath.Join(t.TempDir(), "nothing.db"), "no such file"},
		{"ErrNoIn", t.TempDir(), "", "-in FILE is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"-data", tc.dir}
			if tc.in != "" {
				args = append(args, "-in", tc.in)
			}
			err := runRestore(t.Context(), args, noEnv, nil, &servertest.LogBuffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if _, err := os.Stat(filepath.Join(tc.dir, "forsok.db")); err == nil && tc.dir != nonEmpty {
				t.Errorf("a refused restore left forsok.db in %s", tc.dir)
			}
			if entries, _ := os.ReadDir(tc.dir); tc.dir != nonEmpty && len(entries) > 0 {
				t.Errorf("a refused restore left %v in %s", entries, tc.dir)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(nonEmpty, "forsok.db")); string(b) != "live data" {
		t.Error("restore changed a non-empty data directory")
	}

	for _, tc := range []struct{ name, dir string }{
		{"NewDir", filepath.Join(t.TempDir(), "a", "b")},
		{"EmptyDir", t.TempDir()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := runRestore(t.Context(), []string{"-in", good}, envOf("FORSOK_DATA", tc.dir), nil, &servertest.LogBuffer{}); err != nil {
				t.Fatalf("restore: %v", err)
			}
			if err := boltstore.Verify(filepath.Join(tc.dir, "forsok.db")); err != nil {
				t.Errorf("restored file: %v", err)
			}
			entries, _ := os.ReadDir(tc.dir)
			if len(entries) != 1 {
				t.Errorf("data directory after restore: got %v, want forsok.db alone", entries)
			}
		})
	}
}

// TestEndToEnd_Observability: /metrics on the HTTP listener shows the requests just
// made, over gRPC and REST, and the cases by state; /readyz and /healthz answer.
func TestEndToEnd_Observability(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), trialtest.NewClock(at("2026-03-02", 10)))
	s.submitted(t)
	s.inConsultation(t)
	code, raw := s.restRaw(t, http.MethodGet, "/metrics", "", nil)
	mustEqual(t, "/metrics", code, http.StatusOK)
	text := string(raw)
	for _, want := range []string{
		`grpc_server_handled_total{grpc_code="OK",grpc_method="CreateApplication",grpc_service="forsok.v1.ApplicationService",grpc_type="unary"} 2`,
		`grpc_server_handled_total{grpc_code="OK",grpc_method="AssignApplication",grpc_service="forsok.v1.ApplicationService",grpc_type="unary"} 1`,
		`grpc_server_handling_seconds_count{grpc_method="SubmitApplication",grpc_service="forsok.v1.ApplicationService",grpc_type="unary"} 2`,
		`forsok_cases{state="SUBMITTED"} 1`,
		`forsok_cases{state="IN_CONSULTATION"} 1`,
		`forsok_cases{state="APPROVED"} 0`,
		`forsok_cases_flagged{flag="CONSULTATION_OVERDUE"} 0`,
		`forsok_consultations_open 1`,
		`forsok_consultations_overdue 0`,
		`go_goroutines`,
		`process_open_fds`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The consultation was due in ten working days; a month on it is overdue.
	s.clock.Advance(30 * 24 * time.Hour)
	_, raw = s.restRaw(t, http.MethodGet, "/metrics", "", nil)
	if !strings.Contains(string(raw), "forsok_consultations_overdue 1") {
		t.Errorf("a month on, /metrics lacks forsok_consultations_overdue 1")
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		code, _ := s.restRaw(t, http.MethodGet, p, "", nil)
		wantEqual(t, p, code, http.StatusOK)
	}
}

// TestEndToEnd_SIGTERMUnderLoad runs the binary, sends it create and submit requests
// from several goroutines, SIGTERMs it in the middle, and checks that it drained and
// exited cleanly and that after a restart every request that was answered 200 is
// there: no acknowledged action is lost.
func TestEndToEnd_SIGTERMUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	t.Parallel()
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	servertest.InstallDevKey(t, dataDir)
	base, proc := startBinary(t, bin, dataDir)
	lead := servertest.Mint(t, auth.DevTokenOptions{Role: trial.RoleMunicipality, Organisation: leadOrg}, time.Now())

	load, wait := runLoad(t.Context(), t, base, lead, 4, 500)
	waitFor(t, "60 acknowledged requests", func() bool { return load.count() >= 60 })
	// One more create is held in flight over the SIGTERM: its body is half sent
	// before, the rest after the server has begun shutting down. Draining means it is
	// answered 200 all the same, and its case is there after the restart.
	held := holdRequest(t, base, "/v1/applications", lead, validApplication())
	sigterm := time.Now()
	if err := proc.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	logs := proc.Stderr.(*serveLog)
	waitFor(t, "the log line \"shutting down\"", func() bool { return strings.Contains(logs.String(), "shutting down") })
	heldName := held.finish(t)
	exited := make(chan error, 1)
	go func() { exited <- proc.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("forsokd after SIGTERM: %v, want exit status 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("forsokd did not exit within 30 s of SIGTERM")
	}
	res := wait()
	if !strings.Contains(logs.String(), "shut down cleanly") {
		t.Errorf("forsokd's log lacks \"shut down cleanly\"")
	}
	if heldName != "" {
		res.created[heldName] = time.Now()
	}
	drained := 0
	for _, m := range []map[string]time.Time{res.created, res.submitted} {
		for _, when := range m {
			if when.After(sigterm) {
				drained++
			}
		}
	}
	t.Logf("%d creates and %d submits acknowledged, %d of them answered after the SIGTERM", len(res.created), len(res.submitted), drained)
	if drained == 0 {
		t.Errorf("requests answered 200 after the SIGTERM: got none, want at least the held one")
	}

	base, _ = startBinary(t, bin, dataDir)
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	for name := range res.created {
		code, raw := restCall(t, client, base, http.MethodGet, path(name), lead, nil)
		if code != http.StatusOK {
			t.Errorf("%s: created and acknowledged, then after SIGTERM got HTTP %d", name, code)
			continue
		}
		_, submitted := res.submitted[name]
		if state := jstr(decodeObject(raw), "state"); submitted && state != "SUBMITTED" {
			t.Errorf("%s: submit acknowledged, after SIGTERM in state %s", name, state)
		}
	}
}

// heldRequest is a REST request whose handler is running, waiting for the second half
// of the body.
type heldRequest struct {
	conn net.Conn
	r    *bufio.Reader
	req  *http.Request
	rest []byte
}

// holdRequest sends a POST's headers with "Expect: 100-continue" on a connection of its
// own, waits for the "100 Continue" the server sends when the handler starts reading
// the body, and sends the first half of the body; finish sends the rest.
func holdRequest(t *testing.T, base, path, token string, body any) *heldRequest {
	t.Helper()
	enc, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		t.Fatalf("dial %s: %v", req.URL.Host, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	half := len(enc) / 2
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
		path, req.URL.Host, token, len(enc))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatalf("send the held request: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(conn)
	cont, err := http.ReadResponse(r, req)
	if err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("held request: got %v, %v, want 100 Continue", cont, err)
	}
	if _, err := conn.Write(enc[:half]); err != nil {
		t.Fatalf("send the held request: %v", err)
	}
	return &heldRequest{conn: conn, r: r, req: req, rest: enc[half:]}
}

// finish sends the rest of the body and returns the name of the case the answer
// names; a failure to answer 200 fails the test.
func (h *heldRequest) finish(t *testing.T) string {
	t.Helper()
	if _, err := h.conn.Write(h.rest); err != nil {
		t.Errorf("held request: sending the rest of the body after SIGTERM: %v", err)
		return ""
	}
	_ = h.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(h.r, h.req)
	if err != nil {
		t.Errorf("held request: no answer after SIGTERM: %v, want it drained", err)
		return ""
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("held request after SIGTERM: got HTTP %d %s, want 200", resp.StatusCode, raw)
		return ""
	}
	return jstr(decodeObject(raw), "name")
}

// startHTTP serves srv on a loopback port until the test ends and returns its URL.
func startHTTP(t *testing.T, srv *http.Server) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { _ = srv.Close() })
	return fmt.Sprintf("http://%s", lis.Addr())
}

// TestClose_Deadline: a request that does not finish within -shutdown-timeout is cut
// off, Close reports it, and the store is closed all the same, so that a new server can
// open the data directory.
func TestClose_Deadline(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	m := NewMain()
	m.Config.DataDir, m.Config.HTTPAddr, m.Config.GRPCAddr = dataDir, "127.0.0.1:0", "127.0.0.1:0"
	m.Config.ShutdownTimeout = 300 * time.Millisecond
	m.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	if err := m.Run(t.Context()); err != nil {
		_ = m.Close()
		t.Fatal(err)
	}
	// A request whose body never finishes arriving keeps its handler busy.
	conn, err := net.Dial("tcp", m.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /v1/applications HTTP/1.1\r\nHost: forsok\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the server start on it

	start := time.Now()
	err = m.Close()
	if err == nil || !strings.Contains(err.Error(), "cut off") {
		t.Errorf("Close: got %v, want requests reported cut off", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Close took %s with a -shutdown-timeout of 300ms", took)
	}
	startServer(t, dataDir, trialtest.NewClock(at("2026-03-02", 10))) // the file lock is free
}
