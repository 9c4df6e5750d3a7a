package rpc

// Calls for applications and KDD's selection (R20; proto/forsok/v1/call.proto).

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

func callFromProto(p *forsokv1.Call) *trial.Call {
	c := &trial.Call{Title: p.GetTitle(), Description: p.GetDescription(), Themes: p.GetThemes(),
		PreliminaryDeadline: p.GetPreliminaryDeadline(), FinalDeadline: p.GetFinalDeadline()}
	for _, k := range p.GetEligibleKinds() {
		c.EligibleKinds = append(c.EligibleKinds, trial.ApplicantKind(enumName(forsokv1.Applicant_Kind_name, int32(k))))
	}
	return c
}

func callToProto(c *trial.Call) *forsokv1.Call {
	p := &forsokv1.Call{
		Name: trial.CallName(c.ID), State: forsokv1.Call_State(enumValue(forsokv1.Call_State_value, string(c.State))),
		Etag: workflow.CallEtag(c), Title: c.Title, Description: c.Description, Themes: c.Themes,
		PreliminaryDeadline: c.PreliminaryDeadline, FinalDeadline: c.FinalDeadline,
		CreateTime: timestamp(c.CreateTime), UpdateTime: timestamp(c.UpdateTime),
		PublishTime: timestamp(c.PublishTime), CloseTime: timestamp(c.CloseTime),
	}
	for _, k := range c.EligibleKinds {
		p.EligibleKinds = append(p.EligibleKinds, forsokv1.Applicant_Kind(enumValue(forsokv1.Applicant_Kind_value, string(k))))
	}
	if h := c.ChainHead; h != nil {
		p.ChainHead = &forsokv1.ChainHead{Sequence: h.Sequence, Hash: h.Hash}
	}
	return p
}

// callFieldsToProto sets an application's call fields (R20).
func callFieldsToProto(a *trial.Application, p *forsokv1.Application) {
	if a.Call != "" {
		p.Call = trial.CallName(a.Call)
	}
	// The public register's view has no stage (domain.md lists its fields).
	p.Stage = forsokv1.Application_Stage(enumValue(forsokv1.Application_Stage_value, string(a.Stage)))
	p.Themes, p.ProgressPlan, p.Deadline = a.Themes, a.ProgressPlan, a.Deadline
	if s := a.Selection; s != nil {
		p.Selection = &forsokv1.Selection{Selected: s.Selected, Reasons: s.Reasons, FinalDeadline: s.FinalDeadline,
			Authority: s.Authority, DecidedBy: personToProto(&s.DecidedBy), DecideTime: timestamp(s.DecideTime)}
		for _, rc := range s.ReasonCodes {
			p.Selection.ReasonCodes = append(p.Selection.ReasonCodes, string(rc))
		}
	}
}

func callResult(c *trial.Call, err error) (*forsokv1.Call, error) {
	if err != nil {
		return nil, err
	}
	return callToProto(c), nil
}

// CreateCall implements forsok.v1.ApplicationService.
func (s *Server) CreateCall(ctx context.Context, req *forsokv1.CreateCallRequest) (*forsokv1.Call, error) {
	return callResult(s.svc.CreateCall(ctx, s.call(ctx, req), callFromProto(req.GetCall())))
}

// GetCall implements forsok.v1.ApplicationService.
func (s *Server) GetCall(ctx context.Context, req *forsokv1.GetCallRequest) (*forsokv1.Call, error) {
	id, err := trial.ParseCallName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	return callResult(s.svc.GetCall(ctx, actorFrom(ctx), id))
}

// ListCalls implements forsok.v1.ApplicationService.
func (s *Server) ListCalls(ctx context.Context, req *forsokv1.ListCallsRequest) (*forsokv1.ListCallsResponse, error) {
	calls, next, err := s.svc.ListCalls(ctx, actorFrom(ctx), int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &forsokv1.ListCallsResponse{NextPageToken: next}
	for _, c := range calls {
		resp.Calls = append(resp.Calls, callToProto(c))
	}
	return resp, nil
}

// UpdateCall implements forsok.v1.ApplicationService.
func (s *Server) UpdateCall(ctx context.Context, req *forsokv1.UpdateCallRequest) (*forsokv1.Call, error) {
	id, err := trial.ParseCallName(req.GetCall().GetName(), "call.name")
	if err != nil {
		return nil, err
	}
	call := s.call(ctx, req)
	call.Etag = req.GetCall().GetEtag()
	var mask []string
	if req.GetUpdateMask() == nil {
		req.GetCall().ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			if name := string(fd.Name()); isCallField(name) {
				mask = append(mask, name)
			}
			return true
		})
	} else {
		for _, p := range req.GetUpdateMask().GetPaths() {
			mask = append(mask, snakeCase(p))
		}
	}
	return callResult(s.svc.UpdateCall(ctx, call, id, callFromProto(req.GetCall()), mask))
}

func isCallField(name string) bool { return slices.Contains(trial.CallFields, name) }

// PublishCall implements forsok.v1.ApplicationService.
func (s *Server) PublishCall(ctx context.Context, req *forsokv1.PublishCallRequest) (*forsokv1.Call, error) {
	id, err := trial.ParseCallName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	return callResult(s.svc.PublishCall(ctx, s.call(ctx, req), id, req.GetComment()))
}

// CloseCall implements forsok.v1.ApplicationService.
func (s *Server) CloseCall(ctx context.Context, req *forsokv1.CloseCallRequest) (*forsokv1.Call, error) {
	id, err := trial.ParseCallName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	return callResult(s.svc.CloseCall(ctx, s.call(ctx, req), id, req.GetComment()))
}

// GetCallStatistics implements forsok.v1.ApplicationService.
func (s *Server) GetCallStatistics(ctx context.Context, req *forsokv1.GetCallStatisticsRequest) (*forsokv1.CallStatistics, error) {
	name, ok := strings.CutSuffix(req.GetName(), "/statistics")
	if !ok {
		return nil, trial.Invalid([]trial.Violation{{Field: "name", Reason: "INVALID_NAME", Description: "want calls/{id}/statistics, such as calls/2027-01/statistics"}})
	}
	id, err := trial.ParseCallName(name, "name")
	if err != nil {
		return nil, err
	}
	st, err := s.svc.GetCallStatistics(ctx, actorFrom(ctx), id)
	if err != nil {
		return nil, err
	}
	p := &forsokv1.CallStatistics{Name: req.GetName(), Drafts: int32(st.Drafts), Received: int32(st.Received), Selected: int32(st.Selected),
		NotSelected: int32(st.NotSelected), Withdrawn: int32(st.Withdrawn), FinalSubmitted: int32(st.FinalSubmitted), Approved: int32(st.Approved),
		ByCounty: map[string]int32{}, ByTheme: map[string]int32{}}
	for k, v := range st.ByCounty {
		p.ByCounty[k] = int32(v)
	}
	for k, v := range st.ByTheme {
		p.ByTheme[k] = int32(v)
	}
	return p, nil
}

// SelectApplication implements forsok.v1.ApplicationService.
func (s *Server) SelectApplication(ctx context.Context, req *forsokv1.SelectApplicationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	in := trial.SelectInput{Reasons: req.GetReasons(), FinalDeadline: req.GetFinalDeadline()}
	return applicationResult(s.svc.SelectApplication(ctx, s.call(ctx, req), id, in))
}

func declineInput(codes []forsokv1.DeclineApplicationRequest_ReasonCode, reasons string) trial.DeclineInput {
	in := trial.DeclineInput{Reasons: reasons}
	for _, rc := range codes {
		in.ReasonCodes = append(in.ReasonCodes, trial.RejectReason(enumName(forsokv1.DeclineApplicationRequest_ReasonCode_name, int32(rc))))
	}
	return in
}

// DeclineApplication implements forsok.v1.ApplicationService.
func (s *Server) DeclineApplication(ctx context.Context, req *forsokv1.DeclineApplicationRequest) (*forsokv1.Application, error) {
	id, err := trial.ParseApplicationName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	return applicationResult(s.svc.DeclineApplication(ctx, s.call(ctx, req), id, declineInput(req.GetReasonCodes(), req.GetReasons())))
}

// SelectApplications implements forsok.v1.ApplicationService.
func (s *Server) SelectApplications(ctx context.Context, req *forsokv1.SelectApplicationsRequest) (*forsokv1.SelectApplicationsResponse, error) {
	callID, err := trial.ParseCallName(req.GetCall(), "call")
	if err != nil {
		return nil, err
	}
	in := trial.SelectInput{Reasons: req.GetReasons(), FinalDeadline: req.GetFinalDeadline()}
	codes := declineInput(req.GetDeclineReasonCodes(), "").ReasonCodes
	apps, err := s.svc.SelectApplications(ctx, s.call(ctx, req), callID, req.GetNames(), req.GetDeclinedNames(), in, codes)
	if err != nil {
		return nil, err
	}
	return &forsokv1.SelectApplicationsResponse{Applications: applicationsToProto(apps)}, nil
}

// DeclineApplications implements forsok.v1.ApplicationService.
func (s *Server) DeclineApplications(ctx context.Context, req *forsokv1.DeclineApplicationsRequest) (*forsokv1.DeclineApplicationsResponse, error) {
	callID, err := trial.ParseCallName(req.GetCall(), "call")
	if err != nil {
		return nil, err
	}
	apps, err := s.svc.DeclineApplications(ctx, s.call(ctx, req), callID, req.GetNames(), declineInput(req.GetReasonCodes(), req.GetReasons()))
	if err != nil {
		return nil, err
	}
	return &forsokv1.DeclineApplicationsResponse{Applications: applicationsToProto(apps)}, nil
}

func applicationsToProto(apps []*trial.Application) []*forsokv1.Application {
	out := make([]*forsokv1.Application, 0, len(apps))
	for _, a := range apps {
		out = append(out, applicationToProto(a))
	}
	return out
}
