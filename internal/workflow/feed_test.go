package workflow_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// feedActions lists the actions of the events the actor sees in the feed.
func feedActions(t *testing.T, e *svcEnv, actor trial.Actor) []trial.Action {
	t.Helper()
	events, _, err := e.svc.ListEvents(svcCtx, actor, 0, 1000)
	if err != nil {
		t.Fatalf("ListEvents as %s: %v", actor.Role, err)
	}
	var out []trial.Action
	for _, ev := range events {
		out = append(out, ev.Action)
	}
	return out
}

// TestService_FeedVisibility: each party sees the events of the cases it could see
// when they happened; a draft's only its applicants, KDD's from submission on, a
// consulted ministry's from its consultation on.
func TestService_FeedVisibility(t *testing.T) {
	e := svcSetup(t)
	joint := svcDriveApp(t, e, svcJointFixture(), trial.StateApproved)
	other := svcDriveApp(t, e, svcOtherFixture(), trial.StateDraft)
	if err := e.svc.DeleteApplication(svcCtx, svcCall(svcOther), other.ID); err != nil {
		t.Fatalf("DeleteApplication: %v", err)
	}

	whole := []trial.Action{trial.ActionCreate, trial.ActionConfirmParticipation, trial.ActionSubmit, trial.ActionAssign,
		trial.ActionOpenConsultation, trial.ActionRespondToConsultation, trial.ActionApprove}
	tests := []struct {
		name  string
		actor trial.Actor
		want  []trial.Action
	}{
		{"LeadApplicant", svcLead, whole},
		{"CoApplicant", svcCo, whole},
		{"OtherMunicipalityOwnDeletedDraft", svcOther, []trial.Action{trial.ActionCreate, trial.ActionDelete}},
		{"KDDFromSubmission", svcHandler, whole[2:]},
		{"KDDApprover", svcApprover, whole[2:]},
		{"ConsultedMinistryFromItsConsultation", svcKD, whole[4:]},
		{"MinistryNeverConsulted", svcHOD, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := feedActions(t, e, tt.actor); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("AdminRefused", func(t *testing.T) {
		_, _, err := e.svc.ListEvents(svcCtx, svcAdmin, 0, 0)
		if code := trial.ErrorCode(err); code != trial.CodePermissionDenied {
			t.Errorf("got %v, want PERMISSION_DENIED", err)
		}
	})
	t.Run("AnonymousRefused", func(t *testing.T) {
		_, _, err := e.svc.ListEvents(svcCtx, svcPublic, 0, 0)
		if code := trial.ErrorCode(err); code != trial.CodeUnauthenticated {
			t.Errorf("got %v, want UNAUTHENTICATED", err)
		}
	})
	t.Run("Pages", func(t *testing.T) {
		var got []uint64
		var after uint64
		for range 10 {
			page, next, err := e.svc.ListEvents(svcCtx, svcLead, after, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range page {
				got = append(got, ev.Sequence)
			}
			if len(page) == 0 {
				if next != after {
					t.Errorf("empty page: next_after %d, want the request's %d", next, after)
				}
				break
			}
			after = next
		}
		all, _, _ := e.svc.ListEvents(svcCtx, svcLead, 0, 1000)
		var want []uint64
		for _, ev := range all {
			want = append(want, ev.Sequence)
		}
		if !slices.Equal(got, want) || len(want) != len(whole) {
			t.Errorf("paged: got %v, want %v", got, want)
		}
	})
	t.Run("ChainHead", func(t *testing.T) {
		app := e.app(t, joint.ID)
		events, _, _ := e.svc.ListApplicationEvents(svcCtx, svcLead, joint.ID, 0, "")
		last := events[len(events)-1]
		if app.ChainHead == nil || *app.ChainHead != (trial.ChainHead{Sequence: last.Sequence, Hash: last.Hash}) {
			t.Errorf("chain head: got %+v, want event %d %s", app.ChainHead, last.Sequence, last.Hash)
		}
		if pub, _ := e.svc.GetApplication(svcCtx, svcPublic, joint.ID); pub.ChainHead != nil {
			t.Errorf("public register: got chain head %+v, want none", pub.ChainHead)
		}
	})
	if rep := e.store.VerifyChains(); len(rep.Problems) > 0 || rep.Cases != 2 {
		t.Errorf("VerifyChains: got %d cases, problems %v; want 2 cases, none", rep.Cases, rep.Problems)
	}
}

// watcher runs WatchEvents in a goroutine and collects what it sends.
type watcher struct {
	mu     sync.Mutex
	got    []uint64
	cancel context.CancelFunc
	done   chan error
}

func watch(e *svcEnv, actor trial.Actor, after *uint64) *watcher {
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{cancel: cancel, done: make(chan error, 1)}
	go func() {
		w.done <- e.svc.WatchEvents(ctx, actor, after, func(ev *trial.Event) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.got = append(w.got, ev.Sequence)
			return nil
		})
	}()
	return w
}

func (w *watcher) seqs() []uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}

// waitFor waits until the watcher has received an event with sequence at least seq.
func (w *watcher) waitFor(t *testing.T, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s := w.seqs(); len(s) > 0 && s[len(s)-1] >= seq {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("watcher: got %v, want up to %d", w.seqs(), seq)
}

func (w *watcher) stop(t *testing.T) {
	t.Helper()
	w.cancel()
	if err := <-w.done; !errors.Is(err, context.Canceled) {
		t.Errorf("WatchEvents ended with %v, want context.Canceled", err)
	}
}

// TestService_WatchEvents_ResumeExactly: a watcher disconnects in the middle of a busy
// feed and resumes from the last sequence it got; it ends with exactly the sequence a
// list gives, nothing missed, nothing twice.
func TestService_WatchEvents_ResumeExactly(t *testing.T) {
	e := svcSetup(t)
	zero := uint64(0)
	first := watch(e, svcHandler, &zero)

	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svcDrive(t, e, trial.StateApproved)
		}()
	}
	// Disconnect once a few events have come through, while cases are still moving.
	deadline := time.Now().Add(10 * time.Second)
	for len(first.seqs()) < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	first.stop(t)
	got := first.seqs()
	last := got[len(got)-1]
	second := watch(e, svcHandler, &last)
	wg.Wait()
	svcDrive(t, e, trial.StateSubmitted) // after everything else, so the end is known

	all, _, err := e.svc.ListEvents(svcCtx, svcHandler, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	second.waitFor(t, all[len(all)-1].Sequence)
	second.stop(t)
	got = append(got, second.seqs()...)
	var want []uint64
	for _, ev := range all {
		want = append(want, ev.Sequence)
	}
	if !slices.Equal(got, want) {
		t.Errorf("resumed watch: got %v, want %v", got, want)
	}
}

// TestService_WatchEvents_FromNow: without a cursor the watch starts after the last
// event, and follows live.
func TestService_WatchEvents_FromNow(t *testing.T) {
	e := svcSetup(t)
	old := svcDrive(t, e, trial.StateSubmitted)
	w := watch(e, svcLead, nil)
	// The watch may start before or after this call; only what follows it counts.
	time.Sleep(50 * time.Millisecond)
	app := svcTry(e.svc.WithdrawApplication(svcCtx, svcCall(svcLead), old.ID, "Trukket.")).must(t)
	w.waitFor(t, app.ChainHead.Sequence)
	w.stop(t)
	if got := w.seqs(); !slices.Equal(got, []uint64{app.ChainHead.Sequence}) {
		t.Errorf("got %v, want only the withdrawal %d", got, app.ChainHead.Sequence)
	}
}
