package workflow_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

const svcSecret = "a-secret-of-at-least-16-chars"

// codeOK stands for no error in the tables below.
const codeOK trial.Code = -1

func codeOf(err error) trial.Code {
	if err == nil {
		return codeOK
	}
	return trial.ErrorCode(err)
}

// svcWebhooks lets the service accept every target but those under https://refused.
func svcWebhooks(e *svcEnv) {
	e.svc.Webhooks.CheckTarget = func(_ context.Context, u string) error {
		if strings.HasPrefix(u, "https://refused.") {
			return errors.New("the host is not on this server's allow-list for webhooks")
		}
		return nil
	}
}

func svcSubscribe(t *testing.T, e *svcEnv, actor trial.Actor, types ...trial.Action) *trial.Subscription {
	t.Helper()
	return svcTry(e.svc.CreateSubscription(svcCtx, actor, workflow.SubscriptionInput{
		TargetURL: "https://hooks.example.no/" + string(actor.Role), EventTypes: types, Secret: svcSecret})).must(t)
}

func TestService_CreateSubscription(t *testing.T) {
	e := svcSetup(t)
	t.Run("ErrDisabled", func(t *testing.T) {
		_, err := e.svc.CreateSubscription(svcCtx, svcLead, workflow.SubscriptionInput{TargetURL: "https://hooks.example.no/", Secret: svcSecret})
		if codeOf(err) != trial.CodeFailedPrecondition {
			t.Errorf("got %v, want FAILED_PRECONDITION", err)
		}
	})
	svcWebhooks(e)
	tests := []struct {
		name   string
		actor  trial.Actor
		in     workflow.SubscriptionInput
		code   trial.Code
		fields []string
	}{
		{"OK", svcLead, workflow.SubscriptionInput{TargetURL: "https://hooks.example.no/", Secret: svcSecret, EventTypes: []trial.Action{"submit", "approve", "submit"}}, codeOK, nil},
		{"OKNotice", svcHandler, workflow.SubscriptionInput{TargetURL: "https://hooks.example.no/", Secret: svcSecret, EventTypes: []trial.Action{trial.NoticeConsultationOverdue}}, codeOK, nil},
		{"ErrEverything", svcKD, workflow.SubscriptionInput{TargetURL: "https://refused.example/", Secret: "short", EventTypes: []trial.Action{"explode"}},
			trial.CodeInvalidArgument, []string{"subscription.target_url", "subscription.secret", "subscription.event_types[0]"}},
		{"ErrTargetMissing", svcKD, workflow.SubscriptionInput{Secret: svcSecret}, trial.CodeInvalidArgument, []string{"subscription.target_url"}},
		{"ErrAdmin", svcAdmin, workflow.SubscriptionInput{TargetURL: "https://hooks.example.no/", Secret: svcSecret}, trial.CodePermissionDenied, nil},
		{"ErrAnonymous", svcPublic, workflow.SubscriptionInput{TargetURL: "https://hooks.example.no/", Secret: svcSecret}, trial.CodeUnauthenticated, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := e.svc.CreateSubscription(svcCtx, tt.actor, tt.in)
			if got := codeOf(err); got != tt.code {
				t.Fatalf("got %v (code %d), want code %d", err, got, tt.code)
			}
			if err != nil {
				var te *trial.Error
				errors.As(err, &te)
				var fields []string
				for _, v := range te.Violations {
					fields = append(fields, v.Field)
				}
				if !slices.Equal(fields, tt.fields) {
					t.Errorf("violations: got %v, want %v", fields, tt.fields)
				}
				return
			}
			party, _ := trial.PartyOf(tt.actor)
			if sub.Owner != party || sub.OwnerOrganisation != tt.actor.OrganisationNumber || sub.Secret != svcSecret {
				t.Errorf("got owner %s (%s), want %s (%s)", sub.Owner, sub.OwnerOrganisation, party, tt.actor.OrganisationNumber)
			}
			if tt.name == "OK" && !slices.Equal(sub.EventTypes, []trial.Action{"submit", "approve"}) {
				t.Errorf("event types: got %v, want [submit approve] (duplicates dropped)", sub.EventTypes)
			}
		})
	}
	t.Run("ErrTooMany", func(t *testing.T) {
		e.svc.Webhooks.MaxPerOwner = 2
		defer func() { e.svc.Webhooks.MaxPerOwner = 0 }()
		svcSubscribe(t, e, svcHOD)
		svcSubscribe(t, e, svcHOD)
		_, err := e.svc.CreateSubscription(svcCtx, svcHOD, workflow.SubscriptionInput{TargetURL: "https://hooks.example.no/", Secret: svcSecret})
		if codeOf(err) != trial.CodeResourceExhausted {
			t.Errorf("third subscription: got %v, want RESOURCE_EXHAUSTED", err)
		}
	})
}

// TestService_SubscriptionsOwnerOnly: only the owner's organisation sees and manages a
// subscription; every KDD person manages KDD's.
func TestService_SubscriptionsOwnerOnly(t *testing.T) {
	e := svcSetup(t)
	svcWebhooks(e)
	lead := svcSubscribe(t, e, svcLead)
	kdd := svcSubscribe(t, e, svcHandler)
	for _, tt := range []struct {
		name  string
		actor trial.Actor
		sub   *trial.Subscription
		code  trial.Code
	}{
		{"Owner", svcLead, lead, codeOK},
		{"OwnerOtherPerson", trial.Actor{Subject: "another", OrganisationNumber: svcLeadOrg, Role: trial.RoleMunicipality}, lead, codeOK},
		{"OtherMunicipality", svcCo, lead, trial.CodeNotFound},
		{"KDDNotMunicipalitys", svcHandler, lead, trial.CodeNotFound},
		{"KDDColleague", svcApprover, kdd, codeOK},
		{"MinistryNotKDDs", svcKD, kdd, trial.CodeNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.GetSubscription(svcCtx, tt.actor, tt.sub.ID)
			if got := codeOf(err); got != tt.code {
				t.Errorf("Get: got %v, want code %d", err, tt.code)
			}
			_, _, err = e.svc.ListDeliveries(svcCtx, tt.actor, tt.sub.ID, 0, "")
			if got := codeOf(err); got != tt.code {
				t.Errorf("ListDeliveries: got %v, want code %d", err, tt.code)
			}
			subs, err := e.svc.ListSubscriptions(svcCtx, tt.actor, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			listed := slices.ContainsFunc(subs, func(s *trial.Subscription) bool { return s.ID == tt.sub.ID })
			if listed != (tt.code == codeOK) {
				t.Errorf("List: listed %v, want %v", listed, tt.code == codeOK)
			}
		})
	}
	if err := e.svc.DeleteSubscription(svcCtx, svcCo, lead.ID); codeOf(err) != trial.CodeNotFound {
		t.Errorf("Delete by another municipality: got %v, want NOT_FOUND", err)
	}
	if err := e.svc.DeleteSubscription(svcCtx, svcLead, lead.ID); err != nil {
		t.Errorf("Delete by the owner: %v", err)
	}
	if _, err := e.svc.GetSubscription(svcCtx, svcLead, lead.ID); codeOf(err) != trial.CodeNotFound {
		t.Errorf("Get after delete: got %v, want NOT_FOUND", err)
	}
}

func deliveryActions(t *testing.T, e *svcEnv, actor trial.Actor, sub *trial.Subscription) []string {
	t.Helper()
	ds, _, err := e.svc.ListDeliveries(svcCtx, actor, sub.ID, 1000, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range slices.Backward(ds) {
		out = append(out, fmt.Sprintf("%s:%s", d.Action, d.State))
	}
	return out
}

// TestService_Outbox: each event writes, in its own transaction, a pending delivery for
// every subscription whose owner sees the event and wants its type.
func TestService_Outbox(t *testing.T) {
	e := svcSetup(t)
	svcWebhooks(e)
	leadSub := svcSubscribe(t, e, svcLead, trial.ActionSubmit, trial.ActionApprove)
	kddSub := svcSubscribe(t, e, svcHandler)
	kdSub := svcSubscribe(t, e, svcKD)
	hodSub := svcSubscribe(t, e, svcHOD)
	svcDriveApp(t, e, svcJointFixture(), trial.StateApproved)

	p := ":PENDING"
	for _, tt := range []struct {
		name  string
		actor trial.Actor
		sub   *trial.Subscription
		want  []string
	}{
		{"LeadChoseTypes", svcLead, leadSub, []string{"submit" + p, "approve" + p}},
		{"KDDFromSubmission", svcHandler, kddSub, []string{"submit" + p, "assign" + p, "createConsultation" + p, "respondToConsultation" + p, "approve" + p}},
		{"KDFromConsultation", svcKD, kdSub, []string{"createConsultation" + p, "respondToConsultation" + p, "approve" + p}},
		{"HODNothing", svcHOD, hodSub, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := deliveryActions(t, e, tt.actor, tt.sub); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	heads, err := e.svc.PendingDeliveries(svcCtx)
	if err != nil {
		t.Fatal(err)
	}
	var headSubs []string
	for _, h := range heads {
		headSubs = append(headSubs, h.SubscriptionID+":"+string(h.Action))
	}
	if want := []string{leadSub.ID + ":submit", kddSub.ID + ":submit", kdSub.ID + ":createConsultation"}; !slices.Equal(headSubs, want) {
		t.Errorf("queue heads: got %v, want %v", headSubs, want)
	}

	// The worker's side: the head of KD's queue, sent and settled.
	task, err := e.svc.NextDelivery(svcCtx, kdSub.ID)
	if err != nil || task == nil {
		t.Fatalf("NextDelivery: got %v, %v", task, err)
	}
	if task.Event.Sequence != task.Delivery.Sequence || task.Subscription.Secret != svcSecret {
		t.Errorf("task: event %d for delivery %d, secret %q", task.Event.Sequence, task.Delivery.Sequence, task.Subscription.Secret)
	}
	now := e.clock.Now()
	mustRecord := func(d *trial.Delivery, state trial.DeliveryState, retry time.Time) {
		t.Helper()
		if err := e.svc.RecordDeliveryAttempt(svcCtx, d, trial.DeliveryAttempt{Time: now, StatusCode: 503, Error: "down"}, state, retry); err != nil {
			t.Fatalf("RecordDeliveryAttempt: %v", err)
		}
	}
	mustRecord(task.Delivery, trial.DeliveryPending, now.Add(time.Minute))
	mustRecord(task.Delivery, trial.DeliveryDead, time.Time{})
	got := deliveryActions(t, e, svcKD, kdSub)
	if want := []string{"createConsultation:DEAD", "respondToConsultation" + p, "approve" + p}; !slices.Equal(got, want) {
		t.Errorf("after two failures: got %v, want %v", got, want)
	}
	d, err := e.svc.RedeliverEvent(svcCtx, svcKD, kdSub.ID, task.Delivery.Sequence)
	if err != nil {
		t.Fatalf("RedeliverEvent: %v", err)
	}
	if d.State != trial.DeliveryPending || d.AttemptCount != 0 || len(d.Attempts) != 2 || d.Round != 1 {
		t.Errorf("redelivered: got state %s, %d attempts counted, %d kept, round %d; want PENDING, 0, 2, 1", d.State, d.AttemptCount, len(d.Attempts), d.Round)
	}
	// An attempt started before the redelivery does not settle it.
	mustRecord(task.Delivery, trial.DeliverySucceeded, time.Time{})
	if got := deliveryActions(t, e, svcKD, kdSub); got[0] != "createConsultation"+p {
		t.Errorf("stale attempt settled the redelivery: got %v", got)
	}
	if _, err := e.svc.RedeliverEvent(svcCtx, svcHOD, kdSub.ID, task.Delivery.Sequence); codeOf(err) != trial.CodeNotFound {
		t.Errorf("redeliver another's: got %v, want NOT_FOUND", err)
	}
	if _, err := e.svc.RedeliverEvent(svcCtx, svcKD, kdSub.ID, 999); codeOf(err) != trial.CodeNotFound {
		t.Errorf("redeliver a missing delivery: got %v, want NOT_FOUND", err)
	}

	// Newest first, in pages.
	var seqs []uint64
	token := ""
	for {
		page, next, err := e.svc.ListDeliveries(svcCtx, svcHandler, kddSub.ID, 2, token)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page {
			seqs = append(seqs, d.Sequence)
		}
		if token = next; token == "" {
			break
		}
	}
	if len(seqs) != 5 || !slices.IsSortedFunc(seqs, func(a, b uint64) int { return int(b) - int(a) }) {
		t.Errorf("paged deliveries: got %v, want 5 newest first", seqs)
	}
	if _, _, err := e.svc.ListDeliveries(svcCtx, svcHandler, kddSub.ID, 2, "garbage"); codeOf(err) != trial.CodeInvalidArgument {
		t.Errorf("bad page token: got %v, want INVALID_ARGUMENT", err)
	}

	// Deleting a subscription drops its queue.
	if err := e.svc.DeleteSubscription(svcCtx, svcHandler, kddSub.ID); err != nil {
		t.Fatal(err)
	}
	if task, err := e.svc.NextDelivery(svcCtx, kddSub.ID); task != nil || err != nil {
		t.Errorf("NextDelivery of a deleted subscription: got %v, %v; want nil, nil", task, err)
	}
}
