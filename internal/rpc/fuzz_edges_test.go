package rpc_test

// Fuzz targets for the service's two edges, over the real stack (bbolt, the service,
// development-key authentication, the gRPC server and the gateway): raw HTTP request
// bytes through the REST handler, and raw bytes as the message of every gRPC method.
// Whatever arrives, the answer is the client's error or a success — never a 5xx, never
// INTERNAL or UNKNOWN: no request from outside may look like the server's own failure.

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

// edgeStack is the stack the edge fuzz targets share: made once per process, since a
// fuzz worker runs many inputs.
var edgeStack struct {
	once sync.Once
	h    *harness
	f    fixture
}

func edges(tb testing.TB) (*harness, fixture) {
	edgeStack.once.Do(func() {
		h := newHarness(&onceTB{TB: tb})
		app, err := h.client.CreateApplication(h.as(context.Background(), lead), &forsokv1.CreateApplicationRequest{Application: applicationBody(lead, true)})
		if err != nil {
			tb.Fatalf("fixture: %v", err)
		}
		edgeStack.h, edgeStack.f = h, fixture{name: app.GetName(), consultation: app.GetName() + "/consultations/1"}
	})
	if edgeStack.h == nil {
		tb.Fatal("the shared stack could not be made")
	}
	return edgeStack.h, edgeStack.f
}

// onceTB is a TB whose cleanups never run: the shared stack lives as long as the fuzz
// process (its files are in the process's temporary directory).
type onceTB struct{ testing.TB }

func (onceTB) Cleanup(func()) {}
func (o onceTB) TempDir() string {
	dir, err := os.MkdirTemp("", "forsok-fuzz-")
	if err != nil {
		o.Fatal(err)
	}
	return dir
}

// FuzzGatewayRequest parses the input as an HTTP/1.1 request (http.ReadRequest, as the
// server does) and serves it with the gateway's handler.
func FuzzGatewayRequest(f *testing.F) {
	h, fx := edges(f)
	lead := "Bearer " + h.tokens[lead]
	for _, seed := range []string{
		"GET /v1/applications HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /v1/" + fx.name + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + lead + "\r\n\r\n",
		"GET /v1/applications?filter=state%3DACTIVE&pageSize=2&orderBy=update_time HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /v1/applications/%ff HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization:  \r\n\r\n",
		"GET /v1/applications/-/consultations?pageToken=AAAA HTTP/1.1\r\nHost: x\r\nAuthorization: " + lead + "\r\n\r\n",
		"POST /v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: " + lead + "\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"title\":\"x\",\"purposes\":[1]}",
		"POST /v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: " + lead + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n0\r\n\r\n",
		"PATCH /v1/" + fx.name + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + lead + "\r\nContent-Length: 28\r\n\r\n{\"title\":\"Ny\",\"etag\":\"W/1\"}x",
		"POST /v1/" + fx.name + ":submit HTTP/1.1\r\nHost: x\r\nAuthorization: " + lead + "\r\nContent-Length: 2\r\n\r\n{}",
		"POST /v1/applications:batchTerminate HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\n\r\n{\"names\":[\"x\"]}",
		"GET /v1/events:watch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x.y.z\r\n\r\n",
		"GET /v1/workflow HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return // the server answers 400 itself to what it cannot parse
		}
		if strings.HasSuffix(req.URL.Path, ":watch") || req.URL.Path == "/metrics" || strings.HasPrefix(req.URL.Path, "/v1/admin") {
			return // a stream waits for events; the operators' endpoints are not the gateway
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rec := httptest.NewRecorder()
		h.gateway.ServeHTTP(rec, req.WithContext(ctx))
		if rec.Code >= 500 {
			t.Fatalf("%q: HTTP %d, want below 500: %s", raw, rec.Code, rec.Body.Bytes())
		}
	})
}

// rawCodec sends the fuzzer's bytes as they are, and receives an answer's bytes.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}
func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}
func (rawCodec) Name() string { return "proto" }

// unaryMethods are the full names of every unary method of the services.
func unaryMethods() []string {
	var out []string
	for _, sd := range []grpc.ServiceDesc{forsokv1.ApplicationService_ServiceDesc, forsokv1.SubscriptionService_ServiceDesc} {
		for _, m := range sd.Methods {
			// A subscription's target is resolved in DNS: left to the webhook tests.
			if m.MethodName != "CreateSubscription" {
				out = append(out, "/"+sd.ServiceName+"/"+m.MethodName)
			}
		}
	}
	return out
}

// FuzzGRPCMessage sends the input's bytes as the request message of one of the
// service's methods (the first byte picks which), as the lead applicant.
func FuzzGRPCMessage(f *testing.F) {
	h, fx := edges(f)
	methods := unaryMethods()
	seed := func(method string, m proto.Message) {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		for i, name := range methods {
			if strings.HasSuffix(name, "/"+method) {
				f.Add(byte(i), b)
			}
		}
	}
	seed("CreateApplication", &forsokv1.CreateApplicationRequest{Application: applicationBody(lead, true)})
	seed("GetApplication", &forsokv1.GetApplicationRequest{Name: fx.name})
	seed("UpdateApplication", &forsokv1.UpdateApplicationRequest{Application: &forsokv1.Application{Name: fx.name, Title: "Ny\x1b[2J"}})
	seed("BatchTerminateTrials", &forsokv1.BatchTerminateTrialsRequest{Names: []string{fx.name, "x"}})
	seed("ListApplications", &forsokv1.ListApplicationsRequest{Filter: "state = ACTIVE", PageToken: "AAAA"})
	seed("ListConsultations", &forsokv1.ListConsultationsRequest{Parent: "applications/-", PageToken: "AAAA"})
	f.Add(byte(0), []byte{0x0a, 0x05, 0xff, 0xfe, 0x00, 0x01})
	ctx := h.as(context.Background(), lead)
	f.Fuzz(func(t *testing.T, pick byte, msg []byte) {
		method := methods[int(pick)%len(methods)]
		var out []byte
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		err := h.conn.Invoke(callCtx, method, &msg, &out, grpc.ForceCodecV2(rawCodec{}))
		switch status.Code(err) {
		case codes.Internal, codes.Unknown, codes.DataLoss, codes.Unimplemented:
			t.Fatalf("%s with %x: got %v, want a client error or OK", method, msg, err)
		}
	})
}
