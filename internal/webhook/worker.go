// Package webhook delivers the service's events to subscribers' URLs: the outbox worker,
// the CloudEvents request, its signature, and the policy that keeps deliveries away from
// internal addresses.
//
// The domain (package trial) writes a PENDING delivery in the same transaction as each
// event, for every subscription that matches it; this package only sends them. Each
// subscription's queue is sent in sequence order, one request at a time, by a goroutine
// of its own, so a receiver sees a case's events in order and a slow or dead receiver
// holds up its own deliveries and nobody else's. A failed attempt is retried with
// exponential backoff and jitter, up to a bounded number of attempts; then the delivery
// is DEAD and the queue moves on. Delivery is at least once: a crash between the
// receiver's answer and its record sends the event again, with the same id.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// Defaults of the Worker's zero values.
const (
	DefaultMaxAttempts   = 15
	DefaultBaseDelay     = 5 * time.Second
	DefaultMaxDelay      = time.Hour
	DefaultTimeout       = 10 * time.Second
	DefaultPollInterval  = 30 * time.Second
	DefaultMaxConcurrent = 32
	DefaultSource        = "urn:forsok"
	// EventTypePrefix prefixes the action in a CloudEvent's type.
	EventTypePrefix = "no.kdd.forsok."
)

// Worker sends the outbox's deliveries. Set Service and EncodeEvent; the rest has
// defaults.
type Worker struct {
	Service *workflow.Service
	// EncodeEvent is the event as the API's JSON (rpc.EventJSON): the CloudEvent's data.
	EncodeEvent func(*trial.Event) (json.RawMessage, error)
	// Client sends the requests; nil means Policy.NewClient(Timeout).
	Client *http.Client
	// Policy is checked again before each attempt, so a host taken off the allow-list
	// is no longer called.
	Policy *TargetPolicy
	// Now is the clock of retries and signatures; nil means time.Now.
	Now func() time.Time
	// Rand returns a number in [0, 1) for the jitter; nil means math/rand/v2.
	Rand func() float64
	// Source is the CloudEvents source of every event.
	Source string
	// MaxAttempts is how many attempts a delivery gets before it is DEAD.
	MaxAttempts int
	// BaseDelay and MaxDelay bound the backoff: the n-th retry waits between half and
	// all of min(MaxDelay, BaseDelay·2^(n-1)).
	BaseDelay, MaxDelay time.Duration
	// Timeout bounds one attempt.
	Timeout time.Duration
	// PollInterval is the longest the worker sleeps without looking at the outbox; new
	// events and redeliveries wake it at once (Service.Changes).
	PollInterval time.Duration
	// MaxConcurrent bounds the subscriptions being sent to at once.
	MaxConcurrent int
	Logger        *slog.Logger

	mu       sync.Mutex
	inflight map[string]bool
	wg       sync.WaitGroup
	done     chan struct{} // a queue's goroutine finished
}

func (w *Worker) init() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.inflight != nil {
		return
	}
	w.inflight = map[string]bool{}
	w.done = make(chan struct{}, 1)
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Rand == nil {
		w.Rand = randFloat
	}
	if w.Source == "" {
		w.Source = DefaultSource
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = DefaultMaxAttempts
	}
	if w.BaseDelay <= 0 {
		w.BaseDelay = DefaultBaseDelay
	}
	if w.MaxDelay <= 0 {
		w.MaxDelay = DefaultMaxDelay
	}
	if w.Timeout <= 0 {
		w.Timeout = DefaultTimeout
	}
	if w.PollInterval <= 0 {
		w.PollInterval = DefaultPollInterval
	}
	if w.MaxConcurrent <= 0 {
		w.MaxConcurrent = DefaultMaxConcurrent
	}
	if w.Policy == nil {
		w.Policy = &TargetPolicy{}
	}
	if w.Client == nil {
		w.Client = w.Policy.NewClient(w.Timeout)
	}
	if w.Logger == nil {
		w.Logger = slog.Default()
	}
}

// Run sends due deliveries until ctx ends, then waits for the attempts in flight to
// end (they are cancelled, and not recorded: they go again after a restart).
func (w *Worker) Run(ctx context.Context) {
	w.init()
	defer w.wg.Wait()
	for {
		changes := w.Service.Changes()
		next, err := w.dispatch(ctx)
		if err != nil && ctx.Err() == nil {
			w.Logger.Error("webhook: read the outbox", "err", err)
		}
		wait := w.PollInterval
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(w.Now()), time.Millisecond))
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-changes:
		case <-w.done:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// Tick starts every due queue as Run does and waits until they have all run dry:
// every due delivery has had one attempt, or more while the receiver answers. Tests
// drive the worker with it, with a clock of their own.
func (w *Worker) Tick(ctx context.Context) error {
	w.init()
	_, err := w.dispatch(ctx)
	w.wg.Wait()
	return err
}

// dispatch starts a goroutine for each subscription whose oldest pending delivery is
// due and that is not being sent to already. It returns when the earliest delivery not
// yet due is (zero when none).
func (w *Worker) dispatch(ctx context.Context) (next time.Time, err error) {
	heads, err := w.Service.PendingDeliveries(ctx)
	if err != nil {
		return time.Time{}, err
	}
	now := w.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, d := range heads {
		id := d.SubscriptionID
		switch {
		case w.inflight[id]:
		case d.NextAttemptTime.After(now):
			if next.IsZero() || d.NextAttemptTime.Before(next) {
				next = d.NextAttemptTime
			}
		case len(w.inflight) >= w.MaxConcurrent:
			// Full: a queue's goroutine that ends wakes Run (w.done).
		default:
			w.inflight[id] = true
			w.wg.Add(1)
			go w.drain(ctx, id)
		}
	}
	return next, nil
}

// drain sends the subscription's due deliveries in sequence order, one at a time,
// until its queue is empty, its head is not due, or ctx ends.
func (w *Worker) drain(ctx context.Context, subscriptionID string) {
	defer func() {
		w.mu.Lock()
		delete(w.inflight, subscriptionID)
		w.mu.Unlock()
		select {
		case w.done <- struct{}{}:
		default:
		}
		w.wg.Done()
	}()
	for ctx.Err() == nil {
		task, err := w.Service.NextDelivery(ctx, subscriptionID)
		if err != nil {
			if ctx.Err() == nil {
				w.Logger.Error("webhook: read the outbox", "subscription", subscriptionID, "err", err)
				w.pause(ctx)
			}
			return
		}
		if task == nil || task.Delivery.NextAttemptTime.After(w.Now()) {
			return
		}
		if !w.attempt(ctx, task) {
			return
		}
	}
}

// pause keeps a queue whose store access failed from being taken up again at once: its
// head is still due, and another attempt would repeat the request.
func (w *Worker) pause(ctx context.Context) {
	t := time.NewTimer(w.PollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// attempt makes one attempt at the task's delivery and records it. It reports whether
// the queue may go on: after a success, or a failure that made the delivery DEAD.
func (w *Worker) attempt(ctx context.Context, task *workflow.DeliveryTask) bool {
	d := task.Delivery
	start, began := w.Now(), time.Now()
	status, err := w.send(ctx, task, start)
	if ctx.Err() != nil {
		return false // shutting down: the attempt does not count
	}
	attempt := trial.DeliveryAttempt{Time: start, StatusCode: status, Duration: time.Since(began)}
	state, retryAt := trial.DeliverySucceeded, time.Time{}
	if err != nil {
		attempt.Error = err.Error()
		state = trial.DeliveryDead
		if n := d.AttemptCount + 1; n < w.MaxAttempts {
			state, retryAt = trial.DeliveryPending, w.Now().Add(w.backoff(n))
		}
		w.Logger.Warn("webhook: delivery failed", "delivery", trial.DeliveryName(d.SubscriptionID, d.Sequence),
			"attempt", d.AttemptCount+1, "status", status, "err", err, "state", string(state))
	}
	if err := w.Service.RecordDeliveryAttempt(ctx, d, attempt, state, retryAt); err != nil {
		if ctx.Err() == nil {
			w.Logger.Error("webhook: record attempt", "delivery", trial.DeliveryName(d.SubscriptionID, d.Sequence), "err", err)
			w.pause(ctx)
		}
		return false
	}
	return state != trial.DeliveryPending
}

// backoff returns the wait before retry n (n ≥ 1): exponential, capped, with equal
// jitter, so that receivers coming back are not met by every sender at once.
func (w *Worker) backoff(n int) time.Duration {
	d := float64(w.BaseDelay) * math.Pow(2, float64(n-1))
	if d > float64(w.MaxDelay) || math.IsInf(d, 0) {
		d = float64(w.MaxDelay)
	}
	return time.Duration(d/2 + w.Rand()*d/2)
}

// send POSTs the task's event as a signed CloudEvent and returns the receiver's status.
// A status other than 2xx is an error.
func (w *Worker) send(ctx context.Context, task *workflow.DeliveryTask, at time.Time) (int, error) {
	if err := w.Policy.Check(ctx, task.Subscription.TargetURL); err != nil {
		return 0, fmt.Errorf("target refused: %w", err)
	}
	body, err := w.cloudEvent(task.Event)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, task.Subscription.TargetURL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/cloudevents+json; charset=utf-8")
	req.Header.Set("User-Agent", "forsok-webhook/1")
	req.Header.Set(IDHeader, EventID(task.Event.Sequence))
	req.Header.Set(SignatureHeader, Sign([]byte(task.Subscription.Secret), at, body))
	resp, err := w.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

func randFloat() float64 { return rand.Float64() }

// EventID is the CloudEvents id of the event with sequence seq: unique within the
// source, the same on every retry and redelivery, for the receiver to drop duplicates.
func EventID(seq uint64) string { return strconv.FormatUint(seq, 10) }

// cloudEvent returns the structured-mode JSON body of a delivery (CloudEvents 1.0),
// built and checked by the CloudEvents SDK: the event as the API shows it (EncodeEvent)
// is its data.
func (w *Worker) cloudEvent(e *trial.Event) ([]byte, error) {
	data, err := w.EncodeEvent(e)
	if err != nil {
		return nil, fmt.Errorf("encode event %d: %w", e.Sequence, err)
	}
	ce := cloudevents.New(cloudevents.CloudEventsVersionV1)
	ce.SetID(EventID(e.Sequence))
	ce.SetSource(w.Source)
	ce.SetType(EventTypePrefix + string(e.Action))
	ce.SetSubject(trial.EventParentName(e))
	ce.SetTime(e.Time.UTC())
	if err := ce.SetData(cloudevents.ApplicationJSON, json.RawMessage(data)); err != nil {
		return nil, fmt.Errorf("cloudevent %d: %w", e.Sequence, err)
	}
	if err := ce.Validate(); err != nil {
		return nil, fmt.Errorf("cloudevent %d: %w", e.Sequence, err)
	}
	return json.Marshal(ce)
}
