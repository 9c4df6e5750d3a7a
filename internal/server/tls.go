package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"
)

// serverTLS returns the TLS configuration of both listeners, nil without -tls-cert.
// The certificate is read again when its files change (a renewed certificate needs no
// restart); with -tls-client-ca every client must present a certificate signed by one
// of the CA file's certificates.
func (c *Config) serverTLS(logger *slog.Logger) (*tls.Config, error) {
	if c.TLSCert == "" {
		return nil, nil
	}
	kp := &keyPair{certFile: c.TLSCert, keyFile: c.TLSKey, log: logger}
	if err := kp.load(); err != nil {
		return nil, err
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: kp.get}
	if c.TLSClientCA != "" {
		pem, err := os.ReadFile(c.TLSClientCA)
		if err != nil {
			return nil, fmt.Errorf("-tls-client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-tls-client-ca %s: no PEM certificate in the file", c.TLSClientCA)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// grpcTLSListener wraps the gRPC listener in TLS. The gRPC server is not given
// credentials.NewTLS: the same grpc.Server also serves the gateway's in-memory
// connection, which server-wide credentials would put through TLS (and client
// certificates) too. gRPC clients require ALPN "h2", so it is the one protocol offered.
func grpcTLSListener(lis net.Listener, cfg *tls.Config) net.Listener {
	if cfg == nil {
		return lis
	}
	c := cfg.Clone()
	c.NextProtos = []string{"h2"}
	return tls.NewListener(lis, c)
}

// keyPair is a certificate and key read from files, read again when either file's
// modification time changes. A failed reload keeps the certificate in use.
type keyPair struct {
	certFile, keyFile string
	log               *slog.Logger

	mu       sync.Mutex
	cert     *tls.Certificate
	modified [2]time.Time
}

func (k *keyPair) stamps() ([2]time.Time, error) {
	var out [2]time.Time
	for i, f := range []string{k.certFile, k.keyFile} {
		info, err := os.Stat(f)
		if err != nil {
			return out, err
		}
		out[i] = info.ModTime()
	}
	return out, nil
}

// load reads the files; the caller holds mu or is alone.
func (k *keyPair) load() error {
	stamps, err := k.stamps()
	if err != nil {
		return fmt.Errorf("TLS certificate: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(k.certFile, k.keyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate %s and key %s: %w", k.certFile, k.keyFile, err)
	}
	k.cert, k.modified = &cert, stamps
	return nil
}

// get is tls.Config.GetCertificate.
func (k *keyPair) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if stamps, err := k.stamps(); err == nil && stamps != k.modified {
		if err := k.load(); err != nil {
			// Cert and key may be replaced one after the other: keep serving the old
			// pair until both are there and match, and try again on the next change.
			k.modified = stamps
			k.log.Warn("TLS certificate changed but cannot be loaded; serving the previous one", "err", err)
		} else {
			k.log.Info("TLS certificate reloaded", "cert", k.certFile)
		}
	}
	return k.cert, nil
}
