package rpc_test

// The security suite: each principle of the hardening (issue 11) checked for every
// method, over real loopback gRPC and real HTTP against the real stack
// (internal/server through servertest). The principles:
//
//  1. authenticate, visibility, role, then fields — for every method;
//  2. bounded work and bounded answers, and one request cannot hurt another's;
//  3. a client's mistake is a 4xx, never a 5xx, never a silent downgrade;
//  4. streams end with their credential, and a caller's streams are limited;
//  5. one ministry never sees another's consultation (history, feed, export);
//  6. no control characters in text;
//  7. every page token authenticated;
//  8. slow clients cannot hold the HTTP server;
//  9. webhook targets are public addresses on valid ports.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial"
)

// secStack is the running stack with one token per caller and a case in consultation
// with two ministries.
type secStack struct {
	*servertest.Stack
	tok  map[string]string // by caller: lead, co, unrelated, kd, hod, handler, approver, admin
	name string            // the case, IN_CONSULTATION, consulted with KD (1) and HOD (2)
	sub  string            // a subscription of the lead
	call string            // a published call for applications (R20)
}

func newSecStack(t *testing.T, configure func(*servertest.Options)) *secStack {
	t.Helper()
	opts := servertest.Options{}
	if configure != nil {
		configure(&opts)
	}
	st := &secStack{Stack: servertest.Start(t, opts), tok: map[string]string{}}
	for name, o := range map[string]auth.DevTokenOptions{
		"lead":      {Role: trial.RoleMunicipality, Organisation: leadOrg},
		"co":        {Role: trial.RoleMunicipality, Organisation: coOrg},
		"unrelated": {Role: trial.RoleMunicipality, Organisation: unrelatedOrg},
		"kd":        {Role: trial.RoleMinistry, Ministry: "KD"},
		"hod":       {Role: trial.RoleMinistry, Ministry: "HOD"},
		"handler":   {Role: trial.RoleKDDHandler},
		"approver":  {Role: trial.RoleKDDApprover},
		"admin":     {Role: trial.RoleAdmin},
	} {
		st.tok[name] = st.Token(o)
	}
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %s: %v", what, err)
		}
	}
	app, err := st.API.CreateApplication(st.as("lead"), &forsokv1.CreateApplicationRequest{Application: applicationBody(lead, false)})
	must("create", err)
	st.name = app.GetName()
	_, err = st.API.SubmitApplication(st.as("lead"), &forsokv1.SubmitApplicationRequest{Name: st.name})
	must("submit", err)
	_, err = st.API.AssignApplication(st.as("handler"), &forsokv1.AssignApplicationRequest{Name: st.name})
	must("assign", err)
	for _, m := range []string{"KD", "HOD"} {
		_, err = st.API.CreateConsultation(st.as("handler"), &forsokv1.CreateConsultationRequest{Parent: st.name,
			Consultation: &forsokv1.Consultation{Ministry: m, Question: "Spørsmål til " + m + ": hemmelig-" + m, DueWorkingDays: 10}})
		must("consult "+m, err)
	}
	subs := forsokv1.NewSubscriptionServiceClient(st.Conn)
	sub, err := subs.CreateSubscription(st.as("lead"), &forsokv1.CreateSubscriptionRequest{Subscription: &forsokv1.Subscription{
		TargetUrl: "http://127.0.0.1:1/hook", Secret: strings.Repeat("s", 32)}})
	must("subscribe", err)
	st.sub = sub.GetName()
	call, err := st.API.CreateCall(st.as("approver"), &forsokv1.CreateCallRequest{Call: &forsokv1.Call{Title: "Forsøk", Description: "Invitasjon.",
		EligibleKinds: []forsokv1.Applicant_Kind{forsokv1.Applicant_KOMMUNE}, PreliminaryDeadline: "2099-03-31", FinalDeadline: "2099-09-30"}})
	must("create call", err)
	_, err = st.API.PublishCall(st.as("handler"), &forsokv1.PublishCallRequest{Name: call.GetName()})
	must("publish call", err)
	st.call = call.GetName()
	_ = ctx
	return st
}

// as returns a context carrying the caller's token ("" for none).
func (s *secStack) as(caller string) context.Context {
	return servertest.As(context.Background(), s.tok[caller])
}

// rest sends a REST request as the caller and returns the HTTP status and body.
func (s *secStack) rest(t *testing.T, caller, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.Base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok := s.tok[caller]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := s.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// methodCase is one method of the walk: the caller whose role may not take it on the
// case (who may see the case, so that the answer is PERMISSION_DENIED, or may not, so
// that it is NOT_FOUND), and whether the anonymous caller may call it.
type methodCase struct {
	wrongRole string
	want      codes.Code
	public    bool
}

// methods is every method of both services, written by hand from domain.md and
// api.md; TestSecurity_OrderEveryMethod fails when a method is missing here, so that a
// new method is walked too.
var methods = map[string]methodCase{
	"CreateApplication":       {"kd", codes.PermissionDenied, false},
	"GetApplication":          {"", 0, true},
	"ListApplications":        {"", 0, true},
	"UpdateApplication":       {"handler", codes.PermissionDenied, false},
	"DeleteApplication":       {"handler", codes.PermissionDenied, false},
	"ConfirmParticipation":    {"handler", codes.PermissionDenied, false},
	"WithdrawParticipation":   {"handler", codes.PermissionDenied, false},
	"ConfirmLawOwner":         {"lead", codes.PermissionDenied, false},
	"RecordLegalReview":       {"lead", codes.PermissionDenied, false},
	"SubmitApplication":       {"handler", codes.PermissionDenied, false},
	"WithdrawApplication":     {"kd", codes.PermissionDenied, false},
	"AssignApplication":       {"lead", codes.PermissionDenied, false},
	"RecordInterimReply":      {"lead", codes.PermissionDenied, false},
	"RequestChanges":          {"kd", codes.PermissionDenied, false},
	"CreateConsultation":      {"lead", codes.PermissionDenied, false},
	"ListConsultations":       {"unrelated", codes.NotFound, false},
	"RespondToConsultation":   {"handler", codes.PermissionDenied, false},
	"CancelConsultation":      {"lead", codes.PermissionDenied, false},
	"ApproveApplication":      {"handler", codes.PermissionDenied, false},
	"RejectApplication":       {"handler", codes.PermissionDenied, false},
	"RecordPublication":       {"lead", codes.PermissionDenied, false},
	"ActivateTrial":           {"lead", codes.PermissionDenied, false},
	"RequestExtension":        {"handler", codes.PermissionDenied, false},
	"DecideExtension":         {"handler", codes.PermissionDenied, false},
	"TerminateTrial":          {"handler", codes.PermissionDenied, false},
	"BatchTerminateTrials":    {"handler", codes.PermissionDenied, false},
	"EndTrialPeriod":          {"lead", codes.PermissionDenied, false},
	"SubmitEvaluation":        {"handler", codes.PermissionDenied, false},
	"CloseApplication":        {"handler", codes.PermissionDenied, false},
	"ListApplicationEvents":   {"unrelated", codes.NotFound, false},
	"ExportApplicationEvents": {"unrelated", codes.NotFound, false},
	"ListEvents":              {"admin", codes.PermissionDenied, false},
	"WatchEvents":             {"admin", codes.PermissionDenied, false},
	"ListAllowedActions":      {"unrelated", codes.NotFound, false},
	"GetWorkflow":             {"", 0, true},
	"GetStatistics":           {"", 0, true},
	"UploadDocument":          {"admin", codes.PermissionDenied, false},
	"ListDocuments":           {"", 0, true},
	"GetDocument":             {"", 0, true},
	"DownloadDocument":        {"", 0, true},
	"ListJournalEntries":      {"", 0, true},
	"ScreenJournalEntry":      {"lead", codes.PermissionDenied, false},
	"CreateSubscription":      {"admin", codes.PermissionDenied, false},
	"GetSubscription":         {"kd", codes.NotFound, false},
	"ListSubscriptions":       {"admin", codes.PermissionDenied, false},
	"DeleteSubscription":      {"kd", codes.NotFound, false},
	"ListDeliveries":          {"kd", codes.NotFound, false},
	"RedeliverEvent":          {"kd", codes.NotFound, false},
	// Calls for applications (R20): KDD's; a published call is public.
	"CreateCall":          {"lead", codes.PermissionDenied, false},
	"GetCall":             {"", 0, true},
	"ListCalls":           {"", 0, true},
	"UpdateCall":          {"lead", codes.PermissionDenied, false},
	"PublishCall":         {"lead", codes.PermissionDenied, false},
	"CloseCall":           {"lead", codes.PermissionDenied, false},
	"GetCallStatistics":   {"", 0, true},
	"SelectApplication":   {"handler", codes.PermissionDenied, false},
	"DeclineApplication":  {"handler", codes.PermissionDenied, false},
	"SelectApplications":  {"handler", codes.PermissionDenied, false},
	"DeclineApplications": {"handler", codes.PermissionDenied, false},
}

// serviceMethods are the methods of both services with their descriptors.
func serviceMethods(t *testing.T) []protoreflect.MethodDescriptor {
	t.Helper()
	var out []protoreflect.MethodDescriptor
	for _, svc := range []string{"forsok.v1.ApplicationService", "forsok.v1.SubscriptionService"} {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
		if err != nil {
			t.Fatal(err)
		}
		ms := d.(protoreflect.ServiceDescriptor).Methods()
		for i := range ms.Len() {
			out = append(out, ms.Get(i))
		}
	}
	return out
}

// badRequest is a request of the method with every field wrong: every string holds an
// escape sequence, every number is negative, every enum unknown, every list has an
// element — except the names that address resources, which name the fixture's (so that
// visibility and role can be decided), or garbage when name is "".
func (s *secStack) badRequest(md protoreflect.MethodDescriptor, addressed bool) proto.Message {
	mt, _ := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
	msg := mt.New()
	spoil(msg, 0)
	fields := msg.Descriptor().Fields()
	set := func(field, value string) {
		if fd := fields.ByName(protoreflect.Name(field)); fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList() {
			msg.Set(fd, protoreflect.ValueOfString(value))
		}
	}
	name, parent, cons, sub, del, call := s.name, s.name, s.name+"/consultations/2", s.sub, s.sub+"/deliveries/1", s.call
	if !addressed {
		call = "calls/x\x1b"
		// Names that match the REST routes' patterns but no resource.
		name, parent, cons = "applications/x\x1b", "applications/x\x1b", "applications/x\x1b/consultations/y"
		sub, del = "subscriptions/x\x1b", "subscriptions/x\x1b/deliveries/y"
	}
	switch md.Name() {
	case "RespondToConsultation", "CancelConsultation":
		set("name", cons)
	case "GetSubscription", "DeleteSubscription":
		set("name", sub)
	case "ListDeliveries":
		set("parent", sub)
	case "RedeliverEvent":
		set("name", del)
	case "ListConsultations", "ListApplicationEvents", "ExportApplicationEvents", "CreateConsultation", "ListDocuments":
		set("parent", parent)
	case "GetDocument", "DownloadDocument":
		set("name", name+"/documents/1")
	case "ScreenJournalEntry":
		set("name", "journalEntries/2026-999999")
	case "UploadDocument":
		meta := &forsokv1.UploadDocumentMetadata{Parent: parent, Document: &forsokv1.Document{Title: "\x1b", Filename: "../x"}}
		return &forsokv1.UploadDocumentRequest{Content: &forsokv1.UploadDocumentRequest_Metadata{Metadata: meta}}
	case "GetCall", "PublishCall", "CloseCall":
		set("name", call)
	case "GetCallStatistics":
		set("name", call+"/statistics")
	case "SelectApplications", "DeclineApplications":
		set("call", call)
	default:
		set("name", name)
	}
	if fd := fields.ByName("call"); fd != nil && md.Name() == "UpdateCall" {
		msg.Mutable(fd).Message().Set(fd.Message().Fields().ByName("name"), protoreflect.ValueOfString(call))
	}
	if fd := fields.ByName("application"); fd != nil && md.Name() == "UpdateApplication" {
		msg.Mutable(fd).Message().Set(fd.Message().Fields().ByName("name"), protoreflect.ValueOfString(name))
	}
	if fd := fields.ByName("names"); fd != nil {
		l := msg.Mutable(fd).List()
		l.Append(protoreflect.ValueOfString(name))
	}
	return msg.Interface()
}

// spoil fills every field of msg with a wrong value, to depth 2.
func spoil(msg protoreflect.Message, depth int) {
	fields := msg.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.IsMap() || fd.ContainingOneof() != nil && fd.ContainingOneof().Fields().Get(0) != fd {
			continue
		}
		v, ok := wrong(msg, fd, depth)
		if !ok {
			continue
		}
		if fd.IsList() {
			msg.Mutable(fd).List().Append(v)
			continue
		}
		msg.Set(fd, v)
	}
}

func wrong(msg protoreflect.Message, fd protoreflect.FieldDescriptor, depth int) (protoreflect.Value, bool) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString("\x1b[2J\x07bad"), true
	case protoreflect.Int32Kind:
		return protoreflect.ValueOfInt32(-1), true
	case protoreflect.Int64Kind:
		return protoreflect.ValueOfInt64(-1), true
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(999), true
	case protoreflect.MessageKind:
		if depth >= 2 || strings.HasPrefix(string(fd.Message().FullName()), "google.protobuf.") {
			return protoreflect.Value{}, false
		}
		var m protoreflect.Message
		if fd.IsList() {
			m = msg.NewField(fd).List().NewElement().Message()
		} else {
			m = msg.NewField(fd).Message()
		}
		spoil(m, depth+1)
		return protoreflect.ValueOfMessage(m), true
	}
	return protoreflect.Value{}, false
}

// grpcCall calls the method with req as the caller and returns the status code; a
// server stream is read to its first message or its end.
func (s *secStack) grpcCall(t *testing.T, md protoreflect.MethodDescriptor, caller string, req proto.Message) *status.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(s.as(caller), 5*time.Second)
	defer cancel()
	method := "/" + string(md.Parent().FullName()) + "/" + string(md.Name())
	out, _ := protoregistry.GlobalTypes.FindMessageByName(md.Output().FullName())
	if md.IsStreamingServer() {
		cs, err := s.Conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, method)
		if err == nil {
			if err = cs.SendMsg(req); err == nil {
				_ = cs.CloseSend()
				err = cs.RecvMsg(out.New().Interface())
			}
		}
		if status.Code(err) == codes.DeadlineExceeded {
			return status.New(codes.OK, "streaming")
		}
		st, _ := status.FromError(err)
		return st
	}
	err := s.Conn.Invoke(ctx, method, req, out.New().Interface())
	st, _ := status.FromError(err)
	return st
}

// restCall sends the method's REST form of req as the caller: the path from its
// google.api.http rule with the request's fields bound, the rest as the JSON body.
func (s *secStack) restCall(t *testing.T, md protoreflect.MethodDescriptor, caller string, req proto.Message) (int, codes.Code, []byte) {
	t.Helper()
	rule := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
	switch md.Name() {
	// The streaming document methods have REST routes of their own (documents_http.go).
	case "UploadDocument":
		parent := req.(*forsokv1.UploadDocumentRequest).GetMetadata().GetParent()
		code, b := s.rest(t, caller, "POST", "/v1/"+strings.ReplaceAll(parent, "\x1b", "%1B")+"/documents?title=x", "file")
		return code, restCode(b), b
	case "DownloadDocument":
		name := req.(*forsokv1.DownloadDocumentRequest).GetName()
		code, b := s.rest(t, caller, "GET", "/v1/"+strings.ReplaceAll(name, "\x1b", "%1B")+":download", "")
		return code, restCode(b), b
	}
	var verb, pattern string
	switch p := rule.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		verb, pattern = "GET", p.Get
	case *annotations.HttpRule_Post:
		verb, pattern = "POST", p.Post
	case *annotations.HttpRule_Patch:
		verb, pattern = "PATCH", p.Patch
	case *annotations.HttpRule_Delete:
		verb, pattern = "DELETE", p.Delete
	}
	msg := req.ProtoReflect()
	path := regexp.MustCompile(`\{([a-z_.]+)(=[^}]*)?\}`).ReplaceAllStringFunc(pattern, func(m string) string {
		field := strings.Trim(strings.SplitN(m, "=", 2)[0], "{}")
		v := msg
		parts := strings.Split(field, ".")
		for _, p := range parts[:len(parts)-1] {
			v = v.Get(v.Descriptor().Fields().ByName(protoreflect.Name(p))).Message()
		}
		return strings.ReplaceAll(v.Get(v.Descriptor().Fields().ByName(protoreflect.Name(parts[len(parts)-1]))).String(), "\x1b", "%1B")
	})
	body := ""
	if field := rule.GetBody(); field != "" {
		var part proto.Message = req
		if field != "*" {
			part = msg.Get(msg.Descriptor().Fields().ByName(protoreflect.Name(field))).Message().Interface()
		}
		b, err := protojson.Marshal(part)
		if err != nil {
			t.Fatal(err)
		}
		body = string(b)
	} else if verb == "GET" {
		path += "?pageSize=-1&pageToken=forged"
	}
	code, b := s.rest(t, caller, verb, path, body)
	return code, restCode(b), b
}

// restCode is the gRPC code of a REST error body: {"code": …}, or a stream's
// {"error": {"code": …}}.
func restCode(b []byte) codes.Code {
	var e struct {
		Code  int `json:"code"`
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(bytes.SplitN(b, []byte("\n"), 2)[0], &e)
	return codes.Code(e.Code + e.Error.Code)
}

// TestSecurity_OrderEveryMethod walks every method of both services, over gRPC and
// REST, with a request whose every field is wrong: anonymously it must be
// UNAUTHENTICATED (unless the method is public), and with a role that may not take it
// PERMISSION_DENIED or NOT_FOUND — never a field violation, which would tell a caller
// who may not act what its request holds. (Principle 1.)
func TestSecurity_OrderEveryMethod(t *testing.T) {
	s := newSecStack(t, nil)
	all := serviceMethods(t)
	if len(all) != len(methods) {
		var names []string
		for _, md := range all {
			if _, ok := methods[string(md.Name())]; !ok {
				names = append(names, string(md.Name()))
			}
		}
		t.Fatalf("the walk knows %d methods, the services have %d; add %v to methods", len(methods), len(all), names)
	}
	for _, md := range all {
		mc := methods[string(md.Name())]
		t.Run(string(md.Name()), func(t *testing.T) {
			for _, addressed := range []bool{true, false} {
				req := s.badRequest(md, addressed)
				st := s.grpcCall(t, md, "", req)
				httpCode, restCode, body := s.restCall(t, md, "", req)
				switch {
				case mc.public:
					if st.Code() == codes.Internal || st.Code() == codes.Unknown || httpCode >= 500 {
						t.Errorf("anonymous, addressed %v: got %s / HTTP %d, want a client error", addressed, st.Code(), httpCode)
					}
				default:
					if st.Code() != codes.Unauthenticated {
						t.Errorf("gRPC anonymous, addressed %v: got %s (%q), want Unauthenticated", addressed, st.Code(), st.Message())
					}
					if httpCode != http.StatusUnauthorized || restCode != codes.Unauthenticated {
						t.Errorf("REST anonymous, addressed %v: got HTTP %d code %s, want 401 Unauthenticated: %.300s", addressed, httpCode, restCode, body)
					}
				}
			}
			if mc.wrongRole == "" {
				return
			}
			req := s.badRequest(md, true)
			if st := s.grpcCall(t, md, mc.wrongRole, req); st.Code() != mc.want {
				t.Errorf("gRPC as %s: got %s (%q), want %s", mc.wrongRole, st.Code(), st.Message(), mc.want)
			}
			if _, restCode, body := s.restCall(t, md, mc.wrongRole, req); restCode != mc.want {
				t.Errorf("REST as %s: got %s, want %s: %.300s", mc.wrongRole, restCode, mc.want, body)
			}
		})
	}
}

// checkClientError fails unless the gRPC error is a client's error with a bounded
// answer.
func checkClientError(t *testing.T, err error, want codes.Code) *status.Status {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != want {
		t.Fatalf("got %s (%.200q), want %s", st.Code(), st.Message(), want)
	}
	return st
}
