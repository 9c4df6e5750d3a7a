package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// createCase is what an action does in one transaction: allocate an id, store the case
// and append its event. It returns the id through *id (set on every run: fn may run more
// than once).
func createCase(id *string) func(workflow.Tx) error {
	return func(tx workflow.Tx) error {
		var err error
		if *id, err = tx.NextApplicationID(2026); err != nil {
			return err
		}
		if err := tx.PutApplication(app(*id, trial.StateDraft, orgA)); err != nil {
			return err
		}
		return tx.AppendEvent(&trial.Event{ApplicationID: *id, Action: trial.ActionCreate, ToState: trial.StateDraft})
	}
}

// allEvents returns every event of the given cases, by case.
func allEvents(t *testing.T, s *boltstore.Store, ids []string) map[string][]*trial.Event {
	t.Helper()
	out := map[string][]*trial.Event{}
	mustView(t, s, func(tx workflow.ReadTx) error {
		for _, id := range ids {
			evs, err := tx.ListEvents(id, 0, 1000)
			if err != nil {
				return err
			}
			out[id] = evs
		}
		return nil
	})
	return out
}

// TestStore_UpdateConcurrent runs many goroutines' Updates at once, some refused before
// writing, some failing after writing, and checks that each caller gets its own answer,
// that exactly the successful ones are stored, that ids and event sequences have no
// gaps, and that commits were shared.
func TestStore_UpdateConcurrent(t *testing.T) {
	s := mustOpen(t)
	const goroutines, perGoroutine = 64, 12
	type outcome struct {
		kind string // "ok", "refused", "failed"
		id   string
		err  error
	}
	results := make([][]outcome, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				var o outcome
				mine := fmt.Errorf("goroutine %d call %d", g, i)
				switch (g + i) % 6 {
				case 0: // refused before writing, like a failed guard
					o.kind = "refused"
					o.err = s.Update(context.Background(), func(tx workflow.Tx) error {
						if _, err := tx.Application("2026-999999"); !errors.Is(err, trial.ErrNotFound) {
							return fmt.Errorf("unexpected case: %v", err)
						}
						return mine
					})
				case 3: // fails after writing: its writes must vanish
					o.kind = "failed"
					o.err = s.Update(context.Background(), func(tx workflow.Tx) error {
						if err := createCase(&o.id)(tx); err != nil {
							return err
						}
						return mine
					})
				default:
					o.kind = "ok"
					o.err = s.Update(context.Background(), createCase(&o.id))
				}
				if o.kind != "ok" && !errors.Is(o.err, mine) {
					t.Errorf("%s call: got %v, want its own error %v", o.kind, o.err, mine)
				}
				if o.kind == "ok" && o.err != nil {
					t.Errorf("ok call: got %v, want nil", o.err)
				}
				results[g] = append(results[g], o)
			}
		})
	}
	wg.Wait()

	var ok []string
	for _, rs := range results {
		for _, o := range rs {
			if o.kind == "ok" {
				ok = append(ok, o.id)
			}
		}
	}
	slices.Sort(ok)
	for i, id := range ok {
		if want := fmt.Sprintf("2026-%06d", i+1); id != want {
			t.Fatalf("acknowledged ids: #%d is %s, want %s (ids must have no gaps or duplicates)", i, id, want)
		}
	}
	events := allEvents(t, s, ok)
	for _, id := range ok {
		if got := mustGet(t, s, id); got.State != trial.StateDraft {
			t.Errorf("case %s: got state %s, want DRAFT", id, got.State)
		}
		if len(events[id]) != 1 {
			t.Errorf("case %s: got %d events, want 1", id, len(events[id]))
		}
	}
	if n, err := boltstore.BucketLen(s, "applications"); err != nil || n != len(ok) {
		t.Errorf("applications stored: got %d (%v), want %d", n, err, len(ok))
	}
	if n, err := boltstore.BucketLen(s, "events"); err != nil || n != len(ok) {
		t.Errorf("events stored: got %d (%v), want %d", n, err, len(ok))
	}
	st := s.WriteStats()
	if st.Committed != uint64(len(ok)) {
		t.Errorf("WriteStats.Committed: got %d, want %d", st.Committed, len(ok))
	}
	if st.Commits >= st.Committed {
		t.Errorf("WriteStats: %d commits for %d actions, want fewer commits than actions (shared)", st.Commits, st.Committed)
	}
	t.Logf("%d actions in %d commits (%.1f per commit), %d re-runs", st.Committed, st.Commits, float64(st.Committed)/float64(st.Commits), st.Reruns)
	// The Cleanup's Check verifies event sequences 1…N and the indexes.
}

// queued starts fn in an Update of its own and waits until the call waits in the
// writer's queue, so that calls line up in the order they are started.
func queued(t *testing.T, s *boltstore.Store, fn func(workflow.Tx) error) <-chan error {
	t.Helper()
	before := boltstore.QueueLen(s)
	done := make(chan error, 1)
	go func() { done <- s.Update(context.Background(), fn) }()
	deadline := time.Now().Add(10 * time.Second)
	for boltstore.QueueLen(s) <= before {
		if time.Now().After(deadline) {
			t.Fatal("the call did not reach the writer's queue within 10 s")
		}
		time.Sleep(100 * time.Microsecond)
	}
	return done
}

// holdWriter occupies the writer until the returned release is called, so that the calls
// queued meanwhile form one batch.
func holdWriter(t *testing.T, s *boltstore.Store) (release func()) {
	t.Helper()
	inside, gate := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(workflow.Tx) error {
			close(inside)
			<-gate
			return nil
		})
	}()
	<-inside
	return func() {
		close(gate)
		if err := <-done; err != nil {
			t.Errorf("holding call: got %v, want nil", err)
		}
	}
}

// TestStore_BatchFailures lines calls up into one batch and checks that a call refused
// before writing, one failing after writing, one panicking and one whose context ended
// while it waited each get their own answer, while their batch-mates are committed, and
// that nothing is answered before its commit.
func TestStore_BatchFailures(t *testing.T) {
	refused, failed := errors.New("refused"), errors.New("failed after writing")
	tests := []struct {
		name string
		// bad is the call put in the middle of the batch; wantErr checks its answer.
		bad     func(ctx context.Context, s *boltstore.Store) func(workflow.Tx) error
		wantErr func(error) bool
		// wantReruns is how many fn runs the bad call costs its batch-mates.
		wantReruns uint64
	}{
		{"RefusedBeforeWriting", func(context.Context, *boltstore.Store) func(workflow.Tx) error {
			return func(tx workflow.Tx) error {
				if _, err := tx.Application("2026-000001"); err != nil {
					return fmt.Errorf("a batch-mate's case is not visible: %w", err)
				}
				return refused
			}
		}, func(err error) bool { return errors.Is(err, refused) }, 0},
		{"FailedAfterWriting", func(context.Context, *boltstore.Store) func(workflow.Tx) error {
			return func(tx workflow.Tx) error {
				var id string
				if err := createCase(&id)(tx); err != nil {
					return err
				}
				return failed
			}
		}, func(err error) bool { return errors.Is(err, failed) }, 3},
		{"Panicked", func(context.Context, *boltstore.Store) func(workflow.Tx) error {
			return func(workflow.Tx) error { panic("boom") }
		}, func(err error) bool { return err != nil }, 3},
		{"ContextEnded", func(ctx context.Context, _ *boltstore.Store) func(workflow.Tx) error {
			return func(workflow.Tx) error { return errors.New("ran although its context had ended") }
		}, func(err error) bool { return errors.Is(err, context.Canceled) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustOpen(t)
			ctx, cancel := context.WithCancel(context.Background())
			release := holdWriter(t, s)
			before := s.WriteStats()
			ids := make([]string, 4)
			var calls []<-chan error
			calls = append(calls, queued(t, s, createCase(&ids[0])))
			calls = append(calls, queued(t, s, createCase(&ids[1])))
			var bad <-chan error
			if tt.name == "ContextEnded" {
				d := make(chan error, 1)
				go func() { d <- s.Update(ctx, tt.bad(ctx, s)) }()
				for boltstore.QueueLen(s) < 3 {
					time.Sleep(100 * time.Microsecond)
				}
				bad = d
				cancel()
			} else {
				bad = queued(t, s, tt.bad(ctx, s))
			}
			calls = append(calls, queued(t, s, createCase(&ids[2])))
			calls = append(calls, queued(t, s, createCase(&ids[3])))
			for _, c := range append(slices.Clone(calls), bad) {
				select {
				case err := <-c:
					t.Fatalf("a call was answered (%v) before its batch ran", err)
				default:
				}
			}
			release()
			for i, c := range calls {
				if err := <-c; err != nil {
					t.Errorf("batch-mate %d: got %v, want nil", i, err)
				}
			}
			if err := <-bad; !tt.wantErr(err) {
				t.Errorf("bad call: got %v, want its own error", err)
			}
			cancel()
			after := s.WriteStats()
			if got := after.Committed - before.Committed; got != 4 {
				t.Errorf("committed calls: got %d, want 4", got)
			}
			if got := after.Commits - before.Commits; got != 1 {
				t.Errorf("commits for the batch: got %d, want 1 (the batch-mates share one)", got)
			}
			if got := after.Reruns - before.Reruns; got != tt.wantReruns {
				t.Errorf("re-runs: got %d, want %d", got, tt.wantReruns)
			}
			slices.Sort(ids)
			if want := []string{"2026-000001", "2026-000002", "2026-000003", "2026-000004"}; !slices.Equal(ids, want) {
				t.Errorf("ids of the batch-mates: got %v, want %v", ids, want)
			}
			if n, err := boltstore.BucketLen(s, "events"); err != nil || n != 4 {
				t.Errorf("events: got %d (%v), want 4", n, err)
			}
		})
	}
}

// TestStore_FirstOfBatchFailsAfterWriting: a call that fails after writing as the first
// of its batch saw only committed data, so its answer stands without a second run, and the
// batch-mates go on.
func TestStore_FirstOfBatchFailsAfterWriting(t *testing.T) {
	s := mustOpen(t)
	failed := errors.New("failed after writing")
	release := holdWriter(t, s)
	runs := 0
	first := queued(t, s, func(tx workflow.Tx) error {
		runs++
		var id string
		if err := createCase(&id)(tx); err != nil {
			return err
		}
		return failed
	})
	var id string
	second := queued(t, s, createCase(&id))
	release()
	if err := <-first; !errors.Is(err, failed) {
		t.Errorf("first: got %v, want %v", err, failed)
	}
	if err := <-second; err != nil {
		t.Errorf("second: got %v, want nil", err)
	}
	if runs != 1 {
		t.Errorf("runs of the failing call: got %d, want 1", runs)
	}
	if id != "2026-000001" {
		t.Errorf("second's id: got %s, want 2026-000001 (the failed call's number is not burnt)", id)
	}
}

// TestStore_CloseDrainsQueue: Close lets queued calls finish and refuses later ones.
func TestStore_CloseDrainsQueue(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "forsok.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, s)
	var id string
	call := queued(t, s, createCase(&id))
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	release()
	if err := <-call; err != nil {
		t.Errorf("queued call: got %v, want nil", err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: got %v, want nil", err)
	}
	if err := s.Update(context.Background(), createCase(&id)); !errors.Is(err, berrors.ErrDatabaseNotOpen) {
		t.Errorf("Update after Close: got %v, want %v", err, berrors.ErrDatabaseNotOpen)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
}

// TestStore_MaxBatchSizeOne gives every call its own commit.
func TestStore_MaxBatchSizeOne(t *testing.T) {
	s := mustOpenAt(t, filepath.Join(t.TempDir(), "forsok.db"), boltstore.Options{MaxBatchSize: 1})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			var id string
			if err := s.Update(context.Background(), createCase(&id)); err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	if st := s.WriteStats(); st.Commits != 16 || st.Committed != 16 {
		t.Errorf("WriteStats: got %d commits for %d actions, want 16 for 16", st.Commits, st.Committed)
	}
}
