package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/forsok/forsok/api"
	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

// Gateway is the REST side: grpc-gateway translating JSON/HTTP to the gRPC service.
// It reaches the service through an in-memory gRPC connection rather than by calling
// the handlers in process, so authentication, validation, logging and the error table
// are the very same code for REST and gRPC.
type Gateway struct {
	handler  http.Handler
	conn     *grpc.ClientConn
	listener *bufconn.Listener
}

// NewGateway serves s's gRPC server on an in-memory listener and returns the HTTP
// handler for /v1, /openapi.json, /healthz, /readyz, /metrics and the admin backup.
func NewGateway(ctx context.Context, s *Server) (*Gateway, error) {
	lis := bufconn.Listen(1 << 20)
	go func() { _ = s.grpc.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///in-memory",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// A request over the limit is refused here, before the shared connection
		// carries it; an answer may be larger than a request (a page of cases) and is
		// bounded by MaxAnswerBytes, which the server's own limit matches.
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(s.maxBytes), grpc.MaxCallRecvMsgSize(MaxAnswerBytes)),
		grpc.WithInitialWindowSize(streamWindow), grpc.WithInitialConnWindowSize(streamWindow),
	)
	if err != nil {
		return nil, fmt.Errorf("connect gateway to the gRPC server: %w", err)
	}
	marshaler := strictJSON{&runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{UseProtoNames: false},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}}
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, marshaler),
		runtime.WithIncomingHeaderMatcher(gatewayIncomingHeader),
		runtime.WithRoutingErrorHandler(routingError),
		runtime.WithOutgoingHeaderMatcher(gatewayOutgoingHeader),
	)
	if err := forsokv1.RegisterApplicationServiceHandler(ctx, mux, conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("register gateway: %w", err)
	}
	if err := forsokv1.RegisterSubscriptionServiceHandler(ctx, mux, conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("register gateway: %w", err)
	}
	root := http.NewServeMux()
	root.Handle("/v1/", mux)
	root.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(api.OpenAPI)
	})
	root.HandleFunc("GET /healthz", serveHealthz)
	root.HandleFunc("GET /readyz", s.serveReadyz)
	root.Handle("GET /metrics", s.metricsHandler())
	root.HandleFunc("GET "+BackupPath, s.serveBackup(mux))
	root.HandleFunc("GET "+ArchivePath, s.serveArchive(mux))
	// Document uploads and downloads stream past the message size limit (documents_http.go).
	docs := &documentRoutes{mux: mux, client: forsokv1.NewApplicationServiceClient(conn),
		maxBytes: s.svc.Documents.MaxDocumentBytes(), next: limitBody(root, int64(s.maxBytes)), toStatus: s.toStatus}
	return &Gateway{handler: withRequestID(s.guardHTTP(docs, mux, marshaler)), conn: conn, listener: lis}, nil
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.handler.ServeHTTP(w, r) }

// Close closes the in-memory connection.
func (g *Gateway) Close() error {
	err := g.conn.Close()
	g.listener.Close()
	return err
}

// limitBody refuses a body over max bytes with 413 before it reaches the gateway.
func limitBody(next http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			http.Error(w, fmt.Sprintf("request body over the limit of %d bytes", max), http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		if r.ContentLength < 0 {
			// A body of unknown length (chunked) is read here, so that one over the
			// limit gets 413 too rather than the gateway's INVALID_ARGUMENT.
			body, err := io.ReadAll(r.Body)
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				http.Error(w, fmt.Sprintf("request body over the limit of %d bytes", max), http.StatusRequestEntityTooLarge)
				return
			case err != nil:
				http.Error(w, "read request body: "+err.Error(), http.StatusBadRequest)
				return
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		}
		next.ServeHTTP(w, r)
	})
}
