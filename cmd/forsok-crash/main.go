// Command forsok-crash is the crash test: it runs forsokd as a separate process under
// concurrent load, kills it with SIGKILL at random moments, restarts it, and checks after
// every kill, with the server down, that nothing the clients were told is lost and nothing
// they were not told is half there:
//
//	go run ./cmd/forsok-crash [-kills 20] [-workers 8] [-seed N] [-min-up 150ms] [-max-up 800ms]
//
// It builds forsokd (or runs -bin), on a data directory in a new temporary directory,
// with ports the kernel picks, read from the server's "forsokd serving" log line. The
// workers are municipalities, half over gRPC and half over REST, each taking its cases
// through create, update, submit, assign, consultation, the ministry's answer and
// approval (with the KDD and ministry development tokens), and recording every action
// acknowledged, with its answer, and the one in flight when the server died. The checks
// are verify's. After the last kill the server is started once more, serves a last round,
// is stopped with SIGTERM and checked again. It prints one summary line and exits non-zero
// if any check failed.
//
// What SIGKILL can and cannot show: a killed process's writes that reached the kernel
// survive it, so this test finds acknowledgements sent before the commit, commits that
// are not atomic, torn or inconsistent files and lost or doubled numbers, not a missing
// fsync (that takes a power cut).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/loadgen"
)

func main() {
	if err := crashMain(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "forsok-crash:", err)
		}
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	kills   int
	workers int
	seed    uint64
	minUp   time.Duration
	maxUp   time.Duration
	bin     string
	race    bool
	keep    bool
	verbose bool
}

func crashMain(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("forsok-crash", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.IntVar(&c.kills, "kills", 20, "how many times to kill the server")
	fs.IntVar(&c.workers, "workers", 8, "concurrent clients (half gRPC, half REST)")
	fs.Uint64Var(&c.seed, "seed", 0, "random seed of the kill moments (0: from the clock; printed)")
	fs.DurationVar(&c.minUp, "min-up", 150*time.Millisecond, "shortest time under load before a kill")
	fs.DurationVar(&c.maxUp, "max-up", 800*time.Millisecond, "longest time under load before a kill")
	fs.StringVar(&c.bin, "bin", "", "forsokd `binary` to run (default: go build it)")
	fs.BoolVar(&c.race, "race", false, "build forsokd with the race detector")
	fs.BoolVar(&c.keep, "keep", false, "keep the data directory")
	fs.BoolVar(&c.verbose, "v", false, "print every round")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.kills < 1 || c.workers < 1 || c.minUp <= 0 || c.maxUp < c.minUp {
		return errors.New("want -kills ≥ 1, -workers ≥ 1 and 0 < -min-up ≤ -max-up")
	}
	if c.seed == 0 {
		c.seed = uint64(time.Now().UnixNano())
	}
	dir, err := os.MkdirTemp("", "forsok-crash-*")
	if err != nil {
		return err
	}
	if c.keep {
		fmt.Fprintln(stderr, "forsok-crash: data in", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if c.bin == "" {
		if c.bin, err = buildServer(dir, c.race); err != nil {
			return err
		}
	}
	return crash(c, filepath.Join(dir, "data"), stdout)
}

// totals add up the rounds.
type totals struct {
	acked, recovered, notApplied, refused int
	lastCases, lastEvents                 int
	problems                              []string
}

func crash(c config, dataDir string, stdout io.Writer) error {
	start := time.Now()
	rng := rand.New(rand.NewPCG(c.seed, 0x5eed))
	ms := loadgen.Municipalities(c.workers)
	workers := make([]*worker, c.workers)
	for i := range workers {
		transport := "grpc"
		if i%2 == 1 {
			transport = "rest"
		}
		workers[i] = &worker{id: i, municipality: ms[i], transport: transport}
	}
	var (
		tokens *loadgen.Tokens
		tot    totals
	)
	report := func(round int, what string, v verdict) {
		tot.recovered += v.Recovered
		tot.notApplied += v.NotApplied
		tot.lastCases, tot.lastEvents = v.Cases, v.Events
		for _, p := range v.Problems {
			tot.problems = append(tot.problems, fmt.Sprintf("after %s %d: %s", what, round, p))
		}
		if c.verbose || len(v.Problems) > 0 {
			fmt.Fprintf(stdout, "%s %d: %d cases, %d events, %d acknowledged actions checked, in flight: %d committed, %d not; %d problems\n",
				what, round, v.Cases, v.Events, v.Acked, v.Recovered, v.NotApplied, len(v.Problems))
			for _, p := range v.Problems {
				fmt.Fprintln(stdout, "  ", p)
			}
		}
	}
	dbFile := filepath.Join(dataDir, "forsok.db")
	for round := 0; round <= c.kills; round++ {
		srv, err := startServer(c.bin, dataDir)
		if err != nil {
			return fmt.Errorf("round %d: %w", round, err)
		}
		if tokens == nil {
			key, _, err := auth.LoadOrCreateDevKey(dataDir)
			if err != nil {
				srv.kill()
				return err
			}
			if tokens, err = loadgen.NewTokens(key, ms, time.Now(), 24*time.Hour); err != nil {
				srv.kill()
				return err
			}
		}
		up := c.minUp + time.Duration(rng.Int64N(int64(c.maxUp-c.minUp)+1))
		acks, err := load(srv, workers, tokens, up, func() {
			if round < c.kills {
				srv.kill()
			}
		})
		if err != nil {
			srv.kill()
			return err
		}
		tot.acked += acks
		what := "kill"
		if round == c.kills {
			what = "clean stop"
			if err := srv.stop(); err != nil {
				tot.problems = append(tot.problems, err.Error())
			}
		}
		if n := srv.races.Load(); n > 0 {
			tot.problems = append(tot.problems, fmt.Sprintf("round %d: the race detector reported %d data races; the server's log:\n%s", round+1, n, srv.logs))
		}
		v, err := verify(dbFile, workers)
		if err != nil {
			return fmt.Errorf("after %s %d: %w", what, round+1, err)
		}
		report(round+1, what, v)
		if len(tot.problems) > 0 && !c.verbose {
			break
		}
	}
	for _, w := range workers {
		for _, t := range w.cases {
			if t.Refused != "" {
				tot.refused++
				tot.problems = append(tot.problems, fmt.Sprintf("worker %d: %s of %s was refused: %s", w.id, t.Refused, t.Case.Name, t.RefusedErr))
			}
		}
	}
	verified := 0
	for _, w := range workers {
		for _, t := range w.cases {
			verified += len(t.Acked)
		}
	}
	result := "ok"
	if len(tot.problems) > 0 {
		result = "FAILED"
	}
	fmt.Fprintf(stdout, "forsok-crash: %s: %d SIGKILLs and a clean stop, %d workers (seed %d): %d actions acknowledged, %d in-flight actions found committed, %d not; %d actions verified on %d cases (%d events, sequences 1…%d) after every restart; %d problems (%.0f s)\n",
		result, c.kills, c.workers, c.seed, tot.acked, tot.recovered, tot.notApplied, verified, tot.lastCases, tot.lastEvents, tot.lastEvents, len(tot.problems), time.Since(start).Seconds())
	if len(tot.problems) > 0 {
		for i, p := range tot.problems {
			if i == 20 {
				fmt.Fprintf(stdout, "  … and %d more\n", len(tot.problems)-20)
				break
			}
			fmt.Fprintln(stdout, "  ", p)
		}
		return fmt.Errorf("%d problems", len(tot.problems))
	}
	return nil
}

// load runs the workers against srv for up, then calls stop (which kills the server) and
// waits for the workers to notice. It returns the actions acknowledged.
func load(srv *server, workers []*worker, tokens *loadgen.Tokens, up time.Duration, stop func()) (int, error) {
	conn, err := grpc.NewClient(srv.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	httpClient := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: len(workers)}}
	defer httpClient.CloseIdleConnections()
	clients := map[string]loadgen.Client{
		"grpc": loadgen.NewGRPC(conn, tokens),
		"rest": &loadgen.REST{HTTP: httpClient, Base: "http://" + srv.httpAddr, Tokens: tokens},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu   sync.Mutex
		acks int
		wg   sync.WaitGroup
	)
	for _, w := range workers {
		wg.Go(func() {
			n := w.run(ctx, clients[w.transport])
			mu.Lock()
			acks += n
			mu.Unlock()
		})
	}
	time.Sleep(up)
	stop()
	// The workers' calls fail once the server is gone; those that were between calls
	// stop at the cancel. After a clean stop the cancel ends them.
	cancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		return 0, errors.New("the workers did not stop within 60 s of the kill")
	}
	return acks, nil
}
