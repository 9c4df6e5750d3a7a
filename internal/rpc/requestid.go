package rpc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/textproto"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/metadata"
)

// RequestIDHeader is the header (HTTP) and metadata key (gRPC, lower case) that carries
// a request's correlation id. A caller may send one; otherwise the server makes one up.
// Either way the answer carries it, and every log line about the request names it.
//
// It is not AIP-155's requestId field, which makes retries safe: this one only ties log
// lines, a client's report and a proxy's access log together.
const RequestIDHeader = "X-Request-Id"

// requestIDKey is RequestIDHeader as a gRPC metadata key.
const requestIDKey = "x-request-id"

// maxRequestIDLen bounds a caller's id; a longer one is replaced, not truncated.
const maxRequestIDLen = 128

// newRequestID returns 128 random bits in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// validRequestID accepts the ids proxies and clients commonly send (UUIDs, hex, base64url,
// dotted trace ids) and nothing that could break a log line or a header.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '/', c == '+', c == '=':
		default:
			return false
		}
	}
	return true
}

// incomingRequestID returns the caller's valid request id from the gRPC metadata, or a
// new one.
func incomingRequestID(ctx context.Context) string {
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(requestIDKey); len(v) > 0 && validRequestID(v[0]) {
			return v[0]
		}
	}
	return newRequestID()
}

type requestIDCtxKey struct{}

// withRequestIDContext returns ctx carrying the request's id, for the log lines about
// it that are written far from the interceptor (the error table's).
func withRequestIDContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDCtxKey{}, id)
}

// requestIDFrom returns the request id ctx carries, "" when none.
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDCtxKey{}).(string)
	return id
}

// withRequestID gives every HTTP request a request id (the caller's X-Request-Id when
// valid) and returns it in the answer's X-Request-Id header. The gateway forwards the
// header as metadata (gatewayIncomingHeader), so the gRPC side logs the same id.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
			r.Header.Set(RequestIDHeader, id)
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(withRequestIDContext(r.Context(), id)))
	})
}

// gatewayIncomingHeader is the gateway's incoming header matcher: X-Request-Id becomes
// the x-request-id metadata key, every other header is treated as by default.
func gatewayIncomingHeader(key string) (string, bool) {
	if textproto.CanonicalMIMEHeaderKey(key) == RequestIDHeader {
		return requestIDKey, true
	}
	return runtime.DefaultHeaderMatcher(key)
}

// gatewayOutgoingHeader is the gateway's outgoing header matcher: the x-request-id that
// the gRPC side returns is left out, because withRequestID has already set the header;
// other response metadata goes out as by default, prefixed Grpc-Metadata-.
func gatewayOutgoingHeader(key string) (string, bool) {
	if key == requestIDKey {
		return "", false
	}
	return runtime.MetadataHeaderPrefix + key, true
}
