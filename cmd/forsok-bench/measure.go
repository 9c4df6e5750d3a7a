package main

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Figure is a measured rate with its latencies.
type Figure struct {
	Ops     int     `json:"ops"`
	Errors  int     `json:"errors"`
	Seconds float64 `json:"seconds"`
	PerSec  float64 `json:"perSecond"`
	P50ms   float64 `json:"p50Millis"`
	P99ms   float64 `json:"p99Millis"`
	// Commits is the number of bbolt write transactions committed during the phase, and
	// PerCommit the actions that shared each (phases that write only).
	Commits   uint64  `json:"commits,omitempty"`
	PerCommit float64 `json:"actionsPerCommit,omitempty"`
	FirstErr  string  `json:"firstError,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// summarize turns latencies measured over elapsed into a Figure.
func summarize(lat []time.Duration, errs int, elapsed time.Duration) Figure {
	slices.Sort(lat)
	f := Figure{Ops: len(lat), Errors: errs, Seconds: elapsed.Seconds()}
	if elapsed > 0 {
		f.PerSec = float64(len(lat)) / elapsed.Seconds()
	}
	if len(lat) > 0 {
		f.P50ms = ms(lat[len(lat)*50/100])
		f.P99ms = ms(lat[min(len(lat)-1, len(lat)*99/100)])
	}
	return f
}

// run calls op from callers goroutines at once, each in a loop, until d has passed, and
// measures each call. op gets the caller's number; an error counts and is kept, the
// loop goes on.
func run(ctx context.Context, d time.Duration, callers int, op func(ctx context.Context, caller int) error) Figure {
	var (
		mu       sync.Mutex
		all      []time.Duration
		errs     int
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for c := range callers {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			nerr := 0
			var ferr error
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t := time.Now()
				err := op(ctx, c)
				if err != nil {
					nerr++
					if ferr == nil {
						ferr = err
					}
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			all = append(all, lat...)
			errs += nerr
			if firstErr == nil {
				firstErr = ferr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	f := summarize(all, errs, time.Since(start))
	if firstErr != nil {
		f.FirstErr = firstErr.Error()
	}
	return f
}
