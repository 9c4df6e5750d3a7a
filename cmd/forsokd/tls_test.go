package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/server"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial"
)

// testPKI is a certificate authority made for one test, with a server certificate for
// 127.0.0.1 and localhost and a client certificate, all as PEM files in t.TempDir().
type testPKI struct {
	dir                       string
	caFile, certFile, keyFile string
	clientCertFile, clientKey string
	pool                      *x509.CertPool
	client                    tls.Certificate
	ca                        *x509.Certificate
	caKey                     *ecdsa.PrivateKey
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	p := &testPKI{dir: t.TempDir()}
	p.ca, p.caKey = p.issue(t, "ca", &x509.Certificate{
		Subject: pkix.Name{CommonName: "forsok test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}, nil, nil)
	p.caFile = filepath.Join(p.dir, "ca.pem")
	p.pool = x509.NewCertPool()
	p.pool.AddCert(p.ca)
	p.issue(t, "server", &x509.Certificate{
		Subject:     pkix.Name{CommonName: "forsokd"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, p.ca, p.caKey)
	p.certFile, p.keyFile = filepath.Join(p.dir, "server.pem"), filepath.Join(p.dir, "server-key.pem")
	p.issue(t, "client", &x509.Certificate{
		Subject:  pkix.Name{CommonName: "backup-job"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, p.ca, p.caKey)
	p.clientCertFile, p.clientKey = filepath.Join(p.dir, "client.pem"), filepath.Join(p.dir, "client-key.pem")
	var err error
	if p.client, err = tls.LoadX509KeyPair(p.clientCertFile, p.clientKey); err != nil {
		t.Fatal(err)
	}
	return p
}

// issue makes a certificate from tmpl, signed by parent (self-signed when nil), and
// writes it and its key as <name>.pem and <name>-key.pem.
func (p *testPKI) issue(t *testing.T, name string, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(file, typ string, b []byte) {
		if err := os.WriteFile(filepath.Join(p.dir, file), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(name+".pem", "CERTIFICATE", der)
	write(name+"-key.pem", "EC PRIVATE KEY", keyDER)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// startMain runs the server on a new data directory and loopback ports after
// configure has set it up; the server is closed when the test ends. It returns the
// server and its log.
func startMain(t *testing.T, configure func(m *server.Server)) (*server.Server, *servertest.LogBuffer) {
	t.Helper()
	st := servertest.Start(t, servertest.Options{Configure: configure})
	return st.Server, st.Logs
}

// devToken mints a development token that the servers of the tests trust.
func devToken(t *testing.T, opts auth.DevTokenOptions) string {
	t.Helper()
	return servertest.Mint(t, opts, time.Now())
}

// httpsClient trusts the test CA and presents the client certificates given.
func (p *testPKI) httpsClient(certs ...tls.Certificate) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: p.pool, Certificates: certs}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// grpcTLS connects to addr over TLS trusting the test CA, presenting the certificates given.
func (p *testPKI) grpcTLS(t *testing.T, addr string, certs ...tls.Certificate) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: p.pool, Certificates: certs})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func TestEndToEnd_TLS(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	m, logs := startMain(t, func(m *server.Server) {
		m.Config.TLSCert, m.Config.TLSKey = pki.certFile, pki.keyFile
	})
	base := "https://" + m.HTTPAddr()
	client := pki.httpsClient()
	lead := devToken(t, auth.DevTokenOptions{Role: trial.RoleMunicipality, Organisation: leadOrg})

	t.Run("REST", func(t *testing.T) {
		code, raw := restCall(t, client, base, http.MethodPost, "/v1/applications", lead, validApplication())
		mustEqual(t, "create over HTTPS", code, http.StatusOK)
		name := jstr(decodeObject(raw), "name")
		code, _ = restCall(t, client, base, http.MethodGet, path(name), lead, nil)
		wantEqual(t, "GET over HTTPS", code, http.StatusOK)
		resp, err := client.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		wantEqual(t, "/readyz over HTTPS", resp.StatusCode, http.StatusOK)
		wantEqual(t, "HTTP/2 over TLS", resp.ProtoMajor, 2)
	})
	t.Run("RESTRefusesPlaintext", func(t *testing.T) {
		resp, err := http.Get("http://" + m.HTTPAddr() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Errorf("plain HTTP to the TLS listener: got 200, want a refusal")
			}
		}
	})
	t.Run("RESTRefusesUnknownCA", func(t *testing.T) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			t.Errorf("a client that does not trust the CA: got HTTP %d, want a certificate error", resp.StatusCode)
		}
	})
	t.Run("GRPC", func(t *testing.T) {
		conn := pki.grpcTLS(t, m.GRPCAddr())
		api := forsokv1.NewApplicationServiceClient(conn)
		ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+lead)
		list, err := api.ListApplications(ctx, &forsokv1.ListApplicationsRequest{})
		if err != nil {
			t.Fatalf("ListApplications over TLS: %v", err)
		}
		wantEqual(t, "cases listed over TLS", len(list.GetApplications()), 1)
		h, err := healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatalf("health over TLS: %v", err)
		}
		wantEqual(t, "health", h.GetStatus(), healthpb.HealthCheckResponse_SERVING)
	})
	t.Run("GRPCRefusesPlaintext", func(t *testing.T) {
		conn, err := grpc.NewClient(m.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		_, err = forsokv1.NewApplicationServiceClient(conn).GetWorkflow(ctx, &forsokv1.GetWorkflowRequest{})
		wantGRPCError(t, "plaintext gRPC to the TLS listener", err, codes.Unavailable)
	})
	if !strings.Contains(logs.String(), `"tls":true`) {
		t.Errorf("the serving log line does not say TLS is on")
	}
}

func TestEndToEnd_ClientCertificates(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	// A certificate from another CA, which the server must not accept.
	stranger := newTestPKI(t)
	m, _ := startMain(t, func(m *server.Server) {
		m.Config.TLSCert, m.Config.TLSKey, m.Config.TLSClientCA = pki.certFile, pki.keyFile, pki.caFile
	})
	base := "https://" + m.HTTPAddr()

	for _, tc := range []struct {
		name  string
		certs []tls.Certificate
		ok    bool
	}{
		{"NoCertificate", nil, false},
		{"OtherCA", []tls.Certificate{stranger.client}, false},
		{"OK", []tls.Certificate{pki.client}, true},
	} {
		t.Run(tc.name+"/REST", func(t *testing.T) {
			resp, err := pki.httpsClient(tc.certs...).Get(base + "/healthz")
			if err == nil {
				resp.Body.Close()
			}
			switch {
			case tc.ok && err != nil:
				t.Fatalf("GET /healthz with a client certificate: %v", err)
			case tc.ok:
				wantEqual(t, "status", resp.StatusCode, http.StatusOK)
			case err == nil:
				// With TLS 1.3 the client learns of the refusal on its first read, as
				// an error whose text depends on the protocol; any error will do.
				t.Errorf("GET /healthz: got HTTP %d, want the handshake refused", resp.StatusCode)
			}
		})
		t.Run(tc.name+"/GRPC", func(t *testing.T) {
			conn := pki.grpcTLS(t, m.GRPCAddr(), tc.certs...)
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			_, err := forsokv1.NewApplicationServiceClient(conn).GetWorkflow(ctx, &forsokv1.GetWorkflowRequest{})
			if tc.ok {
				if err != nil {
					t.Fatalf("GetWorkflow with a client certificate: %v", err)
				}
				return
			}
			wantGRPCError(t, "GetWorkflow without an accepted client certificate", err, codes.Unavailable)
		})
	}

	t.Run("BackupClient", func(t *testing.T) {
		admin := devToken(t, auth.DevTokenOptions{Role: trial.RoleAdmin})
		out := filepath.Join(t.TempDir(), "backup.db")
		args := []string{"-addr", base, "-token", admin, "-out", out, "-ca", pki.caFile}
		err := runBackup(t.Context(), args, noEnv, nil, &servertest.LogBuffer{})
		if err == nil {
			t.Fatal("backup without a client certificate: got nil, want an error")
		}
		args = append(args, "-cert", pki.clientCertFile, "-key", pki.clientKey)
		if err := runBackup(t.Context(), args, noEnv, nil, &servertest.LogBuffer{}); err != nil {
			t.Fatalf("backup with a client certificate: %v", err)
		}
	})
}

func noEnv(string) string { return "" }

// writeIssuers writes an issuers file trusting one person issuer with a fresh key.
func writeIssuers(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "jwks.json"), jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `{"issuers": [{"issuer": "https://login.kdd.example/", "audience": "forsok", "jwksFile": "jwks.json", "kind": "person"}]}`
	path := filepath.Join(dir, "issuers.json")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestProductionMode(t *testing.T) {
	t.Parallel()
	issuers := writeIssuers(t)
	pki := newTestPKI(t)

	t.Run("ErrPlaintext", func(t *testing.T) {
		m := NewMain()
		err := m.ParseFlags([]string{"-issuers", issuers}, noEnv)
		if err == nil || !strings.Contains(err.Error(), "-insecure-listen") {
			t.Fatalf("ParseFlags: got %v, want production mode to refuse plaintext", err)
		}
		// Run checks too, for a Main configured without ParseFlags.
		m = NewMain()
		m.Config.IssuersFile = issuers
		m.Config.DataDir = t.TempDir()
		if err := m.Run(t.Context()); err == nil {
			_ = m.Close()
			t.Fatal("Run: got nil, want production mode to refuse plaintext")
		}
	})

	t.Run("InsecureListenBehindProxy", func(t *testing.T) {
		m, logs := startMain(t, func(m *server.Server) {
			m.Config.IssuersFile, m.Config.InsecureListen = issuers, true
		})
		// The development key is created, say by dev-token, but never trusted.
		dev := devToken(t, auth.DevTokenOptions{Role: trial.RoleKDDHandler})
		code, body := restCall(t, &http.Client{Timeout: 10 * time.Second}, "http://"+m.HTTPAddr(), http.MethodGet, "/v1/applications", dev, nil)
		wantEqual(t, "a development token in production mode: HTTP status", code, http.StatusUnauthorized)
		if strings.Contains(logs.String(), "DEVELOPMENT MODE") {
			t.Errorf("production server logs development mode; body %s", body)
		}
		if !strings.Contains(logs.String(), `"mode":"production"`) {
			t.Errorf("the serving log line does not say production mode")
		}
	})

	t.Run("TLS", func(t *testing.T) {
		m, _ := startMain(t, func(m *server.Server) {
			m.Config.IssuersFile = issuers
			m.Config.TLSCert, m.Config.TLSKey = pki.certFile, pki.keyFile
		})
		conn := pki.grpcTLS(t, m.GRPCAddr())
		_, err := forsokv1.NewApplicationServiceClient(conn).ListApplications(
			metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+devToken(t, auth.DevTokenOptions{Role: trial.RoleKDDHandler})),
			&forsokv1.ListApplicationsRequest{})
		if st, _ := status.FromError(err); st.Code() != codes.Unauthenticated {
			t.Errorf("a development token in production mode: got %v, want UNAUTHENTICATED", err)
		}
	})
}

func TestTLS_CertificateReload(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	m, _ := startMain(t, func(m *server.Server) {
		m.Config.TLSCert, m.Config.TLSKey = pki.certFile, pki.keyFile
	})
	serial := func() *big.Int {
		t.Helper()
		conn, err := tls.Dial("tcp", m.HTTPAddr(), &tls.Config{RootCAs: pki.pool, ServerName: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber
	}
	before := serial()
	// A renewed certificate, as cert-manager or certbot would write it.
	pki.issue(t, "server", &x509.Certificate{
		Subject: pkix.Name{CommonName: "forsokd"}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, pki.ca, pki.caKey)
	future := time.Now().Add(time.Minute)
	for _, f := range []string{pki.certFile, pki.keyFile} {
		if err := os.Chtimes(f, future, future); err != nil {
			t.Fatal(err)
		}
	}
	if after := serial(); after.Cmp(before) == 0 {
		t.Errorf("certificate serial after renewal: got %v again, want the new certificate", after)
	}
}

func TestConfig_Flags(t *testing.T) {
	env := func(kv map[string]string) func(string) string {
		return func(k string) string { return kv[k] }
	}
	t.Run("Defaults", func(t *testing.T) {
		m := NewMain()
		if err := m.ParseFlags(nil, noEnv); err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "HTTPAddr", m.Config.HTTPAddr, "localhost:8080")
		wantEqual(t, "GRPCAddr", m.Config.GRPCAddr, "localhost:9090")
		wantEqual(t, "ShutdownTimeout", m.Config.ShutdownTimeout, 15*time.Second)
		wantEqual(t, "InsecureListen", m.Config.InsecureListen, false)
		wantEqual(t, "Production", m.Config.Production(), false)
	})
	t.Run("Environment", func(t *testing.T) {
		m := NewMain()
		err := m.ParseFlags(nil, env(map[string]string{
			"FORSOK_TLS_CERT": "c.pem", "FORSOK_TLS_KEY": "k.pem", "FORSOK_TLS_CLIENT_CA": "ca.pem",
			"FORSOK_SHUTDOWN_TIMEOUT": "40s", "FORSOK_ISSUERS": "issuers.json",
		}))
		if err != nil {
			t.Fatal(err)
		}
		c := m.Config
		if c.TLSCert != "c.pem" || c.TLSKey != "k.pem" || c.TLSClientCA != "ca.pem" || c.ShutdownTimeout != 40*time.Second || !c.Production() {
			t.Errorf("config from the environment: got %+v", c)
		}
	})
	t.Run("FlagsOverEnvironment", func(t *testing.T) {
		m := NewMain()
		err := m.ParseFlags([]string{"-shutdown-timeout", "3s", "-insecure-listen=false"},
			env(map[string]string{"FORSOK_SHUTDOWN_TIMEOUT": "40s", "FORSOK_INSECURE_LISTEN": "true"}))
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "ShutdownTimeout", m.Config.ShutdownTimeout, 3*time.Second)
		wantEqual(t, "InsecureListen", m.Config.InsecureListen, false)
	})
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"ErrCertWithoutKey", []string{"-tls-cert", "c.pem"}, nil, "-tls-cert and -tls-key go together"},
		{"ErrClientCAWithoutTLS", []string{"-tls-client-ca", "ca.pem"}, nil, "needs -tls-cert"},
		{"ErrInsecureWithTLS", []string{"-tls-cert", "c.pem", "-tls-key", "k.pem", "-insecure-listen"}, nil, "exclude each other"},
		{"ErrProductionPlaintext", nil, map[string]string{"FORSOK_ISSUERS": "issuers.json"}, "refuses to listen without TLS"},
		{"ErrShutdownTimeout", []string{"-shutdown-timeout", "0s"}, nil, "positive"},
		{"ErrEnvBool", nil, map[string]string{"FORSOK_INSECURE_LISTEN": "ja"}, "FORSOK_INSECURE_LISTEN"},
		{"ErrEnvDuration", nil, map[string]string{"FORSOK_SHUTDOWN_TIMEOUT": "15"}, "FORSOK_SHUTDOWN_TIMEOUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMain()
			err := m.ParseFlags(tc.args, env(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseFlags(%q): got %v, want an error containing %q", tc.args, err, tc.want)
			}
		})
	}
	t.Run("ErrBadCertificateFiles", func(t *testing.T) {
		m := NewMain()
		m.Config.DataDir = t.TempDir()
		m.Config.TLSCert, m.Config.TLSKey = filepath.Join(t.TempDir(), "missing.pem"), filepath.Join(t.TempDir(), "missing-key.pem")
		err := m.Run(t.Context())
		if err == nil {
			_ = m.Close()
		}
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Run with missing certificate files: got %v, want %v", err, os.ErrNotExist)
		}
	})
}
