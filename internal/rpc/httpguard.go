package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/forsok/forsok/internal/trial"
)

// The REST side's share of "a client's mistake is a 4xx": what the gateway would pass
// on wrongly is refused before it. A malformed Authorization header (the gateway drops
// one that is not valid gRPC metadata, which would make the caller anonymous) is 401;
// a path or query that is not UTF-8 (the gateway would fail to encode it for gRPC, an
// INTERNAL error) is 400; and a JSON body must be one value with nothing after it.

// guardHTTP refuses what the gateway cannot pass on faithfully, in the gateway's own
// error format.
func (s *Server) guardHTTP(next http.Handler, mux *runtime.ServeMux, m runtime.Marshaler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkHTTPRequest(r); err != nil {
			runtime.HTTPError(r.Context(), mux, m, w, r, s.toStatus(r.Context(), err))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkHTTPRequest returns the error of a request the gateway must not see: a domain
// error, which guardHTTP turns into a status through the one table.
func checkHTTPRequest(r *http.Request) error {
	// Grpc-Metadata-Authorization reaches the service as authorization metadata too.
	switch auth := append(r.Header.Values("Authorization"), r.Header.Values("Grpc-Metadata-Authorization")...); {
	case len(auth) > 1:
		return trial.Errorf(trial.CodeUnauthenticated, "more than one Authorization header; send one: Bearer <token>")
	case len(auth) == 1 && !wellFormedAuthorization(auth[0]):
		return trial.Errorf(trial.CodeUnauthenticated, "Authorization header malformed; send Bearer <token>, or no Authorization header for public reads")
	}
	if !utf8.ValidString(r.URL.Path) {
		return trial.Errorf(trial.CodeInvalidArgument, "the request path is not valid UTF-8 once percent-decoded")
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return trial.Errorf(trial.CodeInvalidArgument, "the query string is malformed: %s", shorten(err.Error(), 200))
	}
	for k, vs := range query {
		if !utf8.ValidString(k) {
			return trial.Errorf(trial.CodeInvalidArgument, "a query parameter's name is not valid UTF-8 once percent-decoded")
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return trial.Errorf(trial.CodeInvalidArgument, "query parameter %s is not valid UTF-8 once percent-decoded", shorten(k, 60))
			}
		}
	}
	return nil
}

// strictJSON is the gateway's JSON marshaler with a decoder that reads the whole body
// as exactly one JSON value: trailing bytes after it are an error, not ignored (the
// body is already bounded by limitBody).
type strictJSON struct{ *runtime.JSONPb }

// NewDecoder implements runtime.Marshaler.
func (m strictJSON) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(b)) == 0 {
			return io.EOF // no body: the gateway leaves the message empty
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return err
		}
		if _, err := dec.Token(); err != io.EOF {
			return errors.New("the request body holds more than one JSON value; send exactly one")
		}
		return m.Unmarshal(value, v)
	})
}

// routingError is the gateway's routing error handler: a path the API has no such
// method for is the client's mistake, 405 Method Not Allowed, not grpc-gateway's 501
// (it maps 405 to UNIMPLEMENTED, whose HTTP status is a server's); the rest as by
// default.
func routingError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	if httpStatus != http.StatusMethodNotAllowed {
		runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, httpStatus)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusMethodNotAllowed)
	b, _ := json.Marshal(map[string]any{"code": 12, "message": "this path has no method " + shorten(r.Method, 20)})
	_, _ = w.Write(append(b, '\n'))
}
