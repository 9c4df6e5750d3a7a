package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/boltstore/bolttest"
	"github.com/forsok/forsok/internal/rpc"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
	"github.com/forsok/forsok/internal/webhook"
	"github.com/forsok/forsok/internal/workflow"
)

var oslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return loc
}()

const (
	leadOrg = "940931002"
	secret  = "whsec-a-secret-for-the-test"
)

var (
	lead     = trial.Actor{Subject: "ios-kari", Name: "Kari Nordmann", OrganisationNumber: leadOrg, Role: trial.RoleMunicipality}
	handler  = trial.Actor{Subject: "kdd-hanne", Name: "Hanne Handler", OrganisationNumber: "972417858", Role: trial.RoleKDDHandler}
	approver = trial.Actor{Subject: "kdd-anne", Name: "Anne Approver", OrganisationNumber: "972417858", Role: trial.RoleKDDApprover}
	kd       = trial.Actor{Subject: "kd-ola", Name: "Ola Fagdep", OrganisationNumber: "999990134", Role: trial.RoleMinistry, Ministry: "KD"}
)

// env is a service on a store in t.TempDir() and a worker driven by the test's clock.
type env struct {
	t      *testing.T
	svc    *workflow.Service
	store  *boltstore.Store
	clock  *trialtest.Clock
	worker *webhook.Worker
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := trialtest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, oslo))
	store := bolttest.Open(t, boltstore.Options{Now: c.Now})
	t.Cleanup(func() { // before bolttest's check and close
		if rep := store.VerifyChains(); len(rep.Problems) > 0 {
			t.Errorf("VerifyChains: %v", rep.Problems)
		}
	})
	svc, err := workflow.NewService(store, trial.DefaultReference())
	if err != nil {
		t.Fatal(err)
	}
	svc.Now = c.Now
	policy := &webhook.TargetPolicy{Development: true}
	svc.Webhooks.CheckTarget = policy.Check
	w := &webhook.Worker{
		Service: svc, EncodeEvent: rpc.EventJSON, Policy: policy, Now: c.Now,
		Rand:        func() float64 { return 0.5 },
		MaxAttempts: 4, BaseDelay: time.Minute, MaxDelay: time.Hour, Timeout: 5 * time.Second,
		PollInterval: 10 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return &env{t: t, svc: svc, store: store, clock: c, worker: w}
}

func (e *env) subscribe(actor trial.Actor, url string, types ...trial.Action) *trial.Subscription {
	e.t.Helper()
	sub, err := e.svc.CreateSubscription(context.Background(), actor, workflow.SubscriptionInput{TargetURL: url, Secret: secret, EventTypes: types})
	if err != nil {
		e.t.Fatalf("CreateSubscription: %v", err)
	}
	return sub
}

func (e *env) tick() {
	e.t.Helper()
	if err := e.worker.Tick(context.Background()); err != nil {
		e.t.Fatalf("Tick: %v", err)
	}
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		return v
	}
}

func council(body string) *trial.CouncilDecision {
	return &trial.CouncilDecision{Body: body, CaseReference: "2025/311", MeetingDate: "2025-06-12"}
}

// application is a complete application of Indre Østfold kommune departing from a rule
// KD owns.
func application() *trial.Application {
	return &trial.Application{
		Title:   "Vurdering uten karakter i ett eller flere fag på 8. trinn",
		Summary: "Elevene på 8. trinn får underveisvurdering uten karakter i utvalgte fag.",
		Applicants: []trial.Applicant{{OrganisationNumber: leadOrg, Name: "Indre Østfold kommune", Kind: trial.KindKommune,
			MunicipalityNumber: "3118", CouncilDecision: council("Indre Østfold kommunestyre")}},
		Category: trial.CategoryOrganisation,
		Purposes: []trial.Purpose{trial.PurposeServiceQuality},
		Exemptions: []trial.Exemption{{LawID: "LOV-2023-06-09-30", Section: "§ 15-4",
			CurrentRule: "Elevene skal ha karakter i hvert fag fra 8. trinn.", ProposedRule: "Ingen karakter i valgte fag på 8. trinn.",
			OwningMinistry: "KD"}},
		PlannedStart: "2026-08-01", PlannedEnd: "2029-07-31",
		EvaluationPlan:      "Følgeevaluering ved en uavhengig forskningsinstitusjon.",
		EmployeeInvolvement: "Drøftet med Utdanningsforbundet 2025-05-20.",
		DraftRegulation:     "Forskrift om forsøk med vurdering uten karakter, Indre Østfold kommune.",
	}
}

// approved drives a case from draft to approved; the clock does not move.
func (e *env) approved() string {
	t := e.t
	t.Helper()
	ctx := context.Background()
	call := func(a trial.Actor) workflow.Call { return workflow.Call{Actor: a} }
	id := must[*trial.Application](t)(e.svc.CreateApplication(ctx, call(lead), application())).ID
	must[*trial.Application](t)(e.svc.SubmitApplication(ctx, call(lead), id, "Søknaden sendes."))
	must[*trial.Application](t)(e.svc.AssignApplication(ctx, call(handler), id, trial.Person{}, ""))
	c := must[*trial.Consultation](t)(e.svc.CreateConsultation(ctx, call(handler), id, trial.ConsultationInput{Ministry: "KD", Question: "Merknader?", DueWorkingDays: 15}))
	must[*trial.Consultation](t)(e.svc.RespondToConsultation(ctx, call(kd), id, c.ID, trial.ResponseInput{Position: trial.PositionSupports, Statement: "Støttes."}))
	must[*trial.Application](t)(e.svc.ApproveApplication(ctx, call(approver), id, trial.ApproveInput{ApprovedStart: "2026-08-01", ApprovedEnd: "2029-07-31",
		Reasons: "Innenfor loven.", RegulationID: "FOR-2026-03-02-1234", PublicationReference: "Norsk Lovtidend Avd. II 2026 nr. 1234"}))
	return id
}

// life drives a case from draft to closed through every step of a trial's life and
// returns its id. The clock moves to the trial's start and past its end.
func (e *env) life() string {
	t := e.t
	t.Helper()
	ctx := context.Background()
	call := func(a trial.Actor) workflow.Call { return workflow.Call{Actor: a} }
	id := e.approved()
	e.clock.Set(time.Date(2026, 8, 1, 10, 0, 0, 0, oslo))
	must[*trial.Application](t)(e.svc.ActivateTrial(ctx, call(handler), id, "Startdato nådd."))
	e.clock.Set(time.Date(2029, 8, 1, 10, 0, 0, 0, oslo))
	must[*trial.Application](t)(e.svc.EndTrialPeriod(ctx, call(handler), id, "Perioden er over."))
	must[*trial.Application](t)(e.svc.SubmitEvaluation(ctx, call(lead), id, trial.EvaluationInput{ReportReference: "Rapport 2029:1", Summary: "Bedre læring."}))
	must[*trial.Application](t)(e.svc.CloseApplication(ctx, call(approver), id, trial.CloseInput{Outcome: trial.OutcomeMadePermanent, Reasons: "Videreføres."}))
	return id
}

// receiver is a subscriber's HTTP endpoint on loopback that checks every request's
// signature and records what it accepted.
type receiver struct {
	t     *testing.T
	srv   *httptest.Server
	clock *trialtest.Clock
	mu    sync.Mutex
	// status, when not 0, is answered instead of accepting.
	status   int
	got      []cloudevents.Event
	requests int
	block    chan struct{} // when not nil, each request waits for it
}

func newReceiver(t *testing.T, c *trialtest.Clock) *receiver {
	r := &receiver{t: t, clock: c}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	block := r.block
	r.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-req.Context().Done():
			return
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if err := webhook.Verify([]byte(secret), req.Header.Get(webhook.SignatureHeader), body, r.clock.Now(), 0); err != nil {
		r.t.Errorf("receiver: %v", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if ct := req.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/cloudevents+json") {
		r.t.Errorf("receiver: Content-Type %q, want application/cloudevents+json", ct)
	}
	if r.status != 0 {
		w.WriteHeader(r.status)
		return
	}
	var ce cloudevents.Event
	if err := json.Unmarshal(body, &ce); err != nil {
		r.t.Errorf("receiver: body is not a CloudEvent: %v", err)
	}
	if req.Header.Get(webhook.IDHeader) != ce.ID() {
		r.t.Errorf("receiver: Webhook-Id %q, CloudEvent id %q", req.Header.Get(webhook.IDHeader), ce.ID())
	}
	r.got = append(r.got, ce)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) setStatus(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = code
}

func (r *receiver) events() []cloudevents.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// ids returns the ids of the accepted events, duplicates dropped as a receiver would.
func (r *receiver) ids() []string {
	var out []string
	for _, ce := range r.events() {
		if !slices.Contains(out, ce.ID()) {
			out = append(out, ce.ID())
		}
	}
	return out
}

// feedIDs is what the actor sees in the feed, as CloudEvent ids.
func (e *env) feedIDs(actor trial.Actor) []string {
	e.t.Helper()
	events, _, err := e.svc.ListEvents(context.Background(), actor, 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range events {
		out = append(out, webhook.EventID(ev.Sequence))
	}
	return out
}

// TestWorker_DeliversTheWholeLife: receivers of a municipality and of KDD get every
// event they see, in order, signed, as CloudEvents carrying the event as the API shows
// it, hashes included.
func TestWorker_DeliversTheWholeLife(t *testing.T) {
	e := newEnv(t)
	muni, kdd := newReceiver(t, e.clock), newReceiver(t, e.clock)
	e.subscribe(lead, muni.srv.URL+"/forsok")
	kddSub := e.subscribe(handler, kdd.srv.URL+"/forsok")
	id := e.life()
	e.tick()

	for _, tt := range []struct {
		name  string
		r     *receiver
		actor trial.Actor
	}{{"Municipality", muni, lead}, {"KDD", kdd, handler}} {
		t.Run(tt.name, func(t *testing.T) {
			want := e.feedIDs(tt.actor)
			if got := tt.r.ids(); !slices.Equal(got, want) || len(want) < 9 {
				t.Errorf("got ids %v, want %v (the feed)", got, want)
			}
			for _, ce := range tt.r.events() {
				var data struct {
					Name, Action, Hash string
					Sequence           string // protojson writes uint64 as a string
				}
				if err := json.Unmarshal(ce.Data(), &data); err != nil {
					t.Fatal(err)
				}
				if ce.SpecVersion() != "1.0" || ce.Type() != "no.kdd.forsok."+data.Action || ce.Subject() != trial.ApplicationName(id) ||
					ce.Source() != webhook.DefaultSource || ce.DataContentType() != "application/json" || data.Sequence != ce.ID() || len(data.Hash) != 64 {
					t.Errorf("CloudEvent %s with data %+v", ce, data)
				}
				if ce.Time().IsZero() {
					t.Errorf("CloudEvent %s: no time", ce)
				}
			}
		})
	}
	ds, _, err := e.svc.ListDeliveries(context.Background(), handler, kddSub.ID, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.State != trial.DeliverySucceeded || d.AttemptCount != 1 || len(d.Attempts) != 1 || d.Attempts[0].StatusCode != http.StatusNoContent {
			t.Errorf("delivery %d: got %s after %d attempts %+v, want SUCCEEDED after one 204", d.Sequence, d.State, d.AttemptCount, d.Attempts)
		}
	}
	// Nothing left to send: another tick sends nothing.
	before := kdd.count()
	e.tick()
	if kdd.count() != before {
		t.Errorf("a tick with an empty outbox sent %d requests", kdd.count()-before)
	}
}

// TestWorker_ReceiverDownThenBack: while the receiver answers 503 the head of the
// queue is retried with backoff and the rest wait behind it, in order; when it comes
// back everything is delivered, in order.
func TestWorker_ReceiverDownThenBack(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, e.clock)
	sub := e.subscribe(lead, r.srv.URL)
	r.setStatus(http.StatusServiceUnavailable)
	e.life()
	e.tick()
	if got := r.count(); got != 1 {
		t.Fatalf("first tick: %d requests, want 1 (the head, then the queue waits)", got)
	}
	e.tick()
	if got := r.count(); got != 1 {
		t.Fatalf("tick before the retry is due: %d requests, want still 1", got)
	}
	// Backoff with the jitter at 0.5: the n-th retry after 0.75 × 1 min × 2^(n-1).
	e.clock.Advance(45 * time.Second)
	e.tick()
	if got := r.count(); got != 2 {
		t.Fatalf("after the first backoff: %d requests, want 2", got)
	}
	e.clock.Advance(89 * time.Second)
	e.tick()
	if got := r.count(); got != 2 {
		t.Fatalf("a second before the second backoff ends: %d requests, want 2", got)
	}
	e.clock.Advance(time.Second)
	r.setStatus(0) // back up
	e.tick()
	if got, want := r.ids(), e.feedIDs(lead); !slices.Equal(got, want) {
		t.Errorf("after the receiver came back: got %v, want %v", got, want)
	}
	ds, _, _ := e.svc.ListDeliveries(context.Background(), lead, sub.ID, 100, "")
	head := ds[len(ds)-1]
	var statuses []int
	for _, a := range head.Attempts {
		statuses = append(statuses, a.StatusCode)
	}
	if head.State != trial.DeliverySucceeded || !slices.Equal(statuses, []int{503, 503, 204}) || !strings.Contains(head.Attempts[0].Error, "503") {
		t.Errorf("head delivery: got %s with attempts %+v, want SUCCEEDED after 503, 503, 204", head.State, head.Attempts)
	}
}

// TestWorker_GivesUpThenRedelivers: a delivery that fails MaxAttempts times is DEAD and
// the queue moves on; a redelivery sends it again, with the same id.
func TestWorker_GivesUpThenRedelivers(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, e.clock)
	sub := e.subscribe(lead, r.srv.URL, trial.ActionCreate, trial.ActionSubmit)
	r.setStatus(http.StatusInternalServerError)
	app := must[*trial.Application](t)(e.svc.CreateApplication(context.Background(), workflow.Call{Actor: lead}, application()))
	must[*trial.Application](t)(e.svc.SubmitApplication(context.Background(), workflow.Call{Actor: lead}, app.ID, ""))
	for range 4 {
		e.tick()
		e.clock.Advance(time.Hour)
	}
	ds, _, _ := e.svc.ListDeliveries(context.Background(), lead, sub.ID, 100, "")
	created, submitted := ds[1], ds[0]
	if created.State != trial.DeliveryDead || created.AttemptCount != 4 {
		t.Fatalf("create: got %s after %d attempts, want DEAD after 4", created.State, created.AttemptCount)
	}
	if submitted.State != trial.DeliveryPending || submitted.AttemptCount == 0 {
		t.Errorf("submit: got %s after %d attempts, want PENDING and tried: the queue moved on", submitted.State, submitted.AttemptCount)
	}
	r.setStatus(0)
	if _, err := e.svc.RedeliverEvent(context.Background(), lead, sub.ID, created.Sequence); err != nil {
		t.Fatal(err)
	}
	e.tick()
	if got, want := r.ids(), []string{strconv.FormatUint(created.Sequence, 10), strconv.FormatUint(submitted.Sequence, 10)}; !slices.Equal(got, want) {
		t.Errorf("after redelivery: got %v, want %v", got, want)
	}
}

// TestWorker_SlowReceiverHoldsUpOnlyItself: a receiver that does not answer delays
// neither the case actions nor another subscription's deliveries.
func TestWorker_SlowReceiverHoldsUpOnlyItself(t *testing.T) {
	e := newEnv(t)
	slow, fast := newReceiver(t, e.clock), newReceiver(t, e.clock)
	slow.block = make(chan struct{})
	e.subscribe(lead, slow.srv.URL)
	e.subscribe(handler, fast.srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.worker.Run(ctx)
	}()
	start := time.Now()
	e.approved() // the clock stands still: the hanging requests' signatures stay fresh
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the case's life took %s with a receiver hanging, want it unaffected", d)
	}
	want := e.feedIDs(handler)
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Equal(fast.ids(), want) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := fast.ids(); !slices.Equal(got, want) {
		t.Errorf("fast receiver while the slow one hangs: got %v, want %v", got, want)
	}
	if n := len(slow.events()); n != 0 {
		t.Errorf("slow receiver: accepted %d, want 0 while it hangs", n)
	}
	close(slow.block)
	want = e.feedIDs(lead)
	deadline = time.Now().Add(10 * time.Second)
	for !slices.Equal(slow.ids(), want) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := slow.ids(); !slices.Equal(got, want) {
		t.Errorf("slow receiver once it answers: got %v, want %v", got, want)
	}
	cancel()
	<-done
}

// TestWorker_TargetRefusedAtDelivery: a target the policy no longer allows is not
// called; the attempt fails with the policy's reason.
func TestWorker_TargetRefusedAtDelivery(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, e.clock)
	sub := e.subscribe(lead, r.srv.URL, trial.ActionCreate)
	e.worker.Policy = &webhook.TargetPolicy{} // production: loopback refused
	must[*trial.Application](t)(e.svc.CreateApplication(context.Background(), workflow.Call{Actor: lead}, application()))
	e.tick()
	if r.count() != 0 {
		t.Errorf("receiver got %d requests, want none", r.count())
	}
	ds, _, _ := e.svc.ListDeliveries(context.Background(), lead, sub.ID, 10, "")
	if len(ds) != 1 || len(ds[0].Attempts) != 1 || !strings.Contains(ds[0].Attempts[0].Error, "target refused: the target URL must use https") {
		t.Errorf("got %+v, want one failed attempt naming the refusal", ds)
	}
}

// TestWorker_MaxConcurrent: with one queue at a time, every queue is still served,
// one after the other.
func TestWorker_MaxConcurrent(t *testing.T) {
	e := newEnv(t)
	e.worker.MaxConcurrent = 1
	a, b := newReceiver(t, e.clock), newReceiver(t, e.clock)
	e.subscribe(lead, a.srv.URL)
	e.subscribe(handler, b.srv.URL)
	e.approved()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.worker.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	wantA, wantB := e.feedIDs(lead), e.feedIDs(handler)
	deadline := time.Now().Add(10 * time.Second)
	for (!slices.Equal(a.ids(), wantA) || !slices.Equal(b.ids(), wantB)) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !slices.Equal(a.ids(), wantA) || !slices.Equal(b.ids(), wantB) {
		t.Errorf("got %v and %v, want %v and %v", a.ids(), b.ids(), wantA, wantB)
	}
}
