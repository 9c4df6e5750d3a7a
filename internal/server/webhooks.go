package server

import (
	"net/http"
	"time"

	"github.com/forsok/forsok/internal/rpc"
	"github.com/forsok/forsok/internal/webhook"
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

// webhookPolicy is the target policy: the -webhook-allow hosts, and in development mode
// http and loopback targets too, for a receiver on the developer's machine.
func (s *Server) webhookPolicy() *webhook.TargetPolicy {
	return &webhook.TargetPolicy{AllowHosts: webhook.ParseAllowList(s.Config.WebhookAllow), Development: !s.Config.Production()}
}

// startWebhooks starts the worker that sends the outbox, as the scheduler is started:
// on its own context, so that Close stops it after the listeners. Close cuts off the
// attempts in flight without recording them, so they go again after the next start
// (at least once). Open has already let the service accept subscriptions to the
// targets the policy allows.
func (s *Server) startWebhooks() {
	o := s.Webhooks
	w := &webhook.Worker{
		Service: s.svc, EncodeEvent: rpc.EventJSON, Policy: s.webhookPolicy(), Client: o.Client, Now: s.Now, Rand: o.Rand,
		MaxAttempts: o.MaxAttempts, BaseDelay: o.BaseDelay, MaxDelay: o.MaxDelay, Timeout: o.Timeout,
		PollInterval: o.PollInterval, Logger: s.Logger,
	}
	s.webhook.start(w.Run)
}
