package boltstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/workflow"
)

func TestOpenReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "forsok.db")
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ErrLocked", func(t *testing.T) {
		_, err := boltstore.OpenReadOnly(path, boltstore.Options{LockTimeout: 50 * time.Millisecond})
		if !errors.Is(err, boltstore.ErrLocked) {
			t.Errorf("open while a writer holds the file: got %v, want ErrLocked", err)
		}
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		ro, err := boltstore.OpenReadOnly(path, boltstore.Options{})
		if err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		defer ro.Close()
		if err := ro.View(context.Background(), func(tx workflow.ReadTx) error { _, err := tx.LastEventSequence(); return err }); err != nil {
			t.Errorf("View: got %v, want nil", err)
		}
		if err := ro.Update(context.Background(), func(workflow.Tx) error { return nil }); !errors.Is(err, boltstore.ErrReadOnly) {
			t.Errorf("Update: got %v, want ErrReadOnly", err)
		}
	})
}
