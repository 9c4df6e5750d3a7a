package rpc_test

// Operations: request ids and what the logs hold, /metrics, /healthz and /readyz with
// the gRPC health service, and the admin backup endpoint.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/rpc"
	"github.com/forsok/forsok/internal/server"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial"
)

// opsStack is the server with the operational endpoints, on loopback gRPC and HTTP.
type opsStack struct {
	srv    *rpc.Server
	store  *boltstore.Store
	client forsokv1.ApplicationServiceClient
	health healthpb.HealthClient
	base   string
	logs   *servertest.LogBuffer
}

// newOpsStack starts the stack; configure may change the rpc.Config first (Ready and
// Backup default to the store's).
func newOpsStack(t *testing.T, configure func(*rpc.Config)) *opsStack {
	t.Helper()
	st := servertest.Start(t, servertest.Options{Configure: func(s *server.Server) { s.RPC = configure }})
	return &opsStack{srv: st.RPCServer(), store: st.BoltStore(), client: st.API,
		health: healthpb.NewHealthClient(st.Conn), base: st.Base, logs: st.Logs}
}

func (s *opsStack) token(t *testing.T, opts auth.DevTokenOptions) string {
	t.Helper()
	return servertest.Mint(t, opts, time.Now())
}

// get sends a request with an optional bearer token and headers, and reads the answer.
func (s *opsStack) do(t *testing.T, method, path, token string, header http.Header, body string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp, raw, err
}

// rpcLogs returns the "rpc" log records of a method.
func (s *opsStack) rpcLogs(t *testing.T, method string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range s.logs.Records(t) {
		if l["msg"] == "rpc" && l["method"] == method {
			out = append(out, l)
		}
	}
	return out
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestRequestID(t *testing.T) {
	s := newOpsStack(t, nil)
	const workflow = "/forsok.v1.ApplicationService/GetWorkflow"

	t.Run("RESTTakesTheCallers", func(t *testing.T) {
		resp, _, _ := s.do(t, http.MethodGet, "/v1/workflow", "", http.Header{"X-Request-Id": {"proxy-7f3a.1"}}, "")
		if got := resp.Header.Values("X-Request-Id"); len(got) != 1 || got[0] != "proxy-7f3a.1" {
			t.Errorf("X-Request-Id: got %q, want [proxy-7f3a.1]", got)
		}
		if got := resp.Header.Get("Grpc-Metadata-X-Request-Id"); got != "" {
			t.Errorf("Grpc-Metadata-X-Request-Id: got %q, want none (X-Request-Id carries it)", got)
		}
		if !loggedWith(s.rpcLogs(t, workflow), "proxy-7f3a.1") {
			t.Errorf("no rpc log line with request_id proxy-7f3a.1")
		}
	})

	t.Run("RESTMakesOne", func(t *testing.T) {
		for _, sent := range []string{"", "has space", strings.Repeat("x", 129), "quote\"d"} {
			h := http.Header{}
			if sent != "" {
				h.Set("X-Request-Id", sent)
			}
			resp, _, _ := s.do(t, http.MethodGet, "/v1/workflow", "", h, "")
			got := resp.Header.Get("X-Request-Id")
			if !hexID.MatchString(got) {
				t.Errorf("sent %q: got X-Request-Id %q, want 32 hex digits", sent, got)
				continue
			}
			if !loggedWith(s.rpcLogs(t, workflow), got) {
				t.Errorf("sent %q: no rpc log line with request_id %s", sent, got)
			}
		}
		// Also on what is not the gateway.
		resp, _, _ := s.do(t, http.MethodGet, "/healthz", "", nil, "")
		if got := resp.Header.Get("X-Request-Id"); !hexID.MatchString(got) {
			t.Errorf("/healthz X-Request-Id: got %q, want 32 hex digits", got)
		}
	})

	t.Run("GRPC", func(t *testing.T) {
		var header metadata.MD
		ctx := metadata.AppendToOutgoingContext(t.Context(), "x-request-id", "cli-42")
		if _, err := s.client.GetWorkflow(ctx, &forsokv1.GetWorkflowRequest{}, grpc.Header(&header)); err != nil {
			t.Fatal(err)
		}
		if got := header.Get("x-request-id"); len(got) != 1 || got[0] != "cli-42" {
			t.Errorf("x-request-id: got %q, want [cli-42]", got)
		}
		header = nil
		if _, err := s.client.GetWorkflow(t.Context(), &forsokv1.GetWorkflowRequest{}, grpc.Header(&header)); err != nil {
			t.Fatal(err)
		}
		got := header.Get("x-request-id")
		if len(got) != 1 || !hexID.MatchString(got[0]) {
			t.Fatalf("x-request-id: got %q, want one of 32 hex digits", got)
		}
		if !loggedWith(s.rpcLogs(t, workflow), got[0]) {
			t.Errorf("no rpc log line with request_id %s", got[0])
		}
	})
}

func loggedWith(lines []map[string]any, requestID string) bool {
	for _, l := range lines {
		if l["request_id"] == requestID {
			return true
		}
	}
	return false
}

// TestLogs_Audit: a request's log line names the caller's role and organisation, and
// holds no token, person or field of the request.
func TestLogs_Audit(t *testing.T) {
	s := newOpsStack(t, nil)
	token := s.token(t, auth.DevTokenOptions{Role: trial.RoleMunicipality, Organisation: leadOrg, Name: "Kari Nordmann", Subject: "kari-17"})
	body := `{"title": "Forsøk med hemmelig tittel", "applicants": [{"organisationNumber": "940931002", "name": "Indre Østfold kommune", "kind": "KOMMUNE", "municipalityNumber": "3118"}]}`
	resp, raw, _ := s.do(t, http.MethodPost, "/v1/applications", token, nil, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create: got HTTP %d, want 200: %s", resp.StatusCode, raw)
	}
	lines := s.rpcLogs(t, "/forsok.v1.ApplicationService/CreateApplication")
	if len(lines) != 1 {
		t.Fatalf("rpc log lines of CreateApplication: got %d, want 1", len(lines))
	}
	l := lines[0]
	for k, want := range map[string]any{"role": "municipality", "org": leadOrg, "code": "OK", "request_id": resp.Header.Get("X-Request-Id")} {
		if l[k] != want {
			t.Errorf("log %s: got %v, want %v", k, l[k], want)
		}
	}
	all := s.logs.String()
	for _, secret := range []string{token, "Kari Nordmann", "kari-17", "hemmelig", "Indre Østfold"} {
		if strings.Contains(all, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

func TestMetrics(t *testing.T) {
	s := newOpsStack(t, nil)
	for range 3 {
		if _, err := s.client.GetWorkflow(t.Context(), &forsokv1.GetWorkflowRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	// Over REST: the gateway's calls are counted as the gRPC method they are.
	resp, _, _ := s.do(t, http.MethodGet, "/v1/applications/2026-000404", "", nil, "")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET a missing case: got HTTP %d, want 404", resp.StatusCode)
	}

	resp, raw, err := s.do(t, http.MethodGet, "/metrics", "", nil, "")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: got HTTP %d, %v", resp.StatusCode, err)
	}
	text := string(raw)
	for _, want := range []string{
		`grpc_server_handled_total{grpc_code="OK",grpc_method="GetWorkflow",grpc_service="forsok.v1.ApplicationService",grpc_type="unary"} 3`,
		`grpc_server_handled_total{grpc_code="NotFound",grpc_method="GetApplication",grpc_service="forsok.v1.ApplicationService",grpc_type="unary"} 1`,
		`grpc_server_handling_seconds_count{grpc_method="GetWorkflow",grpc_service="forsok.v1.ApplicationService",grpc_type="unary"} 3`,
		`grpc_server_handling_seconds_bucket{grpc_method="GetWorkflow",grpc_service="forsok.v1.ApplicationService",grpc_type="unary",le="0.005"}`,
		// Every method is there from the start, so rates of zero can be graphed.
		`grpc_server_started_total{grpc_method="ApproveApplication",grpc_service="forsok.v1.ApplicationService",grpc_type="unary"} 0`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("/metrics Content-Type: got %q, want text/plain", ct)
	}
}

func TestReadiness(t *testing.T) {
	var storeErr error
	var mu sync.Mutex
	s := newOpsStack(t, func(c *rpc.Config) {
		c.Ready = func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			return storeErr
		}
	})
	check := func(t *testing.T, wantReady int, wantHealth healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		if resp, raw, _ := s.do(t, http.MethodGet, "/readyz", "", nil, ""); resp.StatusCode != wantReady {
			t.Errorf("/readyz: got HTTP %d (%s), want %d", resp.StatusCode, raw, wantReady)
		}
		if resp, _, _ := s.do(t, http.MethodGet, "/healthz", "", nil, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("/healthz: got HTTP %d, want 200 (alive whatever the readiness)", resp.StatusCode)
		}
		for _, service := range []string{"", "forsok.v1.ApplicationService"} {
			got, err := s.health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: service})
			if err != nil {
				t.Fatalf("health check %q: %v", service, err)
			}
			if got.GetStatus() != wantHealth {
				t.Errorf("health of %q: got %v, want %v", service, got.GetStatus(), wantHealth)
			}
		}
	}

	t.Run("Serving", func(t *testing.T) {
		check(t, http.StatusOK, healthpb.HealthCheckResponse_SERVING)
	})
	t.Run("StoreFails", func(t *testing.T) {
		mu.Lock()
		storeErr = errors.New("database not open")
		mu.Unlock()
		if _, raw, _ := s.do(t, http.MethodGet, "/readyz", "", nil, ""); !strings.Contains(string(raw), "database not open") {
			t.Errorf("/readyz body: got %q, want the reason", raw)
		}
		// The store's state is not pushed into the gRPC health service: the store only
		// closes after the server has begun to shut down.
		check(t, http.StatusServiceUnavailable, healthpb.HealthCheckResponse_SERVING)
		mu.Lock()
		storeErr = nil
		mu.Unlock()
	})
	t.Run("ShuttingDown", func(t *testing.T) {
		s.srv.BeginShutdown()
		check(t, http.StatusServiceUnavailable, healthpb.HealthCheckResponse_NOT_SERVING)
		// Requests still in flight, or arriving before the listeners close, are served.
		if _, err := s.client.GetWorkflow(t.Context(), &forsokv1.GetWorkflowRequest{}); err != nil {
			t.Errorf("GetWorkflow after BeginShutdown: %v", err)
		}
	})
}

func TestBackupEndpoint(t *testing.T) {
	s := newOpsStack(t, nil)
	muni := s.token(t, auth.DevTokenOptions{Role: trial.RoleMunicipality, Organisation: leadOrg})
	app := `{"title": "Forsøk", "applicants": [{"organisationNumber": "940931002", "name": "Indre Østfold kommune", "kind": "KOMMUNE", "municipalityNumber": "3118"}]}`
	if resp, raw, _ := s.do(t, http.MethodPost, "/v1/applications", muni, nil, app); resp.StatusCode != http.StatusOK {
		t.Fatalf("create: got HTTP %d: %s", resp.StatusCode, raw)
	}
	admin := s.token(t, auth.DevTokenOptions{Role: trial.RoleAdmin, Subject: "ops-1"})

	t.Run("Refused", func(t *testing.T) {
		other, _, err := auth.LoadOrCreateDevKey(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		foreign, err := other.Mint(auth.DevTokenOptions{Role: trial.RoleAdmin}, time.Now(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, token string
			want        int
		}{
			{"NoToken", "", http.StatusUnauthorized},
			{"BadToken", "not-a-token", http.StatusUnauthorized},
			{"ForeignKey", foreign, http.StatusUnauthorized},
			{"Municipality", muni, http.StatusForbidden},
			{"KDDHandler", s.token(t, auth.DevTokenOptions{Role: trial.RoleKDDHandler}), http.StatusForbidden},
			{"KDDApprover", s.token(t, auth.DevTokenOptions{Role: trial.RoleKDDApprover}), http.StatusForbidden},
			{"Ministry", s.token(t, auth.DevTokenOptions{Role: trial.RoleMinistry, Ministry: "KD"}), http.StatusForbidden},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, raw, _ := s.do(t, http.MethodGet, rpc.BackupPath, tc.token, nil, "")
				if resp.StatusCode != tc.want {
					t.Fatalf("got HTTP %d, want %d: %s", resp.StatusCode, tc.want, raw)
				}
				if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type: got %q, want application/json (the gateway's error shape)", ct)
				}
				if len(raw) > 1000 {
					t.Errorf("body: got %d bytes, want a short error", len(raw))
				}
			})
		}
	})

	t.Run("OK", func(t *testing.T) {
		resp, raw, err := s.do(t, http.MethodGet, rpc.BackupPath, admin, nil, "")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("got HTTP %d, %v: %.200s", resp.StatusCode, err, raw)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
			t.Errorf("Content-Type: got %q, want application/octet-stream", ct)
		}
		path := filepath.Join(t.TempDir(), "copy.db")
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := boltstore.Verify(path); err != nil {
			t.Fatalf("Verify(the copy): %v", err)
		}
		copied, err := boltstore.Open(path, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer copied.Close()
		counts, err := copied.Counts("2026-01-01")
		if err != nil {
			t.Fatal(err)
		}
		if counts.States[trial.StateDraft] != 1 {
			t.Errorf("drafts in the copy: got %d, want 1", counts.States[trial.StateDraft])
		}
		var audit map[string]any
		for _, l := range s.logs.Records(t) {
			if l["msg"] == "backup" {
				audit = l
			}
		}
		if audit == nil || audit["role"] != "admin" || audit["subject"] != "ops-1" || audit["bytes"] != float64(len(raw)) {
			t.Errorf("backup log line: got %v, want role admin, subject ops-1, bytes %d", audit, len(raw))
		}
	})

	t.Run("Head", func(t *testing.T) {
		resp, raw, _ := s.do(t, http.MethodHead, rpc.BackupPath, admin, nil, "")
		if resp.StatusCode != http.StatusOK || len(raw) != 0 {
			t.Errorf("HEAD: got HTTP %d with %d bytes, want 200 and none", resp.StatusCode, len(raw))
		}
	})
}

// TestBackupEndpoint_Failures: one backup at a time; a copy that fails before its
// first byte is a 503, one that fails later a broken transfer, never a short 200.
func TestBackupEndpoint_Failures(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	var mode string
	var mu sync.Mutex
	s := newOpsStack(t, func(c *rpc.Config) {
		c.Backup = func(w io.Writer) (int64, error) {
			mu.Lock()
			m := mode
			mu.Unlock()
			switch m {
			case "block":
				started <- struct{}{}
				<-release
				n, err := w.Write([]byte("copy"))
				return int64(n), err
			case "late":
				// More than the response buffer, so the status line has gone out.
				n, err := w.Write(bytes.Repeat([]byte("x"), 64<<10))
				if err != nil {
					return int64(n), err
				}
				return int64(n), errors.New("disk read error")
			default:
				return 0, errors.New("database not open")
			}
		}
	})
	admin := s.token(t, auth.DevTokenOptions{Role: trial.RoleAdmin})
	setMode := func(m string) {
		mu.Lock()
		mode = m
		mu.Unlock()
	}

	t.Run("OneAtATime", func(t *testing.T) {
		setMode("block")
		done := make(chan int)
		go func() {
			resp, _, _ := s.do(t, http.MethodGet, rpc.BackupPath, admin, nil, "")
			done <- resp.StatusCode
		}()
		<-started
		resp, raw, _ := s.do(t, http.MethodGet, rpc.BackupPath, admin, nil, "")
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("second backup: got HTTP %d, want 429: %s", resp.StatusCode, raw)
		}
		close(release)
		if code := <-done; code != http.StatusOK {
			t.Errorf("first backup: got HTTP %d, want 200", code)
		}
	})
	t.Run("FailsAtOnce", func(t *testing.T) {
		setMode("fail")
		resp, raw, _ := s.do(t, http.MethodGet, rpc.BackupPath, admin, nil, "")
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("got HTTP %d, want 503: %s", resp.StatusCode, raw)
		}
	})
	t.Run("FailsLater", func(t *testing.T) {
		setMode("late")
		resp, _, err := s.do(t, http.MethodGet, rpc.BackupPath, admin, nil, "")
		if resp.StatusCode == http.StatusOK && err == nil {
			t.Errorf("got HTTP 200 and a complete body, want a broken transfer")
		}
	})
}
