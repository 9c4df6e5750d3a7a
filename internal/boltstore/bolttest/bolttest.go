// Package bolttest opens temporary bbolt stores for tests: on a new file in
// t.TempDir(), without fsync, checked for consistency and closed when the test ends.
package bolttest

import (
	"path/filepath"
	"testing"

	"github.com/forsok/forsok/internal/boltstore"
)

// Open opens a store with opts on a new file in t.TempDir(). It skips the fsync after
// each commit (boltstore.Options.NoSync): tests about durability open their store
// themselves. When the test ends, Open's cleanup checks the store's consistency
// (indexes, the gap-free event sequence: Store.Check) and closes it.
func Open(t testing.TB, opts boltstore.Options) *boltstore.Store {
	t.Helper()
	opts.NoSync = true
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "forsok.db"), opts)
	if err != nil {
		t.Fatalf("boltstore.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := store.Check(); err != nil {
			t.Errorf("store.Check: got %v, want nil", err)
		}
		if err := store.Close(); err != nil {
			t.Errorf("store.Close: got %v, want nil", err)
		}
	})
	return store
}
