package trial

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies a domain error. The transport's error table maps each code to one
// gRPC status code; nothing else decides a status.
type Code int

// The error codes, named after the gRPC codes they become.
const (
	CodeInternal           Code = iota // a fault of the service, never of the client
	CodeInvalidArgument                // malformed or invalid request fields
	CodeFailedPrecondition             // not allowed in this state, or a legal guard fails
	CodeNotFound                       // missing, or not visible to the caller
	CodePermissionDenied               // visible, but the caller may not take the action
	CodeAborted                        // stale etag
	CodeUnauthenticated                // bad or missing credentials
	CodeResourceExhausted              // rate or size limits
	CodeUnavailable                    // the service cannot serve now (shutting down); retry later
	CodeUnimplemented                  // the server does not offer the operation
)

// codeNames are the codes' names, the gRPC codes they become.
var codeNames = [...]string{
	CodeInternal: "INTERNAL", CodeInvalidArgument: "INVALID_ARGUMENT",
	CodeFailedPrecondition: "FAILED_PRECONDITION", CodeNotFound: "NOT_FOUND",
	CodePermissionDenied: "PERMISSION_DENIED", CodeAborted: "ABORTED",
	CodeUnauthenticated: "UNAUTHENTICATED", CodeResourceExhausted: "RESOURCE_EXHAUSTED",
	CodeUnavailable: "UNAVAILABLE", CodeUnimplemented: "UNIMPLEMENTED",
}

// String returns the code's name, "FAILED_PRECONDITION".
func (c Code) String() string {
	if c < 0 || int(c) >= len(codeNames) {
		return fmt.Sprintf("Code(%d)", int(c))
	}
	return codeNames[c]
}

// Codes returns every code, for the transport's table and its test.
func Codes() []Code {
	out := make([]Code, len(codeNames))
	for i := range codeNames {
		out[i] = Code(i)
	}
	return out
}

// Violation is one thing wrong with a request or a case. For CodeInvalidArgument it is a
// field violation; for CodeFailedPrecondition it names the rule that fails.
type Violation struct {
	// Rule is the rule that fails ("R6", one of Rules), or "STATE" when the action is not allowed from
	// the current state, or "REQUIRED" when submission lacks a field no rule names.
	Rule string
	// Field is the proto field path, "applicants[1].organisation_number".
	Field string
	// Reason is a stable, machine-readable UPPER_SNAKE_CASE reason,
	// "TRIAL_PERIOD_TOO_LONG".
	Reason string
	// Description says what is wrong and what to fix, for a person.
	Description string
}

// Error is the domain's error: a code, a message for the client and the violations.
type Error struct {
	Code       Code
	Message    string
	Violations []Violation
}

func (e *Error) Error() string {
	if len(e.Violations) == 0 {
		return e.Message
	}
	var b strings.Builder
	b.WriteString(e.Message)
	for _, v := range e.Violations {
		b.WriteString("; ")
		if v.Rule != "" {
			b.WriteString(v.Rule + ": ")
		}
		if v.Field != "" {
			b.WriteString(v.Field + ": ")
		}
		b.WriteString(v.Description)
	}
	return b.String()
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a CodeInvalidArgument error listing the field violations, or nil when
// there are none.
func Invalid(violations []Violation) error {
	if len(violations) == 0 {
		return nil
	}
	return &Error{Code: CodeInvalidArgument, Message: "invalid request", Violations: violations}
}

// Precondition returns a CodeFailedPrecondition error listing the failing rules, or nil
// when there are none.
func Precondition(message string, violations []Violation) error {
	if len(violations) == 0 {
		return nil
	}
	return &Error{Code: CodeFailedPrecondition, Message: message, Violations: violations}
}

// ErrorCode returns the code of err: its *Error's code, or CodeInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrNotFound is returned by a Store when a case or consultation does not exist.
var ErrNotFound = &Error{Code: CodeNotFound, Message: "not found"}
