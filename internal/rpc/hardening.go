package rpc

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/trial"
)

// What every call goes through before its handler, whatever the method: the caller is
// authenticated from exactly one well-formed Authorization value (a malformed one is
// UNAUTHENTICATED, never the anonymous caller); a method that is not public needs a
// token before anything of the request is looked at; bytes that are not a message of
// the method are INVALID_ARGUMENT, not INTERNAL; and a stream ends when its token does.

// publicMethods are the methods the anonymous caller may call: the public register,
// the workflow, the public statistics, health and reflection. Every other method, including any added later,
// needs a token (fail closed).
var publicMethods = map[string]bool{
	forsokv1.ApplicationService_GetApplication_FullMethodName:   true,
	forsokv1.ApplicationService_ListApplications_FullMethodName: true,
	forsokv1.ApplicationService_GetWorkflow_FullMethodName:      true,
	forsokv1.ApplicationService_GetStatistics_FullMethodName:    true, // public aggregates (issue 13)
	// The public documents of the public register and the public journal (R21).
	forsokv1.ApplicationService_ListDocuments_FullMethodName:      true,
	forsokv1.ApplicationService_GetDocument_FullMethodName:        true,
	forsokv1.ApplicationService_DownloadDocument_FullMethodName:   true,
	forsokv1.ApplicationService_ListJournalEntries_FullMethodName: true,
	// Published calls for applications and their statistics are public (R20).
	forsokv1.ApplicationService_GetCall_FullMethodName:               true,
	forsokv1.ApplicationService_ListCalls_FullMethodName:             true,
	forsokv1.ApplicationService_GetCallStatistics_FullMethodName:     true,
	"/grpc.health.v1.Health/Check":                                   true,
	"/grpc.health.v1.Health/List":                                    true,
	"/grpc.health.v1.Health/Watch":                                   true,
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      true,
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": true,
}

// authorizationOf returns the caller's Authorization value, "" when there is none. More
// than one value, or one that is blank or not printable ASCII, is a malformed header:
// the caller meant to authenticate, so it must not be served as anonymous.
func authorizationOf(ctx context.Context) (string, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	v := md.Get("authorization")
	switch {
	case len(v) == 0:
		return "", nil
	case len(v) > 1:
		return "", trial.Errorf(trial.CodeUnauthenticated, "more than one authorization header; send one: Bearer <token>")
	case !wellFormedAuthorization(v[0]):
		return "", trial.Errorf(trial.CodeUnauthenticated, "authorization header malformed; send Bearer <token>, or no authorization header for public reads")
	}
	return v[0], nil
}

// wellFormedAuthorization reports whether an Authorization value is non-blank visible
// ASCII with spaces, as a bearer credential is (RFC 6750 § 2.1).
func wellFormedAuthorization(v string) bool {
	if strings.TrimSpace(v) == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < ' ' || v[i] > '~' {
			return false
		}
	}
	return true
}

// authenticate returns the caller of a call to method, and how long its credential
// stays valid (zero for no limit): a malformed header and, for a method that is not
// public, a missing token are UNAUTHENTICATED.
func (s *Server) authenticate(ctx context.Context, method string) (trial.Actor, time.Duration, error) {
	authorization, err := authorizationOf(ctx)
	if err != nil {
		return trial.Actor{}, 0, err
	}
	var actor trial.Actor
	var validFor time.Duration
	if ea, ok := s.auth.(expiringAuthenticator); ok {
		actor, validFor, err = ea.AuthenticateFor(ctx, authorization)
	} else {
		actor, err = s.auth.Authenticate(ctx, authorization)
	}
	if err != nil {
		return trial.Actor{}, 0, err
	}
	if actor.Role == trial.RolePublic && !publicMethods[method] {
		return trial.Actor{}, 0, trial.Errorf(trial.CodeUnauthenticated, "this method needs a bearer token")
	}
	return actor, validFor, nil
}

// expiringAuthenticator is an Authenticator that also says how long the credential
// stays valid, so that a stream can end with it (auth.Authenticator is one).
type expiringAuthenticator interface {
	AuthenticateFor(ctx context.Context, authorization string) (trial.Actor, time.Duration, error)
}

// undecodable remembers the messages the server's codec could not decode, until the
// interceptor refuses the call they belong to. grpc-go reports a codec's failure as
// INTERNAL, the server's fault; bytes that are not a message of the method are the
// client's, and the interceptors answer INVALID_ARGUMENT after authenticating it.
var undecodable sync.Map // proto message (pointer) → error

// tolerantCodec is the proto codec with the failure to decode kept aside (undecodable)
// rather than returned.
type tolerantCodec struct{ encoding.CodecV2 }

func (c tolerantCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if err := c.CodecV2.Unmarshal(data, v); err != nil {
		undecodable.Store(v, err)
	}
	return nil
}

// codecOption installs tolerantCodec on the server.
func codecOption() grpc.ServerOption {
	return grpc.ForceServerCodecV2(tolerantCodec{encoding.GetCodecV2("proto")})
}

// decodeError returns the INVALID_ARGUMENT error for a message that could not be
// decoded, nil for one that was.
func decodeError(msg any) error {
	err, ok := undecodable.LoadAndDelete(msg)
	if !ok {
		return nil
	}
	return trial.Invalid([]trial.Violation{{Reason: "MALFORMED_MESSAGE",
		Description: "the request is not a valid protobuf message of this method: " + shorten(err.(error).Error(), 200)}})
}

// decodingStream is a ServerStream whose received messages are refused when they could
// not be decoded.
type decodingStream struct{ grpc.ServerStream }

func (d decodingStream) RecvMsg(m any) error {
	if err := d.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return decodeError(m)
}

// errTokenExpired is the cause of a stream's end at its token's expiry.
var errTokenExpired = errors.New("token expired")

// DefaultMaxStreamsPerCaller is how many streams one caller (organisation, or person)
// may hold open at once unless Config says otherwise.
const DefaultMaxStreamsPerCaller = 8

// streamLimits counts the open streams of each caller. The zero value is ready to use.
type streamLimits struct {
	mu   sync.Mutex
	open map[string]int
}

// streamKey identifies a caller for the limit: the organisation for an organisation's
// token, the person for a person's.
func streamKey(a trial.Actor) string {
	return strings.Join([]string{string(a.Role), a.OrganisationNumber, a.Ministry, a.Subject}, "\x00")
}

// acquire counts one more stream of the caller, or refuses it with RESOURCE_EXHAUSTED
// when it holds max already. The returned function releases it.
func (l *streamLimits) acquire(a trial.Actor, max int) (func(), error) {
	key := streamKey(a)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open == nil {
		l.open = map[string]int{}
	}
	if l.open[key] >= max {
		return nil, trial.Errorf(trial.CodeResourceExhausted, "you have %d streams open, the most allowed; close one before opening another", max)
	}
	l.open[key]++
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.open[key]--; l.open[key] <= 0 {
			delete(l.open, key)
		}
	}, nil
}

// validForKey is the context key of how long the caller's credential stays valid from
// the start of the call (zero for no limit).
type validForKey struct{}

// handleStream runs a stream's handle within the caller's limit of open streams and
// ends it when the caller's credential expires: UNAUTHENTICATED, whatever the handler
// made of its context ending.
func (s *Server) handleStream(ctx context.Context, handle func(context.Context) error) error {
	if actor := actorFrom(ctx); actor.Role != trial.RolePublic {
		release, err := s.streams.acquire(actor, s.maxStreams)
		if err != nil {
			return err
		}
		defer release()
	}
	if validFor, _ := ctx.Value(validForKey{}).(time.Duration); validFor > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, validFor, errTokenExpired)
		defer cancel()
	}
	return streamEnd(ctx, handle(ctx))
}

// streamEnd is the error of a stream whose handler returned err in ctx: a stream that
// ended because its token expired is UNAUTHENTICATED, whatever the handler made of it.
func streamEnd(ctx context.Context, err error) error {
	if err != nil && errors.Is(context.Cause(ctx), errTokenExpired) {
		return trial.Errorf(trial.CodeUnauthenticated, "token expired; open the stream again with a new token (for WatchEvents with after set to the last sequence received)")
	}
	return err
}
