package rpc_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/rpc"
	"github.com/forsok/forsok/internal/server"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial"
)

// manyBadApplicants is an application whose every applicant is wrong in several ways.
func manyBadApplicants(n int) *forsokv1.Application {
	app := applicationBody(lead, false)
	for range n {
		app.Applicants = append(app.Applicants, &forsokv1.Applicant{OrganisationNumber: "123", Name: strings.Repeat("x", 400), MunicipalityNumber: "99"})
	}
	return app
}

// TestSecurity_BoundedAnswers: a small request with many bad elements, or long values
// quoted back, gets a short answer: each list has a maximum checked before its
// elements, at most rpc.MaxViolationsShown violations with the count, and a short
// message. (Principle 2.)
func TestSecurity_BoundedAnswers(t *testing.T) {
	s := newSecStack(t, nil)
	huge := applicationBody(lead, false)
	for range 200000 {
		huge.Purposes = append(huge.Purposes, forsokv1.Application_SERVICE_QUALITY)
	}
	longEtag := strings.Repeat("e", 500<<10)
	for _, tc := range []struct {
		name      string
		call      func(ctx context.Context) error
		reason    string
		wantCount int // the violations counted in all, 0 when not truncated
	}{
		{"ErrTooManyPurposes", func(ctx context.Context) error {
			_, err := s.API.CreateApplication(ctx, &forsokv1.CreateApplicationRequest{Application: huge})
			return err
		}, "TOO_MANY", 0},
		{"ErrManyBadApplicants", func(ctx context.Context) error {
			_, err := s.API.CreateApplication(ctx, &forsokv1.CreateApplicationRequest{Application: manyBadApplicants(trial.MaxItems - 1)})
			return err
		}, "INVALID_ORGANISATION_NUMBER", 1},
		{"ErrLongEtagQuoted", func(ctx context.Context) error {
			_, err := s.API.SubmitApplication(ctx, &forsokv1.SubmitApplicationRequest{Name: s.name, Etag: longEtag})
			return err
		}, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(s.as("lead"))
			st, _ := status.FromError(err)
			if st.Code() == codes.OK || st.Code() == codes.Internal {
				t.Fatalf("got %s, want a client error", st.Code())
			}
			size := proto.Size(st.Proto())
			if size > 16<<10 {
				t.Errorf("answer: got %d bytes, want at most 16 KiB", size)
			}
			if len(st.Message()) > 1024 {
				t.Errorf("message: got %d bytes, want at most 1024", len(st.Message()))
			}
			var shown int
			var total string
			for _, d := range st.Details() {
				switch d := d.(type) {
				case *errdetails.BadRequest:
					shown = len(d.GetFieldViolations())
					if tc.reason != "" && d.GetFieldViolations()[0].GetReason() != tc.reason {
						t.Errorf("first violation: got %s, want %s", d.GetFieldViolations()[0].GetReason(), tc.reason)
					}
				case *errdetails.ErrorInfo:
					total = d.GetMetadata()["violations"]
				}
			}
			if shown > rpc.MaxViolationsShown {
				t.Errorf("violations shown: got %d, want at most %d", shown, rpc.MaxViolationsShown)
			}
			if tc.wantCount > 0 && (shown != rpc.MaxViolationsShown || total == "") {
				t.Errorf("got %d violations shown and a count of %q, want %d and the count", shown, total, rpc.MaxViolationsShown)
			}
			t.Logf("%s: %s, %d bytes, %d violations shown of %s", tc.name, st.Code(), size, shown, total)
		})
	}
}

// TestSecurity_BigRequestsAndOthers sends many 1 MiB requests at once, over REST and
// gRPC, each full of bad elements, while another caller reads a case over the same
// gateway connection: every read succeeds, and the heap stays within some tens of MiB
// of where it started. The figures are logged (no timing is asserted). (Principle 2.)
func TestSecurity_BigRequestsAndOthers(t *testing.T) {
	if testing.Short() {
		t.Skip("sends some hundreds of MiB")
	}
	s := newSecStack(t, nil)
	// About 1 MiB: as many bad applicants as fit, each quoting long values.
	app := applicationBody(lead, false)
	for proto.Size(app) < rpc.DefaultMaxMessageBytes-20<<10 {
		app.Applicants = append(app.Applicants, &forsokv1.Applicant{OrganisationNumber: "1", Name: strings.Repeat("ø", 2000), MunicipalityNumber: strings.Repeat("9", 1000)})
	}
	body, err := protojson.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	body = body[:min(len(body), rpc.DefaultMaxMessageBytes)]
	if !json.Valid(body) {
		app.Applicants = app.Applicants[:len(app.Applicants)-10]
		body, _ = protojson.Marshal(app)
	}
	t.Logf("request: %d bytes of gRPC message, %d bytes of JSON, %d applicants", proto.Size(app), len(body), len(app.Applicants))

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()

	const senders, rounds = 8, 4
	var wg sync.WaitGroup
	var bad atomic.Int64
	for i := range senders {
		wg.Go(func() {
			for range rounds {
				var code codes.Code
				if i%2 == 0 {
					_, err := s.API.CreateApplication(s.as("lead"), &forsokv1.CreateApplicationRequest{Application: app})
					code = status.Code(err)
				} else {
					httpCode, b := s.rest(t, "lead", "POST", "/v1/applications", string(body))
					code = restCode(b)
					if httpCode >= 500 {
						code = codes.Internal
					}
				}
				if code != codes.InvalidArgument {
					bad.Add(1)
					t.Errorf("sender %d: got %s, want InvalidArgument", i, code)
				}
			}
		})
	}
	var reads, readFailures atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			code, b := s.rest(t, "lead", "GET", "/v1/"+s.name, "")
			reads.Add(1)
			if code != http.StatusOK {
				readFailures.Add(1)
				t.Errorf("another caller's read: HTTP %d: %.200s", code, b)
			}
		}
	}()
	start := time.Now()
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	<-done
	<-sampled
	grown := int64(peak.Load()) - int64(before.HeapInuse)
	t.Logf("%d requests of ~1 MiB from %d senders in %s; %d reads by another caller meanwhile, %d failed; heap in use %d MiB before, peak %d MiB (+%d MiB)",
		senders*rounds, senders, elapsed.Round(time.Millisecond), reads.Load(), readFailures.Load(),
		before.HeapInuse>>20, peak.Load()>>20, grown>>20)
	// The stack, the test's own copies of the request and the client's buffers are in
	// the same process; a few tens of MiB per request in flight would be hundreds.
	if grown > 192<<20 {
		t.Errorf("heap grew by %d MiB, want well under 192 MiB for %d concurrent 1 MiB requests", grown>>20, senders)
	}
}

// TestSecurity_ClientMistakes: what a client gets wrong is a 4xx or a client's gRPC
// code, never a 5xx or INTERNAL, and never a silent downgrade. (Principle 3.)
func TestSecurity_ClientMistakes(t *testing.T) {
	s := newSecStack(t, nil)
	raw := func(t *testing.T, req string) (int, string) {
		t.Helper()
		c, err := net.Dial("tcp", s.HTTPAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("read response: %v", err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	bearer := "Bearer " + s.tok["lead"]
	for _, tc := range []struct {
		name string
		req  string
		want int
	}{
		{"ErrAuthorizationBlank", "GET /v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization:    \r\nConnection: close\r\n\r\n", 401},
		{"ErrAuthorizationTwice", "GET /v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: \r\nAuthorization: " + bearer + "\r\nConnection: close\r\n\r\n", 401},
		{"ErrAuthorizationNotASCII", "GET /v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xffabc\r\nConnection: close\r\n\r\n", 401},
		{"ErrAuthorizationAlsoAsMetadata", "GET /v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer + "\r\nGrpc-Metadata-Authorization: Bearer x\r\nConnection: close\r\n\r\n", 401},
		{"ErrAuthorizationBasic", "GET /v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YTpi\r\nConnection: close\r\n\r\n", 401},
		{"ErrPathNotUTF8", "GET /v1/applications/%ff%fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400},
		{"ErrPathRawNotUTF8", "GET /v1/applications/\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400},
		{"ErrQueryNotUTF8", "GET /v1/applications?filter=%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400},
		{"ErrQueryMalformed", "GET /v1/applications?filter=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400},
		{"ErrBodyNotUTF8", "POST /v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer + "\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{\"title\":\"\xff\"}", 400},
		{"ErrTrailingBytes", "POST /v1/" + s.name + ":submit HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer + "\r\nContent-Length: 10\r\nConnection: close\r\n\r\n{} garbage", 400},
		{"ErrSecondValue", "POST /v1/" + s.name + ":withdraw HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer + "\r\nContent-Length: 27\r\nConnection: close\r\n\r\n{\"reason\":\"a\"}{\"reason\":\"\"}", 400},
		{"ErrControlInTitle", "POST /v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer + "\r\nContent-Length: 23\r\nConnection: close\r\n\r\n{\"title\":\"a\\u001b[2Jb\"}", 400},
		{"OKNoAuthorizationPublicRead", "GET /v1/applications HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := raw(t, tc.req)
			if code != tc.want {
				t.Errorf("got HTTP %d, want %d: %.300s", code, tc.want, body)
			}
		})
	}

	t.Run("ErrGRPCMetadataMalformed", func(t *testing.T) {
		for _, md := range []metadata.MD{
			metadata.Pairs("authorization", "  "),
			metadata.Pairs("authorization", "Bearer "+s.tok["lead"], "authorization", ""),
		} {
			ctx := metadata.NewOutgoingContext(context.Background(), md)
			_, err := s.API.ListApplications(ctx, &forsokv1.ListApplicationsRequest{})
			checkClientError(t, err, codes.Unauthenticated)
		}
	})
	t.Run("ErrGRPCWireBytes", func(t *testing.T) {
		for _, msg := range [][]byte{
			{0x0a, 0x03, 0xff, 0xfe, 0xfd},             // name: not UTF-8
			{0x0a, 0x7f, 0x61},                         // a length past the end
			{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f}, // an invalid tag
		} {
			var out []byte
			err := s.Conn.Invoke(s.as("lead"), "/forsok.v1.ApplicationService/GetApplication", &msg, &out, grpc.ForceCodecV2(rawCodec{}))
			checkClientError(t, err, codes.InvalidArgument)
			err = s.Conn.Invoke(context.Background(), "/forsok.v1.ApplicationService/SubmitApplication", &msg, &out, grpc.ForceCodecV2(rawCodec{}))
			checkClientError(t, err, codes.Unauthenticated) // the caller first, then the bytes
		}
	})
	t.Run("OKConditionalUpdateWithoutMask", func(t *testing.T) {
		app, err := s.API.CreateApplication(s.as("lead"), &forsokv1.CreateApplicationRequest{Application: applicationBody(lead, false)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(map[string]string{"title": "Nytt navn", "etag": app.GetEtag()})
		code, body := s.rest(t, "lead", "PATCH", "/v1/"+app.GetName(), string(b))
		if code != http.StatusOK || !strings.Contains(string(body), "Nytt navn") {
			t.Fatalf("PATCH with etag, no updateMask: got HTTP %d, want 200 and the new title: %.300s", code, body)
		}
		code, body = s.rest(t, "lead", "PATCH", "/v1/"+app.GetName(), string(b)) // the etag is stale now
		if code != http.StatusConflict {
			t.Errorf("PATCH with a stale etag: got HTTP %d, want 409: %.300s", code, body)
		}
	})
}

// TestSecurity_StreamsEndWithToken: WatchEvents, over gRPC and REST, ends with
// UNAUTHENTICATED when its token expires, and a caller's streams are limited.
// (Principle 4.)
func TestSecurity_StreamsEndWithToken(t *testing.T) {
	const limit = 3
	s := newSecStack(t, func(o *servertest.Options) {
		o.Configure = func(srv *server.Server) { srv.RPC = func(c *rpc.Config) { c.MaxStreamsPerCaller = limit } }
	})
	short := s.Token(auth.DevTokenOptions{Role: trial.RoleKDDHandler, Subject: "kort", TTL: 2 * time.Second})
	t.Run("ErrGRPCExpires", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(servertest.As(context.Background(), short), 30*time.Second)
		defer cancel()
		stream, err := s.API.WatchEvents(ctx, &forsokv1.WatchEventsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for {
			if _, err = stream.Recv(); err != nil {
				break
			}
		}
		checkClientError(t, err, codes.Unauthenticated)
		if took := time.Since(start); took > 20*time.Second {
			t.Errorf("the stream ended after %s, want about 2s", took)
		}
	})
	t.Run("ErrRESTExpires", func(t *testing.T) {
		s.tok["short"] = s.Token(auth.DevTokenOptions{Role: trial.RoleKDDHandler, Subject: "kort", TTL: 2 * time.Second})
		code, body := s.rest(t, "short", "GET", "/v1/events:watch", "")
		// 401 when the stream ends before its first event, else 200 and an error line.
		if (code != http.StatusOK && code != http.StatusUnauthorized) || restCode([]byte(strings.TrimSpace(string(body)))) != codes.Unauthenticated {
			t.Errorf("got HTTP %d, %.300s; want the stream to end with code 16", code, body)
		}
	})
	t.Run("ErrTooManyStreams", func(t *testing.T) {
		ctx, cancel := context.WithCancel(s.as("handler"))
		defer cancel()
		var open []grpc.ServerStreamingClient[forsokv1.Event]
		for range limit {
			stream, err := s.API.WatchEvents(ctx, &forsokv1.WatchEventsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			open = append(open, stream)
		}
		time.Sleep(200 * time.Millisecond) // the streams reach the server
		extra, err := s.API.WatchEvents(ctx, &forsokv1.WatchEventsRequest{})
		if err == nil {
			_, err = extra.Recv()
		}
		checkClientError(t, err, codes.ResourceExhausted)
		// Another caller is not affected.
		other, err := s.API.WatchEvents(s.as("approver"), &forsokv1.WatchEventsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		_ = other
		_ = open
	})
}

// TestSecurity_ConsultationsPerParty: a case consulted with KD and HOD; neither
// ministry reads the other's question, nor that it was asked, through the history, the
// feed or the export, over gRPC or REST. (Principle 5.)
func TestSecurity_ConsultationsPerParty(t *testing.T) {
	s := newSecStack(t, nil)
	_, err := s.API.RespondToConsultation(s.as("hod"), &forsokv1.RespondToConsultationRequest{Name: s.name + "/consultations/2",
		Position: forsokv1.Consultation_OBJECTS, Statement: "HOD innvender."})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		caller, sees, never string
	}{
		{"kd", "hemmelig-KD", "hemmelig-HOD"},
		{"hod", "hemmelig-HOD", "hemmelig-KD"},
	} {
		t.Run(tc.caller, func(t *testing.T) {
			var texts []string
			hist, err := s.API.ListApplicationEvents(s.as(tc.caller), &forsokv1.ListApplicationEventsRequest{Parent: s.name})
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, protojson.Format(hist))
			feed, err := s.API.ListEvents(s.as(tc.caller), &forsokv1.ListEventsRequest{PageSize: 1000})
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, protojson.Format(feed))
			exp, err := s.API.ExportApplicationEvents(s.as(tc.caller), &forsokv1.ExportApplicationEventsRequest{Parent: s.name})
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, protojson.Format(exp))
			for _, path := range []string{"/v1/" + s.name + "/events", "/v1/events", "/v1/" + s.name + "/events:export"} {
				_, b := s.rest(t, tc.caller, "GET", path, "")
				texts = append(texts, string(b))
			}
			for i, text := range texts {
				if strings.Contains(text, tc.never) {
					t.Errorf("view %d reads the other ministry's question %q", i, tc.never)
				}
				other := map[string]string{"kd": "consultations/2", "hod": "consultations/1"}[tc.caller]
				if strings.Contains(text, s.name+"/"+other) {
					t.Errorf("view %d names the other ministry's consultation %s", i, other)
				}
			}
			if !strings.Contains(texts[0], tc.sees) {
				t.Errorf("the history does not hold the ministry's own question %q", tc.sees)
			}
		})
	}
	// The applicants and KDD see both.
	for _, caller := range []string{"lead", "handler"} {
		hist, err := s.API.ListApplicationEvents(s.as(caller), &forsokv1.ListApplicationEventsRequest{Parent: s.name})
		if err != nil {
			t.Fatal(err)
		}
		text := protojson.Format(hist)
		if !strings.Contains(text, "hemmelig-KD") || !strings.Contains(text, "hemmelig-HOD") {
			t.Errorf("%s: the history lacks a consultation", caller)
		}
		if strings.Contains(text, "HOD innvender") || strings.Contains(text, "OBJECTS") {
			t.Errorf("%s: the history holds the ministry's statement or position", caller)
		}
	}
}

// TestSecurity_ControlCharacters: no text field stores a control character; tab and
// newline only where a field is prose. (Principle 6.)
func TestSecurity_ControlCharacters(t *testing.T) {
	s := newSecStack(t, nil)
	for _, tc := range []struct {
		name string
		edit func(*forsokv1.Application)
		want codes.Code
	}{
		{"ErrESCInTitle", func(a *forsokv1.Application) { a.Title = "a\x1b]0;x\x07b" }, codes.InvalidArgument},
		{"ErrNewlineInTitle", func(a *forsokv1.Application) { a.Title = "a\nb" }, codes.InvalidArgument},
		{"ErrCRInSummary", func(a *forsokv1.Application) { a.Summary = "a\rb" }, codes.InvalidArgument},
		{"ErrNULInApplicantName", func(a *forsokv1.Application) { a.Applicants[0].Name = "a\x00" }, codes.InvalidArgument},
		{"ErrC1InRule", func(a *forsokv1.Application) { a.Exemptions[0].CurrentRule = "a\u009bb" }, codes.InvalidArgument},
		{"ErrTabInSection", func(a *forsokv1.Application) { a.Exemptions[0].Section = "§\t1" }, codes.InvalidArgument},
		{"OKNewlineAndTabInSummary", func(a *forsokv1.Application) { a.Summary = "Linje 1\n\tLinje 2" }, codes.OK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := applicationBody(lead, false)
			tc.edit(app)
			_, err := s.API.CreateApplication(s.as("lead"), &forsokv1.CreateApplicationRequest{Application: app})
			if got := status.Code(err); got != tc.want {
				t.Fatalf("gRPC: got %s (%v), want %s", got, err, tc.want)
			}
			b, _ := protojson.Marshal(app)
			code, body := s.rest(t, "lead", "POST", "/v1/applications", string(b))
			if want := map[codes.Code]int{codes.OK: 200, codes.InvalidArgument: 400}[tc.want]; code != want {
				t.Errorf("REST: got HTTP %d, want %d: %.300s", code, want, body)
			}
			if tc.want != codes.OK && !strings.Contains(string(body), "CONTROL_CHARACTER") {
				t.Errorf("REST: want the reason CONTROL_CHARACTER: %.300s", body)
			}
		})
	}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"ErrBELInComment", func() error {
			_, err := s.API.RecordInterimReply(s.as("handler"), &forsokv1.RecordInterimReplyRequest{Name: s.name, Text: "Svar\x07"})
			return err
		}},
		{"ErrESCInQuestion", func() error {
			_, err := s.API.CreateConsultation(s.as("handler"), &forsokv1.CreateConsultationRequest{Parent: s.name,
				Consultation: &forsokv1.Consultation{Ministry: "SD", Question: "\x1b[31mrødt"}})
			return err
		}},
		{"ErrCRInWithdrawReason", func() error {
			_, err := s.API.WithdrawApplication(s.as("lead"), &forsokv1.WithdrawApplicationRequest{Name: s.name, Reason: "a\rb"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := checkClientError(t, tc.call(), codes.InvalidArgument)
			if !strings.Contains(fmt.Sprint(st.Details()), "CONTROL_CHARACTER") {
				t.Errorf("got %v, want the reason CONTROL_CHARACTER", st.Details())
			}
		})
	}
}

// TestSecurity_PageTokens: every list refuses a token it did not issue to this caller.
// (Principle 7.)
func TestSecurity_PageTokens(t *testing.T) {
	s := newSecStack(t, nil)
	forged := "MjAyNi0wMS0wMS8yMDI2LTAwMDAwMS8x" // base64url of a plausible cursor
	subs := forsokv1.NewSubscriptionServiceClient(s.Conn)
	for _, tc := range []struct {
		name string
		call func(token string) (string, error) // returns the next page's token
	}{
		{"ListApplications", func(tok string) (string, error) {
			r, err := s.API.ListApplications(s.as("handler"), &forsokv1.ListApplicationsRequest{PageSize: 1, PageToken: tok})
			return r.GetNextPageToken(), err
		}},
		{"ListOpenConsultations", func(tok string) (string, error) {
			r, err := s.API.ListConsultations(s.as("handler"), &forsokv1.ListConsultationsRequest{Parent: "applications/-", PageSize: 1, PageToken: tok})
			return r.GetNextPageToken(), err
		}},
		{"ListApplicationEvents", func(tok string) (string, error) {
			r, err := s.API.ListApplicationEvents(s.as("handler"), &forsokv1.ListApplicationEventsRequest{Parent: s.name, PageSize: 1, PageToken: tok})
			return r.GetNextPageToken(), err
		}},
		{"ListDeliveries", func(tok string) (string, error) {
			r, err := subs.ListDeliveries(s.as("lead"), &forsokv1.ListDeliveriesRequest{Parent: s.sub, PageSize: 1, PageToken: tok})
			return r.GetNextPageToken(), err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.call(forged)
			checkClientError(t, err, codes.InvalidArgument)
			next, err := tc.call("")
			if err != nil {
				t.Fatal(err)
			}
			if next == "" {
				t.Skip("one page only; the forged token was refused")
			}
			if _, err := tc.call(next); err != nil {
				t.Errorf("the issued token: got %v, want the next page", err)
			}
			edited := []byte(next)
			edited[len(edited)/2] ^= 1
			_, err = tc.call(string(edited))
			checkClientError(t, err, codes.InvalidArgument)
		})
	}
	t.Run("ErrAnotherCallersToken", func(t *testing.T) {
		r, err := s.API.ListConsultations(s.as("handler"), &forsokv1.ListConsultationsRequest{Parent: "applications/-", PageSize: 1})
		if err != nil || r.GetNextPageToken() == "" {
			t.Fatalf("got %v, %v; want a next page", r, err)
		}
		_, err = s.API.ListConsultations(s.as("kd"), &forsokv1.ListConsultationsRequest{Parent: "applications/-", PageSize: 1, PageToken: r.GetNextPageToken()})
		checkClientError(t, err, codes.InvalidArgument)
	})
}

// TestSecurity_SlowClients: a client that sends half a body, or never finishes its
// headers, is disconnected. (Principle 8.)
func TestSecurity_SlowClients(t *testing.T) {
	s := newSecStack(t, func(o *servertest.Options) {
		o.Configure = func(srv *server.Server) {
			srv.HTTPLimits = rpc.HTTPLimits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond,
				IdleTimeout: 500 * time.Millisecond, MaxHeaderBytes: 16 << 10}
		}
	})
	for _, tc := range []struct{ name, send string }{
		{"ErrHalfBody", "POST /v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.tok["lead"] + "\r\nContent-Length: 1000\r\n\r\n{\"title\":"},
		{"ErrHalfHeaders", "GET /v1/applications HTTP/1.1\r\nHost: x\r\n"},
		{"ErrIdle", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", s.HTTPAddr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, tc.send); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
			_, err = io.Copy(io.Discard, c) // until the server closes the connection
			if err != nil {
				t.Fatalf("got %v after %s, want the server to close the connection", err, time.Since(start))
			}
			t.Logf("closed by the server after %s", time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestSecurity_WebhookTargets: a subscription's target is a public address on a valid
// port, over the API as in internal/webhook's table. (Principle 9.)
func TestSecurity_WebhookTargets(t *testing.T) {
	s := newSecStack(t, nil)
	subs := forsokv1.NewSubscriptionServiceClient(s.Conn)
	for _, target := range []string{
		"https://[::ffff:0:a00:1]/hook", "https://[fec0::1]/hook", "https://[64:ff9b::a00:1]/hook",
		"https://[2002:a00:1::1]/hook", "https://[::ffff:10.0.0.1]/hook", "https://8.8.8.8:99999/hook",
		"https://169.254.169.254/hook", "https://100.64.0.1/hook",
	} {
		t.Run(target, func(t *testing.T) {
			_, err := subs.CreateSubscription(s.as("lead"), &forsokv1.CreateSubscriptionRequest{Subscription: &forsokv1.Subscription{
				TargetUrl: target, Secret: strings.Repeat("s", 32)}})
			st := checkClientError(t, err, codes.InvalidArgument)
			if !strings.Contains(fmt.Sprint(st.Details()), "TARGET_URL_REFUSED") {
				t.Errorf("got %v, want TARGET_URL_REFUSED", st.Details())
			}
		})
	}
}
