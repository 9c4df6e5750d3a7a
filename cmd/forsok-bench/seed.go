package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/forsok/forsok/internal/loadgen"
)

// seedTarget is how far through loadgen.Lifecycle seeded case i goes, so that the store
// holds cases in every state of it: 10 % drafts (created, then edited), 20 % submitted,
// 15 % in review, 15 % in consultation, 10 % ready for decision, 30 % approved.
func seedTarget(i int) int {
	switch h := i % 20; {
	case h < 2:
		return 2 // create, update: DRAFT
	case h < 6:
		return 3 // … submit: SUBMITTED
	case h < 9:
		return 4 // … assign: IN_REVIEW
	case h < 12:
		return 5 // … createConsultation: IN_CONSULTATION
	case h < 14:
		return 6 // … respondToConsultation: READY_FOR_DECISION
	default:
		return 7 // … approve: APPROVED
	}
}

// seedApplicant is case i's lead applicant: every tenth case is the first municipality's
// (the one the filtered page asks for), the others spread over the rest.
func seedApplicant(ms []loadgen.Municipality, i int) loadgen.Municipality {
	if i%10 == 3 || len(ms) == 1 {
		return ms[0]
	}
	return ms[1+(i*7919)%(len(ms)-1)]
}

// seedWorkers is how many cases are on their way at once while seeding: enough for the
// store's group commit to fill large transactions.
const seedWorkers = 256

// seed creates n cases through the workflow service in this process (no transport, no
// tokens to verify): each goes through loadgen.Lifecycle as far as seedTarget says, one
// action per store Update as in the server, and the store's group commit (opened with a
// large batch size) packs the actions of seedWorkers concurrent cases into each commit.
// It returns the names of the cases KDD can see (not drafts), for the reads.
func seed(ctx context.Context, client loadgen.Client, ms []loadgen.Municipality, n int, progress io.Writer) ([]string, error) {
	var (
		next     atomic.Int64
		done     atomic.Int64
		mu       sync.Mutex
		visible  []string
		firstErr error
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fmt.Fprintf(progress, "  seeded %d of %d cases (%.0f s)\n", done.Load(), n, time.Since(start).Seconds())
			}
		}
	}()
	defer close(stop)
	for range min(seedWorkers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				c := &loadgen.Case{Municipality: seedApplicant(ms, i)}
				for c.Done < seedTarget(i) {
					if _, err := client.Do(ctx, c); err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = fmt.Errorf("seed case %d, %s: %w", i, c.Next(), err)
						}
						mu.Unlock()
						cancel()
						return
					}
				}
				if c.Done > 2 {
					mu.Lock()
					visible = append(visible, c.Name)
					mu.Unlock()
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return visible, firstErr
}
