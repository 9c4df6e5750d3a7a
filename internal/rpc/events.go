package rpc

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/trial"
)

// The event feed over gRPC and REST, the archive export, and the authentication of
// streaming calls.

// feedStreams ends the long-lived WatchEvents streams when the server shuts down, so
// that neither gRPC's GracefulStop nor the HTTP server's Shutdown waits for them. The
// zero value is ready to use.
type feedStreams struct {
	mu   sync.Mutex
	done chan struct{}
	shut bool
}

func (f *feedStreams) streamsDone() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done == nil {
		f.done = make(chan struct{})
	}
	return f.done
}

// endStreams ends every WatchEvents stream, now and from now on. Calling it again does
// nothing.
func (f *feedStreams) endStreams() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done == nil {
		f.done = make(chan struct{})
	}
	if !f.shut {
		f.shut = true
		close(f.done)
	}
}

// actorStream is a ServerStream whose context carries the authenticated caller.
type actorStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (a *actorStream) Context() context.Context { return a.ctx }

// WatchEvents implements forsok.v1.ApplicationService.
func (s *Server) WatchEvents(req *forsokv1.WatchEventsRequest, stream grpc.ServerStreamingServer[forsokv1.Event]) error {
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	shutdown := s.streamsDone()
	go func() {
		select {
		case <-shutdown:
			cancel()
		case <-ctx.Done():
		}
	}()
	err := s.svc.WatchEvents(ctx, actorFrom(ctx), req.After, func(e *trial.Event) error {
		return stream.Send(eventToProto(e))
	})
	select {
	case <-shutdown:
		return trial.Errorf(trial.CodeUnavailable, "the server is shutting down; watch again with after set to the last sequence received")
	default:
	}
	return err
}

// ListEvents implements forsok.v1.ApplicationService.
func (s *Server) ListEvents(ctx context.Context, req *forsokv1.ListEventsRequest) (*forsokv1.ListEventsResponse, error) {
	events, next, err := s.svc.ListEvents(ctx, actorFrom(ctx), req.GetAfter(), int(req.GetPageSize()))
	if err != nil {
		return nil, err
	}
	resp := &forsokv1.ListEventsResponse{NextAfter: next}
	for _, e := range events {
		resp.Events = append(resp.Events, eventToProto(e))
	}
	return resp, nil
}

// ExportApplicationEvents implements forsok.v1.ApplicationService.
func (s *Server) ExportApplicationEvents(ctx context.Context, req *forsokv1.ExportApplicationEventsRequest) (*forsokv1.ApplicationHistory, error) {
	id, err := trial.ParseApplicationName(req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	app, events, err := s.svc.ExportApplicationEvents(ctx, actorFrom(ctx), id)
	if err != nil {
		return nil, err
	}
	h := &forsokv1.ApplicationHistory{
		Application: trial.ApplicationName(app.ID),
		CaseNumber:  app.CaseNumber,
		ChainHead:   chainHeadToProto(app.ID, app.ChainHead),
		HashScheme:  trial.HashScheme,
		ExportTime:  timestamppb.New(s.svc.Now()),
	}
	for _, e := range events {
		h.Events = append(h.Events, eventToProto(e))
	}
	return h, nil
}

func chainHeadToProto(appID string, h *trial.ChainHead) *forsokv1.ChainHead {
	if h == nil {
		return nil
	}
	return &forsokv1.ChainHead{Sequence: h.Sequence, Hash: h.Hash, Event: fmt.Sprintf("%s/events/%d", trial.ApplicationName(appID), h.Sequence)}
}

// eventJSON is the JSON form the REST API gives events.
var eventJSON = protojson.MarshalOptions{UseProtoNames: false}

// EventJSON returns the event as the REST API shows it: the data of a webhook's
// CloudEvent.
func EventJSON(e *trial.Event) (json.RawMessage, error) {
	return eventJSON.Marshal(eventToProto(e))
}

// EventFromProto turns an event of the API (from the feed or an export) back into the
// domain's, as its hash covers it: so an archive's copy can be verified
// (trial.ChainVerifier).
func EventFromProto(p *forsokv1.Event) (*trial.Event, error) {
	prefix, seq, ok := strings.Cut(p.GetName(), "/events/")
	id, err := trial.ParseApplicationName(prefix, "name")
	if !ok || err != nil || seq != strconv.FormatUint(p.GetSequence(), 10) {
		return nil, fmt.Errorf("event name %q does not match its sequence %d", p.GetName(), p.GetSequence())
	}
	e := &trial.Event{
		Sequence: p.GetSequence(), ApplicationID: id, Time: p.GetTime().AsTime(),
		Action:    trial.Action(p.GetAction()),
		FromState: trial.State(enumName(forsokv1.Application_State_name, int32(p.GetFromState()))),
		ToState:   trial.State(enumName(forsokv1.Application_State_name, int32(p.GetToState()))),
		Comment:   p.GetComment(), Changes: p.GetChanges(), PrevHash: p.GetPrevHash(), Hash: p.GetHash(),
	}
	if a := p.GetActor(); a != nil {
		e.Actor = trial.Actor{Subject: a.GetSubject(), Name: a.GetName(), OrganisationNumber: a.GetOrganisationNumber(),
			Role: trial.Role(a.GetRole()), Ministry: a.GetMinistry()}
	}
	if c := p.GetConsultation(); c != "" {
		appID, cid, err := trial.ParseConsultationName(c, "consultation")
		if err != nil || appID != id {
			return nil, fmt.Errorf("event %s names consultation %q of another case", p.GetName(), c)
		}
		e.ConsultationID = cid
	}
	return e, nil
}
