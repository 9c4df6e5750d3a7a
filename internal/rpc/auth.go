package rpc

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/forsok/forsok/internal/trial"
)

// Authenticator turns an Authorization header value into the caller. An empty header
// is the anonymous caller; a bad one is a CodeUnauthenticated error.
type Authenticator interface {
	Authenticate(ctx context.Context, authorization string) (trial.Actor, error)
}

type actorKey struct{}

// actorFrom returns the authenticated caller stored by the interceptor.
func actorFrom(ctx context.Context) trial.Actor {
	a, _ := ctx.Value(actorKey{}).(trial.Actor)
	return a
}

// unaryInterceptor authenticates every call, logs it and turns domain errors into
// statuses (intercept). It runs for REST calls too: the gateway reaches the service
// through a gRPC connection, never by calling the handlers in process, so no request
// bypasses it.
func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	setHeader := func(md metadata.MD) error { return grpc.SetHeader(ctx, md) }
	undecoded := decodeError(req) // taken now, so that it is never left behind
	err = s.intercept(ctx, info.FullMethod, setHeader, func(ctx context.Context) error {
		if undecoded != nil {
			return undecoded
		}
		var err error
		resp, err = handler(ctx, req)
		return err
	})
	return resp, err
}

// streamInterceptor is unaryInterceptor for streaming calls: the caller is
// authenticated before the handler runs, and the call logged when it ends.
func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return s.intercept(ss.Context(), info.FullMethod, ss.SetHeader, func(ctx context.Context) error {
		return s.handleStream(ctx, func(ctx context.Context) error {
			return handler(srv, &actorStream{ServerStream: decodingStream{ss}, ctx: ctx})
		})
	})
}

// intercept is what every call goes through, unary or streaming: it returns the request
// id in the header, authenticates the caller, runs handle with the caller and the
// request id in its context, turns a panic into INTERNAL, every error into a status
// through the one table, and logs the call.
func (s *Server) intercept(ctx context.Context, method string, setHeader func(metadata.MD) error, handle func(context.Context) error) (err error) {
	start := time.Now()
	var actor trial.Actor
	requestID := incomingRequestID(ctx)
	_ = setHeader(metadata.Pairs(requestIDKey, requestID))
	ctx = withRequestIDContext(ctx, requestID)
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(ctx, "panic in handler", "request_id", requestID, "method", method, "panic", r)
			err = s.toStatus(ctx, trial.Errorf(trial.CodeInternal, "panic: %v", r))
		}
		// Who asked, by role and organisation, is what the audit needs; the person, the
		// token and the request's fields stay out of the log.
		s.log.LogAttrs(ctx, slog.LevelInfo, "rpc",
			slog.String("request_id", requestID),
			slog.String("method", method), slog.String("code", status.Code(err).String()),
			slog.Duration("duration", time.Since(start)),
			slog.String("role", string(actor.Role)), slog.String("org", actor.OrganisationNumber))
	}()
	var validFor time.Duration
	actor, validFor, err = s.authenticate(ctx, method)
	if err != nil {
		return s.toStatus(ctx, err)
	}
	ctx = context.WithValue(ctx, validForKey{}, validFor)
	return s.toStatus(ctx, handle(context.WithValue(ctx, actorKey{}, actor)))
}
