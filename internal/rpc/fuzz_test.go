package rpc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// The request fuzz tests send random create requests through the transport into the
// real service, whose store only notes that a request got that far: what they test is
// decoding, conversion and validation, so no request is stored.

// fuzzCaller is the municipality every fuzzed request comes from.
var fuzzCaller = trial.Actor{Subject: "kari", OrganisationNumber: "940931002", Role: trial.RoleMunicipality}

// noteStore is a trial.Store that stores nothing: it counts the calls that reach it and
// refuses them.
type noteStore struct{ reached atomic.Int64 }

var errReachedStore = errors.New("the request passed validation and reached the store")

func (s *noteStore) View(context.Context, func(workflow.ReadTx) error) error {
	s.reached.Add(1)
	return errReachedStore
}

func (s *noteStore) Update(context.Context, func(workflow.Tx) error) error {
	s.reached.Add(1)
	return errReachedStore
}

// fuzzAuth authenticates everyone as fuzzCaller and counts the calls, which are the
// requests the gateway passed on to the gRPC service.
type fuzzAuth struct{ calls atomic.Int64 }

func (a *fuzzAuth) Authenticate(context.Context, string) (trial.Actor, error) {
	a.calls.Add(1)
	return fuzzCaller, nil
}

func fuzzServer(tb testing.TB) (*Server, *noteStore, *fuzzAuth) {
	tb.Helper()
	store := &noteStore{}
	svc, err := workflow.NewService(store, trial.DefaultReference())
	if err != nil {
		tb.Fatal(err)
	}
	auth := &fuzzAuth{}
	return NewServer(Config{Service: svc, Auth: auth, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}), store, auth
}

// fuzzExample is api.md's example body.
const fuzzExample = `{
  "title": "Vurdering uten karakter i ett eller flere fag på 8. trinn",
  "summary": "Elevene på 8. trinn får underveisvurdering uten karakter ...",
  "applicants": [{
    "organisationNumber": "940931002", "name": "Indre Østfold kommune", "kind": "KOMMUNE",
    "municipalityNumber": "3118",
    "councilDecision": {"body": "Indre Østfold kommunestyre", "caseReference": "2025/311", "meetingDate": "2025-06-12"}
  }],
  "category": "ORGANISATION",
  "purposes": ["SERVICE_QUALITY"],
  "exemptions": [{
    "lawId": "LOV-2023-06-09-30", "section": "§ 15-4",
    "currentRule": "Elevene skal ha karakter i hvert fag fra 8. trinn.",
    "proposedRule": "Ingen karakter i valgte fag på 8. trinn i forsøksperioden.",
    "owningMinistry": "KD"
  }],
  "plannedStart": "2026-08-01", "plannedEnd": "2029-07-31",
  "evaluationPlan": "Følgeevaluering ved ...", "employeeInvolvement": "Drøftet med Utdanningsforbundet 2025-05-20 ...",
  "draftRegulation": "Forskrift om forsøk med vurdering uten karakter ..."
}`

// checkRefusal checks that err, the answer to a request that did not reach the store, is
// INVALID_ARGUMENT naming every bad field, in the domain and as a gRPC status.
func checkRefusal(t *testing.T, input any, err error) {
	t.Helper()
	var e *trial.Error
	if !errors.As(err, &e) || e.Code != trial.CodeInvalidArgument || len(e.Violations) == 0 {
		t.Fatalf("request %q: got %v, want INVALID_ARGUMENT with violations", input, err)
	}
	for _, v := range e.Violations {
		if v.Field == "" || v.Reason == "" || v.Description == "" {
			t.Fatalf("request %q: violation %+v does not name the field, a reason and what to fix", input, v)
		}
	}
	st := status.Convert((&Server{log: slog.New(slog.DiscardHandler)}).toStatus(context.Background(), err))
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("request %q: got status %v, want INVALID_ARGUMENT", input, st.Code())
	}
	checkDetails(t, input, st.Proto(), len(e.Violations))
}

// checkDetails checks a status's google.rpc.BadRequest: want field violations (-1: at
// least one), each naming its field.
func checkDetails(t *testing.T, input any, st *spb.Status, want int) {
	t.Helper()
	n := 0
	for _, d := range st.GetDetails() {
		var br errdetails.BadRequest
		if d.UnmarshalTo(&br) != nil {
			continue
		}
		for _, v := range br.GetFieldViolations() {
			if v.GetField() == "" || v.GetDescription() == "" {
				t.Fatalf("request %q: field violation %v names no field", input, v)
			}
			n++
		}
	}
	if want >= 0 && n != want || n == 0 {
		t.Fatalf("request %q: got %d field violations in the status, want %d", input, n, want)
	}
}

// FuzzCreateApplicationJSON posts random bodies to POST /v1/applications through the real
// gateway and gRPC server. A body the gateway cannot decode is its INVALID_ARGUMENT; one
// it decodes either passes validation or is refused with INVALID_ARGUMENT naming the
// fields, never another error.
func FuzzCreateApplicationJSON(f *testing.F) {
	for _, seed := range []string{
		fuzzExample, `{}`, `{"title": ""}`, `{"applicants": [{"organisationNumber": "940931002"}]}`,
		`{"category": "NOPE", "purposes": ["SERVICE_QUALITY", 7]}`, `{"plannedStart": "2026-02-30"}`,
		`{"exemptions": [{"lawId": "LOV-1967-02-10", "owningMinistry": "KD"}]}`, `{"state": "APPROVED", "name": "applications/x"}`,
		`[]`, `null`, `{"title": "\u0000"}`,
	} {
		f.Add([]byte(seed))
	}
	s, store, auth := fuzzServer(f)
	g, err := NewGateway(context.Background(), s)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { g.Close() })
	f.Fuzz(func(t *testing.T, body []byte) {
		reached, called := store.reached.Load(), auth.calls.Load()
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/applications", bytes.NewReader(body)))
		if store.reached.Load() != reached {
			return // valid: the service went on to store it
		}
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("body %q: got HTTP %d %s, want 400", body, rec.Code, rec.Body)
		}
		var st spb.Status
		if err := protojson.Unmarshal(rec.Body.Bytes(), &st); err != nil {
			t.Fatalf("body %q: the error body %s is not a google.rpc.Status: %v", body, rec.Body, err)
		}
		if codes.Code(st.GetCode()) != codes.InvalidArgument {
			t.Fatalf("body %q: got %v, want INVALID_ARGUMENT", body, codes.Code(st.GetCode()))
		}
		if auth.calls.Load() != called {
			// The gateway decoded the body and the service refused it: the fields are named.
			checkDetails(t, body, &st, -1)
		}
	})
}

// FuzzCreateApplicationProto decodes random bytes as a CreateApplicationRequest and hands
// what decodes to the server's handler: it passes validation or is refused with
// INVALID_ARGUMENT naming every bad field, in the domain's error and in the status.
func FuzzCreateApplicationProto(f *testing.F) {
	var example forsokv1.Application
	if err := protojson.Unmarshal([]byte(fuzzExample), &example); err != nil {
		f.Fatal(err)
	}
	for _, req := range []*forsokv1.CreateApplicationRequest{
		{Application: &example}, {}, {Application: &forsokv1.Application{Title: "x", Category: 99, Purposes: []forsokv1.Application_Purpose{42}}},
		{Application: &forsokv1.Application{Applicants: []*forsokv1.Applicant{{OrganisationNumber: "940931002", Kind: 77}}}, RequestId: "r-1"},
	} {
		data, err := proto.Marshal(req)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	s, store, _ := fuzzServer(f)
	ctx := context.WithValue(context.Background(), actorKey{}, fuzzCaller)
	f.Fuzz(func(t *testing.T, data []byte) {
		var req forsokv1.CreateApplicationRequest
		if proto.Unmarshal(data, &req) != nil {
			return
		}
		reached := store.reached.Load()
		_, err := s.CreateApplication(ctx, &req)
		if store.reached.Load() != reached {
			return
		}
		checkRefusal(t, data, err)
	})
}

// TestFuzzCreateApplicationHarness: the harness tells a valid request from a refused one,
// so the fuzz tests above check something.
func TestFuzzCreateApplicationHarness(t *testing.T) {
	s, store, _ := fuzzServer(t)
	g, err := NewGateway(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for _, tc := range []struct {
		body      string
		wantValid bool
	}{{fuzzExample, true}, {`{"title": "x"}`, false}} {
		before := store.reached.Load()
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/applications", bytes.NewReader([]byte(tc.body))))
		if valid := store.reached.Load() != before; valid != tc.wantValid {
			t.Errorf("body %.40q: reached the store %v (HTTP %d %s), want %v", tc.body, valid, rec.Code, rec.Body, tc.wantValid)
		}
	}
}
