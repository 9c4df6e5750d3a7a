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
// statuses. It runs for REST calls too: the gateway reaches the service through a gRPC
// connection, never by calling the handlers in process, so no request bypasses it.
func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	start := time.Now()
	var actor trial.Actor
	requestID := incomingRequestID(ctx)
	_ = grpc.SetHeader(ctx, metadata.Pairs(requestIDKey, requestID))
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(ctx, "panic in handler", "request_id", requestID, "method", info.FullMethod, "panic", r)
			err = toStatus(ctx, trial.Errorf(trial.CodeInternal, "panic: %v", r))
		}
		code := status.Code(err)
		// Who asked, by role and organisation, is what the audit needs; the person, the
		// token and the request's fields stay out of the log.
		s.log.LogAttrs(ctx, slog.LevelInfo, "rpc",
			slog.String("request_id", requestID),
			slog.String("method", info.FullMethod), slog.String("code", code.String()),
			slog.Duration("duration", time.Since(start)),
			slog.String("role", string(actor.Role)), slog.String("org", actor.OrganisationNumber))
	}()
	undecoded := decodeError(req) // taken first, so that it is never left behind
	actor, _, err = s.authenticate(ctx, info.FullMethod)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	if undecoded != nil {
		return nil, toStatus(ctx, undecoded)
	}
	resp, err = handler(context.WithValue(ctx, actorKey{}, actor), req)
	return resp, toStatus(ctx, err)
}
