package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

// probe is the start-up probe's process: it opens the seeded store in dir, serves it, and
// times the first answered GetApplication of the case name; it prints a Probe as JSON.
func probe(dir string, args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("want the case name and a token, got %d arguments", len(args))
	}
	name, token := args[0], args[1]
	ctx := context.Background()
	start := time.Now()
	st, err := startStack(ctx, dir, 0)
	if err != nil {
		return err
	}
	defer st.close()
	opened := time.Since(start) // the stack's start is dominated by the store's open
	conn, err := grpc.NewClient(st.grpcAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	api := forsokv1.NewApplicationServiceClient(conn)
	callCtx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	for {
		_, err := api.GetApplication(callCtx, &forsokv1.GetApplicationRequest{Name: name})
		if err == nil {
			break
		}
		if time.Since(start) > 30*time.Second {
			return fmt.Errorf("no answer within 30 s: %w", err)
		}
		time.Sleep(time.Millisecond)
	}
	ready := time.Since(start)
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	p := Probe{OpenMillis: ms(opened), ReadyMillis: ms(ready), HeapInuse: mem.HeapInuse, RSS: rss()}
	return json.NewEncoder(os.Stdout).Encode(p)
}

// rss returns the process's resident set size from /proc/self/status, 0 when unknown.
func rss() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}
