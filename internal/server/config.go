package server

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// DefaultShutdownTimeout is how long Close lets requests in flight finish by default.
const DefaultShutdownTimeout = 15 * time.Second

// Production reports whether the server runs in production mode: with real token
// issuers (-issuers). It then trusts no development token and refuses to listen
// without TLS unless told that a TLS-terminating proxy is in front (-insecure-listen).
func (c *Config) Production() bool { return c.IssuersFile != "" }

// Validate checks the combinations of settings that no single flag can.
func (c *Config) Validate() error {
	switch {
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("-tls-cert and -tls-key go together: give both or neither")
	case c.TLSClientCA != "" && c.TLSCert == "":
		return errors.New("-tls-client-ca verifies client certificates on a TLS listener: it needs -tls-cert and -tls-key")
	case c.InsecureListen && c.TLSCert != "":
		return errors.New("-insecure-listen and -tls-cert exclude each other: -insecure-listen is for plaintext listeners behind a TLS-terminating proxy")
	case c.Production() && c.TLSCert == "" && !c.InsecureListen:
		return errors.New("production mode (-issuers) refuses to listen without TLS: give -tls-cert and -tls-key, " +
			"or -insecure-listen when a TLS-terminating proxy is in front of the server")
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("-shutdown-timeout %s: want a positive duration", c.ShutdownTimeout)
	}
	return nil
}

// mode names the mode for the log.
func (s *Server) mode() string {
	if s.Config.Production() {
		return "production"
	}
	return "development"
}

// warnIfExposed warns about a development server listening in plaintext beyond this
// machine: anyone who can read its data directory can mint tokens it trusts, and
// tokens cross the network in the clear.
func (s *Server) warnIfExposed() {
	if s.Config.Production() || s.Config.TLSCert != "" {
		return
	}
	for _, l := range []net.Listener{s.grpcLis, s.httpLis} {
		if a, ok := l.Addr().(*net.TCPAddr); ok && !a.IP.IsLoopback() {
			s.Logger.Warn("DEVELOPMENT MODE on a non-loopback address without TLS: reachable from the network, trusting development tokens",
				"addr", a.String())
			return
		}
	}
}
