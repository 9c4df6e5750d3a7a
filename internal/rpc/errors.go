package rpc

import (
	"context"
	"errors"
	"log/slog"
	"strconv"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/forsok/forsok/internal/trial"
)

// errorDomain is the ErrorInfo domain of every error this service gives.
const errorDomain = "forsok.kdd.no"

// internalMessage is what a client is told of a fault of the service; the fault itself
// goes to the log.
const internalMessage = "internal error; the request was not carried out, try again later"

// codeTable is the one place a domain error becomes a gRPC status code. The gateway
// derives the HTTP status from the gRPC code (grpc-gateway's runtime.HTTPStatusFromCode),
// so nothing maps HTTP statuses by hand. A code without a row fails closed (statusCode):
// it becomes INTERNAL, never OK.
var codeTable = map[trial.Code]codes.Code{
	trial.CodeInternal:           codes.Internal,
	trial.CodeInvalidArgument:    codes.InvalidArgument,
	trial.CodeFailedPrecondition: codes.FailedPrecondition,
	trial.CodeNotFound:           codes.NotFound,
	trial.CodePermissionDenied:   codes.PermissionDenied,
	trial.CodeAborted:            codes.Aborted,
	trial.CodeUnauthenticated:    codes.Unauthenticated,
	trial.CodeResourceExhausted:  codes.ResourceExhausted,
	trial.CodeUnavailable:        codes.Unavailable,
	trial.CodeUnimplemented:      codes.Unimplemented,
}

// statusCode returns the gRPC code of a domain code, and false when the table has no
// row for it (or its row says OK, which no refusal may become).
func statusCode(c trial.Code) (codes.Code, bool) {
	code, ok := codeTable[c]
	if !ok || code == codes.OK {
		return codes.Internal, false
	}
	return code, true
}

// toStatus turns an error from the domain into a gRPC status error with the details
// api.md promises: BadRequest field violations for INVALID_ARGUMENT, PreconditionFailure
// naming each rule plus ErrorInfo for FAILED_PRECONDITION. Context errors pass through
// as their own codes; anything else is an internal error whose text is logged, through
// the server's logger with the request id, not sent.
func (s *Server) toStatus(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	// A status made by gRPC itself (a failed Send on a stream) passes unchanged; this
	// package makes none of its own outside this function.
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "request cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "request deadline exceeded")
	}
	var e *trial.Error
	if !errors.As(err, &e) || e.Code == trial.CodeInternal {
		s.logError(ctx, "internal error", err)
		return status.Error(codes.Internal, internalMessage)
	}
	code, ok := statusCode(e.Code)
	if !ok {
		s.logError(ctx, "error code without a row in the error table", err, slog.String("domain_code", e.Code.String()))
		return status.Error(codes.Internal, internalMessage)
	}
	e, total := bounded(e)
	st := status.New(code, statusMessage(e, total))
	var details []*errdetails.BadRequest_FieldViolation
	var preconds []*errdetails.PreconditionFailure_Violation
	for _, v := range e.Violations {
		switch e.Code {
		case trial.CodeFailedPrecondition:
			preconds = append(preconds, &errdetails.PreconditionFailure_Violation{Type: v.Rule, Subject: v.Field, Description: v.Description})
		default:
			desc := v.Description
			if v.Rule != "" {
				desc = v.Rule + ": " + desc
			}
			details = append(details, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: desc, Reason: v.Reason})
		}
	}
	var err2 error
	switch {
	case len(preconds) > 0:
		info := &errdetails.ErrorInfo{Reason: e.Violations[0].Reason, Domain: errorDomain, Metadata: map[string]string{"rule": e.Violations[0].Rule}}
		if total > len(e.Violations) {
			info.Metadata["violations"] = strconv.Itoa(total)
		}
		st, err2 = st.WithDetails(&errdetails.PreconditionFailure{Violations: preconds}, info)
	case len(details) > 0 && total > len(e.Violations):
		info := &errdetails.ErrorInfo{Reason: "TOO_MANY_VIOLATIONS", Domain: errorDomain, Metadata: map[string]string{"violations": strconv.Itoa(total), "shown": strconv.Itoa(len(e.Violations))}}
		st, err2 = st.WithDetails(&errdetails.BadRequest{FieldViolations: details}, info)
	case len(details) > 0:
		st, err2 = st.WithDetails(&errdetails.BadRequest{FieldViolations: details})
	}
	if err2 != nil {
		s.logError(ctx, "attach error details", err2)
	}
	return st.Err()
}

// logError logs a fault with the request's id.
func (s *Server) logError(ctx context.Context, msg string, err error, attrs ...slog.Attr) {
	attrs = append([]slog.Attr{slog.String("request_id", requestIDFrom(ctx)), errAttr(err)}, attrs...)
	s.log.LogAttrs(ctx, slog.LevelError, msg, attrs...)
}
