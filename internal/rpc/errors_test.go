package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/forsok/forsok/internal/trial"
)

// logServer is a Server whose log lines land in the returned buffer, one JSON object
// each.
func logServer() (*Server, *bytes.Buffer) {
	var buf bytes.Buffer
	return &Server{log: slog.New(slog.NewJSONHandler(&buf, nil))}, &buf
}

// TestErrorTable walks every domain code: each has a row, the row is the gRPC code the
// domain code is named after, and none is OK.
func TestErrorTable(t *testing.T) {
	s, _ := logServer()
	for _, c := range trial.Codes() {
		t.Run(c.String(), func(t *testing.T) {
			code, ok := statusCode(c)
			if !ok {
				t.Fatalf("got no row for %s, want one", c)
			}
			// trial names its codes after gRPC's: INVALID_ARGUMENT is InvalidArgument.
			if got, want := strings.ToUpper(code.String()), strings.ReplaceAll(c.String(), "_", ""); got != want {
				t.Errorf("got %v, want the code named %s", code, c)
			}
			err := s.toStatus(context.Background(), trial.Errorf(c, "refused"))
			if got := status.Code(err); got == codes.OK || got != code {
				t.Errorf("toStatus: got %v, want %v", got, code)
			}
		})
	}
}

// TestErrorTable_FailsClosed: a code without a row (one added to the domain and not to
// the table) is INTERNAL, logged with the request id, never OK.
func TestErrorTable_FailsClosed(t *testing.T) {
	unknown := trial.Code(len(trial.Codes()) + 7)
	if _, ok := statusCode(unknown); ok {
		t.Fatalf("statusCode(%v): got a row, want none", unknown)
	}
	s, logs := logServer()
	ctx := withRequestIDContext(context.Background(), "req-123")
	err := s.toStatus(ctx, &trial.Error{Code: unknown, Message: "a refusal"})
	st := status.Convert(err)
	if st.Code() != codes.Internal || strings.Contains(st.Message(), "a refusal") {
		t.Errorf("got %v %q, want INTERNAL without the domain message", st.Code(), st.Message())
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log: got %q, want one JSON line: %v", logs, err)
	}
	if line["level"] != "ERROR" || line["request_id"] != "req-123" || !strings.Contains(line["err"].(string), "a refusal") {
		t.Errorf("log: got %v, want an ERROR line with request_id req-123 and the error", line)
	}
}

// TestToStatus_InternalLogsRequestID: a fault is logged through the server's logger with
// the request id, and the client is told nothing of it.
func TestToStatus_InternalLogsRequestID(t *testing.T) {
	s, logs := logServer()
	ctx := withRequestIDContext(context.Background(), "req-456")
	st := status.Convert(s.toStatus(ctx, errors.New("disk on fire")))
	if st.Code() != codes.Internal || strings.Contains(st.Message(), "disk") {
		t.Errorf("got %v %q, want INTERNAL without the fault", st.Code(), st.Message())
	}
	if got := logs.String(); !strings.Contains(got, `"request_id":"req-456"`) || !strings.Contains(got, "disk on fire") {
		t.Errorf("log: got %q, want the fault with request_id req-456", got)
	}
}

// TestStatusesOnlyFromTheTable: outside errors.go this package returns domain errors and
// leaves making statuses to the table, so no code can bypass it (or its log line).
func TestStatusesOnlyFromTheTable(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if name == "errors.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "status" && (sel.Sel.Name == "Error" || sel.Sel.Name == "Errorf" || sel.Sel.Name == "New" || sel.Sel.Name == "Newf") {
				t.Errorf("%s: status.%s outside errors.go; return a domain error (trial.Errorf) instead", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}
