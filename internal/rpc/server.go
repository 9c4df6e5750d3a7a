// Package rpc is the transport: the gRPC service forsok.v1.ApplicationService and its
// REST gateway. It converts between the proto contract and the domain, authenticates
// callers and turns domain errors into statuses through one table (errors.go). The
// workflow itself lives in package trial; nothing here decides a rule.
package rpc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"slices"
	"strings"
	"unicode"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// DefaultMaxMessageBytes is the largest request accepted, over gRPC and REST alike.
// An application with fifty exemptions of long prose is far below it.
const DefaultMaxMessageBytes = 1 << 20

// MaxAnswerBytes is the largest answer the server sends and the gateway accepts: a page
// of cases may be larger than any one request.
const MaxAnswerBytes = 64 << 20

// Config is what the transport needs.
type Config struct {
	Service *workflow.Service
	Auth    Authenticator
	Logger  *slog.Logger
	// MaxMessageBytes limits a request's size (default DefaultMaxMessageBytes).
	MaxMessageBytes int
	// MaxStreamsPerCaller limits the streams one caller holds open at once (default
	// DefaultMaxStreamsPerCaller); one more is RESOURCE_EXHAUSTED.
	MaxStreamsPerCaller int
	// Registry receives the request metrics and is what /metrics serves; nil means a
	// registry of the server's own (see Server.Registry).
	Registry *prometheus.Registry
	// Ready reports whether what the service depends on (the store) can serve; /readyz
	// and the gRPC health service fail while it returns an error. Nil means ready.
	Ready func(context.Context) error
	// Backup writes a consistent copy of the database for GET /v1/admin/backup. Nil
	// means the server offers no backups.
	Backup func(io.Writer) (int64, error)
	// Archive writes the Noark 5 archive deposit of the ended cases the filter matches,
	// as a tar, for GET /v1/archive:export (archive.go). Nil means the server offers
	// none.
	Archive func(ctx context.Context, filter *trial.Filter, w io.Writer) (cases, documents int, err error)
}

// Server is the gRPC server with the ApplicationService, health and reflection.
type Server struct {
	forsokv1.UnimplementedApplicationServiceServer
	svc      *workflow.Service
	auth     Authenticator
	log      *slog.Logger
	maxBytes int
	grpc     *grpc.Server
	health   *health.Server
	metrics  *grpcprom.ServerMetrics
	registry *prometheus.Registry
	// docMetrics count documents and their bytes (documents.go).
	docMetrics documentMetrics
	lifecycle
	feedStreams // ends WatchEvents streams at shutdown (events.go)
	streams     streamLimits
	maxStreams  int
	archive     func(ctx context.Context, filter *trial.Filter, w io.Writer) (cases, documents int, err error)
}

// NewServer returns a Server; register it on listeners with GRPCServer().Serve.
func NewServer(cfg Config) *Server {
	s := &Server{svc: cfg.Service, auth: cfg.Auth, log: cfg.Logger, maxBytes: cfg.MaxMessageBytes, registry: cfg.Registry, archive: cfg.Archive}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBytes == 0 {
		s.maxBytes = DefaultMaxMessageBytes
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	if s.maxStreams = cfg.MaxStreamsPerCaller; s.maxStreams <= 0 {
		s.maxStreams = DefaultMaxStreamsPerCaller
	}
	s.metrics = newServerMetrics(s.registry)
	s.docMetrics = newDocumentMetrics(s.registry)
	s.lifecycle = newLifecycle(cfg.Ready, cfg.Backup)
	// The metrics interceptor comes first, so that it counts the status the service's
	// own interceptor has made of a domain error (and of a panic).
	s.grpc = grpc.NewServer(
		grpc.ChainUnaryInterceptor(s.metrics.UnaryServerInterceptor(), s.unaryInterceptor),
		grpc.ChainStreamInterceptor(s.metrics.StreamServerInterceptor()),
		grpc.ChainStreamInterceptor(s.streamInterceptor), // after the metrics', as for unary calls
		grpc.MaxRecvMsgSize(s.maxBytes), grpc.MaxSendMsgSize(MaxAnswerBytes), codecOption(),
		// A fixed flow-control window (no BDP growth to 16 MiB): a document upload
		// buffers at most this much per stream in the server (documents.go).
		grpc.InitialWindowSize(streamWindow), grpc.InitialConnWindowSize(streamWindow))
	forsokv1.RegisterApplicationServiceServer(s.grpc, s)
	s.registerSubscriptions()
	s.health = health.NewServer()
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	s.health.SetServingStatus(forsokv1.ApplicationService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	s.metrics.InitializeMetrics(s.grpc)
	return s
}

// GRPCServer returns the underlying gRPC server.
func (s *Server) GRPCServer() *grpc.Server { return s.grpc }

// Shutdown marks the service not serving, so health checks fail first, then stops
// accepting calls and waits for those in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) {
	s.BeginShutdown()
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.grpc.Stop()
	}
}

// call collects what the domain needs to know about a request besides its body: the
// caller, the method, and the requestId, fingerprint and etag fields if the request has
// them.
func (s *Server) call(ctx context.Context, req proto.Message) workflow.Call {
	c := workflow.Call{Actor: actorFrom(ctx)}
	if m, ok := grpc.Method(ctx); ok {
		c.Method = m
	}
	msg := req.ProtoReflect()
	fields := msg.Descriptor().Fields()
	if fd := fields.ByName("etag"); fd != nil {
		c.Etag = msg.Get(fd).String()
	}
	if fd := fields.ByName("request_id"); fd != nil {
		c.RequestID = msg.Get(fd).String()
		if c.RequestID != "" {
			c.Fingerprint = fingerprint(req, fd)
		}
	}
	c.Shape = shapeOf(req)
	return c
}

// fingerprint hashes the request without its request_id, so that a retry matches the
// first request and a different request under the same id does not.
func fingerprint(req proto.Message, requestID protoreflect.FieldDescriptor) string {
	clone := proto.Clone(req)
	clone.ProtoReflect().Clear(requestID)
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(clone)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (s *Server) today() string { return s.svc.Today().Format("2006-01-02") }

// CreateApplication implements forsok.v1.ApplicationService.
func (s *Server) CreateApplication(ctx context.Context, req *forsokv1.CreateApplicationRequest) (*forsokv1.Application, error) {
	app, err := s.svc.CreateApplication(ctx, s.call(ctx, req), applicationFromProto(req.GetApplication()))
	return applicationResult(app, err)
}

func applicationResult(app *trial.Application, err error) (*forsokv1.Application, error) {
	if err != nil {
		return nil, err
	}
	return applicationToProto(app), nil
}

// GetApplication implements forsok.v1.ApplicationService.
func (s *Server) GetApplication(ctx context.Context, req *forsokv1.GetApplicationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	return applicationResult(s.svc.GetApplication(ctx, actorFrom(ctx), id))
}

// ListApplications implements forsok.v1.ApplicationService.
func (s *Server) ListApplications(ctx context.Context, req *forsokv1.ListApplicationsRequest) (*forsokv1.ListApplicationsResponse, error) {
	apps, next, err := s.svc.ListApplications(ctx, actorFrom(ctx), req.GetFilter(), req.GetOrderBy(), int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &forsokv1.ListApplicationsResponse{NextPageToken: next}
	for _, a := range apps {
		resp.Applications = append(resp.Applications, applicationToProto(a))
	}
	return resp, nil
}

// UpdateApplication implements forsok.v1.ApplicationService.
func (s *Server) UpdateApplication(ctx context.Context, req *forsokv1.UpdateApplicationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetApplication().GetName(), "application.name")
	if err != nil {
		return nil, err
	}
	call := s.call(ctx, req)
	call.Etag = req.GetApplication().GetEtag()
	var mask []string
	if req.GetUpdateMask() == nil {
		mask = populatedPaths(req.GetApplication())
	} else {
		for _, p := range req.GetUpdateMask().GetPaths() {
			// The name says which case and the etag on which condition (AIP-154); neither
			// is a field to update. The gateway puts both in the mask it derives from a
			// JSON body sent without updateMask.
			if p = snakeCase(p); p != "name" && p != "etag" {
				mask = append(mask, p)
			}
		}
	}
	return applicationResult(s.svc.UpdateApplication(ctx, call, id, applicationFromProto(req.GetApplication()), mask))
}

// populatedPaths lists the writable fields set in a (AIP-134: without an update mask,
// the fields present are replaced).
func populatedPaths(a *forsokv1.Application) []string {
	var paths []string
	writable := workflow.DraftFields()
	a.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if name := string(fd.Name()); slices.Contains(writable, name) {
			paths = append(paths, name)
		}
		return true
	})
	return paths
}

// snakeCase turns a JSON field name in a mask ("plannedStart") into the proto name.
func snakeCase(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('_')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// DeleteApplication implements forsok.v1.ApplicationService.
func (s *Server) DeleteApplication(ctx context.Context, req *forsokv1.DeleteApplicationRequest) (*emptypb.Empty, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteApplication(ctx, s.call(ctx, req), id); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// ConfirmParticipation implements forsok.v1.ApplicationService.
func (s *Server) ConfirmParticipation(ctx context.Context, req *forsokv1.ConfirmParticipationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.ParticipationInput{OrganisationNumber: req.GetOrganisationNumber(), CouncilDecision: councilDecisionFromProto(req.GetCouncilDecision())}
	return applicationResult(s.svc.ConfirmParticipation(ctx, s.call(ctx, req), id, in))
}

// SubmitApplication implements forsok.v1.ApplicationService.
func (s *Server) SubmitApplication(ctx context.Context, req *forsokv1.SubmitApplicationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	return applicationResult(s.svc.SubmitApplication(ctx, s.call(ctx, req), id, req.GetComment()))
}

// WithdrawApplication implements forsok.v1.ApplicationService.
func (s *Server) WithdrawApplication(ctx context.Context, req *forsokv1.WithdrawApplicationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	return applicationResult(s.svc.WithdrawApplication(ctx, s.call(ctx, req), id, req.GetReason()))
}

// AssignApplication implements forsok.v1.ApplicationService.
func (s *Server) AssignApplication(ctx context.Context, req *forsokv1.AssignApplicationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	handler := trial.Person{Subject: req.GetHandler(), Name: req.GetHandlerName()}
	return applicationResult(s.svc.AssignApplication(ctx, s.call(ctx, req), id, handler, req.GetComment()))
}

// RecordInterimReply implements forsok.v1.ApplicationService.
func (s *Server) RecordInterimReply(ctx context.Context, req *forsokv1.RecordInterimReplyRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.InterimReplyInput{Text: req.GetText(), ExpectedDecisionDate: req.GetExpectedDecisionDate()}
	return applicationResult(s.svc.RecordInterimReply(ctx, s.call(ctx, req), id, in))
}

// RequestChanges implements forsok.v1.ApplicationService.
func (s *Server) RequestChanges(ctx context.Context, req *forsokv1.RequestChangesRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	return applicationResult(s.svc.RequestChanges(ctx, s.call(ctx, req), id, req.GetQuestions()))
}

// CreateConsultation implements forsok.v1.ApplicationService.
func (s *Server) CreateConsultation(ctx context.Context, req *forsokv1.CreateConsultationRequest) (*forsokv1.Consultation, error) {
	id, err := trial.ParseApplicationName(req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	c := req.GetConsultation()
	in := trial.ConsultationInput{Ministry: c.GetMinistry(), Question: c.GetQuestion(), DueDate: c.GetDueDate(), DueWorkingDays: int(c.GetDueWorkingDays())}
	return s.consultationResult(s.svc.CreateConsultation(ctx, s.call(ctx, req), id, in))
}

func (s *Server) consultationResult(c *trial.Consultation, err error) (*forsokv1.Consultation, error) {
	if err != nil {
		return nil, err
	}
	return consultationToProto(c, s.today()), nil
}

// ListConsultations implements forsok.v1.ApplicationService: one case's consultations,
// or with the parent "applications/-" the open ones across cases, earliest due first.
func (s *Server) ListConsultations(ctx context.Context, req *forsokv1.ListConsultationsRequest) (*forsokv1.ListConsultationsResponse, error) {
	var cons []*trial.Consultation
	var next string
	var err error
	if req.GetParent() == "applications/-" {
		cons, next, err = s.svc.ListOpenConsultations(ctx, actorFrom(ctx), int(req.GetPageSize()), req.GetPageToken())
	} else {
		cons, err = s.consultationsOf(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	resp := &forsokv1.ListConsultationsResponse{NextPageToken: next}
	today := s.today()
	for _, c := range cons {
		resp.Consultations = append(resp.Consultations, consultationToProto(c, today))
	}
	return resp, nil
}

// consultationsOf lists one case's consultations: a handful, so they come in one page.
func (s *Server) consultationsOf(ctx context.Context, req *forsokv1.ListConsultationsRequest) ([]*trial.Consultation, error) {
	id, err := trial.ParseApplicationName(req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	return s.svc.ListConsultations(ctx, actorFrom(ctx), id, req.GetPageToken())
}

// RespondToConsultation implements forsok.v1.ApplicationService.
func (s *Server) RespondToConsultation(ctx context.Context, req *forsokv1.RespondToConsultationRequest) (*forsokv1.Consultation, error) {
	appID, cid, err := trial.ParseConsultationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.ResponseInput{
		Position:  trial.Position(enumName(forsokv1.Consultation_Position_name, int32(req.GetPosition()))),
		Statement: req.GetStatement(),
	}
	return s.consultationResult(s.svc.RespondToConsultation(ctx, s.call(ctx, req), appID, cid, in))
}

// CancelConsultation implements forsok.v1.ApplicationService.
func (s *Server) CancelConsultation(ctx context.Context, req *forsokv1.CancelConsultationRequest) (*forsokv1.Consultation, error) {
	appID, cid, err := trial.ParseConsultationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	return s.consultationResult(s.svc.CancelConsultation(ctx, s.call(ctx, req), appID, cid, req.GetReason()))
}

// ApproveApplication implements forsok.v1.ApplicationService.
func (s *Server) ApproveApplication(ctx context.Context, req *forsokv1.ApproveApplicationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.ApproveInput{
		ApprovedStart: req.GetApprovedStart(), ApprovedEnd: req.GetApprovedEnd(), Reasons: req.GetReasons(),
		ObjectionResponse: req.GetObjectionResponse(), RegulationID: req.GetRegulationId(), PublicationReference: req.GetPublicationReference(),
		PublicationDate: req.GetPublicationDate(), GrantedExemptions: intsFromProto(req.GetGrantedExemptions()),
	}
	return applicationResult(s.svc.ApproveApplication(ctx, s.call(ctx, req), id, in))
}

// RejectApplication implements forsok.v1.ApplicationService.
func (s *Server) RejectApplication(ctx context.Context, req *forsokv1.RejectApplicationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.RejectInput{Reasons: req.GetReasons()}
	for _, rc := range req.GetReasonCodes() {
		in.ReasonCodes = append(in.ReasonCodes, trial.RejectReason(enumName(forsokv1.RejectApplicationRequest_ReasonCode_name, int32(rc))))
	}
	return applicationResult(s.svc.RejectApplication(ctx, s.call(ctx, req), id, in))
}

// RecordPublication implements forsok.v1.ApplicationService.
func (s *Server) RecordPublication(ctx context.Context, req *forsokv1.RecordPublicationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.PublicationInput{RegulationID: req.GetRegulationId(), PublicationReference: req.GetPublicationReference(), PublicationDate: req.GetPublicationDate()}
	return applicationResult(s.svc.RecordPublication(ctx, s.call(ctx, req), id, in))
}

// ActivateTrial implements forsok.v1.ApplicationService.
func (s *Server) ActivateTrial(ctx context.Context, req *forsokv1.ActivateTrialRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	return applicationResult(s.svc.ActivateTrial(ctx, s.call(ctx, req), id, req.GetComment()))
}

// RequestExtension implements forsok.v1.ApplicationService.
func (s *Server) RequestExtension(ctx context.Context, req *forsokv1.RequestExtensionRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.ExtensionRequestInput{RequestedEnd: req.GetRequestedEnd(), CouncilDecision: councilDecisionFromProto(req.GetCouncilDecision()),
		ReformReference: req.GetReformReference(), ReformInForce: req.GetReformInForce()}
	return applicationResult(s.svc.RequestExtension(ctx, s.call(ctx, req), id, in))
}

// DecideExtension implements forsok.v1.ApplicationService.
func (s *Server) DecideExtension(ctx context.Context, req *forsokv1.DecideExtensionRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.ExtensionDecisionInput{Grant: req.GetGrant(), ApprovedEnd: req.GetApprovedEnd(),
		AmendingRegulationID: req.GetAmendingRegulationId(), Reasons: req.GetReasons()}
	return applicationResult(s.svc.DecideExtension(ctx, s.call(ctx, req), id, in))
}

// TerminateTrial implements forsok.v1.ApplicationService.
func (s *Server) TerminateTrial(ctx context.Context, req *forsokv1.TerminateTrialRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.TerminateInput{Reasons: req.GetReasons(), RepealingInstrument: req.GetRepealingInstrument()}
	return applicationResult(s.svc.TerminateTrial(ctx, s.call(ctx, req), id, in))
}

// BatchTerminateTrials implements forsok.v1.ApplicationService.
func (s *Server) BatchTerminateTrials(ctx context.Context, req *forsokv1.BatchTerminateTrialsRequest) (*forsokv1.BatchTerminateTrialsResponse, error) {
	in := trial.TerminateInput{Reasons: req.GetReasons(), RepealingInstrument: req.GetRepealingInstrument()}
	apps, err := s.svc.BatchTerminateTrials(ctx, s.call(ctx, req), req.GetNames(), in)
	if err != nil {
		return nil, err
	}
	return &forsokv1.BatchTerminateTrialsResponse{Applications: applicationsToProto(apps)}, nil
}

// EndTrialPeriod implements forsok.v1.ApplicationService.
func (s *Server) EndTrialPeriod(ctx context.Context, req *forsokv1.EndTrialPeriodRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	return applicationResult(s.svc.EndTrialPeriod(ctx, s.call(ctx, req), id, req.GetComment()))
}

// SubmitEvaluation implements forsok.v1.ApplicationService.
func (s *Server) SubmitEvaluation(ctx context.Context, req *forsokv1.SubmitEvaluationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.EvaluationInput{ReportReference: req.GetReportReference(), Summary: req.GetSummary()}
	return applicationResult(s.svc.SubmitEvaluation(ctx, s.call(ctx, req), id, in))
}

// CloseApplication implements forsok.v1.ApplicationService.
func (s *Server) CloseApplication(ctx context.Context, req *forsokv1.CloseApplicationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.CloseInput{
		Outcome:           trial.Outcome(enumName(forsokv1.Application_Outcome_name, int32(req.GetOutcome()))),
		Reasons:           req.GetReasons(),
		WithoutEvaluation: req.GetWithoutEvaluation(),
	}
	return applicationResult(s.svc.CloseApplication(ctx, s.call(ctx, req), id, in))
}

// ListApplicationEvents implements forsok.v1.ApplicationService.
func (s *Server) ListApplicationEvents(ctx context.Context, req *forsokv1.ListApplicationEventsRequest) (*forsokv1.ListApplicationEventsResponse, error) {
	id, err := trial.ParseApplicationName(req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	events, next, err := s.svc.ListApplicationEvents(ctx, actorFrom(ctx), id, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &forsokv1.ListApplicationEventsResponse{NextPageToken: next}
	for _, e := range events {
		resp.Events = append(resp.Events, eventToProto(e))
	}
	return resp, nil
}

// ListAllowedActions implements forsok.v1.ApplicationService.
func (s *Server) ListAllowedActions(ctx context.Context, req *forsokv1.ListAllowedActionsRequest) (*forsokv1.ListAllowedActionsResponse, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	actions, err := s.svc.ListAllowedActions(ctx, actorFrom(ctx), id)
	if err != nil {
		return nil, err
	}
	resp := &forsokv1.ListAllowedActionsResponse{}
	for _, a := range actions {
		resp.Actions = append(resp.Actions, &forsokv1.AllowedAction{Action: string(a.Action), Allowed: a.Allowed, FailingGuards: violationsToProto(a.Failing)})
	}
	return resp, nil
}

// GetWorkflow implements forsok.v1.ApplicationService: the states, actions and diagram
// come from the running state machine, so they cannot drift from what it enforces.
func (s *Server) GetWorkflow(context.Context, *forsokv1.GetWorkflowRequest) (*forsokv1.Workflow, error) {
	w := &forsokv1.Workflow{Mermaid: trial.MermaidDiagram()}
	for _, st := range trial.States {
		w.States = append(w.States, string(st))
	}
	for _, a := range trial.Actions() {
		w.Actions = append(w.Actions, string(a))
	}
	for _, t := range trial.Transitions() {
		w.Transitions = append(w.Transitions, &forsokv1.WorkflowTransition{
			Action:    string(t.Action),
			FromState: forsokv1.Application_State(enumValue(forsokv1.Application_State_value, string(t.From))),
			ToState:   forsokv1.Application_State(enumValue(forsokv1.Application_State_value, string(t.To))),
		})
	}
	// The machine's automatic step, taken when the last open consultation closes.
	w.Transitions = append(w.Transitions, &forsokv1.WorkflowTransition{
		Action:    trial.EventConsultationsSettled,
		FromState: forsokv1.Application_IN_CONSULTATION,
		ToState:   forsokv1.Application_READY_FOR_DECISION,
	})
	return w, nil
}
