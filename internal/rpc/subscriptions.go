package rpc

import (
	"context"
	"strconv"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// subscriptionServer is forsok.v1.SubscriptionService: webhook subscriptions and their
// deliveries. It shares the Server's interceptors (authentication, logging, errors).
type subscriptionServer struct {
	forsokv1.UnimplementedSubscriptionServiceServer
	s *Server
}

// registerSubscriptions adds SubscriptionService to the gRPC server.
func (s *Server) registerSubscriptions() {
	forsokv1.RegisterSubscriptionServiceServer(s.grpc, &subscriptionServer{s: s})
}

// CreateSubscription implements forsok.v1.SubscriptionService.
func (ss *subscriptionServer) CreateSubscription(ctx context.Context, req *forsokv1.CreateSubscriptionRequest) (*forsokv1.Subscription, error) {
	p := req.GetSubscription()
	in := workflow.SubscriptionInput{TargetURL: p.GetTargetUrl(), Secret: p.GetSecret()}
	for _, t := range p.GetEventTypes() {
		in.EventTypes = append(in.EventTypes, trial.Action(t))
	}
	sub, err := ss.s.svc.CreateSubscription(ctx, actorFrom(ctx), in)
	if err != nil {
		return nil, err
	}
	return subscriptionToProto(sub), nil
}

// GetSubscription implements forsok.v1.SubscriptionService.
func (ss *subscriptionServer) GetSubscription(ctx context.Context, req *forsokv1.GetSubscriptionRequest) (*forsokv1.Subscription, error) {
	id, err := trial.ParseSubscriptionName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	sub, err := ss.s.svc.GetSubscription(ctx, actorFrom(ctx), id)
	if err != nil {
		return nil, err
	}
	return subscriptionToProto(sub), nil
}

// ListSubscriptions implements forsok.v1.SubscriptionService.
func (ss *subscriptionServer) ListSubscriptions(ctx context.Context, req *forsokv1.ListSubscriptionsRequest) (*forsokv1.ListSubscriptionsResponse, error) {
	subs, err := ss.s.svc.ListSubscriptions(ctx, actorFrom(ctx), int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &forsokv1.ListSubscriptionsResponse{}
	for _, sub := range subs {
		resp.Subscriptions = append(resp.Subscriptions, subscriptionToProto(sub))
	}
	return resp, nil
}

// DeleteSubscription implements forsok.v1.SubscriptionService.
func (ss *subscriptionServer) DeleteSubscription(ctx context.Context, req *forsokv1.DeleteSubscriptionRequest) (*emptypb.Empty, error) {
	id, err := trial.ParseSubscriptionName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	if err := ss.s.svc.DeleteSubscription(ctx, actorFrom(ctx), id); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// ListDeliveries implements forsok.v1.SubscriptionService.
func (ss *subscriptionServer) ListDeliveries(ctx context.Context, req *forsokv1.ListDeliveriesRequest) (*forsokv1.ListDeliveriesResponse, error) {
	id, err := trial.ParseSubscriptionName(req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	ds, next, err := ss.s.svc.ListDeliveries(ctx, actorFrom(ctx), id, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &forsokv1.ListDeliveriesResponse{NextPageToken: next}
	for _, d := range ds {
		resp.Deliveries = append(resp.Deliveries, deliveryToProto(d))
	}
	return resp, nil
}

// RedeliverEvent implements forsok.v1.SubscriptionService.
func (ss *subscriptionServer) RedeliverEvent(ctx context.Context, req *forsokv1.RedeliverEventRequest) (*forsokv1.Delivery, error) {
	id, seq, err := trial.ParseDeliveryName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	d, err := ss.s.svc.RedeliverEvent(ctx, actorFrom(ctx), id, seq)
	if err != nil {
		return nil, err
	}
	return deliveryToProto(d), nil
}

// subscriptionToProto converts a subscription; the secret never leaves (INPUT_ONLY).
func subscriptionToProto(sub *trial.Subscription) *forsokv1.Subscription {
	p := &forsokv1.Subscription{
		Name:              trial.SubscriptionName(sub.ID),
		TargetUrl:         sub.TargetURL,
		OwnerOrganisation: sub.OwnerOrganisation,
		CreateTime:        timestamp(sub.CreateTime),
		UpdateTime:        timestamp(sub.UpdateTime),
	}
	for _, t := range sub.EventTypes {
		p.EventTypes = append(p.EventTypes, string(t))
	}
	return p
}

func deliveryToProto(d *trial.Delivery) *forsokv1.Delivery {
	p := &forsokv1.Delivery{
		Name:            trial.DeliveryName(d.SubscriptionID, d.Sequence),
		Event:           trial.ChainName(d.ApplicationID) + "/events/" + strconv.FormatUint(d.Sequence, 10),
		EventType:       string(d.Action),
		State:           forsokv1.Delivery_State(enumValue(forsokv1.Delivery_State_value, string(d.State))),
		AttemptCount:    int32(d.AttemptCount),
		NextAttemptTime: timestamp(d.NextAttemptTime),
		CreateTime:      timestamp(d.CreateTime),
		UpdateTime:      timestamp(d.UpdateTime),
	}
	for _, a := range d.Attempts {
		p.Attempts = append(p.Attempts, &forsokv1.DeliveryAttempt{Time: timestamp(a.Time), StatusCode: int32(a.StatusCode),
			Error: a.Error, Duration: durationpb.New(a.Duration)})
	}
	return p
}
