package boltstore

import (
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// DefaultMaxBatchSize is how many Update calls one commit carries at most when
// Options.MaxBatchSize is zero. It bounds the work (and so the latency) of one write
// transaction; 64 callers at once fit in one.
const DefaultMaxBatchSize = 256

// writer is the group commit behind Update: one goroutine owns bbolt's write transaction,
// and the calls that queue while it commits (an fdatasync or two, the slow part) share the
// next commit. A lone caller never waits for company: when the queue holds one call, that
// call is committed at once. Under load, batches grow by themselves to the number of
// callers waiting, so there is no delay to tune (bbolt's Batch waits MaxBatchDelay for
// company, which caps a lone caller at 1/MaxBatchDelay commits per second).
//
// Each call's fn runs on its own writeTx in the shared bbolt transaction, one after the
// other, so a later call sees what an earlier one wrote. A call's result is sent only
// after the transaction it ran in has been committed (and so synced): nothing is
// acknowledged before it is durable, not even a refusal that read a batch-mate's writes.
//
// bbolt has no savepoints, so a call that fails cannot be undone alone. But most failures
// are refusals decided before anything is written (not found, permission, validation,
// etag, state, guards); the writer tracks whether a call wrote (trackedTx), and a call
// that fails without writing leaves the transaction as it found it: its batch-mates go
// on, and its error is its answer. A call that fails after writing (or panics) spoils the
// transaction, which is rolled back: if the call was the first of the batch, it saw only
// committed data, exactly as alone, and its error is final; otherwise it is run again
// alone, in a transaction of its own, and the rest of the batch is run again without it.
// Every such round takes one call out of the batch, so a batch ends after at most as many
// rounds as it has calls. This is bbolt's Batch's rule (db.go, batch.run and trySolo)
// without its re-runs for refusals.
type writer struct {
	db    *bolt.DB
	newTx func(*bolt.Tx) *writeTx
	max   int

	mu     sync.Mutex
	cond   *sync.Cond
	queue  []*call
	closed bool
	done   chan struct{}

	stats struct {
		calls, commits, committed, reruns atomic.Uint64
	}
}

// call is one Update waiting for its result.
type call struct {
	fn     func(*trackedTx) error
	result chan error // buffered: the writer never waits for the caller
}

func newWriter(db *bolt.DB, max int, newTx func(*bolt.Tx) *writeTx) *writer {
	w := &writer{db: db, newTx: newTx, max: max, done: make(chan struct{})}
	w.cond = sync.NewCond(&w.mu)
	go w.loop()
	return w
}

// do queues fn and waits for its result. It does not return before the call is settled,
// whatever happens to the caller's context: the call may be committing.
func (w *writer) do(fn func(*trackedTx) error) error {
	c := &call{fn: fn, result: make(chan error, 1)}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return berrors.ErrDatabaseNotOpen
	}
	w.queue = append(w.queue, c)
	w.cond.Signal()
	w.mu.Unlock()
	return <-c.result
}

// close refuses new calls, lets the writer finish those queued and waits for it.
// Calling it again just waits.
func (w *writer) close() {
	w.mu.Lock()
	w.closed = true
	w.cond.Broadcast()
	w.mu.Unlock()
	<-w.done
}

func (w *writer) loop() {
	defer close(w.done)
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && !w.closed {
			w.cond.Wait()
		}
		if len(w.queue) == 0 {
			w.mu.Unlock()
			return
		}
		n := min(len(w.queue), w.max)
		batch := make([]*call, n)
		copy(batch, w.queue)
		w.queue = append(w.queue[:0], w.queue[n:]...)
		w.mu.Unlock()
		w.stats.calls.Add(uint64(n))
		w.commit(batch)
	}
}

// commit runs the calls in one write transaction and sends each its result; see writer
// for what happens when one fails.
func (w *writer) commit(pending []*call) {
	for len(pending) > 0 {
		tx, err := w.db.Begin(true)
		if err != nil {
			for _, c := range pending {
				c.result <- err
			}
			return
		}
		results := make([]error, len(pending))
		wrote := make([]bool, len(pending))
		spoiled := -1
		for i, c := range pending {
			t := &trackedTx{writeTx: w.newTx(tx)}
			err, panicked := safeCall(c.fn, t)
			switch {
			case err == nil:
				wrote[i] = t.wrote
			case t.wrote || panicked:
				spoiled, results[i] = i, err
			default:
				results[i] = err
			}
			if spoiled >= 0 {
				break
			}
		}
		if spoiled >= 0 {
			_ = tx.Rollback()
			c := pending[spoiled]
			pending = append(pending[:spoiled:spoiled], pending[spoiled+1:]...)
			if spoiled == 0 {
				c.result <- results[0]
			} else {
				w.stats.reruns.Add(uint64(spoiled + 1))
				w.commit([]*call{c})
			}
			continue
		}
		if slices.Contains(wrote, true) {
			err = tx.Commit()
			if err == nil {
				w.stats.commits.Add(1)
			}
		} else {
			// Nothing to make durable: every call was refused or only read.
			err = tx.Rollback()
		}
		for i, c := range pending {
			switch {
			case err != nil:
				c.result <- err
			default:
				if results[i] == nil && wrote[i] {
					w.stats.committed.Add(1)
				}
				c.result <- results[i]
			}
		}
		return
	}
}

// safeCall runs fn, turning a panic into an error so that one bad call cannot take the
// writer, and every caller waiting on it, down.
func safeCall(fn func(*trackedTx) error, t *trackedTx) (err error, panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			err, panicked = fmt.Errorf("boltstore: transaction function panicked: %v\n%s", p, debug.Stack()), true
		}
	}()
	return fn(t), false
}

// WriteStats counts the writer's work since Open.
type WriteStats struct {
	// Calls is the number of Update calls that reached the writer.
	Calls uint64
	// Committed is the number of calls whose fn wrote and returned nil and whose
	// transaction was committed: the actions made durable.
	Committed uint64
	// Commits is the number of write transactions committed. Each is one durable point:
	// bbolt syncs the data pages and then the meta page (two fdatasync calls, a third
	// when the file grows).
	Commits uint64
	// Reruns is the number of fn runs repeated because a batch-mate failed after
	// writing.
	Reruns uint64
}

// WriteStats returns the writer's counters; Committed ÷ Commits is how many actions
// shared a commit on average.
func (s *Store) WriteStats() WriteStats {
	st := &s.w.stats
	return WriteStats{Calls: st.calls.Load(), Committed: st.committed.Load(), Commits: st.commits.Load(), Reruns: st.reruns.Load()}
}

// trackedTx is a writeTx that notes whether fn changed anything, so that a call refused
// before it wrote can fail without spoiling its batch. It must override every method of
// trial.Tx that writes (TestTrackedTx_MarksEveryWrite checks this by reflection).
type trackedTx struct {
	*writeTx
	wrote bool
}

var _ workflow.Tx = (*trackedTx)(nil)

// PutStatistics implements workflow.Tx.
func (t *trackedTx) PutStatistics(d trial.Delta, seq uint64, applicationID string, f *trial.CaseFacts) error {
	t.wrote = true
	return t.writeTx.PutStatistics(d, seq, applicationID, f)
}

// NextApplicationID implements trial.Tx.
func (t *trackedTx) NextApplicationID(year int) (string, error) {
	t.wrote = true
	return t.writeTx.NextApplicationID(year)
}

// NextCaseNumber implements trial.Tx.
func (t *trackedTx) NextCaseNumber(year int) (string, error) {
	t.wrote = true
	return t.writeTx.NextCaseNumber(year)
}

// PutApplication implements trial.Tx.
func (t *trackedTx) PutApplication(app *trial.Application) error {
	t.wrote = true
	return t.writeTx.PutApplication(app)
}

// DeleteApplication implements trial.Tx.
func (t *trackedTx) DeleteApplication(id string) error {
	t.wrote = true
	return t.writeTx.DeleteApplication(id)
}

// NextConsultationID implements trial.Tx.
func (t *trackedTx) NextConsultationID(applicationID string) (string, error) {
	t.wrote = true
	return t.writeTx.NextConsultationID(applicationID)
}

// PutConsultation implements trial.Tx.
func (t *trackedTx) PutConsultation(c *trial.Consultation) error {
	t.wrote = true
	return t.writeTx.PutConsultation(c)
}

// AppendEvent implements trial.Tx.
func (t *trackedTx) AppendEvent(e *trial.Event) error {
	t.wrote = true
	return t.writeTx.AppendEvent(e)
}

// PutRequest implements trial.Tx.
func (t *trackedTx) PutRequest(key string, rec *workflow.RequestRecord) error {
	t.wrote = true
	return t.writeTx.PutRequest(key, rec)
}

// PutTimers implements trial.Tx.
func (t *trackedTx) PutTimers(applicationID string, timers []trial.Timer) error {
	t.wrote = true
	return t.writeTx.PutTimers(applicationID, timers)
}
