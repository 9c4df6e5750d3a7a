package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/server"
)

// stack is the server as forsokd runs it (internal/server: store, service, gRPC server,
// REST gateway, development-mode authentication), in this process, on 127.0.0.1 ports
// the kernel picks. The scheduler and the webhook worker do not run: they are not on
// the path of a request.
type stack struct{ *server.Server }

// dbPath is the bbolt file in the data directory, as forsokd names it.
func dbPath(dir string) string { return filepath.Join(dir, server.DBFile) }

// newServer returns the server of the data directory with the benchmark's batch size
// (0: the store's default). The log is written as forsokd writes it (JSON, one line per
// call) but to io.Discard: its cost is counted, a terminal's is not.
func newServer(dir string, maxBatch int) *server.Server {
	cfg := server.DefaultConfig()
	cfg.DataDir, cfg.HTTPAddr, cfg.GRPCAddr = dir, "127.0.0.1:0", "127.0.0.1:0"
	s := server.New(cfg)
	s.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	s.NoWorkers = true
	s.Store = func(o *boltstore.Options) { o.MaxBatchSize = maxBatch }
	return s
}

// startStack opens the data directory's store and serves it.
func startStack(ctx context.Context, dir string, maxBatch int) (*stack, error) {
	s := newServer(dir, maxBatch)
	if err := s.Run(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return &stack{s}, nil
}

func (s *stack) grpcAddr() string { return s.GRPCAddr() }
func (s *stack) httpBase() string { return "http://" + s.HTTPAddr() }
func (s *stack) close() error     { return s.Close() }
