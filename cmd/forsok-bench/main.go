// Command forsok-bench measures forsok on this machine, in one run on a temporary store:
//
//	go run ./cmd/forsok-bench [-cases 100000] [-duration 5s] [-concurrency 1,64] [-out FILE]
//
// It seeds the store with -cases cases through the workflow service; measures the disk
// (fdatasync) and plain bbolt doing one action's reads and writes per commit; starts the
// server stack in this process on 127.0.0.1 (store, service, gRPC, REST gateway,
// development-mode tokens, as forsokd wires them) and drives the workflow's actions
// (create, update, submit, assign, consult, respond, approve) over gRPC and over REST at
// each concurrency; measures a filtered page of 50, reading one case against a no-op
// call, the public web pages (register, statistics), uploads and downloads of documents
// (-doc-sizes, MiB/s over gRPC and REST), and the start-up time and memory of a server
// process on the seeded store. It
// prints each figure, the ratios and their targets, and with -out writes them as JSON.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the service reads the law's dates in Europe/Oslo

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/loadgen"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// allPhases are the measured phases, in the order they run.
var allPhases = []string{"startup", "disk", "raw", "grpc", "rest", "page", "read", "web", "documents"}

// municipalities is the number of applicants, about Norway's number of municipalities.
const municipalities = 357

// Targets on the reference machine (2 cores), from issue 3.
const (
	targetGRPCvsRaw        = 0.9
	targetActionsPerCommit = 1.5
	targetRESTvsGRPC       = 0.65
	targetPageP99ms        = 2.0
	targetReadVsNoop       = 0.8
)

// Report is everything measured, as -out writes it.
type Report struct {
	Cases       int     `json:"cases"`
	Dir         string  `json:"dir"`
	MaxBatch    int     `json:"maxBatchSize"`
	SeedSeconds float64 `json:"seedSeconds"`
	SeedActions uint64  `json:"seedActions"`
	SeedCommits uint64  `json:"seedCommits"`
	FileBytes   int64   `json:"fileBytes"`

	Fdatasync Figure `json:"fdatasync"`
	RawBolt   Figure `json:"rawBoltCommits"`

	GRPC map[int]Figure `json:"grpc"`
	REST map[int]Figure `json:"rest"`

	PageFilter string `json:"pageFilter"`
	PageMatch  int    `json:"pageMatches"`
	Page       Figure `json:"page"`

	WebFilter string     `json:"webFilter,omitempty"`
	Web       WebFigures `json:"web"`
	Read      Figure     `json:"readOneCase"`
	Noop      Figure     `json:"noopCall"`

	Startup Probe `json:"startup"`

	// Documents are the documents phase's transfers: each transport, direction and size.
	Documents []DocFigure `json:"documents,omitempty"`

	Ratios []Ratio `json:"ratios"`
}

// Ratio is a figure compared with its target.
type Ratio struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Target string  `json:"target"`
	Met    bool    `json:"met"`
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == probeArg {
		if err := probe(os.Args[2], os.Args[3:]); err != nil {
			fmt.Fprintln(os.Stderr, "forsok-bench probe:", err)
			os.Exit(1)
		}
		return
	}
	if err := benchMain(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "forsok-bench:", err)
		}
		os.Exit(1)
	}
}

func benchMain(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("forsok-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cases := fs.Int("cases", 100000, "cases to seed the store with")
	duration := fs.Duration("duration", 5*time.Second, "how long each measured phase runs")
	concurrency := fs.String("concurrency", "1,64", "comma-separated numbers of concurrent callers for the action phases")
	out := fs.String("out", "", "write the figures as JSON to this `file`")
	dirFlag := fs.String("dir", "", "data `directory` (default: a new temporary directory, removed afterwards); its disk is the one measured")
	keep := fs.Bool("keep", false, "keep the data directory")
	maxBatch := fs.Int("max-batch", 0, "the store's MaxBatchSize while serving (0: the default; 1: one commit per action, no group commit)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured phases to this `file`")
	docSizes := fs.String("doc-sizes", "10,50", "comma-separated file sizes in MiB for the documents phase")
	docTransfers := fs.Int("doc-transfers", 3, "uploads and downloads of each size over each transport in the documents phase")
	phaseList := fs.String("phases", strings.Join(allPhases, ","), "comma-separated phases to run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var levels []int
	for _, s := range strings.Split(*concurrency, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-concurrency: %q is not a positive number", s)
		}
		levels = append(levels, n)
	}
	if *cases < 100 {
		return fmt.Errorf("-cases must be at least 100")
	}
	phases := map[string]bool{}
	for _, ph := range strings.Split(*phaseList, ",") {
		if !slices.Contains(allPhases, ph) {
			return fmt.Errorf("-phases: unknown phase %q; the phases are %s", ph, strings.Join(allPhases, ","))
		}
		phases[ph] = true
	}

	dir := *dirFlag
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "forsok-bench-*"); err != nil {
			return err
		}
		if !*keep {
			defer os.RemoveAll(dir)
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ctx := context.Background()
	r := &Report{Cases: *cases, Dir: dir, MaxBatch: *maxBatch, GRPC: map[int]Figure{}, REST: map[int]Figure{}}
	ms := loadgen.Municipalities(municipalities)
	p := func(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) }
	p("forsok-bench: %d cases in %s", *cases, dir)

	// Seed, or reuse what an earlier run with -dir and -keep seeded.
	sd, reused, err := seedStore(ctx, r, dir, ms, stderr)
	if err != nil {
		return err
	}
	if reused {
		p("reusing the %d cases seeded in %s by an earlier run (%.1f s then), file %.0f MiB", r.Cases, dir, r.SeedSeconds, float64(r.FileBytes)/(1<<20))
	} else {
		p("seeded %d cases in %.1f s: %d actions through the workflow service in %d commits (%.0f per commit), file %.0f MiB",
			r.Cases, r.SeedSeconds, r.SeedActions, r.SeedCommits, float64(r.SeedActions)/float64(max(r.SeedCommits, 1)), float64(r.FileBytes)/(1<<20))
	}
	key, _, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		return err
	}
	tokens, err := loadgen.NewTokens(key, ms, time.Now(), 24*time.Hour)
	if err != nil {
		return err
	}
	visible := sd.Visible

	// Start-up and memory, in a process of its own.
	if phases["startup"] {
		if r.Startup, err = runProbe(dir, visible[0], tokens.Handler); err != nil {
			return err
		}
		p("start-up on the seeded store: open %.1f ms, first answered request %.1f ms; memory: heap in use %.1f MiB, RSS %.1f MiB",
			r.Startup.OpenMillis, r.Startup.ReadyMillis, float64(r.Startup.HeapInuse)/(1<<20), float64(r.Startup.RSS)/(1<<20))
	}

	// The disk and plain bbolt.
	if phases["disk"] {
		if r.Fdatasync, err = rawFdatasync(dir, min(*duration, 3*time.Second)); err != nil {
			return err
		}
		p("disk: write 4 KiB + fdatasync      %8.0f /s   p50 %6.2f ms  p99 %6.2f ms", r.Fdatasync.PerSec, r.Fdatasync.P50ms, r.Fdatasync.P99ms)
	}
	if phases["raw"] {
		if r.RawBolt, err = rawBolt(dir, sd.Template, 10000, *duration); err != nil {
			return err
		}
		p("raw bbolt, same pattern, 1 writer  %8.0f commits/s  p50 %6.2f ms  p99 %6.2f ms", r.RawBolt.PerSec, r.RawBolt.P50ms, r.RawBolt.P99ms)
	}

	// The server.
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	st, err := startStack(ctx, dir, *maxBatch)
	if err != nil {
		return err
	}
	defer st.close()
	conn, err := grpc.NewClient(st.grpcAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	httpClient := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512}}
	clients := map[string]loadgen.Client{
		"gRPC": loadgen.NewGRPC(conn, tokens),
		"REST": &loadgen.REST{HTTP: httpClient, Base: st.httpBase(), Tokens: tokens},
	}
	for _, transport := range []string{"gRPC", "REST"} {
		if !phases[strings.ToLower(transport)] {
			continue
		}
		for _, n := range levels {
			f := actions(ctx, st, clients[transport], ms, *duration, n)
			if transport == "gRPC" {
				r.GRPC[n] = f
			} else {
				r.REST[n] = f
			}
			p("%-4s actions, %3d callers       %8.0f /s   p50 %6.2f ms  p99 %6.2f ms  %6d commits, %5.1f actions per commit%s",
				transport, n, f.PerSec, f.P50ms, f.P99ms, f.Commits, f.PerCommit, errNote(f))
		}
	}

	// Reads.
	api := forsokv1.NewApplicationServiceClient(conn)
	handler := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tokens.Handler)
	if phases["page"] {
		r.PageFilter = fmt.Sprintf("state = SUBMITTED AND applicant = %s", ms[0].Org)
		r.Page, r.PageMatch = page(handler, api, r.PageFilter, *duration)
		p("filtered page of 50 (%s, %d matches of %d): %6.0f /s   p50 %6.2f ms  p99 %6.2f ms%s",
			r.PageFilter, r.PageMatch, r.Cases, r.Page.PerSec, r.Page.P50ms, r.Page.P99ms, errNote(r.Page))
	}
	if phases["read"] {
		rng := rand.New(rand.NewPCG(1, 2))
		r.Read = run(handler, *duration/2, 1, func(ctx context.Context, _ int) error {
			_, err := api.GetApplication(ctx, &forsokv1.GetApplicationRequest{Name: visible[rng.IntN(len(visible))]})
			return err
		})
		health := healthpb.NewHealthClient(conn)
		r.Noop = run(handler, *duration/2, 1, func(ctx context.Context, _ int) error {
			_, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
			return err
		})
		p("read one case (GetApplication)     %8.0f /s   p50 %6.2f ms  p99 %6.2f ms%s", r.Read.PerSec, r.Read.P50ms, r.Read.P99ms, errNote(r.Read))
		p("no-op call (health Check)          %8.0f /s   p50 %6.2f ms  p99 %6.2f ms%s", r.Noop.PerSec, r.Noop.P50ms, r.Noop.P99ms, errNote(r.Noop))
	}

	if phases["web"] {
		county := ms[0].Number[:2]
		r.WebFilter = "/?county=" + county + "&state=APPROVED&q=karakter"
		r.Web = webPages(ctx, httpClient, st.httpBase(), r.WebFilter, *duration/2)
		for _, x := range []struct {
			name string
			f    Figure
		}{{"register, first page (/)", r.Web.Register}, {"register, " + r.WebFilter, r.Web.RegisterFiltered},
			{"statistics page (/statistikk)", r.Web.Statistics}, {"statistics JSON (/v1/statistics)", r.Web.StatisticsJSON}} {
			p("public page: %-45s %6.0f /s   p50 %6.2f ms  p99 %6.2f ms%s", x.name, x.f.PerSec, x.f.P50ms, x.f.P99ms, errNote(x.f))
		}
	}

	if phases["documents"] {
		sizes, err := parseSizes(*docSizes)
		if err != nil {
			return err
		}
		r.Documents = documentsPhase(ctx, api, httpClient, st.httpBase(), tokens.Handler, visible, sizes, max(*docTransfers, 1))
		for _, f := range r.Documents {
			p("documents: %-4s %-8s %3d MiB   %7.1f MiB/s   p50 %7.1f ms  p99 %7.1f ms  (%d transfers)%s",
				f.Transport, f.Direction, f.SizeMiB, f.MiBPerSec, f.P50ms, f.P99ms, f.Ops, errNote(f.Figure))
		}
	}

	// Ratios.
	top := levels[len(levels)-1]
	ratio := func(name string, value, target float64, below bool) {
		if math.IsNaN(value) || math.IsInf(value, 0) || value == 0 {
			return // a phase that did not run
		}
		met := value >= target
		t := fmt.Sprintf("≥ %g", target)
		if below {
			met, t = value < target, fmt.Sprintf("< %g", target)
		}
		r.Ratios = append(r.Ratios, Ratio{Name: name, Value: value, Target: t, Met: met})
	}
	for _, n := range levels {
		ratio(fmt.Sprintf("gRPC actions/s ÷ raw same-pattern commits/s, %d callers", n), r.GRPC[n].PerSec/r.RawBolt.PerSec, targetGRPCvsRaw, false)
	}
	for _, n := range levels {
		ratio(fmt.Sprintf("actions per commit (gRPC, %d callers)", n), r.GRPC[n].PerCommit, targetActionsPerCommit, false)
	}
	for _, n := range levels {
		ratio(fmt.Sprintf("REST ÷ gRPC actions/s, %d callers", n), r.REST[n].PerSec/r.GRPC[n].PerSec, targetRESTvsGRPC, false)
	}
	ratio("filtered page of 50, p99 ms", r.Page.P99ms, targetPageP99ms, true)
	ratio("read one case ÷ no-op call (calls/s)", r.Read.PerSec/r.Noop.PerSec, targetReadVsNoop, false)
	ratio("public register page, p99 ms", r.Web.Register.P99ms, targetWebP99ms, true)
	ratio("public register page filtered and searched, p99 ms", r.Web.RegisterFiltered.P99ms, targetWebP99ms, true)
	ratio("public statistics page, p99 ms", r.Web.Statistics.P99ms, targetWebP99ms, true)
	p("")
	p("%-60s %8s  %-7s %s", "ratio", "value", "target", "")
	for _, x := range r.Ratios {
		verdict := "met"
		if !x.Met {
			verdict = "MISSED"
		}
		note := ""
		if strings.Contains(x.Name, fmt.Sprintf(", %d callers", levels[0])) && levels[0] != top && !strings.Contains(x.Name, "REST") {
			note = " (the target applies under load)"
		}
		p("%-60s %8.2f  %-7s %s%s", x.Name, x.Value, x.Target, verdict, note)
	}
	if *out != "" {
		data, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func errNote(f Figure) string {
	if f.Errors == 0 {
		return ""
	}
	return fmt.Sprintf("  (%d errors; first: %s)", f.Errors, f.FirstErr)
}

// seeded is what seeding leaves for the measurements; it is kept in the data directory
// (seedFile) so that a later run with the same -dir and -cases can reuse the store.
type seeded struct {
	Cases       int     `json:"cases"`
	SeedSeconds float64 `json:"seedSeconds"`
	SeedActions uint64  `json:"seedActions"`
	SeedCommits uint64  `json:"seedCommits"`
	// Visible are the names of the cases KDD sees (not drafts).
	Visible []string `json:"visible"`
	// Template is the JSON of one stored approved case, the raw benchmark's record.
	Template json.RawMessage `json:"template"`
}

const seedFile = "bench-seed.json"

// seedStore seeds dir's store, unless an earlier run left one of the same size there.
func seedStore(ctx context.Context, r *Report, dir string, ms []loadgen.Municipality, progress io.Writer) (sd *seeded, reused bool, err error) {
	defer func() {
		if fi, statErr := os.Stat(dbPath(dir)); statErr == nil {
			r.FileBytes = fi.Size()
		}
		if sd != nil {
			r.SeedSeconds, r.SeedActions, r.SeedCommits = sd.SeedSeconds, sd.SeedActions, sd.SeedCommits
		}
	}()
	if data, err := os.ReadFile(filepath.Join(dir, seedFile)); err == nil {
		sd = new(seeded)
		if err := json.Unmarshal(data, sd); err == nil && sd.Cases == r.Cases && len(sd.Visible) > 0 {
			return sd, true, nil
		}
	}
	if _, err := os.Stat(dbPath(dir)); err == nil {
		return nil, false, fmt.Errorf("%s holds a store this program did not seed for -cases %d; use another -dir", dir, r.Cases)
	}
	// A large batch size: the seeding workers' actions fill big transactions. Only the
	// core runs (server.Open): the seeding workers call the service in process.
	srv := newServer(dir, 4096)
	defer func() {
		if cerr := srv.Close(); err == nil {
			err = cerr
		}
	}()
	if err := srv.Open(); err != nil {
		return nil, false, err
	}
	store := srv.BoltStore()
	tokens, err := loadgen.NewTokens(srv.DevKey(), ms, time.Now(), time.Hour)
	if err != nil {
		return nil, false, err
	}
	client, err := loadgen.NewService(ctx, srv.Service(), srv.Authenticator(), tokens)
	if err != nil {
		return nil, false, err
	}
	sd = &seeded{Cases: r.Cases}
	start := time.Now()
	if sd.Visible, err = seed(ctx, client, ms, r.Cases, progress); err != nil {
		return nil, false, err
	}
	sd.SeedSeconds = time.Since(start).Seconds()
	ws := store.WriteStats()
	sd.SeedActions, sd.SeedCommits = ws.Committed, ws.Commits
	if len(sd.Visible) == 0 {
		return nil, false, errors.New("seeding left no case KDD can see")
	}
	err = store.View(ctx, func(tx workflow.ReadTx) error {
		id, err := trial.ParseApplicationName(sd.Visible[len(sd.Visible)-1], "name")
		if err != nil {
			return err
		}
		app, err := tx.Application(id)
		if err != nil {
			return err
		}
		sd.Template, err = json.Marshal(app)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	data, err := json.Marshal(sd)
	if err != nil {
		return nil, false, err
	}
	return sd, false, os.WriteFile(filepath.Join(dir, seedFile), data, 0o600)
}

// actions drives the lifecycle through client from n callers, each on its own cases,
// for d, and counts the commits they took.
func actions(ctx context.Context, st *stack, client loadgen.Client, ms []loadgen.Municipality, d time.Duration, n int) Figure {
	cases := make([]*loadgen.Case, n)
	fresh := func(i int) *loadgen.Case { return &loadgen.Case{Municipality: ms[i%len(ms)]} }
	for i := range cases {
		cases[i] = fresh(i)
	}
	before := st.BoltStore().WriteStats()
	f := run(ctx, d, n, func(ctx context.Context, i int) error {
		if cases[i].Next() == "" {
			cases[i] = fresh(i + n)
		}
		_, err := client.Do(ctx, cases[i])
		if err != nil {
			cases[i] = fresh(i)
		}
		return err
	})
	after := st.BoltStore().WriteStats()
	f.Commits = after.Commits - before.Commits
	if f.Commits > 0 {
		f.PerCommit = float64(after.Committed-before.Committed) / float64(f.Commits)
	}
	return f
}

// page lists the filtered cases 50 at a time, following the page tokens to the end and
// starting again, for d. It returns the figure and how many cases match.
func page(ctx context.Context, api forsokv1.ApplicationServiceClient, filter string, d time.Duration) (Figure, int) {
	token, seen, matches := "", 0, 0
	f := run(ctx, d, 1, func(ctx context.Context, _ int) error {
		resp, err := api.ListApplications(ctx, &forsokv1.ListApplicationsRequest{Filter: filter, PageSize: 50, PageToken: token})
		if err != nil {
			token, seen = "", 0
			return err
		}
		seen += len(resp.GetApplications())
		if token = resp.GetNextPageToken(); token == "" {
			matches, seen = max(matches, seen), 0
		} else if len(resp.GetApplications()) != 50 {
			return fmt.Errorf("a page before the last has %d cases, want 50", len(resp.GetApplications()))
		}
		return nil
	})
	return f, max(matches, seen)
}

// probeArg runs the program as the start-up probe: a fresh process that opens the
// seeded store, serves it and answers one request.
const probeArg = "-startup-probe"

// Probe is what the start-up probe measures.
type Probe struct {
	// OpenMillis is the time to open the store (bbolt's open and the schema check);
	// ReadyMillis the time from the start of the open to the first answered gRPC request
	// (GetApplication of a seeded case) on a new connection.
	OpenMillis  float64 `json:"openMillis"`
	ReadyMillis float64 `json:"readyMillis"`
	// HeapInuse is the Go heap in use after the first request, RSS the process's resident
	// memory (/proc/self/status VmRSS), which includes the pages of the bbolt file it has
	// touched.
	HeapInuse uint64 `json:"heapInuseBytes"`
	RSS       uint64 `json:"rssBytes"`
}

func runProbe(dir, name, token string) (Probe, error) {
	self, err := os.Executable()
	if err != nil {
		return Probe{}, err
	}
	cmd := exec.Command(self, probeArg, dir, name, token)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return Probe{}, fmt.Errorf("start-up probe: %w", err)
	}
	var p Probe
	if err := json.Unmarshal(out, &p); err != nil {
		return Probe{}, fmt.Errorf("start-up probe: %w (%q)", err, out)
	}
	return p, nil
}
