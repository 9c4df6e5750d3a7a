package main

import (
	"context"
	"net/http"
	"time"

	"github.com/forsok/forsok/internal/rpc"
	"github.com/forsok/forsok/internal/webhook"
	"github.com/forsok/forsok/internal/workflow"
)

// WebhookOptions tune the webhook delivery worker; the zero value takes the webhook
// package's defaults. Tests shorten the delays and the poll interval.
type WebhookOptions struct {
	// Client replaces the delivery client (webhook.TargetPolicy.NewClient).
	Client *http.Client
	// Rand is the jitter's source, a number in [0, 1).
	Rand func() float64
	// MaxAttempts, BaseDelay, MaxDelay, Timeout and PollInterval: see webhook.Worker.
	MaxAttempts                       int
	BaseDelay, MaxDelay, PollInterval time.Duration
	Timeout                           time.Duration
}

// webhookRunner is the delivery worker's goroutine.
type webhookRunner struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// webhookPolicy is the target policy: the -webhook-allow hosts, and in development mode
// http and loopback targets too, for a receiver on the developer's machine.
func (m *Main) webhookPolicy() *webhook.TargetPolicy {
	return &webhook.TargetPolicy{AllowHosts: webhook.ParseAllowList(m.Config.WebhookAllow), Development: !m.Config.Production()}
}

// startWebhooks lets svc accept subscriptions to targets the policy allows and starts
// the worker that sends the outbox, as the scheduler is started: on its own context, so
// that Close stops it after the listeners.
func (m *Main) startWebhooks(svc *workflow.Service) {
	policy := m.webhookPolicy()
	svc.Webhooks.CheckTarget = policy.Check
	o := m.Webhooks
	w := &webhook.Worker{
		Service: svc, EncodeEvent: rpc.EventJSON, Policy: policy, Client: o.Client, Now: m.Now, Rand: o.Rand,
		MaxAttempts: o.MaxAttempts, BaseDelay: o.BaseDelay, MaxDelay: o.MaxDelay, Timeout: o.Timeout,
		PollInterval: o.PollInterval, Logger: m.Logger,
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.webhook.cancel, m.webhook.done = cancel, make(chan struct{})
	go func() {
		defer close(m.webhook.done)
		w.Run(ctx)
	}()
}

// stopWebhooks stops the worker and waits for it; attempts in flight are cut off and
// not recorded, so they go again after the next start (at least once).
func (m *Main) stopWebhooks() {
	if m.webhook.cancel != nil {
		m.webhook.cancel()
		<-m.webhook.done
	}
}
