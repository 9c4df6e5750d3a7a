package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// DefaultShutdownTimeout is how long Close lets requests in flight finish by default.
const DefaultShutdownTimeout = 15 * time.Second

// Production reports whether the server runs in production mode: with real token
// issuers (-issuers). It then trusts no development token and refuses to listen
// without TLS unless told that a TLS-terminating proxy is in front (-insecure-listen).
func (c *Config) Production() bool { return c.IssuersFile != "" }

// validate checks the combinations of settings that no single flag can.
func (c *Config) validate() error {
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

// envBool reads the environment variable FORSOK_<name> as a boolean; def when unset.
func envBool(getenv func(string) string, name string, def bool) (bool, error) {
	v := getenv("FORSOK_" + name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("FORSOK_%s=%q: want true or false", name, v)
	}
	return b, nil
}

// envInt reads the environment variable FORSOK_<name> as an integer; def when unset.
func envInt(getenv func(string) string, name string, def int) (int, error) {
	v := getenv("FORSOK_" + name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def, fmt.Errorf("FORSOK_%s=%q: want a whole number", name, v)
	}
	return n, nil
}

// envDuration reads the environment variable FORSOK_<name> as a duration ("15s");
// def when unset.
func envDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv("FORSOK_" + name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return def, fmt.Errorf("FORSOK_%s=%q: want a duration such as 15s", name, v)
	}
	return d, nil
}

// mode names the mode for the log.
func (m *Main) mode() string {
	if m.Config.Production() {
		return "production"
	}
	return "development"
}

// warnIfExposed warns about a development server listening in plaintext beyond this
// machine: anyone who can read its data directory can mint tokens it trusts, and
// tokens cross the network in the clear.
func (m *Main) warnIfExposed() {
	if m.Config.Production() || m.Config.TLSCert != "" {
		return
	}
	for _, l := range []net.Listener{m.grpcLis, m.httpLis} {
		if a, ok := l.Addr().(*net.TCPAddr); ok && !a.IP.IsLoopback() {
			m.Logger.Warn("DEVELOPMENT MODE on a non-loopback address without TLS: reachable from the network, trusting development tokens",
				"addr", a.String())
			return
		}
	}
}
