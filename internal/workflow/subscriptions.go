package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// Webhooks: a party (a municipality, a ministry, KDD) subscribes a URL to the events it
// sees. When an event is written, the same transaction writes a PENDING delivery for
// every subscription whose owner is in the event's audience (feed.go) and whose event
// types include the event's action: the outbox. A worker outside the domain
// (internal/webhook) sends them, records every attempt, retries with backoff and gives
// up after a bounded number (DEAD); the owner lists deliveries and asks for redelivery.
// Each subscription's deliveries go out one at a time in sequence order, so a receiver
// gets a case's events in order, and a slow or dead receiver holds up only its own.

// WebhookConfig is what the service needs for webhooks.
type WebhookConfig struct {
	// CheckTarget refuses a target URL the service must not call (scheme, credentials,
	// allow-list, internal addresses), with a message for the caller. Nil disables
	// webhooks: creating a subscription fails.
	CheckTarget func(ctx context.Context, rawURL string) error
	// MaxPerOwner is how many subscriptions one party may have (default 25).
	MaxPerOwner int
}

// Subscription limits.
const (
	defaultMaxSubscriptions = 25
	minSecretLength         = 16
	maxSecretLength         = 256
	// maxAttemptsKept is how many of a delivery's latest attempts are kept.
	maxAttemptsKept = 20
)

// SubscriptionInput is what a caller writes of a subscription.
type SubscriptionInput struct {
	TargetURL  string
	EventTypes []trial.Action
	Secret     string
}

// subscriber returns the caller's party, refusing callers who see no events.
func subscriber(actor trial.Actor) (trial.Party, error) {
	if err := requireCaller(actor); err != nil {
		return "", err
	}
	p, ok := trial.PartyOf(actor)
	if !ok {
		return "", trial.Errorf(trial.CodePermissionDenied, "%s may not subscribe to events: webhooks are for municipalities, ministries and KDD", trial.RoleName(actor.Role))
	}
	return p, nil
}

// CreateSubscription subscribes the caller's party to the events it sees.
func (s *Service) CreateSubscription(ctx context.Context, actor trial.Actor, in SubscriptionInput) (*trial.Subscription, error) {
	owner, err := subscriber(actor)
	if err != nil {
		return nil, err
	}
	var vs []trial.Violation
	switch {
	case strings.TrimSpace(in.TargetURL) == "":
		vs = append(vs, trial.Violation{Field: "subscription.target_url", Reason: "FIELD_REQUIRED", Description: "target_url is required: the https URL events are POSTed to"})
	case s.Webhooks.CheckTarget == nil:
		return nil, trial.Errorf(trial.CodeFailedPrecondition, "webhooks are not enabled on this server")
	default:
		if err := s.Webhooks.CheckTarget(ctx, in.TargetURL); err != nil {
			vs = append(vs, trial.Violation{Field: "subscription.target_url", Reason: "TARGET_URL_REFUSED", Description: err.Error()})
		}
	}
	if n := len(in.Secret); n < minSecretLength || n > maxSecretLength {
		vs = append(vs, trial.Violation{Field: "subscription.secret", Reason: "SECRET_LENGTH",
			Description: fmt.Sprintf("secret must be %d to %d characters (32 random bytes, base64-encoded, is a good choice); got %d", minSecretLength, maxSecretLength, n)})
	}
	known := trial.EventTypes()
	var types []trial.Action
	for i, t := range in.EventTypes {
		switch {
		case !slices.Contains(known, t):
			vs = append(vs, trial.Violation{Field: fmt.Sprintf("subscription.event_types[%d]", i), Reason: "UNKNOWN_EVENT_TYPE",
				Description: fmt.Sprintf("%q is not an event type; event types are the actions %s", t, actionList(known))})
		case !slices.Contains(types, t):
			types = append(types, t)
		}
	}
	if err := trial.Invalid(vs); err != nil {
		return nil, err
	}
	limit := s.Webhooks.MaxPerOwner
	if limit <= 0 {
		limit = defaultMaxSubscriptions
	}
	var sub *trial.Subscription
	err = s.update(ctx, func(tx Tx) error {
		existing, err := tx.Subscriptions(owner)
		if err != nil {
			return err
		}
		if len(existing) >= limit {
			return trial.Errorf(trial.CodeResourceExhausted, "your organisation has %d subscriptions, the most allowed; delete one first", len(existing))
		}
		id, err := tx.NextSubscriptionID()
		if err != nil {
			return err
		}
		now := s.now()
		sub = &trial.Subscription{ID: id, Owner: owner, OwnerOrganisation: actor.OrganisationNumber, TargetURL: in.TargetURL,
			EventTypes: types, Secret: in.Secret, CreatedBy: actor.Person(), CreateTime: now, UpdateTime: now}
		return tx.PutSubscription(sub)
	})
	if err != nil {
		return nil, err
	}
	return sub, nil
}

func actionList(actions []trial.Action) string {
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

// ownSubscription reads the subscription if the caller's party owns it; anyone else
// gets NOT_FOUND, exactly as for a missing one.
func ownSubscription(tx ReadTx, owner trial.Party, id string) (*trial.Subscription, error) {
	sub, err := tx.Subscription(id)
	if errors.Is(err, trial.ErrNotFound) || (err == nil && sub.Owner != owner) {
		return nil, trial.Errorf(trial.CodeNotFound, "subscription %s not found", trial.SubscriptionName(id))
	}
	return sub, err
}

// GetSubscription returns one of the caller's subscriptions.
func (s *Service) GetSubscription(ctx context.Context, actor trial.Actor, id string) (*trial.Subscription, error) {
	owner, err := subscriber(actor)
	if err != nil {
		return nil, err
	}
	var sub *trial.Subscription
	err = s.Store.View(ctx, func(tx ReadTx) error {
		sub, err = ownSubscription(tx, owner, id)
		return err
	})
	return sub, err
}

// ListSubscriptions returns the caller's subscriptions in creation order; there are
// few (WebhookConfig.MaxPerOwner), so they come in one page.
func (s *Service) ListSubscriptions(ctx context.Context, actor trial.Actor, pageSize int, pageToken string) ([]*trial.Subscription, error) {
	owner, err := subscriber(actor)
	if err != nil {
		return nil, err
	}
	// A caller has few subscriptions: they come in one page, whatever page_size says.
	_, vs := pageSizeFor(pageSize, noDefaultPage)
	if pageToken != "" {
		vs = append(vs, badPageToken("subscriptions come in one page; there is no next page to ask for"))
	}
	if err := trial.Invalid(vs); err != nil {
		return nil, err
	}
	var subs []*trial.Subscription
	err = s.Store.View(ctx, func(tx ReadTx) error {
		subs, err = tx.Subscriptions(owner)
		return err
	})
	return subs, err
}

// DeleteSubscription deletes one of the caller's subscriptions and its deliveries,
// pending ones included.
func (s *Service) DeleteSubscription(ctx context.Context, actor trial.Actor, id string) error {
	owner, err := subscriber(actor)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if _, err := ownSubscription(tx, owner, id); err != nil {
			return err
		}
		return tx.DeleteSubscription(id)
	})
}

// ListDeliveries returns a page of a subscription's deliveries, newest first.
func (s *Service) ListDeliveries(ctx context.Context, actor trial.Actor, subscriptionID string, pageSize int, pageToken string) ([]*trial.Delivery, string, error) {
	owner, err := subscriber(actor)
	if err != nil {
		return nil, "", err
	}
	var out []*trial.Delivery
	next := ""
	err = s.Store.View(ctx, func(tx ReadTx) error {
		if _, err := ownSubscription(tx, owner, subscriptionID); err != nil {
			return err
		}
		size, vs := pageSizeFor(pageSize, DefaultPageSize)
		if err := trial.Invalid(vs); err != nil {
			return err
		}
		scope := tokenScope("deliveries", actor, subscriptionID)
		before, err := openSeqToken(tx, scope, pageToken)
		if err != nil {
			return err
		}
		if out, err = tx.Deliveries(subscriptionID, before, size+1); err != nil || len(out) <= size {
			return err
		}
		out = out[:size]
		next, err = sealSeqToken(tx, scope, out[size-1].Sequence)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// RedeliverEvent asks for a delivery to be sent again now, whatever its state, with a
// fresh count of attempts. The receiver gets the same event id again.
func (s *Service) RedeliverEvent(ctx context.Context, actor trial.Actor, subscriptionID string, seq uint64) (*trial.Delivery, error) {
	owner, err := subscriber(actor)
	if err != nil {
		return nil, err
	}
	var d *trial.Delivery
	err = s.update(ctx, func(tx Tx) error {
		if _, err := ownSubscription(tx, owner, subscriptionID); err != nil {
			return err
		}
		var err error
		d, err = tx.Delivery(subscriptionID, seq)
		if errors.Is(err, trial.ErrNotFound) {
			return trial.Errorf(trial.CodeNotFound, "delivery %s not found", trial.DeliveryName(subscriptionID, seq))
		}
		if err != nil {
			return err
		}
		now := s.now()
		d.State, d.AttemptCount, d.Round, d.NextAttemptTime, d.UpdateTime = trial.DeliveryPending, 0, d.Round+1, now, now
		return tx.PutDelivery(d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// enqueueDeliveries writes, in the event's transaction, a PENDING delivery of e for
// every subscription of a party in the event's audience that wants its action.
func (s *Service) enqueueDeliveries(tx Tx, audience []trial.Party, e *trial.Event) error {
	for _, p := range audience {
		subs, err := tx.Subscriptions(p)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if !sub.Matches(e.Action) {
				continue
			}
			// A call's event is delivered under its chain key, "calls/2027-01".
			d := &trial.Delivery{SubscriptionID: sub.ID, Sequence: e.Sequence, ApplicationID: e.ChainKey(), Action: e.Action,
				State: trial.DeliveryPending, NextAttemptTime: e.Time, CreateTime: e.Time, UpdateTime: e.Time}
			if err := tx.PutDelivery(d); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeliveryTask is a delivery to make, with its subscription (target and secret) and
// its event.
type DeliveryTask struct {
	Subscription *trial.Subscription
	Delivery     *trial.Delivery
	Event        *trial.Event
}

// PendingDeliveries returns the oldest PENDING delivery of every subscription that has
// one: the heads of the outbox queues.
func (s *Service) PendingDeliveries(ctx context.Context) ([]*trial.Delivery, error) {
	var out []*trial.Delivery
	err := s.Store.View(ctx, func(tx ReadTx) error {
		after := ""
		for {
			page, err := tx.PendingDeliveries(after, 100)
			if err != nil {
				return err
			}
			out = append(out, page...)
			if len(page) < 100 {
				return nil
			}
			after = page[len(page)-1].SubscriptionID
		}
	})
	return out, err
}

// NextDelivery returns the head of the subscription's outbox queue with what it takes
// to send it, or nil when the queue is empty or the subscription is gone.
func (s *Service) NextDelivery(ctx context.Context, subscriptionID string) (*DeliveryTask, error) {
	var task *DeliveryTask
	err := s.Store.View(ctx, func(tx ReadTx) error {
		heads, err := tx.PendingDeliveries(prevCounterID(subscriptionID), 1)
		if err != nil || len(heads) == 0 || heads[0].SubscriptionID != subscriptionID {
			return err
		}
		sub, err := tx.Subscription(subscriptionID)
		if errors.Is(err, trial.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		e, err := tx.Event(heads[0].Sequence)
		if err != nil {
			return err
		}
		// The receiver gets the event as its owner may see it (trial.EventFor).
		cons, err := tx.Consultations(e.ApplicationID)
		if err != nil {
			return err
		}
		if v, ok := trial.EventForParty(sub.Owner, e, cons); ok {
			e = v
		}
		task = &DeliveryTask{Subscription: sub, Delivery: heads[0], Event: e}
		return nil
	})
	return task, err
}

// prevCounterID returns the id before id ("" before "1"), so that a listing after it
// starts at id.
func prevCounterID(id string) string {
	n, ok := trial.ParseCounterID(id)
	if !ok || n <= 1 {
		return ""
	}
	return trial.FormatCounterID(n - 1)
}

// RecordDeliveryAttempt records an attempt at the delivery d as the worker read it, and
// settles it: state SUCCEEDED, DEAD, or PENDING again until retryAt. When the owner
// asked for a redelivery meanwhile (or deleted the subscription), the attempt is kept
// in the history, or dropped, without settling anything.
func (s *Service) RecordDeliveryAttempt(ctx context.Context, d *trial.Delivery, attempt trial.DeliveryAttempt, state trial.DeliveryState, retryAt time.Time) error {
	return s.update(ctx, func(tx Tx) error {
		stored, err := tx.Delivery(d.SubscriptionID, d.Sequence)
		if errors.Is(err, trial.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		stored.Attempts = append(stored.Attempts, attempt)
		if n := len(stored.Attempts); n > maxAttemptsKept {
			stored.Attempts = slices.Clone(stored.Attempts[n-maxAttemptsKept:])
		}
		stored.UpdateTime = s.now()
		if stored.Round == d.Round && stored.State == trial.DeliveryPending {
			stored.AttemptCount++
			stored.State = state
			stored.NextAttemptTime = time.Time{}
			if state == trial.DeliveryPending {
				stored.NextAttemptTime = retryAt
			}
		}
		return tx.PutDelivery(stored)
	})
}
