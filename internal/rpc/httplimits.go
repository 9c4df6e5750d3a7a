package rpc

import (
	"net/http"
	"time"
)

// HTTPLimits are the HTTP server's limits on slow and oversized clients: a client
// cannot hold a connection, a goroutine and a buffer by sending its request slowly or
// not at all. The body's size is limited by the gateway (MaxMessageBytes, 413).
type HTTPLimits struct {
	// ReadHeaderTimeout bounds the time to read a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the time to read a whole request, body included: a connection
	// that sends half a body is closed when it passes.
	ReadTimeout time.Duration
	// IdleTimeout bounds how long a kept-alive connection waits for its next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
}

// DefaultHTTPLimits are generous for a 1 MiB body on a slow line (a minute) and tight
// for a client that sends nothing.
func DefaultHTTPLimits() HTTPLimits {
	return HTTPLimits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
}

// Apply sets the limits on srv. There is no write timeout: WatchEvents over REST
// (events:watch) is an answer that lasts as long as its token.
func (l HTTPLimits) Apply(srv *http.Server) {
	srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout, srv.MaxHeaderBytes = l.ReadHeaderTimeout, l.ReadTimeout, l.IdleTimeout, l.MaxHeaderBytes
}
