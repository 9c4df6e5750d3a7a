package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/rpc"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/workflow"
)

// stack is the server as cmd/forsokd wires it (store, service, gRPC server, REST gateway,
// development-mode authentication), in this process, on 127.0.0.1 ports the kernel picks.
// The scheduler does not run: it is not on the path of a request.
type stack struct {
	store   *boltstore.Store
	svc     *workflow.Service
	auth    *auth.Authenticator
	key     *auth.DevKey
	server  *rpc.Server
	gateway *rpc.Gateway
	http    *http.Server
	grpcLis net.Listener
	httpLis net.Listener
}

// dbPath is the bbolt file in the data directory, as forsokd names it.
func dbPath(dir string) string { return filepath.Join(dir, "forsok.db") }

// openStore opens the store as forsokd does, with the benchmark's batch size.
func openStore(dir string, maxBatch int) (*boltstore.Store, error) {
	return boltstore.Open(dbPath(dir), boltstore.Options{MaxBatchSize: maxBatch})
}

// newService returns the service and the development-mode authenticator on the data
// directory's key, as forsokd's Run makes them.
func newService(store *boltstore.Store, dir string) (*workflow.Service, *auth.Authenticator, *auth.DevKey, error) {
	ref := trial.DefaultReference()
	svc, err := workflow.NewService(store, ref)
	if err != nil {
		return nil, nil, nil, err
	}
	key, _, err := auth.LoadOrCreateDevKey(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	authn, err := auth.New(nil, auth.Options{Now: time.Now, DevKey: key, MinistryByOrganisation: auth.MinistryLookup(ref, true)})
	if err != nil {
		return nil, nil, nil, err
	}
	return svc, authn, key, nil
}

// startStack opens the data directory's store and serves it. The request log is written
// as forsokd writes it (JSON, one line per call) but to io.Discard: its cost is counted,
// a terminal's is not.
func startStack(ctx context.Context, dir string, maxBatch int) (*stack, error) {
	s := &stack{}
	var err error
	if s.store, err = openStore(dir, maxBatch); err != nil {
		return nil, err
	}
	if s.svc, s.auth, s.key, err = newService(s.store, dir); err != nil {
		_ = s.store.Close()
		return nil, err
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	s.server = rpc.NewServer(rpc.Config{Service: s.svc, Auth: s.auth, Logger: logger})
	if s.gateway, err = rpc.NewGateway(ctx, s.server); err != nil {
		_ = s.close()
		return nil, err
	}
	if s.grpcLis, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		_ = s.close()
		return nil, fmt.Errorf("listen for gRPC: %w", err)
	}
	if s.httpLis, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		_ = s.close()
		return nil, fmt.Errorf("listen for HTTP: %w", err)
	}
	s.http = &http.Server{Handler: s.gateway, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.server.GRPCServer().Serve(s.grpcLis) }()
	go func() {
		if err := s.http.Serve(s.httpLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("http server", "err", err)
		}
	}()
	return s, nil
}

func (s *stack) grpcAddr() string { return s.grpcLis.Addr().String() }
func (s *stack) httpBase() string { return "http://" + s.httpLis.Addr().String() }

// close stops serving and closes the store.
func (s *stack) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	if s.http != nil {
		errs = append(errs, s.http.Shutdown(ctx))
	}
	if s.server != nil {
		s.server.Shutdown(ctx)
	}
	if s.gateway != nil {
		errs = append(errs, s.gateway.Close())
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	return errors.Join(errs...)
}
